//! Workload and AmiPipeline, checked on the rendered template.

use crate::support;

use constructs::compute::{
    AmiPipeline, AmiPipelineProps, AmiSource, Capacity, ComponentBody, ComponentSpec, LayerSpec,
    RollingUpdate, UpdateWait, UserDataFile, Workload, WorkloadProps,
};
use constructs::data::SecretRef;
use constructs::edge::LogBucketProps;
use constructs::{App, ConstructError, ExternalInput, Value, fns};
use serde_json::Value as Json;
use support::{resources_of, stack, stack_with_vpc, synth_and_write, synth_stack};

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
            version: "1.0".into(),
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
    s.external_inputs.push(ExternalInput::ssm_parameter(
        "/dashboard/ami/application",
        "written by the image pipeline of another app in this test",
    ));
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

/// The default layers at `Images` in a stack of their own, and a workload reading the AMI in a
/// second stack; returns the assembly (images stack first).
fn images_and_workload(case: &str, props: &AmiPipelineProps) -> synth::Assembly {
    let (mut s, vpc) = stack_with_vpc("ComputeAmiPipeline");
    let images = AmiPipeline::new(
        &mut s.root(),
        "Images",
        props,
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("pipeline");
    let mut web = stack("ComputeAmiWorkload");
    Workload::new(
        &mut web.root(),
        "Web",
        &WorkloadProps {
            ami: images.ami_source(),
            ..WorkloadProps::default()
        },
        vpc.vpc_id(),
        vpc.private_subnets(),
    )
    .expect("workload reads the pipeline's AMI");
    let mut app = App::new();
    // The workload's stack first: synth orders it after the stack creating its AMI parameter.
    app.add_stack(web).expect("workload stack");
    app.add_stack(s).expect("images stack");
    synth_and_write(case, &app)
}

fn dashboard_props() -> AmiPipelineProps {
    AmiPipelineProps {
        name: "dashboard".into(),
        schedule: Some("cron(0 3 ? * sun *)".into()),
        logs: Some(LogBucketProps {
            expiration_days: 90,
            ..LogBucketProps::default()
        }),
        ..pipeline_props()
    }
}

/// (logical id, properties) of the resource of `type_name` whose `key` property is `value`.
fn by_prop<'t>(t: &'t Json, type_name: &str, key: &str, value: &str) -> (&'t String, &'t Json) {
    resources_of(t, type_name)
        .into_iter()
        .find(|(_, r)| r["Properties"][key] == value)
        .map(|(id, r)| (id, &r["Properties"]))
        .unwrap_or_else(|| panic!("{type_name} with {key} = {value}"))
}

#[test]
fn ami_layers_build_at_deploy_time_chain_parents_and_write_the_ami_parameter() {
    let assembly = images_and_workload("compute-ami-pipeline", &dashboard_props());
    let names: Vec<&str> = assembly.stacks.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ComputeAmiPipeline", "ComputeAmiWorkload"]);
    assert_eq!(assembly.stacks[1].dependencies, ["ComputeAmiPipeline"]);
    let t = &assembly.stacks[0].template;

    let recipe = |layer: &str| {
        by_prop(
            t,
            "AWS::ImageBuilder::ImageRecipe",
            "Name",
            &format!("dashboard-{layer}"),
        )
    };
    assert_eq!(
        recipe("system").1["ParentImage"],
        "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    );
    // Each deploy-time image builds its layer's recipe; the next recipe's parent is that image.
    let images = resources_of(t, "AWS::ImageBuilder::Image");
    assert_eq!(images.len(), 3);
    let image_of = |layer: &str| {
        let (recipe_id, _) = recipe(layer);
        images
            .iter()
            .find(|(_, i)| i["Properties"]["ImageRecipeArn"]["Fn::GetAtt"][0] == recipe_id.as_str())
            .map(|(id, i)| (id.as_str(), &i["Properties"]))
            .unwrap_or_else(|| panic!("image of {layer}"))
    };
    for (layer, below) in [("middleware", "system"), ("application", "middleware")] {
        assert_eq!(
            recipe(layer).1["ParentImage"],
            serde_json::json!({"Fn::GetAtt": [image_of(below).0, "LatestVersion.Patch"]}),
            "{layer}"
        );
    }
    for layer in ["system", "middleware", "application"] {
        let (_, image) = image_of(layer);
        assert_eq!(image["EnhancedImageMetadataEnabled"], true);
        assert_eq!(image["ImageTestsConfiguration"]["ImageTestsEnabled"], true);
        assert!(image["InfrastructureConfigurationArn"]["Fn::GetAtt"].is_array());
        assert!(
            image.get("DistributionConfigurationArn").is_none(),
            "a deploy-time image must not write the parameter CloudFormation creates"
        );
    }
    for (_, r) in resources_of(t, "AWS::ImageBuilder::ImageRecipe") {
        let ebs = &r["Properties"]["BlockDeviceMappings"][0]["Ebs"];
        assert_eq!(ebs["Encrypted"], true);
    }

    // The stack writes the application image's AMI id to the parameter the workload reads.
    let (_, parameter) = by_prop(
        t,
        "AWS::SSM::Parameter",
        "Name",
        "/dashboard/ami/application",
    );
    assert_eq!(parameter["DataType"], "aws:ec2:image");
    assert_eq!(
        parameter["Value"],
        serde_json::json!({"Fn::GetAtt": [image_of("application").0, "ImageId"]})
    );
    let workload = &assembly.stacks[1].template;
    assert!(
        workload["Parameters"]
            .as_object()
            .expect("parameters")
            .values()
            .any(|p| p["Default"] == "/dashboard/ami/application")
    );

    // Pipelines rebuild on the same recipes; only the application's distributes, to the same
    // parameter.
    let distribution = one(t, "AWS::ImageBuilder::DistributionConfiguration");
    let ssm = &distribution["Properties"]["Distributions"][0]["SsmParameterConfigurations"][0];
    assert_eq!(ssm["ParameterName"], "/dashboard/ami/application");
    assert_eq!(ssm["DataType"], "aws:ec2:image");
    let pipelines = resources_of(t, "AWS::ImageBuilder::ImagePipeline");
    assert_eq!(pipelines.len(), 3);
    let with_distribution: Vec<_> = pipelines
        .iter()
        .filter(|(_, p)| {
            p["Properties"]
                .get("DistributionConfigurationArn")
                .is_some()
        })
        .collect();
    assert_eq!(with_distribution.len(), 1);
    assert_eq!(
        with_distribution[0].1["Properties"]["ImageRecipeArn"]["Fn::GetAtt"][0],
        recipe("application").0.as_str()
    );
    let (_, system_pipeline) = by_prop(
        t,
        "AWS::ImageBuilder::ImagePipeline",
        "Name",
        "dashboard-system",
    );
    assert_eq!(
        system_pipeline["Schedule"]["PipelineExecutionStartCondition"],
        "EXPRESSION_MATCH_ONLY"
    );
    let (_, app_pipeline) = by_prop(
        t,
        "AWS::ImageBuilder::ImagePipeline",
        "Name",
        "dashboard-application",
    );
    assert_eq!(
        app_pipeline["Schedule"]["PipelineExecutionStartCondition"],
        "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
    );

    // Builds wait for the build tier's egress rule.
    let (egress_id, _) = resources_of(t, "AWS::EC2::SecurityGroupEgress")
        .into_iter()
        .find(|(_, r)| r["Properties"]["CidrIp"] == "0.0.0.0/0")
        .expect("https egress");
    for (_, image) in &images {
        assert!(
            image["DependsOn"]
                .as_array()
                .is_some_and(|d| d.contains(&Json::from(egress_id.as_str()))),
            "{image}"
        );
    }

    let infra = &one(t, "AWS::ImageBuilder::InfrastructureConfiguration")["Properties"];
    assert!(infra["SubnetId"].to_string().contains("privateSubnet1"));
    assert_eq!(infra["InstanceMetadataOptions"]["HttpTokens"], "required");

    // No AMI id is written anywhere in the templates.
    for s in &assembly.stacks {
        assert!(!s.body.contains("\"ami-"), "{}", s.name);
    }
    insta::assert_json_snapshot!("compute_ami_pipeline", t);
}

/// Version of the component (or recipe) named `name`.
fn version_of<'t>(t: &'t Json, type_name: &str, name: &str) -> &'t str {
    by_prop(t, type_name, "Name", name).1["Version"]
        .as_str()
        .expect("version")
}

#[test]
fn versions_follow_content_and_an_edit_replaces_the_images_above_it() {
    let before = images_and_workload("compute-ami-versions-before", &dashboard_props());
    let again = images_and_workload("compute-ami-versions-before", &dashboard_props());
    for (a, b) in before.stacks.iter().zip(&again.stacks) {
        assert!(a.body == b.body, "{} differs between runs", a.name);
    }
    let t0 = &before.stacks[0].template;
    for v in [
        "dashboard-system",
        "dashboard-middleware",
        "dashboard-application",
    ]
    .map(|n| version_of(t0, "AWS::ImageBuilder::ImageRecipe", n))
    {
        let (line, patch) = v.rsplit_once('.').expect("major.minor.patch");
        assert_eq!(line, "1.0");
        assert!(
            patch.parse::<u32>().is_ok_and(|p| p <= 1_073_741_823),
            "{v}"
        );
    }

    // Edit the middleware's commands.
    let mut edited = dashboard_props();
    let ComponentBody::Commands(commands) = &mut edited.middleware.components[0].body else {
        panic!("the docker component runs commands");
    };
    commands.push("docker info".into());
    let after = images_and_workload("compute-ami-versions-after", &edited);
    let t1 = &after.stacks[0].template;

    let component = "dashboard-middleware-docker";
    assert_ne!(
        version_of(t0, "AWS::ImageBuilder::Component", component),
        version_of(t1, "AWS::ImageBuilder::Component", component)
    );
    // The layer below is untouched; the edited layer and every layer above get new versions.
    let recipe = "AWS::ImageBuilder::ImageRecipe";
    assert_eq!(
        version_of(t0, recipe, "dashboard-system"),
        version_of(t1, recipe, "dashboard-system")
    );
    for layer in ["dashboard-middleware", "dashboard-application"] {
        assert_ne!(
            version_of(t0, recipe, layer),
            version_of(t1, recipe, layer),
            "{layer}"
        );
    }
    // Recipe versions are create-only: a new version replaces the recipe, and the image's
    // ImageRecipeArn (create-only too) follows it, so the images are rebuilt. Logical ids stay,
    // so CloudFormation replaces rather than adds.
    let ids = |t: &Json| {
        let mut ids: Vec<String> = resources_of(t, "AWS::ImageBuilder::Image")
            .into_iter()
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(t0), ids(t1));
    let schema = constructs::resources::schema_for("AWS::ImageBuilder::Image").expect("schema");
    assert!(schema.create_only.contains(&"ImageRecipeArn"));
    let schema = constructs::resources::schema_for(recipe).expect("schema");
    assert!(schema.create_only.contains(&"Version"));
    // The parameter's value is the (new) application image's id; the workload's template is
    // unchanged and picks the new id up when it is next deployed.
    assert_eq!(after.stacks[1].body, before.stacks[1].body);
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
                    version: "1.0.0".into(),
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
                    version: "1.0".into(),
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
                    version: "1.0".into(),
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
