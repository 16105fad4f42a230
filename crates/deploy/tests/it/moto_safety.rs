//! Safety and parity on the emulator: a parameter given once keeps its deployed value,
//! `--allow-replace` is scoped per stack and a hosted zone replacement is refused, termination
//! protection follows the manifest on every path, `--outputs-file` is written after a partial
//! failure (with the failed stack's own reason shown), and two deploys of one stack at once both
//! end well.

use crate::support;

use clap::Parser;
use deploy::cancel::Cancel;
use deploy::cfn::Cfn;
use deploy::cli::{DeployArgs, deploy_with, deploy_with_lookup};
use deploy::deploy::{DeployOptions, StackOutcome, deploy_stack};
use deploy::destroy::destroy_stack;
use deploy::error::DeployError;
use deploy::progress::Recorder;
use deploy::retry::Timing;
use serde_json::{Value, json};
use support::moto::Moto;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: DeployArgs,
}

fn args(argv: &[&str]) -> DeployArgs {
    let mut all = vec!["deploy"];
    all.extend_from_slice(argv);
    Cli::try_parse_from(all).unwrap().args
}

/// Writes an assembly of `stacks` (name, template, dependencies, termination protection).
fn assembly(dir: &std::path::Path, stacks: &[(&str, &Value, &[&str], bool)]) {
    let entries: Vec<Value> = stacks
        .iter()
        .map(|(name, template, deps, protect)| {
            std::fs::write(
                dir.join(format!("{name}.template.json")),
                serde_json::to_string_pretty(template).unwrap(),
            )
            .unwrap();
            json!({"name": name, "templateFile": format!("{name}.template.json"),
                   "dependencies": deps, "terminationProtection": protect,
                   "environment": {"account": null, "region": "us-east-1"}})
        })
        .collect();
    std::fs::write(
        dir.join("manifest.json"),
        json!({"version": 1, "stacks": entries}).to_string(),
    )
    .unwrap();
}

fn vpc(cidr: &str) -> Value {
    json!({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr},
                                  "Metadata": {"construct:path": "Net/Vpc/Resource"}}},
           "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}}})
}

async fn setup(test: &str) -> Option<(Moto, aws_config::SdkConfig, Timing, Cfn)> {
    let moto = Moto::start(test)?;
    let timing = Timing::fast();
    let config = support::local_config(&moto.url(), &timing).await;
    let cfn = Cfn::new(&config, Some("us-east-1"), timing.clone());
    Some((moto, config, timing, cfn))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parameter_given_once_keeps_its_deployed_value() {
    let Some((moto, config, timing, cfn)) = setup("previous-parameter").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let template = json!({
        "Parameters": {"Cidr": {"Type": "String", "Default": "10.60.0.0/16"}},
        "Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": {"Ref": "Cidr"}}}},
        "Outputs": {"Block": {"Value": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}}}
    });
    support::write_assembly(
        dir.path(),
        "Params",
        &template,
        json!({"Cidr": {"Type": "String", "Default": "10.60.0.0/16"}}),
    );
    let rec = Recorder::default();
    let cancel = Cancel::new();
    deploy_with(
        dir.path(),
        &args(&["--yes", "--parameter", "Cidr=10.61.0.0/16"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    // No --parameter now: the deployed value stays (the template default would replace the VPC).
    let outs = deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    assert!(
        matches!(outs[0], StackOutcome::NoChanges { .. }),
        "{outs:?}"
    );
    let state = cfn.describe_stack("Params").await.unwrap().unwrap();
    assert_eq!(
        state.parameters,
        [("Cidr".to_owned(), "10.61.0.0/16".to_owned())]
    );
    assert!(
        state
            .outputs
            .contains(&("Block".to_owned(), "10.61.0.0/16".to_owned())),
        "{:?}",
        state.outputs
    );
    // Setting it again changes it.
    deploy_with(
        dir.path(),
        &args(&["--yes", "--parameter", "Cidr=10.62.0.0/16"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    let state = cfn.describe_stack("Params").await.unwrap().unwrap();
    assert_eq!(
        state.parameters,
        [("Cidr".to_owned(), "10.62.0.0/16".to_owned())]
    );
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

fn zone(name: &str) -> Value {
    json!({"Resources": {"Zone": {"Type": "AWS::Route53::HostedZone", "Properties": {"Name": name},
                                   "Metadata": {"construct:path": "Dns/Zone/Resource"}}}})
}

fn zone_create_only(ty: &str) -> Option<&'static [&'static str]> {
    // As the pinned registry schema of AWS::Route53::HostedZone says.
    (ty == "AWS::Route53::HostedZone").then_some(&["/properties/Name"][..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hosted_zone_replacement_is_refused_and_allow_replace_is_scoped_per_stack() {
    let Some((moto, config, timing, cfn)) = setup("allow-replace").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (a1, b) = (zone("a.example.test"), zone("b.example.test"));
    assembly(
        dir.path(),
        &[("ZonesA", &a1, &[], false), ("ZonesB", &b, &[], false)],
    );
    let rec = Recorder::default();
    let cancel = Cancel::new();
    let run = |argv: &'static [&'static str]| {
        let (dir, config, timing, rec, cancel) = (dir.path(), &config, &timing, &rec, &cancel);
        async move {
            deploy_with_lookup(
                dir,
                &args(argv),
                zone_create_only,
                config,
                timing,
                rec,
                cancel,
            )
            .await
        }
    };
    run(&["--yes"]).await.unwrap();

    // Rename A's zone: a replacement (Name is create-only), which would lose its records.
    let a2 = zone("a2.example.test");
    assembly(
        dir.path(),
        &[("ZonesA", &a2, &[], false), ("ZonesB", &b, &[], false)],
    );
    let err = run(&["--yes"]).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::DataLossRefused { .. }), "{text}");
    assert!(
        text.contains("Zone (AWS::Route53::HostedZone) would be replaced [construct Dns/Zone/Resource]; a hosted zone"),
        "{text}"
    );
    assert!(text.contains("--allow-replace ZonesA:Zone"), "{text}");
    assert!(cfn.list_change_sets("ZonesA").await.unwrap().is_empty());

    // A bare id that two stacks have is refused before anything, naming both.
    let err = run(&["--yes", "--allow-replace", "Zone"])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::InvalidOption { .. }), "{text}");
    assert!(text.contains("several stacks (ZonesA, ZonesB)"), "{text}");

    // Allowed for ZonesA only: A is replaced, B is untouched.
    let outs = run(&["--yes", "--allow-replace", "ZonesA:Zone"])
        .await
        .unwrap();
    assert!(
        matches!(&outs[0], StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{outs:?}"
    );
    assert!(
        matches!(outs[1], StackOutcome::NoChanges { .. }),
        "{outs:?}"
    );
    let route53 = aws_sdk_route53::Client::new(&config);
    let zones = route53.list_hosted_zones().send().await.unwrap();
    let mut names: Vec<&str> = zones
        .hosted_zones()
        .iter()
        .map(|z| z.name().trim_end_matches('.'))
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["a2.example.test", "b.example.test"],
        "the old zone is gone"
    );
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn termination_protection_follows_the_manifest_on_every_path_on_the_emulator() {
    let Some((moto, config, timing, cfn)) = setup("protection").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let cancel = Cancel::new();
    let t = vpc("10.70.0.0/16");
    assembly(dir.path(), &[("Guarded", &t, &[], true)]);
    // --no-execute on a new stack: the change set is left, nothing created yet.
    deploy_with(
        dir.path(),
        &args(&["--yes", "--no-execute"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    let protected = |cfn: Cfn| async move {
        cfn.describe_stack("Guarded")
            .await
            .unwrap()
            .unwrap()
            .termination_protection
    };
    assert!(protected(cfn.clone()).await);
    // destroy refuses it.
    let asm = deploy::Assembly::load(dir.path()).unwrap();
    let err = destroy_stack(&cfn, &asm.stacks[0], &rec, &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DeployError::TerminationProtected { .. }),
        "{err}"
    );
    // Off in the manifest, a run with no changes turns it off.
    assembly(dir.path(), &[("Guarded", &t, &[], false)]);
    let outs = deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    assert!(
        matches!(outs[0], StackOutcome::NoChanges { .. }),
        "{outs:?}"
    );
    assert!(!protected(cfn.clone()).await);
    // On again through a failed update (rolled back).
    assembly(dir.path(), &[("Guarded", &vpc("10.0.0.0/8"), &[], true)]);
    let err = deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DeployError::StackFailed { .. }), "{err}");
    assert!(protected(cfn.clone()).await, "protected after a failed run");
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outputs_file_is_written_after_a_partial_failure() {
    let Some((moto, config, timing, _cfn)) = setup("outputs-file").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (vpc("10.80.0.0/16"), vpc("10.0.0.0/8"));
    assembly(
        dir.path(),
        &[
            ("First", &first, &[], false),
            ("Second", &second, &["First"], false),
        ],
    );
    let file = dir.path().join("outputs.json");
    let file_arg = file.to_str().unwrap().to_owned();
    let argv = ["--yes", "--outputs-file", file_arg.as_str()];
    let rec = Recorder::default();
    let err = deploy_with(
        dir.path(),
        &args(&argv),
        &config,
        &timing,
        &rec,
        &Cancel::new(),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, DeployError::StackFailed { stack, .. } if stack == "Second"),
        "{text}"
    );
    // The stack's own failure event is shown with its reason, not only the resource's.
    assert!(text.contains("stack Second itself: "), "{text}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let vpc_id = written["First"]["VpcId"].as_str().unwrap();
    assert!(vpc_id.starts_with("vpc-"), "{written}");
    assert!(written.get("Second").is_none(), "{written}");
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

/// Two deploys of one stack at once (two terminals): each makes its own change set; whichever
/// executes second finds its change set dropped or the stack busy, waits and plans again. Both
/// succeed, the stack ends with one of the two templates, and no change set is left. (Which run
/// wins depends on timing; the scripted tests pin each interleaving down.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_deploys_of_one_stack_at_once_both_end_well() {
    let Some((moto, _config, _timing, cfn)) = setup("concurrent").await else {
        return;
    };
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let tagged = |v: &str| {
        let mut t = vpc("10.90.0.0/16");
        t["Resources"]["Vpc"]["Properties"]["Tags"] = json!([{"Key": "Run", "Value": v}]);
        t
    };
    let (ta, tb) = (tagged("a"), tagged("b"));
    assembly(da.path(), &[("Shared", &ta, &[], false)]);
    assembly(db.path(), &[("Shared", &tb, &[], false)]);
    let (asm_a, asm_b) = (
        deploy::Assembly::load(da.path()).unwrap(),
        deploy::Assembly::load(db.path()).unwrap(),
    );
    let (ra, rb) = (Recorder::default(), Recorder::default());
    let cancel = Cancel::new();
    let options = DeployOptions::default();
    let (a, b) = tokio::join!(
        deploy_stack(&cfn, &asm_a.stacks[0], &options, &ra, &cancel),
        deploy_stack(&cfn, &asm_b.stacks[0], &options, &rb, &cancel),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    for o in [&a, &b] {
        assert!(
            matches!(
                o,
                StackOutcome::Deployed { .. } | StackOutcome::NoChanges { .. }
            ),
            "{o:?}"
        );
    }
    let deployed: Value =
        serde_json::from_str(&cfn.get_template("Shared").await.unwrap().unwrap()).unwrap();
    assert!(deployed == ta || deployed == tb, "{deployed}");
    assert!(cfn.list_change_sets("Shared").await.unwrap().is_empty());
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroying_an_exporter_is_refused_while_another_stack_imports_it() {
    use deploy::cli::{DestroyArgs, destroy_with};

    #[derive(Parser)]
    struct DestroyCli {
        #[command(flatten)]
        args: DestroyArgs,
    }
    let Some((moto, config, timing, cfn)) = setup("exports-in-use").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let exporter = json!({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC",
            "Properties": {"CidrBlock": "10.96.0.0/16"}}},
        "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}, "Export": {"Name": "shared-VpcId"}}}});
    let importer = json!({"Resources": {"Subnet": {"Type": "AWS::EC2::Subnet",
        "Properties": {"VpcId": {"Fn::ImportValue": "shared-VpcId"}, "CidrBlock": "10.96.1.0/24"}}}});
    assembly(
        dir.path(),
        &[
            ("Exporter", &exporter, &[], false),
            ("Importer", &importer, &["Exporter"], false),
        ],
    );
    let (rec, cancel) = (Recorder::default(), Cancel::new());
    deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    let destroy = |argv: &[&str]| {
        let mut all = vec!["destroy", "--yes"];
        all.extend_from_slice(argv);
        DestroyCli::try_parse_from(all).unwrap().args
    };
    let err = destroy_with(
        dir.path(),
        &destroy(&["--stack", "Exporter"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DeployError::ExportsInUse(_)), "{text}");
    assert!(
        text.contains("stack Exporter exports shared-VpcId, imported by Importer"),
        "{text}"
    );
    assert!(
        cfn.describe_stack("Exporter").await.unwrap().is_some(),
        "nothing deleted"
    );
    // Both together: the importer first, then the exporter.
    destroy_with(
        dir.path(),
        &destroy(&["--stack", "Exporter", "--stack", "Importer"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    assert!(cfn.describe_stack("Exporter").await.unwrap().is_none());
    assert!(cfn.describe_stack("Importer").await.unwrap().is_none());
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

/// A bucket made by hand is imported into a stack (IMPORT change set: the deployed template plus
/// the bucket, nothing else), untouched with its objects; then deploy applies the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bucket_made_by_hand_is_imported_then_deploy_applies_the_rest() {
    use deploy::cli::{ImportArgs, import_with};

    #[derive(Parser)]
    struct ImportCli {
        #[command(flatten)]
        args: ImportArgs,
    }
    let Some((moto, config, timing, cfn)) = setup("import").await else {
        return;
    };
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket("hand-made-data")
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket("hand-made-data")
        .key("kept.txt")
        .body(b"precious".to_vec().into())
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = vpc("10.97.0.0/16");
    store["Resources"]["Data"] = json!({"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain", "Properties": {"BucketName": "hand-made-data"},
        "Metadata": {"construct:path": "Store/Data/Resource"}});
    store["Outputs"]["DataName"] = json!({"Value": {"Ref": "Data"}});
    let (rec, cancel) = (Recorder::default(), Cancel::new());
    // The stack exists with its VPC only (the template before the bucket was added to it).
    assembly(dir.path(), &[("Store", &vpc("10.97.0.0/16"), &[], false)]);
    deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    assembly(dir.path(), &[("Store", &store, &[], false)]);
    let import = |spec: &str| {
        ImportCli::try_parse_from(["import", "--stack", "Store", "--resource", spec])
            .unwrap()
            .args
    };

    // Wrong identifier: the change set fails, naming it; nothing changes.
    let err = import_with(
        dir.path(),
        &import("Data:BucketName=no-such-bucket"),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    let out = import_with(
        dir.path(),
        &import("Data:BucketName=hand-made-data"),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    assert_eq!(out.status, "IMPORT_COMPLETE");
    assert_eq!(out.imported, ["Data"]);
    let resources = cfn.stack_resources("Store").await.unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r.logical_id == "Data" && r.physical_id.as_deref() == Some("hand-made-data")),
        "{resources:?}"
    );
    let body = s3
        .get_object()
        .bucket("hand-made-data")
        .key("kept.txt")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(&body[..], b"precious");
    // A second import of it is refused; deploy now applies the output.
    let err = import_with(
        dir.path(),
        &import("Data:BucketName=hand-made-data"),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("already a resource of stack Store"),
        "{err}"
    );
    let outs = deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    let StackOutcome::Deployed { outputs, .. } = &outs[0] else {
        panic!("{outs:?}")
    };
    assert!(
        outputs.contains(&("DataName".to_owned(), "hand-made-data".to_owned())),
        "{outputs:?}"
    );
    // Without a DeletionPolicy an import is refused before any call.
    store["Resources"]["Data"]
        .as_object_mut()
        .unwrap()
        .remove("DeletionPolicy");
    store["Resources"]["Other"] =
        json!({"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "x-other"}});
    assembly(dir.path(), &[("Store", &store, &[], false)]);
    let err = import_with(
        dir.path(),
        &import("Other:BucketName=x-other"),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("has no DeletionPolicy"), "{err}");
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

/// Drift on the emulator: in sync after a deploy (the parameter's default Tier hidden), a value
/// changed by hand is reported with template and live values and the construct path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_names_a_value_changed_by_hand_and_hides_defaults() {
    use deploy::cli::{DriftArgs, drift_with};

    #[derive(Parser)]
    struct DriftCli {
        #[command(flatten)]
        args: DriftArgs,
    }
    let Some((moto, config, timing, _cfn)) = setup("drift").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let t = json!({"Resources": {
        "Setting": {"Type": "AWS::SSM::Parameter", "Metadata": {"construct:path": "App/Setting/Resource"},
                    "Properties": {"Name": "/app/drift", "Type": "String", "Value": "v1"}},
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.98.0.0/16"}}}});
    assembly(dir.path(), &[("Drifty", &t, &[], false)]);
    let (rec, cancel) = (Recorder::default(), Cancel::new());
    deploy_with(
        dir.path(),
        &args(&["--yes"]),
        &config,
        &timing,
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    let check = |all: bool| {
        let argv: &[&str] = if all { &["drift", "--all"] } else { &["drift"] };
        DriftCli::try_parse_from(argv).unwrap().args
    };
    let report = drift_with(dir.path(), &check(false), &config, &timing, &cancel)
        .await
        .unwrap();
    assert!(!report[0].has_drift(), "{}", report[0].render());
    assert_eq!(report[0].hidden_defaults, 1, "the default Tier");
    assert_eq!(report[0].not_checked, ["Vpc"]);
    let all = drift_with(dir.path(), &check(true), &config, &timing, &cancel)
        .await
        .unwrap();
    assert!(all[0].has_drift(), "--all shows the default");

    let ssm = aws_sdk_ssm_free_put(&moto, "/app/drift", "changed-by-hand").await;
    assert_eq!(ssm, 200);
    let report = drift_with(dir.path(), &check(false), &config, &timing, &cancel)
        .await
        .unwrap();
    let text = report[0].render();
    assert!(
        text.contains("Stack Drifty: DRIFTED (1 resource(s))"),
        "{text}"
    );
    assert!(
        text.contains("~ Setting (AWS::SSM::Parameter) MODIFIED  <App/Setting/Resource>"),
        "{text}"
    );
    assert!(
        text.contains("Value: template v1, live changed-by-hand"),
        "{text}"
    );
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

/// PutParameter (overwrite) through the emulator's JSON API, as someone changing it by hand.
async fn aws_sdk_ssm_free_put(moto: &Moto, name: &str, value: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body =
        json!({"Name": name, "Value": value, "Type": "String", "Overwrite": true}).to_string();
    let mut stream = tokio::net::TcpStream::connect(moto.addr()).await.unwrap();
    let req = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AmazonSSM.PutParameter\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        moto.addr(),
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    String::from_utf8_lossy(&raw)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
