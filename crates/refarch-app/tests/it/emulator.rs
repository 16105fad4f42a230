//! End-to-end: the real `refarch-app` binary against the project's local emulator
//! (`emulator/server.py`), as a user runs it with `--endpoint-url`.
//!
//! Covered, for the stack `refarch-dev-network` built by our own synth from the built-in default
//! configuration and from a config file:
//! - `deploy` creates it: the VPC (172.18.0.0/16), the seed's six subnets (.1/.2 public,
//!   .11/.12 private, .21/.22 isolated) in two zones, their route tables (public ones to the
//!   internet gateway, private ones to a NAT gateway per zone), NAT gateways and interface
//!   endpoints, all checked through the emulator's EC2 API; the stack's exports are registered
//!   (ListExports); no change set is left behind;
//! - a second `deploy` is a no-op (exit 0, "no changes", nothing replaced);
//! - `diff --fail` with a config file (`az_count = 3`, `interface_endpoints = false`) exits 1,
//!   `deploy --config` updates the stack in place (same VPC and subnets, a third zone's three
//!   subnets, route tables and NAT gateway added, the endpoints and their security group
//!   removed: deleted in EC2, their network interfaces gone, the group's export dropped), and
//!   `diff --fail` afterwards exits 0 with no differences;
//! - `destroy --yes` deletes the stack (DescribeStacks: does not exist), its VPC (no
//!   172.18.0.0/16 VPC is left at all), subnets, NAT gateways, endpoints, Elastic IPs and
//!   exports, reports the flow-log key and log group kept by `DeletionPolicy: Retain`, leaves no
//!   change set; a second `destroy` says it is not deployed;
//! - the emulator never answered HTTP 500 (e.g. DeleteStack succeeds on its first call).
//!
//! Only the network stack, through the CLI; the whole five-stack assembly is deployed and
//! deleted against the emulator by `emulator/tests/test_assembly.py`.
//!
//! Known gap of the emulator (moto 5.2.5 underneath `emulator/`) the assertions step around:
//! subnet route-table associations are not listed by DescribeRouteTables. As in EC2, deleted NAT
//! gateways and VPC endpoints stay visible with state `deleted`.
//!
//! Skipped with a loud message when `MOTO_PYTHON` is unset (fails instead when `CI` is set);
//! `scripts/test.sh` sets it.

use crate::emulator_support;

use emulator_support::{Moto, RefArch, count, encode, values};

const STACK: &str = "refarch-dev-network";

/// The seed's subnet blocks for `azs` zones: public .N, private .1N, isolated .2N.
fn seed_cidrs(azs: u8) -> Vec<String> {
    let mut out: Vec<String> = (1..=azs)
        .flat_map(|az| [az, 10 + az, 20 + az])
        .map(|third| format!("172.18.{third}.0/24"))
        .collect();
    out.sort();
    out
}

/// The stack's resources as (logical id, type), from DescribeStackResources.
fn stack_resources(moto: &Moto) -> Vec<(String, String)> {
    let (status, body) = moto.cfn(&format!("Action=DescribeStackResources&StackName={STACK}"));
    assert_eq!(status, 200, "DescribeStackResources: {body}");
    let ids = values(&body, "LogicalResourceId");
    let types = values(&body, "ResourceType");
    assert_eq!(ids.len(), types.len(), "{body}");
    ids.into_iter().zip(types).collect()
}

fn assert_no_change_sets(moto: &Moto, when: &str) {
    let (status, body) = moto.cfn(&format!("Action=ListChangeSets&StackName={STACK}"));
    assert_eq!(status, 200, "ListChangeSets {when}: {body}");
    assert!(
        values(&body, "ChangeSetName").is_empty(),
        "change sets left {when}: {body}"
    );
}

/// The region's exports as (name, value), from ListExports.
fn exports(moto: &Moto) -> Vec<(String, String)> {
    let (status, body) = moto.cfn("Action=ListExports");
    assert_eq!(status, 200, "ListExports: {body}");
    values(&body, "Name")
        .into_iter()
        .zip(values(&body, "Value"))
        .collect()
}

/// The states of `what` (`NatGateways`, `VpcEndpoints`) in `vpc`.
fn states(moto: &Moto, what: &str, vpc: &str) -> Vec<String> {
    let body = moto.ec2(&format!(
        "Action=Describe{what}&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
        encode(vpc)
    ));
    values(&body, "state")
}

/// The VPC endpoints of `vpc` as (service, state), sorted.
fn endpoint_states(moto: &Moto, vpc: &str) -> Vec<(String, String)> {
    let body = moto.ec2(&format!(
        "Action=DescribeVpcEndpoints&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
        encode(vpc)
    ));
    let services = values(&body, "serviceName");
    let states = values(&body, "state");
    assert_eq!(services.len(), states.len(), "{body}");
    let mut out: Vec<_> = services
        .into_iter()
        .map(|s| s.trim_start_matches("com.amazonaws.us-east-1.").to_owned())
        .zip(states)
        .collect();
    out.sort();
    out
}

fn stack_status(moto: &Moto) -> String {
    let (status, body) = moto.cfn(&format!("Action=DescribeStacks&StackName={STACK}"));
    assert_eq!(status, 200, "DescribeStacks: {body}");
    values(&body, "StackStatus")
        .pop()
        .unwrap_or_else(|| panic!("no StackStatus: {body}"))
}

/// The VPC id among the outputs `deploy` printed (`  <stack>.<output> = vpc-...`).
fn vpc_id_from(stdout: &str) -> String {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&format!("{STACK}.")))
        .filter_map(|l| l.split_once(" = "))
        .map(|(_, v)| v.trim())
        .find(|v| v.starts_with("vpc-"))
        .unwrap_or_else(|| panic!("no VPC id among the outputs:\n{stdout}"))
        .to_owned()
}

/// The network as EC2 sees it, for `azs` zones (NAT per zone), with or without the interface
/// endpoints' security group. Returns the subnet ids.
fn check_network(moto: &Moto, vpc: &str, azs: u8, endpoint_group: bool) -> Vec<String> {
    let azs_n = usize::from(azs);
    let in_vpc = format!("Filter.1.Name=vpc-id&Filter.1.Value.1={}", encode(vpc));

    let vpcs = moto.ec2(&format!("Action=DescribeVpcs&VpcId.1={}", encode(vpc)));
    assert!(
        vpcs.contains("<cidrBlock>172.18.0.0/16</cidrBlock>"),
        "{vpcs}"
    );

    let subnets = moto.ec2(&format!("Action=DescribeSubnets&{in_vpc}"));
    let mut cidrs = values(&subnets, "cidrBlock");
    cidrs.sort();
    assert_eq!(cidrs, seed_cidrs(azs), "{subnets}");
    let mut zones = values(&subnets, "availabilityZone");
    zones.sort();
    zones.dedup();
    assert_eq!(zones.len(), azs_n, "one zone per subnet index: {zones:?}");

    // Main table + one per subnet; public tables route to the IGW, private ones to a NAT.
    let tables = moto.ec2(&format!("Action=DescribeRouteTables&{in_vpc}"));
    assert_eq!(count(&tables, "<vpcId>"), 1 + 3 * azs_n, "{tables}");
    assert_eq!(count(&tables, "<gatewayId>igw-"), azs_n, "{tables}");
    assert_eq!(count(&tables, "<natGatewayId>nat-"), azs_n, "{tables}");

    let nats = moto.ec2(&format!("Action=DescribeNatGateways&{in_vpc}"));
    assert_eq!(values(&nats, "natGatewayId").len(), azs_n, "{nats}");
    assert_eq!(count(&nats, "<state>available</state>"), azs_n, "{nats}");
    let addresses = moto.ec2("Action=DescribeAddresses");
    assert_eq!(
        values(&addresses, "allocationId").len(),
        azs_n,
        "{addresses}"
    );

    let groups = moto.ec2(&format!("Action=DescribeSecurityGroups&{in_vpc}"));
    let own: Vec<String> = values(&groups, "groupName")
        .into_iter()
        .filter(|g| g != "default")
        .collect();
    assert_eq!(own.len(), usize::from(endpoint_group), "{groups}");

    values(&subnets, "subnetId")
}

#[test]
fn network_stack_deploys_no_ops_updates_and_destroys_through_the_cli() {
    let Some(moto) = Moto::start("refarch-network") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("assembly");
    let out = out_dir.to_str().expect("UTF-8 temp path");
    let config_path = work.path().join("three-zones.toml");
    std::fs::write(
        &config_path,
        "# A third zone, no interface endpoints.\n[network]\naz_count = 3\ninterface_endpoints = false\n",
    )
    .unwrap();
    let config = config_path.to_str().expect("UTF-8 temp path");
    let mut cli = RefArch::new(&moto, work.path());
    let deploy = ["deploy", "--stack", STACK, "--yes", "--timeout", "2m"];

    // Create, from the built-in default configuration.
    let run = cli.run(&[&deploy[..], &["--out", out][..]].concat());
    run.expect_code(0)
        .expect_stdout(&format!("{STACK}: CREATE_COMPLETE"));
    assert!(
        run.stderr.contains(&format!("{STACK}: executing")),
        "{}",
        run.stderr
    );
    let vpc = vpc_id_from(&run.stdout);
    let subnets = check_network(&moto, &vpc, 2, true);
    let endpoints = moto.ec2(&format!(
        "Action=DescribeVpcEndpoints&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
        encode(&vpc)
    ));
    let mut services = values(&endpoints, "serviceName");
    services.sort();
    assert_eq!(
        services,
        [
            "ec2messages",
            "logs",
            "s3",
            "secretsmanager",
            "ssm",
            "ssmmessages"
        ]
        .map(|s| format!("com.amazonaws.us-east-1.{s}")),
        "{endpoints}"
    );
    assert_eq!(stack_status(&moto), "CREATE_COMPLETE");
    assert_no_change_sets(&moto, "after the create");
    let exported = exports(&moto);
    assert_eq!(
        exported.len(),
        8,
        "VPC, six subnets, endpoint group: {exported:?}"
    );
    assert!(
        exported
            .iter()
            .all(|(name, _)| name.starts_with(&format!("{STACK}:"))),
        "{exported:?}"
    );
    assert!(exported.iter().any(|(_, v)| *v == vpc), "{exported:?}");

    // The same deploy again: nothing to do, nothing touched.
    let run = cli.run(&[&deploy[..], &["--out", out][..]].concat());
    run.expect_code(0)
        .expect_stdout(&format!("{STACK}: no changes"));
    assert!(!run.stderr.contains("executing"), "{}", run.stderr);
    assert_eq!(vpc_id_from(&run.stdout), vpc);
    assert_eq!(check_network(&moto, &vpc, 2, true), subnets);
    assert_eq!(stack_status(&moto), "CREATE_COMPLETE");
    assert_no_change_sets(&moto, "after the no-op deploy");

    // Update through a config file: diff sees it, deploy applies it in place.
    let run = cli.run(&[
        "diff", "--stack", STACK, "--fail", "--config", config, "--out", out,
    ]);
    run.expect_code(1).expect_stdout("publicSubnet3");
    let run = cli.run(&[&deploy[..], &["--config", config, "--out", out][..]].concat());
    run.expect_code(0)
        .expect_stdout(&format!("{STACK}: UPDATE_COMPLETE"));
    assert_eq!(vpc_id_from(&run.stdout), vpc, "the VPC is not replaced");
    let updated = check_network(&moto, &vpc, 3, false);
    assert!(
        subnets.iter().all(|s| updated.contains(s)),
        "the first two zones' subnets are kept: {subnets:?} vs {updated:?}"
    );
    // The interface endpoints and their security group left the stack and EC2 (state
    // `deleted`, their network interfaces gone: only the three NAT gateways' are left; the S3
    // gateway endpoint stays), and the group's export went with it.
    let deleted = "deleted".to_owned();
    assert_eq!(
        endpoint_states(&moto, &vpc),
        [
            ("ec2messages".to_owned(), deleted.clone()),
            ("logs".to_owned(), deleted.clone()),
            ("s3".to_owned(), "available".to_owned()),
            ("secretsmanager".to_owned(), deleted.clone()),
            ("ssm".to_owned(), deleted.clone()),
            ("ssmmessages".to_owned(), deleted.clone()),
        ]
    );
    let enis = moto.ec2(&format!(
        "Action=DescribeNetworkInterfaces&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
        encode(&vpc)
    ));
    assert_eq!(values(&enis, "networkInterfaceId").len(), 3, "{enis}");
    let exported = exports(&moto);
    assert_eq!(exported.len(), 10, "VPC, nine subnets: {exported:?}");
    assert!(
        !exported
            .iter()
            .any(|(name, _)| name.contains("VpcEndpointsSecurityGroup")),
        "{exported:?}"
    );
    let resources = stack_resources(&moto);
    let endpoints: Vec<_> = resources
        .iter()
        .filter(|(id, _)| id.starts_with("VpcEndpoints"))
        .collect();
    assert!(endpoints.is_empty(), "{endpoints:?}");
    let nat_resources = resources
        .iter()
        .filter(|(_, t)| t == "AWS::EC2::NatGateway")
        .count();
    assert_eq!(nat_resources, 3, "{resources:?}");
    assert_eq!(stack_status(&moto), "UPDATE_COMPLETE");
    assert_no_change_sets(&moto, "after the update");

    // Deployed == synthesized.
    let run = cli.run(&[
        "diff", "--stack", STACK, "--fail", "--config", config, "--out", out,
    ]);
    run.expect_code(0).expect_stdout("no differences");

    // Destroy: gone, with what DeletionPolicy kept named.
    let destroy = ["destroy", "--stack", STACK, "--yes", "--timeout", "2m"];
    let run = cli.run(&[&destroy[..], &["--config", config, "--out", out][..]].concat());
    run.expect_code(0)
        .expect_stdout(&format!("{STACK}: deleted"))
        .expect_stdout("kept by DeletionPolicy Retain: VpcFlowLogsKey")
        .expect_stdout("(AWS::KMS::Key)")
        .expect_stdout("(AWS::Logs::LogGroup)");
    let (status, body) = moto.cfn(&format!("Action=DescribeStacks&StackName={STACK}"));
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains(&format!("Stack with id {STACK} does not exist")),
        "{body}"
    );
    assert_no_change_sets(&moto, "after the destroy");
    let (status, body) = moto.query(
        "ec2",
        &format!(
            "Version=2016-11-15&Action=DescribeVpcs&VpcId.1={}",
            encode(&vpc)
        ),
    );
    assert!(
        status == 400 && body.contains("InvalidVpcID.NotFound"),
        "the stack's VPC is deleted: {status} {body}"
    );
    let left = moto.ec2(&format!(
        "Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
        encode(&vpc)
    ));
    assert!(values(&left, "subnetId").is_empty(), "{left}");
    // Describing the deleted stack (the engine polls it by id) did not bring anything back.
    let same_block =
        moto.ec2("Action=DescribeVpcs&Filter.1.Name=cidr&Filter.1.Value.1=172.18.0.0%2F16");
    assert!(values(&same_block, "vpcId").is_empty(), "{same_block}");
    let nat_states = states(&moto, "NatGateways", &vpc);
    assert_eq!(nat_states, ["deleted"; 3], "NAT gateways");
    let endpoints = endpoint_states(&moto, &vpc);
    assert_eq!(endpoints.len(), 6, "{endpoints:?}");
    assert!(
        endpoints.iter().all(|(_, s)| s == "deleted"),
        "{endpoints:?}"
    );
    let addresses = moto.ec2("Action=DescribeAddresses");
    assert!(values(&addresses, "publicIp").is_empty(), "{addresses}");
    assert_eq!(exports(&moto), [], "exports left after the destroy");

    // Destroying again is harmless.
    let run = cli.run(&[&destroy[..], &["--config", config, "--out", out][..]].concat());
    run.expect_code(0)
        .expect_stdout(&format!("{STACK}: not deployed"));
    let errors = moto.server_errors();
    assert!(
        errors.is_empty(),
        "the emulator answered HTTP 500: {errors:?}"
    );
}
