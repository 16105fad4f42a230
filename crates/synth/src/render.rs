//! Rendering: construct nodes to template JSON, with references resolved to logical ids.
//!
//! References inside the same stack become `Ref` / `Fn::GetAtt`; references to another stack's
//! node become an `Fn::ImportValue` of an export that synth adds to the producing stack, and a
//! dependency between the two stacks.

use std::collections::{BTreeMap, BTreeSet};

use constructs::{App, Expr, NodeKind, NodeRef, Prop, Stack, SubPart};
use md5::{Digest, Md5};
use serde_json::{Map, Value as Json, json};

use crate::diagnostics::{Sink, escape_token};

/// Metadata key under which every resource records its construct path.
pub const PATH_METADATA_KEY: &str = "construct:path";

/// Logical ids of every node of every stack (`None` for grouping constructs).
pub(crate) type IdTable = BTreeMap<String, Vec<Option<String>>>;

/// An export a consuming stack needs from a producing stack.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct ExportKey {
    pub(crate) producer: String,
    pub(crate) logical_id: String,
    /// `None` for `Ref`, `Some(attribute)` for `Fn::GetAtt`.
    pub(crate) attribute: Option<String>,
}

impl ExportKey {
    /// The output's logical id in the producer, CDK-style (`ExportsOutputRefVpc8378EB38…`).
    pub(crate) fn output_id(&self) -> String {
        let readable = match &self.attribute {
            None => format!("Ref{}", self.logical_id),
            Some(attr) => format!(
                "FnGetAtt{}{}",
                self.logical_id,
                attr.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ),
        };
        let digest = Md5::digest(
            format!(
                "{}/{}/{}",
                self.producer,
                self.logical_id,
                self.attribute.as_deref().unwrap_or("Ref")
            )
            .as_bytes(),
        );
        let hash: String = digest.iter().take(4).map(|b| format!("{b:02X}")).collect();
        let mut id = format!("ExportsOutput{readable}");
        id.truncate(240);
        id + &hash
    }

    /// The export name: unique per region because it starts with the producer's stack name.
    pub(crate) fn export_name(&self) -> String {
        format!("{}:{}", self.producer, self.output_id())
    }

    /// The value the producer exports.
    pub(crate) fn value(&self) -> Json {
        match &self.attribute {
            None => json!({ "Ref": self.logical_id }),
            Some(attr) => json!({ "Fn::GetAtt": [self.logical_id, attr] }),
        }
    }
}

/// What rendering a stack found out besides its template.
#[derive(Debug, Default)]
pub(crate) struct StackFacts {
    /// Exports this stack needs from others.
    pub(crate) imports: BTreeSet<ExportKey>,
    /// Other stacks this stack depends on (through imports or explicit `DependsOn`).
    pub(crate) stack_dependencies: BTreeSet<String>,
    /// Same-stack resource dependencies, by logical id: resource → resources it needs.
    pub(crate) edges: BTreeMap<String, BTreeSet<String>>,
    /// Construct path of each resource, by logical id.
    pub(crate) paths: BTreeMap<String, String>,
    /// Generated schema of each typed resource, by logical id.
    pub(crate) schemas: BTreeMap<String, &'static constructs::ResourceSchema>,
    /// Object keys of the file assets the template refers to.
    pub(crate) asset_keys: BTreeSet<String>,
}

/// Resolves one stack's props against the id table.
pub(crate) struct Resolver<'a, 'd> {
    pub(crate) app: &'a App,
    pub(crate) ids: &'a IdTable,
    pub(crate) stack: &'a Stack,
    pub(crate) sink: Sink<'d>,
    pub(crate) facts: StackFacts,
    /// Object key of every staged asset, by (declaring stack, asset id).
    assets: &'a BTreeMap<(String, String), String>,
    /// The construct path and logical id being rendered, for diagnostics.
    cur_path: String,
    cur_id: String,
    /// Logical ids the entry being rendered refers to (same stack).
    cur_refs: BTreeSet<String>,
    /// Nesting depth of the value being resolved.
    depth: usize,
}

/// How deeply values may nest. CloudFormation templates are far shallower; deeper values are
/// reported instead of risking the stack or writing JSON that parsers refuse (serde_json stops
/// at 128 levels).
pub const MAX_DEPTH: usize = 64;

enum Target<'a> {
    Local(&'a str, &'a NodeKind),
    Remote { stack: &'a str, id: &'a str },
}

impl<'a, 'd> Resolver<'a, 'd> {
    pub(crate) fn new(
        app: &'a App,
        ids: &'a IdTable,
        stack: &'a Stack,
        assets: &'a BTreeMap<(String, String), String>,
        sink: Sink<'d>,
    ) -> Self {
        Resolver {
            app,
            ids,
            stack,
            sink,
            facts: StackFacts::default(),
            assets,
            cur_path: String::new(),
            cur_id: String::new(),
            cur_refs: BTreeSet::new(),
            depth: 0,
        }
    }

    fn error(&mut self, code: &'static str, pointer: &str, message: impl Into<String>) {
        let path = (!self.cur_path.is_empty()).then_some(self.cur_path.as_str());
        let id = (!self.cur_id.is_empty()).then_some(self.cur_id.as_str());
        let (path, id) = (path.map(str::to_owned), id.map(str::to_owned));
        self.sink
            .error(code, path.as_deref(), id.as_deref(), pointer, message);
    }

    fn target(&mut self, node: &NodeRef, pointer: &str) -> Option<Target<'a>> {
        let app = self.app;
        let ids = self.ids;
        let Some(stack) = app.stack(node.stack()) else {
            self.error(
                "ref/dangling",
                pointer,
                format!(
                    "refers to a node of stack `{}`, which is not in the app",
                    node.stack()
                ),
            );
            return None;
        };
        let Some(target) = stack.node(node.node()) else {
            self.error(
                "ref/dangling",
                pointer,
                format!(
                    "refers to a node that does not exist in stack `{}`",
                    stack.name()
                ),
            );
            return None;
        };
        let Some(id) = ids
            .get(stack.name())
            .and_then(|t| t.get(node.node().index()))
            .and_then(Option::as_deref)
        else {
            self.error(
                "ref/not-addressable",
                pointer,
                format!(
                    "refers to `{}`, a grouping construct, not a resource, parameter, condition or mapping",
                    stack.path(node.node())
                ),
            );
            return None;
        };
        if stack.name() == self.stack.name() {
            Some(Target::Local(id, &target.kind))
        } else {
            Some(Target::Remote {
                stack: stack.name(),
                id,
            })
        }
    }

    /// Begins rendering one template entry (for diagnostics and dependency edges).
    pub(crate) fn begin(&mut self, path: String, logical_id: &str) {
        self.cur_path = path;
        self.cur_id = logical_id.to_owned();
        self.cur_refs.clear();
    }

    /// Ends rendering one entry; returns the same-stack resources it referred to.
    pub(crate) fn end(&mut self) -> BTreeSet<String> {
        std::mem::take(&mut self.cur_refs)
    }

    /// Notes an explicit dependency on `node` (from `DependsOn`); returns its logical id if it
    /// is a resource of this stack.
    pub(crate) fn depends_on(&mut self, node: &NodeRef, pointer: &str) -> Option<String> {
        match self.target(node, pointer)? {
            Target::Local(id, NodeKind::Resource(_)) => Some(id.to_owned()),
            Target::Local(id, _) => {
                self.error(
                    "ref/kind",
                    pointer,
                    format!("DependsOn `{id}`, which is not a resource"),
                );
                None
            }
            Target::Remote { stack, .. } => {
                self.facts.stack_dependencies.insert(stack.to_owned());
                None
            }
        }
    }

    /// The logical id of a condition node of this stack.
    pub(crate) fn condition_id(&mut self, node: &NodeRef, pointer: &str) -> Option<String> {
        match self.target(node, pointer)? {
            Target::Local(id, NodeKind::Condition(_)) => Some(id.to_owned()),
            Target::Local(id, _) => {
                self.error("ref/kind", pointer, format!("`{id}` is not a condition"));
                None
            }
            Target::Remote { stack, .. } => {
                self.error(
                    "ref/cross-stack",
                    pointer,
                    format!("uses a condition of stack `{stack}`; conditions cannot cross stacks"),
                );
                None
            }
        }
    }

    fn import(&mut self, producer: &str, logical_id: &str, attribute: Option<&str>) -> Json {
        let key = ExportKey {
            producer: producer.to_owned(),
            logical_id: logical_id.to_owned(),
            attribute: attribute.map(str::to_owned),
        };
        let name = key.export_name();
        self.facts.stack_dependencies.insert(producer.to_owned());
        self.facts.imports.insert(key);
        json!({ "Fn::ImportValue": name })
    }

    fn reference(&mut self, node: &NodeRef, pointer: &str) -> Json {
        match self.target(node, pointer) {
            None => Json::Null,
            Some(Target::Local(id, NodeKind::Resource(_))) => {
                self.cur_refs.insert(id.to_owned());
                json!({ "Ref": id })
            }
            Some(Target::Local(id, NodeKind::Parameter(_))) => json!({ "Ref": id }),
            Some(Target::Local(id, _)) => {
                self.error(
                    "ref/kind",
                    pointer,
                    format!("`Ref` to `{id}`, which is neither a resource nor a parameter"),
                );
                Json::Null
            }
            Some(Target::Remote { stack, id }) => {
                let remote = self.app.stack(stack).and_then(|s| s.node(node.node()));
                match remote.map(|n| &n.kind) {
                    Some(NodeKind::Resource(_)) => self.import(stack, id, None),
                    _ => {
                        self.error(
                            "ref/cross-stack",
                            pointer,
                            format!(
                                "`Ref` to `{id}` of stack `{stack}`: only resources can be referenced across stacks"
                            ),
                        );
                        Json::Null
                    }
                }
            }
        }
    }

    fn get_att(&mut self, node: &NodeRef, attribute: &str, pointer: &str) -> Json {
        let Some(target) = self.target(node, pointer) else {
            return Json::Null;
        };
        let (stack_name, id, kind) = match target {
            Target::Local(id, kind) => (self.stack.name(), id, kind),
            Target::Remote { stack, id } => {
                let kind = self
                    .app
                    .stack(stack)
                    .and_then(|s| s.node(node.node()))
                    .map(|n| &n.kind);
                match kind {
                    Some(kind) => (stack, id, kind),
                    None => return Json::Null,
                }
            }
        };
        let NodeKind::Resource(entry) = kind else {
            self.error(
                "ref/kind",
                pointer,
                format!("`Fn::GetAtt` on `{id}`, which is not a resource"),
            );
            return Json::Null;
        };
        if let Some(schema) = entry.body.schema()
            && !schema.has_attribute(attribute)
        {
            self.error(
                "ref/attribute",
                pointer,
                format!(
                    "{} has no attribute `{attribute}` (it has: {})",
                    schema.type_name,
                    schema.attributes.join(", ")
                ),
            );
        }
        if stack_name == self.stack.name() {
            self.cur_refs.insert(id.to_owned());
            json!({ "Fn::GetAtt": [id, attribute] })
        } else {
            self.import(stack_name, id, Some(attribute))
        }
    }

    /// Renders a property tree to JSON, resolving every expression.
    pub(crate) fn resolve(&mut self, prop: &Prop, pointer: &str) -> Json {
        if self.depth >= MAX_DEPTH {
            self.error(
                "value/depth",
                pointer,
                format!("the value nests more than {MAX_DEPTH} levels deep"),
            );
            return Json::Null;
        }
        self.depth += 1;
        let out = self.resolve_inner(prop, pointer);
        self.depth -= 1;
        out
    }

    fn resolve_inner(&mut self, prop: &Prop, pointer: &str) -> Json {
        match prop {
            Prop::Null => Json::Null,
            Prop::Bool(b) => Json::Bool(*b),
            Prop::Int(i) => Json::from(*i),
            Prop::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => Json::Number(n),
                None => {
                    self.error(
                        "value/number",
                        pointer,
                        format!("{f} is not a number JSON can represent"),
                    );
                    Json::Null
                }
            },
            Prop::String(s) => Json::String(s.clone()),
            Prop::List(items) => Json::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, p)| self.resolve(p, &format!("{pointer}/{i}")))
                    .collect(),
            ),
            Prop::Map(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    let child = format!("{pointer}/{}", escape_token(k));
                    let value = self.resolve(v, &child);
                    map.insert(k.clone(), value);
                }
                Json::Object(map)
            }
            Prop::Expr(e) => self.expr(e, pointer),
        }
    }

    fn boxed(&mut self, name: &str, prop: &Prop, pointer: &str) -> Json {
        let inner = self.resolve(prop, &format!("{pointer}/{}", escape_token(name)));
        json!({ name: inner })
    }

    fn args(&mut self, name: &str, props: &[&Prop], pointer: &str) -> Json {
        let inner: Vec<Json> = props
            .iter()
            .enumerate()
            .map(|(i, p)| self.resolve(p, &format!("{pointer}/{}/{i}", escape_token(name))))
            .collect();
        json!({ name: inner })
    }

    fn expr(&mut self, expr: &Expr, pointer: &str) -> Json {
        match expr {
            Expr::Ref(node) => self.reference(node, pointer),
            Expr::GetAtt(node, attr) => self.get_att(node, attr, pointer),
            Expr::Pseudo(p) => json!({ "Ref": p.name() }),
            Expr::Sub(parts) => self.sub(parts, pointer),
            Expr::Join(delim, list) => {
                let list = self.resolve(list, &format!("{pointer}/Fn::Join/1"));
                json!({ "Fn::Join": [delim, list] })
            }
            Expr::Select(index, list) => {
                let list = self.resolve(list, &format!("{pointer}/Fn::Select/1"));
                json!({ "Fn::Select": [index.to_string(), list] })
            }
            Expr::Split(delim, source) => {
                let source = self.resolve(source, &format!("{pointer}/Fn::Split/1"));
                json!({ "Fn::Split": [delim, source] })
            }
            Expr::GetAzs(region) => self.boxed("Fn::GetAZs", region, pointer),
            Expr::If(cond, a, b) => {
                let cond = self
                    .condition_id(cond, pointer)
                    .map_or(Json::Null, Json::String);
                let a = self.resolve(a, &format!("{pointer}/Fn::If/1"));
                let b = self.resolve(b, &format!("{pointer}/Fn::If/2"));
                json!({ "Fn::If": [cond, a, b] })
            }
            Expr::Equals(a, b) => self.args("Fn::Equals", &[a, b], pointer),
            Expr::And(items) | Expr::Or(items) => {
                let name = if matches!(expr, Expr::And(_)) {
                    "Fn::And"
                } else {
                    "Fn::Or"
                };
                if !(2..=10).contains(&items.len()) {
                    self.error(
                        "intrinsic/arity",
                        pointer,
                        format!("{name} takes 2 to 10 conditions, got {}", items.len()),
                    );
                }
                let refs: Vec<&Prop> = items.iter().collect();
                self.args(name, &refs, pointer)
            }
            Expr::Not(c) => self.args("Fn::Not", &[c], pointer),
            Expr::Condition(node) => {
                let id = self.condition_id(node, pointer);
                json!({ "Condition": id })
            }
            Expr::ImportValue(name) => self.boxed("Fn::ImportValue", name, pointer),
            Expr::FindInMap(map, a, b) => {
                let map_id = match self.target(map, pointer) {
                    Some(Target::Local(id, NodeKind::Mapping(_))) => Json::String(id.to_owned()),
                    Some(_) => {
                        self.error(
                            "ref/kind",
                            pointer,
                            "Fn::FindInMap must name a mapping of the same stack",
                        );
                        Json::Null
                    }
                    None => Json::Null,
                };
                let a = self.resolve(a, &format!("{pointer}/Fn::FindInMap/1"));
                let b = self.resolve(b, &format!("{pointer}/Fn::FindInMap/2"));
                json!({ "Fn::FindInMap": [map_id, a, b] })
            }
            Expr::Base64(text) => self.boxed("Fn::Base64", text, pointer),
            Expr::Cidr(block, count, bits) => self.args("Fn::Cidr", &[block, count, bits], pointer),
            Expr::AssetKey { stack, id } => {
                match self.assets.get(&(stack.clone(), id.clone())) {
                    Some(key) => {
                        self.facts.asset_keys.insert(key.clone());
                        Json::String(key.clone())
                    }
                    None => {
                        // Declared but not staged (its source failed, reported already), or
                        // never declared.
                        let declared = self
                            .app
                            .stack(stack)
                            .is_some_and(|s| s.assets().iter().any(|a| &a.id == id));
                        if !declared {
                            self.error(
                                "ref/asset",
                                pointer,
                                format!("asset {id:?} is not declared in stack {stack}"),
                            );
                        }
                        Json::String(String::new())
                    }
                }
            }
            Expr::Raw(raw) => raw.clone(),
        }
    }

    /// `Fn::Sub`: references, attributes and pseudo parameters inline, everything else as
    /// variables; a plain string when nothing is left to substitute.
    fn sub(&mut self, parts: &[SubPart], pointer: &str) -> Json {
        let mut text = String::new();
        let mut vars = Map::new();
        let mut substituted = false;
        for part in parts {
            match part {
                SubPart::Text(t) => text.push_str(&t.replace("${", "${!")),
                SubPart::Value(Prop::String(s)) => text.push_str(&s.replace("${", "${!")),
                SubPart::Value(value) => {
                    let resolved = self.resolve(value, &format!("{pointer}/Fn::Sub"));
                    if let Json::String(literal) = &resolved {
                        text.push_str(&literal.replace("${", "${!"));
                        continue;
                    }
                    substituted = true;
                    match inline_sub_reference(&resolved) {
                        Some(inline) => text.push_str(&format!("${{{inline}}}")),
                        None => {
                            let name = format!("v{}", vars.len());
                            text.push_str(&format!("${{{name}}}"));
                            vars.insert(name, resolved);
                        }
                    }
                }
            }
        }
        if !substituted {
            return Json::String(text.replace("${!", "${"));
        }
        if vars.is_empty() {
            json!({ "Fn::Sub": text })
        } else {
            json!({ "Fn::Sub": [text, vars] })
        }
    }
}

/// `Ref`/`Fn::GetAtt` forms that `Fn::Sub` can write inline (`${Id}`, `${Id.Attr}`).
fn inline_sub_reference(value: &Json) -> Option<String> {
    let obj = value.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    if let Some(Json::String(id)) = obj.get("Ref") {
        return Some(id.clone());
    }
    if let Some(Json::Array(args)) = obj.get("Fn::GetAtt")
        && let [Json::String(id), Json::String(attr)] = args.as_slice()
    {
        return Some(format!("{id}.{attr}"));
    }
    None
}

/// Whether a JSON value is an intrinsic function call (`{"Ref": …}`, `{"Fn::…": …}`,
/// `{"Condition": …}`), whose value is only known at deploy time.
pub fn is_intrinsic(value: &Json) -> bool {
    match value.as_object() {
        Some(obj) if obj.len() == 1 => obj
            .keys()
            .next()
            .is_some_and(|k| k == "Ref" || k == "Condition" || k.starts_with("Fn::")),
        _ => false,
    }
}

/// Applies a resource's raw overrides to its rendered JSON.
pub(crate) fn apply_override(target: &mut Json, path: &[String], value: Option<&Json>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = target;
    for key in parents {
        if !cur.is_object() {
            *cur = Json::Object(Map::new());
        }
        let Json::Object(map) = cur else { return };
        cur = map
            .entry(key.clone())
            .or_insert_with(|| Json::Object(Map::new()));
    }
    if !cur.is_object() {
        *cur = Json::Object(Map::new());
    }
    if let Json::Object(map) = cur {
        match value {
            Some(v) => {
                map.insert(last.clone(), v.clone());
            }
            None => {
                map.shift_remove(last);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intrinsics_are_recognised() {
        assert!(is_intrinsic(&json!({"Ref": "X"})));
        assert!(is_intrinsic(&json!({"Fn::GetAtt": ["X", "Arn"]})));
        assert!(!is_intrinsic(&json!({"Ref": "X", "Other": 1})));
        assert!(!is_intrinsic(&json!("Ref")));
    }

    #[test]
    fn overrides_create_intermediate_objects_and_delete_keys() {
        let mut v = json!({"Properties": {"A": 1}});
        apply_override(
            &mut v,
            &["Properties".into(), "B".into(), "C".into()],
            Some(&json!(2)),
        );
        apply_override(&mut v, &["Properties".into(), "A".into()], None);
        assert_eq!(v, json!({"Properties": {"B": {"C": 2}}}));
    }

    #[test]
    fn export_names_are_stable_and_prefixed_by_producer() {
        let key = ExportKey {
            producer: "Net".into(),
            logical_id: "Vpc8378EB38".into(),
            attribute: None,
        };
        assert!(
            key.export_name()
                .starts_with("Net:ExportsOutputRefVpc8378EB38")
        );
        assert_eq!(key.export_name(), key.clone().export_name());
        let att = ExportKey {
            attribute: Some("CidrBlock".into()),
            ..key.clone()
        };
        assert_ne!(att.output_id(), key.output_id());
    }
}
