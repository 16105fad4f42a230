//! Escape hatches: changing what a construct built, and reaching past the typed model.
//!
//! In order of preference:
//! 1. [`Stack::props_mut`]: typed access to an L1 after a construct added it (still checked by
//!    the compiler and by synth's schema validation);
//! 2. [`Stack::add_override`]: set or delete any key of the rendered resource (`Properties.…`,
//!    `UpdatePolicy`, …) as raw JSON, after rendering; synth still validates the result;
//! 3. [`Scope::raw_resource`](constructs::Scope::raw_resource): a resource of a type the
//!    library does not generate, as an untyped property tree (references still resolve);
//! 4. [`Stack::logical_id_overrides`]: pin a logical id, e.g. to keep a resource that a
//!    refactor moved in the tree (or that came from another tool) from being replaced.

use constructs::edge::{LogBucket, LogBucketProps};
use constructs::encryption::EncryptionKey;
use constructs::resources::Tag;
use constructs::{App, ConstructError, Environment, OutputDef, Prop, Stack, ToProp, Value};
use serde_json::json;

/// The stack's name.
pub const STACK_NAME: &str = "Escapes";

/// The logical id pinned for the log bucket (its generated id would be `LogsBucket…` + hash).
pub const PINNED_BUCKET_ID: &str = "AccessLogsBucket";

/// Builds a stack that adjusts a library construct and adds an untyped resource.
///
/// # Errors
/// [`ConstructError`] if a handle is used with the wrong stack (not the case here).
pub fn build() -> Result<App, ConstructError> {
    let mut stack = Stack::new(STACK_NAME, Environment::region("us-east-1", &[]))?;
    stack.description = Some("Escape hatches example".into());

    // A library L2: a versioned, encrypted, TLS-only log bucket.
    let logs = LogBucket::new(&mut stack.root(), "Logs", &LogBucketProps::default())?;

    // 1. Typed: add tags to the bucket the L2 built. The handle says it is an `s3::Bucket`,
    //    so the compiler checks the field and its type.
    stack.props_mut(logs.l1())?.tags = Some(vec![Tag::new("CostCenter", "platform")].into());

    // 2. Raw JSON override: turn on EventBridge notifications, which the L2 does not expose.
    //    The path is dot-separated below the resource; missing objects are created.
    stack.add_override(
        logs.l1(),
        "Properties.NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled",
        Some(json!(true)),
    )?;

    // 3. A type the library does not generate (`AWS::SQS::Queue`), encrypted with a typed key.
    //    Typed values lower to `Prop` with `to_prop()`; references resolve as usual.
    let key = EncryptionKey::new(
        &mut stack.root(),
        "QueueKey",
        "Encrypts the dead-letter queue",
        &[],
    )?;
    let queue = stack.root().raw_resource(
        "DeadLetters",
        "AWS::SQS::Queue",
        Prop::map([
            ("KmsMasterKeyId", key.arn().to_prop()),
            ("MessageRetentionPeriod", Prop::Int(14 * 24 * 3600)),
        ]),
    )?;
    // Raw handles read attributes by name, typed by the caller.
    let queue_arn: Value<String> = queue.raw_attr("Arn");

    // 4. Pin the bucket's logical id (the key is the path below the stack).
    stack
        .logical_id_overrides
        .insert("Logs/Bucket".into(), PINNED_BUCKET_ID.into());

    let mut root = stack.root();
    root.output(
        "LogBucketName",
        OutputDef::new(logs.name(), "Where access logs go"),
    )?;
    root.output(
        "DeadLetterQueueArn",
        OutputDef::new(queue_arn, "Messages that could not be processed"),
    )?;

    let mut app = App::new();
    app.add_stack(stack)?;
    Ok(app)
}
