//! The deploy engine: for each stack, plan from its real state, create a change set, show it,
//! guard data and approval, execute, stream events, report outputs or every failure.

use serde::Serialize;

use crate::access::access_widening;
use crate::assembly::StackArtifact;
use crate::cancel::Cancel;
use crate::cfn::{Cfn, ChangeSetRequest, Created, MAX_INLINE_TEMPLATE_BYTES, TemplateSource};
use crate::changes::{ChangeSummary, RequireApproval};
use crate::error::{ApiErrorKind, DeployError};
use crate::events::{EventWatcher, failures};
use crate::params::ParameterOverride;
use crate::planner::{Plan, StackState, is_success, plan};
use crate::progress::{Notice, Observer};
use crate::stateful::data_loss_risks;
use crate::template::Template;
use crate::wait::{change_set_ready, stack_settled};

/// The change set name deploy uses (and replaces when a stale one is left).
pub const DEFAULT_CHANGE_SET_NAME: &str = "refarch-deploy";

/// How approval is obtained when the policy asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approval {
    /// `--yes`: approve everything.
    AssumeYes,
    /// Ask on the terminal.
    Prompt,
    /// No terminal: fail with [`DeployError::ApprovalRequired`].
    Unavailable,
}

/// Options for [`deploy_stack`] and [`deploy_assembly`].
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Parameter values.
    pub parameters: Vec<ParameterOverride>,
    /// When a person must approve.
    pub require_approval: RequireApproval,
    /// How approval is obtained.
    pub approval: Approval,
    /// `false` (`--no-execute`): stop after creating and showing the change set.
    pub execute: bool,
    /// Stateful resources the user allows to be replaced or removed (logical ids).
    pub allow_replace: Vec<String>,
    /// S3 bucket for templates over the inline limit.
    pub template_bucket: Option<String>,
    /// Change set name.
    pub change_set_name: String,
}

impl Default for DeployOptions {
    fn default() -> Self {
        Self {
            parameters: Vec::new(),
            require_approval: RequireApproval::Broadening,
            approval: Approval::Unavailable,
            execute: true,
            allow_replace: Vec::new(),
            template_bucket: None,
            change_set_name: DEFAULT_CHANGE_SET_NAME.into(),
        }
    }
}

/// How one stack's deploy ended (failures are errors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum StackOutcome {
    /// Created or updated.
    Deployed {
        /// Stack name.
        stack: String,
        /// Final status.
        status: String,
        /// Outputs (key, value).
        outputs: Vec<(String, String)>,
    },
    /// Nothing to change; the empty change set was deleted.
    NoChanges {
        /// Stack name.
        stack: String,
        /// Current outputs.
        outputs: Vec<(String, String)>,
    },
    /// `--no-execute`: the change set is left for review.
    ChangeSetCreated {
        /// Stack name.
        stack: String,
        /// Change set name.
        change_set: String,
        /// Change set ARN.
        change_set_id: String,
    },
}

/// What runs after each stack's deploy, before the next stack's (e.g. publishing files into a
/// bucket the stack just created).
pub trait AfterStack: Sync {
    /// Called with the stack and how its deploy ended; an error stops the deploy there.
    fn after<'a>(
        &'a self,
        artifact: &'a StackArtifact,
        outcome: &'a StackOutcome,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DeployError>> + Send + 'a>>;
}

/// Nothing after each stack.
struct NothingAfter;

impl AfterStack for NothingAfter {
    fn after<'a>(
        &'a self,
        _: &'a StackArtifact,
        _: &'a StackOutcome,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DeployError>> + Send + 'a>>
    {
        Box::pin(async { Ok(()) })
    }
}

/// Deploys every stack of `stacks` in order; stops at the first failure.
///
/// # Errors
/// The first stack's [`DeployError`].
pub async fn deploy_assembly(
    cfn_for: &dyn Fn(&StackArtifact) -> Cfn,
    stacks: &[&StackArtifact],
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Vec<StackOutcome>, DeployError> {
    deploy_assembly_then(cfn_for, stacks, options, observer, cancel, &NothingAfter).await
}

/// [`deploy_assembly`], running `after` once each stack is deployed.
///
/// # Errors
/// The first stack's [`DeployError`], or the first error of `after`.
pub async fn deploy_assembly_then(
    cfn_for: &dyn Fn(&StackArtifact) -> Cfn,
    stacks: &[&StackArtifact],
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
    after: &dyn AfterStack,
) -> Result<Vec<StackOutcome>, DeployError> {
    let manifests: Vec<_> = stacks.iter().map(|s| &s.manifest).collect();
    for o in crate::params::unused(&manifests, &options.parameters) {
        observer.notice(Notice::Info(format!(
            "warning: --parameter {}={} matches no parameter of the selected stacks",
            o.key, o.value
        )));
    }
    let mut out = Vec::new();
    for artifact in stacks {
        if cancel.is_cancelled() {
            let rest: Vec<&str> = stacks[out.len()..].iter().map(|s| s.name()).collect();
            return Err(DeployError::Stopped {
                what: format!("deploying {}", rest.join(", ")),
            });
        }
        let outcome = deploy_stack(&cfn_for(artifact), artifact, options, observer, cancel).await?;
        after.after(artifact, &outcome).await?;
        out.push(outcome);
    }
    Ok(out)
}

/// Deploys one stack through a change set, from whatever state it is in.
///
/// # Errors
/// [`DeployError`]: blocked states, time-outs, interruption, refused or declined change sets,
/// failed operations (listing every failed resource), API failures.
pub async fn deploy_stack(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<StackOutcome, DeployError> {
    let name = artifact.name();
    let template = &artifact.template;
    let cs_name = options.change_set_name.as_str();

    // 1. Bring the stack to a state we can change, re-planning after each step.
    let mut state = cfn.describe_stack(name).await?;
    let mut recreated = false;
    let create = loop {
        match plan(state.as_ref()) {
            Plan::Create => break true,
            Plan::Update => break false,
            Plan::Wait { status } => {
                observer.notice(Notice::Waiting {
                    stack: name.into(),
                    status,
                });
                state = stack_settled(
                    cfn,
                    name,
                    "finish its current operation",
                    cancel,
                    observer,
                    None,
                )
                .await?;
            }
            Plan::DeleteAndRecreate { status } if !recreated => {
                observer.notice(Notice::Recreating {
                    stack: name.into(),
                    status,
                });
                let id = state
                    .as_ref()
                    .map_or(name, |s| s.stack_id.as_str())
                    .to_owned();
                delete_and_wait(cfn, name, &id, template, observer, cancel).await?;
                recreated = true;
                state = cfn.describe_stack(name).await?;
            }
            Plan::DeleteAndRecreate { status } => {
                return Err(DeployError::Blocked {
                    stack: name.into(),
                    status,
                    advice: "the stack is still in ROLLBACK_COMPLETE after being deleted once; \
                             delete it by hand and deploy again"
                        .into(),
                });
            }
            Plan::Blocked { status, advice } => {
                let failed = recent_failures(cfn, name, template).await;
                return Err(DeployError::Blocked {
                    stack: name.into(),
                    status,
                    advice: advice + &failed,
                });
            }
        }
    };

    // 2. Inputs: parameters, deployed template (for access widening), template source.
    let parameters =
        crate::params::resolve(&artifact.manifest, &options.parameters, state.as_ref())?;
    let deployed = if create {
        None
    } else {
        cfn.get_template(name)
            .await?
            .and_then(|body| Template::parse(&body).ok())
    };
    let source = template_source(cfn, artifact, options).await?;

    // 3. Change set: replace a stale one, create, wait.
    cfn.delete_change_set(name, cs_name).await?;
    let request = ChangeSetRequest {
        stack: name.into(),
        name: cs_name.into(),
        create,
        template: source,
        parameters,
        tags: artifact
            .manifest
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        capabilities: template.required_capabilities().into_iter().collect(),
        description: "Created by the refarch deploy engine".into(),
    };
    let cs_id = match cfn.create_change_set(&request).await? {
        Created::ChangeSet(id) => id,
        Created::NoChanges(_) => return no_changes(cfn, name, cs_name, state, observer).await,
    };
    let info = match change_set_ready(cfn, name, &cs_id, cancel).await {
        Ok(info) => info,
        Err(e) => {
            let _ = cfn.delete_change_set(name, &cs_id).await;
            return Err(e);
        }
    };
    if info.status == "FAILED" {
        let reason = info.status_reason.clone().unwrap_or_default();
        cfn.delete_change_set(name, &cs_id).await?;
        if is_empty_change_set_reason(&reason) {
            return no_changes(cfn, name, cs_name, state, observer).await;
        }
        return Err(DeployError::ChangeSetFailed {
            stack: name.into(),
            change_set: cs_name.into(),
            reason,
        });
    }

    // 4. Show it.
    let mut changes = info.changes.clone();
    for c in &mut changes {
        c.construct_path = template
            .construct_path(&c.logical_id)
            .or_else(|| {
                deployed
                    .as_ref()
                    .and_then(|d| d.construct_path(&c.logical_id))
            })
            .map(str::to_owned);
    }
    let summary = ChangeSummary {
        changes,
        widening: access_widening(deployed.as_ref(), template),
    };
    observer.notice(Notice::ChangeSet {
        stack: name.into(),
        name: cs_name.into(),
        summary: summary.clone(),
    });

    // 5. Guards: data loss, then approval.
    let risks = data_loss_risks(&summary.changes, &options.allow_replace);
    if !risks.is_empty() {
        cfn.delete_change_set(name, &cs_id).await?;
        return Err(DeployError::DataLossRefused {
            stack: name.into(),
            change_set: cs_name.into(),
            risks,
        });
    }
    if !options.execute {
        observer.notice(Notice::Info(format!(
            "{name}: change set {cs_name} left for review (--no-execute). Execute it with \
             `aws cloudformation execute-change-set --change-set-name {cs_id}`, or run deploy again"
        )));
        return Ok(StackOutcome::ChangeSetCreated {
            stack: name.into(),
            change_set: cs_name.into(),
            change_set_id: cs_id,
        });
    }
    if options.require_approval.needs_approval(&summary) {
        let why = if summary.is_broadening() {
            "it widens access"
        } else {
            "every change needs approval"
        };
        let approved = match options.approval {
            Approval::AssumeYes => true,
            Approval::Unavailable => {
                cfn.delete_change_set(name, &cs_id).await?;
                return Err(DeployError::ApprovalRequired {
                    stack: name.into(),
                    change_set: cs_name.into(),
                    why: why.into(),
                });
            }
            Approval::Prompt => {
                ask(&format!("Deploy these changes to {name} ({why})? [y/N] ")).await?
            }
        };
        if !approved {
            cfn.delete_change_set(name, &cs_id).await?;
            return Err(DeployError::Declined {
                stack: name.into(),
                change_set: cs_name.into(),
            });
        }
    }

    // 6. Execute and follow (unless Ctrl-C came in the meantime).
    if cancel.is_cancelled() {
        cfn.delete_change_set(name, &cs_id).await?;
        return Err(DeployError::Stopped {
            what: format!("executing change set {cs_name} on stack {name} (it was deleted)"),
        });
    }
    let since = info.created_ms.unwrap_or(0);
    let mut watcher = EventWatcher::new(name, since);
    if info.created_ms.is_none() {
        watcher.skip_existing(cfn).await?;
    }
    execute(cfn, name, &cs_id).await?;
    observer.notice(Notice::Executing {
        stack: name.into(),
        total: summary.changes.len(),
    });
    let verb = if create {
        "finish creating"
    } else {
        "finish updating"
    };
    let final_state = stack_settled(
        cfn,
        name,
        verb,
        cancel,
        observer,
        Some((&mut watcher, template)),
    )
    .await?;
    let Some(final_state) = final_state else {
        return Err(DeployError::StackFailed {
            stack: name.into(),
            status: "DELETE_COMPLETE".into(),
            reason: Some("the stack disappeared while deploying".into()),
            failures: failures(&watcher.history, name, template),
        });
    };
    observer.notice(Notice::Finished {
        stack: name.into(),
        status: final_state.status.clone(),
    });
    if !is_success(&final_state.status) {
        return Err(DeployError::StackFailed {
            stack: name.into(),
            status: final_state.status.clone(),
            reason: final_state.status_reason.clone(),
            failures: failures(&watcher.history, name, template),
        });
    }
    if artifact.manifest.termination_protection != final_state.termination_protection {
        cfn.set_termination_protection(name, artifact.manifest.termination_protection)
            .await?;
    }
    Ok(StackOutcome::Deployed {
        stack: name.into(),
        status: final_state.status,
        outputs: final_state.outputs,
    })
}

/// Whether a FAILED change set's reason means "nothing to change".
pub fn is_empty_change_set_reason(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

async fn no_changes(
    cfn: &Cfn,
    name: &str,
    cs_name: &str,
    state: Option<StackState>,
    observer: &dyn Observer,
) -> Result<StackOutcome, DeployError> {
    cfn.delete_change_set(name, cs_name).await?;
    observer.notice(Notice::NoChanges { stack: name.into() });
    Ok(StackOutcome::NoChanges {
        stack: name.into(),
        outputs: state.map(|s| s.outputs).unwrap_or_default(),
    })
}

async fn template_source(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
) -> Result<TemplateSource, DeployError> {
    let body = &artifact.template_body;
    if body.len() <= MAX_INLINE_TEMPLATE_BYTES {
        return Ok(TemplateSource::Body(body.clone()));
    }
    let Some(bucket) = &options.template_bucket else {
        return Err(DeployError::TemplateTooLarge {
            stack: artifact.name().into(),
            size: body.len(),
        });
    };
    Ok(TemplateSource::Url(
        cfn.upload_template(bucket, artifact.name(), body).await?,
    ))
}

/// Executes, and when the answer is lost (5xx, time-out) checks whether the execution started
/// before trying again, so a change set is never executed twice.
async fn execute(cfn: &Cfn, stack: &str, cs_id: &str) -> Result<(), DeployError> {
    let token = format!("exec-{:x}", rand::random::<u64>());
    let mut attempts = 0;
    loop {
        attempts += 1;
        match cfn.execute_change_set(stack, cs_id, &token).await {
            Ok(()) => return Ok(()),
            Err(e) if e.kind == ApiErrorKind::Transient && attempts < cfn.timing().max_attempts => {
                let info = cfn.describe_change_set(stack, cs_id).await?;
                if info.execution_status != "AVAILABLE" {
                    tracing::debug!(status = %info.execution_status, "execution started despite the error");
                    return Ok(());
                }
                tokio::time::sleep(cfn.timing().retry_initial).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Deletes a stack and waits until it is gone.
///
/// # Errors
/// [`DeployError::DeleteFailed`] with every failed resource, time-outs, interruption.
pub async fn delete_and_wait(
    cfn: &Cfn,
    name: &str,
    stack_id: &str,
    template: &Template,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<(), DeployError> {
    let mut watcher = EventWatcher::new(stack_id, 0);
    watcher.skip_existing(cfn).await?;
    let token = format!("delete-{:x}", rand::random::<u64>());
    cfn.delete_stack(stack_id, &token).await?;
    let state = stack_settled(
        cfn,
        stack_id,
        "finish deleting",
        cancel,
        observer,
        Some((&mut watcher, template)),
    )
    .await?;
    match state {
        None => Ok(()),
        Some(s) if s.status == "DELETE_COMPLETE" => Ok(()),
        Some(s) => Err(DeployError::DeleteFailed {
            stack: name.into(),
            status: s.status,
            failures: failures(&watcher.history, name, template),
        }),
    }
}

async fn recent_failures(cfn: &Cfn, stack: &str, template: &Template) -> String {
    let Ok(page) = cfn.stack_events(stack, None).await else {
        return String::new();
    };
    let mut events = page.events;
    events.reverse();
    let f = failures(&events, stack, template);
    if f.is_empty() {
        return String::new();
    }
    let list: String = f.iter().map(|f| format!("\n  - {f}")).collect();
    format!("\nRecent resource failures:{list}")
}

/// Asks a yes/no question on the terminal.
///
/// # Errors
/// [`DeployError::Prompt`] when stdin cannot be read.
pub async fn ask(question: &str) -> Result<bool, DeployError> {
    let question = question.to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        eprint!("{question}");
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok::<_, std::io::Error>(line)
    })
    .await
    .map_err(|e| DeployError::Prompt(std::io::Error::other(e)))?
    .map_err(DeployError::Prompt)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_of_an_empty_change_set_are_recognised() {
        assert!(is_empty_change_set_reason(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(is_empty_change_set_reason(
            "No updates are to be performed."
        ));
        assert!(!is_empty_change_set_reason("Template format error"));
    }
}
