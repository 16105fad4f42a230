//! The deploy engine: for each stack, plan from its real state, create a change set, show it,
//! guard data and approval, execute, stream events, report outputs or every failure.
//!
//! [`deploy_stack`] reads as its steps: `settle` (bring the stack to a state that accepts a
//! change set), `prepare` (parameters, template source, change set created and described),
//! `summarize` (what it does, with construct paths and access widening), `guard` (data loss,
//! then approval), `execute_and_follow` (execute exactly once, stream events, report); then the
//! manifest's termination protection is applied, whichever way the run ended.

use serde::Serialize;

use crate::access::access_widening;
use crate::allow::AllowReplace;
use crate::assembly::StackArtifact;
use crate::cancel::Cancel;
use crate::cfn::{
    Cfn, ChangeSetInfo, ChangeSetRequest, Created, MAX_INLINE_TEMPLATE_BYTES, ParameterValue,
    TemplateSource,
};
use crate::changes::{ChangeSummary, RequireApproval};
use crate::diff::{CreateOnlyLookup, diff_templates, no_metadata};
use crate::error::{ApiErrorKind, DeployError};
use crate::events::{EventWatcher, failures};
use crate::params::ParameterOverride;
use crate::planner::{Plan, StackState, is_success, plan_for};
use crate::progress::{Notice, Observer};
use crate::retry::Backoff;
use crate::stateful::data_loss_risks;
use crate::template::Template;
use crate::wait::{change_set_ready, stack_settled};

/// The prefix of the change set names deploy creates; each run appends a unique suffix
/// (`refarch-deploy-<time>-<random>`), so two runs never touch each other's change set.
pub const DEFAULT_CHANGE_SET_NAME: &str = "refarch-deploy";

/// How many times a run starts over when another run changed the stack between its change set
/// and its execution.
const MAX_SUPERSEDED: u32 = 3;

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
    /// Stateful resources the user allows to be replaced or removed (see [`crate::allow`]).
    pub allow_replace: Vec<AllowReplace>,
    /// S3 bucket for templates over the inline limit.
    pub template_bucket: Option<String>,
    /// Prefix of the change set names (a unique suffix is added per run).
    pub change_set_name: String,
    /// `false` (`--no-rollback`): a failed operation stops where it failed, for fast iteration;
    /// the next deploy continues from there, `rollback` undoes it.
    pub rollback: bool,
    /// Service role CloudFormation assumes (`--role-arn`).
    pub role_arn: Option<String>,
    /// SNS topics for the stacks' events (`--notification-arn`).
    pub notification_arns: Vec<String>,
    /// Create-only properties from the pinned schemas, to prove updates of stateful resources in
    /// place when the service cannot say ([`crate::stateful`]).
    pub create_only: CreateOnlyLookup,
    /// How many independent stacks may deploy at once (`--concurrency`, at least 1); a stack
    /// always waits for the stacks it depends on.
    pub concurrency: usize,
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
            rollback: true,
            role_arn: None,
            notification_arns: Vec::new(),
            create_only: no_metadata,
            concurrency: 1,
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
    let run =
        deploy_assembly_partial(cfn_for, stacks, options, observer, cancel, &NothingAfter).await;
    match run.error {
        Some(e) => Err(e),
        None => Ok(run.outcomes),
    }
}

/// What a run over several stacks did before it stopped: the stacks that finished, and the
/// error that stopped it (for `--outputs-file`, which is written either way).
#[derive(Debug)]
pub struct AssemblyRun {
    /// The outcome of every stack that finished, in order.
    pub outcomes: Vec<StackOutcome>,
    /// Why the run stopped early, if it did.
    pub error: Option<DeployError>,
}

/// [`deploy_assembly`], running `after` once each stack is deployed (before the stacks that
/// depend on it start), and keeping the outcomes of the stacks done before a failure.
pub async fn deploy_assembly_partial(
    cfn_for: &dyn Fn(&StackArtifact) -> Cfn,
    stacks: &[&StackArtifact],
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
    after: &dyn AfterStack,
) -> AssemblyRun {
    let mut outcomes = Vec::new();
    let scoped = match crate::allow::scope(&options.allow_replace, stacks) {
        Ok(s) => s,
        Err(e) => {
            return AssemblyRun {
                outcomes,
                error: Some(e),
            };
        }
    };
    let options = DeployOptions {
        allow_replace: scoped,
        ..options.clone()
    };
    let manifests: Vec<_> = stacks.iter().map(|s| &s.manifest).collect();
    for o in crate::params::unused(&manifests, &options.parameters) {
        observer.notice(Notice::Info(format!(
            "warning: --parameter {}={} matches no parameter of the selected stacks",
            o.key, o.value
        )));
    }
    let waits_for = crate::schedule::dependencies(stacks);
    let options = &options;
    let start = |i: usize| -> crate::schedule::Job<'_, StackOutcome> {
        let artifact = stacks[i];
        Box::pin(async move {
            let outcome =
                deploy_stack(&cfn_for(artifact), artifact, options, observer, cancel).await?;
            after.after(artifact, &outcome).await?;
            Ok(outcome)
        })
    };
    let run = crate::schedule::run(
        &waits_for,
        options.concurrency,
        &|| cancel.is_cancelled(),
        &start,
    )
    .await;
    let not_started: Vec<&str> = run
        .results
        .iter()
        .zip(stacks)
        .filter(|(r, _)| r.is_none())
        .map(|(_, s)| s.name())
        .collect();
    let not_started = not_started.join(", ");
    let (done, error) = run.split();
    outcomes.extend(done);
    let error = error.or_else(|| {
        (!not_started.is_empty()).then(|| DeployError::Stopped {
            what: format!("deploying {not_started}"),
        })
    });
    AssemblyRun { outcomes, error }
}

/// A change-set name (and token) unique to one run: the prefix, the time, and random bits.
pub fn unique_name(prefix: &str) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("{prefix}-{secs}-{:08x}", rand::random::<u32>())
}

/// Deploys one stack through a change set, from whatever state it is in, then applies the
/// manifest's termination protection however the run ended (not to a stack left empty by a
/// failed first create, which the next deploy deletes).
///
/// # Errors
/// [`DeployError`]: blocked states, time-outs, interruption, refused or declined change sets,
/// failed operations (listing every failed resource and the stack's own reason), API failures.
pub async fn deploy_stack(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<StackOutcome, DeployError> {
    let mut superseded = 0;
    let result = loop {
        match run_once(cfn, artifact, options, observer, cancel).await {
            Ok(Run::Done(outcome)) => break Ok(outcome),
            Ok(Run::Superseded { change_set }) if superseded < MAX_SUPERSEDED => {
                superseded += 1;
                observer.notice(Notice::Info(format!(
                    "{}: another deploy changed the stack after change set {change_set} was \
                     made (CloudFormation dropped it); planning again from the stack's state",
                    artifact.name()
                )));
            }
            Ok(Run::Superseded { change_set }) => {
                break Err(DeployError::Blocked {
                    stack: artifact.name().into(),
                    status: "changing".into(),
                    advice: format!(
                        "other deploys changed the stack {MAX_SUPERSEDED} times before change set \
                         {change_set} could run; run deploy again once they are done"
                    ),
                });
            }
            Err(e) => break Err(e),
        }
    };
    apply_protection(cfn, artifact, result, observer).await
}

/// How one pass of the engine ended.
enum Run {
    /// Finished (deployed, nothing to do, or left for review).
    Done(StackOutcome),
    /// Our change set was dropped before it ran because another run changed the stack.
    Superseded {
        /// Our change set's name.
        change_set: String,
    },
}

async fn run_once(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Run, DeployError> {
    let name = artifact.name();
    let (create, state) = settle(cfn, artifact, options, observer, cancel).await?;
    let prepared = match prepare(cfn, artifact, options, create, state.as_ref(), cancel).await? {
        Prepared::NoChanges => {
            observer.notice(Notice::NoChanges { stack: name.into() });
            return Ok(Run::Done(StackOutcome::NoChanges {
                stack: name.into(),
                outputs: state.map(|s| s.outputs).unwrap_or_default(),
            }));
        }
        Prepared::ChangeSet(p) => p,
        Prepared::Superseded(change_set) => return Ok(Run::Superseded { change_set }),
    };
    let summary = summarize(artifact, &prepared);
    observer.notice(Notice::ChangeSet {
        stack: name.into(),
        name: prepared.name.clone(),
        summary: summary.clone(),
    });
    if let Some(outcome) = guard(
        cfn, artifact, options, &prepared, &summary, observer, cancel,
    )
    .await?
    {
        return Ok(Run::Done(outcome));
    }
    execute_and_follow(
        cfn, artifact, options, &prepared, &summary, observer, cancel,
    )
    .await
}

/// Step 1: bring the stack to a state that accepts a change set, re-planning after each action.
/// Returns whether it must be created, and its state.
async fn settle(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<(bool, Option<StackState>), DeployError> {
    let name = artifact.name();
    let template = &artifact.template;
    let mut state = cfn.describe_stack(name).await?;
    let mut recreated = false;
    loop {
        match plan_for(state.as_ref(), !options.rollback) {
            Plan::Create => return Ok((true, state)),
            Plan::Update => return Ok((false, state)),
            Plan::Wait { status } => {
                // Another terminal or a pipeline is working on the stack: wait for it, then
                // plan from what it left.
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
                let (id, protected) = state.as_ref().map_or((name.to_owned(), false), |s| {
                    (s.stack_id.clone(), s.termination_protection)
                });
                if protected {
                    // Nothing is left in a stack whose first create rolled back.
                    cfn.set_termination_protection(&id, false).await?;
                }
                delete_and_wait(
                    cfn,
                    name,
                    &id,
                    template,
                    options.role_arn.as_deref(),
                    observer,
                    cancel,
                )
                .await?;
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
    }
}

/// A change set that is ready to be shown and executed.
struct PreparedChangeSet {
    /// Its name (unique to this run).
    name: String,
    /// Its ARN.
    id: String,
    /// Whether it creates the stack.
    create: bool,
    /// The description, every page of changes included.
    info: ChangeSetInfo,
    /// The deployed template (updates only).
    deployed: Option<Template>,
}

enum Prepared {
    NoChanges,
    ChangeSet(Box<PreparedChangeSet>),
    /// The stack was created by another run between planning and our CREATE change set.
    Superseded(String),
}

/// Step 2: parameters (explicit, else the deployed values), the template source, then a change
/// set created under a name unique to this run and described once ready. An empty change set is
/// deleted; one interrupted while being made is deleted too.
async fn prepare(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
    create: bool,
    state: Option<&StackState>,
    cancel: &Cancel,
) -> Result<Prepared, DeployError> {
    let name = artifact.name();
    let template = &artifact.template;
    let parameters: Vec<(String, ParameterValue)> =
        crate::params::resolve(&artifact.manifest, &options.parameters, state)?;
    let deployed = if create {
        None
    } else {
        cfn.get_template(name)
            .await?
            .and_then(|body| Template::parse(&body).ok())
    };
    let source = template_source(cfn, artifact, options).await?;
    let cs_name = unique_name(&options.change_set_name);
    let request = ChangeSetRequest {
        stack: name.into(),
        name: cs_name.clone(),
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
        client_token: cs_name.clone(),
        role_arn: options.role_arn.clone(),
        notification_arns: options.notification_arns.clone(),
        imports: Vec::new(),
    };
    let cs_id = match cfn.create_change_set(&request).await {
        Ok(Created::ChangeSet(id)) => id,
        Ok(Created::NoChanges(_)) => return Ok(Prepared::NoChanges),
        Err(e)
            if create
                && (e
                    .code
                    .as_deref()
                    .is_some_and(|c| c.starts_with("AlreadyExists"))
                    || (e.code.as_deref() == Some("ValidationError")
                        && e.message.contains("already exists"))) =>
        {
            return Ok(Prepared::Superseded(cs_name));
        }
        Err(e) => return Err(e.into()),
    };
    let info = match change_set_ready(cfn, name, &cs_id, cancel).await {
        Ok(info) => info,
        // Dropped while being made: another run's execution finished (CloudFormation then
        // deletes every change set of the stack).
        Err(DeployError::Api(e)) if is_not_executable(&e) => {
            return Ok(Prepared::Superseded(cs_name));
        }
        Err(e) => {
            let deleted = cfn.delete_change_set(name, &cs_id).await.is_ok();
            return Err(match e {
                DeployError::Interrupted {
                    stack,
                    waiting_for,
                    status,
                    ..
                } => DeployError::Interrupted {
                    stack,
                    waiting_for,
                    status,
                    still_running: if deleted {
                        format!("Nothing was executed; change set {cs_name} was deleted.")
                    } else {
                        format!(
                            "Nothing was executed; change set {cs_name} could not be deleted \
                             (delete it by hand or leave it: it is never executed)."
                        )
                    },
                },
                other => other,
            });
        }
    };
    if info.status == "FAILED" {
        let reason = info.status_reason.clone().unwrap_or_default();
        cfn.delete_change_set(name, &cs_id).await?;
        if is_empty_change_set_reason(&reason) {
            return Ok(Prepared::NoChanges);
        }
        return Err(DeployError::ChangeSetFailed {
            stack: name.into(),
            change_set: cs_name,
            reason,
        });
    }
    Ok(Prepared::ChangeSet(Box::new(PreparedChangeSet {
        name: cs_name,
        id: cs_id,
        create,
        info,
        deployed,
    })))
}

/// Step 3: what the change set does, each change with its construct path (local template, else
/// the deployed one), and the access it widens.
fn summarize(artifact: &StackArtifact, p: &PreparedChangeSet) -> ChangeSummary {
    let template = &artifact.template;
    let mut changes = p.info.changes.clone();
    for c in &mut changes {
        c.construct_path = template
            .construct_path(&c.logical_id)
            .or_else(|| {
                p.deployed
                    .as_ref()
                    .and_then(|d| d.construct_path(&c.logical_id))
            })
            .map(str::to_owned);
    }
    ChangeSummary {
        changes,
        widening: access_widening(p.deployed.as_ref(), template),
    }
}

/// Step 4: the guards. Data loss first (refused unless allowed; the change set is deleted), then
/// `--no-execute` (left for review), then approval (asked, or refused without a terminal; a
/// Ctrl-C at the prompt aborts). `Some(outcome)` ends the run without executing.
async fn guard(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
    p: &PreparedChangeSet,
    summary: &ChangeSummary,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Option<StackOutcome>, DeployError> {
    let name = artifact.name();
    let prediction = p
        .deployed
        .as_ref()
        .map(|d| diff_templates(Some(d), &artifact.template, options.create_only));
    let allowed = |id: &str| options.allow_replace.iter().any(|a| a.allows(artifact, id));
    let risks = data_loss_risks(&summary.changes, &allowed, prediction.as_ref());
    if !risks.is_empty() {
        cfn.delete_change_set(name, &p.id).await?;
        return Err(DeployError::DataLossRefused {
            stack: name.into(),
            change_set: p.name.clone(),
            risks,
        });
    }
    if !options.execute {
        observer.notice(Notice::Info(format!(
            "{name}: change set {} left for review (--no-execute). Execute it with `aws \
             cloudformation execute-change-set --change-set-name {}`, or run deploy again",
            p.name, p.id
        )));
        return Ok(Some(StackOutcome::ChangeSetCreated {
            stack: name.into(),
            change_set: p.name.clone(),
            change_set_id: p.id.clone(),
        }));
    }
    if options.require_approval.needs_approval(summary) {
        let why = if summary.is_broadening() {
            "it widens access"
        } else {
            "every change needs approval"
        };
        let approved = match options.approval {
            Approval::AssumeYes => true,
            Approval::Unavailable => {
                cfn.delete_change_set(name, &p.id).await?;
                return Err(DeployError::ApprovalRequired {
                    stack: name.into(),
                    change_set: p.name.clone(),
                    why: why.into(),
                });
            }
            Approval::Prompt => {
                match ask_or_cancel(
                    &format!("Deploy these changes to {name} ({why})? [y/N] "),
                    cancel,
                )
                .await
                {
                    Ok(yes) => yes,
                    Err(e) => {
                        let _ = cfn.delete_change_set(name, &p.id).await;
                        return Err(e);
                    }
                }
            }
        };
        if !approved {
            cfn.delete_change_set(name, &p.id).await?;
            return Err(DeployError::Declined {
                stack: name.into(),
                change_set: p.name.clone(),
            });
        }
    }
    if cancel.is_cancelled() {
        cfn.delete_change_set(name, &p.id).await?;
        return Err(DeployError::Stopped {
            what: format!(
                "executing change set {} on stack {name} (it was deleted)",
                p.name
            ),
        });
    }
    Ok(None)
}

/// Step 5: execute exactly once, follow the stack to the end of the operation, report.
async fn execute_and_follow(
    cfn: &Cfn,
    artifact: &StackArtifact,
    options: &DeployOptions,
    p: &PreparedChangeSet,
    summary: &ChangeSummary,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Run, DeployError> {
    let name = artifact.name();
    let template = &artifact.template;
    let since = p.info.created_ms.unwrap_or(0);
    let mut watcher = EventWatcher::new(name, since);
    if p.info.created_ms.is_none() {
        watcher.skip_existing(cfn).await?;
    }
    match execute(cfn, name, &p.id, !options.rollback).await? {
        Executed::Started => {}
        Executed::Superseded => {
            return Ok(Run::Superseded {
                change_set: p.name.clone(),
            });
        }
    }
    observer.notice(Notice::Executing {
        stack: name.into(),
        total: summary.changes.len(),
    });
    let verb = if p.create {
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
    Ok(Run::Done(StackOutcome::Deployed {
        stack: name.into(),
        status: final_state.status,
        outputs: final_state.outputs,
    }))
}

/// Step 6, on every path: the manifest's termination protection. A stack left empty by a failed
/// first create (`ROLLBACK_COMPLETE`) or gone is left alone. When the run failed, a failure to
/// set it is reported as a notice and the run's own error is returned.
async fn apply_protection(
    cfn: &Cfn,
    artifact: &StackArtifact,
    result: Result<StackOutcome, DeployError>,
    observer: &dyn Observer,
) -> Result<StackOutcome, DeployError> {
    let name = artifact.name();
    let wanted = artifact.manifest.termination_protection;
    let applied = async {
        let Some(state) = cfn.describe_stack(name).await? else {
            return Ok(false);
        };
        if state.termination_protection == wanted
            || state.status == "ROLLBACK_COMPLETE"
            || state.status.starts_with("DELETE_")
        {
            return Ok(false);
        }
        cfn.set_termination_protection(&state.stack_id, wanted)
            .await
            .map(|()| true)
    }
    .await;
    match (result, applied) {
        (r, Ok(false)) => r,
        (r, Ok(true)) => {
            observer.notice(Notice::Info(format!(
                "{name}: termination protection turned {}",
                if wanted { "on" } else { "off" }
            )));
            r
        }
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(run), Err(e)) => {
            observer.notice(Notice::Info(format!(
                "{name}: could not set termination protection as the manifest asks: {e}"
            )));
            Err(run)
        }
    }
}

/// Whether a FAILED change set's reason means "nothing to change".
pub fn is_empty_change_set_reason(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
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

/// What became of an ExecuteChangeSet call.
pub(crate) enum Executed {
    /// The execution started (its answer, or evidence of it when the answer was lost).
    Started,
    /// The change set is gone or obsolete and was not executed by us: another run changed the
    /// stack in the meantime.
    Superseded,
}

fn is_not_executable(e: &crate::error::ApiError) -> bool {
    matches!(
        e.code.as_deref(),
        Some("ChangeSetNotFound" | "ChangeSetNotFoundException" | "InvalidChangeSetStatus")
    ) || e.message.contains("does not exist")
}

/// Executes, and when the answer is lost (5xx, time-out) finds out what happened before trying
/// again, so a change set is never executed twice and a lost answer never reads as success:
/// the execution counts as started only when the change set says so, or when a stack event
/// carries this call's token.
pub(crate) async fn execute(
    cfn: &Cfn,
    stack: &str,
    cs_id: &str,
    disable_rollback: bool,
) -> Result<Executed, DeployError> {
    let token = unique_name("exec");
    let mut backoff = Backoff::new(cfn.timing().retry_initial, cfn.timing().retry_max);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let err = match cfn
            .execute_change_set(stack, cs_id, &token, disable_rollback)
            .await
        {
            Ok(()) => return Ok(Executed::Started),
            Err(e) => e,
        };
        let lost = err.kind == ApiErrorKind::Transient;
        if !lost && !is_not_executable(&err) {
            return Err(err.into());
        }
        match cfn.describe_change_set(stack, cs_id).await {
            Ok(info) => match info.execution_status.as_str() {
                "EXECUTE_IN_PROGRESS" | "EXECUTE_COMPLETE" | "EXECUTE_FAILED" => {
                    tracing::debug!(status = %info.execution_status, "execution started despite the error");
                    return Ok(Executed::Started);
                }
                "AVAILABLE" if lost && attempts < cfn.timing().max_attempts => {
                    tokio::time::sleep(backoff.next_delay()).await;
                }
                "AVAILABLE" => {
                    // Known not to have started: delete it so that no late retry can run it.
                    let _ = cfn.delete_change_set(stack, cs_id).await;
                    return Err(err.into());
                }
                _ => return Ok(Executed::Superseded),
            },
            Err(e) if is_not_executable(&e) => {
                // Gone: CloudFormation drops a stack's change sets once an execution finishes.
                // Ours, if a stack event carries our token; another run's otherwise.
                let page = cfn.stack_events(stack, None).await?;
                if page
                    .events
                    .iter()
                    .any(|ev| ev.client_request_token.as_deref() == Some(token.as_str()))
                {
                    return Ok(Executed::Started);
                }
                return Ok(Executed::Superseded);
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
    role_arn: Option<&str>,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<(), DeployError> {
    let mut watcher = EventWatcher::new(stack_id, 0);
    watcher.skip_existing(cfn).await?;
    let token = unique_name("delete");
    cfn.delete_stack(stack_id, &token, role_arn).await?;
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
    ask_or_cancel(question, &Cancel::new()).await
}

/// [`ask`], abandoned when `cancel` fires first (the first Ctrl-C at a prompt aborts).
///
/// # Errors
/// [`DeployError::Prompt`] when stdin cannot be read, [`DeployError::Stopped`] when cancelled.
pub async fn ask_or_cancel(question: &str, cancel: &Cancel) -> Result<bool, DeployError> {
    // One question at a time on the terminal, also when stacks deploy concurrently.
    static PROMPT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let stopped = || DeployError::Stopped {
        what: "answering the prompt (nothing was executed)".into(),
    };
    let _turn = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(stopped()),
        turn = PROMPT.lock() => turn,
    };
    let question = question.to_owned();
    let read = tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        eprint!("{question}");
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok::<_, std::io::Error>(line)
    });
    let answer = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(stopped()),
        joined = read => joined
            .map_err(|e| DeployError::Prompt(std::io::Error::other(e)))?
            .map_err(DeployError::Prompt)?,
    };
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
