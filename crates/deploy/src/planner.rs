//! The pure planner: from a stack's current state to the next thing deploy must do.
//!
//! No I/O here. The engine looks the stack up, asks [`plan`], acts, and asks again; every stack
//! status CloudFormation documents falls in exactly one arm.

use serde::Serialize;

/// What deploy knows about a stack that exists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StackState {
    /// Stack ARN.
    pub stack_id: String,
    /// Stack name.
    pub name: String,
    /// Status as the API spells it (`UPDATE_ROLLBACK_FAILED`, ...).
    pub status: String,
    /// Why it is in that status, when the service says.
    pub status_reason: Option<String>,
    /// Outputs (key, value).
    pub outputs: Vec<(String, String)>,
    /// Current parameter values (key, value).
    pub parameters: Vec<(String, String)>,
    /// Whether termination protection is on.
    pub termination_protection: bool,
}

/// The next action for a stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No stack (or one only reviewed, never created): create it through a CREATE change set.
    Create,
    /// A healthy stack: update it through an UPDATE change set.
    Update,
    /// An operation is running: wait for it to settle, then plan again.
    Wait {
        /// The `*_IN_PROGRESS` status.
        status: String,
    },
    /// The first create failed and was rolled back (`ROLLBACK_COMPLETE`): the stack cannot be
    /// updated. Delete it, wait, then create it afresh.
    DeleteAndRecreate {
        /// The status that led here.
        status: String,
    },
    /// The stack is stuck in a state deploy must not touch; a person has to act.
    Blocked {
        /// The status.
        status: String,
        /// What to do about it.
        advice: String,
    },
}

/// Whether the status is an operation in progress (not `REVIEW_IN_PROGRESS`, which is idle).
pub fn is_in_progress(status: &str) -> bool {
    status.ends_with("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS"
}

/// Whether a finished operation succeeded (`CREATE_COMPLETE`, `UPDATE_COMPLETE`,
/// `IMPORT_COMPLETE`). Anything else that is not in progress is a failure of the operation.
pub fn is_success(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

/// Decides what to do with a stack given its current state (`None`: it does not exist).
pub fn plan(state: Option<&StackState>) -> Plan {
    plan_for(state, false)
}

/// [`plan`] for a deploy with `--no-rollback` when `no_rollback` is set: a stack a previous
/// `--no-rollback` run left in `UPDATE_FAILED` is updated again from where it stopped (CDK's
/// fast iteration), instead of being blocked.
pub fn plan_for(state: Option<&StackState>, no_rollback: bool) -> Plan {
    let Some(state) = state else {
        return Plan::Create;
    };
    let status = state.status.as_str();
    let name = &state.name;
    match status {
        "UPDATE_FAILED" if no_rollback => Plan::Update,
        "REVIEW_IN_PROGRESS" | "DELETE_COMPLETE" => Plan::Create,
        "CREATE_COMPLETE"
        | "UPDATE_COMPLETE"
        | "UPDATE_ROLLBACK_COMPLETE"
        | "IMPORT_COMPLETE"
        | "IMPORT_ROLLBACK_COMPLETE" => Plan::Update,
        "ROLLBACK_COMPLETE" => Plan::DeleteAndRecreate {
            status: status.into(),
        },
        s if is_in_progress(s) => Plan::Wait { status: s.into() },
        "UPDATE_ROLLBACK_FAILED" => Plan::Blocked {
            status: status.into(),
            advice: format!(
                "the rollback of the last update failed, so CloudFormation will not accept changes. \
                 Fix what blocked the rollback (see the failed resources above), then run \
                 `refarch-app rollback --stack {name}` (add `--skip LogicalId` for each resource \
                 that cannot be rolled back; this is continue-update-rollback) and deploy again"
            ),
        },
        "ROLLBACK_FAILED" => Plan::Blocked {
            status: status.into(),
            advice: format!(
                "the first create failed and its rollback failed too. Delete the stack \
                 (`refarch-app destroy --stack {name}`, or `aws cloudformation delete-stack \
                 --stack-name {name} --retain-resources ...` for resources that cannot be deleted), \
                 then deploy again"
            ),
        },
        "CREATE_FAILED" => Plan::Blocked {
            status: status.into(),
            advice: format!(
                "the create failed with rollback disabled (--no-rollback). Roll it back with \
                 `refarch-app rollback --stack {name}` (the next deploy then creates it afresh), \
                 or delete it with `refarch-app destroy --stack {name}`"
            ),
        },
        "UPDATE_FAILED" => Plan::Blocked {
            status: status.into(),
            advice: format!(
                "the last update failed with rollback disabled (--no-rollback). Deploy again with \
                 --no-rollback to continue from where it stopped, or roll it back with \
                 `refarch-app rollback --stack {name}`"
            ),
        },
        "DELETE_FAILED" => Plan::Blocked {
            status: status.into(),
            advice: format!(
                "a delete of this stack failed. Remove what blocked it (see the failed resources), \
                 then run `refarch-app destroy --stack {name}` and deploy again"
            ),
        },
        "IMPORT_ROLLBACK_FAILED" => Plan::Blocked {
            status: status.into(),
            advice: format!(
                "a resource import failed and could not be rolled back. Resolve it in the \
                 CloudFormation console for stack {name}, then deploy again"
            ),
        },
        other => Plan::Blocked {
            status: other.into(),
            advice: format!(
                "this deployer does not know the status {other}; inspect stack {name} with `aws \
                 cloudformation describe-stacks --stack-name {name}`"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: &str) -> Plan {
        plan(Some(&StackState {
            name: "Net".into(),
            status: status.into(),
            ..StackState::default()
        }))
    }

    #[test]
    fn missing_or_only_reviewed_stack_is_created() {
        assert_eq!(plan(None), Plan::Create);
        assert_eq!(at("REVIEW_IN_PROGRESS"), Plan::Create);
    }

    #[test]
    fn healthy_stacks_are_updated_including_after_a_rolled_back_update() {
        for s in [
            "CREATE_COMPLETE",
            "UPDATE_COMPLETE",
            "UPDATE_ROLLBACK_COMPLETE",
            "IMPORT_COMPLETE",
            "IMPORT_ROLLBACK_COMPLETE",
        ] {
            assert_eq!(at(s), Plan::Update, "{s}");
        }
    }

    #[test]
    fn running_operations_are_waited_for() {
        for s in [
            "CREATE_IN_PROGRESS",
            "UPDATE_IN_PROGRESS",
            "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            "UPDATE_ROLLBACK_IN_PROGRESS",
            "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
            "ROLLBACK_IN_PROGRESS",
            "DELETE_IN_PROGRESS",
            "IMPORT_IN_PROGRESS",
        ] {
            assert_eq!(at(s), Plan::Wait { status: s.into() }, "{s}");
        }
    }

    #[test]
    fn failed_first_create_is_deleted_and_recreated() {
        assert_eq!(
            at("ROLLBACK_COMPLETE"),
            Plan::DeleteAndRecreate {
                status: "ROLLBACK_COMPLETE".into()
            }
        );
    }

    #[test]
    fn blocked_states_say_how_to_recover() {
        let Plan::Blocked { advice, .. } = at("UPDATE_ROLLBACK_FAILED") else {
            panic!("not blocked");
        };
        assert!(
            advice.contains("refarch-app rollback --stack Net") && advice.contains("--skip"),
            "{advice}"
        );
        assert_eq!(
            plan_for(
                Some(&StackState {
                    name: "Net".into(),
                    status: "UPDATE_FAILED".into(),
                    ..StackState::default()
                }),
                true
            ),
            Plan::Update
        );
        for s in [
            "ROLLBACK_FAILED",
            "CREATE_FAILED",
            "UPDATE_FAILED",
            "DELETE_FAILED",
            "IMPORT_ROLLBACK_FAILED",
            "SOMETHING_NEW",
        ] {
            assert!(matches!(at(s), Plan::Blocked { .. }), "{s}");
        }
    }

    #[test]
    fn progress_and_success_classification() {
        assert!(is_in_progress("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
        assert!(!is_in_progress("REVIEW_IN_PROGRESS"));
        assert!(is_success("UPDATE_COMPLETE"));
        assert!(!is_success("UPDATE_ROLLBACK_COMPLETE"));
        assert!(!is_success("ROLLBACK_COMPLETE"));
    }
}
