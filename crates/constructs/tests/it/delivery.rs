//! MigrationPipeline and WorkloadDeployment, checked on the rendered template.

use crate::support;

use constructs::ConstructError;
use constructs::Stack;
use constructs::data::{
    AppSettings, AppSettingsProps, AuroraServerless, AuroraServerlessProps, LocalDatabase,
    ParameterPath, Setting, database_settings,
};
use constructs::delivery::{
    MigrationPipeline, MigrationPipelineProps, PipelineSource, RollingConfig, Rollout,
    WorkloadDeployment, WorkloadDeploymentProps,
};
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use support::{resources_of, stack_with_vpc, synth_stack};

/// The migration command of the tests' application.
const MIGRATE: &str = "python manage.py migrate --noinput";

fn s3_source() -> PipelineSource {
    PipelineSource::S3Object {
        bucket: "release-bucket".into(),
        key: "dashboard/source.zip".into(),
    }
}

/// A stack with a VPC, database, settings and the pipeline built from `props` (the rollout
/// is replaced by a CodeDeploy group when `codedeploy` is set).
fn pipeline_stack(
    name: &str,
    codedeploy: bool,
    make: impl FnOnce(Rollout) -> MigrationPipelineProps,
) -> Result<Stack, ConstructError> {
    let (mut s, vpc) = stack_with_vpc(name);
    let db = AuroraServerless::new(
        &mut s.root(),
        "Database",
        &AuroraServerlessProps::default(),
        vpc.vpc_id(),
        vpc.isolated_subnets(),
    )?;
    let mut settings = database_settings(&db, &LocalDatabase::for_engine(db.engine(), "workload"));
    settings.push(Setting::generated("DJANGO_SECRET", "Django SECRET_KEY"));
    let settings = AppSettings::new(
        &mut s.root(),
        "Settings",
        &AppSettingsProps {
            path: ParameterPath::new("dashboard", "dev"),
            settings,
            ..AppSettingsProps::default()
        },
    )?;
    let rollout = if codedeploy {
        Rollout::CodeDeploy(WorkloadDeployment::new(
            &mut s.root(),
            "Deploy",
            &WorkloadDeploymentProps::default(),
            "workload-asg".into(),
        )?)
    } else {
        Rollout::InstanceRefresh {
            asg_name: "workload-asg".into(),
        }
    };
    MigrationPipeline::new(
        &mut s.root(),
        "Migrations",
        &make(rollout),
        vpc.vpc_id(),
        vpc.private_subnets(),
        &db,
        &settings,
    )?;
    Ok(s)
}

fn project<'t>(t: &'t Json, prefix: &str) -> &'t Json {
    resources_of(t, "AWS::CodeBuild::Project")
        .into_iter()
        .find(|(id, _)| id.starts_with(prefix))
        .unwrap_or_else(|| panic!("no project {prefix}"))
        .1
}

fn role<'t>(t: &'t Json, prefix: &str) -> &'t Json {
    resources_of(t, "AWS::IAM::Role")
        .into_iter()
        .find(|(id, _)| id.starts_with(prefix))
        .unwrap_or_else(|| panic!("no role {prefix}"))
        .1
}

fn statements(role: &Json) -> &Vec<Json> {
    role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
}

#[test]
fn pipeline_runs_source_migrate_approve_rollout_with_instance_refresh() {
    let s = pipeline_stack("DeliveryRefresh", false, |r| {
        MigrationPipelineProps::new(s3_source(), r, MIGRATE)
    })
    .expect("stack");
    let t = synth_stack("delivery-refresh", s);
    let pipeline = &resources_of(&t, "AWS::CodePipeline::Pipeline")[0].1["Properties"];
    let stages: Vec<&str> = pipeline["Stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["Name"].as_str().expect("name"))
        .collect();
    assert_eq!(stages, ["Source", "Migrate", "Approve", "Rollout"]);
    assert_eq!(
        pipeline["Stages"][2]["Actions"][0]["ActionTypeId"]["Provider"],
        "Manual"
    );
    assert_eq!(pipeline["ArtifactStore"]["EncryptionKey"]["Type"], "KMS");
    let rollout = project(&t, "MigrationsRollout");
    let spec = rollout["Properties"]["Source"]["BuildSpec"]
        .as_str()
        .expect("spec");
    assert!(spec.contains("start-instance-refresh"), "{spec}");
    insta::assert_json_snapshot!("delivery_refresh", t);
}

#[test]
fn migration_build_runs_in_private_subnets_with_secrets_from_secrets_manager() {
    let s = pipeline_stack("DeliveryBuild", false, |r| {
        MigrationPipelineProps::new(s3_source(), r, MIGRATE)
    })
    .expect("stack");
    let t = synth_stack("delivery-build", s);
    let p = &project(&t, "MigrationsMigrate")["Properties"];
    for subnet in p["VpcConfig"]["Subnets"].as_array().expect("subnets") {
        let id = subnet["Ref"].as_str().expect("ref");
        assert!(id.starts_with("Vpcprivate"), "{id} is not private");
    }
    assert_eq!(
        p["Environment"]["Image"],
        "aws/codebuild/amazonlinux-x86_64-standard:5.0"
    );
    assert_eq!(p["Environment"]["PrivilegedMode"], false);
    let vars = p["Environment"]["EnvironmentVariables"]
        .as_array()
        .expect("vars");
    let var = |name: &str| {
        vars.iter()
            .find(|v| v["Name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(var("DATABASE_PASSWORD")["Type"], "SECRETS_MANAGER");
    assert_eq!(var("DATABASE_USER")["Type"], "SECRETS_MANAGER");
    assert_eq!(var("DJANGO_SECRET")["Type"], "SECRETS_MANAGER");
    assert_eq!(var("DATABASE_HOST")["Type"], "PARAMETER_STORE");
    assert_eq!(
        var("DATABASE_HOST")["Value"],
        "/dashboard/dev/DATABASE_HOST"
    );
    assert_eq!(var("APP_PROFILE")["Value"], "cloud");
    for v in vars {
        if v["Type"] == "PLAINTEXT" {
            let name = v["Name"].as_str().expect("name");
            assert!(
                !name.contains("PASSWORD") && !name.contains("SECRET"),
                "{name} in plain text"
            );
        }
    }
    let spec = p["Source"]["BuildSpec"].as_str().expect("spec");
    assert!(
        spec.contains("\"python manage.py migrate --noinput\""),
        "{spec}"
    );
    // The database tier admits the build tier on 5432; the build may leave on 443.
    let build_sg = p["VpcConfig"]["SecurityGroupIds"][0]["Fn::GetAtt"][0]
        .as_str()
        .expect("sg");
    let ingress = resources_of(&t, "AWS::EC2::SecurityGroupIngress");
    assert!(ingress.iter().any(
        |(_, r)| r["Properties"]["SourceSecurityGroupId"]["Fn::GetAtt"][0] == build_sg
            && r["Properties"]["FromPort"] == 5432
    ));
    let egress: Vec<_> = resources_of(&t, "AWS::EC2::SecurityGroupEgress")
        .into_iter()
        .filter(|(_, r)| r["Properties"]["GroupId"]["Fn::GetAtt"][0] == build_sg)
        .map(|(_, r)| r["Properties"]["FromPort"].clone())
        .collect();
    assert_eq!(egress.len(), 2);
    assert!(egress.contains(&json!(5432)) && egress.contains(&json!(443)));
}

#[test]
fn network_interface_permission_names_each_subnet_arn() {
    let s = pipeline_stack("DeliveryEni", false, |r| {
        MigrationPipelineProps::new(s3_source(), r, MIGRATE)
    })
    .expect("stack");
    let t = synth_stack("delivery-eni", s);
    let build = role(&t, "MigrationsBuildRole");
    let eni = statements(build)
        .iter()
        .find(|st| st["Action"] == "ec2:CreateNetworkInterfacePermission")
        .expect("eni statement");
    assert_eq!(
        eni["Condition"]["StringEquals"]["ec2:AuthorizedService"],
        "codebuild.amazonaws.com"
    );
    let subnets = eni["Condition"]["ArnEquals"]["ec2:Subnet"]
        .as_array()
        .expect("list");
    assert_eq!(subnets.len(), 2);
    for (i, arn) in subnets.iter().enumerate() {
        let subnet_id = resources_of(&t, "AWS::EC2::Subnet")
            .into_iter()
            .map(|(id, _)| id.as_str())
            .find(|id| id.starts_with(&format!("VpcprivateSubnet{}", i + 1)))
            .expect("private subnet");
        assert_eq!(
            arn,
            &json!({"Fn::Sub": format!(
                "arn:${{AWS::Partition}}:ec2:${{AWS::Region}}:${{AWS::AccountId}}:subnet/${{{subnet_id}}}"
            )})
        );
    }
    // The interface may only be created in those subnets, with the build's security group.
    let create = statements(build)
        .iter()
        .find(|st| st["Action"] == "ec2:CreateNetworkInterface")
        .expect("create statement");
    assert_eq!(create["Resource"].as_array().expect("resources").len(), 4);
    assert!(
        !serde_json::to_string(&create["Resource"])
            .expect("json")
            .contains("\"*\"")
    );
}

#[test]
fn artifact_bucket_is_encrypted_versioned_private_tls_only_and_retained() {
    let s = pipeline_stack("DeliveryBucket", false, |r| {
        MigrationPipelineProps::new(s3_source(), r, MIGRATE)
    })
    .expect("stack");
    let t = synth_stack("delivery-bucket", s);
    let (_, bucket) = resources_of(&t, "AWS::S3::Bucket")[0];
    let p = &bucket["Properties"];
    assert_eq!(bucket["DeletionPolicy"], "Retain");
    assert_eq!(p["VersioningConfiguration"]["Status"], "Enabled");
    assert_eq!(
        p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
            ["SSEAlgorithm"],
        "aws:kms"
    );
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(p["PublicAccessBlockConfiguration"][flag], true, "{flag}");
    }
    let (_, policy) = resources_of(&t, "AWS::S3::BucketPolicy")[0];
    let st = &policy["Properties"]["PolicyDocument"]["Statement"][0];
    assert_eq!(st["Effect"], "Deny");
    assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], "false");
    let (_, logs) = resources_of(&t, "AWS::Logs::LogGroup")
        .into_iter()
        .find(|(id, _)| id.starts_with("Migrations"))
        .expect("log group");
    assert_eq!(logs["Properties"]["RetentionInDays"], 365);
    assert!(logs["Properties"]["KmsKeyId"].is_object());
}

#[test]
fn codedeploy_rollout_uses_a_rolling_group_with_rollback_and_a_connection_source() {
    let s = pipeline_stack("DeliveryCodeDeploy", true, |r| {
        MigrationPipelineProps::new(
            PipelineSource::Connection {
                connection_arn: "arn:aws:codeconnections:us-east-1:123456789012:connection/abc"
                    .into(),
                repository: "btower-labz/django-dashboard-black".into(),
                branch: "feature/decoupling".into(),
            },
            r,
            MIGRATE,
        )
    })
    .expect("stack");
    let t = synth_stack("delivery-codedeploy", s);
    let (_, group) = resources_of(&t, "AWS::CodeDeploy::DeploymentGroup")[0];
    let g = &group["Properties"];
    assert_eq!(g["DeploymentConfigName"], "CodeDeployDefault.OneAtATime");
    assert_eq!(g["AutoScalingGroups"], json!(["workload-asg"]));
    assert_eq!(g["DeploymentStyle"]["DeploymentType"], "IN_PLACE");
    assert_eq!(g["AutoRollbackConfiguration"]["Enabled"], true);
    assert!(
        g["AutoRollbackConfiguration"]["Events"]
            .as_array()
            .expect("events")
            .contains(&json!("DEPLOYMENT_FAILURE"))
    );
    let deploy_role = role(&t, "DeployServiceRole");
    assert!(
        deploy_role["Properties"]["ManagedPolicyArns"][0]["Fn::Sub"]
            .as_str()
            .expect("arn")
            .ends_with("service-role/AWSCodeDeployRole")
    );
    let (_, app) = resources_of(&t, "AWS::CodeDeploy::Application")[0];
    assert_eq!(app["Properties"]["ComputePlatform"], "Server");
    let pipeline = &resources_of(&t, "AWS::CodePipeline::Pipeline")[0].1["Properties"];
    assert_eq!(
        pipeline["Stages"][0]["Actions"][0]["ActionTypeId"]["Provider"],
        "CodeStarSourceConnection"
    );
    assert_eq!(
        pipeline["Stages"][3]["Actions"][0]["ActionTypeId"]["Provider"],
        "CodeDeploy"
    );
    assert_eq!(
        resources_of(&t, "AWS::CodeBuild::Project").len(),
        1,
        "no refresh project"
    );
    insta::assert_json_snapshot!("delivery_codedeploy", t);
}

#[test]
fn half_at_a_time_with_traffic_control() {
    let mut s = support::stack("DeliveryHalf");
    WorkloadDeployment::new(
        &mut s.root(),
        "Deploy",
        &WorkloadDeploymentProps {
            rolling: RollingConfig::HalfAtATime,
            target_group_name: Some("workload-tg".into()),
        },
        "asg".into(),
    )
    .expect("deployment");
    let t = synth_stack("delivery-half", s);
    let (_, group) = resources_of(&t, "AWS::CodeDeploy::DeploymentGroup")[0];
    assert_eq!(
        group["Properties"]["DeploymentConfigName"],
        "CodeDeployDefault.HalfAtATime"
    );
    assert_eq!(
        group["Properties"]["DeploymentStyle"]["DeploymentOption"],
        "WITH_TRAFFIC_CONTROL"
    );
    assert_eq!(
        group["Properties"]["LoadBalancerInfo"]["TargetGroupInfoList"][0]["Name"],
        "workload-tg"
    );
}

fn field_of(e: &ConstructError) -> String {
    match e {
        ConstructError::InvalidConfig { field, .. } => field.clone(),
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn invalid_pipeline_options_are_rejected_naming_the_field(
        command in "\\PC{0,3}(\n)?\\PC{0,3}",
        timeout in 0u16..600,
        retention in 0u16..4000,
        repository in "[a-z/]{0,12}",
    ) {
        let mut props = MigrationPipelineProps::new(
            PipelineSource::Connection {
                connection_arn: "arn:aws:codeconnections:us-east-1:1:connection/x".into(),
                repository: repository.clone(),
                branch: "main".into(),
            },
            Rollout::InstanceRefresh { asg_name: "asg".into() },
            MIGRATE,
        );
        props.migrate_command = command.clone();
        props.timeout_minutes = timeout;
        props.log_retention_days = retention;
        let expected = if command.trim().is_empty() || command.contains('\n') {
            Some("migrate_command")
        } else if !(5..=480).contains(&timeout) {
            Some("timeout_minutes")
        } else if !constructs::encryption::LOG_RETENTION_DAYS.contains(&retention) {
            Some("log_retention_days")
        } else {
            let parts: Vec<&str> = repository.split('/').collect();
            (parts.len() != 2 || parts.iter().any(|p| p.is_empty())).then_some("source.repository")
        };
        match props.validate() {
            Ok(()) => prop_assert_eq!(expected, None),
            Err((field, _)) => prop_assert_eq!(Some(field), expected),
        }
    }
}

#[test]
fn invalid_options_fail_construction_with_a_located_error() {
    let e = pipeline_stack("DeliveryBad", false, |r| MigrationPipelineProps {
        timeout_minutes: 1,
        ..MigrationPipelineProps::new(s3_source(), r, MIGRATE)
    })
    .expect_err("timeout");
    assert_eq!(field_of(&e), "timeout_minutes");
    assert!(e.to_string().contains("DeliveryBad/Migrations"), "{e}");
}
