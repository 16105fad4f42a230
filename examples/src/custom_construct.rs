//! A user-defined L3 construct, [`EncryptedTopic`], and its use across two stacks.
//!
//! The library's convention for constructs, followed here:
//! - a `Props` struct (plain Rust data, `Default` where a default makes sense);
//! - `new(scope, id, &props) -> Result<Self, ConstructError>` that checks the props first and
//!   reports a bad one with [`Scope::config_error`] naming the field, then opens a child scope
//!   (`scope.child(id)?`) and adds L1 resources or other constructs under it;
//! - typed accessors for what other constructs need (ARNs, names), never logical-id strings;
//! - the L1 handles exposed for escape hatches.
//!
//! [`build`] puts the topic in an `Alerts` stack and an alarm and a role that use it in a
//! `Monitoring` stack: synth turns those cross-stack references into exports in `Alerts`,
//! `Fn::ImportValue`s in `Monitoring` and a stack dependency.

use constructs::encryption::EncryptionKey;
use constructs::iam::{PolicyDocument, Statement};
use constructs::resources::{cloudwatch, iam, sns};
use constructs::{App, ConstructError, Environment, Handle, OutputDef, Scope, Stack, Value, fns};

/// Options of [`EncryptedTopic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedTopicProps {
    /// The display name (what SMS and email subscribers see): at most 100 characters.
    pub display_name: String,
    /// A fixed topic name; `None` lets CloudFormation generate one (which allows replacement).
    /// Letters, digits, `-` and `_`, at most 256 characters; a FIFO topic's ends in `.fifo`.
    pub topic_name: Option<String>,
    /// Whether the topic is FIFO (ordered, exactly-once).
    pub fifo: bool,
    /// Service principals that publish to the topic and so must be able to use its key, e.g.
    /// `cloudwatch.amazonaws.com` for alarms or `events.amazonaws.com` for EventBridge rules.
    pub publisher_services: Vec<String>,
}

impl Default for EncryptedTopicProps {
    fn default() -> Self {
        EncryptedTopicProps {
            display_name: "Notifications".into(),
            topic_name: None,
            fifo: false,
            publisher_services: vec!["cloudwatch.amazonaws.com".into()],
        }
    }
}

/// An SNS topic encrypted with its own customer-managed KMS key (rotated, retained), and a
/// managed policy that lets a role publish to it (which needs both `sns:Publish` on the topic
/// and data-key access to the key).
///
/// Tree under `id`: `Key` (`AWS::KMS::Key`), `Resource` (`AWS::SNS::Topic`, so its logical id is
/// the readable `<id>…` without `Resource`) and `PublishPolicy` (`AWS::IAM::ManagedPolicy`).
#[derive(Debug, Clone)]
pub struct EncryptedTopic {
    key: EncryptionKey,
    topic: Handle<sns::Topic>,
    publish_policy: Handle<iam::ManagedPolicy>,
}

impl EncryptedTopic {
    /// Creates the key, the topic and the publish policy at `scope/id`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `display_name`, `topic_name` or
    /// `publisher_services` when one is not what SNS or IAM accept; [`ConstructError`] if `id`
    /// is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &EncryptedTopicProps,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        check(&s, props)?;

        let services: Vec<Value<String>> = props
            .publisher_services
            .iter()
            .map(|svc| svc.as_str().into())
            .collect();
        let key = EncryptionKey::new(
            &mut s,
            "Key",
            &format!("Encrypts the messages of the {} topic", props.display_name),
            &services,
        )?;
        let topic = s.resource(
            "Resource",
            sns::Topic {
                display_name: Some(props.display_name.as_str().into()),
                topic_name: props.topic_name.as_deref().map(Value::from),
                fifo_topic: props.fifo.then(|| true.into()),
                kms_master_key_id: Some(key.arn()),
                ..sns::Topic::new()
            },
        )?;
        let publish = PolicyDocument::new([
            Statement::allow(["sns:Publish"], [topic.reference()]).sid("PublishToTopic"),
            Statement::allow(["kms:GenerateDataKey*", "kms:Decrypt"], [key.arn()])
                .sid("EncryptMessages"),
        ]);
        let publish_policy = s.resource(
            "PublishPolicy",
            iam::ManagedPolicy {
                description: Some(format!("Publish to the {} topic", props.display_name).into()),
                ..iam::ManagedPolicy::new(publish.json())
            },
        )?;
        Ok(EncryptedTopic {
            key,
            topic,
            publish_policy,
        })
    }

    /// The topic's ARN (what alarms, rules and subscriptions take).
    pub fn topic_arn(&self) -> Value<String> {
        // `Ref` of an SNS topic is its ARN.
        self.topic.reference()
    }

    /// The topic's name (the `TopicName` dimension of its CloudWatch metrics).
    pub fn topic_name(&self) -> Value<String> {
        self.topic.attr_topic_name()
    }

    /// The ARN of the managed policy that lets a role publish to the topic.
    pub fn publish_policy_arn(&self) -> Value<String> {
        // `Ref` of a managed policy is its ARN.
        self.publish_policy.reference()
    }

    /// The topic's key.
    pub fn key(&self) -> &EncryptionKey {
        &self.key
    }

    /// The topic L1, for escape hatches.
    pub fn l1(&self) -> &Handle<sns::Topic> {
        &self.topic
    }
}

/// Checks the props before anything is added, so a bad value leaves the tree untouched below
/// the construct's own scope.
fn check(s: &Scope<'_>, props: &EncryptedTopicProps) -> Result<(), ConstructError> {
    let len = props.display_name.chars().count();
    if props.display_name.is_empty() || len > 100 {
        return Err(s.config_error(
            "display_name",
            format!("must have 1 to 100 characters, has {len}"),
        ));
    }
    if let Some(name) = &props.topic_name {
        let base = if props.fifo {
            name.strip_suffix(".fifo").ok_or_else(|| {
                s.config_error(
                    "topic_name",
                    format!("{name:?}: a FIFO topic's name must end in `.fifo`"),
                )
            })?
        } else {
            name
        };
        let valid = !base.is_empty()
            && name.len() <= 256
            && base
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !valid {
            return Err(s.config_error(
                "topic_name",
                format!("{name:?}: use 1 to 256 ASCII letters, digits, `-` and `_`"),
            ));
        }
    }
    if let Some(bad) = props
        .publisher_services
        .iter()
        .find(|svc| !svc.ends_with(".amazonaws.com") || svc.contains(char::is_whitespace))
    {
        return Err(s.config_error(
            "publisher_services",
            format!("{bad:?} is not a service principal (e.g. `cloudwatch.amazonaws.com`)"),
        ));
    }
    Ok(())
}

/// Name of the stack holding the topic.
pub const ALERTS_STACK: &str = "Alerts";
/// Name of the stack that uses it.
pub const MONITORING_STACK: &str = "Monitoring";

/// Builds the two-stack app: an [`EncryptedTopic`] in `Alerts`; in `Monitoring`, an alarm on
/// the topic's failed deliveries that notifies the topic itself, and a role allowed to publish.
///
/// # Errors
/// [`ConstructError`] if the topic's props are invalid (they are not here).
pub fn build() -> Result<App, ConstructError> {
    let env = Environment::region("us-east-1", &[]);

    let mut alerts = Stack::new(ALERTS_STACK, env.clone())?;
    alerts.description = Some("Custom construct example: an encrypted SNS topic".into());
    let topic = EncryptedTopic::new(
        &mut alerts.root(),
        "Alerts",
        &EncryptedTopicProps {
            display_name: "Operations alerts".into(),
            ..EncryptedTopicProps::default()
        },
    )?;
    alerts.root().output(
        "AlertsTopicArn",
        OutputDef::new(topic.topic_arn(), "Subscribe to operations alerts here"),
    )?;

    // A value computed from an attribute and a pseudo parameter: still typed, rendered as
    // `Fn::Sub` with the reference inline. (Outputs stay in the producing stack: an output that
    // re-exports an import is something cfn-lint warns about, W6001.)
    alerts.root().output(
        "AlertsConsoleUrl",
        OutputDef::new(
            fns::concat([
                "https://console.aws.amazon.com/sns/v3/home?region=".into(),
                fns::region(),
                "#/topic/".into(),
                topic.topic_arn(),
            ]),
            "The topic in the console",
        ),
    )?;

    let mut monitoring = Stack::new(MONITORING_STACK, env)?;
    monitoring.description = Some("Custom construct example: what uses the topic".into());
    let mut root = monitoring.root();
    // Referencing another stack's construct is just using its accessors: synth exports the
    // values from `Alerts` and imports them here.
    root.resource(
        "FailedDeliveries",
        cloudwatch::Alarm {
            alarm_description: Some("The alerts topic failed to deliver notifications".into()),
            namespace: Some("AWS/SNS".into()),
            metric_name: Some("NumberOfNotificationsFailed".into()),
            dimensions: Some(
                vec![cloudwatch::alarm::Dimension::new(
                    "TopicName",
                    topic.topic_name(),
                )]
                .into(),
            ),
            statistic: Some("Sum".into()),
            period: Some(300.into()),
            evaluation_periods: Some(1.into()),
            threshold: Some(0.into()),
            comparison_operator: Some("GreaterThanThreshold".into()),
            treat_missing_data: Some("notBreaching".into()),
            alarm_actions: Some(vec![topic.topic_arn()].into()),
            ..cloudwatch::Alarm::new()
        },
    )?;
    let reporter = root.resource(
        "Reporter",
        iam::Role {
            description: Some("Scheduled jobs that report to the alerts topic".into()),
            managed_policy_arns: Some(vec![topic.publish_policy_arn()].into()),
            ..iam::Role::new(PolicyDocument::trust_service("scheduler.amazonaws.com").json())
        },
    )?;
    root.output(
        "ReporterRoleArn",
        OutputDef::new(reporter.attr_arn(), "Role for jobs that publish alerts"),
    )?;
    let mut app = App::new();
    app.add_stack(alerts)?;
    app.add_stack(monitoring)?;
    Ok(app)
}
