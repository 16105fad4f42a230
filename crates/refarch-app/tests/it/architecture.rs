//! The whole default reference architecture: snapshots, determinism, and every seed feature.

use crate::support;

use refarch_app::arch;
use refarch_app::config::RefArchConfig;
use refarch_app::contract::{self, SettingKind};
use serde_json::Value as Json;
use support::Model;

/// The default configuration, with the application directory a small fixture so that edits of
/// the sample app (whose archive hash is in the images and delivery templates) do not change
/// these snapshots.
fn default_assembly() -> synth::Assembly {
    let mut config = RefArchConfig::default();
    config.application.source_dir =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/app").into();
    let app = arch::build(&config).expect("default config builds");
    synth::synth(&app).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn default_architecture_snapshots() {
    let assembly = default_assembly();
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "refarch-dev-network",
            "refarch-dev-data",
            "refarch-dev-images",
            "refarch-dev-app",
            "refarch-dev-delivery"
        ]
    );
    for s in &assembly.stacks {
        insta::assert_json_snapshot!(s.name.clone(), s.template);
    }
    insta::assert_json_snapshot!("manifest", assembly.manifest());
}

#[test]
fn the_app_stack_is_deployed_after_the_images_stack_that_creates_its_ami_parameter() {
    let assembly = default_assembly();
    let position = |name: &str| {
        assembly
            .stacks
            .iter()
            .position(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert!(position("refarch-dev-images") < position("refarch-dev-app"));
    let manifest = assembly.manifest();
    let app = manifest["stacks"]
        .as_array()
        .expect("stacks")
        .iter()
        .find(|s| s["name"] == "refarch-dev-app")
        .expect("app stack");
    assert!(
        app["dependencies"]
            .as_array()
            .expect("dependencies")
            .contains(&serde_json::json!("refarch-dev-images")),
        "{app}"
    );
    // The dependency comes from the parameter: app reads what images creates, and nothing
    // else ties them (no export of images is imported by app).
    let images = assembly.stack("refarch-dev-images").expect("images");
    let web = assembly.stack("refarch-dev-app").expect("app");
    assert!(
        images
            .body
            .contains("\"Name\": \"/refarch/dev/ami/application\"")
    );
    assert!(
        web.body
            .contains("\"Default\": \"/refarch/dev/ami/application\"")
    );
    assert!(
        !web.body.contains("refarch-dev-images:"),
        "no imports from images"
    );
    // The deployability check accepts the default architecture without declarations.
    assert!(
        !assembly
            .warnings
            .iter()
            .any(|w| matches!(w.kind, synth::DiagnosticKind::Deployability(_))),
        "{:?}",
        assembly.warnings
    );
}

#[test]
fn image_builds_reach_the_interface_endpoints_and_wait_for_their_rules() {
    let assembly = default_assembly();
    let images = &assembly
        .stack("refarch-dev-images")
        .expect("images")
        .template;
    let resources = images["Resources"].as_object().expect("resources");
    let rules: Vec<&String> = resources
        .iter()
        .filter(|(_, r)| {
            r["Type"] == "AWS::EC2::SecurityGroupEgress"
                || r["Type"] == "AWS::EC2::SecurityGroupIngress"
        })
        .map(|(id, _)| id)
        .collect();
    // HTTPS out through NAT, HTTPS to the endpoints, and the endpoints' ingress from the tier.
    assert_eq!(rules.len(), 3, "{rules:?}");
    let to_endpoints = rules
        .iter()
        .filter(|id| {
            let r = &resources[id.as_str()]["Properties"];
            r["FromPort"] == 443 && r.get("CidrIp").is_none()
        })
        .count();
    assert_eq!(
        to_endpoints, 2,
        "egress to and ingress on the endpoints' group"
    );
    let built: Vec<_> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::ImageBuilder::Image")
        .collect();
    assert_eq!(built.len(), 3);
    for image in built {
        for rule in &rules {
            assert!(
                image["DependsOn"]
                    .as_array()
                    .is_some_and(|d| d.contains(&serde_json::json!(rule))),
                "{image}"
            );
        }
    }
}

#[test]
fn synth_is_byte_identical_across_runs() {
    let a = default_assembly();
    let b = default_assembly();
    for (x, y) in a.stacks.iter().zip(&b.stacks) {
        assert_eq!(x.body, y.body, "{}", x.name);
    }
}

#[test]
fn every_seed_feature_and_todo_is_present() {
    let assembly = default_assembly();
    let m = Model::new(&assembly);
    let count = |t: &str| m.of_type(t).count();
    // HA VPC with NAT per zone, isolated database subnets.
    assert_eq!(count("AWS::EC2::Subnet"), 6);
    assert_eq!(count("AWS::EC2::NatGateway"), 2);
    // Load balancer with automatic TLS.
    assert_eq!(count("AWS::CertificateManager::Certificate"), 1);
    assert!(count("AWS::ElasticLoadBalancingV2::Listener") >= 2);
    // ASG with rolling refresh on launch-template change and CPU scaling.
    let (_, asg) = m
        .of_type("AWS::AutoScaling::AutoScalingGroup")
        .next()
        .expect("asg");
    assert!(asg["UpdatePolicy"]["AutoScalingRollingUpdate"].is_object());
    let (_, policy) = m
        .of_type("AWS::AutoScaling::ScalingPolicy")
        .next()
        .expect("scaling policy");
    assert_eq!(policy["Properties"]["PolicyType"], "TargetTrackingScaling");
    // AMI layering: three recipes, each built at deploy time and the parent of the next, the
    // application AMI id in a parameter the stack creates.
    assert_eq!(count("AWS::ImageBuilder::ImageRecipe"), 3);
    assert_eq!(count("AWS::ImageBuilder::Image"), 3);
    // Aurora Serverless v2 with the Data API and managed, rotated credentials.
    let (_, cluster) = m.of_type("AWS::RDS::DBCluster").next().expect("cluster");
    assert_eq!(cluster["Properties"]["EnableHttpEndpoint"], true);
    assert_eq!(cluster["Properties"]["ManageMasterUserPassword"], true);
    assert!(cluster["Properties"]["ServerlessV2ScalingConfiguration"].is_object());
    assert_eq!(cluster["DeletionPolicy"], "Snapshot");
    // Secrets and parameters; Session Manager; migrations pipeline.
    assert!(count("AWS::SSM::Parameter") >= 5);
    assert!(count("AWS::SecretsManager::Secret") >= 1);
    assert!(count("AWS::CodeBuild::Project") >= 1);
    assert_eq!(count("AWS::CodePipeline::Pipeline"), 1);
    let text: String = assembly.stacks.iter().map(|s| s.body.as_str()).collect();
    assert!(text.contains("AmazonSSMManagedInstanceCore"));
    assert!(!text.contains("\"KeyName\""), "no SSH key pairs anywhere");
}

#[test]
fn profiles_render_from_one_settings_model() {
    let config = RefArchConfig::default();
    let c = contract::contract();
    let local = arch::local_env(&config).expect("local env");
    let names: Vec<&str> = local
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(n, _)| n))
        .collect();
    let mut expected = vec![c.profile_variable];
    expected.extend(c.settings.iter().map(|s| s.name));
    assert_eq!(
        names, expected,
        "the dotenv holds exactly the contract's settings"
    );
    assert!(local.contains("APP_PROFILE=local\n"), "{local}");
    assert_eq!(
        arch::cloud_env(&config),
        "APP_PROFILE=cloud\nAPP_SETTINGS_PREFIX=/refarch/dev\nAWS_DEFAULT_REGION=us-east-1\n"
    );
}

/// Every contract setting is published where the contract says: `<prefix>/<NAME>` for
/// parameters, `<prefix>/secret/<NAME>` (a reference) for secrets and credentials.
#[test]
fn the_data_stack_publishes_exactly_the_contract() {
    let assembly = default_assembly();
    let m = Model::new(&assembly);
    let c = contract::contract();
    let mut published: Vec<String> = m
        .of_type("AWS::SSM::Parameter")
        .filter_map(|(_, p)| p["Properties"]["Name"].as_str().map(str::to_owned))
        .filter(|n| n.starts_with("/refarch/dev/") && !n.starts_with("/refarch/dev/ami/"))
        .collect();
    published.sort();
    let mut expected: Vec<String> = c
        .settings
        .iter()
        .map(|s| match s.kind {
            SettingKind::Parameter => format!("/refarch/dev/{}", s.name),
            SettingKind::Secret | SettingKind::Credential => {
                format!("/refarch/dev/{}/{}", c.secret_segment, s.name)
            }
        })
        .collect();
    expected.sort();
    assert_eq!(published, expected);
    // Generated secrets are named by the contract too.
    let secrets: Vec<&str> = m
        .of_type("AWS::SecretsManager::Secret")
        .filter_map(|(_, s)| s["Properties"]["Name"].as_str())
        .collect();
    assert_eq!(secrets, ["/refarch/dev/SECRET_KEY"]);
}

fn workload_resources(m: &Model, kind: &str) -> Vec<Json> {
    m.of_type(kind).map(|(_, r)| r.clone()).collect()
}

#[test]
fn desired_capacity_and_health_check_path_reach_the_templates() {
    let default = default_assembly();
    let m = Model::new(&default);
    let asg = &workload_resources(&m, "AWS::AutoScaling::AutoScalingGroup")[0];
    assert!(
        asg["Properties"].get("DesiredCapacity").is_none(),
        "unset: deploys never reset what scaling decided"
    );
    let tg = &workload_resources(&m, "AWS::ElasticLoadBalancingV2::TargetGroup")[0];
    assert_eq!(
        tg["Properties"]["HealthCheckPath"],
        contract::contract().http.health_path
    );
    assert_eq!(tg["Properties"]["Port"], 8000);

    let mut config = RefArchConfig::default();
    config.workloads[0].desired_capacity = Some(3);
    config.workloads[0].health_check_path = "/ready".into();
    config.validate().expect("valid");
    let assembly = synth::synth(&arch::build(&config).expect("builds")).expect("synth");
    let m = Model::new(&assembly);
    let asg = &workload_resources(&m, "AWS::AutoScaling::AutoScalingGroup")[0];
    assert_eq!(asg["Properties"]["DesiredCapacity"], "3");
    let tg = &workload_resources(&m, "AWS::ElasticLoadBalancingV2::TargetGroup")[0];
    assert_eq!(tg["Properties"]["HealthCheckPath"], "/ready");

    config.workloads[0].desired_capacity = Some(9);
    let e = config
        .validate()
        .expect_err("desired above max")
        .to_string();
    assert!(e.contains("`workloads[0].desired_capacity`"), "{e}");
}

#[test]
fn database_deletion_protection_reaches_the_cluster_and_the_snapshot_policy_stays() {
    let cluster = |config: &RefArchConfig| {
        let assembly = synth::synth(&arch::build(config).expect("builds")).expect("synth");
        let m = Model::new(&assembly);
        m.of_type("AWS::RDS::DBCluster")
            .map(|(_, r)| r.clone())
            .next()
            .expect("a cluster")
    };
    let mut config = RefArchConfig::default();
    let on = cluster(&config);
    assert_eq!(on["Properties"]["DeletionProtection"], true);
    config.database.deletion_protection = false;
    let off = cluster(&config);
    assert_eq!(off["Properties"]["DeletionProtection"], false);
    assert_eq!(off["DeletionPolicy"], "Snapshot");
    assert_eq!(off["UpdateReplacePolicy"], "Snapshot");
}

/// The instances boot the contract's service: the env file and the unit (gunicorn on the
/// target group's port) are written by user data, which then starts the service.
#[test]
fn user_data_writes_the_env_file_and_the_unit_and_starts_the_service() {
    let mut config = RefArchConfig::default();
    config.workloads[0].app_port = 8123;
    let assembly = synth::synth(&arch::build(&config).expect("builds")).expect("synth");
    let m = Model::new(&assembly);
    let lt = &workload_resources(&m, "AWS::EC2::LaunchTemplate")[0];
    let user_data = lt["Properties"]["LaunchTemplateData"]["UserData"].to_string();
    assert!(
        user_data.contains("cat > '/etc/refarch/app.env'"),
        "{user_data}"
    );
    assert!(user_data.contains("APP_PROFILE=cloud"), "{user_data}");
    assert!(user_data.contains("--bind 0.0.0.0:8123 "), "{user_data}");
    assert!(
        user_data.contains("systemctl enable --now refarch-app.service"),
        "{user_data}"
    );
    let tg = &workload_resources(&m, "AWS::ElasticLoadBalancingV2::TargetGroup")[0];
    assert_eq!(tg["Properties"]["Port"], 8123);
}

/// The instance role decrypts exactly the keys of the secrets it reads, only through Secrets
/// Manager, and the image build reads exactly the application archive.
#[test]
fn grants_are_derived_from_what_is_read() {
    let assembly = default_assembly();
    let m = Model::new(&assembly);
    let policies: Vec<(&support::ResKey, &Json)> = m
        .of_type("AWS::IAM::Policy")
        .filter(|(k, _)| k.0 == "refarch-dev-app")
        .collect();
    assert_eq!(
        policies.len(),
        2,
        "two grants: the settings and the file system"
    );
    let (settings, mount): (Vec<&(&support::ResKey, &Json)>, Vec<_>) = policies
        .iter()
        .partition(|(k, _)| !k.1.contains("FileGrants"));
    // The file system: mount and write through exactly its access point.
    let mount = &mount[0].1["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(
        mount["Action"],
        serde_json::json!([
            "elasticfilesystem:ClientMount",
            "elasticfilesystem:ClientWrite"
        ])
    );
    assert!(
        mount["Condition"]["StringEquals"]["elasticfilesystem:AccessPointArn"]["Fn::ImportValue"]
            .is_string(),
        "{mount}"
    );
    let doc = &settings[0].1["Properties"]["PolicyDocument"]["Statement"];
    let decrypt = doc
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| s["Action"] == "kms:Decrypt" || s["Action"] == serde_json::json!(["kms:Decrypt"]))
        .expect("kms:Decrypt is granted");
    let keys = decrypt["Resource"].as_array().expect("key list");
    assert_eq!(
        keys.len(),
        2,
        "the database key and the settings key: {keys:?}"
    );
    let via = decrypt["Condition"]["StringEquals"]["kms:ViaService"].to_string();
    assert!(via.contains("secretsmanager."), "{via}");

    let images = m
        .of_type("AWS::IAM::Policy")
        .find(|(k, _)| k.0 == "refarch-dev-images")
        .map(|(_, p)| p["Properties"]["PolicyDocument"].to_string())
        .expect("archive grant");
    // Exactly the application asset's object: the key is the archive's content hash.
    let asset = &default_assembly().assets;
    assert_eq!(asset.len(), 1, "one archive for the image and the pipeline");
    assert!(
        images.contains(&format!(
            ":s3:::cfnrs-assets-${{AWS::AccountId}}-${{AWS::Region}}/assets/{}.zip\"",
            asset[0].hash
        )),
        "{images}"
    );
}

/// The application directory ships as one asset used by the images and delivery stacks: the
/// image's component downloads it through its `ArchiveUri` parameter and checks its hash, the
/// pipeline's source is the same object.
#[test]
fn the_application_ships_as_one_content_addressed_asset() {
    let assembly = default_assembly();
    let [asset] = assembly.assets.as_slice() else {
        panic!("one asset: {:?}", assembly.assets.len())
    };
    assert_eq!(asset.declared_by.len(), 2);
    let users: Vec<&str> = assembly
        .stacks
        .iter()
        .filter(|s| s.assets.contains(&asset.hash))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(users, ["refarch-dev-images", "refarch-dev-delivery"]);
    let images = assembly
        .stack("refarch-dev-images")
        .expect("images")
        .body
        .clone();
    // In the AWSTOE document the command is single-quoted, its own quotes doubled.
    assert!(images.contains(&format!(
        "echo ''{}  /var/tmp/app-source/app.zip'' | sha256sum --check",
        asset.hash
    )));
    assert!(images.contains("\"Name\": \"ArchiveUri\""));
    assert!(images.contains(&format!("/assets/{}.zip", asset.hash)));
    let delivery = assembly
        .stack("refarch-dev-delivery")
        .expect("delivery")
        .body
        .clone();
    assert!(delivery.contains(&format!("\"S3ObjectKey\": \"assets/{}.zip\"", asset.hash)));
}

#[test]
fn the_settings_follow_the_contract_kinds() {
    use constructs::data::SettingSource;
    let config = RefArchConfig::default();
    let mut app = constructs::App::new();
    let mut stack =
        constructs::Stack::new("Scratch", constructs::Environment::region("us-east-1", &[]))
            .expect("stack");
    let vpc = constructs::network::HaVpc::new(
        &mut stack.root(),
        "Vpc",
        &constructs::network::HaVpcProps::default(),
    )
    .expect("vpc");
    let db = constructs::data::AuroraServerless::new(
        &mut stack.root(),
        "Db",
        &constructs::data::AuroraServerlessProps::default(),
        vpc.vpc_id(),
        vpc.isolated_subnets(),
    )
    .expect("db");
    let props = arch::settings(&config, Some(&db), None);
    app.add_stack(stack).expect("stack");
    let c = contract::contract();
    assert_eq!(props.settings.len(), c.settings.len());
    for (s, cs) in props.settings.iter().zip(&c.settings) {
        assert_eq!(s.name, cs.name);
        let ok = match cs.kind {
            SettingKind::Parameter => matches!(
                s.source,
                SettingSource::Literal { .. } | SettingSource::Deployed { .. }
            ),
            SettingKind::Secret => matches!(s.source, SettingSource::Generated { .. }),
            SettingKind::Credential => matches!(s.source, SettingSource::Secret { .. }),
        };
        assert!(
            ok,
            "{}: {:?} does not match {:?}",
            s.name, s.source, cs.kind
        );
    }
}

/// With a Git source the application layer clones it, and the build gets no S3 grant.
#[test]
fn a_git_source_is_cloned_instead_of_the_archive() {
    let mut config = RefArchConfig::default();
    config.application.git_url = Some("https://example.com/team/shop.git".into());
    config.application.git_ref = "v2.1.0".into();
    config.validate().expect("valid");
    let assembly = synth::synth(&arch::build(&config).expect("builds")).expect("synth");
    let images = assembly
        .stacks
        .iter()
        .find(|s| s.name == "refarch-dev-images")
        .expect("images stack");
    assert!(
        images.body.contains(
            "git clone --quiet --depth 1 --branch ''v2.1.0'' ''https://example.com/team/shop.git''"
        ),
        "no clone of the configured repository"
    );
    assert!(!images.body.contains("aws s3 cp"));
    assert!(!images.body.contains("AmiReadsApplicationArchive"));
}
