//! The adapter's own data types: what goes into and comes out of [`super::Cfn`].

use crate::changes::ResourceChange;
use crate::template::Capability;

/// CloudFormation accepts template bodies up to this many bytes inline.
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;

/// A parameter value for a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParameterValue {
    /// This value.
    Value(String),
    /// Keep the stack's current value.
    UsePrevious,
}

/// Where the template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    /// Inline body (≤ [`MAX_INLINE_TEMPLATE_BYTES`]).
    Body(String),
    /// An S3 URL the template was uploaded to.
    Url(String),
}

/// Everything CreateChangeSet needs.
#[derive(Debug, Clone)]
pub struct ChangeSetRequest {
    /// Stack name.
    pub stack: String,
    /// Change set name.
    pub name: String,
    /// CREATE (new stack) or UPDATE.
    pub create: bool,
    /// Template.
    pub template: TemplateSource,
    /// Parameters.
    pub parameters: Vec<(String, ParameterValue)>,
    /// Stack tags.
    pub tags: Vec<(String, String)>,
    /// Capabilities to acknowledge.
    pub capabilities: Vec<Capability>,
    /// Description shown in the console.
    pub description: String,
    /// Idempotency token (`ClientToken`), unique per run: a retried request is recognised as
    /// the same one.
    pub client_token: String,
    /// Service role CloudFormation assumes for the operation (`--role-arn`).
    pub role_arn: Option<String>,
    /// SNS topics that receive the stack's events (`--notification-arn`).
    pub notification_arns: Vec<String>,
    /// Existing resources to import (an IMPORT change set when not empty).
    pub imports: Vec<ResourceToImport>,
}

/// An existing resource to bring under a stack (`import`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceToImport {
    /// Its logical id in the template.
    pub logical_id: String,
    /// Its type.
    pub resource_type: String,
    /// The identifier: (property, value), e.g. (`BucketName`, `my-bucket`).
    pub identifier: Vec<(String, String)>,
}

/// What CreateChangeSet answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// A change set (id) is being created.
    ChangeSet(String),
    /// The service said up front there is nothing to change.
    NoChanges(String),
}

/// A described change set, every page of changes included.
#[derive(Debug, Clone, Default)]
pub struct ChangeSetInfo {
    /// ARN.
    pub id: String,
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `FAILED`, ...
    pub status: String,
    /// Why, when FAILED.
    pub status_reason: Option<String>,
    /// `AVAILABLE`, `EXECUTE_IN_PROGRESS`, `EXECUTE_COMPLETE`, ...
    pub execution_status: String,
    /// Creation time, milliseconds since the epoch.
    pub created_ms: Option<i64>,
    /// All resource changes.
    pub changes: Vec<ResourceChange>,
}

/// One stack event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackEvent {
    /// Event id.
    pub id: String,
    /// Logical id (the stack name for stack-level events).
    pub logical_id: String,
    /// Resource type (`AWS::CloudFormation::Stack` for stack-level events).
    pub resource_type: String,
    /// Status (`CREATE_COMPLETE`, ...).
    pub status: String,
    /// Reason.
    pub reason: Option<String>,
    /// Milliseconds since the epoch.
    pub time_ms: i64,
    /// Construct path, filled in by the engine from the template.
    pub construct_path: Option<String>,
    /// The token of the call that caused it (ExecuteChangeSet, DeleteStack, ...).
    pub client_request_token: Option<String>,
}

/// One page of events, newest first.
#[derive(Debug, Clone, Default)]
pub struct EventPage {
    /// Events.
    pub events: Vec<StackEvent>,
    /// Token for the next (older) page.
    pub next: Option<String>,
}

/// A resource of a deployed stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackResource {
    /// Logical id.
    pub logical_id: String,
    /// Physical id.
    pub physical_id: Option<String>,
    /// Type.
    pub resource_type: String,
    /// Status.
    pub status: String,
}
