//! `Workload`: an auto-scaled application behind the balancer, in private subnets.

use crate::compute::user_data::{self, Signal, UserDataFile};
use crate::data::{ReadAccess, SecretRef};
use crate::edge::BalancerTarget;
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{self, PolicyDocument, Statement, managed_policy_arn};
use crate::network::{InternetPeer, Port, Private, SecurityTier, Subnets, allow_to_internet};
use crate::resources::autoscaling::{self, auto_scaling_group as asg, scaling_policy};
use crate::resources::ec2::{self, launch_template as lt};
use crate::resources::elasticloadbalancingv2::{self as elbv2, target_group};
use crate::resources::{Tag, iam as iam_l1};
use crate::tree::{AsNode, Handle, NodeRef, Parameter, ResourceOptions, Scope};
use crate::value::{Prop, Value};

/// The public SSM parameter holding the latest Amazon Linux 2023 AMI (x86_64).
pub const AL2023_AMI_PARAMETER: &str =
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/// Where the instances' AMI comes from. An SSM parameter keeps AMI ids out of the template: a
/// new value (from [`crate::compute::AmiPipeline`]) is picked up at the next deploy, which makes
/// a new launch-template version and rolls the instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmiSource {
    /// A template parameter of type `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` whose
    /// default is this parameter name. The parameter must exist when the stack is deployed.
    SsmParameter(String),
    /// A fixed AMI id (`ami-…`).
    ImageId(String),
}

impl Default for AmiSource {
    fn default() -> Self {
        AmiSource::SsmParameter(AL2023_AMI_PARAMETER.into())
    }
}

/// Auto scaling group sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// Fewest instances.
    pub min: u32,
    /// Desired instances at creation; `None` leaves `DesiredCapacity` out so stack updates do
    /// not reset what scaling decided (the group then starts at `min`).
    pub desired: Option<u32>,
    /// Most instances (at least 1).
    pub max: u32,
}

impl Default for Capacity {
    /// The seed's 2 / 2 / 4, with desired left to scaling.
    fn default() -> Self {
        Capacity {
            min: 2,
            desired: None,
            max: 4,
        }
    }
}

/// The target group's health check (the Elastic Load Balancing defaults, with a shorter
/// timeout): point `path` at a page of the app that answers without authentication and
/// whatever the `Host` header (the balancer sends the instance's IP address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    /// HTTP path, e.g. `/healthz`.
    pub path: String,
    /// Seconds between checks (5-300).
    pub interval_seconds: u32,
    /// Seconds before a check fails (2-120, less than the interval).
    pub timeout_seconds: u32,
    /// Consecutive successes before a target is healthy (2-10).
    pub healthy_threshold: u32,
    /// Consecutive failures before a target is unhealthy (2-10).
    pub unhealthy_threshold: u32,
    /// Success codes, e.g. `200` or `200-299`.
    pub matcher: String,
}

impl Default for HealthCheck {
    fn default() -> Self {
        HealthCheck {
            path: "/".into(),
            interval_seconds: 30,
            timeout_seconds: 5,
            healthy_threshold: 3,
            unhealthy_threshold: 3,
            matcher: "200".into(),
        }
    }
}

/// How CloudFormation waits for replaced instances during a rolling update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateWait {
    /// Wait a fixed time after each batch (ISO 8601 duration, e.g. `PT5M`).
    PauseTime(String),
    /// Each new instance polls its own health-check URL and signals CloudFormation
    /// (`cfn-signal`); the update waits up to this ISO 8601 timeout per batch, and creation
    /// waits for `min` signals.
    Signals {
        /// e.g. `PT15M`.
        timeout: String,
    },
}

/// `UpdatePolicy.AutoScalingRollingUpdate`: how a new launch-template version rolls out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingUpdate {
    /// Instances kept in service; `None` takes `min(capacity.min, capacity.max - 1)`.
    pub min_instances_in_service: Option<u32>,
    /// Instances replaced at once.
    pub max_batch_size: u32,
    /// Wait after each batch.
    pub wait: UpdateWait,
}

impl Default for RollingUpdate {
    fn default() -> Self {
        RollingUpdate {
            min_instances_in_service: None,
            max_batch_size: 1,
            wait: UpdateWait::PauseTime("PT5M".into()),
        }
    }
}

/// Options of [`Workload`]. The defaults: port 8080, health check on `/`, 2-4 instances,
/// IMDSv2, encrypted gp3 root volume, rolling updates, CPU target tracking. Set `app_port` and
/// `health_check.path` to what the application serves.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadProps {
    /// The AMI.
    pub ami: AmiSource,
    /// Instance type such as `t3.small` (the seed's `t3.nano` is too small for its stack).
    pub instance_type: String,
    /// The port the app (its reverse proxy) listens on and is health-checked on.
    pub app_port: u16,
    /// Group sizes.
    pub capacity: Capacity,
    /// Target group health check.
    pub health_check: HealthCheck,
    /// Seconds the ASG ignores failing ELB health checks of a new instance.
    pub health_check_grace_seconds: u32,
    /// Seconds the target group drains a deregistering instance (0-3600).
    pub deregistration_delay_seconds: u32,
    /// Seconds of slow start for new targets (0 or 30-900).
    pub slow_start_seconds: u32,
    /// Root volume size in GiB (gp3, encrypted).
    pub root_volume_gib: u32,
    /// Root device name of the AMI (`/dev/xvda` on Amazon Linux).
    pub root_device_name: String,
    /// Files the boot script writes (settings env files).
    pub files: Vec<UserDataFile>,
    /// Shell commands run after the files are written, e.g. starting the app.
    pub commands: Vec<String>,
    /// Rolling update on launch-template changes.
    pub rolling_update: RollingUpdate,
    /// CPU target tracking: average CPU percent to hold (`None`: no scaling policy).
    pub cpu_target_percent: Option<f64>,
    /// Seconds a new instance needs before its metrics count for scaling.
    pub instance_warmup_seconds: u32,
    /// Allow HTTPS (443) to the internet through NAT, for AWS APIs and package mirrors.
    pub egress_https_to_internet: bool,
    /// Attach `CloudWatchAgentServerPolicy` (the AMI pipeline installs the agent).
    pub cloudwatch_agent: bool,
    /// One-minute EC2 detailed monitoring.
    pub detailed_monitoring: bool,
}

impl Default for WorkloadProps {
    fn default() -> Self {
        WorkloadProps {
            ami: AmiSource::default(),
            instance_type: "t3.small".into(),
            app_port: 8080,
            capacity: Capacity::default(),
            health_check: HealthCheck::default(),
            health_check_grace_seconds: 300,
            deregistration_delay_seconds: 30,
            slow_start_seconds: 30,
            root_volume_gib: 20,
            root_device_name: "/dev/xvda".into(),
            files: Vec::new(),
            commands: Vec::new(),
            rolling_update: RollingUpdate::default(),
            cpu_target_percent: Some(50.0),
            instance_warmup_seconds: 300,
            egress_https_to_internet: true,
            cloudwatch_agent: true,
            detailed_monitoring: true,
        }
    }
}

/// An application on an auto scaling group in private subnets: launch template, instance role
/// and profile (Session Manager, no SSH), target group, security tier, rolling updates and CPU
/// target tracking. Route traffic to it with [`crate::edge::Balancer::attach`].
#[derive(Debug, Clone)]
pub struct Workload {
    node: NodeRef,
    role: Handle<iam_l1::Role>,
    profile: Handle<iam_l1::InstanceProfile>,
    launch_template: Handle<ec2::LaunchTemplate>,
    group: Handle<autoscaling::AutoScalingGroup>,
    target_group: Handle<elbv2::TargetGroup>,
    scaling_policy: Option<Handle<autoscaling::ScalingPolicy>>,
    tier: SecurityTier,
    port: u16,
}

impl AsNode for Workload {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl BalancerTarget for Workload {
    fn target_group_arn(&self) -> Value<String> {
        self.target_group.reference()
    }

    fn tier(&self) -> &SecurityTier {
        &self.tier
    }

    fn port(&self) -> u16 {
        self.port
    }
}

impl Workload {
    /// Creates the workload at `scope/id`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field: `instance_type`, `ami`, `app_port`,
    /// `capacity` (`min <= desired <= max`, `max >= 1`), `health_check.*`,
    /// `deregistration_delay_seconds`, `slow_start_seconds`, `root_volume_gib`, `files`,
    /// `rolling_update.*`, `cpu_target_percent`, or `user_data` (over 16 KB); or `subnets` if
    /// empty. [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &WorkloadProps,
        vpc_id: Value<String>,
        subnets: &Subnets<Private>,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        check(&s, props)?;
        if subnets.is_empty() {
            return Err(s.config_error("subnets", "give at least one private subnet"));
        }
        let min_in_service = props
            .rolling_update
            .min_instances_in_service
            .unwrap_or(props.capacity.min.min(props.capacity.max.saturating_sub(1)));
        if min_in_service >= props.capacity.max {
            return Err(s.config_error(
                "rolling_update.min_instances_in_service",
                format!(
                    "{min_in_service} must be less than capacity.max ({}), or the update cannot start a new instance",
                    props.capacity.max
                ),
            ));
        }

        let tier = SecurityTier::new(
            &mut s,
            "SecurityGroup",
            vpc_id.clone(),
            "Workload instances: the app port from the load balancer only",
        )?;
        if props.egress_https_to_internet {
            allow_to_internet(
                s.stack(),
                &tier,
                InternetPeer::AnyIpv4,
                Port::Tcp(443),
                "HTTPS to AWS APIs and package mirrors through NAT",
            )?;
        }

        let mut managed = vec![managed_policy_arn("AmazonSSMManagedInstanceCore")];
        if props.cloudwatch_agent {
            managed.push(managed_policy_arn("CloudWatchAgentServerPolicy"));
        }
        let role = s.resource(
            "InstanceRole",
            iam_l1::Role {
                description: Some(
                    "Workload instances: Session Manager and the app's own grants".into(),
                ),
                managed_policy_arns: Some(managed.into()),
                ..iam_l1::Role::new(PolicyDocument::trust_service("ec2.amazonaws.com").json())
            },
        )?;
        let profile = s.resource(
            "InstanceProfile",
            iam_l1::InstanceProfile::new(vec![role.reference()]),
        )?;

        let image_id = match &props.ami {
            AmiSource::ImageId(ami) => Value::from(ami.as_str()),
            AmiSource::SsmParameter(name) => s
                .parameter(
                    "AmiId",
                    Parameter::ssm_value("AWS::EC2::Image::Id")
                        .description("SSM parameter holding the workload's AMI id")
                        .default_value(name.as_str()),
                )?
                .value(),
        };

        let signal = match &props.rolling_update.wait {
            UpdateWait::Signals { .. } => {
                let logical_id = format!("{}Group", tier.label().trim_end_matches("SecurityGroup"));
                let path = s.path();
                let below_stack = path.split_once('/').map_or("", |(_, rest)| rest);
                let key = format!("{below_stack}/Group");
                s.stack()
                    .logical_id_overrides
                    .insert(key, logical_id.clone());
                Some(Signal {
                    logical_id,
                    health_url: format!(
                        "http://127.0.0.1:{}{}",
                        props.app_port, props.health_check.path
                    ),
                })
            }
            UpdateWait::PauseTime(_) => None,
        };
        let script = user_data::script(&props.files, &props.commands, signal.as_ref());
        let size = user_data::literal_len(&script);
        if size > 12 * 1024 {
            return Err(s.config_error(
                "user_data",
                format!("the boot script is {size} bytes; EC2 takes 16 KB after base64 (about 12 KB of text)"),
            ));
        }

        let name = s.path();
        let tags = |kind: &str| lt::TagSpecification {
            resource_type: Some(kind.into()),
            tags: Some(vec![Tag::new("Name", name.as_str())].into()),
        };
        let launch_template = s.resource(
            "LaunchTemplate",
            ec2::LaunchTemplate::new(lt::LaunchTemplateData {
                image_id: Some(image_id),
                instance_type: Some(props.instance_type.as_str().into()),
                iam_instance_profile: Some(
                    lt::IamInstanceProfile {
                        arn: Some(profile.attr_arn()),
                        ..lt::IamInstanceProfile::new()
                    }
                    .into(),
                ),
                security_group_ids: Some(vec![tier.group_id()].into()),
                metadata_options: Some(
                    lt::MetadataOptions {
                        http_endpoint: Some("enabled".into()),
                        http_tokens: Some("required".into()),
                        // Containers on the instance sit one hop further away.
                        http_put_response_hop_limit: Some(2.into()),
                        ..lt::MetadataOptions::new()
                    }
                    .into(),
                ),
                block_device_mappings: Some(
                    vec![lt::BlockDeviceMapping {
                        device_name: Some(props.root_device_name.as_str().into()),
                        ebs: Some(
                            lt::Ebs {
                                volume_type: Some("gp3".into()),
                                volume_size: Some(i64::from(props.root_volume_gib).into()),
                                encrypted: Some(true.into()),
                                delete_on_termination: Some(true.into()),
                                ..lt::Ebs::new()
                            }
                            .into(),
                        ),
                        ..lt::BlockDeviceMapping::new()
                    }]
                    .into(),
                ),
                monitoring: Some(
                    lt::Monitoring {
                        enabled: Some(props.detailed_monitoring.into()),
                    }
                    .into(),
                ),
                instance_initiated_shutdown_behavior: Some("terminate".into()),
                user_data: Some(fns::base64(script)),
                tag_specifications: Some(vec![tags("instance"), tags("volume")].into()),
                ..lt::LaunchTemplateData::new()
            }),
        )?;

        let hc = &props.health_check;
        let tg_options = ResourceOptions {
            metadata: crate::lint::suppressions(
                &[(
                    "CKV_AWS_378",
                    "TLS ends at the load balancer; balancer-to-instance traffic stays inside the VPC, between two security tiers.",
                )],
                &[],
            ),
            ..ResourceOptions::default()
        };
        let target_group = s.resource_with(
            "TargetGroup",
            elbv2::TargetGroup {
                port: Some(i64::from(props.app_port).into()),
                protocol: Some("HTTP".into()),
                target_type: Some("instance".into()),
                vpc_id: Some(vpc_id),
                health_check_enabled: Some(true.into()),
                health_check_protocol: Some("HTTP".into()),
                health_check_port: Some(props.app_port.to_string().into()),
                health_check_path: Some(hc.path.as_str().into()),
                health_check_interval_seconds: Some(i64::from(hc.interval_seconds).into()),
                health_check_timeout_seconds: Some(i64::from(hc.timeout_seconds).into()),
                healthy_threshold_count: Some(i64::from(hc.healthy_threshold).into()),
                unhealthy_threshold_count: Some(i64::from(hc.unhealthy_threshold).into()),
                matcher: Some(
                    target_group::Matcher {
                        http_code: Some(hc.matcher.as_str().into()),
                        ..target_group::Matcher::new()
                    }
                    .into(),
                ),
                target_group_attributes: Some(
                    vec![
                        Tag::new(
                            "deregistration_delay.timeout_seconds",
                            props.deregistration_delay_seconds.to_string(),
                        ),
                        Tag::new("stickiness.enabled", "false"),
                        Tag::new(
                            "slow_start.duration_seconds",
                            props.slow_start_seconds.to_string(),
                        ),
                        Tag::new("load_balancing.algorithm.type", "round_robin"),
                    ]
                    .into(),
                ),
                ..elbv2::TargetGroup::new()
            },
            tg_options,
        )?;

        let ru = &props.rolling_update;
        let mut rolling = vec![
            (
                "MinInstancesInService",
                Prop::Int(i64::from(min_in_service)),
            ),
            ("MaxBatchSize", Prop::Int(i64::from(ru.max_batch_size))),
            (
                "SuspendProcesses",
                Prop::List(
                    [
                        "HealthCheck",
                        "ReplaceUnhealthy",
                        "AZRebalance",
                        "AlarmNotification",
                        "ScheduledActions",
                    ]
                    .map(Prop::from)
                    .to_vec(),
                ),
            ),
        ];
        let mut group_options = ResourceOptions::default();
        match &ru.wait {
            UpdateWait::PauseTime(pause) => {
                rolling.push(("PauseTime", pause.as_str().into()));
                rolling.push(("WaitOnResourceSignals", Prop::Bool(false)));
            }
            UpdateWait::Signals { timeout } => {
                rolling.push(("PauseTime", timeout.as_str().into()));
                rolling.push(("WaitOnResourceSignals", Prop::Bool(true)));
                let count = props.capacity.desired.unwrap_or(props.capacity.min);
                group_options.creation_policy = Some(Prop::map([(
                    "ResourceSignal",
                    Prop::map([
                        ("Count", Prop::Int(i64::from(count))),
                        ("Timeout", timeout.as_str().into()),
                    ]),
                )]));
            }
        }
        group_options.update_policy = Some(Prop::map([
            ("AutoScalingRollingUpdate", Prop::map(rolling)),
            (
                "AutoScalingScheduledAction",
                Prop::map([("IgnoreUnmodifiedGroupSizeProperties", Prop::Bool(true))]),
            ),
        ]));
        let group = s.resource_with(
            "Group",
            autoscaling::AutoScalingGroup {
                vpc_zone_identifier: Some(subnets.ids()),
                launch_template: Some(
                    asg::LaunchTemplateSpecification {
                        launch_template_id: Some(launch_template.attr_launch_template_id()),
                        ..asg::LaunchTemplateSpecification::new(
                            launch_template.attr_latest_version_number(),
                        )
                    }
                    .into(),
                ),
                desired_capacity: props.capacity.desired.map(|d| d.to_string().into()),
                health_check_type: Some("ELB".into()),
                health_check_grace_period: Some(i64::from(props.health_check_grace_seconds).into()),
                default_instance_warmup: Some(i64::from(props.instance_warmup_seconds).into()),
                target_group_ar_ns: Some(vec![target_group.reference()].into()),
                metrics_collection: Some(vec![asg::MetricsCollection::new("1Minute")].into()),
                tags: Some(vec![asg::TagProperty::new("Name", false, name.as_str())].into()),
                ..autoscaling::AutoScalingGroup::new(
                    props.capacity.max.to_string(),
                    props.capacity.min.to_string(),
                )
            },
            group_options,
        )?;

        let scaling_policy = match props.cpu_target_percent {
            Some(target) => Some(
                s.resource(
                    "CpuScaling",
                    autoscaling::ScalingPolicy {
                        policy_type: Some("TargetTrackingScaling".into()),
                        estimated_instance_warmup: Some(
                            i64::from(props.instance_warmup_seconds).into(),
                        ),
                        target_tracking_configuration: Some(
                            scaling_policy::TargetTrackingConfiguration {
                                predefined_metric_specification: Some(
                                    scaling_policy::PredefinedMetricSpecification::new(
                                        "ASGAverageCPUUtilization",
                                    )
                                    .into(),
                                ),
                                ..scaling_policy::TargetTrackingConfiguration::new(target)
                            }
                            .into(),
                        ),
                        ..autoscaling::ScalingPolicy::new(group.reference())
                    },
                )?,
            ),
            None => None,
        };

        Ok(Workload {
            node: s.node_ref(),
            role,
            profile,
            launch_template,
            group,
            target_group,
            scaling_policy,
            tier,
            port: props.app_port,
        })
    }

    /// Lets the instances read the SSM parameters under `path` (e.g. `/dashboard/dev`):
    /// `ssm:GetParameter`, `GetParameters` and `GetParametersByPath` on the path and everything
    /// below it, nothing else. Adds an `AWS::IAM::Policy` at `scope/id`. SecureString values
    /// encrypted with the `aws/ssm` key decrypt through that key's policy.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `path` unless it looks like `/a/b`;
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn grant_read_parameters(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        path: &str,
    ) -> Result<Handle<iam_l1::Policy>, ConstructError> {
        let trimmed = path.trim_end_matches('/');
        let ok = trimmed.starts_with('/')
            && trimmed.len() > 1
            && !trimmed.contains("//")
            && trimmed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c));
        if !ok {
            return Err(scope.config_error(
                "path",
                format!("{path:?} is not a parameter path such as /app/env"),
            ));
        }
        let arn = |suffix: &str| {
            fns::arn(
                "ssm",
                fns::region(),
                fns::account_id(),
                format!("parameter{trimmed}{suffix}"),
            )
        };
        iam::grant(
            scope,
            id,
            &self.role,
            [Statement::allow(
                [
                    "ssm:GetParameter",
                    "ssm:GetParameters",
                    "ssm:GetParametersByPath",
                ],
                [arn(""), arn("/*")],
            )
            .sid("ReadAppParameters")],
        )
    }

    /// Lets the instances read `what` (settings, secrets, parameters): exactly the statements
    /// it derives ([`ReadAccess::read_statements`]): the read actions on its resources and
    /// `kms:Decrypt` on the keys that encrypt them, only through the storing service. Adds an
    /// `AWS::IAM::Policy` at `scope/id`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `what` if it grants nothing;
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn grant_read<R: ReadAccess + ?Sized>(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        what: &R,
    ) -> Result<Handle<iam_l1::Policy>, ConstructError> {
        let statements = what.read_statements();
        if statements.is_empty() {
            return Err(scope.config_error("what", "there is nothing to read"));
        }
        iam::grant(scope, id, &self.role, statements)
    }

    /// Lets the instances read these secrets: `secretsmanager:GetSecretValue` and
    /// `DescribeSecret` on exactly these secrets and `kms:Decrypt` on their keys through
    /// Secrets Manager (see [`Workload::grant_read`]).
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `secrets` if it is empty;
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn grant_read_secrets(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        secrets: &[SecretRef],
    ) -> Result<Handle<iam_l1::Policy>, ConstructError> {
        if secrets.is_empty() {
            return Err(scope.config_error("secrets", "list at least one secret"));
        }
        self.grant_read(scope, id, secrets)
    }

    /// The target group's ARN.
    pub fn target_group_arn(&self) -> Value<String> {
        self.target_group.reference()
    }

    /// The auto scaling group's name.
    pub fn group_name(&self) -> Value<String> {
        self.group.reference()
    }

    /// The instance role's ARN.
    pub fn role_arn(&self) -> Value<String> {
        self.role.attr_arn()
    }

    /// The workload's security tier (grant it access to databases with [`crate::network::allow`]).
    pub fn tier(&self) -> &SecurityTier {
        &self.tier
    }

    /// The port the app listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The instance role L1 (for further grants with [`crate::iam::grant`]).
    pub fn role(&self) -> &Handle<iam_l1::Role> {
        &self.role
    }

    /// The instance profile L1.
    pub fn instance_profile(&self) -> &Handle<iam_l1::InstanceProfile> {
        &self.profile
    }

    /// The launch template L1.
    pub fn launch_template(&self) -> &Handle<ec2::LaunchTemplate> {
        &self.launch_template
    }

    /// The auto scaling group L1.
    pub fn l1(&self) -> &Handle<autoscaling::AutoScalingGroup> {
        &self.group
    }

    /// The target group L1.
    pub fn target_group(&self) -> &Handle<elbv2::TargetGroup> {
        &self.target_group
    }

    /// The CPU target-tracking policy L1, if scaling is on.
    pub fn scaling_policy(&self) -> Option<&Handle<autoscaling::ScalingPolicy>> {
        self.scaling_policy.as_ref()
    }
}

/// Whether `t` looks like an EC2 instance type (`family.size`, e.g. `t3.small`, `m7g.large`).
fn instance_type_ok(t: &str) -> bool {
    t.split_once('.').is_some_and(|(family, size)| {
        family.starts_with(|c: char| c.is_ascii_lowercase())
            && family
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !size.is_empty()
            && size
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

fn duration_ok(d: &str) -> bool {
    // ISO 8601 durations CloudFormation accepts here: PT#H#M#S, at most one hour.
    let Some(rest) = d.strip_prefix("PT") else {
        return false;
    };
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || c == 'H' || c == 'M' || c == 'S')
        && rest.ends_with(['H', 'M', 'S'])
}

fn check(s: &Scope<'_>, p: &WorkloadProps) -> Result<(), ConstructError> {
    let err = |field: &str, msg: String| Err(s.config_error(field, msg));
    if !instance_type_ok(&p.instance_type) {
        return err(
            "instance_type",
            format!(
                "{:?} is not an instance type such as t3.small",
                p.instance_type
            ),
        );
    }
    match &p.ami {
        AmiSource::ImageId(id) => {
            let hex = id.strip_prefix("ami-").unwrap_or("");
            if !(hex.len() == 8 || hex.len() == 17) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return err(
                    "ami",
                    format!("{id:?} is not an AMI id (ami- and 8 or 17 hex digits)"),
                );
            }
        }
        AmiSource::SsmParameter(name) => {
            let ok = name.starts_with('/')
                && name.len() <= 2048
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c));
            if !ok {
                return err(
                    "ami",
                    format!("{name:?} is not an SSM parameter name such as /app/ami"),
                );
            }
        }
    }
    if p.app_port == 0 || p.app_port == 22 || p.app_port == 3389 {
        return err(
            "app_port",
            format!("{} is not allowed (no 0, and no SSH/RDP ports)", p.app_port),
        );
    }
    let c = p.capacity;
    if c.max < 1 {
        return err("capacity.max", "must be at least 1".into());
    }
    if c.min > c.max {
        return err(
            "capacity",
            format!("min ({}) is greater than max ({})", c.min, c.max),
        );
    }
    if let Some(d) = c.desired
        && !(c.min..=c.max).contains(&d)
    {
        return err(
            "capacity.desired",
            format!("{d} is outside min..=max ({}..={})", c.min, c.max),
        );
    }
    let hc = &p.health_check;
    if !hc.path.starts_with('/') || hc.path.len() > 1024 {
        return err(
            "health_check.path",
            format!("{:?} must start with '/' (1-1024 characters)", hc.path),
        );
    }
    if !(5..=300).contains(&hc.interval_seconds) {
        return err("health_check.interval_seconds", "must be 5-300".into());
    }
    if !(2..=120).contains(&hc.timeout_seconds) || hc.timeout_seconds >= hc.interval_seconds {
        return err(
            "health_check.timeout_seconds",
            "must be 2-120 and less than the interval".into(),
        );
    }
    for (field, v) in [
        ("health_check.healthy_threshold", hc.healthy_threshold),
        ("health_check.unhealthy_threshold", hc.unhealthy_threshold),
    ] {
        if !(2..=10).contains(&v) {
            return err(field, "must be 2-10".into());
        }
    }
    let matcher_ok = hc
        .matcher
        .split([',', '-'])
        .all(|code| code.parse::<u16>().is_ok_and(|n| (200..=499).contains(&n)));
    if !matcher_ok {
        return err(
            "health_check.matcher",
            format!(
                "{:?}: HTTP codes 200-499, as `200`, `200,302` or `200-299`",
                hc.matcher
            ),
        );
    }
    if p.deregistration_delay_seconds > 3600 {
        return err("deregistration_delay_seconds", "must be 0-3600".into());
    }
    if p.slow_start_seconds != 0 && !(30..=900).contains(&p.slow_start_seconds) {
        return err("slow_start_seconds", "must be 0 (off) or 30-900".into());
    }
    if !(1..=16384).contains(&p.root_volume_gib) {
        return err("root_volume_gib", "must be 1-16384 GiB".into());
    }
    for f in &p.files {
        if let Some(problem) = user_data::file_problem(f) {
            return err("files", problem);
        }
    }
    let ru = &p.rolling_update;
    if ru.max_batch_size < 1 {
        return err("rolling_update.max_batch_size", "must be at least 1".into());
    }
    let duration = match &ru.wait {
        UpdateWait::PauseTime(d) => ("rolling_update.wait", d),
        UpdateWait::Signals { timeout } => ("rolling_update.wait", timeout),
    };
    if !duration_ok(duration.1) {
        return err(
            duration.0,
            format!("{:?} is not an ISO 8601 duration such as PT5M", duration.1),
        );
    }
    if let Some(t) = p.cpu_target_percent
        && !(t > 0.0 && t <= 100.0)
    {
        return err(
            "cpu_target_percent",
            format!("{t} is not a percentage in (0, 100]"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_types_and_durations() {
        for ok in ["t3.small", "m7g.large", "u-6tb1.metal", "c6in.32xlarge"] {
            assert!(instance_type_ok(ok), "{ok}");
        }
        for bad in ["t3", "T3.small", "t3.", ".small", "t3 small"] {
            assert!(!instance_type_ok(bad), "{bad}");
        }
        assert!(duration_ok("PT5M") && duration_ok("PT1H") && duration_ok("PT90S"));
        assert!(!duration_ok("5M") && !duration_ok("PT") && !duration_ok("PT5"));
    }
}
