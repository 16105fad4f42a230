//! [`MigrationPipeline`]: CodePipeline Source → Migrate (CodeBuild in the VPC) → manual
//! approval → roll the workload.

use crate::data::{AppSettings, AuroraServerless, SecretRef, secret_read_statements};
use crate::encryption::{
    EncryptedLogGroup, EncryptionKey, LOG_RETENTION_DAYS, logs_service_principal, retain,
};
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Statement};
use crate::lint::suppressions;
use crate::network::{InternetPeer, Port, Private, SecurityTier, Subnets, allow_to_internet};
use crate::resources::codebuild::project as cb;
use crate::resources::codepipeline::pipeline as cp;
use crate::resources::{codebuild, codepipeline, iam, s3};
use crate::storage::{BucketKey, Ownership, private_bucket};
use crate::tree::{Handle, Scope};
use crate::value::{Json, Prop, ToProp, Value};

use super::codedeploy::WorkloadDeployment;

/// Where the application's source (with its migrations) comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum PipelineSource {
    /// A zip object in a **versioned** S3 bucket (the pipeline is started by hand or by an
    /// EventBridge rule outside this construct).
    S3Object {
        /// The bucket's name.
        bucket: Value<String>,
        /// The object key, e.g. `app/source.zip` (or an asset's
        /// [`crate::asset::Asset::object_key`]).
        key: Value<String>,
    },
    /// A repository behind a CodeConnections (CodeStar) connection, e.g. GitHub.
    Connection {
        /// The connection's ARN.
        connection_arn: Value<String>,
        /// `owner/name`.
        repository: String,
        /// The branch to build.
        branch: String,
    },
}

/// How the workload picks up the new release once migrations ran and were approved.
#[derive(Debug, Clone)]
pub enum Rollout {
    /// A CodeBuild step calling `autoscaling start-instance-refresh` on the named group
    /// (for AMI-based releases).
    InstanceRefresh {
        /// The auto scaling group's name.
        asg_name: Value<String>,
    },
    /// A CodeDeploy deployment of the source artifact (it must carry an `appspec.yml`).
    CodeDeploy(WorkloadDeployment),
}

/// The CodeBuild image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuildImage {
    /// `aws/codebuild/amazonlinux-x86_64-standard:5.0` (Amazon Linux 2023).
    #[default]
    AmazonLinuxStandard5,
    /// `aws/codebuild/standard:7.0` (Ubuntu 22.04).
    UbuntuStandard7,
}

impl BuildImage {
    /// The image name.
    pub fn image(self) -> &'static str {
        match self {
            BuildImage::AmazonLinuxStandard5 => "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            BuildImage::UbuntuStandard7 => "aws/codebuild/standard:7.0",
        }
    }
}

/// Options of [`MigrationPipeline`].
#[derive(Debug, Clone)]
pub struct MigrationPipelineProps {
    /// Where the source comes from.
    pub source: PipelineSource,
    /// How the workload is rolled after approval.
    pub rollout: Rollout,
    /// Commands run before the migration (dependencies).
    pub install_commands: Vec<String>,
    /// The migration command.
    pub migrate_command: String,
    /// The Python runtime of the build image.
    pub python_version: String,
    /// The build image.
    pub image: BuildImage,
    /// Build timeout in minutes (5-480).
    pub timeout_minutes: u16,
    /// Build log retention in days (a CloudWatch Logs period).
    pub log_retention_days: u16,
}

impl MigrationPipelineProps {
    /// Defaults around the required choices (where the source comes from, how the workload
    /// rolls, the application's migration command): no install commands, Python 3.12 on
    /// Amazon Linux standard 5.0, 15 minutes, logs kept a year.
    pub fn new(
        source: PipelineSource,
        rollout: Rollout,
        migrate_command: impl Into<String>,
    ) -> Self {
        MigrationPipelineProps {
            source,
            rollout,
            install_commands: Vec::new(),
            migrate_command: migrate_command.into(),
            python_version: "3.12".into(),
            image: BuildImage::default(),
            timeout_minutes: 15,
            log_retention_days: 365,
        }
    }

    /// Checks every field; the error names the first invalid one.
    ///
    /// # Errors
    /// `(field, message)`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let one_line = |s: &str| !s.trim().is_empty() && !s.contains(['\n', '\r']);
        if !one_line(&self.migrate_command) {
            return Err((
                "migrate_command",
                format!("{:?} must be one non-empty line", self.migrate_command),
            ));
        }
        if let Some(bad) = self.install_commands.iter().find(|c| !one_line(c)) {
            return Err((
                "install_commands",
                format!("{bad:?} must be one non-empty line"),
            ));
        }
        let version_ok = self.python_version.split('.').count() == 2
            && self
                .python_version
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        if !version_ok {
            return Err((
                "python_version",
                format!("{:?} is not MAJOR.MINOR", self.python_version),
            ));
        }
        if !(5..=480).contains(&self.timeout_minutes) {
            return Err((
                "timeout_minutes",
                format!("{}: CodeBuild allows 5 to 480", self.timeout_minutes),
            ));
        }
        if !LOG_RETENTION_DAYS.contains(&self.log_retention_days) {
            return Err((
                "log_retention_days",
                format!(
                    "{} is not offered by CloudWatch Logs; use one of {LOG_RETENTION_DAYS:?}",
                    self.log_retention_days
                ),
            ));
        }
        match &self.source {
            PipelineSource::S3Object { key, .. } => {
                if let Some(key) = key.as_literal()
                    && (key.is_empty() || key.len() > 1024 || key.starts_with('/'))
                {
                    return Err((
                        "source.key",
                        format!(
                            "{key:?}: an object key is 1-1024 characters, not starting with '/'"
                        ),
                    ));
                }
            }
            PipelineSource::Connection {
                repository, branch, ..
            } => {
                let parts: Vec<&str> = repository.split('/').collect();
                let part_ok = |p: &&str| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                };
                if parts.len() != 2 || !parts.iter().all(part_ok) {
                    return Err((
                        "source.repository",
                        format!("{repository:?} is not owner/name"),
                    ));
                }
                if branch.is_empty() || branch.chars().any(|c| c.is_whitespace() || c == ':') {
                    return Err(("source.branch", format!("{branch:?} is not a branch name")));
                }
            }
        }
        Ok(())
    }

    /// The migration buildspec (YAML): install the runtime and dependencies, run the migration.
    pub fn buildspec(&self) -> String {
        let quote = |s: &str| serde_json::Value::from(s).to_string();
        let mut out = String::from("version: 0.2\nphases:\n  install:\n    runtime-versions:\n");
        out.push_str(&format!("      python: {}\n", quote(&self.python_version)));
        if !self.install_commands.is_empty() {
            out.push_str("    commands:\n");
            for c in &self.install_commands {
                out.push_str(&format!("      - {}\n", quote(c)));
            }
        }
        out.push_str(&format!(
            "  build:\n    commands:\n      - {}\n",
            quote(&self.migrate_command)
        ));
        out
    }
}

/// The buildspec of the instance-refresh step.
fn refresh_buildspec() -> String {
    let command = "aws autoscaling start-instance-refresh --auto-scaling-group-name \"$ASG_NAME\" \
                   --preferences MinHealthyPercentage=90,InstanceWarmup=300";
    format!(
        "version: 0.2\nphases:\n  build:\n    commands:\n      - {}\n",
        serde_json::Value::from(command)
    )
}

/// A pipeline that runs database migrations inside the VPC, waits for approval and then rolls
/// the workload.
///
/// - **Build**: a CodeBuild project in private subnets with its own [`SecurityTier`], admitted
///   by the database tier on the DB port and allowed HTTPS to the internet (packages, AWS APIs);
///   the cloud-profile settings as `PARAMETER_STORE` variables and the DB credentials as
///   `SECRETS_MANAGER` variables; logs in an encrypted log group.
/// - **Artifacts**: a KMS-encrypted, versioned bucket with public access blocked, a TLS-only
///   policy, and `Retain`.
/// - **IAM**: one role per actor with exactly what it needs; the ENI permission is conditioned
///   on `ec2:AuthorizedService = codebuild.amazonaws.com` and `ec2:Subnet` equal to the subnet
///   ARNs (`arn:${Partition}:ec2:${Region}:${Account}:subnet/<id>`, one per subnet).
#[derive(Debug, Clone)]
pub struct MigrationPipeline {
    pipeline: Handle<codepipeline::Pipeline>,
    project: Handle<codebuild::Project>,
    tier: SecurityTier,
    bucket: Handle<s3::Bucket>,
    key: EncryptionKey,
    logs: EncryptedLogGroup,
}

/// `arn:${Partition}:<service>:${Region}:${Account}:<resource parts...>`, as one flat `Fn::Sub`.
pub(crate) fn regional_arn(
    service: &str,
    resource: impl IntoIterator<Item = Value<String>>,
) -> Value<String> {
    let mut parts: Vec<Value<String>> = vec![
        "arn:".into(),
        fns::partition(),
        format!(":{service}:").into(),
        fns::region(),
        ":".into(),
        fns::account_id(),
        ":".into(),
    ];
    parts.extend(resource);
    fns::concat(parts)
}

/// `arn:${Partition}:s3:::<bucket>` and the same with `/*`.
fn bucket_arns(bucket: &Value<String>) -> [Value<String>; 2] {
    let arn = fns::concat([
        "arn:".into(),
        fns::partition(),
        ":s3:::".into(),
        bucket.clone(),
    ]);
    [arn.clone(), fns::concat([arn, "/*".into()])]
}

fn role(
    scope: &mut Scope<'_>,
    id: &str,
    service: &str,
    description: &str,
    statements: Vec<Statement>,
) -> Result<Handle<iam::Role>, ConstructError> {
    scope.resource(
        id,
        iam::Role {
            description: Some(description.into()),
            policies: Some(
                vec![iam::role::Policy::new(
                    PolicyDocument::new(statements).json(),
                    "least-privilege",
                )]
                .into(),
            ),
            ..iam::Role::new(PolicyDocument::trust_service(service).json())
        },
    )
}

fn action(category: &str, owner: &str, provider: &str, name: &str) -> cp::ActionDeclaration {
    cp::ActionDeclaration::new(cp::ActionTypeId::new(category, owner, provider, "1"), name)
}

fn config(entries: Vec<(&str, Prop)>) -> Option<Value<Json>> {
    Some(Value::Literal(Prop::map(entries)))
}

impl MigrationPipeline {
    /// Creates the pipeline at `scope/id`. The build runs in `subnets` of `vpc_id`, reaches `db`
    /// on its port and reads `settings`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field (`migrate_command`,
    /// `install_commands`, `python_version`, `timeout_minutes`, `log_retention_days`,
    /// `source.*`, or `subnets` when empty); [`ConstructError`] if an id is taken.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &MigrationPipelineProps,
        vpc_id: Value<String>,
        subnets: &Subnets<Private>,
        db: &AuroraServerless,
        settings: &AppSettings,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        if let Err((field, message)) = props.validate() {
            return Err(s.config_error(field, message));
        }
        if subnets.is_empty() {
            return Err(s.config_error("subnets", "the build needs at least one private subnet"));
        }
        let key = EncryptionKey::new(
            &mut s,
            "Key",
            "Encrypts the migration pipeline's artifacts and build logs",
            &[logs_service_principal()],
        )?;
        let bucket = Self::artifact_bucket(&mut s, &key)?;
        let bucket_name = bucket.reference();
        let logs = EncryptedLogGroup::new(&mut s, "Logs", &key, props.log_retention_days)?;

        let tier = SecurityTier::new(
            &mut s,
            "SecurityGroup",
            vpc_id.clone(),
            "Migration builds: to the database on its port and HTTPS out",
        )?;
        db.allow_from(s.stack(), &tier, "Migrations to the database")?;
        allow_to_internet(
            s.stack(),
            &tier,
            InternetPeer::AnyIpv4,
            Port::Tcp(443),
            "HTTPS to package mirrors and AWS APIs",
        )?;

        let subnet_arns: Vec<Value<String>> = subnets
            .iter()
            .map(|i| regional_arn("ec2", ["subnet/".into(), i.subnet.reference()]))
            .collect();
        let interfaces = regional_arn("ec2", ["network-interface/*".into()]);
        let [bucket_arn, objects_arn] = bucket_arns(&bucket_name);
        let read_artifacts = vec![
            Statement::allow(
                ["s3:GetObject", "s3:GetObjectVersion"],
                [objects_arn.clone()],
            ),
            Statement::allow(["kms:Decrypt", "kms:GenerateDataKey"], [key.arn()]),
        ];
        let write_logs =
            Statement::allow(["logs:CreateLogStream", "logs:PutLogEvents"], [logs.arn()]);

        // The migration build: VPC access, settings and DB credentials.
        let mut variables = settings.codebuild_variables();
        let mut secrets: Vec<SecretRef> = settings.secret_refs();
        secrets.push(db.credentials());
        for (name, json_key) in [
            ("DATABASE_USER", "username"),
            ("DATABASE_PASSWORD", "password"),
        ] {
            let present = variables
                .iter()
                .any(|v| v.name.as_literal().is_some_and(|n| n == name));
            if !present {
                variables.push(cb::EnvironmentVariable {
                    type_: Some("SECRETS_MANAGER".into()),
                    ..cb::EnvironmentVariable::new(
                        name,
                        fns::concat([db.secret_arn(), format!(":{json_key}").into()]),
                    )
                });
            }
        }
        let mut build_statements = vec![
            write_logs.clone(),
            // Describe actions have no resource-level permissions.
            Statement::allow(
                [
                    "ec2:DescribeDhcpOptions",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                ["*"],
            ),
            Statement::allow(["ec2:CreateNetworkInterface"], {
                let mut r = vec![
                    interfaces.clone(),
                    regional_arn("ec2", ["security-group/".into(), tier.group_id()]),
                ];
                r.extend(subnet_arns.iter().cloned());
                r
            }),
            Statement::allow(["ec2:DeleteNetworkInterface"], [interfaces.clone()]),
            Statement::allow(["ec2:CreateNetworkInterfacePermission"], [interfaces])
                .condition(
                    "StringEquals",
                    "ec2:AuthorizedService",
                    ["codebuild.amazonaws.com"],
                )
                .condition("ArnEquals", "ec2:Subnet", subnet_arns),
            settings.path().read_statement(),
        ];
        build_statements.extend(read_artifacts.clone());
        build_statements.extend(secret_read_statements(&secrets));
        let build_role = role(
            &mut s,
            "BuildRole",
            "codebuild.amazonaws.com",
            "Runs the database migrations",
            build_statements,
        )?;
        let project = s.resource(
            "Migrate",
            codebuild::Project {
                description: Some("Runs the application's database migrations".into()),
                encryption_key: Some(key.arn()),
                timeout_in_minutes: Some(i64::from(props.timeout_minutes).into()),
                vpc_config: Some(
                    cb::VpcConfig {
                        vpc_id: Some(vpc_id),
                        subnets: Some(subnets.ids()),
                        security_group_ids: Some(vec![tier.group_id()].into()),
                    }
                    .into(),
                ),
                logs_config: Some(Self::logs_config(&logs, "migrate")),
                ..codebuild::Project::new(
                    cb::Artifacts::new("CODEPIPELINE"),
                    cb::Environment {
                        environment_variables: Some(variables.into()),
                        privileged_mode: Some(false.into()),
                        image_pull_credentials_type: Some("CODEBUILD".into()),
                        ..cb::Environment::new(
                            "BUILD_GENERAL1_SMALL",
                            props.image.image(),
                            "LINUX_CONTAINER",
                        )
                    },
                    build_role.attr_arn(),
                    cb::Source {
                        build_spec: Some(props.buildspec().into()),
                        ..cb::Source::new("CODEPIPELINE")
                    },
                )
            },
        )?;

        // The rollout step.
        let mut pipeline_statements = vec![
            Statement::allow(
                ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                [objects_arn.clone()],
            ),
            Statement::allow(
                ["s3:GetBucketVersioning", "s3:GetBucketLocation"],
                [bucket_arn],
            ),
            Statement::allow(
                ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                [key.arn()],
            ),
        ];
        let mut build_projects = vec![project.attr_arn()];
        let rollout_action = match &props.rollout {
            Rollout::InstanceRefresh { asg_name } => {
                let asg_arn = regional_arn(
                    "autoscaling",
                    [
                        "autoScalingGroup:*:autoScalingGroupName/".into(),
                        asg_name.clone(),
                    ],
                );
                let mut statements = vec![
                    write_logs,
                    Statement::allow(["autoscaling:StartInstanceRefresh"], [asg_arn]),
                ];
                statements.extend(read_artifacts);
                let refresh_role = role(
                    &mut s,
                    "RolloutRole",
                    "codebuild.amazonaws.com",
                    "Starts an instance refresh of the workload",
                    statements,
                )?;
                let refresh = s.resource(
                    "Rollout",
                    codebuild::Project {
                        description: Some("Starts an instance refresh of the workload".into()),
                        encryption_key: Some(key.arn()),
                        timeout_in_minutes: Some(10.into()),
                        logs_config: Some(Self::logs_config(&logs, "rollout")),
                        ..codebuild::Project::new(
                            cb::Artifacts::new("CODEPIPELINE"),
                            cb::Environment {
                                environment_variables: Some(
                                    vec![cb::EnvironmentVariable {
                                        type_: Some("PLAINTEXT".into()),
                                        ..cb::EnvironmentVariable::new("ASG_NAME", asg_name.clone())
                                    }]
                                    .into(),
                                ),
                                privileged_mode: Some(false.into()),
                                image_pull_credentials_type: Some("CODEBUILD".into()),
                                ..cb::Environment::new(
                                    "BUILD_GENERAL1_SMALL",
                                    props.image.image(),
                                    "LINUX_CONTAINER",
                                )
                            },
                            refresh_role.attr_arn(),
                            cb::Source {
                                build_spec: Some(refresh_buildspec().into()),
                                ..cb::Source::new("CODEPIPELINE")
                            },
                        )
                    },
                )?;
                build_projects.push(refresh.attr_arn());
                cp::ActionDeclaration {
                    configuration: config(vec![("ProjectName", refresh.reference().to_prop())]),
                    input_artifacts: Some(vec![cp::InputArtifact::new("Source")].into()),
                    ..action("Build", "AWS", "CodeBuild", "InstanceRefresh")
                }
            }
            Rollout::CodeDeploy(deployment) => {
                pipeline_statements.push(Statement::allow(
                    [
                        "codedeploy:CreateDeployment",
                        "codedeploy:GetApplication",
                        "codedeploy:GetApplicationRevision",
                        "codedeploy:GetDeployment",
                        "codedeploy:RegisterApplicationRevision",
                    ],
                    [
                        deployment.application_arn(),
                        deployment.deployment_group_arn(),
                    ],
                ));
                pipeline_statements.push(Statement::allow(
                    ["codedeploy:GetDeploymentConfig"],
                    [regional_arn("codedeploy", ["deploymentconfig:*".into()])],
                ));
                cp::ActionDeclaration {
                    configuration: config(vec![
                        ("ApplicationName", deployment.application_name().to_prop()),
                        (
                            "DeploymentGroupName",
                            deployment.deployment_group_name().to_prop(),
                        ),
                    ]),
                    input_artifacts: Some(vec![cp::InputArtifact::new("Source")].into()),
                    ..action("Deploy", "AWS", "CodeDeploy", "Deploy")
                }
            }
        };
        pipeline_statements.push(Statement::allow(
            ["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
            build_projects,
        ));
        let source_action = match &props.source {
            PipelineSource::S3Object {
                bucket,
                key: object,
            } => {
                let [source_bucket, _] = bucket_arns(bucket);
                pipeline_statements.push(Statement::allow(
                    ["s3:GetObject", "s3:GetObjectVersion"],
                    [fns::concat([
                        source_bucket.clone(),
                        "/".into(),
                        object.clone(),
                    ])],
                ));
                pipeline_statements.push(Statement::allow(
                    ["s3:GetBucketVersioning"],
                    [source_bucket],
                ));
                cp::ActionDeclaration {
                    configuration: config(vec![
                        ("S3Bucket", bucket.clone().to_prop()),
                        ("S3ObjectKey", object.clone().to_prop()),
                        ("PollForSourceChanges", Prop::String("false".into())),
                    ]),
                    output_artifacts: Some(vec![cp::OutputArtifact::new("Source")].into()),
                    ..action("Source", "AWS", "S3", "Source")
                }
            }
            PipelineSource::Connection {
                connection_arn,
                repository,
                branch,
            } => {
                pipeline_statements.push(Statement::allow(
                    [
                        "codestar-connections:UseConnection",
                        "codeconnections:UseConnection",
                    ],
                    [connection_arn.clone()],
                ));
                cp::ActionDeclaration {
                    configuration: config(vec![
                        ("ConnectionArn", connection_arn.clone().to_prop()),
                        ("FullRepositoryId", Prop::String(repository.clone())),
                        ("BranchName", Prop::String(branch.clone())),
                        ("OutputArtifactFormat", Prop::String("CODE_ZIP".into())),
                        ("DetectChanges", Prop::Bool(true)),
                    ]),
                    output_artifacts: Some(vec![cp::OutputArtifact::new("Source")].into()),
                    ..action("Source", "AWS", "CodeStarSourceConnection", "Source")
                }
            }
        };
        let pipeline_role = role(
            &mut s,
            "PipelineRole",
            "codepipeline.amazonaws.com",
            "Runs the migration pipeline",
            pipeline_statements,
        )?;
        let stages = vec![
            cp::StageDeclaration::new(vec![source_action], "Source"),
            cp::StageDeclaration::new(
                vec![cp::ActionDeclaration {
                    configuration: config(vec![("ProjectName", project.reference().to_prop())]),
                    input_artifacts: Some(vec![cp::InputArtifact::new("Source")].into()),
                    ..action("Build", "AWS", "CodeBuild", "Migrate")
                }],
                "Migrate",
            ),
            cp::StageDeclaration::new(
                vec![cp::ActionDeclaration {
                    configuration: config(vec![(
                        "CustomData",
                        Prop::String(
                            "Migrations ran against the database; approve to roll the workload."
                                .into(),
                        ),
                    )]),
                    ..action("Approval", "AWS", "Manual", "Approve")
                }],
                "Approve",
            ),
            cp::StageDeclaration::new(vec![rollout_action], "Rollout"),
        ];
        let pipeline = s.resource(
            "Pipeline",
            codepipeline::Pipeline {
                pipeline_type: Some("V2".into()),
                restart_execution_on_update: Some(false.into()),
                artifact_store: Some(
                    cp::ArtifactStore {
                        encryption_key: Some(cp::EncryptionKey::new(key.arn(), "KMS").into()),
                        ..cp::ArtifactStore::new(bucket_name, "S3")
                    }
                    .into(),
                ),
                ..codepipeline::Pipeline::new(pipeline_role.attr_arn(), stages)
            },
        )?;
        Ok(MigrationPipeline {
            pipeline,
            project,
            tier,
            bucket,
            key,
            logs,
        })
    }

    fn logs_config(logs: &EncryptedLogGroup, stream: &str) -> Value<cb::LogsConfig> {
        cb::LogsConfig {
            cloud_watch_logs: Some(
                cb::CloudWatchLogsConfig {
                    group_name: Some(logs.name()),
                    stream_name: Some(stream.into()),
                    ..cb::CloudWatchLogsConfig::new("ENABLED")
                }
                .into(),
            ),
            ..cb::LogsConfig::new()
        }
        .into()
    }

    fn artifact_bucket(
        s: &mut Scope<'_>,
        key: &EncryptionKey,
    ) -> Result<Handle<s3::Bucket>, ConstructError> {
        let mut options = retain();
        options.metadata = suppressions(
            &[(
                "CKV_AWS_18",
                "pipeline artifact store: written and read only by the pipeline's roles; access is audited through CloudTrail",
            )],
            &[],
        );
        let bucket = s.resource_with(
            "ArtifactBucket",
            private_bucket(BucketKey::Kms(key.arn()), Ownership::Enforced),
            options,
        )?;
        let [arn, objects] = bucket_arns(&bucket.reference());
        s.resource(
            "ArtifactBucketPolicy",
            s3::BucketPolicy::new(
                bucket.reference(),
                PolicyDocument::new([Statement::deny_insecure_transport(["s3:*"], [arn, objects])])
                    .json(),
            ),
        )?;
        Ok(bucket)
    }

    /// The pipeline's name.
    pub fn pipeline_name(&self) -> Value<String> {
        self.pipeline.reference()
    }

    /// The migration project's name.
    pub fn project_name(&self) -> Value<String> {
        self.project.reference()
    }

    /// The build's security tier.
    pub fn security_tier(&self) -> &SecurityTier {
        &self.tier
    }

    /// The artifact bucket's name.
    pub fn artifact_bucket_name(&self) -> Value<String> {
        self.bucket.reference()
    }

    /// Statements letting a reader (e.g. instances running the CodeDeploy agent) fetch
    /// artifacts: `s3:GetObject` on the bucket's objects and `kms:Decrypt` on its key through S3.
    pub fn artifact_read_statements(&self) -> Vec<Statement> {
        let [_, objects] = bucket_arns(&self.bucket.reference());
        vec![
            Statement::allow(["s3:GetObject", "s3:GetObjectVersion"], [objects]),
            Statement::allow(["kms:Decrypt"], [self.key.arn()]).condition(
                "StringEquals",
                "kms:ViaService",
                [fns::concat([
                    "s3.".into(),
                    fns::region(),
                    ".amazonaws.com".into(),
                ])],
            ),
        ]
    }

    /// The build log group.
    pub fn log_group(&self) -> &EncryptedLogGroup {
        &self.logs
    }

    /// The pipeline L1, for escape hatches.
    pub fn l1(&self) -> &Handle<codepipeline::Pipeline> {
        &self.pipeline
    }
}
