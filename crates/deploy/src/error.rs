//! The deploy layer's errors. Each message says what happened and what to do next.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::assembly::AssemblyError;
use crate::stateful::DataLossRisk;

/// How an API error should be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// The service asked us to slow down; retry later.
    Throttled,
    /// A server error, time-out or connection failure; retrying may help.
    Transient,
    /// The request was rejected for good (validation, permissions, not found...).
    Permanent,
}

/// A failed CloudFormation (or S3) call, after retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The operation, e.g. `CreateChangeSet`.
    pub operation: &'static str,
    /// The service's error code, e.g. `ValidationError`.
    pub code: Option<String>,
    /// The service's message, or a description of the transport failure.
    pub message: String,
    /// Retry classification.
    pub kind: ApiErrorKind,
    /// The service's request id, for support cases and log searches.
    pub request_id: Option<String>,
}

impl ApiError {
    /// Whether the error says the stack does not exist (`ValidationError` "... does not exist").
    pub fn is_stack_missing(&self) -> bool {
        self.code.as_deref() == Some("ValidationError") && self.message.contains("does not exist")
    }

    fn hint(&self) -> &'static str {
        let code = self.code.as_deref().unwrap_or("");
        if code.contains("AccessDenied") || code == "UnauthorizedOperation" {
            " (check that your credentials, profile and region are the ones you meant, and that \
             they allow this action)"
        } else if code.contains("ExpiredToken") || code.contains("InvalidClientTokenId") {
            " (your credentials are expired or invalid: refresh them, e.g. `aws sso login`)"
        } else if self.kind == ApiErrorKind::Throttled {
            " (still throttled after retries: wait a minute and run again, or deploy fewer stacks at once)"
        } else if self.kind == ApiErrorKind::Transient {
            " (the endpoint did not answer properly after retries: check the endpoint URL and your \
             network, then run again)"
        } else {
            ""
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed", self.operation)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        f.write_str(self.hint())
    }
}

impl std::error::Error for ApiError {}

/// A resource that failed during a stack operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceFailure {
    /// Logical id.
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// `CREATE_FAILED`, `UPDATE_FAILED`, `DELETE_FAILED`...
    pub status: String,
    /// The service's reason.
    pub reason: String,
    /// Construct path from the template metadata.
    pub construct_path: Option<String>,
    /// The stack's own event (the stack failed, e.g. "Export ... is in use"), not a resource's.
    pub stack_level: bool,
}

impl fmt::Display for ResourceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.stack_level {
            return write!(
                f,
                "{} stack {} itself: {}",
                self.status, self.logical_id, self.reason
            );
        }
        write!(
            f,
            "{} {} ({}): {}",
            self.status, self.logical_id, self.resource_type, self.reason
        )?;
        if let Some(p) = &self.construct_path {
            write!(f, " [construct {p}]")?;
        }
        Ok(())
    }
}

/// An export that another stack imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportInUse {
    /// The exporting stack.
    pub stack: String,
    /// The export name.
    pub export: String,
    /// The stacks importing it that are not being deleted.
    pub importers: Vec<String>,
}

impl fmt::Display for ExportInUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stack {} exports {}, imported by {}",
            self.stack,
            self.export,
            self.importers.join(", ")
        )
    }
}

/// What to do after an operation ended in `status`.
fn next_step(stack: &str, status: &str) -> String {
    match crate::planner::plan(Some(&crate::planner::StackState {
        name: stack.to_owned(),
        status: status.to_owned(),
        ..Default::default()
    })) {
        crate::planner::Plan::DeleteAndRecreate { .. } => {
            "Fix the cause and deploy again: the next deploy deletes the empty stack and creates it \
             afresh"
                .to_owned()
        }
        crate::planner::Plan::Blocked { advice, .. } => format!("To recover: {advice}"),
        _ => "The stack is back to its previous state; fix the cause and deploy again".to_owned(),
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| format!("\n  - {i}")).collect()
}

fn risk_list(items: &[DataLossRisk]) -> String {
    items
        .iter()
        .map(|r| {
            let path = r
                .construct_path
                .as_deref()
                .map(|p| format!(" [construct {p}]"))
                .unwrap_or_default();
            format!(
                "\n  - {} ({}) would be {}{path}; a {}",
                r.logical_id, r.resource_type, r.what, r.loses
            )
        })
        .collect()
}

fn allow_flags(stack: &str, items: &[DataLossRisk]) -> String {
    items
        .iter()
        .map(|r| format!("--allow-replace {stack}:{}", r.logical_id))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything that can go wrong in diff, deploy and destroy.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The assembly directory could not be read.
    #[error(transparent)]
    Assembly(#[from] AssemblyError),
    /// Pre-flight found reasons the deploy cannot succeed; nothing was started.
    #[error(
        "nothing was done: pre-flight found {} problem(s):{}",
        .0.len(),
        list(.0)
    )]
    Preflight(Vec<crate::preflight::Problem>),
    /// A file asset could not be published; no change set was created for the stacks after it.
    #[error("publishing asset {asset} to bucket {bucket}: {error}")]
    Asset {
        /// The asset's file in the assembly.
        asset: String,
        /// The bucket it was going to.
        bucket: String,
        /// The failed call.
        error: Box<ApiError>,
    },
    /// A service call failed for good.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The AWS configuration is incomplete.
    #[error("AWS configuration: {0}")]
    Config(String),
    /// The stack is in a state that needs a person.
    #[error("stack {stack} is in {status}: {advice}")]
    Blocked {
        /// Stack name.
        stack: String,
        /// Its status.
        status: String,
        /// How to recover.
        advice: String,
    },
    /// A bounded wait ran out.
    #[error(
        "gave up after {after:?} waiting for stack {stack} to {waiting_for} (last status {status}). \
         Nothing was cancelled: CloudFormation carries on. Run the command again to continue from \
         the stack's real state, or raise --timeout"
    )]
    TimedOut {
        /// Stack name.
        stack: String,
        /// What we waited for ("finish creating the change set", ...).
        waiting_for: String,
        /// Last status seen.
        status: String,
        /// The time-out.
        after: Duration,
    },
    /// The user pressed Ctrl-C (or the caller cancelled).
    #[error(
        "interrupted while waiting for stack {stack} to {waiting_for} (last status {status}). \
         {still_running} Run the same command again to pick up from the stack's real state"
    )]
    Interrupted {
        /// Stack name.
        stack: String,
        /// What we were waiting for.
        waiting_for: String,
        /// Last status seen.
        status: String,
        /// What keeps running on the service side.
        still_running: String,
    },
    /// The user pressed Ctrl-C between steps, before anything more was started.
    #[error(
        "stopped by Ctrl-C (or SIGTERM) before {what}; nothing more was started. Run the same command again to continue"
    )]
    Stopped {
        /// What did not start, e.g. "executing change set refarch-deploy on stack App".
        what: String,
    },
    /// A command-line option names something that does not fit the assembly.
    #[error("{option}: {problem}")]
    InvalidOption {
        /// The option as given, e.g. `--allow-replace Bucket`.
        option: String,
        /// What is wrong and what to write instead.
        problem: String,
    },
    /// Stacks to be destroyed export values that other stacks still import.
    #[error(
        "refusing to delete: other stacks still import exports of the stacks to delete \
         (CloudFormation would fail the delete):{}\nDestroy those stacks too (add --stack \
         NAME for each), or deploy them without the imports first", list(.0)
    )]
    ExportsInUse(Vec<ExportInUse>),
    /// `rollback` found nothing it can roll back.
    #[error("stack {stack} is in {status}: {advice}")]
    NothingToRollBack {
        /// Stack name.
        stack: String,
        /// Its status.
        status: String,
        /// What to do instead.
        advice: String,
    },
    /// Parameter values are missing or name unknown parameters.
    #[error("stack {stack}: {problem}")]
    Parameters {
        /// Stack name.
        stack: String,
        /// What is wrong, naming the parameter.
        problem: String,
    },
    /// The change set could not be created.
    #[error("stack {stack}: change set {change_set} failed: {reason}")]
    ChangeSetFailed {
        /// Stack name.
        stack: String,
        /// Change set name.
        change_set: String,
        /// The service's reason.
        reason: String,
    },
    /// The change set would destroy data and the user did not allow it.
    #[error(
        "stack {stack}: refusing to execute change set {change_set}, it would destroy data:{}\n\
         The change set was deleted; nothing changed. If losing these resources' data is \
         intended, deploy again with {}", risk_list(.risks), allow_flags(stack, .risks)
    )]
    DataLossRefused {
        /// Stack name.
        stack: String,
        /// Change set name (deleted).
        change_set: String,
        /// The offending changes.
        risks: Vec<DataLossRisk>,
    },
    /// Approval is required and nobody can give it (no terminal, no `--yes`).
    #[error(
        "stack {stack}: change set {change_set} needs approval ({why}) but there is no terminal to \
         ask on. Review it and re-run with --yes, or with --require-approval never"
    )]
    ApprovalRequired {
        /// Stack name.
        stack: String,
        /// Change set name.
        change_set: String,
        /// Why approval is required.
        why: String,
    },
    /// The user answered no.
    #[error("stack {stack}: not approved; change set {change_set} was deleted, nothing changed")]
    Declined {
        /// Stack name.
        stack: String,
        /// Change set name.
        change_set: String,
    },
    /// The stack operation ended in failure.
    #[error(
        "stack {stack} failed: {status}{}{}\n{}", reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default(),
        if failures.is_empty() { String::new() } else { format!("\nFailed resources:{}", list(failures)) },
        next_step(stack, status)
    )]
    StackFailed {
        /// Stack name.
        stack: String,
        /// Final status.
        status: String,
        /// Stack status reason.
        reason: Option<String>,
        /// Every failed resource.
        failures: Vec<ResourceFailure>,
    },
    /// Deleting a stack failed.
    #[error(
        "deleting stack {stack} failed: {status}{}\nRemove what blocks these resources, then run \
         destroy again", if failures.is_empty() { String::new() } else { format!("\nFailed resources:{}", list(failures)) }
    )]
    DeleteFailed {
        /// Stack name.
        stack: String,
        /// Final status.
        status: String,
        /// Every failed resource.
        failures: Vec<ResourceFailure>,
    },
    /// The template is too big to send inline and no bucket was given.
    #[error(
        "stack {stack}: the template is {size} bytes, over CloudFormation's 51,200-byte limit for \
         inline templates. Pass --template-bucket NAME (an S3 bucket in the stack's region that you \
         can write to) so it can be uploaded"
    )]
    TemplateTooLarge {
        /// Stack name.
        stack: String,
        /// Size in bytes.
        size: usize,
    },
    /// Termination protection stops a destroy.
    #[error(
        "stack {stack} has termination protection on. If you really mean to delete it, run \
         `aws cloudformation update-termination-protection --no-enable-termination-protection \
         --stack-name {stack}` first"
    )]
    TerminationProtected {
        /// Stack name.
        stack: String,
    },
    /// A destructive command needs confirmation and there is no terminal to ask on.
    #[error("{action} needs confirmation, but there is no terminal to ask on: re-run with --yes")]
    ConfirmationRequired {
        /// What needs confirming, e.g. "deleting stacks App, Net".
        action: String,
    },
    /// The user did not confirm a destructive command.
    #[error("{action}: not confirmed, nothing was changed")]
    NotConfirmed {
        /// What was not confirmed.
        action: String,
    },
    /// Reading the user's answer failed.
    #[error("cannot read the answer from the terminal: {0}")]
    Prompt(#[source] std::io::Error),
}

impl DeployError {
    /// The process exit status for this error: 130 when the user interrupted (Ctrl-C, SIGTERM),
    /// as shells report a process ended by SIGINT; 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Interrupted { .. } | Self::Stopped { .. } => 130,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_failure_lists_every_resource_with_its_construct_path() {
        let err = DeployError::StackFailed {
            stack: "Net".into(),
            status: "ROLLBACK_COMPLETE".into(),
            reason: Some("The following resource(s) failed to create: [A, B]".into()),
            failures: vec![
                ResourceFailure {
                    logical_id: "A".into(),
                    resource_type: "AWS::EC2::Subnet".into(),
                    status: "CREATE_FAILED".into(),
                    reason: "The CIDR '192.168.0.0/24' is invalid.".into(),
                    construct_path: Some("Net/Vpc/A/Subnet".into()),
                    stack_level: false,
                },
                ResourceFailure {
                    logical_id: "B".into(),
                    resource_type: "AWS::EC2::Route".into(),
                    status: "CREATE_FAILED".into(),
                    reason: "Resource creation cancelled".into(),
                    construct_path: None,
                    stack_level: false,
                },
            ],
        };
        let text = err.to_string();
        assert!(
            text.contains("CREATE_FAILED A (AWS::EC2::Subnet): The CIDR"),
            "{text}"
        );
        assert!(text.contains("[construct Net/Vpc/A/Subnet]"), "{text}");
        assert!(text.contains("CREATE_FAILED B"), "{text}");
        assert!(
            text.contains("the next deploy deletes the empty stack"),
            "{text}"
        );
    }

    #[test]
    fn data_loss_refusal_says_which_flag_allows_it() {
        let err = DeployError::DataLossRefused {
            stack: "App".into(),
            change_set: "cs".into(),
            risks: vec![DataLossRisk {
                logical_id: "Db".into(),
                resource_type: "AWS::RDS::DBCluster".into(),
                construct_path: Some("App/Db".into()),
                what: "replaced",
                loses: "database cluster: its data",
            }],
        };
        let text = err.to_string();
        assert!(
            text.contains("Db (AWS::RDS::DBCluster) would be replaced"),
            "{text}"
        );
        assert!(text.contains("--allow-replace App:Db"), "{text}");
        assert!(text.contains("The change set was deleted"), "{text}");
    }

    #[test]
    fn api_errors_carry_hints() {
        let e = ApiError {
            operation: "DescribeStacks",
            code: Some("ExpiredTokenException".into()),
            message: "expired".into(),
            kind: ApiErrorKind::Permanent,
            request_id: Some("8f1c-42".into()),
        };
        assert_eq!(
            e.to_string(),
            "DescribeStacks failed (ExpiredTokenException): expired (request id 8f1c-42) (your \
             credentials are expired or invalid: refresh them, e.g. `aws sso login`)"
        );
        let missing = ApiError {
            operation: "DescribeStacks",
            code: Some("ValidationError".into()),
            message: "Stack with id X does not exist".into(),
            kind: ApiErrorKind::Permanent,
            request_id: None,
        };
        assert!(missing.is_stack_missing());
    }
}
