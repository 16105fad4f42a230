//! The configuration's JSON Schema, generated from [`RefArchConfig`], and applied to the input
//! itself: the same document `refarch-app schema` prints decides what each field accepts.
//!
//! [`validate`] walks a configuration (as a JSON value, whether it came from TOML or JSON)
//! against the schema and reports every problem with the field's dotted path: unknown fields,
//! wrong types, a list where a table belongs (serde would read a struct from a list of its
//! fields), lengths, item counts, ranges, steps, patterns and enumerations. It understands the
//! keywords the generated schema uses (`$ref`, `type`, `properties`, `additionalProperties`,
//! `required`, `items`, `minItems`, `maxItems`, `uniqueItems`, `minLength`, `maxLength`,
//! `pattern`, `minimum`, `maximum`, `multipleOf`, `enum`, `const`, `oneOf`, `anyOf`, `not`)
//! and reads `patternErrorMessage` (the VS Code extension keyword) for what a pattern means.
//!
//! [`SourceMap`] finds where a dotted path is written in a TOML or JSON file, so problems read
//! `FILE:LINE:COLUMN: field `path`: …`.

use std::collections::BTreeMap;

use serde_json::Value as J;

use crate::config::RefArchConfig;
use crate::rules::{Problem, quote};

/// The configuration's JSON Schema (what `refarch-app schema` prints).
pub fn schema() -> J {
    cached().clone()
}

/// The schema, generated once.
pub fn cached() -> &'static J {
    static SCHEMA: std::sync::OnceLock<J> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::to_value(schemars::schema_for!(RefArchConfig)).unwrap_or(J::Null)
    })
}

/// Every problem of `value` against `schema` (a root schema with `$defs`).
pub fn validate(value: &J, schema: &J) -> Vec<Problem> {
    let mut out = Vec::new();
    walk(value, schema, schema, "", &mut out);
    out
}

/// Follows `$ref`s from `schema` within `root`.
pub fn resolve<'a>(mut schema: &'a J, root: &'a J) -> &'a J {
    for _ in 0..16 {
        match schema.get("$ref").and_then(J::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(target) => schema = target,
                None => return schema,
            },
            None => return schema,
        }
    }
    schema
}

/// `path.key`, or `key` at the top.
pub fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// How a value is called in messages.
fn kind(value: &J) -> String {
    match value {
        J::Null => "null".into(),
        J::Bool(_) => "a boolean".into(),
        J::Number(n) if n.is_i64() || n.is_u64() => "an integer".into(),
        J::Number(_) => "a number with a fraction".into(),
        J::String(_) => "a string".into(),
        J::Array(items) => format!("a list of {} item(s)", items.len()),
        J::Object(o) if o.contains_key("$__toml_private_datetime") => "a date-time".into(),
        J::Object(_) => "a table".into(),
    }
}

/// A value briefly, for messages.
fn show(value: &J) -> String {
    match value {
        J::String(s) => quote(s),
        J::Number(_) | J::Bool(_) | J::Null => value.to_string(),
        other => kind(other),
    }
}

fn type_matches(t: &str, value: &J) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object() && !kind(value).starts_with("a date"),
        _ => true,
    }
}

fn type_name(t: &str) -> &str {
    match t {
        "boolean" => "a boolean (true or false)",
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "array" => "a list",
        "object" => "a table",
        "null" => "nothing",
        other => other,
    }
}

fn pattern_matches(pattern: &str, s: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static COMPILED: OnceLock<Mutex<HashMap<String, Option<fancy_regex::Regex>>>> = OnceLock::new();
    let mut compiled = COMPILED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let re = compiled
        .entry(pattern.to_owned())
        .or_insert_with(|| fancy_regex::Regex::new(pattern).ok());
    // A pattern that does not compile refuses nothing here; a test compiles every one.
    re.as_ref().is_none_or(|re| re.is_match(s).unwrap_or(false))
}

/// What a constrained value must satisfy, in words.
fn described(schema: &J, fallback: String) -> String {
    schema
        .get("patternErrorMessage")
        .and_then(J::as_str)
        .map_or(fallback, |m| format!("must be {m}"))
}

fn walk(value: &J, schema: &J, root: &J, path: &str, out: &mut Vec<Problem>) {
    let schema = resolve(schema, root);
    let problem = |allowed: String| Problem::new(path, allowed).value(show(value));

    if let Some(arms) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(J::as_array)
    {
        let mut best: Option<Vec<Problem>> = None;
        for arm in arms {
            let mut p = Vec::new();
            walk(value, arm, root, path, &mut p);
            if p.is_empty() {
                best = None;
                break;
            }
            // Prefer the arm of the value's type (its problems are about the value).
            let arm = resolve(arm, root);
            let typed = arm
                .get("type")
                .and_then(J::as_str)
                .is_some_and(|t| type_matches(t, value));
            if best.is_none() || typed {
                best = Some(p);
            }
        }
        let consts: Vec<String> = arms
            .iter()
            .filter_map(|a| resolve(a, root).get("const"))
            .map(J::to_string)
            .collect();
        match best {
            None => {}
            Some(_) if consts.len() == arms.len() => {
                out.push(problem(format!("must be one of {}", consts.join(", "))));
                return;
            }
            Some(p) => {
                out.extend(p);
                return;
            }
        }
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        out.push(problem(format!("must be {c}")));
        return;
    }
    if let Some(options) = schema.get("enum").and_then(J::as_array)
        && !options.contains(value)
    {
        let names: Vec<String> = options.iter().map(J::to_string).collect();
        out.push(problem(format!("must be one of {}", names.join(", "))));
        return;
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(J::String(t)) => vec![t.as_str()],
        Some(J::Array(ts)) => ts.iter().filter_map(J::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        let expected: Vec<&str> = types
            .iter()
            .filter(|t| **t != "null")
            .map(|t| type_name(t))
            .collect();
        let found = Problem::new(
            path,
            format!("expected {}, found {}", expected.join(" or "), kind(value)),
        );
        out.push(match value {
            J::String(_) | J::Number(_) | J::Bool(_) => found.value(show(value)),
            _ => found,
        });
        return;
    }
    if let Some(not) = schema.get("not") {
        let mut p = Vec::new();
        walk(value, not, root, path, &mut p);
        if p.is_empty() {
            out.push(problem(described(schema, "is not allowed".into())));
            return;
        }
    }
    match value {
        J::Object(fields) => object(fields, schema, root, path, out),
        J::Array(items) => {
            if let Some(min) = schema.get("minItems").and_then(J::as_u64)
                && (items.len() as u64) < min
            {
                out.push(Problem::new(
                    path,
                    format!("list at least {min} item(s), found {}", items.len()),
                ));
            }
            if let Some(max) = schema.get("maxItems").and_then(J::as_u64)
                && items.len() as u64 > max
            {
                out.push(Problem::new(
                    path,
                    format!("list at most {max} item(s), found {}", items.len()),
                ));
            }
            if schema.get("uniqueItems") == Some(&J::Bool(true)) {
                for (i, item) in items.iter().enumerate() {
                    if items[..i].contains(item) {
                        out.push(
                            Problem::new(format!("{path}[{i}]"), "is listed twice")
                                .value(show(item)),
                        );
                    }
                }
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    walk(item, item_schema, root, &format!("{path}[{i}]"), out);
                }
            }
        }
        J::String(s) => {
            let n = s.chars().count() as u64;
            let min = schema.get("minLength").and_then(J::as_u64);
            let max = schema.get("maxLength").and_then(J::as_u64);
            let length = match (min, max) {
                (Some(a), Some(b)) => format!("{a} to {b} characters"),
                (Some(a), None) => format!("at least {a} characters"),
                (None, Some(b)) => format!("at most {b} characters"),
                (None, None) => String::new(),
            };
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                out.push(problem(format!("must be {length}, found {n}")));
                return;
            }
            if let Some(p) = schema.get("pattern").and_then(J::as_str)
                && !pattern_matches(p, s)
            {
                out.push(problem(described(schema, format!("must match {p}"))));
            }
        }
        J::Number(num) => {
            let Some(x) = num.as_f64() else { return };
            let min = schema.get("minimum").and_then(J::as_f64);
            let max = schema.get("maximum").and_then(J::as_f64);
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => String::new(),
            };
            // Integers beyond f64's precision are compared through u64 as well.
            let above = max.is_some_and(|m| x > m)
                || num
                    .as_u64()
                    .zip(schema.get("maximum").and_then(J::as_u64))
                    .is_some_and(|(v, m)| v > m);
            if min.is_some_and(|m| x < m) || above {
                out.push(problem(format!("must be {range}")));
                return;
            }
            if let Some(step) = schema.get("multipleOf").and_then(J::as_f64)
                && step > 0.0
                && (x / step).fract() != 0.0
            {
                out.push(problem(format!("must be {range} in steps of {step}")));
            }
        }
        _ => {}
    }
}

fn object(
    fields: &serde_json::Map<String, J>,
    schema: &J,
    root: &J,
    path: &str,
    out: &mut Vec<Problem>,
) {
    let props = schema.get("properties").and_then(J::as_object);
    let closed = schema.get("additionalProperties") == Some(&J::Bool(false));
    for (k, v) in fields {
        let child = child_path(path, k);
        match props.and_then(|p| p.get(k)) {
            Some(field_schema) => walk(v, field_schema, root, &child, out),
            None if closed => {
                let expected: Vec<String> = props
                    .map(|p| p.keys().map(|k| format!("`{k}`")).collect())
                    .unwrap_or_default();
                out.push(Problem::new(
                    child,
                    format!(
                        "unknown field `{k}`, expected one of {}",
                        expected.join(", ")
                    ),
                ));
            }
            None => {}
        }
    }
    if let Some(required) = schema.get("required").and_then(J::as_array) {
        for r in required.iter().filter_map(J::as_str) {
            if !fields.contains_key(r) {
                out.push(Problem::new(child_path(path, r), "is required"));
            }
        }
    }
}

/// Where each dotted path of a configuration file is written: byte offsets of the key (if
/// the value has one) and of the value.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    spots: BTreeMap<String, (Option<usize>, usize)>,
}

impl SourceMap {
    /// Maps a TOML document (empty if it does not parse).
    pub fn toml(text: &str) -> Self {
        let mut map = SourceMap::default();
        if let Ok(doc) = toml_edit::ImDocument::parse(text) {
            map.toml_table(doc.as_table(), "");
        }
        map
    }

    fn toml_table(&mut self, table: &toml_edit::Table, path: &str) {
        for (k, item) in table.iter() {
            let child = child_path(path, k);
            let key = table.key(k).and_then(toml_edit::Key::span).map(|s| s.start);
            self.toml_item(item, &child, key);
        }
    }

    fn toml_item(&mut self, item: &toml_edit::Item, path: &str, key: Option<usize>) {
        use toml_edit::Item;
        match item {
            Item::Value(v) => self.toml_value(v, path, key),
            Item::Table(t) => {
                if let Some(span) = t.span().or_else(|| key.map(|k| k..k)) {
                    self.spots.insert(path.to_owned(), (key, span.start));
                }
                self.toml_table(t, path);
            }
            Item::ArrayOfTables(tables) => {
                if let Some(k) = key {
                    self.spots.insert(path.to_owned(), (key, k));
                }
                for (i, t) in tables.iter().enumerate() {
                    let child = format!("{path}[{i}]");
                    if let Some(span) = t.span() {
                        self.spots.insert(child.clone(), (None, span.start));
                    }
                    self.toml_table(t, &child);
                }
            }
            Item::None => {}
        }
    }

    fn toml_value(&mut self, v: &toml_edit::Value, path: &str, key: Option<usize>) {
        if let Some(span) = v.span() {
            self.spots.insert(path.to_owned(), (key, span.start));
        }
        match v {
            toml_edit::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.toml_value(item, &format!("{path}[{i}]"), None);
                }
            }
            toml_edit::Value::InlineTable(t) => {
                for (k, item) in t.iter() {
                    let key = t.key(k).and_then(toml_edit::Key::span).map(|s| s.start);
                    self.toml_value(item, &child_path(path, k), key);
                }
            }
            _ => {}
        }
    }

    /// Maps a JSON document (partially if it does not parse).
    pub fn json(text: &str) -> Self {
        let mut map = SourceMap::default();
        let mut p = JsonScan {
            b: text.as_bytes(),
            i: 0,
            map: &mut map,
        };
        p.value("", None);
        map
    }

    /// The offset to show for a problem of `path`: the key of an unknown or misnamed field,
    /// else the value; the nearest written ancestor when the field itself is not written.
    pub fn offset(&self, path: &str, prefer_key: bool) -> Option<usize> {
        let mut p = path;
        loop {
            if let Some((key, value)) = self.spots.get(p) {
                return Some(if prefer_key {
                    key.unwrap_or(*value)
                } else {
                    *value
                });
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }
}

/// A tolerant scanner of JSON recording where each path's key and value start.
struct JsonScan<'a, 'm> {
    b: &'a [u8],
    i: usize,
    map: &'m mut SourceMap,
}

impl JsonScan<'_, '_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn string(&mut self) -> String {
        let start = self.i;
        self.i += 1;
        while self.i < self.b.len() && self.b[self.i] != b'"' {
            self.i += if self.b[self.i] == b'\\' { 2 } else { 1 };
        }
        self.i = (self.i + 1).min(self.b.len());
        let raw = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("\"\"");
        serde_json::from_str::<String>(raw).unwrap_or_default()
    }

    fn value(&mut self, path: &str, key: Option<usize>) {
        self.ws();
        if self.i >= self.b.len() {
            return;
        }
        self.map.spots.insert(path.to_owned(), (key, self.i));
        match self.b[self.i] {
            b'{' => {
                self.i += 1;
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b'"') => {
                            let key_at = self.i;
                            let k = self.string();
                            self.ws();
                            if self.b.get(self.i) == Some(&b':') {
                                self.i += 1;
                            }
                            self.value(&child_path(path, &k), Some(key_at));
                        }
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            b'[' => {
                self.i += 1;
                let mut n = 0;
                loop {
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return;
                        }
                        None => return,
                        Some(_) => {
                            let before = self.i;
                            self.value(&format!("{path}[{n}]"), None);
                            n += 1;
                            if self.i == before {
                                return;
                            }
                        }
                    }
                }
            }
            b'"' => {
                self.string();
            }
            _ => {
                while self.i < self.b.len() && !b",]} \t\r\n".contains(&self.b[self.i]) {
                    self.i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_located_in_toml_and_json() {
        let toml = "app = \"x\"\n[network]\ncidr = \"10.0.0.0/16\"\n[[workloads]]\nname = \"a\"\nhosts = [\"h\", \"i\"]\n";
        let m = SourceMap::toml(toml);
        let at = |p: &str, key: bool| {
            m.offset(p, key)
                .map(|o| crate::config::line_column(toml, o))
        };
        assert_eq!(at("network.cidr", false), Some((3, 8)));
        assert_eq!(at("network.cidr", true), Some((3, 1)));
        assert_eq!(at("workloads[0].hosts[1]", false), Some((6, 15)));
        assert_eq!(
            at("workloads[0].max_size", false),
            Some((4, 1)),
            "the table"
        );
        let json = "{\"network\": {\"cidr\": \"10.0.0.0/16\"},\n \"workloads\": [{\"hosts\": [\"h\", \"i\"]}]}";
        let m = SourceMap::json(json);
        let at = |p: &str, key: bool| {
            m.offset(p, key)
                .map(|o| crate::config::line_column(json, o))
        };
        assert_eq!(at("network.cidr", false), Some((1, 22)));
        assert_eq!(at("network.cidr", true), Some((1, 14)));
        assert_eq!(at("workloads[0].hosts[1]", false), Some((2, 32)));
    }

    #[test]
    fn the_walk_reports_every_problem_with_its_path() {
        let s = schema();
        let v = serde_json::json!({
            "app": "x".repeat(30),
            "network": ["10.1.0.0/16", 3],
            "workloads": [{"min_size": 2.5, "hosts": []}],
            "database": {"engine": "oracle", "min_capacity": 0.3},
            "extra": 1
        });
        let problems: Vec<String> = validate(&v, &s).iter().map(ToString::to_string).collect();
        let all = problems.join("\n");
        for needle in [
            "field `app`:",
            "field `network`: expected a table, found a list of 2 item(s)",
            "field `workloads[0].min_size`: 2.5: expected an integer, found a number with a fraction",
            "field `workloads[0].hosts`: list at least 1 item(s), found 0",
            "field `database.engine`: \"oracle\": must be one of",
            "field `database.min_capacity`: 0.3: must be 0 to 256 in steps of 0.5",
            "field `extra`: unknown field `extra`",
        ] {
            assert!(all.contains(needle), "{needle} missing in\n{all}");
        }
    }
}
