//! The configuration surface, tested from its own schema: configs are drawn from
//! `refarch-app schema` (every section, present and future, by walking it), valid ones must
//! synthesize deterministically (a few are written to `$SYNTH_OUT_DIR/config-properties` for
//! the lint phase), mutated ones must be refused naming the mutated field, and nothing panics
//! or writes a partial assembly.
//!
//! Case counts: `PROPTEST_CASES` (default 64 valid draws, twice that many mutations); the
//! random source is fixed, so CI runs the same cases every time. `CONFIG_SAMPLES` sets how
//! many accepted assemblies are written for the lint phase (default 3).

use std::cell::Cell;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use refarch_app::arch;
use refarch_app::config::RefArchConfig;
use refarch_app::schema::{self, child_path, resolve};
use serde_json::{Value as J, json};

fn fixture_app() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/app").into()
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    )
}

fn out_dir() -> PathBuf {
    match std::env::var_os("SYNTH_OUT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/synth-out"),
    }
}

/// A pattern as proptest's generator takes it (anchors implied).
fn generator_pattern(p: &str) -> String {
    p.trim_start_matches('^').trim_end_matches('$').to_owned()
}

/// Values the schema `s` accepts (mostly: `not` and cross-field rules are filtered later).
fn draw(s: &J, root: &J) -> BoxedStrategy<J> {
    let s = resolve(s, root);
    if let Some(arms) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(J::as_array)
    {
        return Union::new(arms.iter().map(|a| draw(a, root))).boxed();
    }
    if let Some(c) = s.get("const") {
        return Just(c.clone()).boxed();
    }
    if let Some(options) = s.get("enum").and_then(J::as_array) {
        return proptest::sample::select(options.clone()).boxed();
    }
    let types: Vec<String> = match s.get("type") {
        Some(J::String(t)) => vec![t.clone()],
        Some(J::Array(ts)) => ts.iter().filter_map(J::as_str).map(str::to_owned).collect(),
        _ => vec!["object".into()],
    };
    let mut arms: Vec<(u32, BoxedStrategy<J>)> = Vec::new();
    for t in &types {
        let arm = match t.as_str() {
            "null" => Just(J::Null).boxed(),
            "boolean" => any::<bool>().prop_map(J::Bool).boxed(),
            "integer" => {
                let min = s.get("minimum").and_then(J::as_i64).unwrap_or(0);
                let max = s
                    .get("maximum")
                    .and_then(J::as_i64)
                    .unwrap_or(1000)
                    .min(1 << 31);
                prop_oneof![Just(min), Just(max), min..=max]
                    .prop_map(|n| json!(n))
                    .boxed()
            }
            "number" => {
                let min = s.get("minimum").and_then(J::as_f64).unwrap_or(0.0);
                let max = s.get("maximum").and_then(J::as_f64).unwrap_or(1000.0);
                let step = s.get("multipleOf").and_then(J::as_f64).unwrap_or(0.25);
                let (lo, hi) = ((min / step).ceil() as i64, (max / step).floor() as i64);
                prop_oneof![Just(lo), Just(hi), lo..=hi]
                    .prop_map(move |k| json!(k as f64 * step))
                    .boxed()
            }
            "string" => string(s),
            "array" => {
                let item = s
                    .get("items")
                    .map_or(Just(J::Null).boxed(), |i| draw(i, root));
                let min = s.get("minItems").and_then(J::as_u64).unwrap_or(0) as usize;
                let max = s.get("maxItems").and_then(J::as_u64).unwrap_or(3) as usize;
                proptest::collection::vec(item, min..=max.min(min + 2).max(min))
                    .prop_map(J::Array)
                    .boxed()
            }
            _ => object(s, root),
        };
        // Optional values are mostly left out.
        arms.push((if t == "null" { 2 } else { 1 }, arm));
    }
    Union::new_weighted(arms).boxed()
}

fn string(s: &J) -> BoxedStrategy<J> {
    let min = s.get("minLength").and_then(J::as_u64).unwrap_or(0) as usize;
    let max = s.get("maxLength").and_then(J::as_u64).unwrap_or(64) as usize;
    let base: BoxedStrategy<String> = match s.get("pattern").and_then(J::as_str) {
        Some(p) => proptest::string::string_regex(&generator_pattern(p))
            .unwrap_or_else(|e| panic!("pattern {p} cannot be generated: {e}"))
            .boxed(),
        None => proptest::string::string_regex(&format!("[ -~]{{{},{}}}", min.max(1), max.min(40)))
            .expect("printable")
            .boxed(),
    };
    let drawn = base
        .prop_filter("length within the schema's bounds", move |v| {
            (min..=max).contains(&v.chars().count())
        })
        .prop_map(J::String);
    match s.get("examples").and_then(J::as_array) {
        // The schema's examples (real values) as often as patterned draws.
        Some(examples) if !examples.is_empty() => {
            prop_oneof![proptest::sample::select(examples.clone()), drawn].boxed()
        }
        _ => drawn.boxed(),
    }
}

/// A table: each property mostly left at its default, sometimes drawn.
fn object(s: &J, root: &J) -> BoxedStrategy<J> {
    let props: Vec<(String, BoxedStrategy<J>)> = s
        .get("properties")
        .and_then(J::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), draw(v, root))).collect())
        .unwrap_or_default();
    let fields: Vec<BoxedStrategy<Option<(String, J)>>> = props
        .into_iter()
        .map(|(k, strat)| {
            prop_oneof![
                3 => Just(None),
                1 => strat.prop_map(move |v| Some((k.clone(), v))),
            ]
            .boxed()
        })
        .collect();
    fields
        .prop_map(|fs| J::Object(fs.into_iter().flatten().collect()))
        .boxed()
}

/// Configs the schema accepts, as JSON, with the application directory pinned to the
/// fixture (whether a directory exists is the one thing a draw cannot know).
fn schema_configs() -> impl Strategy<Value = J> {
    let root = schema::schema();
    let strat = draw(&root, &root);
    strat
        .prop_map(|mut v| {
            let app = v
                .as_object_mut()
                .expect("a table")
                .entry("application")
                .or_insert_with(|| json!({}));
            app["source_dir"] = J::String(fixture_app());
            v
        })
        .prop_filter("the schema accepts it (its `not`s)", move |v| {
            schema::validate(v, &root).is_empty()
        })
}

/// Whether `field` names a place of the schema (so an error names a config field, not a
/// construct property).
fn in_schema(field: &str, root: &J) -> bool {
    let mut s = resolve(root, root);
    for part in field.split('.') {
        let (name, indexed) = match part.split_once('[') {
            Some((n, _)) => (n, true),
            None => (part, false),
        };
        if !name.is_empty() {
            let Some(next) = s.get("properties").and_then(|p| p.get(name)) else {
                return false;
            };
            s = resolve(next, root);
        }
        if indexed {
            let Some(items) = s.get("items") else {
                return false;
            };
            s = resolve(items, root);
        }
    }
    true
}

#[test]
fn configs_drawn_from_the_schema_synthesize_deterministically_or_are_refused_naming_config_fields()
{
    let root = schema::schema();
    let accepted = Cell::new(0u32);
    let refused = Cell::new(0u32);
    let out = out_dir().join("config-properties");
    let _ = std::fs::remove_dir_all(&out);
    let total = cases(64);
    let samples: u32 = std::env::var("CONFIG_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    runner(total)
        .run(&schema_configs(), |value| {
            let config = RefArchConfig::from_value(&value)
                .map_err(|e| TestCaseError::fail(format!("schema-valid but refused: {e}")))?;
            match config.validate() {
                Ok(()) => {
                    let first = arch::synthesize(&config).map_err(|e| {
                        TestCaseError::fail(format!(
                            "accepted by check, refused by synth: {e:#}\n{value}"
                        ))
                    })?;
                    let again = arch::synthesize(&config).expect("synthesized once");
                    for (a, b) in first.stacks.iter().zip(&again.stacks) {
                        prop_assert_eq!(&a.body, &b.body, "synth is not deterministic");
                    }
                    let n = accepted.get();
                    // The lint phase checks instance types against us-east-1's offerings.
                    let linted_region = refarch_app::rules::instance_type_offerings()
                        .get("us-east-1")
                        .is_some_and(|offered| {
                            config
                                .workloads
                                .iter()
                                .all(|w| offered.contains(&w.instance_type))
                        });
                    if n < samples && linted_region {
                        let dir = out.join(format!("case-{n}"));
                        first.write(&dir).expect("write the assembly");
                        std::fs::write(dir.join("config.json"), value.to_string())
                            .expect("write the config");
                    }
                    accepted.set(n + 1);
                }
                Err(e) => {
                    refused.set(refused.get() + 1);
                    prop_assert!(!e.problems().is_empty(), "{}", e);
                    for p in e.problems() {
                        prop_assert!(
                            p.field.is_empty() || in_schema(&p.field, &root),
                            "`{}` is not a config field: {}",
                            p.field,
                            e
                        );
                        prop_assert!(
                            !p.allowed.contains("refused while building"),
                            "a construct refused what the rules let through: {}",
                            p
                        );
                    }
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "{} of {total} drawn configs accepted, {} refused",
        accepted.get(),
        refused.get()
    );
    // Not vacuous: a good share of draws is valid, and some are refused.
    assert!(
        accepted.get() * 4 >= total,
        "only {} of {total} drawn configs were accepted",
        accepted.get()
    );
    assert!(refused.get() > 0, "no drawn config was refused");
}

/// Every leaf of a value with its schema, as (path, schema).
fn leaves<'a>(value: &J, s: &'a J, root: &'a J, path: &str, out: &mut Vec<(String, &'a J)>) {
    let s = resolve(s, root);
    let s = s
        .get("anyOf")
        .or_else(|| s.get("oneOf"))
        .and_then(J::as_array)
        .and_then(|arms| {
            arms.iter().map(|a| resolve(a, root)).find(|a| {
                a.get("type").and_then(J::as_str) != Some("null") && a.get("const").is_none()
            })
        })
        .unwrap_or(s);
    out.push((path.to_owned(), s));
    match value {
        J::Object(fields) => {
            for (k, v) in fields {
                if let Some(p) = s.get("properties").and_then(|p| p.get(k)) {
                    leaves(v, p, root, &child_path(path, k), out);
                }
            }
        }
        J::Array(items) => {
            if let Some(item) = s.get("items") {
                for (i, v) in items.iter().enumerate() {
                    leaves(v, item, root, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// A value `s` refuses at `path`, and the field the error must name.
fn mutation(s: &J, value: &J, path: &str, pick: usize) -> (J, String) {
    let field = path.to_owned();
    let is = |t: &str| match s.get("type") {
        Some(J::String(x)) => x == t,
        Some(J::Array(xs)) => xs.iter().any(|x| x == t),
        _ => false,
    };
    if s.get("oneOf").is_some() || s.get("enum").is_some() {
        return (json!("not-an-option"), field);
    }
    if value.is_object() || s.get("properties").is_some() {
        return match pick % 2 {
            0 => {
                let mut v = value.clone();
                v["bogus_field"] = json!(1);
                (v, child_path(path, "bogus_field"))
            }
            _ => (json!([1, 2]), field),
        };
    }
    if is("array") {
        return match (pick % 2, s.get("maxItems").and_then(J::as_u64)) {
            (0, Some(max)) => {
                let item = value.get(0).cloned().unwrap_or(json!("x"));
                (J::Array(vec![item; max as usize + 1]), field)
            }
            _ => (json!({"a": 1}), field),
        };
    }
    if is("string") {
        let max = s.get("maxLength").and_then(J::as_u64).expect("bounded") as usize;
        return match pick % 3 {
            0 => (J::String("a".repeat(max + 1)), field),
            1 => (J::String("bad\u{1}value".into()), field),
            _ => (json!(7), field),
        };
    }
    if is("integer") || is("number") {
        let above = match (is("integer"), s.get("maximum")) {
            (true, Some(max)) => max.as_u64().map(|m| json!(m + 1)),
            (false, Some(max)) => max.as_f64().map(|m| json!(m + 1.0)),
            _ => None,
        };
        return match (pick % 3, above) {
            (0, Some(above)) => (above, field),
            (1, _) => (json!(-1), field),
            _ => (json!("12"), field),
        };
    }
    (json!("yes"), field) // booleans
}

fn set(value: &mut J, path: &str, to: J) {
    let mut v = value;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        if !name.is_empty() {
            v = &mut v[name];
        }
        if let Some(i) = index {
            v = &mut v[i];
        }
    }
    *v = to;
}

/// `value` without nulls (TOML has none: an unset option is a missing key).
fn without_nulls(value: &J) -> J {
    match value {
        J::Object(m) => J::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        J::Array(a) => J::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn write_config(dir: &Path, value: &J, as_toml: bool) -> PathBuf {
    if as_toml && let Ok(text) = toml::to_string(&without_nulls(value)) {
        let path = dir.join("config.toml");
        std::fs::write(&path, text).expect("write");
        return path;
    }
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_string_pretty(value).expect("json")).expect("write");
    path
}

#[test]
fn mutated_configs_are_refused_naming_the_mutated_field_and_nothing_is_written() {
    let root = schema::schema();
    let tmp = tempfile::tempdir().expect("tmp");
    let spawned = Cell::new(0u32);
    // A valid config drawn from the schema, one of its fields (any depth) and a mutation.
    let strategy = schema_configs()
        .prop_filter("valid", |v| {
            RefArchConfig::from_value(v).is_ok_and(|c| c.validate().is_ok())
        })
        .prop_flat_map(|v| {
            let full = serde_json::to_value(RefArchConfig::from_value(&v).expect("valid"))
                .expect("serializes");
            (
                Just(full),
                any::<prop::sample::Index>(),
                0usize..6,
                any::<bool>(),
            )
        });
    runner(cases(128))
        .run(&strategy, |(full, index, pick, as_toml)| {
            let mut all = Vec::new();
            leaves(&full, &root, &root, "", &mut all);
            let (path, s) = all[1 + index.index(all.len() - 1)].clone();
            let current = full.pointer(&pointer(&path)).cloned().unwrap_or(J::Null);
            let (bad, field) = mutation(s, &current, &path, pick);
            let mut value = full.clone();
            set(&mut value, &path, bad.clone());
            let case = tmp.path().join(format!("m{}", spawned.get()));
            std::fs::create_dir_all(&case).expect("mkdir");
            let file = write_config(&case, &value, as_toml);
            let e = match RefArchConfig::load(&file) {
                Ok(_) => {
                    return Err(TestCaseError::fail(format!("{path} = {bad} was accepted")));
                }
                Err(e) => e,
            };
            let named = e.problems().iter().any(|p| p.field == field);
            prop_assert!(
                named,
                "{} = {}: the error does not name `{}`:\n{}",
                path,
                bad,
                field,
                e
            );
            // Through the real binary, now and then: exit 1 and no assembly at all.
            if spawned.get().is_multiple_of(10) {
                let out = case.join("assembly");
                let run = std::process::Command::new(env!("CARGO_BIN_EXE_refarch-app"))
                    .arg("synth")
                    .arg("--config")
                    .arg(&file)
                    .arg("--out")
                    .arg(&out)
                    .output()
                    .expect("run refarch-app");
                let stderr = String::from_utf8_lossy(&run.stderr);
                prop_assert_eq!(run.status.code(), Some(1), "{}", stderr);
                prop_assert!(!out.exists(), "a failed synth wrote {}", out.display());
                prop_assert!(stderr.contains(&format!("field `{field}`")), "{}", stderr);
                prop_assert!(!stderr.contains("panicked"), "{}", stderr);
            }
            spawned.set(spawned.get() + 1);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// A dotted path as a JSON pointer.
fn pointer(path: &str) -> String {
    let mut p = String::new();
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, Some(i.trim_end_matches(']'))),
            None => (part, None),
        };
        if !name.is_empty() {
            p.push('/');
            p.push_str(name);
        }
        if let Some(i) = index {
            p.push('/');
            p.push_str(i);
        }
    }
    p
}

/// Walks every schema node: objects are closed, strings and lists bounded, patterns usable by
/// both the validator and the generator. New sections are covered without edits.
#[test]
fn the_schema_is_strict_everywhere() {
    let root = schema::schema();
    fn visit(s: &J, path: &str, problems: &mut Vec<String>) {
        let Some(obj) = s.as_object() else { return };
        let types: Vec<&str> = match obj.get("type") {
            Some(J::String(t)) => vec![t.as_str()],
            Some(J::Array(ts)) => ts.iter().filter_map(J::as_str).collect(),
            _ => Vec::new(),
        };
        if types.contains(&"object") && obj.get("additionalProperties") != Some(&J::Bool(false)) {
            problems.push(format!("{path}: an open table"));
        }
        let fixed = obj.contains_key("const") || obj.contains_key("enum");
        let negated = path.ends_with("/not");
        if types.contains(&"string") && !obj.contains_key("maxLength") && !fixed && !negated {
            problems.push(format!("{path}: a string without maxLength"));
        }
        if types.contains(&"array") && !obj.contains_key("maxItems") {
            problems.push(format!("{path}: a list without maxItems"));
        }
        if (types.contains(&"integer") || types.contains(&"number"))
            && !(obj.contains_key("minimum") && obj.contains_key("maximum"))
        {
            problems.push(format!("{path}: a number without minimum and maximum"));
        }
        if let Some(p) = obj.get("pattern").and_then(J::as_str) {
            if fancy_regex::Regex::new(p).is_err() {
                problems.push(format!("{path}: pattern {p} does not compile"));
            }
            if proptest::string::string_regex(&generator_pattern(p)).is_err() {
                problems.push(format!("{path}: pattern {p} cannot be generated"));
            }
            if !(p.starts_with('^') && p.ends_with('$')) {
                problems.push(format!("{path}: pattern {p} is not anchored"));
            }
        }
        for (k, v) in obj {
            if k == "default" || k == "examples" {
                continue;
            }
            match v {
                J::Object(_) => visit(v, &format!("{path}/{k}"), problems),
                J::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        visit(item, &format!("{path}/{k}/{i}"), problems);
                    }
                }
                _ => {}
            }
        }
    }
    let mut problems = Vec::new();
    visit(&root, "#", &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every constraint the validator applies to a field alone is in the schema: values drawn
/// within each field's schema bounds, put into the default config, are accepted, except for
/// the fields [`refarch_app::rules::BEYOND_SCHEMA`] lists with the reason (rules across
/// fields, or facts JSON Schema cannot state).
#[test]
fn every_constraint_on_a_field_alone_is_in_the_schema() {
    let root = schema::schema();
    let base = {
        let mut c = RefArchConfig::default();
        c.application.source_dir = fixture_app();
        serde_json::to_value(c).expect("serializes")
    };
    let mut all = Vec::new();
    leaves(&base, &root, &root, "", &mut all);
    let listed = |path: &str| {
        refarch_app::rules::BEYOND_SCHEMA
            .iter()
            .any(|(f, _)| general(path) == *f)
    };
    for (f, _) in refarch_app::rules::BEYOND_SCHEMA {
        assert!(
            in_schema(f, &root),
            "BEYOND_SCHEMA lists `{f}`, not a config field"
        );
    }
    let mut checked = 0;
    for (path, s) in all.iter().filter(|(p, _)| !p.is_empty()) {
        let leaf = s.get("properties").is_none() && s.get("items").is_none();
        if !leaf || listed(path) {
            continue;
        }
        checked += 1;
        let mut runner = runner(24);
        runner
            .run(&draw(s, &root), |v| {
                let mut value = base.clone();
                set(&mut value, path, v.clone());
                if !schema::validate(&value, &root).is_empty() {
                    return Ok(()); // a `not` the generator does not know
                }
                let config = RefArchConfig::from_value(&value).expect("schema-valid");
                if let Err(e) = config.validate() {
                    return Err(TestCaseError::fail(format!(
                        "{path} = {v} is within the schema but refused: {e}"
                    )));
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(checked >= 15, "only {checked} fields checked");
}

/// `workloads[3].hosts[1]` as `workloads[].hosts[]`.
fn general(path: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '[' => {
                out.push_str("[]");
                skipping = true;
            }
            ']' => skipping = false,
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

/// Where the intent is clear the architecture adapts: Graviton instance types get arm64 base
/// images built on Graviton, equal sizes get no target-tracking policy (CloudFormation refuses
/// one, cfn-lint E3712), and a minimum of 0 ACU gets an auto-pause delay. The assembly is
/// written for the lint phase.
#[test]
fn the_architecture_adapts_to_graviton_fixed_sizes_and_scale_to_zero() {
    let mut config = RefArchConfig::default();
    config.application.source_dir = fixture_app();
    config.workloads[0].instance_type = "m7g.large".into();
    config.workloads[0].min_size = 3;
    config.workloads[0].max_size = 3;
    config.database.min_capacity = 0.0;
    config.validate().expect("valid");
    let assembly = arch::synthesize(&config).expect("synthesizes");
    assembly
        .write(&out_dir().join("config-adaptations"))
        .expect("write");
    let template = |part: &str| {
        &assembly
            .stack(&config.stack_name(part))
            .expect(part)
            .template
    };
    let of_type = |t: &J, ty: &str| -> Vec<J> {
        t["Resources"]
            .as_object()
            .expect("resources")
            .values()
            .filter(|r| r["Type"] == ty)
            .cloned()
            .collect()
    };
    let images = template("images");
    let recipes = of_type(images, "AWS::ImageBuilder::ImageRecipe");
    assert!(
        recipes.iter().any(|r| r["Properties"]["ParentImage"]
            == "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"),
        "{recipes:?}"
    );
    let infra = of_type(images, "AWS::ImageBuilder::InfrastructureConfiguration");
    assert_eq!(
        infra[0]["Properties"]["InstanceTypes"],
        json!(["t4g.small"])
    );
    let web = template("app");
    assert!(of_type(web, "AWS::AutoScaling::ScalingPolicy").is_empty());
    let cluster = &of_type(template("data"), "AWS::RDS::DBCluster")[0];
    assert_eq!(
        cluster["Properties"]["ServerlessV2ScalingConfiguration"],
        json!({"MinCapacity": 0.0, "MaxCapacity": 4.0, "SecondsUntilAutoPause": 300})
    );

    // Refused where it cannot adapt: one image serves every workload.
    let mut mixed = config.clone();
    mixed.workloads.push(refarch_app::config::WorkloadConfig {
        name: "admin".into(),
        hosts: vec!["admin".into()],
        instance_type: "m7i.large".into(),
        ..config.workloads[0].clone()
    });
    let e = mixed
        .validate()
        .expect_err("mixed architectures")
        .to_string();
    assert!(
        e.contains("field `workloads[1].instance_type`: \"m7i.large\": is x86_64 but workloads[0].instance_type (m7g.large) is arm64"),
        "{e}"
    );
    // An auto-pause delay without a cluster that can pause is refused, not ignored.
    let mut paused = config.clone();
    paused.database.min_capacity = 0.5;
    paused.database.auto_pause_seconds = Some(600);
    let e = paused.validate().expect_err("pause without 0").to_string();
    assert!(
        e.contains(
            "field `database.auto_pause_seconds`: 600: applies only with database.min_capacity = 0"
        ),
        "{e}"
    );
}
