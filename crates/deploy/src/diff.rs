//! Template diff: the local template against the deployed one, per resource and per property,
//! with replacement predicted from create-only property metadata supplied by the caller.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::access::{AccessWidening, access_widening};
use crate::changes::Replacement;
use crate::template::Template;

/// Create-only properties of a resource type (changing one replaces the resource), `None` when
/// the type is unknown. Names are top-level property names (`CidrBlock`); registry-schema
/// pointers (`/properties/CidrBlock`, `/properties/A/B`) are accepted and read as their top-level
/// property. The generated metadata in the constructs crate provides one.
pub type CreateOnlyLookup = fn(&str) -> Option<&'static [&'static str]>;

/// A lookup that knows no type: every property change is predicted `Conditional`.
pub fn no_metadata(_: &str) -> Option<&'static [&'static str]> {
    None
}

/// Added, removed or modified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DiffKind {
    /// Only in the local template.
    Added,
    /// Only in the deployed template.
    Removed,
    /// In both, different.
    Modified,
}

impl DiffKind {
    fn sigil(self) -> &'static str {
        match self {
            Self::Added => "[+]",
            Self::Removed => "[-]",
            Self::Modified => "[~]",
        }
    }
}

/// One changed property (or resource attribute such as `DeletionPolicy`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PropertyDiff {
    /// Property name, or `DeletionPolicy`, `Metadata`, `DependsOn`, ...
    pub name: String,
    /// Deployed value.
    pub old: Option<Value>,
    /// Local value.
    pub new: Option<Value>,
    /// Whether changing it replaces the resource.
    pub replaces: Replacement,
}

/// One changed resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceDiff {
    /// Logical id.
    pub logical_id: String,
    /// Type (local, or deployed for removals).
    pub resource_type: String,
    /// What changed.
    pub kind: DiffKind,
    /// For modifications: predicted replacement.
    pub replacement: Option<Replacement>,
    /// Changed properties.
    pub properties: Vec<PropertyDiff>,
    /// Construct path.
    pub construct_path: Option<String>,
}

/// A changed entry in another section (Parameters, Outputs, Conditions, Mappings, ...).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionDiff {
    /// Section name.
    pub section: String,
    /// Entry key (empty for scalar sections such as `Description`).
    pub key: String,
    /// What changed.
    pub kind: DiffKind,
}

/// The difference between two templates.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TemplateDiff {
    /// Changed resources, in local-template order then removed ones.
    pub resources: Vec<ResourceDiff>,
    /// Changes in the other sections.
    pub other: Vec<SectionDiff>,
    /// Access the local template grants that the deployed one does not.
    pub widening: Vec<AccessWidening>,
}

const RESOURCE_ATTRIBUTES: &[&str] = &[
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "DependsOn",
    "Condition",
    "Metadata",
    "CreationPolicy",
    "UpdatePolicy",
];

fn top_level(name: &str) -> &str {
    let name = name.strip_prefix("/properties/").unwrap_or(name);
    name.split('/').next().unwrap_or(name)
}

fn obj(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

/// Whether `value` refers to `logical_id` through `Ref`, `Fn::GetAtt` or `Fn::Sub`.
fn references(value: &Value, logical_id: &str) -> bool {
    match value {
        Value::Object(m) => m.iter().any(|(k, v)| match (k.as_str(), v) {
            ("Ref", Value::String(s)) => s == logical_id,
            ("Fn::GetAtt", Value::Array(a)) => {
                a.first().and_then(Value::as_str) == Some(logical_id)
            }
            ("Fn::GetAtt", Value::String(s)) => s.split('.').next() == Some(logical_id),
            ("Fn::Sub", _) => {
                let text = match v {
                    Value::String(s) => Some(s.as_str()),
                    Value::Array(a) => a.first().and_then(Value::as_str),
                    _ => None,
                };
                text.is_some_and(|t| {
                    t.contains(&format!("${{{logical_id}}}"))
                        || t.contains(&format!("${{{logical_id}."))
                }) || references(v, logical_id)
            }
            _ => references(v, logical_id),
        }),
        Value::Array(a) => a.iter().any(|v| references(v, logical_id)),
        _ => false,
    }
}

/// Diffs `old` (deployed; `None` when the stack does not exist) against `new` (local).
pub fn diff_templates(
    old: Option<&Template>,
    new: &Template,
    create_only: CreateOnlyLookup,
) -> TemplateDiff {
    let empty = Template::default();
    let old_t = old.unwrap_or(&empty);
    let mut resources = Vec::new();
    for r in new.resources() {
        let Some(before) = old_t.resource(r.logical_id) else {
            resources.push(ResourceDiff {
                logical_id: r.logical_id.into(),
                resource_type: r.resource_type().into(),
                kind: DiffKind::Added,
                replacement: None,
                properties: Vec::new(),
                construct_path: r.construct_path().map(str::to_owned),
            });
            continue;
        };
        let create_only_props: Option<BTreeSet<&str>> =
            create_only(r.resource_type()).map(|l| l.iter().map(|n| top_level(n)).collect());
        let mut props = Vec::new();
        let (po, pn) = (
            obj(before.body.get("Properties")),
            obj(r.body.get("Properties")),
        );
        let names: BTreeSet<&String> = po.keys().chain(pn.keys()).collect();
        for name in names {
            let (a, b) = (po.get(name), pn.get(name));
            if a != b {
                let replaces = match &create_only_props {
                    Some(set) if set.contains(name.as_str()) => Replacement::True,
                    Some(_) => Replacement::False,
                    None => Replacement::Conditional,
                };
                props.push(PropertyDiff {
                    name: name.clone(),
                    old: a.cloned(),
                    new: b.cloned(),
                    replaces,
                });
            }
        }
        for attr in RESOURCE_ATTRIBUTES {
            let (a, b) = (before.body.get(*attr), r.body.get(*attr));
            if a != b {
                props.push(PropertyDiff {
                    name: (*attr).into(),
                    old: a.cloned(),
                    new: b.cloned(),
                    replaces: Replacement::False,
                });
            }
        }
        let type_changed = before.resource_type() != r.resource_type();
        if type_changed {
            props.push(PropertyDiff {
                name: "Type".into(),
                old: Some(before.resource_type().into()),
                new: Some(r.resource_type().into()),
                replaces: Replacement::True,
            });
        }
        if !props.is_empty() {
            resources.push(ResourceDiff {
                logical_id: r.logical_id.into(),
                resource_type: r.resource_type().into(),
                kind: DiffKind::Modified,
                replacement: Some(overall(&props)),
                properties: props,
                construct_path: r.construct_path().map(str::to_owned),
            });
        }
    }
    for r in old_t.resources() {
        if new.resource(r.logical_id).is_none() {
            resources.push(ResourceDiff {
                logical_id: r.logical_id.into(),
                resource_type: r.resource_type().into(),
                kind: DiffKind::Removed,
                replacement: None,
                properties: Vec::new(),
                construct_path: r.construct_path().map(str::to_owned),
            });
        }
    }
    if old.is_some() {
        propagate_replacements(new, &mut resources, create_only);
    }
    TemplateDiff {
        resources,
        other: section_diffs(old_t, new),
        widening: access_widening(old, new),
    }
}

fn overall(props: &[PropertyDiff]) -> Replacement {
    if props.iter().any(|p| p.replaces == Replacement::True) {
        Replacement::True
    } else if props.iter().any(|p| p.replaces == Replacement::Conditional) {
        Replacement::Conditional
    } else {
        Replacement::False
    }
}

/// A replaced resource gets a new physical id, so whatever references it changes too: a
/// create-only property that references it replaces the referrer. Repeats until stable.
fn propagate_replacements(
    new: &Template,
    diffs: &mut Vec<ResourceDiff>,
    create_only: CreateOnlyLookup,
) {
    loop {
        let replaced: Vec<String> = diffs
            .iter()
            .filter(|d| d.kind == DiffKind::Modified && d.replacement == Some(Replacement::True))
            .map(|d| d.logical_id.clone())
            .collect();
        let mut changed = false;
        for r in new.resources() {
            let Some(props) = r.properties() else {
                continue;
            };
            let create_only_props: Option<BTreeSet<&str>> =
                create_only(r.resource_type()).map(|l| l.iter().map(|n| top_level(n)).collect());
            for (name, value) in props {
                let Some(target) = replaced
                    .iter()
                    .find(|id| *id != r.logical_id && references(value, id))
                else {
                    continue;
                };
                let replaces = match &create_only_props {
                    Some(set) if set.contains(name.as_str()) => Replacement::True,
                    Some(_) => Replacement::False,
                    None => Replacement::Conditional,
                };
                let idx = match diffs.iter().position(|d| d.logical_id == r.logical_id) {
                    Some(i) => i,
                    None => {
                        diffs.push(ResourceDiff {
                            logical_id: r.logical_id.into(),
                            resource_type: r.resource_type().into(),
                            kind: DiffKind::Modified,
                            replacement: Some(Replacement::False),
                            properties: Vec::new(),
                            construct_path: r.construct_path().map(str::to_owned),
                        });
                        diffs.len() - 1
                    }
                };
                let d = &mut diffs[idx];
                let via = format!("{name} (via ");
                if d.kind != DiffKind::Modified
                    || d.properties
                        .iter()
                        .any(|p| &p.name == name || p.name.starts_with(&via))
                {
                    continue;
                }
                d.properties.push(PropertyDiff {
                    name: format!("{name} (via replaced {target})"),
                    old: Some(value.clone()),
                    new: Some(value.clone()),
                    replaces,
                });
                d.replacement = Some(overall(&d.properties));
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

fn section_diffs(old: &Template, new: &Template) -> Vec<SectionDiff> {
    let mut out = Vec::new();
    let sections: BTreeSet<&String> = old
        .root()
        .keys()
        .chain(new.root().keys())
        .filter(|k| *k != "Resources")
        .collect();
    for section in sections {
        let (a, b) = (old.root().get(section), new.root().get(section));
        if a == b {
            continue;
        }
        match (a.and_then(Value::as_object), b.and_then(Value::as_object)) {
            (Some(ma), Some(mb)) => {
                let keys: BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
                for key in keys {
                    let kind = match (ma.get(key), mb.get(key)) {
                        (None, Some(_)) => DiffKind::Added,
                        (Some(_), None) => DiffKind::Removed,
                        (x, y) if x != y => DiffKind::Modified,
                        _ => continue,
                    };
                    out.push(SectionDiff {
                        section: section.clone(),
                        key: key.clone(),
                        kind,
                    });
                }
            }
            _ => {
                let kind = match (a, b) {
                    (None, _) => DiffKind::Added,
                    (_, None) => DiffKind::Removed,
                    _ => DiffKind::Modified,
                };
                out.push(SectionDiff {
                    section: section.clone(),
                    key: String::new(),
                    kind,
                });
            }
        }
    }
    out
}

fn short(v: Option<&Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => {
            let s = v.to_string();
            if s.chars().count() > 80 {
                format!("{}…", s.chars().take(79).collect::<String>())
            } else {
                s
            }
        }
    }
}

impl TemplateDiff {
    /// Whether anything differs.
    pub fn has_changes(&self) -> bool {
        !self.resources.is_empty() || !self.other.is_empty()
    }

    /// Renders the diff for people.
    pub fn render(&self, stack: &str) -> String {
        let mut out = String::new();
        if !self.has_changes() {
            let _ = writeln!(out, "Stack {stack}: no differences");
            return out;
        }
        let _ = writeln!(out, "Stack {stack}");
        if !self.resources.is_empty() {
            let _ = writeln!(out, "Resources");
        }
        for r in &self.resources {
            let repl = match r.replacement {
                Some(Replacement::True) => " (replace)",
                Some(Replacement::Conditional) => " (may replace)",
                _ => "",
            };
            let _ = write!(
                out,
                "{} {} {}{repl}",
                r.kind.sigil(),
                r.resource_type,
                r.logical_id
            );
            if let Some(p) = &r.construct_path {
                let _ = write!(out, "  <{p}>");
            }
            out.push('\n');
            for p in &r.properties {
                let why = match p.replaces {
                    Replacement::True => " (forces replacement)",
                    Replacement::Conditional => " (may force replacement)",
                    Replacement::False => "",
                };
                let _ = writeln!(
                    out,
                    "    [~] {}{why}: {} -> {}",
                    p.name,
                    short(p.old.as_ref()),
                    short(p.new.as_ref())
                );
            }
        }
        let mut current = "";
        for s in &self.other {
            if s.section != current {
                let _ = writeln!(out, "{}", s.section);
                current = &s.section;
            }
            let _ = writeln!(
                out,
                "{} {}",
                s.kind.sigil(),
                if s.key.is_empty() { &s.section } else { &s.key }
            );
        }
        if !self.widening.is_empty() {
            let _ = writeln!(out, "Access widened:");
            for w in &self.widening {
                let _ = writeln!(out, "  {w}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup(ty: &str) -> Option<&'static [&'static str]> {
        match ty {
            "AWS::EC2::VPC" => Some(&["/properties/CidrBlock", "InstanceTenancy"]),
            "AWS::EC2::Subnet" => Some(&["VpcId", "CidrBlock", "AvailabilityZone"]),
            "AWS::EC2::RouteTable" => Some(&["VpcId"]),
            _ => None,
        }
    }

    fn net(cidr: &str, tags: Value) -> Template {
        Template::from_value(json!({
            "Resources": {
                "Vpc": {"Type":"AWS::EC2::VPC","Properties":{"CidrBlock":cidr,"Tags":tags},
                        "Metadata":{"construct:path":"Net/Vpc/Resource"}},
                "Subnet": {"Type":"AWS::EC2::Subnet","Properties":{"VpcId":{"Ref":"Vpc"},"CidrBlock":"10.0.0.0/24"}},
                "Tagged": {"Type":"AWS::EC2::RouteTable","Properties":{"VpcId":{"Ref":"Vpc"}}}
            },
            "Outputs": {"VpcId": {"Value": {"Ref":"Vpc"}}}
        }))
    }

    #[test]
    fn identical_templates_have_no_changes() {
        let t = net("10.0.0.0/16", json!([]));
        let d = diff_templates(Some(&t), &t, lookup);
        assert!(!d.has_changes());
        assert!(d.render("Net").contains("no differences"));
    }

    #[test]
    fn tag_change_is_in_place_cidr_change_replaces_and_propagates() {
        let old = net("10.0.0.0/16", json!([]));
        let d = diff_templates(
            Some(&old),
            &net("10.0.0.0/16", json!([{"Key":"a","Value":"b"}])),
            lookup,
        );
        assert_eq!(d.resources.len(), 1);
        assert_eq!(d.resources[0].replacement, Some(Replacement::False));

        let d = diff_templates(Some(&old), &net("10.1.0.0/16", json!([])), lookup);
        let by_id = |id: &str| d.resources.iter().find(|r| r.logical_id == id).unwrap();
        assert_eq!(by_id("Vpc").replacement, Some(Replacement::True));
        assert_eq!(
            by_id("Vpc").construct_path.as_deref(),
            Some("Net/Vpc/Resource")
        );
        // Both reference the VPC through a create-only VpcId, so both are replaced too.
        assert_eq!(by_id("Subnet").replacement, Some(Replacement::True));
        assert_eq!(by_id("Tagged").replacement, Some(Replacement::True));
        let text = d.render("Net");
        assert!(text.contains("[~] AWS::EC2::VPC Vpc (replace)"), "{text}");
        assert!(
            text.contains("CidrBlock (forces replacement): \"10.0.0.0/16\" -> \"10.1.0.0/16\""),
            "{text}"
        );
    }

    #[test]
    fn unknown_types_are_conditional_and_sections_are_diffed() {
        let old = Template::from_value(
            json!({"Resources":{"Q":{"Type":"AWS::SQS::Queue","Properties":{"DelaySeconds":1}}},
            "Outputs":{"A":{"Value":"1"}}}),
        );
        let new = Template::from_value(
            json!({"Resources":{"Q":{"Type":"AWS::SQS::Queue","Properties":{"DelaySeconds":2}},
            "B":{"Type":"AWS::SNS::Topic"}},"Outputs":{"B":{"Value":"1"}},"Description":"x"}),
        );
        let d = diff_templates(Some(&old), &new, lookup);
        assert_eq!(d.resources[0].replacement, Some(Replacement::Conditional));
        assert_eq!(d.resources[1].kind, DiffKind::Added);
        let other: Vec<_> = d
            .other
            .iter()
            .map(|s| (s.section.as_str(), s.key.as_str(), s.kind))
            .collect();
        assert_eq!(
            other,
            [
                ("Description", "", DiffKind::Added),
                ("Outputs", "A", DiffKind::Removed),
                ("Outputs", "B", DiffKind::Added)
            ]
        );
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["resources"][0]["replacement"], "Conditional");
    }

    #[test]
    fn new_stack_lists_every_resource_as_added_and_removals_are_reported() {
        let t = net("10.0.0.0/16", json!([]));
        let d = diff_templates(None, &t, no_metadata);
        assert_eq!(d.resources.len(), 3);
        assert!(d.resources.iter().all(|r| r.kind == DiffKind::Added));
        let d = diff_templates(
            Some(&t),
            &Template::from_value(json!({"Resources":{}})),
            lookup,
        );
        assert!(d.resources.iter().all(|r| r.kind == DiffKind::Removed));
    }

    #[test]
    fn references_sees_ref_getatt_and_sub() {
        assert!(references(&json!({"Ref":"A"}), "A"));
        assert!(references(&json!([{"Fn::GetAtt":["A","Arn"]}]), "A"));
        assert!(references(&json!({"Fn::GetAtt":"A.Arn"}), "A"));
        assert!(references(&json!({"Fn::Sub":"arn:${A}:x"}), "A"));
        assert!(references(&json!({"Fn::Sub":["${A.Arn}", {}]}), "A"));
        assert!(!references(&json!({"Ref":"AB"}), "A"));
    }
}
