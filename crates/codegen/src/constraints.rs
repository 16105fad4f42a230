//! The value constraints synth validates, collected from the schema with their property paths.
//!
//! Paths are `/`-joined property names below `Properties`, `*` standing for every list item or
//! map value, `""` for `Properties` itself. `$ref`s are followed with a cycle guard and a depth
//! limit; read-only properties are skipped (users cannot set them).

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use serde_json::Value as Json;

use crate::model::{join, pointer_list, ref_pointer};

/// How deep the walk goes; registry schemas nest far less than this.
const MAX_DEPTH: usize = 16;

/// A rule, mirroring `constructs::Rule`.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Keys the object must have.
    Required(Vec<String>),
    /// Allowed values (string forms).
    Enum(Vec<String>),
    /// ECMA-262 pattern.
    Pattern(String),
    /// Inclusive minimum.
    Minimum(f64),
    /// Inclusive maximum.
    Maximum(f64),
    /// Minimum string length.
    MinLength(u64),
    /// Maximum string length.
    MaxLength(u64),
    /// Minimum list length.
    MinItems(u64),
    /// Maximum list length.
    MaxItems(u64),
}

/// A rule at a path.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// Where it applies.
    pub path: String,
    /// The rule.
    pub rule: Rule,
}

/// The string form an enum value is compared by.
fn string_form(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn uint(node: &Json, key: &str) -> Result<Option<u64>> {
    match node.get(key) {
        None => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) => Ok(Some(n)),
            None => bail!("{key} is not a non-negative integer: {v}"),
        },
    }
}

fn number(node: &Json, key: &str) -> Result<Option<f64>> {
    match node.get(key) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) => Ok(Some(n)),
            None => bail!("{key} is not a number: {v}"),
        },
    }
}

/// The rules a node states itself (not those of what it references).
fn own_rules(node: &Json) -> Result<Vec<Rule>> {
    let mut rules = Vec::new();
    if let Some(Json::Array(required)) = node.get("required") {
        let keys: Vec<String> = required
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect();
        if !keys.is_empty() {
            rules.push(Rule::Required(keys));
        }
    }
    // Case-insensitive enums cannot be expressed by `Rule::Enum` (an exact comparison); they are
    // left to cfn-lint rather than rejecting valid values.
    let case_insensitive = node.get("enumCaseInsensitive") == Some(&Json::Bool(true));
    if let Some(Json::Array(values)) = node.get("enum")
        && !case_insensitive
    {
        rules.push(Rule::Enum(values.iter().map(string_form).collect()));
    }
    if let Some(value) = node.get("const") {
        rules.push(Rule::Enum(vec![string_form(value)]));
    }
    if let Some(Json::String(p)) = node.get("pattern") {
        rules.push(Rule::Pattern(p.clone()));
    }
    if let Some(n) = number(node, "minimum")? {
        rules.push(Rule::Minimum(n));
    }
    if let Some(n) = number(node, "maximum")? {
        rules.push(Rule::Maximum(n));
    }
    if let Some(n) = uint(node, "minLength")? {
        rules.push(Rule::MinLength(n));
    }
    if let Some(n) = uint(node, "maxLength")? {
        rules.push(Rule::MaxLength(n));
    }
    if let Some(n) = uint(node, "minItems")? {
        rules.push(Rule::MinItems(n));
    }
    if let Some(n) = uint(node, "maxItems")? {
        rules.push(Rule::MaxItems(n));
    }
    Ok(rules)
}

struct Walker<'a> {
    schema: &'a Json,
    read_only: BTreeSet<String>,
    out: Vec<Constraint>,
}

impl<'a> Walker<'a> {
    fn push(&mut self, path: &str, rule: Rule) {
        let c = Constraint {
            path: path.to_owned(),
            rule,
        };
        if !self.out.contains(&c) {
            self.out.push(c);
        }
    }

    fn walk(&mut self, node: &'a Json, path: &str, stack: &mut Vec<&'a str>) -> Result<()> {
        if stack.len() > MAX_DEPTH {
            return Ok(());
        }
        for rule in own_rules(node)? {
            self.push(path, rule);
        }
        if let Some(pointer) = ref_pointer(node)? {
            if stack.contains(&pointer) {
                return Ok(());
            }
            let Some(target) = self.schema.pointer(pointer) else {
                bail!("$ref to missing #{pointer}");
            };
            stack.push(pointer);
            self.walk(target, path, stack)?;
            stack.pop();
            return Ok(());
        }
        if let Some(props) = node.get("properties").and_then(Json::as_object) {
            for (name, child) in props {
                let child_path = join(path, name);
                if !self.read_only.contains(&child_path) {
                    self.walk(child, &child_path, stack)?;
                }
            }
        }
        let every = join(path, "*");
        if let Some(items) = node.get("items") {
            self.walk(items, &every, stack)?;
        }
        if let Some(pp) = node.get("patternProperties").and_then(Json::as_object) {
            for value in pp.values() {
                self.walk(value, &every, stack)?;
            }
        }
        if let Some(value) = node.get("additionalProperties").filter(|v| v.is_object()) {
            self.walk(value, &every, stack)?;
        }
        Ok(())
    }
}

/// Every constraint of a resource schema, in walk order.
pub fn constraints(schema: &Json) -> Result<Vec<Constraint>> {
    let mut w = Walker {
        schema,
        read_only: pointer_list(schema, "readOnlyProperties")
            .into_iter()
            .collect(),
        out: Vec::new(),
    };
    // The schema root is not walked as a whole: its `required` is the only rule it states for
    // `Properties` (the rest is metadata).
    for rule in own_rules(schema)? {
        if matches!(rule, Rule::Required(_)) {
            w.push("", rule);
        }
    }
    if let Some(props) = schema.get("properties").and_then(Json::as_object) {
        for (name, child) in props {
            if !w.read_only.contains(name) {
                w.walk(child, name, &mut Vec::new())?;
            }
        }
    }
    Ok(w.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn constraints_carry_paths_through_refs_lists_and_maps() {
        let schema = json!({
            "required": ["Name"],
            "properties": {
                "Name": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[a-z]+$"},
                "Port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "Mode": {"type": "string", "enum": ["a", "b"]},
                "Loose": {"type": "string", "enum": ["a"], "enumCaseInsensitive": true},
                "Days": {"type": "integer", "enum": [1, 3]},
                "Tags": {"type": "array", "maxItems": 50, "items": {"$ref": "#/definitions/Tag"}},
                "Labels": {"type": "object", "patternProperties": {".+": {"type": "string", "maxLength": 9}}},
                "Id": {"type": "string", "maxLength": 3}
            },
            "definitions": {"Tag": {"type": "object", "required": ["Key"], "properties": {
                "Key": {"type": "string", "maxLength": 128},
                "Next": {"$ref": "#/definitions/Tag"}
            }}},
            "readOnlyProperties": ["/properties/Id"]
        });
        let got = constraints(&schema).unwrap();
        let expect = |path: &str, rule: Rule| Constraint {
            path: path.into(),
            rule,
        };
        assert_eq!(
            got,
            [
                expect("", Rule::Required(vec!["Name".into()])),
                expect("Name", Rule::Pattern("^[a-z]+$".into())),
                expect("Name", Rule::MinLength(1)),
                expect("Name", Rule::MaxLength(64)),
                expect("Port", Rule::Minimum(1.0)),
                expect("Port", Rule::Maximum(65535.0)),
                expect("Mode", Rule::Enum(vec!["a".into(), "b".into()])),
                expect("Days", Rule::Enum(vec!["1".into(), "3".into()])),
                expect("Tags", Rule::MaxItems(50)),
                expect("Tags/*", Rule::Required(vec!["Key".into()])),
                expect("Tags/*/Key", Rule::MaxLength(128)),
                expect("Labels/*", Rule::MaxLength(9)),
            ]
        );
    }
}
