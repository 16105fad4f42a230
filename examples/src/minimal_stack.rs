//! The smallest useful program: one stack, one typed L1 resource, one output.
//!
//! ```
//! let app = examples::minimal_stack::build()?;
//! let assembly = synth::synth(&app)?;
//! let template = &assembly.stacks[0].template;
//! assert_eq!(template["Resources"]["Alerts"]["Type"], "AWS::SNS::Topic");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use constructs::resources::{Tag, sns};
use constructs::{App, ConstructError, Environment, OutputDef, Stack};

/// The stack's name.
pub const STACK_NAME: &str = "Minimal";

/// Builds an app with one stack holding an SNS topic (encrypted with the AWS-managed SNS key)
/// and an output with the topic's ARN.
///
/// # Errors
/// [`ConstructError`] if an id is invalid or taken (not the case here).
pub fn build() -> Result<App, ConstructError> {
    // An environment-agnostic stack would leave the region to deploy time; pinning it lets
    // templates use the region's zones and makes the example deterministic anyway.
    let mut stack = Stack::new(STACK_NAME, Environment::region("us-east-1", &[]))?;
    stack.description = Some("Minimal example: an encrypted SNS topic".into());

    let mut root = stack.root();
    // A generated L1: required properties are plain fields, optional ones `Option`s.
    let topic = root.resource(
        "Alerts",
        sns::Topic {
            display_name: Some("Alerts".into()),
            kms_master_key_id: Some("alias/aws/sns".into()),
            tags: Some(vec![Tag::new("Project", "examples")].into()),
            ..sns::Topic::new()
        },
    )?;
    // `Ref` of a topic is its ARN; `attr_topic_name()` would read its name.
    root.output(
        "AlertsTopicArn",
        OutputDef::new(topic.reference(), "Subscribe to alerts here"),
    )?;

    let mut app = App::new();
    app.add_stack(stack)?;
    Ok(app)
}
