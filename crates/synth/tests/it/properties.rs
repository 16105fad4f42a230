//! Property tests of synth over generated apps and values:
//!
//! - (a) rendering round-trips: for random apps (trees of raw resources with nested
//!   lists/maps and expressions referencing earlier resources, in the same stack or across
//!   stacks), every stack's body parses back to its template, and synth is byte-identical
//!   across runs and across rebuilds of the same program;
//! - (b) validation never panics on arbitrary property values (unicode, huge and negative
//!   numbers, NaN and infinities, deep nesting, references to anything) placed through raw
//!   resources, `props_mut` on generated types and `add_override`: synth returns `Ok`, or `Err`
//!   whose diagnostics all have a message and a well-formed JSON pointer;
//! - (c) generated schema constraints are enforced: a value that breaks a constraint, placed
//!   by override, yields the constraint's `schema/*` diagnostic at the property's pointer, for
//!   the generated types themselves and for every constraint of every generated schema;
//! - (d) every pattern of every generated schema compiles (except the known ones listed in
//!   [`KNOWN_UNCOMPILABLE_PATTERNS`]).

use std::collections::BTreeMap;

use constructs::resources::{
    TYPE_NAMES, autoscaling, ec2, elasticloadbalancingv2, kms, logs, rds, s3, schema_for, sns, ssm,
};
use constructs::{
    App, AsNode, Environment, Expr, ExternalInput, NodeId, NodeRef, OutputDef, Parameter, Prop,
    Pseudo, Resource, ResourceSchema, Rule, Scope, Stack, SubPart, Value, fns,
};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Value as Json, json};
use synth::deployability::Unmet;
use synth::diagnostics::escape_token;
use synth::{Diagnostic, DiagnosticKind, synth};

/// Cases per property (at least 256, as the test plan asks).
const CASES: u32 = 256;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    }
}

fn env() -> Environment {
    Environment::region("us-east-1", &[])
}

// ------------------------------------------------------------------------------------------
// Value strategies

/// Strings: arbitrary unicode (control characters included), identifier-like text, and a few
/// strings that mean something to templates or JSON pointers.
fn arb_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<String>(),
        3 => "[A-Za-z0-9 ._:/~-]{0,12}",
        1 => "\\PC{0,40}",
        1 => select(vec![
            "", "${Token}", "${!Literal}", "~1/~0", "Ref", "Fn::GetAtt", "{{resolve:ssm:/aws/service/a/b}}",
            "\u{0}", "\u{feff}", "\u{1F600}\u{200D}", "10.0.0.0/16",
        ])
        .prop_map(str::to_owned),
    ]
    .boxed()
}

/// Object keys, including empty keys, keys that need JSON-pointer escaping and intrinsic names.
fn arb_key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Z][A-Za-z0-9]{0,10}",
        1 => any::<String>(),
        1 => select(vec!["", "a/b", "~", "Ref", "Fn::If", "Condition", "Properties"])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

fn finite_f64() -> BoxedStrategy<f64> {
    use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    prop_oneof![
        (POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO),
        select(vec![
            0.0,
            -0.0,
            0.1,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE
        ]),
        (-1000i32..1000).prop_map(f64::from),
    ]
    .boxed()
}

fn any_f64() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => finite_f64(),
        1 => select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
        1 => proptest::num::f64::ANY,
    ]
    .boxed()
}

fn arb_i64() -> BoxedStrategy<i64> {
    prop_oneof![
        any::<i64>(),
        select(vec![i64::MIN, i64::MAX, -1, 0, 1, 65_536]),
        -100i64..100,
    ]
    .boxed()
}

/// Arbitrary JSON (finite numbers only: JSON has no others), for overrides and `Expr::Raw`.
fn arb_json() -> BoxedStrategy<Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        arb_i64().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        finite_f64().prop_map(Json::from),
        arb_text().prop_map(Json::String),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::vec((arb_key(), inner), 0..4)
                .prop_map(|es| Json::Object(es.into_iter().collect())),
        ]
    })
    .boxed()
}

fn arb_leaf(nonfinite: bool) -> BoxedStrategy<Prop> {
    let float = if nonfinite { any_f64() } else { finite_f64() };
    prop_oneof![
        1 => Just(Prop::Null),
        1 => any::<bool>().prop_map(Prop::Bool),
        2 => arb_i64().prop_map(Prop::Int),
        2 => float.prop_map(Prop::Float),
        4 => arb_text().prop_map(Prop::String),
    ]
    .boxed()
}

fn boxed(p: Prop) -> Box<Prop> {
    Box::new(p)
}

/// Expressions over `refs` (node references) with arguments from `inner`. `conditions` adds
/// the condition intrinsics (`Fn::If`, `Fn::Equals`, `Fn::And`/`Or`/`Not`, `Condition`,
/// `Fn::FindInMap`), whose node arguments may be of any kind.
fn arb_expr(
    refs: Vec<NodeRef>,
    inner: BoxedStrategy<Prop>,
    conditions: bool,
) -> BoxedStrategy<Expr> {
    let pseudos = vec![
        Pseudo::AccountId,
        Pseudo::NotificationArns,
        Pseudo::NoValue,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackId,
        Pseudo::StackName,
        Pseudo::UrlSuffix,
    ];
    let attr = prop_oneof![
        4 => "[A-Z][A-Za-z0-9]{0,8}(\\.[A-Z][A-Za-z0-9]{0,6})?",
        1 => Just("Arn".to_owned()),
    ];
    let sub_part = prop_oneof![
        arb_text().prop_map(SubPart::Text),
        inner.clone().prop_map(SubPart::Value),
    ];
    let references = prop_oneof![
        3 => select(refs.clone()).prop_map(Expr::Ref),
        3 => (select(refs.clone()), attr).prop_map(|(n, a)| Expr::GetAtt(n, a)),
        1 => select(pseudos).prop_map(Expr::Pseudo),
        2 => prop::collection::vec(sub_part, 0..4).prop_map(Expr::Sub),
        1 => arb_json().prop_map(Expr::Raw),
    ];
    let functions = prop_oneof![
        (arb_text(), inner.clone()).prop_map(|(d, p)| Expr::Join(d, boxed(p))),
        (any::<u32>(), inner.clone()).prop_map(|(i, p)| Expr::Select(i, boxed(p))),
        (arb_text(), inner.clone()).prop_map(|(d, p)| Expr::Split(d, boxed(p))),
        inner.clone().prop_map(|p| Expr::GetAzs(boxed(p))),
        inner.clone().prop_map(|p| Expr::Base64(boxed(p))),
        inner.clone().prop_map(|p| Expr::ImportValue(boxed(p))),
        (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| Expr::Cidr(
            boxed(a),
            boxed(b),
            boxed(c)
        )),
    ];
    if !conditions {
        return prop_oneof![references, functions].boxed();
    }
    let conds = prop_oneof![
        (select(refs.clone()), inner.clone(), inner.clone()).prop_map(|(n, a, b)| Expr::If(
            n,
            boxed(a),
            boxed(b)
        )),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| Expr::Equals(boxed(a), boxed(b))),
        prop::collection::vec(inner.clone(), 0..12).prop_map(Expr::And),
        prop::collection::vec(inner.clone(), 0..12).prop_map(Expr::Or),
        inner.clone().prop_map(|p| Expr::Not(boxed(p))),
        select(refs.clone()).prop_map(Expr::Condition),
        (select(refs), inner.clone(), inner).prop_map(|(n, a, b)| Expr::FindInMap(
            n,
            boxed(a),
            boxed(b)
        )),
    ];
    prop_oneof![references, functions, conds].boxed()
}

/// Property trees: leaves, nested lists and maps, and expressions over `refs`.
fn arb_prop(refs: Vec<NodeRef>, nonfinite: bool, conditions: bool) -> BoxedStrategy<Prop> {
    arb_leaf(nonfinite)
        .prop_recursive(6, 48, 5, move |inner| {
            prop_oneof![
                3 => prop::collection::vec(inner.clone(), 0..5).prop_map(Prop::List),
                3 => prop::collection::vec((arb_key(), inner.clone()), 0..5).prop_map(Prop::Map),
                2 => arb_expr(refs.clone(), inner, conditions).prop_map(Prop::from),
            ]
        })
        .boxed()
}

/// A leaf buried under up to 300 levels of lists and single-key maps.
fn arb_deep(nonfinite: bool) -> BoxedStrategy<Prop> {
    (
        arb_leaf(nonfinite),
        prop::collection::vec(any::<bool>(), 0..300),
    )
        .prop_map(|(leaf, wrappers)| {
            wrappers.into_iter().fold(leaf, |p, list| {
                if list {
                    Prop::List(vec![p])
                } else {
                    Prop::map([("Nested", p)])
                }
            })
        })
        .boxed()
}

// ------------------------------------------------------------------------------------------
// Rewriting node references

/// Rewrites every node reference of `prop` with `f`; an expression whose node maps to `None`
/// becomes a literal string.
fn map_refs(prop: &Prop, f: &mut dyn FnMut(&NodeRef) -> Option<NodeRef>) -> Prop {
    match prop {
        Prop::List(items) => Prop::List(items.iter().map(|p| map_refs(p, f)).collect()),
        Prop::Map(entries) => Prop::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), map_refs(v, f)))
                .collect(),
        ),
        Prop::Expr(e) => match map_expr_refs(e, f) {
            Some(e) => Prop::from(e),
            None => Prop::String("unresolved".into()),
        },
        Prop::Null | Prop::Bool(_) | Prop::Int(_) | Prop::Float(_) | Prop::String(_) => {
            prop.clone()
        }
    }
}

fn map_expr_refs(e: &Expr, f: &mut dyn FnMut(&NodeRef) -> Option<NodeRef>) -> Option<Expr> {
    let mut b = |p: &Prop| Box::new(map_refs(p, f));
    Some(match e {
        Expr::Ref(n) => Expr::Ref(f(n)?),
        Expr::GetAtt(n, a) => Expr::GetAtt(f(n)?, a.clone()),
        Expr::Condition(n) => Expr::Condition(f(n)?),
        Expr::Pseudo(_) | Expr::Raw(_) | Expr::AssetKey { .. } => e.clone(),
        Expr::Sub(parts) => Expr::Sub(
            parts
                .iter()
                .map(|p| match p {
                    SubPart::Text(t) => SubPart::Text(t.clone()),
                    SubPart::Value(v) => SubPart::Value(map_refs(v, f)),
                })
                .collect(),
        ),
        Expr::Join(d, p) => Expr::Join(d.clone(), b(p)),
        Expr::Select(i, p) => Expr::Select(*i, b(p)),
        Expr::Split(d, p) => Expr::Split(d.clone(), b(p)),
        Expr::GetAzs(p) => Expr::GetAzs(b(p)),
        Expr::Not(p) => Expr::Not(b(p)),
        Expr::ImportValue(p) => Expr::ImportValue(b(p)),
        Expr::Base64(p) => Expr::Base64(b(p)),
        Expr::Equals(x, y) => Expr::Equals(b(x), b(y)),
        Expr::Cidr(x, y, z) => Expr::Cidr(b(x), b(y), b(z)),
        Expr::And(items) => Expr::And(items.iter().map(|p| map_refs(p, f)).collect()),
        Expr::Or(items) => Expr::Or(items.iter().map(|p| map_refs(p, f)).collect()),
        Expr::If(n, x, y) => {
            let n = f(n)?;
            Expr::If(n, Box::new(map_refs(x, f)), Box::new(map_refs(y, f)))
        }
        Expr::FindInMap(n, x, y) => {
            let n = f(n)?;
            Expr::FindInMap(n, Box::new(map_refs(x, f)), Box::new(map_refs(y, f)))
        }
    })
}

// ------------------------------------------------------------------------------------------
// (a) Rendering round-trips through serde and is deterministic

/// Stand-ins for "the k-th resource created before this one": nodes of a stack that is never
/// added to an app, rebound by [`build_random_app`].
fn placeholders() -> Vec<NodeRef> {
    let mut s = Stack::new("Placeholder", Environment::default()).expect("valid name");
    let mut root = s.root();
    (0..32)
        .map(|i| root.child(&format!("P{i}")).expect("unique id").node_ref())
        .collect()
}

#[derive(Debug, Clone)]
struct ResourcePlan {
    groups: Vec<&'static str>,
    type_suffix: u8,
    properties: Vec<(String, Prop)>,
}

#[derive(Debug, Clone)]
struct StackPlan {
    resources: Vec<ResourcePlan>,
    output: Option<Prop>,
}

fn arb_app_plan() -> impl Strategy<Value = Vec<StackPlan>> {
    let refs = placeholders();
    let resource = (
        prop::collection::vec(select(vec!["Net", "App", "Default", "Resource"]), 0..3),
        0u8..4,
        prop::collection::vec((arb_key(), arb_prop(refs.clone(), false, false)), 0..5),
    )
        .prop_map(|(groups, type_suffix, properties)| ResourcePlan {
            groups,
            type_suffix,
            properties,
        });
    let stack = (
        prop::collection::vec(resource, 1..6),
        proptest::option::of(arb_prop(refs, false, false)),
    )
        .prop_map(|(resources, output)| StackPlan { resources, output });
    prop::collection::vec(stack, 1..4)
}

/// Builds the planned app. A placeholder reference `k` becomes a reference to the
/// `k mod n`-th of the `n` resources created so far (in this or an earlier stack), so
/// references only point backwards: no cycles, and cross-stack references go one way.
fn build_random_app(plan: &[StackPlan]) -> App {
    let mut app = App::new();
    let mut made: Vec<NodeRef> = Vec::new();
    let rebind = |p: &Prop, made: &[NodeRef]| {
        map_refs(p, &mut |n: &NodeRef| {
            (!made.is_empty()).then(|| made[n.node().index() % made.len()].clone())
        })
    };
    for (si, sp) in plan.iter().enumerate() {
        let mut stack = Stack::new(&format!("S{si}"), env()).expect("valid name");
        for r in &sp.resources {
            let properties = Prop::Map(
                r.properties
                    .iter()
                    .map(|(k, v)| (k.clone(), rebind(v, &made)))
                    .collect(),
            );
            let mut parent = stack.node_ref(NodeId::ROOT);
            for g in &r.groups {
                parent = match stack.find_child(parent.node(), g) {
                    Some(id) => stack.node_ref(id),
                    None => stack
                        .scope_at(&parent)
                        .and_then(|mut s| s.child(g).map(|c| c.node_ref()))
                        .expect("group"),
                };
            }
            let handle = stack
                .scope_at(&parent)
                .and_then(|mut s| {
                    s.raw_resource(
                        &format!("R{}", made.len()),
                        &format!("AWS::Test::Thing{}", r.type_suffix),
                        properties,
                    )
                })
                .expect("resource");
            made.push(handle.node_ref().clone());
        }
        if let Some(o) = &sp.output {
            let value = rebind(o, &made);
            stack
                .root()
                .output(
                    "Out",
                    OutputDef {
                        value,
                        description: None,
                        export_name: None,
                        condition: None,
                    },
                )
                .expect("output");
        }
        app.add_stack(stack).expect("unique stack names");
    }
    app
}

/// The planned app, with the literal export names it imports (random text no stack of the plan
/// exports) declared as created outside the app, so that it passes the deployability check.
fn build_deployable_app(plan: &[StackPlan]) -> App {
    let mut app = build_random_app(plan);
    if let Err(e) = synth(&app) {
        for d in e.diagnostics() {
            if let DiagnosticKind::Deployability(Unmet::Export(name)) = &d.kind
                && let Some(stack) = app.stack_mut(&d.stack)
            {
                stack.external_inputs.push(ExternalInput::export(
                    name.clone(),
                    "random plans import random names",
                ));
            }
        }
    }
    app
}

/// JSON equality, except that two floats may differ in their last few bits.
///
/// The body holds, for each float, the shortest decimal that denotes exactly that float
/// ([`floats_written_exactly`] checks it with Rust's correctly rounded `str::parse`), but
/// serde_json's default float parser is not correctly rounded: measured over random finite
/// floats it comes back 1 or 2 ULPs off for about a quarter of them (e.g.
/// `-2.0820760974416843e-257`, kept in `properties.proptest-regressions`). serde_json's
/// `float_roundtrip` feature makes it exact.
fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            x == y
                || match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) if x.is_finite() && x.signum() == y.signum() => {
                        x.to_bits().abs_diff(y.to_bits()) <= 4
                    }
                    _ => false,
                }
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_json(vx, vy))
        }
        _ => a == b,
    }
}

/// Whether every float of `template` is written as a decimal that parses back (correctly
/// rounded) to exactly that float.
fn floats_written_exactly(v: &Json) -> bool {
    match v {
        Json::Number(n) if n.is_f64() => {
            let text = serde_json::to_string(n).unwrap_or_default();
            text.parse::<f64>().ok().map(f64::to_bits) == n.as_f64().map(f64::to_bits)
        }
        Json::Array(items) => items.iter().all(floats_written_exactly),
        Json::Object(map) => map.values().all(floats_written_exactly),
        _ => true,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rendering_round_trips_through_serde_and_is_deterministic(plan in arb_app_plan()) {
        let app = build_deployable_app(&plan);
        let first = synth(&app).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(first.stacks.len(), plan.len());
        for stack in &first.stacks {
            let parsed: Json = serde_json::from_str(&stack.body)
                .map_err(|e| TestCaseError::fail(format!("{}: {e}", stack.name)))?;
            prop_assert!(
                same_json(&parsed, &stack.template),
                "{} body does not parse back:\n{parsed}\n!=\n{}",
                stack.name,
                stack.template
            );
            prop_assert!(floats_written_exactly(&stack.template), "{}", stack.body);
            prop_assert!(stack.body.ends_with('\n'), "no final newline");
        }
        // The same app again, and the same program built again: identical bytes.
        let again = synth(&app).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let rebuilt = synth(&build_deployable_app(&plan))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        for other in [&again, &rebuilt] {
            prop_assert_eq!(first.stacks.len(), other.stacks.len());
            for (a, b) in first.stacks.iter().zip(&other.stacks) {
                prop_assert_eq!(&a.name, &b.name);
                prop_assert!(a.body == b.body, "{} differs between runs", a.name);
            }
            prop_assert_eq!(first.manifest(), other.manifest());
        }
    }
}

// ------------------------------------------------------------------------------------------
// (b) Validation never panics on arbitrary property values

/// Values placed through `props_mut` on the generated types of the scaffold.
#[derive(Debug, Clone)]
struct TypedValues {
    subnet_cidr: Value<String>,
    subnet_netmask: Value<i64>,
    subnet_tags: Vec<(Value<String>, Value<String>)>,
    db_port: Value<i64>,
    db_backup_days: Value<i64>,
    db_engine: Value<String>,
    db_min_acu: Value<f64>,
    db_max_acu: Value<f64>,
    key_policy: Prop,
    topic_name: Value<String>,
    topic_max_message: Value<i64>,
}

#[derive(Debug, Clone)]
struct ArbitraryCase {
    raw_type: String,
    raw_properties: Prop,
    deep: Prop,
    other_stack_properties: Prop,
    output: Prop,
    typed: TypedValues,
    /// (which resource, dotted path, value or deletion)
    overrides: Vec<(usize, String, Option<Json>)>,
}

/// The scaffold's nodes: what arbitrary expressions may point at. Every kind of node of both
/// stacks, nodes of a stack that is not in the app, and indices past the end of a stack.
fn scaffold_refs() -> Vec<NodeRef> {
    let app = build_scaffold(&ArbitraryCase::empty());
    let mut refs: Vec<NodeRef> = Vec::new();
    for stack in app.stacks() {
        refs.extend(stack.iter().map(|(id, _)| stack.node_ref(id)));
    }
    let alpha = app.stack("Alpha").expect("alpha");
    let beta = app.stack("Beta").expect("beta");
    let last = alpha.iter().last().map(|(id, _)| id).expect("nodes");
    refs.push(beta.node_ref(last)); // past Beta's end
    let mut ghost = Stack::new("Ghost", env()).expect("valid name");
    let g = ghost
        .root()
        .raw_resource("Gone", "AWS::Test::Gone", Prop::Null)
        .expect("ghost");
    refs.push(g.node_ref().clone());
    refs.push(ghost.node_ref(NodeId::ROOT));
    refs
}

impl ArbitraryCase {
    fn empty() -> Self {
        ArbitraryCase {
            raw_type: "AWS::Test::Raw".into(),
            raw_properties: Prop::Map(vec![]),
            deep: Prop::Null,
            other_stack_properties: Prop::Map(vec![]),
            output: Prop::String("out".into()),
            typed: TypedValues {
                subnet_cidr: "10.0.0.0/24".into(),
                subnet_netmask: 24.into(),
                subnet_tags: vec![],
                db_port: 5432.into(),
                db_backup_days: 7.into(),
                db_engine: "aurora-postgresql".into(),
                db_min_acu: 0.5.into(),
                db_max_acu: 4.into(),
                key_policy: Prop::Map(vec![]),
                topic_name: "topic".into(),
                topic_max_message: 2048.into(),
            },
            overrides: vec![],
        }
    }
}

fn arb_value<T: Clone + std::fmt::Debug + 'static>(
    literal: BoxedStrategy<T>,
    refs: Vec<NodeRef>,
) -> BoxedStrategy<Value<T>> {
    let inner = arb_prop(refs.clone(), true, true);
    prop_oneof![
        3 => literal.prop_map(Value::Literal),
        1 => arb_expr(refs, inner, true).prop_map(Value::from_expr),
    ]
    .boxed()
}

const OVERRIDE_PATHS: &[&str] = &[
    "Properties.CidrBlock",
    "Properties.VpcId",
    "Properties.Tags",
    "Properties.Ipv4NetmaskLength",
    "Properties.Port",
    "Properties.Engine",
    "Properties.BackupRetentionPeriod",
    "Properties.ServerlessV2ScalingConfiguration.MinCapacity",
    "Properties.KeyPolicy",
    "Properties.KeySpec",
    "Properties.TopicName",
    "Properties.MaximumMessageSize",
    "Properties.RetentionInDays",
    "Properties",
    "Properties..Empty",
    "Type",
    "DependsOn",
    "Metadata",
    "Metadata.construct:path",
    "DeletionPolicy",
    "",
];

/// `default` most of the time, else a value from `s`: a case holds a few arbitrary values
/// among sane ones, so that synth both succeeds and fails across cases.
fn mostly<T: Clone + std::fmt::Debug + 'static>(
    default: T,
    s: BoxedStrategy<T>,
) -> BoxedStrategy<T> {
    prop_oneof![5 => Just(default), 1 => s].boxed()
}

fn arb_case() -> impl Strategy<Value = ArbitraryCase> {
    let refs = scaffold_refs();
    let d = ArbitraryCase::empty();
    let t = d.typed.clone();
    let prop = |default: Prop| mostly(default, arb_prop(refs.clone(), true, true));
    let text = |default: Value<String>| mostly(default, arb_value(arb_text(), refs.clone()));
    let int = |default: Value<i64>| mostly(default, arb_value(arb_i64(), refs.clone()));
    let float = |default: Value<f64>| mostly(default, arb_value(any_f64(), refs.clone()));
    let tags = mostly(
        Vec::new(),
        prop::collection::vec(
            (
                arb_value(arb_text(), refs.clone()),
                arb_value(arb_text(), refs.clone()),
            ),
            0..3,
        )
        .boxed(),
    );
    let typed = (
        (text(t.subnet_cidr), int(t.subnet_netmask), tags),
        (
            int(t.db_port),
            int(t.db_backup_days),
            text(t.db_engine),
            float(t.db_min_acu),
            float(t.db_max_acu),
        ),
        (
            prop(t.key_policy),
            text(t.topic_name),
            int(t.topic_max_message),
        ),
    )
        .prop_map(
            |(
                (subnet_cidr, subnet_netmask, subnet_tags),
                (db_port, db_backup_days, db_engine, db_min_acu, db_max_acu),
                (key_policy, topic_name, topic_max_message),
            )| TypedValues {
                subnet_cidr,
                subnet_netmask,
                subnet_tags,
                db_port,
                db_backup_days,
                db_engine,
                db_min_acu,
                db_max_acu,
                key_policy,
                topic_name,
                topic_max_message,
            },
        );
    let path = prop_oneof![
        4 => select(OVERRIDE_PATHS).prop_map(str::to_owned),
        1 => any::<String>(),
        1 => "[A-Za-z.]{0,20}",
    ];
    let overrides = prop::collection::vec(
        (0usize..6, path, proptest::option::weighted(0.8, arb_json())),
        0..3,
    );
    (
        (
            arb_text(),
            prop(d.raw_properties),
            mostly(d.deep, arb_deep(true)),
            prop(d.other_stack_properties),
            prop(d.output),
        ),
        typed,
        overrides,
    )
        .prop_map(
            |(
                (raw_type, raw_properties, deep, other_stack_properties, output),
                typed,
                overrides,
            )| {
                ArbitraryCase {
                    raw_type,
                    raw_properties,
                    deep,
                    other_stack_properties,
                    output,
                    typed,
                    overrides,
                }
            },
        )
}

/// Two stacks with every kind of node, built the same way whatever the case holds (so node
/// references taken from one build are valid in every other), then filled with the case's
/// values through each escape hatch.
fn build_scaffold(case: &ArbitraryCase) -> App {
    let t = &case.typed;
    let mut alpha = Stack::new("Alpha", env()).expect("valid name");
    let mut root = alpha.root();
    root.parameter("Param", Parameter::string())
        .expect("parameter");
    root.condition("IsEast", fns::equals(fns::region(), "us-east-1"))
        .expect("condition");
    root.mapping(
        "Amis",
        BTreeMap::from([(
            "us-east-1".to_owned(),
            BTreeMap::from([("Ami".to_owned(), json!("ami-1"))]),
        )]),
    )
    .expect("mapping");
    let subnet = root
        .child("Net")
        .and_then(|mut s| s.resource("Subnet", ec2::Subnet::new("vpc-0123456789abcdef0")))
        .expect("subnet");
    let db = root.resource("Db", rds::DbCluster::new()).expect("db");
    let key = root.resource("Key", kms::Key::new()).expect("key");
    let topic = root.resource("Topic", sns::Topic::new()).expect("topic");
    let raw = root
        .raw_resource("Raw", &case.raw_type, case.raw_properties.clone())
        .expect("raw");
    root.raw_resource(
        "Deep",
        "AWS::Test::Deep",
        Prop::map([("Deep", case.deep.clone())]),
    )
    .expect("deep");
    root.output(
        "Out",
        OutputDef {
            value: case.output.clone(),
            description: Some("arbitrary".into()),
            export_name: None,
            condition: None,
        },
    )
    .expect("output");

    // props_mut: typed access to generated L1s.
    {
        let s = alpha.props_mut(&subnet).expect("subnet props");
        s.cidr_block = Some(t.subnet_cidr.clone());
        s.ipv4_netmask_length = Some(t.subnet_netmask.clone());
        s.tags = Some(
            t.subnet_tags
                .iter()
                .map(|(k, v)| constructs::resources::Tag::new(k.clone(), v.clone()))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    {
        let d = alpha.props_mut(&db).expect("db props");
        d.port = Some(t.db_port.clone());
        d.backup_retention_period = Some(t.db_backup_days.clone());
        d.engine = Some(t.db_engine.clone());
        d.serverless_v2_scaling_configuration = Some(
            rds::db_cluster::ServerlessV2ScalingConfiguration {
                min_capacity: Some(t.db_min_acu.clone()),
                max_capacity: Some(t.db_max_acu.clone()),
                ..rds::db_cluster::ServerlessV2ScalingConfiguration::new()
            }
            .into(),
        );
    }
    alpha.props_mut(&key).expect("key props").key_policy =
        Some(Value::Literal(t.key_policy.clone()));
    {
        let tp = alpha.props_mut(&topic).expect("topic props");
        tp.topic_name = Some(t.topic_name.clone());
        tp.maximum_message_size = Some(t.topic_max_message.clone());
    }

    let mut beta = Stack::new("Beta", env()).expect("valid name");
    let logs = beta
        .root()
        .resource("Logs", logs::LogGroup::new())
        .expect("logs");
    beta.root()
        .raw_resource(
            "Other",
            "AWS::Test::Other",
            case.other_stack_properties.clone(),
        )
        .expect("other");

    // add_override: raw JSON after rendering, on typed and raw resources of both stacks.
    let alpha_targets: [NodeRef; 5] = [
        subnet.node_ref().clone(),
        db.node_ref().clone(),
        key.node_ref().clone(),
        topic.node_ref().clone(),
        raw.node_ref().clone(),
    ];
    for (which, path, value) in &case.overrides {
        match alpha_targets.get(*which) {
            Some(target) => alpha.add_override(target, path, value.clone()),
            None => beta.add_override(&logs, path, value.clone()),
        }
        .expect("override on a resource of its own stack");
    }

    let mut app = App::new();
    app.add_stack(alpha).expect("alpha");
    app.add_stack(beta).expect("beta");
    app
}

/// Whether `pointer` is empty or an RFC 6901 pointer with well-formed escapes.
fn well_formed_pointer(pointer: &str) -> bool {
    if pointer.is_empty() {
        return true;
    }
    if !pointer.starts_with('/') {
        return false;
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return false;
        }
    }
    true
}

fn check_diagnostic(d: &Diagnostic) -> Result<(), TestCaseError> {
    prop_assert!(!d.message.trim().is_empty(), "empty message: {d:?}");
    prop_assert!(!d.code.is_empty(), "empty code: {d:?}");
    prop_assert!(!d.stack.is_empty(), "no stack: {d:?}");
    prop_assert!(
        well_formed_pointer(&d.pointer),
        "bad pointer {:?}: {d}",
        d.pointer
    );
    // Problems with a value point at it.
    if d.code.starts_with("schema/") {
        let id = d.logical_id.as_deref().unwrap_or_default();
        let base = format!("/Resources/{}/Properties", escape_token(id));
        prop_assert!(d.pointer.starts_with(&base), "{d}");
        prop_assert!(d.path.is_some(), "no construct path: {d}");
    }
    if d.code.starts_with("value/") || d.code.starts_with("ref/") {
        prop_assert!(d.pointer.starts_with('/'), "{d}");
    }
    // Display never panics and names the code.
    prop_assert!(d.to_string().contains(d.code));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn validation_never_panics_on_arbitrary_values(case in arb_case()) {
        let app = build_scaffold(&case);
        match synth(&app) {
            Ok(assembly) => {
                for d in &assembly.warnings {
                    check_diagnostic(d)?;
                }
                for s in &assembly.stacks {
                    prop_assert!(s.body.ends_with('\n'));
                }
            }
            Err(e) => {
                prop_assert!(!e.diagnostics().is_empty());
                prop_assert!(e.to_string().starts_with("synth found"));
                for d in e.diagnostics() {
                    check_diagnostic(d)?;
                }
            }
        }
    }
}

#[test]
fn non_finite_numbers_are_reported_where_they_are() {
    let mut case = ArbitraryCase::empty();
    case.typed.db_min_acu = f64::NAN.into();
    case.typed.db_max_acu = f64::INFINITY.into();
    let err = synth(&build_scaffold(&case)).expect_err("NaN is not JSON");
    let pointers: Vec<&str> = err
        .diagnostics()
        .iter()
        .filter(|d| d.code == "value/number")
        .map(|d| d.pointer.as_str())
        .collect();
    assert_eq!(
        pointers,
        [
            "/Resources/Db/Properties/ServerlessV2ScalingConfiguration/MaxCapacity",
            "/Resources/Db/Properties/ServerlessV2ScalingConfiguration/MinCapacity",
        ],
        "{err}"
    );
}

// ------------------------------------------------------------------------------------------
// (c) Generated schema constraints are enforced

/// Patterns of the pinned registry schemas that synth cannot compile, even after translating
/// ECMA-262 syntax (`synth::validate::ecma_to_rust`): none today. An entry here means synth
/// skips that check; `every_generated_pattern_compiles_except_known_ones` keeps the list exact.
const KNOWN_UNCOMPILABLE_PATTERNS: &[(&str, &str)] = &[];

/// Candidate values that break `rule` (empty if none could be made).
fn violations(rule: &Rule) -> Vec<Json> {
    let number = |x: f64| -> Vec<Json> {
        let mut out = Vec::new();
        if x.is_finite() {
            out.push(json!(x));
            out.push(Json::String(x.to_string()));
            if x.fract() == 0.0 && x.abs() < 9e15 {
                // Integral and exactly representable: an integer literal.
                out.push(json!(x as i64));
            }
        }
        out
    };
    match rule {
        Rule::Required(keys) => {
            let mut out = vec![json!({})];
            if !keys.contains(&"Unrelated") {
                out.push(json!({"Unrelated": "x"}));
            }
            out
        }
        Rule::Enum(allowed) => ["not-an-allowed-value", "", "\u{1F4A5}"]
            .iter()
            .filter(|v| !allowed.contains(v))
            .map(|v| json!(v))
            .collect(),
        Rule::Pattern(p) => {
            let Ok(re) = fancy_regex::Regex::new(&synth::validate::ecma_to_rust(p)) else {
                return Vec::new();
            };
            let long = "x".repeat(3000);
            [
                "",
                " ",
                "\u{0}",
                "a b",
                "\n",
                "~!@%^",
                "\u{1F4A5}",
                "0",
                "-",
                "a",
                "Z",
                "not valid!",
                "arn:aws:bogus",
                &long,
            ]
            .iter()
            .filter(|c| matches!(re.is_match(c), Ok(false)))
            .map(|c| json!(c))
            .collect()
        }
        Rule::Minimum(min) => {
            let below = if min.abs() < 1e15 {
                min - 1.0
            } else {
                min - min.abs()
            };
            number(below).into_iter().filter(|_| below < *min).collect()
        }
        Rule::Maximum(max) => {
            let above = if max.abs() < 1e15 {
                max + 1.0
            } else {
                max + max.abs()
            };
            number(above).into_iter().filter(|_| above > *max).collect()
        }
        Rule::MinLength(n) if *n > 0 && *n <= 100_000 => {
            let n = usize::try_from(*n - 1).unwrap_or(0);
            vec![json!("a".repeat(n)), json!("é".repeat(n))]
        }
        Rule::MaxLength(n) if *n <= 100_000 => {
            let n = usize::try_from(*n + 1).unwrap_or(0);
            vec![json!("a".repeat(n)), json!("ü".repeat(n))]
        }
        Rule::MinItems(n) if *n > 0 && *n <= 10_000 => {
            let n = usize::try_from(*n - 1).unwrap_or(0);
            vec![Json::Array(vec![json!("x"); n])]
        }
        Rule::MaxItems(n) if *n <= 10_000 => {
            let n = usize::try_from(*n + 1).unwrap_or(0);
            vec![
                Json::Array(vec![json!("x"); n]),
                Json::Array(vec![json!({}); n]),
            ]
        }
        Rule::MinLength(_) | Rule::MaxLength(_) | Rule::MinItems(_) | Rule::MaxItems(_) => {
            Vec::new()
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

/// A placement of a violating value: overrides to apply and the pointer synth must report.
struct Placement {
    overrides: Vec<(String, Option<Json>)>,
    pointer: String,
}

/// Where `value` goes for a constraint at `path` on the resource with logical id `id`: the
/// top-level property is overridden with `value` wrapped in an object per name and a
/// one-item list per `*`. A `Required` rule on `Properties` itself deletes the keys.
fn place(id: &str, path: &str, rule: &Rule, value: Json) -> Option<Placement> {
    let base = format!("/Resources/{}/Properties", escape_token(id));
    if path.is_empty() {
        let Rule::Required(keys) = rule else {
            return None;
        };
        return Some(Placement {
            overrides: keys
                .iter()
                .map(|k| (format!("Properties.{k}"), None))
                .collect(),
            pointer: base,
        });
    }
    let segments: Vec<&str> = path.split('/').collect();
    let (first, rest) = segments.split_first()?;
    if *first == "*" || first.contains('.') {
        return None;
    }
    let nested = rest.iter().rev().fold(value, |v, seg| {
        if *seg == "*" {
            Json::Array(vec![v])
        } else {
            json!({ *seg: v })
        }
    });
    let pointer = segments.iter().fold(base, |p, seg| {
        let token = if *seg == "*" {
            "0".to_owned()
        } else {
            escape_token(seg)
        };
        format!("{p}/{token}")
    });
    Some(Placement {
        overrides: vec![(format!("Properties.{first}"), Some(nested))],
        pointer,
    })
}

fn known_uncompilable(type_name: &str, path: &str, rule: &Rule) -> bool {
    matches!(rule, Rule::Pattern(_))
        && KNOWN_UNCOMPILABLE_PATTERNS
            .iter()
            .any(|(t, p)| *t == type_name && *p == path)
}

/// The constraints of `schema` a violation can be built and placed for, with their values.
fn checkable(schema: &'static ResourceSchema) -> Vec<(&'static constructs::Constraint, Vec<Json>)> {
    schema
        .constraints
        .iter()
        .filter(|c| !known_uncompilable(schema.type_name, c.path, &c.rule))
        .map(|c| (c, violations(&c.rule)))
        .filter(|(c, vs)| {
            vs.first()
                .is_some_and(|v| place("X", c.path, &c.rule, v.clone()).is_some())
        })
        .collect()
}

/// Synthesizes one stack holding the resource `add` creates at id `Target`, with `placement`
/// applied, and checks that the expected diagnostic is among the errors.
fn assert_reported(
    add: &dyn Fn(&mut Scope<'_>) -> NodeRef,
    type_name: &str,
    path: &str,
    rule: &Rule,
    value: &Json,
) -> Result<(), String> {
    let Some(placement) = place("Target", path, rule, value.clone()) else {
        return Err(format!("cannot place a value at {path}"));
    };
    let mut stack = Stack::new("Checked", env()).map_err(|e| e.to_string())?;
    let target = add(&mut stack.root());
    for (p, v) in &placement.overrides {
        stack
            .add_override(&target, p, v.clone())
            .map_err(|e| e.to_string())?;
    }
    let mut app = App::new();
    app.add_stack(stack).map_err(|e| e.to_string())?;
    let code = rule_code(rule);
    let found = match synth(&app) {
        Ok(_) => false,
        Err(e) => e
            .diagnostics()
            .iter()
            .any(|d| d.code == code && d.pointer == placement.pointer),
    };
    if found {
        Ok(())
    } else {
        Err(format!(
            "{type_name} /{path} {rule:?}: no {code} at {} for value {}",
            placement.pointer,
            truncate(value)
        ))
    }
}

fn truncate(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}...", s.chars().take(77).collect::<String>())
    } else {
        s
    }
}

/// A resource with the generated schema of `TYPE_NAMES[N]` and free-form properties.
///
/// Synth sees a resource only through its type name, its schema and its properties, so this
/// stands in for every generated type without naming each one's required constructor
/// arguments. (`N` past the end of the list is clamped so that every instantiation compiles.)
#[derive(Debug, Clone)]
struct Generated<const N: usize>(Prop);

impl<const N: usize> Resource for Generated<N> {
    const TYPE_NAME: &'static str = TYPE_NAMES[if N < TYPE_NAMES.len() { N } else { 0 }];
    fn schema() -> &'static ResourceSchema {
        schema_for(Self::TYPE_NAME).expect("every listed type has a schema")
    }
    fn properties(&self) -> Prop {
        self.0.clone()
    }
}

/// Adds a [`Generated`] resource of `TYPE_NAMES[index]` with no properties at `scope/id`.
fn add_generated(scope: &mut Scope<'_>, id: &str, index: usize) -> NodeRef {
    macro_rules! by_index {
        ($($n:literal)*) => {
            match index {
                $($n => scope.resource(id, Generated::<$n>(Prop::Map(vec![]))).map(|h| h.node_ref().clone()),)*
                _ => panic!("more than 100 generated types: extend by_index!"),
            }
        };
    }
    by_index!(
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32
        33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61
        62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90
        91 92 93 94 95 96 97 98 99
    )
    .expect("valid id")
}

/// Adds the `which`-th of a few generated L1s, built with their own constructors.
fn add_typed(scope: &mut Scope<'_>, which: usize) -> (NodeRef, &'static ResourceSchema) {
    fn add<R: Resource>(scope: &mut Scope<'_>, r: R) -> (NodeRef, &'static ResourceSchema) {
        let h = scope.resource("Target", r).expect("valid id");
        (h.node_ref().clone(), R::schema())
    }
    match which % TYPED.len() {
        0 => add(scope, ec2::Subnet::new("vpc-0123456789abcdef0")),
        1 => add(scope, rds::DbCluster::new()),
        2 => add(scope, sns::Topic::new()),
        3 => add(scope, kms::Key::new()),
        4 => add(scope, logs::LogGroup::new()),
        5 => add(scope, ec2::SecurityGroup::new("web tier")),
        6 => add(scope, ssm::Parameter::new("String", "value")),
        7 => add(scope, autoscaling::AutoScalingGroup::new("1", "2")),
        8 => add(scope, elasticloadbalancingv2::TargetGroup::new()),
        _ => add(scope, s3::Bucket::new()),
    }
}

const TYPED: &[&str] = &[
    "AWS::EC2::Subnet",
    "AWS::RDS::DBCluster",
    "AWS::SNS::Topic",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::EC2::SecurityGroup",
    "AWS::SSM::Parameter",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::S3::Bucket",
];

fn typed_schema(which: usize) -> &'static ResourceSchema {
    let mut s = Stack::new("Probe", env()).expect("valid name");
    add_typed(&mut s.root(), which).1
}

proptest! {
    #![proptest_config(config())]

    /// Generated L1 types, with a broken value placed by override.
    #[test]
    fn constraints_of_generated_types_are_enforced(
        which in 0..TYPED.len(),
        constraint in any::<Index>(),
        value in any::<Index>(),
    ) {
        let schema = typed_schema(which);
        prop_assert_eq!(schema.type_name, TYPED[which]);
        let candidates = checkable(schema);
        prop_assume!(!candidates.is_empty());
        let (c, values) = &candidates[constraint.index(candidates.len())];
        let v = &values[value.index(values.len())];
        let add = |scope: &mut Scope<'_>| add_typed(scope, which).0;
        assert_reported(&add, schema.type_name, c.path, &c.rule, v)
            .map_err(TestCaseError::fail)?;
    }

    /// Every generated schema, through a stand-in with that schema.
    #[test]
    fn constraints_of_every_generated_schema_are_enforced(
        type_index in 0..TYPE_NAMES.len(),
        constraint in any::<Index>(),
        value in any::<Index>(),
    ) {
        let type_name = TYPE_NAMES[type_index];
        let schema = schema_for(type_name).expect("schema");
        let candidates = checkable(schema);
        prop_assume!(!candidates.is_empty());
        let (c, values) = &candidates[constraint.index(candidates.len())];
        let v = &values[value.index(values.len())];
        let add = |scope: &mut Scope<'_>| add_generated(scope, "Target", type_index);
        assert_reported(&add, type_name, c.path, &c.rule, v).map_err(TestCaseError::fail)?;
    }
}

/// Every constraint of every generated schema, once each, with its first violating value.
#[test]
fn every_checkable_constraint_is_enforced() {
    assert!(TYPE_NAMES.len() <= 100, "extend by_index! in add_generated");
    let (mut total, mut checked) = (0, 0);
    let mut failures = Vec::new();
    for (i, type_name) in TYPE_NAMES.iter().enumerate() {
        let schema = schema_for(type_name).expect("schema");
        let add = |scope: &mut Scope<'_>| add_generated(scope, "Target", i);
        total += schema.constraints.len();
        for (c, values) in checkable(schema) {
            checked += 1;
            if let Err(e) = assert_reported(&add, type_name, c.path, &c.rule, &values[0]) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Most constraints can be violated (the rest are `MinLength(0)`, `MinItems(0)` and the
    // like, which nothing violates).
    assert!(
        checked * 10 >= total * 8,
        "only {checked} of {total} checked"
    );
}

#[test]
fn an_invalid_enum_and_an_out_of_range_number_are_reported_at_their_pointers() {
    let mut stack = Stack::new("Data", env()).expect("valid name");
    let db = stack
        .root()
        .resource("Db", rds::DbCluster::new())
        .expect("db");
    stack
        .add_override(&db, "Properties.BackupRetentionPeriod", Some(json!(36)))
        .expect("override");
    let topic = stack
        .root()
        .resource("Topic", sns::Topic::new())
        .expect("topic");
    stack
        .add_override(
            &topic,
            "Properties.DeliveryStatusLogging",
            Some(json!([{"Protocol": "smtp"}])),
        )
        .expect("override");
    let mut app = App::new();
    app.add_stack(stack).expect("stack");
    let err = synth(&app).expect_err("invalid values");
    let found: Vec<(&str, &str)> = err
        .diagnostics()
        .iter()
        .map(|d| (d.code, d.pointer.as_str()))
        .collect();
    assert!(
        found.contains(&(
            "schema/range",
            "/Resources/Db/Properties/BackupRetentionPeriod"
        )),
        "{err}"
    );
    assert!(
        found.contains(&(
            "schema/enum",
            "/Resources/Topic/Properties/DeliveryStatusLogging/0/Protocol"
        )),
        "{err}"
    );
}

// ------------------------------------------------------------------------------------------
// (d) Every pattern compiles

/// Every pattern of every generated schema compiles with synth's regex engine, except the
/// known ones (whose checks synth silently skips): a new schema with a pattern synth cannot
/// compile fails here instead of going unchecked.
#[test]
fn every_generated_pattern_compiles_except_known_ones() {
    let mut failing: Vec<(&str, &str, &str)> = Vec::new();
    let mut patterns = 0;
    for type_name in TYPE_NAMES {
        let schema = schema_for(type_name).expect("schema");
        for c in schema.constraints {
            if let Rule::Pattern(p) = c.rule {
                patterns += 1;
                if fancy_regex::Regex::new(&synth::validate::ecma_to_rust(p)).is_err() {
                    failing.push((type_name, c.path, p));
                }
            }
        }
        // synth's own check agrees, type by type.
        let fails_here = failing.iter().any(|(t, ..)| t == type_name);
        match synth::validate::patterns_compile(schema) {
            Ok(()) => assert!(!fails_here, "patterns_compile accepts {type_name}"),
            Err(first) => assert!(fails_here, "patterns_compile rejects {first}"),
        }
    }
    assert!(patterns > 100, "only {patterns} patterns");
    let unexpected: Vec<String> = failing
        .iter()
        .filter(|(t, path, _)| !KNOWN_UNCOMPILABLE_PATTERNS.contains(&(*t, *path)))
        .map(|(t, path, p)| format!("{t} /{path}: {p}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "patterns synth cannot compile (their checks would be skipped):\n{}",
        unexpected.join("\n")
    );
    let fixed: Vec<&(&str, &str)> = KNOWN_UNCOMPILABLE_PATTERNS
        .iter()
        .filter(|(t, path)| !failing.iter().any(|(ft, fp, _)| ft == t && fp == path))
        .collect();
    assert!(
        fixed.is_empty(),
        "these patterns compile now; remove them from KNOWN_UNCOMPILABLE_PATTERNS: {fixed:?}"
    );
}
