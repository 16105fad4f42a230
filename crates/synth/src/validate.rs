//! Checks on rendered templates: registry-schema constraints, dependency cycles and
//! CloudFormation quotas. Every check reports into the diagnostics; none stops the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use constructs::{ResourceSchema, Rule};
use fancy_regex::Regex;
use serde_json::Value as Json;

use crate::diagnostics::{Severity, Sink, escape_token};
use crate::render::is_intrinsic;

/// CloudFormation quotas synth enforces (AWS "CloudFormation quotas" page).
pub mod quota {
    /// Resources per template.
    pub const RESOURCES: usize = 500;
    /// Parameters per template.
    pub const PARAMETERS: usize = 200;
    /// Outputs per template.
    pub const OUTPUTS: usize = 200;
    /// Mappings per template.
    pub const MAPPINGS: usize = 200;
    /// Template body size passed inline to the API, in bytes.
    pub const INLINE_BODY_BYTES: usize = 51_200;
    /// Template body size through S3, in bytes.
    pub const S3_BODY_BYTES: usize = 1_048_576;
    /// Dynamic references (`{{resolve:…}}`) per template.
    pub const DYNAMIC_REFERENCES: usize = 60;
    /// Bytes of a template's `Description`.
    pub const DESCRIPTION_BYTES: usize = 1024;
}

fn compiled(pattern: &'static str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut guard = match cache.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    guard
        .entry(pattern)
        .or_insert_with(|| Regex::new(&ecma_to_rust(pattern)).ok())
        .clone()
}

/// Rewrites the ECMA-262 (and Python-flavoured) constructs registry schemas use into the syntax
/// of our regex engine, keeping their meaning:
/// - an unescaped `[` inside a character class is a literal in ECMA-262, a nested class here;
/// - a quantified lookaround such as `(?!\.)+` (ECMA-262 Annex B) means the same as the bare
///   lookaround, which is what it becomes;
/// - `\Z` (Python's end of string, found in a few schemas) is `\z`.
pub fn ecma_to_rust(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    // Stack of groups: whether each open group is a lookaround.
    let mut groups: Vec<bool> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = chars.get(i + 1).copied();
                match next {
                    Some('Z') => out.push_str("\\z"),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
                i += 2;
                continue;
            }
            '[' if in_class => out.push_str("\\["),
            '[' => {
                in_class = true;
                out.push('[');
                // A leading `^` or `]` belongs to the class syntax.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '(' if !in_class => {
                let lookbehind = chars.get(i + 2) == Some(&'<');
                let lookaround = chars.get(i + 1) == Some(&'?')
                    && matches!(chars.get(i + 2), Some('=' | '!' | '<'))
                    && (!lookbehind || matches!(chars.get(i + 3), Some('=' | '!')));
                groups.push(lookaround);
                out.push('(');
            }
            ')' if !in_class => {
                out.push(')');
                if groups.pop() == Some(true) {
                    // Drop a quantifier applied to a lookaround.
                    match chars.get(i + 1) {
                        Some('+' | '*' | '?') => i += 1,
                        Some('{') => {
                            if let Some(end) = chars[i + 1..].iter().position(|c| *c == '}') {
                                i += end + 1;
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Whether every pattern in `schema` compiles with our regex engine (checked by a test over all
/// generated schemas, so that no pattern check is silently skipped).
pub fn patterns_compile(schema: &ResourceSchema) -> Result<(), String> {
    for c in schema.constraints {
        if let Rule::Pattern(p) = c.rule
            && compiled(p).is_none()
        {
            return Err(format!("{} /{}: {p}", schema.type_name, c.path));
        }
    }
    Ok(())
}

/// Values at `path` below `root`, with their JSON pointers; intrinsic values are skipped since
/// they are only known at deploy time.
fn select<'j>(root: &'j Json, path: &str, pointer: &str, out: &mut Vec<(&'j Json, String)>) {
    if is_intrinsic(root) {
        return;
    }
    let Some((head, rest)) = (if path.is_empty() {
        None
    } else {
        Some(path.split_once('/').unwrap_or((path, "")))
    }) else {
        out.push((root, pointer.to_owned()));
        return;
    };
    match (head, root) {
        ("*", Json::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                select(item, rest, &format!("{pointer}/{i}"), out);
            }
        }
        ("*", Json::Object(map)) => {
            for (k, v) in map {
                select(v, rest, &format!("{pointer}/{}", escape_token(k)), out);
            }
        }
        (key, Json::Object(map)) => {
            if let Some(v) = map.get(key) {
                select(v, rest, &format!("{pointer}/{}", escape_token(key)), out);
            }
        }
        _ => {}
    }
}

fn as_number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn short(v: &Json) -> String {
    let mut s = v.to_string();
    if s.len() > 80 {
        let mut cut = 77;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// Checks one resource's rendered `Properties` against its schema's constraints.
pub(crate) fn check_properties(
    sink: &mut Sink<'_>,
    schema: &ResourceSchema,
    properties: &Json,
    path: &str,
    logical_id: &str,
) {
    let base = format!("/Resources/{}/Properties", escape_token(logical_id));
    let mut found = Vec::new();
    for constraint in schema.constraints {
        found.clear();
        select(properties, constraint.path, &base, &mut found);
        for (value, pointer) in &found {
            if let Some(message) = violation(&constraint.rule, value) {
                sink.error(
                    rule_code(&constraint.rule),
                    Some(path),
                    Some(logical_id),
                    pointer,
                    format!("{} {message}", schema.type_name),
                );
            }
        }
    }
}

fn rule_code(rule: &Rule) -> &'static str {
    match rule {
        Rule::Required(_) => "schema/required",
        Rule::Enum(_) => "schema/enum",
        Rule::Pattern(_) => "schema/pattern",
        Rule::Minimum(_) | Rule::Maximum(_) => "schema/range",
        Rule::MinLength(_) | Rule::MaxLength(_) => "schema/length",
        Rule::MinItems(_) | Rule::MaxItems(_) => "schema/items",
    }
}

/// What is wrong with `value` under `rule`, or `None` when it complies (or is not checkable,
/// such as a number rule on a string that is not numeric, which the type system already covers).
fn violation(rule: &Rule, value: &Json) -> Option<String> {
    match rule {
        Rule::Required(keys) => {
            let obj = value.as_object()?;
            let missing: Vec<&str> = keys
                .iter()
                .copied()
                .filter(|k| !obj.contains_key(*k))
                .collect();
            (!missing.is_empty()).then(|| format!("requires {}", missing.join(", ")))
        }
        Rule::Enum(allowed) => {
            let text = scalar_text(value)?;
            (!allowed.contains(&text.as_str())).then(|| {
                format!(
                    "value {} is not one of: {}",
                    short(value),
                    allowed.join(", ")
                )
            })
        }
        Rule::Pattern(pattern) => {
            let Json::String(s) = value else { return None };
            // A pattern we cannot compile is reported, never skipped silently.
            let Some(re) = compiled(pattern) else {
                return Some(format!(
                    "value {} cannot be checked: the schema pattern {pattern} does not compile",
                    short(value)
                ));
            };
            match re.is_match(s) {
                Ok(true) => None,
                Ok(false) => Some(format!(
                    "value {} does not match the pattern {pattern}",
                    short(value)
                )),
                Err(e) => Some(format!("pattern {pattern} could not be evaluated: {e}")),
            }
        }
        Rule::Minimum(min) => {
            let n = as_number(value)?;
            (n < *min).then(|| format!("value {n} is below the minimum {min}"))
        }
        Rule::Maximum(max) => {
            let n = as_number(value)?;
            (n > *max).then(|| format!("value {n} is above the maximum {max}"))
        }
        Rule::MinLength(min) => {
            let Json::String(s) = value else { return None };
            let len = s.chars().count() as u64;
            (len < *min).then(|| format!("value {} is shorter than {min} characters", short(value)))
        }
        Rule::MaxLength(max) => {
            let Json::String(s) = value else { return None };
            let len = s.chars().count() as u64;
            (len > *max).then(|| format!("value {} is longer than {max} characters", short(value)))
        }
        Rule::MinItems(min) => {
            let Json::Array(items) = value else {
                return None;
            };
            (items.len() < *min as usize)
                .then(|| format!("needs at least {min} items, has {}", items.len()))
        }
        Rule::MaxItems(max) => {
            let Json::Array(items) = value else {
                return None;
            };
            (items.len() > *max as usize)
                .then(|| format!("takes at most {max} items, has {}", items.len()))
        }
    }
}

/// Reports every dependency cycle among a stack's resources once.
pub(crate) fn check_cycles(
    sink: &mut Sink<'_>,
    edges: &BTreeMap<String, BTreeSet<String>>,
    paths: &BTreeMap<String, String>,
) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks: BTreeMap<&str, Mark> = edges.keys().map(|k| (k.as_str(), Mark::New)).collect();
    let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
    for start in edges.keys() {
        if marks.get(start.as_str()) != Some(&Mark::New) {
            continue;
        }
        // Iterative DFS keeping the current path to print cycles.
        let mut stack: Vec<(&str, Vec<&str>)> = Vec::new();
        let mut trail: Vec<&str> = Vec::new();
        stack.push((
            start.as_str(),
            edges[start].iter().map(String::as_str).collect(),
        ));
        marks.insert(start.as_str(), Mark::Open);
        trail.push(start.as_str());
        while let Some((node, pending)) = stack.last_mut() {
            let node = *node;
            match pending.pop() {
                Some(next) => match marks.get(next).copied() {
                    Some(Mark::New) => {
                        marks.insert(next, Mark::Open);
                        trail.push(next);
                        let succ = edges
                            .get(next)
                            .map(|s| s.iter().map(String::as_str).collect())
                            .unwrap_or_default();
                        stack.push((next, succ));
                    }
                    Some(Mark::Open) => {
                        let from = trail.iter().position(|n| *n == next).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            trail[from..].iter().map(|s| (*s).to_owned()).collect();
                        let min = cycle
                            .iter()
                            .enumerate()
                            .min_by(|a, b| a.1.cmp(b.1))
                            .map_or(0, |(i, _)| i);
                        cycle.rotate_left(min);
                        if reported.insert(cycle.clone()) {
                            let first = cycle[0].clone();
                            let described: Vec<String> = cycle
                                .iter()
                                .map(|id| match paths.get(id) {
                                    Some(p) => format!("{id} ({p})"),
                                    None => id.clone(),
                                })
                                .collect();
                            sink.error(
                                "graph/cycle",
                                paths.get(&first).map(String::as_str),
                                Some(&first),
                                &format!("/Resources/{}", escape_token(&first)),
                                format!("dependency cycle: {} -> {first}", described.join(" -> ")),
                            );
                        }
                    }
                    _ => {}
                },
                None => {
                    marks.insert(node, Mark::Done);
                    trail.pop();
                    stack.pop();
                }
            }
        }
    }
}

/// Checks a rendered template's size and section counts against CloudFormation quotas.
/// `stack`'s top-level constructs holding the most resources, largest first (at most three),
/// as `path (n resources)`: where to split a stack that outgrew a quota.
fn largest_constructs(stack: &constructs::Stack) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (id, node) in stack.iter() {
        if matches!(node.kind, constructs::NodeKind::Resource(_)) {
            let components = stack.path_components(id);
            if let Some(first) = components.first() {
                *counts
                    .entry(format!("{}/{first}", stack.name()))
                    .or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
        .iter()
        .take(3)
        .map(|(path, n)| format!("{path} ({n} resources)"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn check_quotas(
    sink: &mut Sink<'_>,
    stack: &constructs::Stack,
    template: &Json,
    body: &str,
) {
    let count = |section: &str| {
        template
            .get(section)
            .and_then(Json::as_object)
            .map_or(0, serde_json::Map::len)
    };
    let limits = [
        ("Resources", quota::RESOURCES, "quota/resources"),
        ("Parameters", quota::PARAMETERS, "quota/parameters"),
        ("Outputs", quota::OUTPUTS, "quota/outputs"),
        ("Mappings", quota::MAPPINGS, "quota/mappings"),
    ];
    for (section, limit, code) in limits {
        let n = count(section);
        if n > limit {
            let hint = if section == "Resources" {
                format!(
                    "; move some of the largest constructs into another stack: {}",
                    largest_constructs(stack)
                )
            } else {
                "; split the stack".to_owned()
            };
            sink.error(
                code,
                Some(stack.name()),
                None,
                &format!("/{section}"),
                format!(
                    "{n} {section} exceed CloudFormation's limit of {limit} per template{hint}"
                ),
            );
        }
    }
    if count("Resources") == 0 {
        sink.error(
            "template/empty",
            None,
            None,
            "/Resources",
            "a template needs at least one resource",
        );
    }
    if let Some(Json::String(d)) = template.get("Description")
        && d.len() > quota::DESCRIPTION_BYTES
    {
        sink.error(
            "quota/description",
            None,
            None,
            "/Description",
            format!(
                "the description has {} bytes; the limit is {}",
                d.len(),
                quota::DESCRIPTION_BYTES
            ),
        );
    }
    let size = body.len();
    if size > quota::S3_BODY_BYTES {
        sink.error(
            "quota/template-size",
            None,
            None,
            "",
            format!(
                "the template has {size} bytes; CloudFormation accepts at most {} even through S3",
                quota::S3_BODY_BYTES
            ),
        );
    } else if size > quota::INLINE_BODY_BYTES {
        sink.push(
            Severity::Warning,
            "quota/template-size",
            None,
            None,
            "",
            format!(
                "the template has {size} bytes, over the {} bytes the API accepts inline: deploy needs an S3 bucket for it",
                quota::INLINE_BODY_BYTES
            ),
        );
    }
    let dynamic = body.matches("{{resolve:").count();
    if dynamic > quota::DYNAMIC_REFERENCES {
        sink.error(
            "quota/dynamic-references",
            None,
            None,
            "",
            format!(
                "{dynamic} dynamic references exceed the limit of {} per template",
                quota::DYNAMIC_REFERENCES
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ecma_patterns_are_translated_without_changing_their_meaning() {
        let sg = ecma_to_rust(r"^([a-z,A-Z,0-9,. _\-:/()#,@[\]+=&;\{\}!$*])*$");
        let re = Regex::new(&sg).expect("compiles");
        assert!(re.is_match("web [tier] (prod) #1").expect("match"));
        assert!(!re.is_match("tab\there").expect("match"));
        let path = Regex::new(&ecma_to_rust(
            r"^(\/|(\/(?!\.)+[^$#<>;`|&?{}^*/\n]+){1,4})$",
        ))
        .expect("compiles");
        assert!(path.is_match("/data/app").expect("match"));
        assert!(!path.is_match("/.hidden").expect("match"));
        let z = Regex::new(&ecma_to_rust(r"^[a-z]{1,3}\Z")).expect("compiles");
        assert!(z.is_match("abc").expect("match"));
        assert!(!z.is_match("abcd").expect("match"));
        assert_eq!(ecma_to_rust(r"^[^\]a]+$"), r"^[^\]a]+$");
    }

    #[test]
    fn rules_report_violations_and_pass_compliant_values() {
        assert!(violation(&Rule::Enum(&["a", "b"]), &json!("c")).is_some());
        assert!(violation(&Rule::Enum(&["a", "b"]), &json!("a")).is_none());
        assert!(violation(&Rule::Pattern("^[0-9]+$"), &json!("12")).is_none());
        assert!(violation(&Rule::Pattern("^[0-9]+$"), &json!("1x")).is_some());
        assert!(violation(&Rule::Minimum(1.0), &json!(0)).is_some());
        assert!(violation(&Rule::Maximum(10.0), &json!("11")).is_some());
        assert!(violation(&Rule::MaxLength(3), &json!("abcd")).is_some());
        assert!(violation(&Rule::MinItems(1), &json!([])).is_some());
        assert!(violation(&Rule::Required(&["Key"]), &json!({"Value": 1})).is_some());
    }

    #[test]
    fn selection_walks_lists_and_skips_intrinsics() {
        let props = json!({"Tags": [{"Key": "a"}, {"Key": {"Ref": "X"}}], "Other": {"Fn::If": []}});
        let mut out = Vec::new();
        select(&props, "Tags/*/Key", "", &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, "/Tags/0/Key");
        out.clear();
        select(&props, "Other/X", "", &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn cycles_are_reported_once_with_their_members() {
        let mut diags = Vec::new();
        let mut sink = Sink {
            stack: "S",
            out: &mut diags,
        };
        let edges: BTreeMap<String, BTreeSet<String>> = [
            ("A".to_owned(), BTreeSet::from(["B".to_owned()])),
            ("B".to_owned(), BTreeSet::from(["C".to_owned()])),
            ("C".to_owned(), BTreeSet::from(["A".to_owned()])),
            ("D".to_owned(), BTreeSet::from(["A".to_owned()])),
        ]
        .into();
        check_cycles(&mut sink, &edges, &BTreeMap::new());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(
            diags[0].message.contains("A -> B -> C -> A"),
            "{}",
            diags[0].message
        );
    }
}
