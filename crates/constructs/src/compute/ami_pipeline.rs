//! `AmiPipeline`: EC2 Image Builder in three layers (system → middleware → application).

use crate::compute::workload::{AL2023_AMI_PARAMETER, AmiSource};
use crate::edge::log_bucket::{LogBucket, LogBucketProps};
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Statement, managed_policy_arn};
use crate::network::{InternetPeer, Port, Private, SecurityTier, Subnets, allow_to_internet};
use crate::resources::iam as iam_l1;
use crate::resources::imagebuilder::{
    self as ib, distribution_configuration as dist, image_pipeline as pipe, image_recipe as recipe,
    infrastructure_configuration as infra,
};
use crate::tree::{AsNode, Handle, NodeRef, ResourceOptions, Scope};
use crate::value::Value;

/// What a component does: an AWSTOE document, shell commands, or an AWS-managed component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComponentBody {
    /// A complete AWSTOE YAML document.
    Document(String),
    /// Shell commands, run in order as one `ExecuteBash` build step.
    Commands(Vec<String>),
    /// An Amazon-managed component by name (its latest version), e.g. `update-linux`.
    AwsManaged(String),
}

/// One Image Builder component of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentSpec {
    /// Name within the layer (letters, digits, `-`, `_`).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// What it runs.
    pub body: ComponentBody,
}

impl ComponentSpec {
    /// A component running `commands` with bash.
    pub fn commands<S: Into<String>>(
        name: &str,
        description: &str,
        commands: impl IntoIterator<Item = S>,
    ) -> Self {
        ComponentSpec {
            name: name.into(),
            description: description.into(),
            body: ComponentBody::Commands(commands.into_iter().map(Into::into).collect()),
        }
    }

    /// An Amazon-managed component.
    pub fn aws_managed(name: &str, description: &str) -> Self {
        ComponentSpec {
            name: name.into(),
            description: description.into(),
            body: ComponentBody::AwsManaged(name.into()),
        }
    }
}

/// One layer: its components, in order, and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSpec {
    /// Components, run in order.
    pub components: Vec<ComponentSpec>,
    /// Semantic version `major.minor.patch` of the layer's recipe and components. Image Builder
    /// versions are immutable: bump it whenever the components change.
    pub version: String,
}

impl LayerSpec {
    /// Amazon Linux 2023 system layer: OS updates, SSM agent, CloudWatch agent, basic tools.
    pub fn al2023_system() -> Self {
        LayerSpec {
            components: vec![
                ComponentSpec::aws_managed(
                    "update-linux",
                    "Latest OS security and bug-fix updates",
                ),
                ComponentSpec::commands(
                    "ssm-agent",
                    "SSM agent installed and enabled (Session Manager, no SSH)",
                    [
                        "dnf install -y amazon-ssm-agent",
                        "systemctl enable amazon-ssm-agent",
                    ],
                ),
                ComponentSpec::aws_managed(
                    "amazon-cloudwatch-agent-linux",
                    "CloudWatch agent for metrics and logs",
                ),
                ComponentSpec::commands(
                    "base-tools",
                    "Tools the boot script and operators use",
                    ["dnf install -y jq git tar gzip unzip"],
                ),
            ],
            version: "1.0.0".into(),
        }
    }

    /// Container middleware: Docker from the Amazon Linux 2023 repository and the Compose v2
    /// plugin (pinned release, checksum verified).
    pub fn docker_middleware() -> Self {
        LayerSpec {
            components: vec![ComponentSpec::commands(
                "docker",
                "Docker engine and the Compose v2 plugin",
                [
                    "dnf install -y docker",
                    "systemctl enable docker",
                    "usermod -aG docker ec2-user",
                    "install -d -m 0755 /usr/local/lib/docker/cli-plugins",
                    "cd /usr/local/lib/docker/cli-plugins && curl -fsSLO https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-x86_64 && curl -fsSL https://github.com/docker/compose/releases/download/v2.29.7/docker-compose-linux-x86_64.sha256 | sha256sum -c - && mv docker-compose-linux-x86_64 docker-compose && chmod 0755 docker-compose",
                ],
            )],
            version: "1.0.0".into(),
        }
    }
}

/// The first layer's parent image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParentImage {
    /// An SSM parameter holding an AMI id (Image Builder's `ssm:` form), such as the public
    /// Amazon Linux 2023 parameter (the default).
    SsmParameter(String),
    /// An Image Builder image ARN, e.g. an Amazon-managed image with an `x.x.x` version.
    ImageArn(String),
    /// A fixed AMI id.
    AmiId(String),
}

impl Default for ParentImage {
    fn default() -> Self {
        ParentImage::SsmParameter(AL2023_AMI_PARAMETER.into())
    }
}

/// Options of [`AmiPipeline`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmiPipelineProps {
    /// Prefix of every Image Builder name (lower-case letters, digits, `-`), e.g. `dashboard`.
    pub name: String,
    /// Parent of the system layer.
    pub parent_image: ParentImage,
    /// OS updates and agents.
    pub system: LayerSpec,
    /// Runtime (container engine, or interpreter and web server).
    pub middleware: LayerSpec,
    /// The application itself: fetch, install and configure it (no default).
    pub application: LayerSpec,
    /// Build instance types.
    pub instance_types: Vec<String>,
    /// Root volume of build (and resulting) images, GiB, gp3, encrypted.
    pub root_volume_gib: u32,
    /// SSM parameter the application AMI id is written to; `None` gives `/<name>/ami/application`.
    pub ami_parameter_name: Option<String>,
    /// Cron expression (Image Builder syntax, e.g. `cron(0 3 ? * sun *)`) for rebuilding; each
    /// layer rebuilds only when its parent or components changed. `None`: start by hand.
    pub schedule: Option<String>,
    /// Keep Image Builder logs in an S3 bucket (with this expiry), or only in CloudWatch Logs.
    pub logs: Option<LogBucketProps>,
}

impl Default for AmiPipelineProps {
    /// Layering on Amazon Linux 2023: system, Docker, and an empty application layer that the
    /// caller must fill (see [`AmiPipelineProps::application`]).
    fn default() -> Self {
        AmiPipelineProps {
            name: "app".into(),
            parent_image: ParentImage::default(),
            system: LayerSpec::al2023_system(),
            middleware: LayerSpec::docker_middleware(),
            // The application is the caller's: no default (a pipeline without one is
            // rejected, naming `application.components`).
            application: LayerSpec {
                components: Vec::new(),
                version: "1.0.0".into(),
            },
            instance_types: vec!["t3.small".into()],
            root_volume_gib: 20,
            ami_parameter_name: None,
            schedule: None,
            logs: None,
        }
    }
}

/// The three layers, in order.
const LAYERS: [&str; 3] = ["system", "middleware", "application"];

/// EC2 Image Builder building the application AMI in three layers. Each layer's recipe takes the
/// newest image of the layer before it (`image/<name>-<layer>/x.x.x`) as its parent; the
/// application layer's distribution writes the AMI id to an SSM parameter that
/// [`crate::compute::Workload`] reads through [`AmiPipeline::ami_source`], so no AMI id is ever
/// written into a template.
///
/// Builds run in one private subnet with their own instance profile and a security group that
/// only allows HTTPS out. With a schedule, the middleware and application pipelines use
/// `EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE`, so a new system image cascades.
///
/// Caveat: Image Builder resolves a recipe's parent image when the recipe is created, so on the
/// very first deployment of a stack the middleware and application recipes can only be created
/// once the layer below has an image; build the layers in order (run the system pipeline, deploy,
/// and so on) when bootstrapping a fresh account.
#[derive(Debug, Clone)]
pub struct AmiPipeline {
    node: NodeRef,
    role: Handle<iam_l1::Role>,
    infrastructure: Handle<ib::InfrastructureConfiguration>,
    distribution: Handle<ib::DistributionConfiguration>,
    recipes: Vec<Handle<ib::ImageRecipe>>,
    pipelines: Vec<Handle<ib::ImagePipeline>>,
    tier: SecurityTier,
    logs: Option<LogBucket>,
    ami_parameter_name: String,
}

impl AsNode for AmiPipeline {
    fn node_ref(&self) -> &NodeRef {
        &self.node
    }
}

impl AmiPipeline {
    /// Creates the pipeline at `scope/id`: `SecurityGroup`, `InstanceRole`, `InstanceProfile`,
    /// `Infrastructure`, optional `Logs`, then per layer (`System`, `Middleware`, `Application`)
    /// its components, `Recipe` and `Pipeline`, and the application layer's `Distribution`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field: `name`, `parent_image`,
    /// `<layer>.version`, `<layer>.components` (empty, bad or duplicate names, documents over
    /// 16000 characters), `instance_types`, `root_volume_gib`, `ami_parameter_name`,
    /// `schedule`; `subnets` if empty. [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &AmiPipelineProps,
        vpc_id: Value<String>,
        subnets: &Subnets<Private>,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        check(&s, props)?;
        let Some(subnet) = subnets.iter().next() else {
            return Err(s.config_error("subnets", "give at least one private subnet"));
        };
        let name = props.name.as_str();
        let ami_parameter_name = props
            .ami_parameter_name
            .clone()
            .unwrap_or_else(|| format!("/{name}/ami/application"));

        let tier = SecurityTier::new(
            &mut s,
            "SecurityGroup",
            vpc_id,
            "Image Builder build instances: HTTPS out only",
        )?;
        allow_to_internet(
            s.stack(),
            &tier,
            InternetPeer::AnyIpv4,
            Port::Tcp(443),
            "HTTPS to AWS APIs, package mirrors and sources through NAT",
        )?;

        let logs = match &props.logs {
            Some(log_props) => Some(LogBucket::new(&mut s, "Logs", log_props)?),
            None => None,
        };
        let mut policies = Vec::new();
        if let Some(logs) = &logs {
            policies.push(iam_l1::role::Policy::new(
                PolicyDocument::new([Statement::allow(
                    ["s3:PutObject"],
                    [fns::concat([logs.arn(), format!("/{name}/*").into()])],
                )])
                .json(),
                "write-build-logs",
            ));
        }
        let role = s.resource(
            "InstanceRole",
            iam_l1::Role {
                description: Some("Image Builder build and test instances".into()),
                managed_policy_arns: Some(
                    vec![
                        managed_policy_arn("EC2InstanceProfileForImageBuilder"),
                        managed_policy_arn("AmazonSSMManagedInstanceCore"),
                    ]
                    .into(),
                ),
                policies: (!policies.is_empty()).then(|| policies.into()),
                ..iam_l1::Role::new(PolicyDocument::trust_service("ec2.amazonaws.com").json())
            },
        )?;
        let profile = s.resource(
            "InstanceProfile",
            iam_l1::InstanceProfile::new(vec![role.reference()]),
        )?;
        let infrastructure = s.resource(
            "Infrastructure",
            ib::InfrastructureConfiguration {
                description: Some(format!("{name}: builds in a private subnet").into()),
                instance_types: Some(
                    props
                        .instance_types
                        .iter()
                        .map(|t| Value::from(t.as_str()))
                        .collect(),
                ),
                subnet_id: Some(subnet.subnet.reference()),
                security_group_ids: Some(vec![tier.group_id()].into()),
                instance_metadata_options: Some(
                    infra::InstanceMetadataOptions {
                        http_tokens: Some("required".into()),
                        http_put_response_hop_limit: Some(2.into()),
                    }
                    .into(),
                ),
                terminate_instance_on_failure: Some(true.into()),
                logging: logs.as_ref().map(|l| {
                    infra::Logging {
                        s3_logs: Some(
                            infra::S3Logs {
                                s3_bucket_name: Some(l.name()),
                                s3_key_prefix: Some(name.into()),
                            }
                            .into(),
                        ),
                    }
                    .into()
                }),
                ..ib::InfrastructureConfiguration::new(
                    profile.reference(),
                    format!("{name}-infrastructure"),
                )
            },
        )?;

        let distribution = s.resource(
            "Distribution",
            ib::DistributionConfiguration {
                description: Some(
                    format!("{name}: application AMI, id published to {ami_parameter_name}").into(),
                ),
                ..ib::DistributionConfiguration::new(
                    vec![dist::Distribution {
                        ami_distribution_configuration: Some(
                            dist::AmiDistributionConfiguration {
                                name: Some(
                                    format!("{name}-application-{{{{ imagebuilder:buildDate }}}}")
                                        .into(),
                                ),
                                description: Some(format!("{name} application layer").into()),
                                ami_tags: Some(
                                    [("Project", name), ("Layer", "application")].into(),
                                ),
                                ..dist::AmiDistributionConfiguration::new()
                            }
                            .into(),
                        ),
                        ssm_parameter_configurations: Some(
                            vec![dist::SsmParameterConfiguration {
                                data_type: Some("aws:ec2:image".into()),
                                ..dist::SsmParameterConfiguration::new(ami_parameter_name.as_str())
                            }]
                            .into(),
                        ),
                        ..dist::Distribution::new(fns::region())
                    }],
                    format!("{name}-application"),
                )
            },
        )?;

        let layers = [&props.system, &props.middleware, &props.application];
        let mut recipes = Vec::new();
        let mut pipelines = Vec::new();
        let mut parent: Value<String> = match &props.parent_image {
            ParentImage::SsmParameter(p) => format!("ssm:{p}").into(),
            ParentImage::ImageArn(arn) | ParentImage::AmiId(arn) => arn.as_str().into(),
        };
        for (index, (layer_name, layer)) in LAYERS.iter().zip(layers).enumerate() {
            let recipe_name = format!("{name}-{layer_name}");
            let mut l = s.child(&capitalize(layer_name))?;
            let mut components = Vec::new();
            for spec in &layer.components {
                let arn = match &spec.body {
                    ComponentBody::AwsManaged(managed) => fns::concat([
                        "arn:".into(),
                        fns::partition(),
                        ":imagebuilder:".into(),
                        fns::region(),
                        format!(":aws:component/{managed}/x.x.x").into(),
                    ]),
                    ComponentBody::Document(doc) => {
                        component(&mut l, &recipe_name, spec, doc.clone(), &layer.version)?
                    }
                    ComponentBody::Commands(commands) => {
                        let doc = commands_document(spec, commands);
                        component(&mut l, &recipe_name, spec, doc, &layer.version)?
                    }
                };
                components.push(recipe::ComponentConfiguration {
                    component_arn: Some(arn),
                    ..recipe::ComponentConfiguration::new()
                });
            }
            let image_recipe = l.resource_with(
                "Recipe",
                ib::ImageRecipe {
                    description: Some(format!("{name}: {layer_name} layer").into()),
                    components: Some(components.into()),
                    block_device_mappings: Some(
                        vec![recipe::InstanceBlockDeviceMapping {
                            device_name: Some("/dev/xvda".into()),
                            ebs: Some(
                                recipe::EbsInstanceBlockDeviceSpecification {
                                    encrypted: Some(true.into()),
                                    volume_type: Some("gp3".into()),
                                    volume_size: Some(i64::from(props.root_volume_gib).into()),
                                    delete_on_termination: Some(true.into()),
                                    ..recipe::EbsInstanceBlockDeviceSpecification::new()
                                }
                                .into(),
                            ),
                            ..recipe::InstanceBlockDeviceMapping::new()
                        }]
                        .into(),
                    ),
                    ami_tags: Some([("Project", name), ("Layer", *layer_name)].into()),
                    ..ib::ImageRecipe::new(recipe_name.as_str(), parent, layer.version.as_str())
                },
                ResourceOptions {
                    metadata: crate::lint::suppressions(&[(
                        "CKV_AWS_200",
                        "Volumes are encrypted with the account's EBS key: a customer key would need grants for the Auto Scaling service-linked role on every instance launch.",
                    )], &[]),
                    ..ResourceOptions::default()
                },
            )?;
            let schedule = props.schedule.as_ref().map(|cron| {
                pipe::Schedule {
                    schedule_expression: Some(cron.as_str().into()),
                    pipeline_execution_start_condition: Some(
                        "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE".into(),
                    ),
                    ..pipe::Schedule::new()
                }
                .into()
            });
            let is_application = index == LAYERS.len() - 1;
            let pipeline = l.resource(
                "Pipeline",
                ib::ImagePipeline {
                    name: Some(recipe_name.as_str().into()),
                    description: Some(format!("{name}: builds the {layer_name} layer").into()),
                    image_recipe_arn: Some(image_recipe.attr_arn()),
                    infrastructure_configuration_arn: Some(infrastructure.attr_arn()),
                    distribution_configuration_arn: is_application.then(|| distribution.attr_arn()),
                    enhanced_image_metadata_enabled: Some(true.into()),
                    image_tests_configuration: Some(
                        pipe::ImageTestsConfiguration {
                            image_tests_enabled: Some(true.into()),
                            timeout_minutes: Some(60.into()),
                        }
                        .into(),
                    ),
                    schedule,
                    status: Some("ENABLED".into()),
                    ..ib::ImagePipeline::new()
                },
            )?;
            parent = fns::concat([
                "arn:".into(),
                fns::partition(),
                ":imagebuilder:".into(),
                fns::region(),
                ":".into(),
                fns::account_id(),
                format!(":image/{recipe_name}/x.x.x").into(),
            ]);
            recipes.push(image_recipe);
            pipelines.push(pipeline);
        }

        Ok(AmiPipeline {
            node: s.node_ref(),
            role,
            infrastructure,
            distribution,
            recipes,
            pipelines,
            tier,
            logs,
            ami_parameter_name,
        })
    }

    /// The SSM parameter the application AMI id is written to.
    pub fn ami_parameter_name(&self) -> &str {
        &self.ami_parameter_name
    }

    /// The application AMI as a [`crate::compute::WorkloadProps::ami`] source.
    pub fn ami_source(&self) -> AmiSource {
        AmiSource::SsmParameter(self.ami_parameter_name.clone())
    }

    /// The image pipelines' ARNs, system layer first.
    pub fn pipeline_arns(&self) -> Vec<Value<String>> {
        self.pipelines.iter().map(|p| p.attr_arn()).collect()
    }

    /// The build instances' security tier (allow it to reach interface endpoints, if any).
    pub fn tier(&self) -> &SecurityTier {
        &self.tier
    }

    /// The build log bucket, if logs go to S3.
    pub fn logs(&self) -> Option<&LogBucket> {
        self.logs.as_ref()
    }

    /// The build instance role L1.
    pub fn role(&self) -> &Handle<iam_l1::Role> {
        &self.role
    }

    /// The infrastructure configuration L1.
    pub fn infrastructure(&self) -> &Handle<ib::InfrastructureConfiguration> {
        &self.infrastructure
    }

    /// The application layer's distribution configuration L1.
    pub fn distribution(&self) -> &Handle<ib::DistributionConfiguration> {
        &self.distribution
    }

    /// The recipes L1s, system layer first.
    pub fn recipes(&self) -> &[Handle<ib::ImageRecipe>] {
        &self.recipes
    }

    /// The image pipeline L1s, system layer first.
    pub fn pipelines(&self) -> &[Handle<ib::ImagePipeline>] {
        &self.pipelines
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Adds a custom component and returns its (versioned) ARN.
fn component(
    l: &mut Scope<'_>,
    recipe_name: &str,
    spec: &ComponentSpec,
    document: String,
    version: &str,
) -> Result<Value<String>, ConstructError> {
    let c = l.resource_with(
        &capitalize(&spec.name.replace(['-', '_'], "")),
        ib::Component {
            description: Some(spec.description.as_str().into()),
            data: Some(document.into()),
            supported_os_versions: Some(vec!["Amazon Linux 2023"].into()),
            ..ib::Component::new(format!("{recipe_name}-{}", spec.name), "Linux", version)
        },
        ResourceOptions {
            metadata: crate::lint::suppressions(&[(
                "CKV_AWS_180",
                "Component documents are build scripts without secrets; Image Builder encrypts them with its service key.",
            )], &[]),
            ..ResourceOptions::default()
        },
    )?;
    Ok(c.attr_arn())
}

/// An AWSTOE document running `commands` as one bash step.
fn commands_document(spec: &ComponentSpec, commands: &[String]) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut doc = format!(
        "name: {}\ndescription: {}\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Run\n        action: ExecuteBash\n        inputs:\n          commands:\n",
        quote(&spec.name),
        quote(&spec.description)
    );
    for command in commands {
        doc.push_str(&format!("            - {}\n", quote(command)));
    }
    doc
}

fn version_ok(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.parse::<u32>().is_ok_and(|n| n <= 1_073_741_823) && !p.is_empty())
}

fn check(s: &Scope<'_>, p: &AmiPipelineProps) -> Result<(), ConstructError> {
    let err = |field: &str, msg: String| Err(s.config_error(field, msg));
    let name_ok = !p.name.is_empty()
        && p.name.len() <= 60
        && p.name.starts_with(|c: char| c.is_ascii_lowercase())
        && p.name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return err(
            "name",
            format!(
                "{:?}: 1-60 lower-case letters, digits and '-', starting with a letter",
                p.name
            ),
        );
    }
    let parent_ok = match &p.parent_image {
        ParentImage::SsmParameter(n) => n.starts_with('/'),
        ParentImage::ImageArn(a) => a.starts_with("arn:") && a.contains(":image/"),
        ParentImage::AmiId(a) => a.starts_with("ami-"),
    };
    if !parent_ok {
        return err(
            "parent_image",
            format!(
                "{:?} is not a parameter name, image ARN or AMI id",
                p.parent_image
            ),
        );
    }
    for (layer_name, layer) in LAYERS
        .iter()
        .zip([&p.system, &p.middleware, &p.application])
    {
        if !version_ok(&layer.version) {
            return err(
                &format!("{layer_name}.version"),
                format!("{:?} is not a version such as 1.0.0", layer.version),
            );
        }
        if layer.components.is_empty() {
            return err(
                &format!("{layer_name}.components"),
                "a recipe needs at least one component".into(),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &layer.components {
            let full = format!("{}-{layer_name}-{}", p.name, c.name);
            let ok = !c.name.is_empty()
                && full.len() <= 128
                && c.name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
            if !ok || !seen.insert(c.name.replace(['-', '_'], "").to_ascii_lowercase()) {
                return err(
                    &format!("{layer_name}.components"),
                    format!(
                        "component name {:?} is empty, too long, has characters other than letters, digits, '-' and '_', or repeats",
                        c.name
                    ),
                );
            }
            let size = match &c.body {
                ComponentBody::Document(d) => d.len(),
                ComponentBody::Commands(cmds) => commands_document(c, cmds).len(),
                ComponentBody::AwsManaged(_) => 0,
            };
            if size > 16_000 {
                return err(
                    &format!("{layer_name}.components"),
                    format!(
                        "component {:?} is {size} characters; Image Builder takes 16000",
                        c.name
                    ),
                );
            }
        }
    }
    if p.instance_types.is_empty() {
        return err("instance_types", "list at least one instance type".into());
    }
    if !(1..=16384).contains(&p.root_volume_gib) {
        return err("root_volume_gib", "must be 1-16384 GiB".into());
    }
    if let Some(n) = &p.ami_parameter_name
        && (!n.starts_with('/')
            || n.starts_with("/aws")
            || !n
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c)))
    {
        return err(
            "ami_parameter_name",
            format!("{n:?} is not a parameter name such as /app/ami (and /aws is reserved)"),
        );
    }
    if let Some(cron) = &p.schedule
        && !(cron.starts_with("cron(") && cron.ends_with(')'))
    {
        return err(
            "schedule",
            format!("{cron:?} is not a cron(...) expression"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_components_become_awstoe_documents_with_quoted_commands() {
        let spec = ComponentSpec::commands("x", "it's", ["echo 'hi'"]);
        let doc = commands_document(&spec, &["echo 'hi'".to_owned()]);
        assert!(doc.contains("description: 'it''s'"));
        assert!(doc.contains("            - 'echo ''hi'''\n"));
        assert!(doc.contains("action: ExecuteBash"));
    }

    #[test]
    fn versions_are_semantic() {
        assert!(version_ok("1.0.0"));
        assert!(!version_ok("1.0") && !version_ok("1.0.x") && !version_ok("1..0"));
    }
}
