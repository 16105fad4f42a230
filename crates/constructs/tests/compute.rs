//! Workload and AmiPipeline, checked on the rendered template.

mod support;

use constructs::compute::{
    AmiPipeline, AmiPipelineProps, AmiSource, Capacity, ComponentSpec, LayerSpec, RollingUpdate,
    UpdateWait, UserDataFile, Workload, WorkloadProps,
};
use constructs::data::SecretRef;
use constructs::edge::LogBucketProps;
use constructs::{ConstructError, Value, fns};
use serde_json::Value as Json;
use support::{resources_of, stack_with_vpc, synth_stack};

fn field_of(e: &ConstructError) -> &str {
    match e {
        ConstructError::InvalidConfig { field, .. } => field,
        other => panic!("expected InvalidConfig, got {other}"),
    }
}

fn one<'t>(t: &'t Json, type_name: &str) -> &'t Json {
    let found = resources_of(t, type_name);
    assert_eq!(found.len(), 1, "one {type_name}");
    found[0].1
}

fn env_file() -> UserDataFile {
    UserDataFile::new(
        "/usr/local/src/app/.env-cloud",
        fns::concat([
            "APP_SETTINGS_PROFILE=cloud\nAPP_SETTINGS_PREFIX=/dashboard/dev\nAWS_DEFAULT_REGION="
                .into(),
            fns::region(),
            "\n".into(),
        ]),
    )
}

/// Pipeline options with an application layer (there is no default application).
fn pipeline_props() -> AmiPipelineProps {
    AmiPipelineProps {
        application: LayerSpec {
            components: vec![ComponentSpec::commands(
                "web",
                "The web server",
                ["dnf install -y nginx", "systemctl enable nginx"],
            )],
            version: "1.0.0".into(),
        },
        ..AmiPipelineProps::default()
    }
}

#[test]
fn default_workload_is_private_imdsv2_encrypted_rolling_and_cpu_scaled() {
    let (mut s, vpc) = stack_with_vpc("ComputeWorkload");
    let web = Workload::new(
        &mut s.root(),
        "Web",
        &WorkloadProps {
            ami: AmiSource::SsmParameter("/dashboard/ami/application".into()),
            files: vec![env_file()],
            commands: vec![
                "cd /usr/local/src/app && docker compose -f docker-compose-cloud.yml up --detach"
                    .into(),
            ],
            ..WorkloadProps::default()
        },
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("workload");
    web.grant_read_parameters(&mut s.root(), "WebReadsParameters", "/dashboard/dev")
        .expect("parameters");
    web.grant_read_secrets(
        &mut s.root(),
        "WebReadsSecrets",
        &[SecretRef {
            arn: Value::from(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:/dashboard/dev/db-AbCdEf",
            ),
            key_arn: Value::from(
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ),
        }],
    )
    .expect("secrets");
    let t = synth_stack("compute-workload", s);

    // AMI from SSM through a typed template parameter.
    let params = t["Parameters"].as_object().expect("parameters");
    let ami = params
        .values()
        .find(|p| p["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>");
    assert_eq!(
        ami.expect("ami parameter")["Default"],
        "/dashboard/ami/application"
    );

    // Launch template: IMDSv2, hop limit 2, encrypted gp3, no key pair, base64 user data.
    let data = &one(&t, "AWS::EC2::LaunchTemplate")["Properties"]["LaunchTemplateData"];
    assert_eq!(data["MetadataOptions"]["HttpTokens"], "required");
    assert_eq!(data["MetadataOptions"]["HttpPutResponseHopLimit"], 2);
    let ebs = &data["BlockDeviceMappings"][0]["Ebs"];
    assert_eq!(
        (ebs["VolumeType"].as_str(), ebs["Encrypted"].as_bool()),
        (Some("gp3"), Some(true))
    );
    assert!(data.get("KeyName").is_none());
    assert!(data["UserData"]["Fn::Base64"].is_object());
    let user_data = data["UserData"].to_string();
    assert!(user_data.contains("APP_SETTINGS_PREFIX=/dashboard/dev"));
    assert!(!user_data.contains("set -x"));

    // Role: Session Manager, no SSH anywhere.
    let role = resources_of(&t, "AWS::IAM::Role")
        .into_iter()
        .find(|(id, _)| id.starts_with("Web"))
        .map(|(_, r)| r.to_string())
        .expect("workload role");
    assert!(role.contains("AmazonSSMManagedInstanceCore"));
    for (id, rule) in resources_of(&t, "AWS::EC2::SecurityGroupIngress") {
        assert_ne!(rule["Properties"]["FromPort"], 22, "{id}");
    }

    // Group: private subnets only, ELB health, latest LT version, rolling update.
    let group = one(&t, "AWS::AutoScaling::AutoScalingGroup");
    let zones = group["Properties"]["VPCZoneIdentifier"].to_string();
    assert!(
        zones.contains("privateSubnet1") && zones.contains("privateSubnet2"),
        "{zones}"
    );
    assert!(!zones.contains("public") && !zones.contains("isolated"));
    assert_eq!(group["Properties"]["HealthCheckType"], "ELB");
    assert_eq!(group["Properties"]["MinSize"], "2");
    assert_eq!(group["Properties"]["MaxSize"], "4");
    assert!(group["Properties"].get("DesiredCapacity").is_none());
    assert_eq!(
        group["Properties"]["LaunchTemplate"]["Version"]["Fn::GetAtt"][1],
        "LatestVersionNumber"
    );
    let rolling = &group["UpdatePolicy"]["AutoScalingRollingUpdate"];
    assert_eq!(rolling["MinInstancesInService"], 2);
    assert_eq!(rolling["MaxBatchSize"], 1);
    assert_eq!(rolling["PauseTime"], "PT5M");

    // CPU target tracking.
    let policy = &one(&t, "AWS::AutoScaling::ScalingPolicy")["Properties"];
    assert_eq!(policy["PolicyType"], "TargetTrackingScaling");
    assert_eq!(
        policy["TargetTrackingConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"],
        "ASGAverageCPUUtilization"
    );
    assert_eq!(policy["TargetTrackingConfiguration"]["TargetValue"], 50.0);

    // Target group: the seed's health check.
    let tg = &one(&t, "AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"];
    assert_eq!(tg["Port"], 8080);
    assert_eq!(tg["HealthCheckPath"], "/");
    assert_eq!(
        (
            tg["HealthCheckIntervalSeconds"].as_i64(),
            tg["HealthCheckTimeoutSeconds"].as_i64()
        ),
        (Some(30), Some(5))
    );
    assert_eq!(
        (
            tg["HealthyThresholdCount"].as_i64(),
            tg["UnhealthyThresholdCount"].as_i64()
        ),
        (Some(3), Some(3))
    );
    assert_eq!(tg["Matcher"]["HttpCode"], "200");
    assert!(
        tg["TargetGroupAttributes"]
            .to_string()
            .contains("stickiness.enabled")
    );

    // Least-privilege grants.
    let policies = resources_of(&t, "AWS::IAM::Policy");
    let text = serde_json::to_string(&policies).expect("json");
    assert!(text.contains(":parameter/dashboard/dev/*"));
    assert!(text.contains("ssm:GetParametersByPath"));
    assert!(!text.contains("ssm:*") && !text.contains("\"Resource\":\"*\""));
    assert!(text.contains("secretsmanager:GetSecretValue"));

    // Egress: HTTPS to the internet only.
    let egress = resources_of(&t, "AWS::EC2::SecurityGroupEgress");
    assert_eq!(egress.len(), 1);
    assert_eq!(egress[0].1["Properties"]["FromPort"], 443);

    insta::assert_json_snapshot!("compute_workload", t);
}

#[test]
fn signal_waits_make_instances_report_their_health_to_cloudformation() {
    let (mut s, vpc) = stack_with_vpc("ComputeSignals");
    Workload::new(
        &mut s.root(),
        "Web",
        &WorkloadProps {
            capacity: Capacity {
                min: 1,
                desired: Some(2),
                max: 3,
            },
            rolling_update: RollingUpdate {
                wait: UpdateWait::Signals {
                    timeout: "PT15M".into(),
                },
                ..RollingUpdate::default()
            },
            cpu_target_percent: None,
            ..WorkloadProps::default()
        },
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("workload");
    let t = synth_stack("compute-signals", s);
    let groups = resources_of(&t, "AWS::AutoScaling::AutoScalingGroup");
    let (group_id, group) = groups[0];
    assert_eq!(group_id, "WebGroup");
    assert_eq!(group["CreationPolicy"]["ResourceSignal"]["Count"], 2);
    assert_eq!(
        group["UpdatePolicy"]["AutoScalingRollingUpdate"]["WaitOnResourceSignals"],
        true
    );
    assert_eq!(group["Properties"]["DesiredCapacity"], "2");
    let user_data = one(&t, "AWS::EC2::LaunchTemplate").to_string();
    assert!(user_data.contains("cfn-signal") && user_data.contains("--resource 'WebGroup'"));
    assert!(resources_of(&t, "AWS::AutoScaling::ScalingPolicy").is_empty());
}

#[test]
fn invalid_workload_configuration_names_the_field() {
    let (mut s, vpc) = stack_with_vpc("ComputeInvalid");
    let cases: Vec<(&str, WorkloadProps, &str)> = vec![
        (
            "MinOverMax",
            WorkloadProps {
                capacity: Capacity {
                    min: 5,
                    desired: None,
                    max: 4,
                },
                ..WorkloadProps::default()
            },
            "capacity",
        ),
        (
            "DesiredOutside",
            WorkloadProps {
                capacity: Capacity {
                    min: 1,
                    desired: Some(9),
                    max: 4,
                },
                ..WorkloadProps::default()
            },
            "capacity.desired",
        ),
        (
            "MaxZero",
            WorkloadProps {
                capacity: Capacity {
                    min: 0,
                    desired: None,
                    max: 0,
                },
                ..WorkloadProps::default()
            },
            "capacity.max",
        ),
        (
            "Type",
            WorkloadProps {
                instance_type: "small".into(),
                ..WorkloadProps::default()
            },
            "instance_type",
        ),
        (
            "Ami",
            WorkloadProps {
                ami: AmiSource::ImageId("ami-xyz".into()),
                ..WorkloadProps::default()
            },
            "ami",
        ),
        (
            "Ssh",
            WorkloadProps {
                app_port: 22,
                ..WorkloadProps::default()
            },
            "app_port",
        ),
        (
            "File",
            WorkloadProps {
                files: vec![UserDataFile::new("relative.env", "x")],
                ..WorkloadProps::default()
            },
            "files",
        ),
        (
            "InService",
            WorkloadProps {
                rolling_update: RollingUpdate {
                    min_instances_in_service: Some(4),
                    ..RollingUpdate::default()
                },
                ..WorkloadProps::default()
            },
            "rolling_update.min_instances_in_service",
        ),
        (
            "Pause",
            WorkloadProps {
                rolling_update: RollingUpdate {
                    wait: UpdateWait::PauseTime("5 minutes".into()),
                    ..RollingUpdate::default()
                },
                ..WorkloadProps::default()
            },
            "rolling_update.wait",
        ),
        (
            "Cpu",
            WorkloadProps {
                cpu_target_percent: Some(150.0),
                ..WorkloadProps::default()
            },
            "cpu_target_percent",
        ),
    ];
    for (id, props, field) in cases {
        let e = Workload::new(
            &mut s.root(),
            id,
            &props,
            vpc.vpc_id(),
            vpc.private_subnets(),
        )
        .expect_err(id);
        assert_eq!(field_of(&e), field, "{id}: {e}");
    }
    let web = Workload::new(
        &mut s.root(),
        "Web",
        &WorkloadProps::default(),
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("valid");
    let e = web
        .grant_read_parameters(&mut s.root(), "Bad", "dashboard")
        .expect_err("relative path");
    assert_eq!(field_of(&e), "path");
    let e = web
        .grant_read_secrets(&mut s.root(), "None", &[])
        .expect_err("no secrets");
    assert_eq!(field_of(&e), "secrets");
}

#[test]
fn ami_layers_chain_parents_and_publish_the_application_ami_to_ssm() {
    let (mut s, vpc) = stack_with_vpc("ComputeAmiPipeline");
    let images = AmiPipeline::new(
        &mut s.root(),
        "Images",
        &AmiPipelineProps {
            name: "dashboard".into(),
            schedule: Some("cron(0 3 ? * sun *)".into()),
            logs: Some(LogBucketProps {
                expiration_days: 90,
            }),
            ..pipeline_props()
        },
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("pipeline");
    assert_eq!(images.ami_parameter_name(), "/dashboard/ami/application");
    Workload::new(
        &mut s.root(),
        "Web",
        &WorkloadProps {
            ami: images.ami_source(),
            ..WorkloadProps::default()
        },
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("workload reads the pipeline's AMI");
    let t = synth_stack("compute-ami-pipeline", s);

    let recipes = resources_of(&t, "AWS::ImageBuilder::ImageRecipe");
    assert_eq!(recipes.len(), 3);
    let recipe = |layer: &str| {
        recipes
            .iter()
            .find(|(_, r)| r["Properties"]["Name"] == format!("dashboard-{layer}"))
            .map(|(_, r)| &r["Properties"])
            .expect("recipe")
    };
    assert_eq!(
        recipe("system")["ParentImage"],
        "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    );
    assert!(
        recipe("middleware")["ParentImage"]
            .to_string()
            .contains(":image/dashboard-system/x.x.x")
    );
    assert!(
        recipe("application")["ParentImage"]
            .to_string()
            .contains(":image/dashboard-middleware/x.x.x")
    );
    for (_, r) in &recipes {
        let ebs = &r["Properties"]["BlockDeviceMappings"][0]["Ebs"];
        assert_eq!(ebs["Encrypted"], true);
    }

    let distribution = one(&t, "AWS::ImageBuilder::DistributionConfiguration");
    let ssm = &distribution["Properties"]["Distributions"][0]["SsmParameterConfigurations"][0];
    assert_eq!(ssm["ParameterName"], "/dashboard/ami/application");
    assert_eq!(ssm["DataType"], "aws:ec2:image");

    let pipelines = resources_of(&t, "AWS::ImageBuilder::ImagePipeline");
    assert_eq!(pipelines.len(), 3);
    let with_distribution = pipelines
        .iter()
        .filter(|(_, p)| {
            p["Properties"]
                .get("DistributionConfigurationArn")
                .is_some()
        })
        .count();
    assert_eq!(with_distribution, 1);

    let infra = &one(&t, "AWS::ImageBuilder::InfrastructureConfiguration")["Properties"];
    assert!(infra["SubnetId"].to_string().contains("privateSubnet1"));
    assert_eq!(infra["InstanceMetadataOptions"]["HttpTokens"], "required");

    let params = t["Parameters"].as_object().expect("parameters");
    assert!(
        params
            .values()
            .any(|p| p["Default"] == "/dashboard/ami/application")
    );
    // No AMI id is written anywhere in the template.
    assert!(!t.to_string().contains("\"ami-"));

    insta::assert_json_snapshot!("compute_ami_pipeline", t);
}

#[test]
fn invalid_pipeline_configuration_names_the_field() {
    let (mut s, vpc) = stack_with_vpc("ComputePipelineInvalid");
    let cases: Vec<(&str, AmiPipelineProps, &str)> = vec![
        (
            "NoApplication",
            AmiPipelineProps::default(),
            "application.components",
        ),
        (
            "Name",
            AmiPipelineProps {
                name: "Bad Name".into(),
                ..pipeline_props()
            },
            "name",
        ),
        (
            "Version",
            AmiPipelineProps {
                middleware: LayerSpec {
                    version: "1.0".into(),
                    ..LayerSpec::docker_middleware()
                },
                ..pipeline_props()
            },
            "middleware.version",
        ),
        (
            "Empty",
            AmiPipelineProps {
                application: LayerSpec {
                    components: vec![],
                    version: "1.0.0".into(),
                },
                ..pipeline_props()
            },
            "application.components",
        ),
        (
            "Component",
            AmiPipelineProps {
                system: LayerSpec {
                    components: vec![ComponentSpec::commands("bad name!", "x", ["true"])],
                    version: "1.0.0".into(),
                },
                ..pipeline_props()
            },
            "system.components",
        ),
        (
            "Schedule",
            AmiPipelineProps {
                schedule: Some("weekly".into()),
                ..pipeline_props()
            },
            "schedule",
        ),
        (
            "Parameter",
            AmiPipelineProps {
                ami_parameter_name: Some("/aws/mine".into()),
                ..pipeline_props()
            },
            "ami_parameter_name",
        ),
    ];
    for (id, props, field) in cases {
        let e = AmiPipeline::new(
            &mut s.root(),
            id,
            &props,
            vpc.vpc_id(),
            vpc.private_subnets(),
        )
        .expect_err(id);
        assert_eq!(field_of(&e), field, "{id}: {e}");
    }
}
