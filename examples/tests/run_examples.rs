//! Runs every example: builds its app, synthesizes it, checks the templates, and writes the
//! assembly to `$SYNTH_OUT_DIR/examples/<name>/` (default `target/synth-out/examples/<name>/`)
//! where `scripts/test.sh`'s lint phase runs cfn-lint and checkov over it.

use std::path::PathBuf;

use constructs::{App, ConstructError};
use examples::custom_construct::{self, EncryptedTopic, EncryptedTopicProps};
use examples::{escape_hatches, minimal_stack};
use serde_json::{Value, json};
use synth::Assembly;

/// `$SYNTH_OUT_DIR` (set by `scripts/test.sh`), else `target/synth-out` of this workspace.
fn out_dir() -> PathBuf {
    match std::env::var_os("SYNTH_OUT_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/synth-out"),
    }
}

/// Synthesizes `app` (panicking with every diagnostic on failure), checks it is warning-free and
/// byte-identical across runs, and writes it for the lint oracle.
fn synth_and_write(name: &str, app: &App) -> Assembly {
    let assembly = synth::synth(app).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        assembly.warnings.is_empty(),
        "{name}: {:?}",
        assembly.warnings
    );
    let again = synth::synth(app).unwrap_or_else(|e| panic!("{name}: {e}"));
    for (a, b) in assembly.stacks.iter().zip(&again.stacks) {
        assert_eq!(a.body, b.body, "{name}: synth is not deterministic");
    }
    let dir = out_dir().join("examples").join(name);
    assembly.write(&dir).expect("write the assembly");
    assembly
}

fn resources_of<'t>(template: &'t Value, type_name: &str) -> Vec<(&'t String, &'t Value)> {
    template["Resources"]
        .as_object()
        .map(|m| m.iter().filter(|(_, r)| r["Type"] == type_name).collect())
        .unwrap_or_default()
}

fn one_of<'t>(template: &'t Value, type_name: &str) -> (&'t String, &'t Value) {
    let found = resources_of(template, type_name);
    assert_eq!(found.len(), 1, "one {type_name}: {found:?}");
    found[0]
}

#[test]
fn minimal_stack_has_a_topic_and_its_arn_as_output() {
    let app = minimal_stack::build().expect("build");
    let assembly = synth_and_write("minimal_stack", &app);
    assert_eq!(assembly.stacks.len(), 1);
    let stack = &assembly.stacks[0];
    assert_eq!(stack.name, minimal_stack::STACK_NAME);
    let t = &stack.template;
    assert_eq!(stack.resource_count(), 1);
    let topic = &t["Resources"]["Alerts"];
    assert_eq!(topic["Type"], "AWS::SNS::Topic");
    assert_eq!(topic["Properties"]["KmsMasterKeyId"], "alias/aws/sns");
    assert_eq!(topic["Metadata"]["construct:path"], "Minimal/Alerts");
    assert_eq!(
        t["Outputs"]["AlertsTopicArn"]["Value"],
        json!({"Ref": "Alerts"})
    );
}

#[test]
fn custom_construct_exports_from_one_stack_and_imports_into_the_other() {
    let app = custom_construct::build().expect("build");
    let assembly = synth_and_write("custom_construct", &app);
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            custom_construct::ALERTS_STACK,
            custom_construct::MONITORING_STACK
        ],
        "producer first"
    );
    let alerts = assembly
        .stack(custom_construct::ALERTS_STACK)
        .expect("alerts");
    let monitoring = assembly
        .stack(custom_construct::MONITORING_STACK)
        .expect("monitoring");
    assert_eq!(monitoring.dependencies, [custom_construct::ALERTS_STACK]);
    assert!(alerts.dependencies.is_empty());

    // The construct: a rotated, retained key encrypting the topic; a least-privilege policy.
    let a = &alerts.template;
    let (key_id, key) = one_of(a, "AWS::KMS::Key");
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);
    assert_eq!(key["DeletionPolicy"], "Retain");
    let (topic_id, topic) = one_of(a, "AWS::SNS::Topic");
    assert!(
        !topic_id.contains("Resource"),
        "`Resource` is hidden: {topic_id}"
    );
    assert_eq!(
        topic["Properties"]["KmsMasterKeyId"],
        json!({"Fn::GetAtt": [key_id, "Arn"]})
    );
    assert_eq!(topic["Properties"]["DisplayName"], "Operations alerts");
    let (_, policy) = one_of(a, "AWS::IAM::ManagedPolicy");
    let statements = &policy["Properties"]["PolicyDocument"]["Statement"];
    assert_eq!(statements[0]["Action"], "sns:Publish");
    assert_eq!(statements[0]["Resource"], json!({"Ref": topic_id}));
    assert_eq!(
        statements[1]["Resource"],
        json!({"Fn::GetAtt": [key_id, "Arn"]})
    );
    let key_services = &key["Properties"]["KeyPolicy"]["Statement"][1]["Principal"]["Service"];
    assert_eq!(*key_services, "cloudwatch.amazonaws.com");

    // The producer exports exactly what the consumer imports.
    let exports: Vec<(&String, &Value)> = a["Outputs"]
        .as_object()
        .expect("outputs")
        .iter()
        .filter(|(_, o)| o.get("Export").is_some())
        .collect();
    assert_eq!(exports.len(), 3, "topic ARN, topic name, policy ARN");
    let export_names: Vec<&Value> = exports.iter().map(|(_, o)| &o["Export"]["Name"]).collect();
    let m = &monitoring.template;
    let mut imports = Vec::new();
    collect_imports(m, &mut imports);
    assert_eq!(imports.len(), 3, "{imports:?}");
    for import in &imports {
        assert!(export_names.contains(import), "{import} is not exported");
    }
    let (_, alarm) = one_of(m, "AWS::CloudWatch::Alarm");
    assert!(alarm["Properties"]["AlarmActions"][0]["Fn::ImportValue"].is_string());
    let (_, role) = one_of(m, "AWS::IAM::Role");
    assert!(role["Properties"]["ManagedPolicyArns"][0]["Fn::ImportValue"].is_string());
}

fn collect_imports<'t>(v: &'t Value, out: &mut Vec<&'t Value>) {
    match v {
        Value::Object(map) => {
            if let Some(name) = map.get("Fn::ImportValue") {
                out.push(name);
            }
            map.values().for_each(|x| collect_imports(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| collect_imports(x, out)),
        _ => {}
    }
}

#[test]
fn custom_construct_reports_bad_props_by_field() {
    let cases: [(&str, EncryptedTopicProps); 4] = [
        (
            "display_name",
            EncryptedTopicProps {
                display_name: "x".repeat(101),
                ..EncryptedTopicProps::default()
            },
        ),
        (
            "topic_name",
            EncryptedTopicProps {
                topic_name: Some("orders".into()),
                fifo: true,
                ..EncryptedTopicProps::default()
            },
        ),
        (
            "topic_name",
            EncryptedTopicProps {
                topic_name: Some("has space".into()),
                ..EncryptedTopicProps::default()
            },
        ),
        (
            "publisher_services",
            EncryptedTopicProps {
                publisher_services: vec!["cloudwatch".into()],
                ..EncryptedTopicProps::default()
            },
        ),
    ];
    for (expected, props) in cases {
        let mut stack =
            constructs::Stack::new("T", constructs::Environment::default()).expect("stack");
        let err = EncryptedTopic::new(&mut stack.root(), "Topic", &props).expect_err(expected);
        match &err {
            ConstructError::InvalidConfig { path, field, .. } => {
                assert_eq!(field, expected, "{err}");
                assert_eq!(path, "T/Topic");
            }
            other => panic!("expected InvalidConfig, got {other:?}"),
        }
    }
    // A valid FIFO name passes.
    let mut stack = constructs::Stack::new("T", constructs::Environment::default()).expect("stack");
    let props = EncryptedTopicProps {
        topic_name: Some("orders.fifo".into()),
        fifo: true,
        ..EncryptedTopicProps::default()
    };
    EncryptedTopic::new(&mut stack.root(), "Topic", &props).expect("valid FIFO topic");
}

#[test]
fn escape_hatches_change_what_the_construct_built() {
    let app = escape_hatches::build().expect("build");
    let assembly = synth_and_write("escape_hatches", &app);
    let t = &assembly.stacks[0].template;

    // logical_id_overrides: the bucket keeps the pinned id.
    let bucket = &t["Resources"][escape_hatches::PINNED_BUCKET_ID];
    assert_eq!(bucket["Type"], "AWS::S3::Bucket", "{t:#}");
    assert_eq!(bucket["Metadata"]["construct:path"], "Escapes/Logs/Bucket");
    // props_mut: typed tags.
    assert_eq!(
        bucket["Properties"]["Tags"],
        json!([{"Key": "CostCenter", "Value": "platform"}])
    );
    // add_override: a property the L2 does not expose, next to the ones it set.
    assert_eq!(
        bucket["Properties"]["NotificationConfiguration"],
        json!({"EventBridgeConfiguration": {"EventBridgeEnabled": true}})
    );
    assert_eq!(
        bucket["Properties"]["VersioningConfiguration"]["Status"],
        "Enabled"
    );
    // References to the pinned id follow it.
    assert_eq!(
        t["Outputs"]["LogBucketName"]["Value"],
        json!({"Ref": escape_hatches::PINNED_BUCKET_ID})
    );
    let (_, policy) = one_of(t, "AWS::S3::BucketPolicy");
    assert_eq!(
        policy["Properties"]["Bucket"],
        json!({"Ref": escape_hatches::PINNED_BUCKET_ID})
    );
    // raw_resource: an untyped queue whose properties still resolve references.
    let queue = &t["Resources"]["DeadLetters"];
    assert_eq!(queue["Type"], "AWS::SQS::Queue");
    let (key_id, _) = one_of(t, "AWS::KMS::Key");
    assert_eq!(
        queue["Properties"]["KmsMasterKeyId"],
        json!({"Fn::GetAtt": [key_id, "Arn"]})
    );
    assert_eq!(
        t["Outputs"]["DeadLetterQueueArn"]["Value"],
        json!({"Fn::GetAtt": ["DeadLetters", "Arn"]})
    );
}

#[test]
fn the_example_binaries_print_or_write_the_assembly() {
    let app = minimal_stack::build().expect("build");
    let mut printed = Vec::new();
    examples::run(&app, [], &mut printed).expect("print");
    let printed = String::from_utf8(printed).expect("utf-8");
    assert!(
        printed.starts_with("# Minimal.template.json\n{"),
        "{printed}"
    );
    assert!(printed.contains("\"AWS::SNS::Topic\""));

    let tmp = tempfile::tempdir().expect("temporary directory");
    let dir = tmp.path().join("out");
    let mut summary = Vec::new();
    examples::run(&app, [dir.display().to_string()], &mut summary).expect("write");
    let summary = String::from_utf8(summary).expect("utf-8");
    assert!(summary.starts_with("Minimal: 1 resources -> "), "{summary}");
    let written = std::fs::read_to_string(dir.join("Minimal.template.json")).expect("template");
    assert!(printed.ends_with(&written));
    assert!(dir.join("manifest.json").is_file());

    let err = examples::run(&app, ["a".to_owned(), "b".to_owned()], &mut Vec::new())
        .expect_err("two arguments");
    assert!(err.to_string().contains("unexpected argument"), "{err}");
}

/// The example binaries `cargo test` built (`target/<profile>/examples/<name>`), run as a user
/// would: with a directory they write the assembly there and name each template; without one
/// they print the templates; a second argument is refused with the usage.
#[test]
fn every_example_binary_runs_and_writes_what_it_says() {
    let deps = std::env::current_exe().expect("test binary path");
    let examples_dir = deps
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target/<profile>")
        .join("examples");
    for name in ["minimal_stack", "custom_construct", "escape_hatches"] {
        let exe = examples_dir.join(name);
        assert!(
            exe.is_file(),
            "{} was not built (cargo test builds examples)",
            exe.display()
        );
        let out = tempfile::tempdir().expect("tempdir");
        let run = std::process::Command::new(&exe)
            .arg(out.path())
            .output()
            .expect("run the example");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{name}: {stdout}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(out.path().join("manifest.json")).expect("manifest written"),
        )
        .expect("manifest is JSON");
        let stacks = manifest["stacks"].as_array().expect("stacks");
        assert!(!stacks.is_empty(), "{name}: no stacks");
        for stack in stacks {
            let file = stack["templateFile"].as_str().expect("templateFile");
            let template: Value = serde_json::from_str(
                &std::fs::read_to_string(out.path().join(file)).expect("template written"),
            )
            .expect("template is JSON");
            assert!(
                template["Resources"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty())
            );
            assert!(
                stdout.contains(&format!("{}: ", stack["name"].as_str().unwrap()))
                    && stdout.contains(file),
                "{name}: the summary does not name {file}: {stdout}"
            );
        }

        let printed = std::process::Command::new(&exe).output().expect("run");
        let text = String::from_utf8_lossy(&printed.stdout);
        assert!(printed.status.success());
        assert!(
            text.contains("\"AWSTemplateFormatVersion\"") && text.contains(".template.json"),
            "{name}: without a directory the templates are printed: {text}"
        );

        let refused = std::process::Command::new(&exe)
            .args(["a", "b"])
            .output()
            .expect("run");
        assert!(
            !refused.status.success(),
            "{name}: a second argument is accepted"
        );
        assert!(String::from_utf8_lossy(&refused.stderr).contains("usage: [OUT_DIR]"));
    }
}
