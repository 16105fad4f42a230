//! The typed model of one resource schema: the resource's fields and the property structs they
//! need, with Rust names and types decided.
//!
//! Types follow the schema: `string`/`integer`/`number`/`boolean` are scalars, `array` is a list,
//! an object with `properties` is a struct (or the shared `Tag` for exactly `{Key, Value}` of
//! strings), an object whose only shape is `patternProperties`/`additionalProperties` is a map,
//! and anything else (free-form objects, several types, no type) is JSON. Read-only properties
//! are not fields: they are attributes.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result, bail};
use serde_json::Value as Json;

use crate::names;

/// How deep property structs are followed; registry schemas nest far less than this.
const MAX_DEPTH: usize = 24;

/// The Rust type of a property.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `String`.
    Str,
    /// `i64`.
    Int,
    /// `f64`.
    Num,
    /// `bool`.
    Bool,
    /// Free-form JSON (`Json`).
    Json,
    /// The shared `Tag`.
    Tag,
    /// A generated property struct, by index into [`Model::structs`].
    Struct(usize),
    /// A list of an element type (never itself a list or map).
    List(Box<Ty>),
    /// A string-keyed map of an element type (never itself a list or map).
    Map(Box<Ty>),
}

impl Ty {
    /// Lists and maps of lists or maps are not expressible as `List<T>`/`Map<T>`; their elements
    /// become JSON.
    fn element(self) -> Ty {
        match self {
            Ty::List(_) | Ty::Map(_) => Ty::Json,
            other => other,
        }
    }
}

/// A property of a resource or of a property struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// The CloudFormation name, e.g. `CidrBlock`.
    pub cfn_name: String,
    /// The Rust field name, e.g. `cidr_block`.
    pub rust_name: String,
    /// Its type.
    pub ty: Ty,
    /// Whether the schema requires it (then it is not an `Option`).
    pub required: bool,
    /// Whether a struct value is boxed because the field closes a cycle of structs
    /// (`Statement` → `NotStatement` → `Statement`), which would otherwise have infinite size.
    pub boxed: bool,
    /// The schema description (raw).
    pub description: String,
}

/// A generated property struct.
#[derive(Debug, Clone)]
pub struct StructDef {
    /// Where it is defined in the schema, e.g. `#/definitions/Ebs`.
    pub location: String,
    /// The Rust name.
    pub rust_name: String,
    /// The schema description (raw).
    pub description: String,
    /// Its fields, in schema order.
    pub fields: Vec<Field>,
    hint: String,
    usages: Vec<String>,
}

/// The typed model of one resource type.
#[derive(Debug)]
pub struct Model {
    /// The resource struct's Rust name, e.g. `Vpc`.
    pub rust_name: String,
    /// The resource's fields (read-only properties excluded), in schema order.
    pub fields: Vec<Field>,
    /// Property structs, in order of first use.
    pub structs: Vec<StructDef>,
}

/// Strips `/properties/` from the pointers of a schema list such as `readOnlyProperties`.
pub fn pointer_list(schema: &Json, key: &str) -> Vec<String> {
    schema
        .get(key)
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Json::as_str)
                .map(|p| p.strip_prefix("/properties/").unwrap_or(p).to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Joins a property path (`""` is the resource's `Properties`).
pub fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}/{name}")
    }
}

/// The JSON pointer of a `$ref` within the schema document (`#/definitions/Name` gives
/// `/definitions/Name`); references to other documents are not supported.
pub fn ref_pointer(node: &Json) -> Result<Option<&str>> {
    match node.get("$ref").and_then(Json::as_str) {
        None => Ok(None),
        Some(r) => match r.strip_prefix('#') {
            Some(pointer) if pointer.starts_with('/') => Ok(Some(pointer)),
            _ => bail!("unsupported $ref {r:?} (only references within the schema are handled)"),
        },
    }
}

/// The last segment of a JSON pointer, unescaped: a name for what it points at.
pub fn pointer_name(pointer: &str) -> String {
    pointer
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .replace("~1", "/")
        .replace("~0", "~")
}

/// Follows `$ref`s to what they point at; returns the node and the pointer of the last `$ref`
/// followed, if any.
pub fn deref<'a>(schema: &'a Json, mut node: &'a Json) -> Result<(&'a Json, Option<&'a str>)> {
    let mut target = None;
    for _ in 0..16 {
        match ref_pointer(node)? {
            None => return Ok((node, target)),
            Some(pointer) => {
                node = schema
                    .pointer(pointer)
                    .with_context(|| format!("$ref to missing #{pointer}"))?;
                target = Some(pointer);
            }
        }
    }
    bail!("$ref chain too long")
}

/// The schema's `type` as a list (empty when absent).
pub fn types_of(node: &Json) -> Vec<&str> {
    match node.get("type") {
        Some(Json::String(t)) => vec![t.as_str()],
        Some(Json::Array(ts)) => ts.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A scalar JSON Schema type's Rust type.
pub fn scalar(t: &str) -> Option<Ty> {
    match t {
        "string" => Some(Ty::Str),
        "integer" => Some(Ty::Int),
        "number" => Some(Ty::Num),
        "boolean" => Some(Ty::Bool),
        _ => None,
    }
}

/// The value schema of a map-like object (`patternProperties` with one pattern, or an
/// `additionalProperties` schema).
fn map_value(node: &Json) -> Option<(&Json, &'static str)> {
    if let Some(pp) = node.get("patternProperties").and_then(Json::as_object) {
        return match pp.values().collect::<Vec<_>>()[..] {
            [value] => Some((value, "patternProperties")),
            _ => None,
        };
    }
    node.get("additionalProperties")
        .filter(|v| v.is_object())
        .map(|v| (v, "additionalProperties"))
}

fn description(node: &Json) -> &str {
    node.get("description")
        .and_then(Json::as_str)
        .unwrap_or_default()
}

struct Builder<'a> {
    schema: &'a Json,
    read_only: BTreeSet<String>,
    structs: Vec<StructDef>,
    nodes: Vec<&'a Json>,
    by_location: BTreeMap<String, usize>,
    recording: bool,
}

impl<'a> Builder<'a> {
    fn is_string(&self, node: &'a Json) -> Result<bool> {
        let (node, _) = deref(self.schema, node)?;
        Ok(types_of(node) == ["string"])
    }

    /// Whether an object's properties are exactly `Key` and `Value`, both strings.
    fn is_tag(&self, props: &'a serde_json::Map<String, Json>) -> Result<bool> {
        if props.len() != 2 {
            return Ok(false);
        }
        match (props.get("Key"), props.get("Value")) {
            (Some(k), Some(v)) => Ok(self.is_string(k)? && self.is_string(v)?),
            _ => Ok(false),
        }
    }

    fn ty(
        &mut self,
        node: &'a Json,
        location: String,
        path: &str,
        hint: &str,
        stack: &mut Vec<String>,
    ) -> Result<Ty> {
        let (node, target) = deref(self.schema, node)?;
        let (location, hint) = match target {
            Some(pointer) => (format!("#{pointer}"), pointer_name(pointer)),
            None => (location, hint.to_owned()),
        };
        let types = types_of(node);
        if types.len() > 1 {
            return Ok(Ty::Json);
        }
        let t = types.first().copied();
        if let Some(ty) = t.and_then(scalar) {
            return Ok(ty);
        }
        match t {
            Some("array") => match node.get("items") {
                None => Ok(Ty::List(Box::new(Ty::Json))),
                Some(items) => {
                    let item_hint = format!("{hint}Item");
                    let inner = self.ty(
                        items,
                        format!("{location}/items"),
                        &join(path, "*"),
                        &item_hint,
                        stack,
                    )?;
                    Ok(Ty::List(Box::new(inner.element())))
                }
            },
            Some("object") | None => {
                let props = node
                    .get("properties")
                    .and_then(Json::as_object)
                    .filter(|p| !p.is_empty());
                if let Some(props) = props {
                    if self.is_tag(props)? {
                        return Ok(Ty::Tag);
                    }
                    let index = self.visit_struct(node, location, path, &hint, stack)?;
                    return Ok(Ty::Struct(index));
                }
                if t.is_none() {
                    return Ok(Ty::Json);
                }
                match map_value(node) {
                    Some((value, key)) => {
                        let value_hint = format!("{hint}Value");
                        let inner = self.ty(
                            value,
                            format!("{location}/{key}"),
                            &join(path, "*"),
                            &value_hint,
                            stack,
                        )?;
                        Ok(Ty::Map(Box::new(inner.element())))
                    }
                    None => Ok(Ty::Json),
                }
            }
            Some(_) => Ok(Ty::Json),
        }
    }

    /// Registers the struct at `location` as used at `path` and follows its properties.
    fn visit_struct(
        &mut self,
        node: &'a Json,
        location: String,
        path: &str,
        hint: &str,
        stack: &mut Vec<String>,
    ) -> Result<usize> {
        let index = match self.by_location.get(&location) {
            Some(&index) => {
                if !self.recording {
                    return Ok(index);
                }
                index
            }
            None => {
                let index = self.structs.len();
                self.structs.push(StructDef {
                    location: location.clone(),
                    rust_name: String::new(),
                    description: description(node).to_owned(),
                    fields: Vec::new(),
                    hint: hint.to_owned(),
                    usages: Vec::new(),
                });
                self.nodes.push(node);
                self.by_location.insert(location.clone(), index);
                index
            }
        };
        if stack.contains(&location)
            || stack.len() > MAX_DEPTH
            || self.structs[index].usages.iter().any(|u| u == path)
        {
            return Ok(index);
        }
        self.structs[index].usages.push(path.to_owned());
        stack.push(location.clone());
        if let Some(props) = node.get("properties").and_then(Json::as_object) {
            for (name, prop) in props {
                let child = join(path, name);
                if self.read_only.contains(&child) {
                    continue;
                }
                self.ty(
                    prop,
                    format!("{location}/properties/{name}"),
                    &child,
                    name,
                    stack,
                )?;
            }
        }
        stack.pop();
        Ok(index)
    }

    /// The fields of an object node used at `usages`; a property read-only at every usage is
    /// left out.
    fn fields(&mut self, node: &'a Json, location: &str, usages: &[String]) -> Result<Vec<Field>> {
        let required: BTreeSet<&str> = node
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let mut fields: Vec<Field> = Vec::new();
        let Some(props) = node.get("properties").and_then(Json::as_object) else {
            return Ok(fields);
        };
        for (name, prop) in props {
            let writable = usages
                .iter()
                .map(|u| join(u, name))
                .find(|p| !self.read_only.contains(p));
            let path = match (writable, usages.is_empty()) {
                (Some(path), _) => path,
                (None, true) => name.clone(),
                (None, false) => continue,
            };
            let ty = self
                .ty(
                    prop,
                    format!("{location}/properties/{name}"),
                    &path,
                    name,
                    &mut vec![location.to_owned()],
                )
                .with_context(|| format!("property {path}"))?;
            let mut desc = description(prop);
            if desc.trim().is_empty() {
                desc = description(deref(self.schema, prop)?.0);
            }
            let mut rust_name = names::field_name(name);
            if fields.iter().any(|f| f.rust_name == rust_name) {
                let mut n = 2;
                while fields
                    .iter()
                    .any(|f| f.rust_name == format!("{rust_name}_{n}"))
                {
                    n += 1;
                }
                rust_name = format!("{rust_name}_{n}");
            }
            fields.push(Field {
                cfn_name: name.clone(),
                rust_name,
                ty,
                required: required.contains(name.as_str()),
                boxed: false,
                description: desc.to_owned(),
            });
        }
        Ok(fields)
    }
}

/// Boxes the struct-valued fields that close a cycle: the back edges of a depth-first walk from
/// the resource's fields (then from every struct, in order) over by-value struct fields.
fn box_cycles(root: &[Field], structs: &mut [StructDef]) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(i: usize, structs: &mut [StructDef], marks: &mut [Mark]) {
        marks[i] = Mark::Open;
        for f in 0..structs[i].fields.len() {
            if let Ty::Struct(j) = structs[i].fields[f].ty {
                match marks[j] {
                    Mark::Open => structs[i].fields[f].boxed = true,
                    Mark::New => visit(j, structs, marks),
                    Mark::Done => {}
                }
            }
        }
        marks[i] = Mark::Done;
    }
    let mut marks = vec![Mark::New; structs.len()];
    let starts: Vec<usize> = root
        .iter()
        .filter_map(|f| match f.ty {
            Ty::Struct(i) => Some(i),
            _ => None,
        })
        .chain(0..structs.len())
        .collect();
    for i in starts {
        if marks[i] == Mark::New {
            visit(i, structs, &mut marks);
        }
    }
}

/// Builds the model of a resource schema; `rust_name` is the resource struct's name.
pub fn build(rust_name: &str, schema: &Json) -> Result<Model> {
    let mut b = Builder {
        schema,
        read_only: pointer_list(schema, "readOnlyProperties")
            .into_iter()
            .collect(),
        structs: Vec::new(),
        nodes: Vec::new(),
        by_location: BTreeMap::new(),
        recording: true,
    };

    // Pass 1: find every property struct and the paths it is used at.
    let root_usages = vec![String::new()];
    let fields = b.fields(schema, "#", &root_usages)?;

    // Pass 2: each struct's fields, dropping those read-only wherever the struct is used.
    b.recording = false;
    let mut i = 0;
    while i < b.structs.len() {
        let node = b.nodes[i];
        let location = b.structs[i].location.clone();
        let usages = b.structs[i].usages.clone();
        let struct_fields = b
            .fields(node, &location, &usages)
            .with_context(|| format!("struct at {location}"))?;
        b.structs[i].fields = struct_fields;
        i += 1;
    }

    box_cycles(&fields, &mut b.structs);

    // Names: the resource first, then definitions, then inline objects, each in order of use.
    let mut taken: BTreeSet<String> = names::RESERVED_TYPE_NAMES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    taken.insert(rust_name.to_owned());
    let mut order: Vec<usize> = (0..b.structs.len()).collect();
    order.sort_by_key(|&i| (!b.structs[i].location.starts_with("#/definitions/"), i));
    for i in order {
        let base = names::type_name(&b.structs[i].hint);
        let mut candidate = base.clone();
        if taken.contains(&candidate) {
            candidate = format!("{base}Property");
        }
        let mut n = 2;
        while taken.contains(&candidate) {
            candidate = format!("{base}Property{n}");
            n += 1;
        }
        taken.insert(candidate.clone());
        b.structs[i].rust_name = candidate;
    }

    Ok(Model {
        rust_name: rust_name.to_owned(),
        fields,
        structs: b.structs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_follow_the_schema() {
        let schema = json!({
            "typeName": "AWS::X::Y",
            "properties": {
                "Name": {"type": "string"},
                "Count": {"type": "integer"},
                "Ratio": {"type": "number"},
                "On": {"type": "boolean"},
                "Doc": {"type": ["object", "string"]},
                "Free": {"type": "object"},
                "Labels": {"type": "object", "patternProperties": {".+": {"type": "string"}}},
                "Tags": {"type": "array", "items": {"$ref": "#/definitions/Tag"}},
                "Config": {"$ref": "#/definitions/Config"},
                "Id": {"type": "string"}
            },
            "definitions": {
                "Tag": {"type": "object", "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}}},
                "Config": {"type": "object", "required": ["Mode"], "properties": {
                    "Mode": {"type": "string"},
                    "Inner": {"type": "object", "properties": {"Depth": {"type": "integer"}}},
                    "State": {"type": "string"}
                }}
            },
            "required": ["Name"],
            "readOnlyProperties": ["/properties/Id", "/properties/Config/State"]
        });
        let model = build("Y", &schema).unwrap();
        let tys: Vec<(&str, &Ty, bool)> = model
            .fields
            .iter()
            .map(|f| (f.cfn_name.as_str(), &f.ty, f.required))
            .collect();
        assert_eq!(
            tys,
            [
                ("Name", &Ty::Str, true),
                ("Count", &Ty::Int, false),
                ("Ratio", &Ty::Num, false),
                ("On", &Ty::Bool, false),
                ("Doc", &Ty::Json, false),
                ("Free", &Ty::Json, false),
                ("Labels", &Ty::Map(Box::new(Ty::Str)), false),
                ("Tags", &Ty::List(Box::new(Ty::Tag)), false),
                ("Config", &Ty::Struct(0), false),
            ]
        );
        let config = &model.structs[0];
        assert_eq!(config.rust_name, "Config");
        let names: Vec<&str> = config.fields.iter().map(|f| f.cfn_name.as_str()).collect();
        assert_eq!(names, ["Mode", "Inner"], "read-only State is an attribute");
        assert!(config.fields[0].required);
        assert_eq!(model.structs[1].rust_name, "Inner");
    }

    #[test]
    fn recursive_definitions_terminate_and_names_do_not_collide() {
        let schema = json!({
            "properties": {"Rule": {"$ref": "#/definitions/Rule"}},
            "definitions": {"Rule": {"type": "object", "properties": {
                "Not": {"$ref": "#/definitions/Rule"},
                "Name": {"type": "string"}
            }}}
        });
        let model = build("Y", &schema).unwrap();
        assert_eq!(model.structs.len(), 1);
        assert_eq!(model.structs[0].rust_name, "RuleProperty");
        assert_eq!(model.structs[0].fields[0].ty, Ty::Struct(0));
        assert!(model.structs[0].fields[0].boxed, "a direct cycle is boxed");
        assert!(!model.fields[0].boxed);
    }
}
