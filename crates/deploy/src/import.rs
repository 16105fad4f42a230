//! `import`: bring resources that exist outside CloudFormation (made by hand, or by a stack that
//! kept them with `Retain`) under a stack, through an IMPORT change set.
//!
//! CloudFormation imports only: the change set's template must be the deployed one plus the
//! imported resources. So the engine sends exactly that (the local template's definitions of
//! the named resources added to the deployed template, or only them for a new stack), and the
//! next `deploy` applies everything else. Each imported resource needs a `DeletionPolicy` in the
//! template (CloudFormation requires one, so a later delete does not surprise anyone).

use std::str::FromStr;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::assembly::StackArtifact;
use crate::cancel::Cancel;
use crate::cfn::{Cfn, ChangeSetRequest, Created, ResourceToImport, TemplateSource};
use crate::deploy::{DeployOptions, Executed, execute, unique_name};
use crate::error::DeployError;
use crate::events::{EventWatcher, failures};
use crate::planner::{Plan, plan};
use crate::progress::{Notice, Observer};
use crate::template::Template;
use crate::wait::{change_set_ready, stack_settled};

/// One `--resource LOGICAL_ID:PROPERTY=VALUE` value: which template resource is which existing
/// resource, by its identifier property (`Data:BucketName=my-bucket`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSpec {
    /// The resource's logical id in the local template.
    pub logical_id: String,
    /// Identifier property and value.
    pub identifier: (String, String),
}

impl FromStr for ImportSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "`{s}` is not LOGICAL_ID:PROPERTY=VALUE (e.g. Data:BucketName=my-bucket, the \
                 property being the type's identifier)"
            )
        };
        let (id, rest) = s.split_once(':').ok_or_else(bad)?;
        let (key, value) = rest.split_once('=').ok_or_else(bad)?;
        if id.is_empty()
            || !id.chars().all(|c| c.is_ascii_alphanumeric())
            || key.is_empty()
            || value.is_empty()
        {
            return Err(bad());
        }
        Ok(Self {
            logical_id: id.into(),
            identifier: (key.into(), value.into()),
        })
    }
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// Stack name.
    pub stack: String,
    /// Final status (`IMPORT_COMPLETE`).
    pub status: String,
    /// The imported logical ids.
    pub imported: Vec<String>,
}

fn invalid(spec: &ImportSpec, problem: String) -> DeployError {
    DeployError::InvalidOption {
        option: format!(
            "--resource {}:{}={}",
            spec.logical_id, spec.identifier.0, spec.identifier.1
        ),
        problem,
    }
}

/// The template the IMPORT change set sends: `deployed` (or, for a new stack, the local
/// template's parameters, mappings and conditions) plus the local definitions of `ids`.
pub fn import_template(deployed: Option<&Template>, local: &Template, ids: &[&str]) -> Value {
    let mut root: Map<String, Value> = match deployed {
        Some(d) => d.root().clone(),
        None => local
            .root()
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "AWSTemplateFormatVersion" | "Parameters" | "Mappings" | "Conditions"
                )
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let resources = root
        .entry("Resources")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(r) = resources {
        for id in ids {
            if let Some(res) = local.resource(id) {
                r.insert((*id).to_owned(), res.body.clone());
            }
        }
    }
    Value::Object(root)
}

/// Imports the resources `specs` names into the stack of `artifact`.
///
/// # Errors
/// [`DeployError::InvalidOption`] for a resource missing from the local template, already in
/// the stack, or without `DeletionPolicy`; a stack that cannot take changes
/// ([`DeployError::Blocked`]); the change set failing (e.g. the resource does not exist);
/// the import failing; API errors.
pub async fn import_resources(
    cfn: &Cfn,
    artifact: &StackArtifact,
    specs: &[ImportSpec],
    options: &DeployOptions,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<ImportOutcome, DeployError> {
    let name = artifact.name();
    let mut state = cfn.describe_stack(name).await?;
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
            Plan::DeleteAndRecreate { status } | Plan::Blocked { status, .. } => {
                return Err(DeployError::Blocked {
                    stack: name.into(),
                    status,
                    advice: "resources can only be imported into a stack that is healthy or \
                             does not exist yet; recover it first (deploy or rollback)"
                        .into(),
                });
            }
        }
    };
    let deployed = if create {
        None
    } else {
        cfn.get_template(name)
            .await?
            .and_then(|b| Template::parse(&b).ok())
    };
    let mut imports = Vec::new();
    for spec in specs {
        let Some(local) = artifact.template.resource(&spec.logical_id) else {
            return Err(invalid(
                spec,
                format!(
                    "the template of stack {name} has no resource `{}`",
                    spec.logical_id
                ),
            ));
        };
        if deployed
            .as_ref()
            .is_some_and(|d| d.resource(&spec.logical_id).is_some())
        {
            return Err(invalid(
                spec,
                format!(
                    "`{}` is already a resource of stack {name}",
                    spec.logical_id
                ),
            ));
        }
        if local.body.get("DeletionPolicy").is_none() {
            return Err(invalid(
                spec,
                format!(
                    "`{}` has no DeletionPolicy; CloudFormation imports only resources that \
                     declare one (Retain, to keep it if it is ever removed)",
                    spec.logical_id
                ),
            ));
        }
        imports.push(ResourceToImport {
            logical_id: spec.logical_id.clone(),
            resource_type: local.resource_type().to_owned(),
            identifier: vec![spec.identifier.clone()],
        });
    }
    let ids: Vec<&str> = specs.iter().map(|s| s.logical_id.as_str()).collect();
    let template = import_template(deployed.as_ref(), &artifact.template, &ids);
    let declared = |k: &str| template.get("Parameters").and_then(|p| p.get(k)).is_some();
    let parameters: Vec<_> =
        crate::params::resolve(&artifact.manifest, &options.parameters, state.as_ref())?
            .into_iter()
            .filter(|(k, _)| declared(k))
            .collect();
    let body = template.to_string();
    let cs_name = unique_name(&format!("{}-import", options.change_set_name));
    let request = ChangeSetRequest {
        stack: name.into(),
        name: cs_name.clone(),
        create,
        template: TemplateSource::Body(body),
        parameters,
        tags: artifact
            .manifest
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        capabilities: artifact
            .template
            .required_capabilities()
            .into_iter()
            .collect(),
        description: "Import by the refarch deploy engine".into(),
        client_token: cs_name.clone(),
        role_arn: options.role_arn.clone(),
        notification_arns: options.notification_arns.clone(),
        imports,
    };
    let Created::ChangeSet(cs_id) = cfn.create_change_set(&request).await? else {
        return Err(DeployError::ChangeSetFailed {
            stack: name.into(),
            change_set: cs_name,
            reason: "nothing to import".into(),
        });
    };
    let info = change_set_ready(cfn, name, &cs_id, cancel).await?;
    if info.status == "FAILED" {
        cfn.delete_change_set(name, &cs_id).await?;
        return Err(DeployError::ChangeSetFailed {
            stack: name.into(),
            change_set: cs_name,
            reason: info.status_reason.unwrap_or_default(),
        });
    }
    observer.notice(Notice::ChangeSet {
        stack: name.into(),
        name: cs_name.clone(),
        summary: crate::changes::ChangeSummary {
            changes: info.changes.clone(),
            widening: Vec::new(),
        },
    });
    let mut watcher = EventWatcher::new(name, info.created_ms.unwrap_or(0));
    if info.created_ms.is_none() {
        watcher.skip_existing(cfn).await?;
    }
    if let Executed::Superseded = execute(cfn, name, &cs_id, false).await? {
        return Err(DeployError::Blocked {
            stack: name.into(),
            status: "changing".into(),
            advice: format!(
                "another deploy changed the stack before import change set {cs_name} ran; run \
                 import again"
            ),
        });
    }
    let end = stack_settled(
        cfn,
        name,
        "finish importing",
        cancel,
        observer,
        Some((&mut watcher, &artifact.template)),
    )
    .await?;
    let status = end.map_or_else(|| "DELETE_COMPLETE".to_owned(), |s| s.status);
    observer.notice(Notice::Finished {
        stack: name.into(),
        status: status.clone(),
    });
    if status != "IMPORT_COMPLETE" {
        return Err(DeployError::StackFailed {
            stack: name.into(),
            reason: Some("the import did not complete".into()),
            failures: failures(&watcher.history, name, &artifact.template),
            status,
        });
    }
    Ok(ImportOutcome {
        stack: name.into(),
        status,
        imported: specs.iter().map(|s| s.logical_id.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn specs_parse_and_bad_ones_say_the_form() {
        let s: ImportSpec = "Data:BucketName=my-bucket".parse().unwrap();
        assert_eq!(s.logical_id, "Data");
        assert_eq!(s.identifier, ("BucketName".into(), "my-bucket".into()));
        let err = "Data=my-bucket".parse::<ImportSpec>().unwrap_err();
        assert!(err.contains("LOGICAL_ID:PROPERTY=VALUE"), "{err}");
        assert!("Data:BucketName=".parse::<ImportSpec>().is_err());
    }

    #[test]
    fn the_import_template_is_the_deployed_one_plus_the_imported_resources() {
        let deployed =
            Template::from_value(json!({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {"T": {"Value": {"Ref": "Topic"}}}}));
        let local = Template::from_value(json!({"Parameters": {"P": {"Type": "String"}},
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "changed"}},
                          "Data": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
                          "Other": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {"D": {"Value": {"Ref": "Data"}}}}));
        let t = import_template(Some(&deployed), &local, &["Data"]);
        assert_eq!(
            t,
            json!({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"},
                                 "Data": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}},
                   "Outputs": {"T": {"Value": {"Ref": "Topic"}}}})
        );
        let t = import_template(None, &local, &["Data"]);
        assert_eq!(
            t,
            json!({"Parameters": {"P": {"Type": "String"}},
                   "Resources": {"Data": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"}}})
        );
    }
}
