//! `rollback`: bring a stack a failed operation left behind back to its last good state.
//!
//! * `UPDATE_ROLLBACK_FAILED` (the rollback of an update failed, typically because a resource
//!   was changed or deleted by hand): ContinueUpdateRollback, skipping the resources named with
//!   `--skip` (CloudFormation then marks them rolled back without touching them).
//! * `UPDATE_FAILED` / `CREATE_FAILED` (an operation run with `--no-rollback`): RollbackStack.
//!
//! A stack that is busy is waited for first; a healthy one has nothing to roll back.

use serde::Serialize;

use crate::cancel::Cancel;
use crate::cfn::Cfn;
use crate::deploy::unique_name;
use crate::error::DeployError;
use crate::events::{EventWatcher, failures};
use crate::planner::{is_in_progress, plan};
use crate::progress::{Notice, Observer};
use crate::template::Template;
use crate::wait::stack_settled;

/// How `rollback` of one stack ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RollbackOutcome {
    /// Rolled back; the stack is in `status` (`UPDATE_ROLLBACK_COMPLETE`, `ROLLBACK_COMPLETE`).
    RolledBack {
        /// Stack name.
        stack: String,
        /// Final status.
        status: String,
        /// The resources skipped (`--skip`), left as they are.
        skipped: Vec<String>,
    },
    /// The stack was healthy: nothing to roll back.
    NothingToDo {
        /// Stack name.
        stack: String,
        /// Its status.
        status: String,
    },
}

/// Rolls back one stack. `skip`: logical ids to skip (only for `UPDATE_ROLLBACK_FAILED`).
///
/// # Errors
/// [`DeployError::NothingToRollBack`] for a stack that is missing or stuck in a state rollback
/// cannot help, [`DeployError::InvalidOption`] for `--skip` on a stack that is not in
/// `UPDATE_ROLLBACK_FAILED`, [`DeployError::StackFailed`] when the rollback fails again (every
/// failed resource named), time-outs, interruption, API errors.
pub async fn rollback_stack(
    cfn: &Cfn,
    name: &str,
    template: &Template,
    skip: &[String],
    role_arn: Option<&str>,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<RollbackOutcome, DeployError> {
    let Some(mut state) = cfn.describe_stack(name).await? else {
        return Err(DeployError::NothingToRollBack {
            stack: name.into(),
            status: "not deployed".into(),
            advice: "there is no such stack in this account and region".into(),
        });
    };
    if is_in_progress(&state.status) {
        observer.notice(Notice::Waiting {
            stack: name.into(),
            status: state.status.clone(),
        });
        match stack_settled(
            cfn,
            name,
            "finish its current operation",
            cancel,
            observer,
            None,
        )
        .await?
        {
            Some(s) => state = s,
            None => {
                return Err(DeployError::NothingToRollBack {
                    stack: name.into(),
                    status: "DELETE_COMPLETE".into(),
                    advice: "the stack was deleted while waiting".into(),
                });
            }
        }
    }
    let status = state.status.clone();
    if !skip.is_empty() && status != "UPDATE_ROLLBACK_FAILED" {
        return Err(DeployError::InvalidOption {
            option: format!("--skip {}", skip.join(" --skip ")),
            problem: format!(
                "stack {name} is in {status}; resources can only be skipped when continuing a \
                 failed update rollback (UPDATE_ROLLBACK_FAILED)"
            ),
        });
    }
    let token = unique_name("rollback");
    let mut watcher = EventWatcher::new(&state.stack_id, 0);
    watcher.skip_existing(cfn).await?;
    match status.as_str() {
        "UPDATE_ROLLBACK_FAILED" => {
            observer.notice(Notice::Info(format!(
                "{name}: continuing the failed update rollback{}",
                if skip.is_empty() {
                    String::new()
                } else {
                    format!(", skipping {}", skip.join(", "))
                }
            )));
            cfn.continue_update_rollback(&state.stack_id, skip, &token, role_arn)
                .await?;
        }
        "UPDATE_FAILED" | "CREATE_FAILED" => {
            observer.notice(Notice::Info(format!(
                "{name}: rolling back the operation left in {status} (--no-rollback)"
            )));
            cfn.rollback_stack(&state.stack_id, &token, role_arn)
                .await?;
        }
        "CREATE_COMPLETE"
        | "UPDATE_COMPLETE"
        | "UPDATE_ROLLBACK_COMPLETE"
        | "IMPORT_COMPLETE"
        | "IMPORT_ROLLBACK_COMPLETE"
        | "ROLLBACK_COMPLETE" => {
            observer.notice(Notice::Info(format!(
                "{name}: {status}, nothing to roll back"
            )));
            return Ok(RollbackOutcome::NothingToDo {
                stack: name.into(),
                status,
            });
        }
        _ => {
            let advice = match plan(Some(&state)) {
                crate::planner::Plan::Blocked { advice, .. } => advice,
                _ => "rollback does not apply to this status".into(),
            };
            return Err(DeployError::NothingToRollBack {
                stack: name.into(),
                status,
                advice,
            });
        }
    }
    let end = stack_settled(
        cfn,
        &state.stack_id,
        "finish rolling back",
        cancel,
        observer,
        Some((&mut watcher, template)),
    )
    .await?;
    let end = end
        .map(|s| s.status)
        .unwrap_or_else(|| "DELETE_COMPLETE".into());
    observer.notice(Notice::Finished {
        stack: name.into(),
        status: end.clone(),
    });
    if matches!(
        end.as_str(),
        "UPDATE_ROLLBACK_COMPLETE" | "ROLLBACK_COMPLETE"
    ) {
        Ok(RollbackOutcome::RolledBack {
            stack: name.into(),
            status: end,
            skipped: skip.to_vec(),
        })
    } else {
        Err(DeployError::StackFailed {
            stack: name.into(),
            reason: Some("the rollback did not complete".into()),
            failures: failures(&watcher.history, name, template),
            status: end,
        })
    }
}
