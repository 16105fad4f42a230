//! End-to-end against the moto server: create, no-change (both spellings), update, diff and
//! destroy of a real network stack, checked through the emulator's EC2 API; two stacks wired by
//! an export and `Fn::ImportValue`, both deployed through change sets.

use crate::support;

use clap::Parser;
use deploy::assembly::Assembly;
use deploy::cancel::Cancel;
use deploy::cfn::Cfn;
use deploy::cli::{DeployArgs, deploy_with, diff_stacks};
use deploy::deploy::{DeployOptions, StackOutcome, deploy_stack};
use deploy::destroy::{DestroyOutcome, destroy_stack};
use deploy::diff::{DiffKind, no_metadata};
use deploy::error::DeployError;
use deploy::params::ParameterOverride;
use deploy::progress::{Notice, Recorder};
use deploy::retry::Timing;
use serde_json::{Value, json};
use support::http::{encode, post_form, request};
use support::moto::Moto;

const STACK: &str = "RefArchNetwork";

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: DeployArgs,
}

fn network() -> Value {
    serde_json::from_str(include_str!("../fixtures/network.template.json")).unwrap()
}

fn parameters() -> Value {
    json!({"VpcCidr": {"Type": "String", "Default": "10.20.0.0/16", "Description": "VPC CIDR block"}})
}

/// The fixture plus a third public subnet and a changed VPC tag.
fn network_v2() -> Value {
    let mut t = network();
    let r = t["Resources"].as_object_mut().unwrap();
    r["Vpc"]["Properties"]["Tags"] = json!([{"Key": "Name", "Value": "refarch-test-v2"}]);
    r.insert(
        "PublicSubnetC".into(),
        json!({
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.20.2.0/24",
                           "AvailabilityZone": {"Fn::Select": [2, {"Fn::GetAZs": ""}]}},
            "Metadata": {"construct:path": "RefArchNetwork/Vpc/PublicSubnetC/Subnet"}
        }),
    );
    r.insert("PublicSubnetCRouteTableAssociation".into(), json!({
        "Type": "AWS::EC2::SubnetRouteTableAssociation",
        "Properties": {"SubnetId": {"Ref": "PublicSubnetC"}, "RouteTableId": {"Ref": "PublicRouteTable"}},
        "Metadata": {"construct:path": "RefArchNetwork/Vpc/PublicSubnetC/RouteTableAssociation"}
    }));
    t
}

async fn ec2(moto: &Moto, query: &str) -> String {
    let (status, body) =
        post_form(&moto.addr(), "ec2", &format!("Version=2016-11-15&{query}")).await;
    assert_eq!(status, 200, "EC2 {query}: {body}");
    body
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

fn load(dir: &std::path::Path, template: &Value) -> Assembly {
    support::write_assembly(dir, STACK, template, parameters());
    Assembly::load(dir).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_stack_lifecycle_against_moto() {
    let Some(moto) = Moto::start("lifecycle") else {
        return;
    };
    let timing = Timing::fast();
    let config = support::local_config(&moto.url(), &timing).await;
    let cfn = Cfn::new(&config, Some("us-east-1"), timing.clone());
    let dir = tempfile::tempdir().unwrap();
    let cancel = Cancel::new();
    let options = DeployOptions::default();

    // Create, through the CLI entry point the binary uses.
    let asm = load(dir.path(), &network());
    let rec = Recorder::default();
    let args = Cli::try_parse_from(["deploy", "--stack", STACK, "--yes"])
        .unwrap()
        .args;
    let mut outs = deploy_with(dir.path(), &args, &config, &timing, &rec, &cancel)
        .await
        .unwrap();
    assert_eq!(outs.len(), 1);
    let out = outs.remove(0);
    let StackOutcome::Deployed {
        status, outputs, ..
    } = out
    else {
        panic!("not deployed: {out:?}")
    };
    assert_eq!(status, "CREATE_COMPLETE");
    let vpc_id = outputs
        .iter()
        .find(|(k, _)| k == "VpcId")
        .map(|(_, v)| v.clone())
        .expect("VpcId output");
    assert!(vpc_id.starts_with("vpc-"), "{vpc_id}");
    assert!(
        rec.notices()
            .iter()
            .any(|n| matches!(n, Notice::ChangeSet { summary, .. } if summary.changes.len() == 14))
    );
    assert!(
        cfn.list_change_sets(STACK).await.unwrap().is_empty(),
        "no change set left after create"
    );

    let filter = format!("Filter.1.Name=vpc-id&Filter.1.Value.1={}", encode(&vpc_id));
    let vpcs = ec2(
        &moto,
        &format!("Action=DescribeVpcs&VpcId.1={}", encode(&vpc_id)),
    )
    .await;
    assert!(vpcs.contains("10.20.0.0/16"), "{vpcs}");
    let subnets = ec2(&moto, &format!("Action=DescribeSubnets&{filter}")).await;
    assert_eq!(count(&subnets, "<subnetId>"), 4, "{subnets}");
    for cidr in [
        "10.20.0.0/24",
        "10.20.1.0/24",
        "10.20.10.0/24",
        "10.20.11.0/24",
    ] {
        assert!(subnets.contains(cidr), "{cidr} missing: {subnets}");
    }
    let tables = ec2(&moto, &format!("Action=DescribeRouteTables&{filter}")).await;
    assert_eq!(
        count(&tables, "<vpcId>"),
        3,
        "main + public + private: {tables}"
    );
    assert!(
        tables.contains("<gatewayId>igw-"),
        "default route to the IGW: {tables}"
    );

    // Diff: nothing differs from what was just deployed.
    let report = diff_stacks(&|_| cfn.clone(), &[&asm.stacks[0]], no_metadata)
        .await
        .unwrap();
    assert!(!report.has_changes(), "{}", report.render());

    // No change, twice: FAILED change set, then moto's "No updates are to be performed" error.
    let out = deploy_stack(&cfn, &asm.stacks[0], &options, &rec, &cancel)
        .await
        .unwrap();
    assert!(matches!(out, StackOutcome::NoChanges { .. }), "{out:?}");
    let with_param = DeployOptions {
        parameters: vec!["VpcCidr=10.20.0.0/16".parse::<ParameterOverride>().unwrap()],
        ..DeployOptions::default()
    };
    let out = deploy_stack(&cfn, &asm.stacks[0], &with_param, &rec, &cancel)
        .await
        .unwrap();
    assert!(matches!(out, StackOutcome::NoChanges { .. }), "{out:?}");
    assert!(
        cfn.list_change_sets(STACK).await.unwrap().is_empty(),
        "empty change sets are deleted"
    );

    // Update: diff first, then deploy.
    let asm = load(dir.path(), &network_v2());
    let report = diff_stacks(&|_| cfn.clone(), &[&asm.stacks[0]], no_metadata)
        .await
        .unwrap();
    let added: Vec<_> = report.stacks[0]
        .diff
        .resources
        .iter()
        .filter(|r| r.kind == DiffKind::Added)
        .map(|r| r.logical_id.as_str())
        .collect();
    assert_eq!(
        added,
        ["PublicSubnetC", "PublicSubnetCRouteTableAssociation"]
    );
    assert!(
        report.stacks[0]
            .diff
            .resources
            .iter()
            .any(|r| r.logical_id == "Vpc" && r.kind == DiffKind::Modified)
    );
    let out = deploy_stack(&cfn, &asm.stacks[0], &options, &rec, &cancel)
        .await
        .unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    let subnets = ec2(&moto, &format!("Action=DescribeSubnets&{filter}")).await;
    assert_eq!(count(&subnets, "<subnetId>"), 5, "{subnets}");
    assert!(subnets.contains("10.20.2.0/24"));
    assert!(cfn.list_change_sets(STACK).await.unwrap().is_empty());

    // Destroy.
    let out = destroy_stack(&cfn, &asm.stacks[0], &rec, &cancel)
        .await
        .unwrap();
    assert!(
        matches!(out, DestroyOutcome::Deleted { ref retained, .. } if retained.is_empty()),
        "{out:?}"
    );
    assert!(cfn.describe_stack(STACK).await.unwrap().is_none());
    let subnets = ec2(&moto, &format!("Action=DescribeSubnets&{filter}")).await;
    assert_eq!(count(&subnets, "<subnetId>"), 0, "{subnets}");
    // No VPC with the stack's block at all: describing the deleted stack (by id, as the engine
    // polls it) must not evaluate its outputs and so re-create what they reference.
    assert_eq!(vpcs_with_block(&moto, "10.20.0.0/16").await, 0);
    let out = destroy_stack(&cfn, &asm.stacks[0], &rec, &cancel)
        .await
        .unwrap();
    assert!(matches!(out, DestroyOutcome::NotDeployed { .. }));
    let errors = moto.server_errors();
    assert!(errors.is_empty(), "moto answered HTTP 500: {errors:?}");
}

async fn vpcs_with_block(moto: &Moto, cidr: &str) -> usize {
    let vpcs = ec2(
        moto,
        &format!(
            "Action=DescribeVpcs&Filter.1.Name=cidr&Filter.1.Value.1={}",
            encode(cidr)
        ),
    )
    .await;
    count(&vpcs, "<vpcId>")
}

async fn cfn_query(moto: &Moto, query: &str) -> (u16, String) {
    post_form(
        &moto.addr(),
        "cloudformation",
        &format!("Version=2010-05-15&{query}"),
    )
    .await
}

/// ListExports as (name, value) pairs.
async fn exports(moto: &Moto) -> Vec<(String, String)> {
    let (status, body) = cfn_query(moto, "Action=ListExports").await;
    assert_eq!(status, 200, "ListExports: {body}");
    let tag = |t: &str| -> Vec<String> {
        body.split(&format!("<{t}>"))
            .skip(1)
            .filter_map(|r| r.split_once(&format!("</{t}>")).map(|(v, _)| v.to_owned()))
            .collect()
    };
    tag("Name").into_iter().zip(tag("Value")).collect()
}

/// The exporting stack: a VPC whose id (and, in v1, its block) is exported.
fn exporter(with_cidr_export: bool) -> Value {
    let mut outputs = json!({
        "VpcId": {"Value": {"Ref": "Vpc"}, "Export": {"Name": "refarch-test-VpcId"}}
    });
    if with_cidr_export {
        outputs["VpcCidr"] = json!({
            "Value": {"Fn::GetAtt": ["Vpc", "CidrBlock"]},
            "Export": {"Name": "refarch-test-VpcCidr"}
        });
    }
    json!({
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.40.0.0/16"},
                    "Metadata": {"construct:path": "Exporter/Vpc/Resource"}}
        },
        "Outputs": outputs
    })
}

/// The importing stack: a subnet in the exporter's VPC.
fn importer() -> Value {
    json!({
        "Resources": {
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Fn::ImportValue": "refarch-test-VpcId"},
                               "CidrBlock": "10.40.7.0/24"},
                "Metadata": {"construct:path": "Importer/Subnet/Resource"}
            }
        },
        "Outputs": {"SubnetVpc": {"Value": {"Fn::ImportValue": "refarch-test-VpcId"}}}
    })
}

fn one_stack(dir: &std::path::Path, name: &str, template: &Value) -> Assembly {
    support::write_assembly(dir, name, template, json!({}));
    Assembly::load(dir).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_is_imported_across_change_set_stacks_on_moto() {
    let Some(moto) = Moto::start("exports") else {
        return;
    };
    let timing = Timing::fast();
    let config = support::local_config(&moto.url(), &timing).await;
    let cfn = Cfn::new(&config, Some("us-east-1"), timing);
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cancel = Cancel::new();
    let rec = Recorder::default();
    let options = DeployOptions::default();

    // The exporter, created through a change set, registers both exports.
    let a = one_stack(dir_a.path(), "Exporter", &exporter(true));
    let out = deploy_stack(&cfn, &a.stacks[0], &options, &rec, &cancel)
        .await
        .unwrap();
    let StackOutcome::Deployed { outputs, .. } = &out else {
        panic!("{out:?}")
    };
    let vpc_id = outputs
        .iter()
        .find(|(k, _)| k == "VpcId")
        .map(|(_, v)| v.clone())
        .expect("VpcId output");
    let mut listed = exports(&moto).await;
    listed.sort();
    assert_eq!(
        listed,
        [
            ("refarch-test-VpcCidr".to_owned(), "10.40.0.0/16".to_owned()),
            ("refarch-test-VpcId".to_owned(), vpc_id.clone()),
        ]
    );

    // The importer, also through a change set, resolves the import: its subnet is in that VPC.
    let b = one_stack(dir_b.path(), "Importer", &importer());
    let out = deploy_stack(&cfn, &b.stacks[0], &options, &rec, &cancel)
        .await
        .unwrap();
    let StackOutcome::Deployed {
        status, outputs, ..
    } = &out
    else {
        panic!("{out:?}")
    };
    assert_eq!(status, "CREATE_COMPLETE");
    assert!(
        outputs
            .iter()
            .any(|(k, v)| k == "SubnetVpc" && *v == vpc_id),
        "{outputs:?}"
    );
    let subnets = ec2(
        &moto,
        &format!(
            "Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
            encode(&vpc_id)
        ),
    )
    .await;
    assert!(subnets.contains("10.40.7.0/24"), "{subnets}");

    // Importer gone, then an update of the exporter drops the export it no longer declares.
    destroy_stack(&cfn, &b.stacks[0], &rec, &cancel)
        .await
        .unwrap();
    let a = one_stack(dir_a.path(), "Exporter", &exporter(false));
    let out = deploy_stack(&cfn, &a.stacks[0], &options, &rec, &cancel)
        .await
        .unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "UPDATE_COMPLETE"),
        "{out:?}"
    );
    assert_eq!(
        exports(&moto).await,
        [("refarch-test-VpcId".to_owned(), vpc_id.clone())]
    );

    // DeleteStack of an exporting stack succeeds on its first call, and takes the export along.
    let (status, body) = cfn_query(&moto, "Action=DeleteStack&StackName=Exporter").await;
    assert_eq!(status, 200, "DeleteStack: {body}");
    assert!(cfn.describe_stack("Exporter").await.unwrap().is_none());
    assert_eq!(exports(&moto).await, []);
    assert_eq!(vpcs_with_block(&moto, "10.40.0.0/16").await, 0);
    let errors = moto.server_errors();
    assert!(errors.is_empty(), "moto answered HTTP 500: {errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_first_create_rolls_back_and_is_recreated_on_moto() {
    let Some(moto) = Moto::start("rollback") else {
        return;
    };
    let timing = Timing::fast();
    let config = support::local_config(&moto.url(), &timing).await;
    let cfn = Cfn::new(&config, Some("us-east-1"), timing);
    let dir = tempfile::tempdir().unwrap();
    let cancel = Cancel::new();
    let rec = Recorder::default();

    // A VPC block EC2 rejects (/8): the create fails and rolls back.
    let asm = load(dir.path(), &network());
    let bad = DeployOptions {
        parameters: vec!["VpcCidr=10.0.0.0/8".parse::<ParameterOverride>().unwrap()],
        ..DeployOptions::default()
    };
    let err = deploy_stack(&cfn, &asm.stacks[0], &bad, &rec, &cancel)
        .await
        .unwrap_err();
    let DeployError::StackFailed { status, reason, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(status, "ROLLBACK_COMPLETE");
    assert!(
        reason.as_deref().unwrap_or_default().contains("10.0.0.0/8"),
        "{err}"
    );

    // The next deploy deletes the rolled-back stack and creates it again (and says so).
    let out = deploy_stack(
        &cfn,
        &asm.stacks[0],
        &DeployOptions::default(),
        &rec,
        &cancel,
    )
    .await
    .unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "CREATE_COMPLETE"),
        "{out:?}"
    );
    assert!(
        rec.notices()
            .iter()
            .any(|n| matches!(n, Notice::Recreating { .. }))
    );
    destroy_stack(&cfn, &asm.stacks[0], &rec, &cancel)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_over_the_inline_limit_goes_through_the_named_bucket() {
    let Some(moto) = Moto::start("large") else {
        return;
    };
    let timing = Timing::fast();
    let config = support::local_config(&moto.url(), &timing).await;
    let cfn = Cfn::new(&config, Some("us-east-1"), timing);
    let dir = tempfile::tempdir().unwrap();
    let cancel = Cancel::new();
    let rec = Recorder::default();
    let (status, body) = request(&moto.addr(), "PUT", "/refarch-templates", "s3", "").await;
    assert_eq!(status, 200, "create bucket: {body}");

    let mut big = network();
    big["Metadata"] = json!({"Padding": "x".repeat(60_000)});
    let asm = load(dir.path(), &big);
    assert!(asm.stacks[0].template_body.len() > 51_200);
    let err = deploy_stack(
        &cfn,
        &asm.stacks[0],
        &DeployOptions::default(),
        &rec,
        &cancel,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DeployError::TemplateTooLarge { .. }), "{err}");

    let options = DeployOptions {
        template_bucket: Some("refarch-templates".into()),
        ..DeployOptions::default()
    };
    let out = deploy_stack(&cfn, &asm.stacks[0], &options, &rec, &cancel)
        .await
        .unwrap();
    assert!(
        matches!(&out, StackOutcome::Deployed { status, .. } if status == "CREATE_COMPLETE"),
        "{out:?}"
    );
    let (_, listing) = request(
        &moto.addr(),
        "GET",
        "/refarch-templates?list-type=2",
        "s3",
        "",
    )
    .await;
    assert!(
        listing.contains("cfn-templates/RefArchNetwork/"),
        "{listing}"
    );
    destroy_stack(&cfn, &asm.stacks[0], &rec, &cancel)
        .await
        .unwrap();
}

/// Pre-flight on the emulator: a pinned account that is not the caller's (moto's is
/// 123456789012) and a record in a hosted zone that does not exist are both reported before any
/// change set, and nothing is created; once the zone exists and the account matches, the same
/// assembly deploys and its record is in the zone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_refuses_wrong_account_and_missing_zone_before_any_change_set() {
    let Some(moto) = Moto::start("preflight") else {
        return;
    };
    let timing = Timing::fast();
    let config = support::local_config(&moto.url(), &timing).await;
    let cfn = Cfn::new(&config, Some("us-east-1"), timing.clone());
    let route53 = aws_sdk_route53::Client::new(&config);
    let dir = tempfile::tempdir().unwrap();
    let record = |zone: &str| {
        json!({"Resources": {"Www": {
            "Type": "AWS::Route53::RecordSet",
            "Metadata": {"construct:path": "Dns/Www"},
            "Properties": {"HostedZoneId": zone, "Name": "www.example.org.", "Type": "TXT",
                           "TTL": "300", "ResourceRecords": ["\"hello\""]}
        }}})
    };
    let write = |zone: &str, account: Option<&str>| {
        support::write_assembly(dir.path(), "Dns", &record(zone), json!({}));
        edit_manifest(dir.path(), |m| {
            m["stacks"][0]["environment"]["account"] = json!(account);
        });
    };
    let args = Cli::try_parse_from(["deploy", "--yes"]).unwrap().args;

    write("ZMISSING000000", Some("111111111111"));
    let err = deploy_with(
        dir.path(),
        &args,
        &config,
        &timing,
        &Recorder::default(),
        &Cancel::new(),
    )
    .await
    .unwrap_err();
    let DeployError::Preflight(problems) = &err else {
        panic!("expected a pre-flight error, got {err}")
    };
    let text = err.to_string();
    assert_eq!(problems.len(), 2, "{text}");
    assert!(
        text.contains("stack Dns is pinned to account 111111111111, but the credentials are for account 123456789012"),
        "{text}"
    );
    assert!(
        text.contains("hosted zone ZMISSING000000 does not exist")
            && text.contains("construct Dns/Www"),
        "{text}"
    );
    assert!(
        cfn.describe_stack("Dns").await.unwrap().is_none(),
        "nothing may be created"
    );

    let zone = route53
        .create_hosted_zone()
        .name("example.org")
        .caller_reference("preflight")
        .send()
        .await
        .unwrap();
    let zone_id = zone
        .hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_owned();
    write(&zone_id, Some("123456789012"));
    let outs = deploy_with(
        dir.path(),
        &args,
        &config,
        &timing,
        &Recorder::default(),
        &Cancel::new(),
    )
    .await
    .unwrap();
    assert!(
        matches!(&outs[0], StackOutcome::Deployed { status, .. } if status == "CREATE_COMPLETE")
    );
    let records = route53
        .list_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .send()
        .await
        .unwrap();
    assert!(
        records
            .resource_record_sets()
            .iter()
            .any(|r| r.name() == "www.example.org."),
        "{records:?}"
    );
}

/// Assets on the emulator: the first deploy creates the assets bucket (private, encrypted,
/// versioned, owner-enforced; the TLS-only policy is left out on a plain-HTTP endpoint) and uploads the archive before the change set; the second finds
/// it there and uploads nothing; the stack's template read the object's key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_published_to_a_private_encrypted_bucket_before_the_change_set() {
    let Some(moto) = Moto::start("assets") else {
        return;
    };
    let timing = Timing::fast();
    let config = support::local_config(&moto.url(), &timing).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let dir = tempfile::tempdir().unwrap();
    let key = "assets/abc123.zip";
    let template = json!({"Resources": {"Source": {
        "Type": "AWS::SSM::Parameter",
        "Properties": {"Type": "String", "Name": "/assets/source",
            "Value": {"Fn::Sub": format!("s3://cfnrs-assets-${{AWS::AccountId}}-${{AWS::Region}}/{key}")}}
    }}});
    support::write_assembly(dir.path(), "Images", &template, json!({}));
    edit_manifest(dir.path(), |m| {
        m["stacks"][0]["assets"] = json!(["abc123"]);
        m["assets"] = json!([{"id": "abc123", "file": "asset.abc123.zip", "packaging": "zip",
            "bucketName": "cfnrs-assets-${AWS::AccountId}-${AWS::Region}", "objectKey": key}]);
    });
    std::fs::write(dir.path().join("asset.abc123.zip"), b"archive bytes").unwrap();

    let args = Cli::try_parse_from(["deploy", "--yes"]).unwrap().args;
    let rec = Recorder::default();
    deploy_with(dir.path(), &args, &config, &timing, &rec, &Cancel::new())
        .await
        .unwrap();
    let bucket = "cfnrs-assets-123456789012-us-east-1";
    let info = |rec: &Recorder| -> Vec<String> {
        rec.notices()
            .iter()
            .filter_map(|n| match n {
                Notice::Info(t) if t.starts_with("asset ") => Some(t.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        info(&rec),
        [format!(
            "asset asset.abc123.zip: uploaded 13 bytes to s3://{bucket}/{key}"
        )]
    );
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let body = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"archive bytes");
    let pab = s3
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let pab = pab.public_access_block_configuration().unwrap();
    assert_eq!(
        (
            pab.block_public_acls(),
            pab.block_public_policy(),
            pab.ignore_public_acls(),
            pab.restrict_public_buckets()
        ),
        (Some(true), Some(true), Some(true), Some(true))
    );
    let enc = s3
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let rule = &enc.server_side_encryption_configuration().unwrap().rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .sse_algorithm()
            .as_str(),
        "AES256"
    );
    // moto answers GetBucketVersioning with a root element the SDK refuses; read it raw.
    let (status, versioning) = request(
        &moto.addr(),
        "GET",
        &format!("/{bucket}?versioning"),
        "s3",
        "",
    )
    .await;
    assert_eq!(status, 200, "{versioning}");
    assert!(
        versioning.contains("<Status>Enabled</Status>"),
        "{versioning}"
    );
    let owner = s3
        .get_bucket_ownership_controls()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        owner.ownership_controls().unwrap().rules()[0]
            .object_ownership()
            .as_str(),
        "BucketOwnerEnforced"
    );
    let cfn = Cfn::new(&config, Some("us-east-1"), timing.clone());
    assert!(cfn.describe_stack("Images").await.unwrap().is_some());

    // Second run: the object is there; nothing is uploaded.
    let rec = Recorder::default();
    deploy_with(dir.path(), &args, &config, &timing, &rec, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(
        info(&rec),
        [format!(
            "asset asset.abc123.zip: already in s3://{bucket}/{key}"
        )]
    );

    // A manifest naming a missing archive is refused before anything is sent.
    std::fs::remove_file(dir.path().join("asset.abc123.zip")).unwrap();
    let err = deploy_with(
        dir.path(),
        &args,
        &config,
        &timing,
        &Recorder::default(),
        &Cancel::new(),
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("`asset.abc123.zip` is missing"),
        "{err}"
    );
}

/// Rewrites the assembly's `manifest.json` through `edit`.
fn edit_manifest(dir: &std::path::Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("manifest.json");
    let mut m: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&path, m.to_string()).unwrap();
}
