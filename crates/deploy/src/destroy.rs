//! `destroy`: delete stacks in reverse dependency order, wait, and report what `DeletionPolicy`
//! keeps behind.

use serde::Serialize;

use crate::assembly::StackArtifact;
use crate::cancel::Cancel;
use crate::cfn::Cfn;
use crate::deploy::delete_and_wait;
use crate::error::DeployError;
use crate::planner::is_in_progress;
use crate::progress::{Notice, Observer};
use crate::template::Template;
use crate::wait::stack_settled;

/// A resource the delete leaves behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetainedResource {
    /// Logical id.
    pub logical_id: String,
    /// Type.
    pub resource_type: String,
    /// `Retain`, `RetainExceptOnCreate` or `Snapshot` (a final snapshot is kept).
    pub policy: String,
    /// Physical id, when the stack reported one.
    pub physical_id: Option<String>,
    /// Construct path.
    pub construct_path: Option<String>,
}

/// How destroying one stack ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DestroyOutcome {
    /// Deleted; these resources (or snapshots) remain.
    Deleted {
        /// Stack name.
        stack: String,
        /// What remains.
        retained: Vec<RetainedResource>,
    },
    /// There was no such stack.
    NotDeployed {
        /// Stack name.
        stack: String,
    },
}

/// Every export of `stacks` that a stack outside `stacks` imports (ListExports, ListImports),
/// so a destroy can refuse before deleting anything instead of failing half-way.
///
/// # Errors
/// API failures.
pub async fn exports_in_use(
    cfn_for: &dyn Fn(&StackArtifact) -> Cfn,
    stacks: &[&StackArtifact],
) -> Result<Vec<crate::error::ExportInUse>, DeployError> {
    let names: Vec<&str> = stacks.iter().map(|s| s.name()).collect();
    let mut out = Vec::new();
    for artifact in stacks {
        let cfn = cfn_for(artifact);
        let Some(state) = cfn.describe_stack(artifact.name()).await? else {
            continue;
        };
        for (export, owner) in cfn.list_exports().await? {
            if owner != state.stack_id {
                continue;
            }
            let importers: Vec<String> = cfn
                .list_imports(&export)
                .await?
                .into_iter()
                .filter(|i| !names.contains(&i.as_str()))
                .collect();
            if !importers.is_empty() {
                out.push(crate::error::ExportInUse {
                    stack: artifact.name().into(),
                    export,
                    importers,
                });
            }
        }
    }
    Ok(out)
}

/// Destroys `stacks` (given in dependency order) from the last to the first, a stack only once
/// every stack that depends on it is gone, up to `concurrency` at once.
///
/// # Errors
/// The first failed stack's [`DeployError`]; nothing new is started after it.
pub async fn destroy_assembly(
    cfn_for: &dyn Fn(&StackArtifact) -> Cfn,
    stacks: &[&StackArtifact],
    role_arn: Option<&str>,
    concurrency: usize,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Vec<DestroyOutcome>, DeployError> {
    let reversed: Vec<&StackArtifact> = stacks.iter().rev().copied().collect();
    let waits_for = crate::schedule::dependents(&reversed);
    let start = |i: usize| -> crate::schedule::Job<'_, DestroyOutcome> {
        let artifact = reversed[i];
        Box::pin(async move {
            destroy_stack_as(&cfn_for(artifact), artifact, role_arn, observer, cancel).await
        })
    };
    let run =
        crate::schedule::run(&waits_for, concurrency, &|| cancel.is_cancelled(), &start).await;
    let not_started: Vec<&str> = run
        .results
        .iter()
        .zip(&reversed)
        .filter(|(r, _)| r.is_none())
        .map(|(_, s)| s.name())
        .collect();
    let not_started = not_started.join(", ");
    match run.split() {
        (_, Some(e)) => Err(e),
        (_, None) if !not_started.is_empty() => Err(DeployError::Stopped {
            what: format!("deleting {not_started}"),
        }),
        (done, None) => Ok(done),
    }
}

/// Deletes one stack and waits for it.
///
/// # Errors
/// [`DeployError::TerminationProtected`], [`DeployError::DeleteFailed`] (every failed resource),
/// time-outs, interruption, API errors.
pub async fn destroy_stack(
    cfn: &Cfn,
    artifact: &StackArtifact,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<DestroyOutcome, DeployError> {
    destroy_stack_as(cfn, artifact, None, observer, cancel).await
}

/// [`destroy_stack`] with the service role CloudFormation assumes for the delete (`--role-arn`).
///
/// # Errors
/// As [`destroy_stack`].
pub async fn destroy_stack_as(
    cfn: &Cfn,
    artifact: &StackArtifact,
    role_arn: Option<&str>,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<DestroyOutcome, DeployError> {
    let name = artifact.name();
    let Some(mut state) = cfn.describe_stack(name).await? else {
        observer.notice(Notice::Info(format!(
            "{name}: not deployed, nothing to delete"
        )));
        return Ok(DestroyOutcome::NotDeployed { stack: name.into() });
    };
    if state.termination_protection {
        return Err(DeployError::TerminationProtected { stack: name.into() });
    }
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
            None => return Ok(DestroyOutcome::NotDeployed { stack: name.into() }),
        }
    }
    let deployed = cfn
        .get_template(&state.stack_id)
        .await?
        .and_then(|b| Template::parse(&b).ok())
        .unwrap_or_else(|| artifact.template.clone());
    let resources = cfn.stack_resources(&state.stack_id).await?;
    let retained: Vec<RetainedResource> = deployed
        .retained_on_delete()
        .into_iter()
        .map(|(logical_id, resource_type, policy)| RetainedResource {
            physical_id: resources
                .iter()
                .find(|r| r.logical_id == logical_id)
                .and_then(|r| r.physical_id.clone()),
            construct_path: deployed.construct_path(&logical_id).map(str::to_owned),
            logical_id,
            resource_type,
            policy,
        })
        .collect();
    observer.notice(Notice::Info(format!(
        "{name}: deleting ({} resources)",
        resources.len()
    )));
    delete_and_wait(
        cfn,
        name,
        &state.stack_id,
        &deployed,
        role_arn,
        observer,
        cancel,
    )
    .await?;
    observer.notice(Notice::Finished {
        stack: name.into(),
        status: "DELETE_COMPLETE".into(),
    });
    for r in &retained {
        let what = if r.policy == "Snapshot" {
            "a final snapshot was kept of"
        } else {
            "kept"
        };
        observer.notice(Notice::Info(format!(
            "{name}: {what} {} ({}) {} by DeletionPolicy {}",
            r.logical_id,
            r.resource_type,
            r.physical_id.as_deref().unwrap_or("(no physical id)"),
            r.policy
        )));
    }
    Ok(DestroyOutcome::Deleted {
        stack: name.into(),
        retained,
    })
}
