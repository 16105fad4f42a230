//! The whole default reference architecture: snapshots, determinism, and every seed feature.

mod support;

use refarch_app::arch;
use refarch_app::config::RefArchConfig;
use support::Model;

fn default_assembly() -> synth::Assembly {
    let app = arch::build(&RefArchConfig::default()).expect("default config builds");
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
    let local = arch::local_env(&config);
    assert!(local.contains("DJANGO_SETTINGS_PROFILE=local"), "{local}");
    assert!(local.contains("DATABASE_HOST="), "{local}");
    let cloud = arch::cloud_env(&config);
    assert!(cloud.contains("DJANGO_SETTINGS_PROFILE=cloud"), "{cloud}");
    assert!(
        cloud.contains("DJANGO_SETTINGS_PREFIX=/refarch/dev"),
        "{cloud}"
    );
}
