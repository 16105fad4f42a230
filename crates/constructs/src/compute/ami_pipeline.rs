//! `AmiPipeline`: EC2 Image Builder in three layers (system → middleware → application), built
//! at deploy time and rebuilt by pipelines.

use crate::compute::workload::{AL2023_AMI_PARAMETER, AmiSource};
use crate::edge::log_bucket::{LogBucket, LogBucketProps};
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Statement, managed_policy_arn};
use crate::network::{InternetPeer, Port, Private, SecurityTier, Subnets, allow_to_internet};
use crate::resources::iam as iam_l1;
use crate::resources::imagebuilder::{
    self as ib, distribution_configuration as dist, image as ib_image, image_pipeline as pipe,
    image_recipe as recipe, infrastructure_configuration as infra,
};
use crate::resources::ssm;
use crate::tree::{AsNode, Handle, NodeKind, NodeRef, ResourceOptions, Scope, Stack};
use crate::value::{Expr, Value};
use md5::{Digest, Md5};

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
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentSpec {
    /// Name within the layer (letters, digits, `-`, `_`).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// What it runs.
    pub body: ComponentBody,
    /// Parameters of the document (AWSTOE `{{ Name }}`), with the values the recipe passes:
    /// the way to hand a component something only known at deploy time (an S3 URI with the
    /// account in it, a parameter's value) while its document, and so its version, stays a
    /// literal. Command components declare them in their document; a [`ComponentBody::Document`]
    /// must declare them itself.
    pub parameters: Vec<ComponentParameter>,
}

/// One parameter of a [`ComponentSpec`]: declared as a string in the document, set by the recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentParameter {
    /// Name (letters and digits), used in the document as `{{ Name }}`.
    pub name: String,
    /// What it holds.
    pub description: String,
    /// The value the recipe passes (may be an expression, e.g. an asset's S3 URI).
    pub value: Value<String>,
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
            parameters: Vec::new(),
        }
    }

    /// This component with one more parameter (see [`ComponentSpec::parameters`]).
    #[must_use]
    pub fn with_parameter(
        mut self,
        name: &str,
        description: &str,
        value: impl Into<Value<String>>,
    ) -> Self {
        self.parameters.push(ComponentParameter {
            name: name.into(),
            description: description.into(),
            value: value.into(),
        });
        self
    }

    /// An Amazon-managed component.
    pub fn aws_managed(name: &str, description: &str) -> Self {
        ComponentSpec {
            name: name.into(),
            description: description.into(),
            body: ComponentBody::AwsManaged(name.into()),
            parameters: Vec::new(),
        }
    }
}

/// One layer: its components, in order, and its version line.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSpec {
    /// Components, run in order.
    pub components: Vec<ComponentSpec>,
    /// `major.minor` of the layer's recipe and components, e.g. `1.0` (set by you, for people:
    /// bump it to mark a new line). The patch number is derived from content (see
    /// [`AmiPipeline`]): an edit needs no bump to build a new image, and Image Builder's
    /// immutable versions never collide.
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
            version: "1.0".into(),
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
            version: "1.0".into(),
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
#[derive(Debug, Clone, PartialEq)]
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
    /// Cron expression (Image Builder syntax, e.g. `cron(0 3 ? * sun *)`) for rebuilding: the
    /// system layer at every tick, the layers above when the layer below has a new build.
    /// `None`: pipelines only run when started by hand (deployments build regardless).
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
                version: "1.0".into(),
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

/// EC2 Image Builder building the application AMI in three layers, on an empty account in one
/// deployment.
///
/// **At deploy time** each layer's `AWS::ImageBuilder::Image` builds (and tests) its recipe, and
/// the next layer's recipe takes that image as its parent through the image's
/// `LatestVersion.Patch` attribute (`arn:…:image/<name>-<layer>/<version>`: the newest build of
/// exactly that recipe version), so CloudFormation creates system image → middleware recipe →
/// middleware image → application recipe → application image in order. (Not the image's `Arn`
/// or `ImageId`: they change whenever an image is merely rebuilt, which would replace the recipe
/// above under its unchanged, and therefore already taken, version.) The system layer's parent
/// is [`AmiPipelineProps::parent_image`] (the public Amazon Linux 2023 SSM parameter by default).
/// The stack then writes the application image's AMI id to an `AWS::SSM::Parameter`
/// ([`AmiPipeline::ami_parameter_name`], data type `aws:ec2:image`) that
/// [`crate::compute::Workload`] reads through [`AmiPipeline::ami_source`]: the parameter exists
/// once the stack is complete, goes away with it, and no AMI id is written into a template.
/// Deploy-time images use no distribution: Image Builder writing the parameter would collide
/// with CloudFormation creating it.
///
/// **Versions follow content.** Component and recipe versions are `major.minor.patch` with
/// `major.minor` from [`LayerSpec::version`] and the patch a stable hash (below 2^30, Image
/// Builder's limit) of everything that defines them: a component's name, description, platform
/// and document; a recipe's name, description, parent (the parent layer's recipe name and
/// version), components (with their versions), block devices and AMI tags. Editing a component
/// therefore creates a new component version, a new version of its recipe and of every recipe
/// above it, and replaces their images: the new application image id changes the parameter.
/// An unchanged program synthesizes identical versions.
///
/// **Rebuilds** run through one `AWS::ImageBuilder::ImagePipeline` per layer, on the same
/// recipes. With a [`AmiPipelineProps::schedule`] the system pipeline rebuilds at every tick
/// (`EXPRESSION_MATCH_ONLY`: OS security updates come from the package repositories, not from new
/// component versions), and the middleware and application pipelines
/// (`EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE`) rebuild when the layer below has a new
/// build, since their parents name the newest build of a recipe version. All pipelines share the
/// schedule and check for updates when it fires, so a new system build reaches the application
/// image at the following ticks (start the pipelines by hand to hurry it). The application
/// pipeline's distribution publishes the new AMI id to the same SSM parameter
/// (`SsmParameterConfigurations`); the parameter then differs from the template's value until the
/// next content change, which is intended.
///
/// **How a rebuild reaches instances**: the workload's stack reads the parameter through an
/// `AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>` template parameter, which CloudFormation
/// resolves at every deployment of that stack. The next deployment of the app stack after a
/// rebuild (or after a content change, which replaces the images) sees a new AMI id, makes a new
/// launch-template version, and the auto scaling group's rolling update replaces the instances.
/// Nothing rolls between deployments; old AMIs are kept (deleting an Image Builder image leaves
/// its AMI), so instances and rollbacks never lose their image.
///
/// Upgrading a stack from a version of this construct whose pipelines alone wrote the parameter:
/// the parameter then exists outside CloudFormation, and creating `AmiParameter` fails; delete
/// it (`aws ssm delete-parameter`) just before that update (running instances are unaffected,
/// the workload's stack only reads it when it is deployed).
///
/// Builds run in one private subnet with their own instance profile and a security group that
/// only allows HTTPS out (through NAT; allow it to interface endpoints with
/// [`crate::network::HaVpc::allow_endpoints`] and then call [`AmiPipeline::wait_for_rules`]).
/// Every deploy-time image waits for the build tier's rules, so no build starts before its
/// network paths exist.
#[derive(Debug, Clone)]
pub struct AmiPipeline {
    node: NodeRef,
    role: Handle<iam_l1::Role>,
    infrastructure: Handle<ib::InfrastructureConfiguration>,
    distribution: Handle<ib::DistributionConfiguration>,
    recipes: Vec<Handle<ib::ImageRecipe>>,
    images: Vec<Handle<ib::Image>>,
    pipelines: Vec<Handle<ib::ImagePipeline>>,
    ami_parameter: Handle<ssm::Parameter>,
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
    /// `Infrastructure`, optional `Logs`, the application layer's `Distribution`, then per layer
    /// (`System`, `Middleware`, `Application`) its components, `Recipe`, `Image` and `Pipeline`,
    /// and finally `AmiParameter` (the SSM parameter holding the application AMI id).
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field: `name`, `parent_image`,
    /// `<layer>.version` (not `major.minor`), `<layer>.components` (empty, bad or duplicate
    /// names, documents over 16000 characters), `instance_types`, `root_volume_gib`,
    /// `ami_parameter_name`, `schedule`; `subnets` if empty. [`ConstructError`] if `id` is taken
    /// in `scope`.
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
        let mut images = Vec::new();
        let mut pipelines = Vec::new();
        let (mut parent, mut parent_identity): (Value<String>, String) = match &props.parent_image {
            ParentImage::SsmParameter(p) => (format!("ssm:{p}").into(), format!("ssm:{p}")),
            ParentImage::ImageArn(arn) | ParentImage::AmiId(arn) => {
                (arn.as_str().into(), arn.clone())
            }
        };
        for (index, (layer_name, layer)) in LAYERS.iter().zip(layers).enumerate() {
            let recipe_name = format!("{name}-{layer_name}");
            let mut l = s.child(&capitalize(layer_name))?;
            let mut components = Vec::new();
            let mut component_identities = Vec::new();
            for spec in &layer.components {
                let (arn, identity) = match &spec.body {
                    ComponentBody::AwsManaged(managed) => (
                        fns::concat([
                            "arn:".into(),
                            fns::partition(),
                            ":imagebuilder:".into(),
                            fns::region(),
                            format!(":aws:component/{managed}/x.x.x").into(),
                        ]),
                        format!("aws:component/{managed}/x.x.x"),
                    ),
                    ComponentBody::Document(doc) => {
                        component(&mut l, &recipe_name, spec, doc.clone(), &layer.version)?
                    }
                    ComponentBody::Commands(commands) => {
                        let doc = commands_document(spec, commands);
                        component(&mut l, &recipe_name, spec, doc, &layer.version)?
                    }
                };
                let parameters: Vec<recipe::ComponentParameter> = spec
                    .parameters
                    .iter()
                    .map(|p| {
                        recipe::ComponentParameter::new(p.name.as_str(), vec![p.value.clone()])
                    })
                    .collect();
                // The recipe's version covers what it passes to each component.
                let passed: String = spec
                    .parameters
                    .iter()
                    .map(|p| format!(" {}={:?}", p.name, p.value))
                    .collect();
                components.push(recipe::ComponentConfiguration {
                    component_arn: Some(arn),
                    parameters: (!parameters.is_empty()).then(|| parameters.into()),
                });
                component_identities.push(identity + &passed);
            }
            let description = format!("{name}: {layer_name} layer");
            let ami_tags = [("Project", name), ("Layer", *layer_name)];
            let volume = format!("/dev/xvda gp3 encrypted {} GiB", props.root_volume_gib);
            let mut inputs: Vec<&str> = vec![
                "recipe",
                &recipe_name,
                &description,
                &parent_identity,
                &volume,
            ];
            inputs.extend(component_identities.iter().map(String::as_str));
            let tags_text: Vec<String> = ami_tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
            inputs.extend(tags_text.iter().map(String::as_str));
            let recipe_version = content_version(&layer.version, &inputs);
            let image_recipe = l.resource_with(
                "Recipe",
                ib::ImageRecipe {
                    description: Some(description.as_str().into()),
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
                    ami_tags: Some(ami_tags.into()),
                    ..ib::ImageRecipe::new(recipe_name.as_str(), parent, recipe_version.as_str())
                },
                ResourceOptions {
                    metadata: crate::lint::suppressions(&[(
                        "CKV_AWS_200",
                        "Volumes are encrypted with the account's EBS key: a customer key would need grants for the Auto Scaling service-linked role on every instance launch.",
                    )], &[]),
                    ..ResourceOptions::default()
                },
            )?;
            let tests = || {
                Some(
                    pipe::ImageTestsConfiguration {
                        image_tests_enabled: Some(true.into()),
                        timeout_minutes: Some(60.into()),
                    }
                    .into(),
                )
            };
            let image = l.resource(
                "Image",
                ib::Image {
                    image_recipe_arn: Some(image_recipe.attr_arn()),
                    infrastructure_configuration_arn: Some(infrastructure.attr_arn()),
                    enhanced_image_metadata_enabled: Some(true.into()),
                    image_tests_configuration: Some(
                        ib_image::ImageTestsConfiguration {
                            image_tests_enabled: Some(true.into()),
                            timeout_minutes: Some(60.into()),
                        }
                        .into(),
                    ),
                    tags: Some(ami_tags.into()),
                    ..ib::Image::new()
                },
            )?;
            let is_system = index == 0;
            let schedule = props.schedule.as_ref().map(|cron| {
                pipe::Schedule {
                    schedule_expression: Some(cron.as_str().into()),
                    // The system layer rebuilds on every tick (OS security updates come from the
                    // package repositories, not from new component versions); the layers above
                    // rebuild when the layer below has a new build.
                    pipeline_execution_start_condition: Some(
                        if is_system {
                            "EXPRESSION_MATCH_ONLY"
                        } else {
                            "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
                        }
                        .into(),
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
                    description: Some(format!("{name}: rebuilds the {layer_name} layer").into()),
                    image_recipe_arn: Some(image_recipe.attr_arn()),
                    infrastructure_configuration_arn: Some(infrastructure.attr_arn()),
                    distribution_configuration_arn: is_application.then(|| distribution.attr_arn()),
                    enhanced_image_metadata_enabled: Some(true.into()),
                    image_tests_configuration: tests(),
                    schedule,
                    status: Some("ENABLED".into()),
                    ..ib::ImagePipeline::new()
                },
            )?;
            parent = image.attr_latest_version_patch();
            parent_identity = format!("image/{recipe_name}/{recipe_version}");
            recipes.push(image_recipe);
            images.push(image);
            pipelines.push(pipeline);
        }

        let Some(application_image) = images.last() else {
            return Err(s.config_error("application", "the application layer built no image"));
        };
        let ami_parameter = s.resource(
            "AmiParameter",
            ssm::Parameter {
                name: Some(ami_parameter_name.as_str().into()),
                data_type: Some("aws:ec2:image".into()),
                description: Some(
                    format!(
                        "{name}: application AMI id (deploy-time build; the application pipeline overwrites it on rebuilds)"
                    )
                    .into(),
                ),
                tags: Some([("Project", name), ("Layer", "application")].into()),
                ..ssm::Parameter::new("String", application_image.attr_image_id())
            },
        )?;

        let pipeline = AmiPipeline {
            node: s.node_ref(),
            role,
            infrastructure,
            distribution,
            recipes,
            images,
            pipelines,
            tier,
            logs,
            ami_parameter,
            ami_parameter_name,
        };
        pipeline.wait_for_rules(s.stack())?;
        Ok(pipeline)
    }

    /// Makes every deploy-time image wait for the security-group rules of `stack` that involve
    /// the build tier (its egress to the internet and to interface endpoints, the endpoints'
    /// ingress from it), so that no build starts before its network paths exist. [`Self::new`]
    /// covers the rules it creates; call this again after allowing the tier more (e.g.
    /// [`crate::network::HaVpc::allow_endpoints`]). Calling it twice adds nothing twice.
    ///
    /// # Errors
    /// [`ConstructError::WrongNode`] if `stack` is not the pipeline's stack.
    pub fn wait_for_rules(&self, stack: &mut Stack) -> Result<(), ConstructError> {
        let group = self.tier.l1().node_ref().clone();
        let mut rules = Vec::new();
        for (nid, node) in stack.iter() {
            let NodeKind::Resource(entry) = &node.kind else {
                continue;
            };
            if !matches!(
                entry.body.type_name(),
                "AWS::EC2::SecurityGroupEgress" | "AWS::EC2::SecurityGroupIngress"
            ) {
                continue;
            }
            let mut involves = false;
            entry.body.properties().visit_exprs(&mut |e: &Expr| {
                involves |= e.node_refs().contains(&&group);
            });
            if involves {
                rules.push(stack.node_ref(nid));
            }
        }
        for image in &self.images {
            let options = stack.options_mut(image)?;
            for rule in &rules {
                if !options.depends_on.contains(rule) {
                    options.depends_on.push(rule.clone());
                }
            }
        }
        Ok(())
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

    /// The deploy-time image L1s, system layer first (the last one's AMI id is the
    /// application AMI).
    pub fn images(&self) -> &[Handle<ib::Image>] {
        &self.images
    }

    /// The `AWS::SSM::Parameter` holding the application AMI id.
    pub fn ami_parameter(&self) -> &Handle<ssm::Parameter> {
        &self.ami_parameter
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

/// Adds a custom component; returns its ARN and its identity (name and content version) for
/// the recipe's version.
fn component(
    l: &mut Scope<'_>,
    recipe_name: &str,
    spec: &ComponentSpec,
    document: String,
    major_minor: &str,
) -> Result<(Value<String>, String), ConstructError> {
    let full_name = format!("{recipe_name}-{}", spec.name);
    let version = content_version(
        major_minor,
        &[
            "component",
            &full_name,
            &spec.description,
            COMPONENT_PLATFORM,
            COMPONENT_OS,
            &document,
        ],
    );
    let c = l.resource_with(
        &capitalize(&spec.name.replace(['-', '_'], "")),
        ib::Component {
            description: Some(spec.description.as_str().into()),
            data: Some(document.into()),
            supported_os_versions: Some(vec![COMPONENT_OS].into()),
            ..ib::Component::new(full_name.as_str(), COMPONENT_PLATFORM, version.as_str())
        },
        ResourceOptions {
            metadata: crate::lint::suppressions(&[(
                "CKV_AWS_180",
                "Component documents are build scripts without secrets; Image Builder encrypts them with its service key.",
            )], &[]),
            ..ResourceOptions::default()
        },
    )?;
    Ok((c.attr_arn(), format!("component/{full_name}/{version}")))
}

/// Platform of custom components.
const COMPONENT_PLATFORM: &str = "Linux";
/// Operating system custom components support.
const COMPONENT_OS: &str = "Amazon Linux 2023";

/// Largest value of a version node in Image Builder (2^30 - 1).
const MAX_VERSION_NODE: u32 = 1_073_741_823;

/// `major_minor.<patch>` with the patch a stable hash of `inputs` (MD5 of the length-prefixed
/// inputs, first 30 bits), so equal inputs give equal versions in every run and on every
/// machine, and any change of an input gives a new version.
fn content_version(major_minor: &str, inputs: &[&str]) -> String {
    let mut hasher = Md5::new();
    for input in inputs {
        hasher.update((input.len() as u64).to_be_bytes());
        hasher.update(input.as_bytes());
    }
    let digest = hasher.finalize();
    let patch = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) & MAX_VERSION_NODE;
    format!("{major_minor}.{patch}")
}

/// An AWSTOE document running `commands` as one bash step.
fn commands_document(spec: &ComponentSpec, commands: &[String]) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut doc = format!(
        "name: {}\ndescription: {}\nschemaVersion: 1.0\n",
        quote(&spec.name),
        quote(&spec.description)
    );
    if !spec.parameters.is_empty() {
        doc.push_str("parameters:\n");
        for p in &spec.parameters {
            doc.push_str(&format!(
                "  - {}:\n      type: string\n      description: {}\n",
                p.name,
                quote(&p.description)
            ));
        }
    }
    doc.push_str(
        "phases:\n  - name: build\n    steps:\n      - name: Run\n        action: ExecuteBash\n        inputs:\n          commands:\n",
    );
    for command in commands {
        doc.push_str(&format!("            - {}\n", quote(command)));
    }
    doc
}

/// Whether `v` is a `major.minor` Image Builder version line.
fn version_ok(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n <= MAX_VERSION_NODE)
        })
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
                format!(
                    "{:?} is not a major.minor version such as 1.0 (the patch number is derived from the layer's content)",
                    layer.version
                ),
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
            for param in &c.parameters {
                let ok = !param.name.is_empty()
                    && param.name.len() <= 256
                    && param.name.chars().all(|ch| ch.is_ascii_alphanumeric());
                if !ok || matches!(c.body, ComponentBody::AwsManaged(_)) {
                    return err(
                        &format!("{layer_name}.components"),
                        format!(
                            "component {:?}: parameter {:?} must be 1-256 letters and digits, on a component of ours (not an Amazon-managed one)",
                            c.name, param.name
                        ),
                    );
                }
            }
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
    fn version_lines_are_major_minor() {
        assert!(version_ok("1.0") && version_ok("2024.12"));
        assert!(!version_ok("1.0.0") && !version_ok("1") && !version_ok("1.x"));
        assert!(!version_ok("1.") && !version_ok("+1.0") && !version_ok("1.1073741824"));
    }

    #[test]
    fn content_versions_are_stable_bounded_and_change_with_any_input() {
        let v = content_version("1.0", &["a", "b"]);
        assert_eq!(v, content_version("1.0", &["a", "b"]));
        let patch: u32 = v
            .strip_prefix("1.0.")
            .and_then(|p| p.parse().ok())
            .expect("patch");
        assert!(patch <= MAX_VERSION_NODE);
        assert_ne!(v, content_version("1.0", &["a", "c"]));
        // Inputs are length-prefixed: moving a boundary is a change.
        assert_ne!(v, content_version("1.0", &["ab", ""]));
        assert!(content_version("2.3", &["a", "b"]).starts_with("2.3."));
        // Pinned: the version of a given content never changes between releases of this code
        // (a change here would rebuild every user's images).
        assert_eq!(
            content_version("1.0", &[]),
            format!("1.0.{}", 0xd41d_8cd9_u32 & MAX_VERSION_NODE)
        );
    }
}
