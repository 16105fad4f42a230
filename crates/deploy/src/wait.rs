//! Bounded, cancellable polling for stacks and change sets (our own loop: the SDK's waiters start
//! at 30-second intervals).

use std::time::Instant;

use crate::cancel::Cancel;
use crate::cfn::{Cfn, ChangeSetInfo};
use crate::error::DeployError;
use crate::events::EventWatcher;
use crate::planner::{StackState, is_in_progress};
use crate::progress::{Notice, Observer};
use crate::retry::Backoff;
use crate::template::Template;

/// Change-set statuses that mean "still being worked out".
fn change_set_pending(status: &str) -> bool {
    matches!(
        status,
        "CREATE_PENDING" | "CREATE_IN_PROGRESS" | "DELETE_PENDING" | "DELETE_IN_PROGRESS"
    )
}

/// Sleeps for `delay` unless cancelled first. Returns `true` when cancelled.
async fn sleep_or_cancel(delay: std::time::Duration, cancel: &Cancel) -> bool {
    tokio::select! {
        () = tokio::time::sleep(delay) => cancel.is_cancelled(),
        () = cancel.cancelled() => true,
    }
}

/// Polls a change set until it is no longer being created; returns the final description.
///
/// # Errors
/// [`DeployError::TimedOut`], [`DeployError::Interrupted`], or an API error.
pub async fn change_set_ready(
    cfn: &Cfn,
    stack: &str,
    change_set: &str,
    cancel: &Cancel,
) -> Result<ChangeSetInfo, DeployError> {
    let timing = cfn.timing().clone();
    let started = Instant::now();
    let mut backoff = Backoff::new(timing.poll_initial, timing.poll_max);
    loop {
        let info = cfn.describe_change_set(stack, change_set).await?;
        if !change_set_pending(&info.status) {
            return Ok(info);
        }
        if started.elapsed() >= timing.timeout {
            return Err(DeployError::TimedOut {
                stack: stack.to_owned(),
                waiting_for: format!("finish creating change set {change_set}"),
                status: info.status,
                after: timing.timeout,
            });
        }
        if sleep_or_cancel(backoff.next_delay(), cancel).await {
            return Err(DeployError::Interrupted {
                stack: stack.to_owned(),
                waiting_for: format!("finish creating change set {change_set}"),
                status: info.status,
                still_running: "Nothing was executed; the next deploy replaces this change set."
                    .into(),
            });
        }
    }
}

/// Polls a stack until no operation is in progress, streaming its events to `observer` when a
/// watcher is given. Returns the final state (`None` when the stack is gone).
///
/// # Errors
/// [`DeployError::TimedOut`], [`DeployError::Interrupted`], or an API error.
pub async fn stack_settled(
    cfn: &Cfn,
    stack: &str,
    waiting_for: &str,
    cancel: &Cancel,
    observer: &dyn Observer,
    mut watch: Option<(&mut EventWatcher, &Template)>,
) -> Result<Option<StackState>, DeployError> {
    let timing = cfn.timing().clone();
    let started = Instant::now();
    let mut backoff = Backoff::new(timing.poll_initial, timing.poll_max);
    loop {
        let state = cfn.describe_stack(stack).await?;
        if let Some((watcher, template)) = watch.as_mut() {
            for event in watcher.poll(cfn, template).await? {
                observer.notice(Notice::Event {
                    stack: state
                        .as_ref()
                        .map_or_else(|| stack.to_owned(), |s| s.name.clone()),
                    event,
                });
            }
        }
        let status = match &state {
            Some(s) if is_in_progress(&s.status) => s.status.clone(),
            _ => return Ok(state),
        };
        if started.elapsed() >= timing.timeout {
            return Err(DeployError::TimedOut {
                stack: stack.to_owned(),
                waiting_for: waiting_for.to_owned(),
                status,
                after: timing.timeout,
            });
        }
        if sleep_or_cancel(backoff.next_delay(), cancel).await {
            return Err(DeployError::Interrupted {
                stack: stack.to_owned(),
                waiting_for: waiting_for.to_owned(),
                still_running: format!(
                    "CloudFormation is still working on the stack ({status}) and will finish or \
                     roll back on its own; nothing was cancelled."
                ),
                status,
            });
        }
    }
}
