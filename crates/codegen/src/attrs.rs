//! The attributes `Fn::GetAtt` can read: the schema's `readOnlyProperties` (objects expanded to
//! their leaves, `Endpoint.Address`), plus what [`crate::fixups`] adds.

use anyhow::{Context, Result, bail};
use serde_json::Value as Json;

use crate::fixups::{GetAttFix, getatt_fixup};
use crate::model::{deref, pointer_list, scalar, types_of};
use crate::names;

/// How deep object attributes are expanded.
const MAX_DEPTH: usize = 8;

/// The element type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    /// `String`.
    Str,
    /// `i64`.
    Int,
    /// `f64`.
    Num,
    /// `bool`.
    Bool,
    /// `Json`.
    Json,
}

impl Elem {
    /// The Rust type.
    pub fn rust(self) -> &'static str {
        match self {
            Elem::Str => "String",
            Elem::Int => "i64",
            Elem::Num => "f64",
            Elem::Bool => "bool",
            Elem::Json => "Json",
        }
    }
}

/// One attribute.
#[derive(Debug, Clone)]
pub struct Attr {
    /// The `Fn::GetAtt` name, dotted for nested ones (`Endpoint.Address`).
    pub name: String,
    /// The accessor's name, e.g. `attr_endpoint_address`.
    pub accessor: String,
    /// Its element type.
    pub elem: Elem,
    /// Whether it is a list.
    pub list: bool,
    /// The schema description (raw).
    pub description: String,
}

fn elem_of(schema: &Json, node: &Json) -> Result<Elem> {
    let (node, _) = deref(schema, node)?;
    Ok(match types_of(node)[..] {
        [t] => match scalar(t) {
            Some(crate::model::Ty::Str) => Elem::Str,
            Some(crate::model::Ty::Int) => Elem::Int,
            Some(crate::model::Ty::Num) => Elem::Num,
            Some(crate::model::Ty::Bool) => Elem::Bool,
            _ => Elem::Json,
        },
        _ => Elem::Json,
    })
}

fn description(node: &Json) -> &str {
    node.get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
}

/// Adds `segments` (and, for objects with properties, their leaves) to `out`.
fn expand(
    schema: &Json,
    segments: &[String],
    node: &Json,
    inherited: &str,
    depth: usize,
    out: &mut Vec<Attr>,
) -> Result<()> {
    let mut desc = description(node);
    let (node, _) = deref(schema, node)?;
    if desc.trim().is_empty() {
        desc = description(node);
    }
    if desc.trim().is_empty() {
        desc = inherited;
    }
    let types = types_of(node);
    let props = node.get("properties").and_then(Json::as_object);
    if let (Some(props), true) = (props, types.is_empty() || types == ["object"])
        && !props.is_empty()
        && depth < MAX_DEPTH
    {
        for (name, child) in props {
            let mut segs = segments.to_vec();
            segs.push(name.clone());
            expand(schema, &segs, child, "", depth + 1, out)?;
        }
        return Ok(());
    }
    let (elem, list) = if types == ["array"] {
        match node.get("items") {
            Some(items) => (elem_of(schema, items)?, true),
            None => (Elem::Json, true),
        }
    } else {
        (elem_of(schema, node)?, false)
    };
    let name = segments.join(".");
    if out.iter().any(|a| a.name == name) {
        return Ok(());
    }
    let base = format!(
        "attr_{}",
        segments
            .iter()
            .map(|s| names::field_name(s).trim_end_matches('_').to_owned())
            .collect::<Vec<_>>()
            .join("_")
    );
    // Two attributes can normalize to one name (`CertificateAuthorityData` and
    // `CertificateAuthority.Data`); the later one, in schema order, gets a numeric suffix.
    let mut accessor = base.clone();
    let mut n = 2;
    while out.iter().any(|a| a.accessor == accessor) {
        accessor = format!("{base}_{n}");
        n += 1;
    }
    out.push(Attr {
        name,
        accessor,
        elem,
        list,
        description: desc.to_owned(),
    });
    Ok(())
}

/// Resolves a property pointer below `Properties` (`Endpoint/Address`); `None` when it goes
/// through a list (`Destinations/*/Status`), which `Fn::GetAtt` cannot address.
fn resolve<'a>(schema: &'a Json, pointer: &str) -> Result<Option<&'a Json>> {
    let mut node = schema;
    for seg in pointer.split('/') {
        if seg == "*" {
            return Ok(None);
        }
        let (resolved, _) = deref(schema, node)?;
        node = resolved
            .get("properties")
            .and_then(|p| p.get(seg))
            .with_context(|| format!("read-only property {pointer} is not in the schema"))?;
    }
    Ok(Some(node))
}

/// The attributes of a resource type, in schema order (read-only properties first).
pub fn attributes(type_name: &str, schema: &Json) -> Result<Vec<Attr>> {
    let mut out = Vec::new();
    for pointer in pointer_list(schema, "readOnlyProperties") {
        if let Some(node) = resolve(schema, &pointer)? {
            let segments: Vec<String> = pointer.split('/').map(str::to_owned).collect();
            expand(schema, &segments, node, "", 0, &mut out)?;
        }
    }
    if let Some(fixup) = getatt_fixup(type_name) {
        let before = out.len();
        let props = schema
            .get("properties")
            .and_then(Json::as_object)
            .context("schema has no properties")?;
        let names: Vec<&str> = match fixup.fix {
            GetAttFix::AllProperties => props.keys().map(String::as_str).collect(),
            GetAttFix::Properties(names) => names.to_vec(),
        };
        for name in names {
            let node = props.get(name).with_context(|| {
                format!("GetAtt fix-up for {type_name}: property {name} is not in the schema")
            })?;
            expand(schema, &[name.to_owned()], node, "", 0, &mut out)?;
        }
        if out.len() == before {
            bail!(
                "the GetAtt fix-up for {type_name} adds nothing any more; remove it from \
                 crates/codegen/src/fixups.rs"
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_read_only_objects_expand_to_leaves() {
        let schema = json!({
            "typeName": "AWS::X::Y",
            "properties": {
                "Arn": {"type": "string"},
                "Endpoint": {"$ref": "#/definitions/Endpoint"},
                "Ips": {"type": "array", "items": {"type": "string"}},
                "Items": {"type": "array", "items": {"$ref": "#/definitions/Endpoint"}}
            },
            "definitions": {"Endpoint": {"type": "object", "properties": {
                "Address": {"type": "string"}, "Port": {"type": "integer"}
            }}},
            "readOnlyProperties": ["/properties/Arn", "/properties/Endpoint",
                "/properties/Endpoint/Address", "/properties/Ips", "/properties/Items/*/Port"]
        });
        let attrs = attributes("AWS::X::Y", &schema).unwrap();
        let got: Vec<(&str, &str, Elem, bool)> = attrs
            .iter()
            .map(|a| (a.name.as_str(), a.accessor.as_str(), a.elem, a.list))
            .collect();
        assert_eq!(
            got,
            [
                ("Arn", "attr_arn", Elem::Str, false),
                (
                    "Endpoint.Address",
                    "attr_endpoint_address",
                    Elem::Str,
                    false
                ),
                ("Endpoint.Port", "attr_endpoint_port", Elem::Int, false),
                ("Ips", "attr_ips", Elem::Str, true),
            ]
        );
    }
}
