//! Behaviour of synth on small hand-built apps: references, ids, validation and the assembly.

use constructs::{
    App, ConstructError, DeletionPolicy, Environment, OutputDef, Parameter, Prop, Stack, fns,
};
use serde_json::json;
use synth::{Severity, SynthError, synth};

fn stack(name: &str) -> Stack {
    Stack::new(
        name,
        Environment::region("us-east-1", &["us-east-1a", "us-east-1b"]),
    )
    .expect("valid stack name")
}

fn props(entries: Vec<(&str, Prop)>) -> Prop {
    Prop::map(entries)
}

fn errors(err: SynthError) -> Vec<synth::Diagnostic> {
    err.diagnostics()
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect()
}

#[test]
fn references_in_one_stack_become_ref_and_getatt_with_paths_in_metadata() -> anyhow::Result<()> {
    let mut s = stack("Net");
    let mut root = s.root();
    let mut vpc_scope = root.child("Vpc")?;
    let vpc = vpc_scope.raw_resource(
        "Resource",
        "AWS::EC2::VPC",
        props(vec![("CidrBlock", "10.0.0.0/16".into())]),
    )?;
    let subnet = vpc_scope.raw_resource(
        "Subnet",
        "AWS::EC2::Subnet",
        props(vec![
            ("VpcId", constructs::ToProp::to_prop(&vpc.reference())),
            (
                "CidrBlock",
                constructs::ToProp::to_prop(&fns::select(
                    0,
                    fns::cidr(vpc.raw_attr::<String>("CidrBlock"), 4, 8),
                )),
            ),
        ]),
    )?;
    let _ = subnet;
    let mut app = App::new();
    app.add_stack(s)?;
    let assembly = synth(&app)?;
    let t = &assembly.stacks[0].template;
    let subnet_id = synth::logical_id::logical_id(&["Vpc", "Subnet"])?;
    let sub = &t["Resources"][&subnet_id];
    assert_eq!(sub["Properties"]["VpcId"], json!({"Ref": "Vpc8378EB38"}));
    assert_eq!(
        sub["Properties"]["CidrBlock"],
        json!({"Fn::Select": ["0", {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc8378EB38", "CidrBlock"]}, 4, 8]}]})
    );
    assert_eq!(sub["Metadata"]["construct:path"], json!("Net/Vpc/Subnet"));
    Ok(())
}

#[test]
fn cross_stack_references_become_exports_imports_and_a_dependency() -> anyhow::Result<()> {
    let mut net = stack("Net");
    let vpc = net.root().raw_resource(
        "Vpc",
        "AWS::EC2::VPC",
        props(vec![("CidrBlock", "10.0.0.0/16".into())]),
    )?;
    let mut app_stack = stack("App");
    app_stack.root().raw_resource(
        "Sg",
        "AWS::EC2::SecurityGroup",
        props(vec![
            ("GroupDescription", "app".into()),
            ("VpcId", constructs::ToProp::to_prop(&vpc.reference())),
        ]),
    )?;
    let mut app = App::new();
    // Added consumer first: synth must still order the producer first.
    app.add_stack(app_stack)?;
    app.add_stack(net)?;
    let assembly = synth(&app)?;
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Net", "App"]);
    let consumer = assembly.stack("App").expect("App");
    assert_eq!(consumer.dependencies, ["Net"]);
    let import = &consumer.template["Resources"]["Sg"]["Properties"]["VpcId"]["Fn::ImportValue"];
    let export_name = import.as_str().expect("import of a literal export name");
    let producer = assembly.stack("Net").expect("Net");
    let outputs = producer.template["Outputs"].as_object().expect("outputs");
    let export = outputs
        .values()
        .find(|o| o["Export"]["Name"] == json!(export_name))
        .expect("matching export");
    assert_eq!(export["Value"], json!({"Ref": "Vpc"}));
    assert!(export_name.starts_with("Net:"));
    Ok(())
}

#[test]
fn stacks_that_reference_each_other_are_a_cycle_error() -> anyhow::Result<()> {
    let mut a = stack("A");
    let mut b = stack("B");
    let ra = a
        .root()
        .raw_resource("X", "AWS::SNS::Topic", Prop::Map(vec![]))?;
    let rb = b
        .root()
        .raw_resource("Y", "AWS::SNS::Topic", Prop::Map(vec![]))?;
    a.options_mut(&ra)?
        .depends_on
        .push(constructs::AsNode::node_ref(&rb).clone());
    b.options_mut(&rb)?
        .depends_on
        .push(constructs::AsNode::node_ref(&ra).clone());
    let mut app = App::new();
    app.add_stack(a)?;
    app.add_stack(b)?;
    let errs = errors(synth(&app).expect_err("cycle"));
    assert!(
        errs.iter().any(|d| d.code == "graph/stack-cycle"),
        "{errs:?}"
    );
    Ok(())
}

#[test]
fn paths_that_collide_on_one_logical_id_are_an_error() -> anyhow::Result<()> {
    let mut s = stack("S");
    let mut root = s.root();
    // "a-b" and "ab" both render to the top-level id "ab".
    root.raw_resource("a-b", "AWS::SNS::Topic", Prop::Map(vec![]))?;
    root.raw_resource("ab", "AWS::SNS::Topic", Prop::Map(vec![]))?;
    let mut app = App::new();
    app.add_stack(s)?;
    let errs = errors(synth(&app).expect_err("collision"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].code, "id/collision");
    assert!(errs[0].message.contains("S/a-b") && errs[0].message.contains("S/ab"));
    Ok(())
}

#[test]
fn logical_id_overrides_rename_and_unused_ones_warn() -> anyhow::Result<()> {
    let mut s = stack("S");
    s.root()
        .child("Db")?
        .raw_resource("Cluster", "AWS::SNS::Topic", Prop::Map(vec![]))?;
    s.logical_id_overrides
        .insert("Db/Cluster".into(), "LegacyDatabase".into());
    s.logical_id_overrides
        .insert("Gone/Thing".into(), "Old".into());
    let mut app = App::new();
    app.add_stack(s)?;
    let assembly = synth(&app)?;
    assert!(
        assembly.stacks[0].template["Resources"]
            .get("LegacyDatabase")
            .is_some()
    );
    assert!(
        assembly
            .warnings
            .iter()
            .any(|w| w.code == "id/override-unused")
    );
    Ok(())
}

#[test]
fn every_problem_is_collected_not_just_the_first() -> anyhow::Result<()> {
    let mut s = stack("S");
    let mut root = s.root();
    let group = root.child("Group")?.node_ref();
    // A Ref to a grouping construct, an And with one operand, and a resource cycle.
    let a = root.raw_resource(
        "A",
        "AWS::SNS::Topic",
        props(vec![(
            "TopicName",
            Prop::Expr(Box::new(constructs::Expr::Ref(group))),
        )]),
    )?;
    let b = root.raw_resource(
        "B",
        "AWS::SNS::Topic",
        props(vec![(
            "TopicName",
            constructs::ToProp::to_prop(&a.raw_attr::<String>("TopicName")),
        )]),
    )?;
    s.options_mut(&a)?
        .depends_on
        .push(constructs::AsNode::node_ref(&b).clone());
    s.root().condition(
        "Lonely",
        fns::and([fns::equals(fns::region(), "us-east-1")]),
    )?;
    let mut app = App::new();
    app.add_stack(s)?;
    let errs = errors(synth(&app).expect_err("invalid"));
    let codes: Vec<&str> = errs.iter().map(|d| d.code).collect();
    for expected in ["ref/not-addressable", "intrinsic/arity", "graph/cycle"] {
        assert!(codes.contains(&expected), "missing {expected} in {codes:?}");
    }
    let cycle = errs
        .iter()
        .find(|d| d.code == "graph/cycle")
        .expect("cycle");
    assert!(
        cycle.message.contains("S/A") && cycle.message.contains("S/B"),
        "{}",
        cycle.message
    );
    Ok(())
}

#[test]
fn quotas_are_enforced() -> anyhow::Result<()> {
    let mut s = stack("Big");
    let mut root = s.root();
    let mut topics = root.child("Topics")?;
    for i in 0..400 {
        topics.raw_resource(&format!("T{i}"), "AWS::SNS::Topic", Prop::Map(vec![]))?;
    }
    let mut queues = s.root();
    let mut queues = queues.child("Alarms")?;
    for i in 0..101 {
        queues.raw_resource(&format!("A{i}"), "AWS::SNS::Topic", Prop::Map(vec![]))?;
    }
    let mut app = App::new();
    app.add_stack(s)?;
    let errs = errors(synth(&app).expect_err("too many"));
    let quota = errs
        .iter()
        .find(|d| d.code == "quota/resources")
        .unwrap_or_else(|| panic!("{errs:?}"));
    assert_eq!(quota.path.as_deref(), Some("Big"));
    assert!(
        quota
            .message
            .contains("Big/Topics (400 resources), Big/Alarms (101 resources)"),
        "{}",
        quota.message
    );
    Ok(())
}

#[test]
fn an_empty_stack_is_an_error() -> anyhow::Result<()> {
    let mut app = App::new();
    app.add_stack(stack("Empty"))?;
    let errs = errors(synth(&app).expect_err("empty"));
    assert_eq!(errs[0].code, "template/empty");
    Ok(())
}

#[test]
fn options_parameters_conditions_and_outputs_render() -> anyhow::Result<()> {
    let mut s = stack("S");
    let mut root = s.root();
    let env = root.parameter(
        "EnvName",
        Parameter::string()
            .default_value("dev")
            .allowed_values(["dev", "prod"]),
    )?;
    let is_prod = root.condition("IsProd", fns::equals(env.value(), "prod"))?;
    let topic = root.raw_resource(
        "Topic",
        "AWS::SNS::Topic",
        props(vec![(
            "TopicName",
            constructs::ToProp::to_prop(&fns::if_::<String>(
                &is_prod,
                "prod-alerts",
                fns::no_value(),
            )),
        )]),
    )?;
    let opts = s.options_mut(&topic)?;
    opts.deletion_policy = Some(DeletionPolicy::Retain);
    opts.update_replace_policy = Some(DeletionPolicy::Retain);
    s.add_override(&topic, "Properties.DisplayName", Some(json!("Alerts")))?;
    s.root().output(
        "Arn",
        OutputDef::new(
            fns::concat(["arn is ".into(), topic.reference()]),
            "The topic",
        ),
    )?;
    let mut app = App::new();
    app.add_stack(s)?;
    let t = synth(&app)?.stacks.remove(0).template;
    assert_eq!(
        t["Parameters"]["EnvName"]["AllowedValues"],
        json!(["dev", "prod"])
    );
    assert_eq!(
        t["Conditions"]["IsProd"],
        json!({"Fn::Equals": [{"Ref": "EnvName"}, "prod"]})
    );
    let topic = &t["Resources"]["Topic"];
    assert_eq!(
        topic["Properties"]["TopicName"],
        json!({"Fn::If": ["IsProd", "prod-alerts", {"Ref": "AWS::NoValue"}]})
    );
    assert_eq!(topic["Properties"]["DisplayName"], json!("Alerts"));
    assert_eq!(topic["DeletionPolicy"], json!("Retain"));
    assert_eq!(
        t["Outputs"]["Arn"]["Value"],
        json!({"Fn::Sub": "arn is ${Topic}"})
    );
    Ok(())
}

#[test]
fn sub_escapes_literal_placeholders_and_names_complex_values() -> anyhow::Result<()> {
    let mut s = stack("S");
    let mut root = s.root();
    let value = fns::concat([
        "${not a var} in ".into(),
        fns::region(),
        " and ".into(),
        fns::select(0, fns::get_azs()),
    ]);
    root.raw_resource(
        "T",
        "AWS::SNS::Topic",
        props(vec![("DisplayName", constructs::ToProp::to_prop(&value))]),
    )?;
    let mut app = App::new();
    app.add_stack(s)?;
    let t = synth(&app)?.stacks.remove(0).template;
    assert_eq!(
        t["Resources"]["T"]["Properties"]["DisplayName"],
        json!({"Fn::Sub": ["${!not a var} in ${AWS::Region} and ${v0}",
            {"v0": {"Fn::Select": ["0", {"Fn::GetAZs": ""}]}}]})
    );
    Ok(())
}

#[test]
fn synth_is_byte_identical_across_runs_and_writes_an_assembly() -> anyhow::Result<()> {
    let build = || -> Result<App, ConstructError> {
        let mut s = stack("S");
        let mut root = s.root();
        for i in 0..20 {
            root.child(&format!("G{i}"))?.raw_resource(
                "Resource",
                "AWS::SNS::Topic",
                Prop::Map(vec![]),
            )?;
        }
        let mut app = App::new();
        app.add_stack(s)?;
        Ok(app)
    };
    let first = synth(&build()?)?;
    let second = synth(&build()?)?;
    assert_eq!(first.stacks[0].body, second.stacks[0].body);

    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("Stale.template.json"), "{}")?;
    first.write(dir.path())?;
    let written = std::fs::read_to_string(dir.path().join("S.template.json"))?;
    assert_eq!(written, first.stacks[0].body);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json"))?)?;
    assert_eq!(
        manifest["stacks"][0]["templateFile"],
        json!("S.template.json")
    );
    assert_eq!(manifest["stacks"][0]["resourceCount"], json!(20));
    assert!(!dir.path().join("Stale.template.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
    Ok(())
}

#[test]
fn a_failed_write_reports_the_path_and_leaves_no_temporary_files() -> anyhow::Result<()> {
    let mut s = stack("S");
    s.root()
        .raw_resource("T", "AWS::SNS::Topic", Prop::Map(vec![]))?;
    let mut app = App::new();
    app.add_stack(s)?;
    let assembly = synth(&app)?;
    let dir = tempfile::tempdir()?;
    // A directory where the template should go makes the final rename fail.
    std::fs::create_dir(dir.path().join("S.template.json"))?;
    let err = assembly
        .write(dir.path())
        .expect_err("rename onto a directory fails");
    assert!(err.to_string().contains("S.template.json"), "{err}");
    let names: Vec<String> = std::fs::read_dir(dir.path())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp-")), "{names:?}");
    assert!(!names.contains(&"manifest.json".to_owned()), "{names:?}");
    Ok(())
}

#[test]
fn deeply_nested_values_and_non_object_properties_are_reported_not_crashed() -> anyhow::Result<()> {
    let mut deep = Prop::String("leaf".into());
    for _ in 0..200 {
        deep = Prop::List(vec![deep]);
    }
    let mut s = stack("S");
    let mut root = s.root();
    root.raw_resource("Deep", "AWS::SNS::Topic", props(vec![("Tags", deep)]))?;
    let subnet = root.resource("Subnet", constructs::resources::ec2::Subnet::new("vpc-1"))?;
    s.add_override(&subnet, "Properties", Some(json!(5)))?;
    let mut app = App::new();
    app.add_stack(s)?;
    let errs = errors(synth(&app).expect_err("invalid"));
    let codes: Vec<&str> = errs.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"value/depth"), "{codes:?}");
    assert!(codes.contains(&"schema/type"), "{codes:?}");
    Ok(())
}

/// A file asset: its key is a literal in the template (inline in `Fn::Sub`), the archive is
/// written beside the templates and listed in the manifest with the stacks that use it; the
/// same content declared by two stacks is one asset; a stale archive is removed on rewrite.
#[test]
fn file_assets_are_staged_content_addressed_and_listed() -> anyhow::Result<()> {
    use constructs::asset::AssetSource;
    let src = tempfile::tempdir()?;
    std::fs::write(src.path().join("app.py"), "print('v1')\n")?;
    let build = |src: &std::path::Path| -> anyhow::Result<App> {
        let mut app = App::new();
        for name in ["Images", "Delivery"] {
            let mut s = stack(name);
            let asset = s.add_asset("App", AssetSource::directory(src))?;
            s.root().raw_resource(
                "Source",
                "AWS::SSM::Parameter",
                props(vec![
                    ("Type", "String".into()),
                    ("Value", constructs::ToProp::to_prop(&asset.s3_uri())),
                ]),
            )?;
            app.add_stack(s)?;
        }
        Ok(app)
    };
    let assembly = synth(&build(src.path())?)?;
    assert_eq!(assembly.assets.len(), 1, "same content, one asset");
    let asset = &assembly.assets[0];
    let key = asset.object_key();
    assert_eq!(key, format!("assets/{}.zip", asset.hash));
    let value = &assembly.stacks[0].template["Resources"]["Source"]["Properties"]["Value"];
    assert_eq!(
        value,
        &json!({"Fn::Sub": format!("s3://cfnrs-assets-${{AWS::AccountId}}-${{AWS::Region}}/{key}")})
    );
    assert_eq!(assembly.stacks[0].assets, std::slice::from_ref(&asset.hash));
    assert_eq!(asset.declared_by.len(), 2);

    let out = tempfile::tempdir()?;
    assembly.write(out.path())?;
    let file = out.path().join(asset.file_name());
    assert_eq!(std::fs::read(&file)?, asset.archive);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("manifest.json"))?)?;
    assert_eq!(manifest["assets"][0]["objectKey"], json!(key));
    assert_eq!(manifest["stacks"][1]["assets"], json!([asset.hash]));

    // A rewrite keeps the archive already there under its content-addressed name (same
    // inode: not rewritten), and a durable write gives the same files.
    let inode =
        |p: &std::path::Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let before = inode(&file);
    assembly.write_with(out.path(), synth::WriteOptions { durable: true })?;
    assert_eq!(inode(&file), before, "the unchanged archive was rewritten");
    assert_eq!(std::fs::read(&file)?, asset.archive);
    // A truncated archive under the right name (not ours) is replaced.
    std::fs::write(&file, b"partial")?;
    assembly.write(out.path())?;
    assert_eq!(std::fs::read(&file)?, asset.archive);

    // An edit gives a new key; the old archive leaves the assembly.
    std::fs::write(src.path().join("app.py"), "print('v2')\n")?;
    let edited = synth(&build(src.path())?)?;
    assert_ne!(edited.assets[0].hash, asset.hash);
    edited.write(out.path())?;
    assert!(!file.exists(), "stale archive removed");
    assert!(out.path().join(edited.assets[0].file_name()).exists());
    Ok(())
}

#[test]
fn an_unreadable_asset_source_fails_synth_naming_the_asset() -> anyhow::Result<()> {
    use constructs::asset::AssetSource;
    let mut s = stack("Images");
    let asset = s.add_asset("App", AssetSource::directory("/nonexistent/app-src"))?;
    s.root().raw_resource(
        "Source",
        "AWS::SSM::Parameter",
        props(vec![
            ("Type", "String".into()),
            ("Value", constructs::ToProp::to_prop(&asset.object_key())),
        ]),
    )?;
    let mut app = App::new();
    app.add_stack(s)?;
    let errs = errors(synth(&app).unwrap_err());
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].code, "asset/source");
    assert_eq!(errs[0].path.as_deref(), Some("Images/App"));
    assert!(
        errs[0].message.contains("/nonexistent/app-src"),
        "{}",
        errs[0].message
    );
    Ok(())
}
