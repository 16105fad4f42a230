//! The thin adapter over `aws-sdk-cloudformation` (and S3 for large templates): one method per
//! operation we use, our own types in and out, retries and error mapping included.

use aws_config::SdkConfig;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::types::{
    Capability as SdkCapability, ChangeSetType, Parameter, Tag, TemplateStage,
};

use crate::changes::{ChangeAction, ChangeDetail, Replacement, ResourceChange};

mod types;
use crate::error::ApiError;
use crate::planner::StackState;
use crate::retry::{RetryOn, Timing, api_error, with_retry};
pub use types::{
    ChangeSetInfo, ChangeSetRequest, Created, EventPage, MAX_INLINE_TEMPLATE_BYTES, ParameterValue,
    ResourceToImport, StackEvent, StackResource, TemplateSource,
};

/// A CloudFormation client bound to one region, with our retry policy.
#[derive(Debug, Clone)]
pub struct Cfn {
    client: Client,
    sdk_config: SdkConfig,
    timing: Timing,
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_owned()
}

fn ms(t: Option<&aws_smithy_types::DateTime>) -> Option<i64> {
    t.and_then(|t| t.to_millis().ok())
}

fn is_code(e: &ApiError, code: &str) -> bool {
    e.code.as_deref() == Some(code)
}

impl Cfn {
    /// A client for `region` (or the configuration's region when `None`).
    pub fn new(sdk_config: &SdkConfig, region: Option<&str>, timing: Timing) -> Self {
        let mut b = aws_sdk_cloudformation::config::Builder::from(sdk_config);
        if let Some(r) = region {
            b = b.region(aws_config::Region::new(r.to_owned()));
        }
        let mut sdk_config = sdk_config.clone();
        if let Some(r) = region {
            sdk_config = sdk_config
                .into_builder()
                .region(aws_config::Region::new(r.to_owned()))
                .build();
        }
        Self {
            client: Client::from_conf(b.build()),
            sdk_config,
            timing,
        }
    }

    /// The timing this client was built with.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// The stack by name or ARN, `None` when it does not exist.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn describe_stack(&self, stack: &str) -> Result<Option<StackState>, ApiError> {
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .describe_stacks()
                .stack_name(stack)
                .send()
                .await
                .map_err(|e| api_error("DescribeStacks", &e))
        })
        .await;
        let out = match out {
            Ok(o) => o,
            Err(e) if e.is_stack_missing() => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(out.stacks().first().map(|st| StackState {
            stack_id: s(st.stack_id()),
            name: s(st.stack_name()),
            status: st
                .stack_status()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default(),
            status_reason: st.stack_status_reason().map(str::to_owned),
            outputs: st
                .outputs()
                .iter()
                .map(|o| (s(o.output_key()), s(o.output_value())))
                .collect(),
            parameters: st
                .parameters()
                .iter()
                .map(|p| (s(p.parameter_key()), s(p.parameter_value())))
                .collect(),
            termination_protection: st.enable_termination_protection().unwrap_or(false),
        }))
    }

    /// The deployed template body (`Original` stage), `None` when the stack does not exist.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn get_template(&self, stack: &str) -> Result<Option<String>, ApiError> {
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .get_template()
                .stack_name(stack)
                .template_stage(TemplateStage::Original)
                .send()
                .await
                .map_err(|e| api_error("GetTemplate", &e))
        })
        .await;
        match out {
            Ok(o) => Ok(o.template_body().map(str::to_owned)),
            Err(e) if e.is_stack_missing() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a change set. A retried request that finds its own change set already there
    /// counts as success.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn create_change_set(&self, req: &ChangeSetRequest) -> Result<Created, ApiError> {
        let mut first = true;
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || {
            let retried = !std::mem::replace(&mut first, false);
            async move {
                let mut call = self
                    .client
                    .create_change_set()
                    .stack_name(&req.stack)
                    .change_set_name(&req.name)
                    .description(&req.description)
                    .client_token(&req.client_token)
                    .set_role_arn(req.role_arn.clone())
                    .set_notification_arns(
                        (!req.notification_arns.is_empty()).then(|| req.notification_arns.clone()),
                    )
                    .change_set_type(if !req.imports.is_empty() {
                        ChangeSetType::Import
                    } else if req.create {
                        ChangeSetType::Create
                    } else {
                        ChangeSetType::Update
                    });
                for i in &req.imports {
                    let mut r = aws_sdk_cloudformation::types::ResourceToImport::builder()
                        .resource_type(&i.resource_type)
                        .logical_resource_id(&i.logical_id);
                    for (k, v) in &i.identifier {
                        r = r.resource_identifier(k, v);
                    }
                    call = call.resources_to_import(r.build());
                }
                call = match &req.template {
                    TemplateSource::Body(b) => call.template_body(b),
                    TemplateSource::Url(u) => call.template_url(u),
                };
                for (k, v) in &req.parameters {
                    let p = Parameter::builder().parameter_key(k);
                    call = call.parameters(match v {
                        ParameterValue::Value(v) => p.parameter_value(v).build(),
                        ParameterValue::UsePrevious => p.use_previous_value(true).build(),
                    });
                }
                for (k, v) in &req.tags {
                    call = call.tags(Tag::builder().key(k).value(v).build());
                }
                for c in &req.capabilities {
                    call = call.capabilities(SdkCapability::from(c.as_str()));
                }
                match call.send().await {
                    Ok(out) => Ok(Created::ChangeSet(s(out.id()))),
                    Err(e) => {
                        let e = api_error("CreateChangeSet", &e);
                        if is_code(&e, "ValidationError")
                            && e.message.contains("No updates are to be performed")
                        {
                            Ok(Created::NoChanges(e.message))
                        } else if retried
                            && e.code
                                .as_deref()
                                .is_some_and(|c| c.contains("AlreadyExists"))
                        {
                            // Our earlier attempt got through before its answer was lost (the
                            // name is unique to this run, so the change set is ours).
                            Ok(Created::ChangeSet(req.name.clone()))
                        } else {
                            Err(e)
                        }
                    }
                }
            }
        })
        .await
    }

    /// Describes a change set, following every page of changes.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn describe_change_set(
        &self,
        stack: &str,
        change_set: &str,
    ) -> Result<ChangeSetInfo, ApiError> {
        let mut info = ChangeSetInfo::default();
        let mut token: Option<String> = None;
        loop {
            let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
                self.client
                    .describe_change_set()
                    .stack_name(stack)
                    .change_set_name(change_set)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| api_error("DescribeChangeSet", &e))
            })
            .await?;
            info.id = s(out.change_set_id());
            info.status = out
                .status()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default();
            info.status_reason = out.status_reason().map(str::to_owned);
            info.execution_status = out
                .execution_status()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default();
            info.created_ms = ms(out.creation_time());
            info.changes.extend(
                out.changes()
                    .iter()
                    .filter_map(|c| c.resource_change())
                    .map(|rc| ResourceChange {
                        action: ChangeAction::from_api(
                            rc.action().map(|a| a.as_str()).unwrap_or_default(),
                        ),
                        logical_id: s(rc.logical_resource_id()),
                        physical_id: rc.physical_resource_id().map(str::to_owned),
                        resource_type: s(rc.resource_type()),
                        replacement: rc.replacement().map(|r| Replacement::from_api(r.as_str())),
                        details: rc
                            .details()
                            .iter()
                            .map(|d| ChangeDetail {
                                attribute: d
                                    .target()
                                    .and_then(|t| t.attribute())
                                    .map(|a| a.as_str().to_owned()),
                                property: d.target().and_then(|t| t.name()).map(str::to_owned),
                                requires_recreation: d
                                    .target()
                                    .and_then(|t| t.requires_recreation())
                                    .map(|r| r.as_str().to_owned()),
                                change_source: d.change_source().map(|c| c.as_str().to_owned()),
                                causing_entity: d.causing_entity().map(str::to_owned),
                                evaluation: d.evaluation().map(|e| e.as_str().to_owned()),
                            })
                            .collect(),
                        construct_path: None,
                    }),
            );
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(info);
            }
        }
    }

    /// Deletes a change set; one that does not exist (or whose stack does not) is fine.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn delete_change_set(&self, stack: &str, change_set: &str) -> Result<(), ApiError> {
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .delete_change_set()
                .stack_name(stack)
                .change_set_name(change_set)
                .send()
                .await
                .map_err(|e| api_error("DeleteChangeSet", &e))
        })
        .await;
        match out {
            Ok(_) => Ok(()),
            Err(e)
                if is_code(&e, "ChangeSetNotFound")
                    || is_code(&e, "ChangeSetNotFoundException") =>
            {
                Ok(())
            }
            Err(e) if e.is_stack_missing() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Names of the stack's change sets (all pages).
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn list_change_sets(&self, stack: &str) -> Result<Vec<String>, ApiError> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
                self.client
                    .list_change_sets()
                    .stack_name(stack)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| api_error("ListChangeSets", &e))
            })
            .await;
            let out = match out {
                Ok(o) => o,
                Err(e) if e.is_stack_missing() => return Ok(names),
                Err(e) => return Err(e),
            };
            names.extend(out.summaries().iter().map(|c| s(c.change_set_name())));
            token = out.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(names);
            }
        }
    }

    /// Executes a change set. `token` makes retries idempotent on the service side; transient
    /// failures are only retried by the caller after checking the change set's status.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    /// `disable_rollback`: leave a failed operation where it stopped (`--no-rollback`).
    pub async fn execute_change_set(
        &self,
        stack: &str,
        change_set: &str,
        token: &str,
        disable_rollback: bool,
    ) -> Result<(), ApiError> {
        with_retry(&self.timing, RetryOn::ThrottlingOnly, || async {
            self.client
                .execute_change_set()
                .stack_name(stack)
                .change_set_name(change_set)
                .client_request_token(token)
                .set_disable_rollback(disable_rollback.then_some(true))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("ExecuteChangeSet", &e))
        })
        .await
    }

    /// Rolls back a stack whose create or update failed with rollback disabled
    /// (`CREATE_FAILED`, `UPDATE_FAILED`), idempotent through `token`.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn rollback_stack(
        &self,
        stack: &str,
        token: &str,
        role_arn: Option<&str>,
    ) -> Result<(), ApiError> {
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .rollback_stack()
                .stack_name(stack)
                .client_request_token(token)
                .set_role_arn(role_arn.map(str::to_owned))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("RollbackStack", &e))
        })
        .await
    }

    /// Continues the rollback of a stack in `UPDATE_ROLLBACK_FAILED`, skipping `skip` (logical
    /// ids of resources that cannot be rolled back), idempotent through `token`.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn continue_update_rollback(
        &self,
        stack: &str,
        skip: &[String],
        token: &str,
        role_arn: Option<&str>,
    ) -> Result<(), ApiError> {
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .continue_update_rollback()
                .stack_name(stack)
                .set_resources_to_skip((!skip.is_empty()).then(|| skip.to_vec()))
                .client_request_token(token)
                .set_role_arn(role_arn.map(str::to_owned))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("ContinueUpdateRollback", &e))
        })
        .await
    }

    /// Starts deleting a stack (idempotent through `token`).
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn delete_stack(
        &self,
        stack: &str,
        token: &str,
        role_arn: Option<&str>,
    ) -> Result<(), ApiError> {
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .delete_stack()
                .stack_name(stack)
                .client_request_token(token)
                .set_role_arn(role_arn.map(str::to_owned))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("DeleteStack", &e))
        })
        .await
    }

    /// One page of stack events, newest first.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn stack_events(
        &self,
        stack: &str,
        next: Option<String>,
    ) -> Result<EventPage, ApiError> {
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .describe_stack_events()
                .stack_name(stack)
                .set_next_token(next.clone())
                .send()
                .await
                .map_err(|e| api_error("DescribeStackEvents", &e))
        })
        .await;
        let out = match out {
            Ok(o) => o,
            Err(e) if e.is_stack_missing() => return Ok(EventPage::default()),
            Err(e) => return Err(e),
        };
        Ok(EventPage {
            events: out
                .stack_events()
                .iter()
                .map(|e| StackEvent {
                    id: s(e.event_id()),
                    logical_id: s(e.logical_resource_id()),
                    resource_type: s(e.resource_type()),
                    status: e
                        .resource_status()
                        .map(|x| x.as_str().to_owned())
                        .unwrap_or_default(),
                    reason: e.resource_status_reason().map(str::to_owned),
                    time_ms: ms(e.timestamp()).unwrap_or_default(),
                    construct_path: None,
                    client_request_token: e.client_request_token().map(str::to_owned),
                })
                .collect(),
            next: out.next_token().map(str::to_owned),
        })
    }

    /// The stack's resources.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn stack_resources(&self, stack: &str) -> Result<Vec<StackResource>, ApiError> {
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .describe_stack_resources()
                .stack_name(stack)
                .send()
                .await
                .map_err(|e| api_error("DescribeStackResources", &e))
        })
        .await;
        let out = match out {
            Ok(o) => o,
            Err(e) if e.is_stack_missing() => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(out
            .stack_resources()
            .iter()
            .map(|r| StackResource {
                logical_id: s(r.logical_resource_id()),
                physical_id: r.physical_resource_id().map(str::to_owned),
                resource_type: s(r.resource_type()),
                status: r
                    .resource_status()
                    .map(|x| x.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect())
    }

    /// Starts drift detection on a stack; returns the detection id.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn detect_stack_drift(&self, stack: &str) -> Result<String, ApiError> {
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .detect_stack_drift()
                .stack_name(stack)
                .send()
                .await
                .map_err(|e| api_error("DetectStackDrift", &e))
        })
        .await?;
        Ok(s(out.stack_drift_detection_id()))
    }

    /// A drift detection's progress: (detection status, stack drift status, reason).
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn drift_detection_status(
        &self,
        detection_id: &str,
    ) -> Result<(String, String, Option<String>), ApiError> {
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .describe_stack_drift_detection_status()
                .stack_drift_detection_id(detection_id)
                .send()
                .await
                .map_err(|e| api_error("DescribeStackDriftDetectionStatus", &e))
        })
        .await?;
        Ok((
            out.detection_status()
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default(),
            out.stack_drift_status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            out.detection_status_reason().map(str::to_owned),
        ))
    }

    /// The resources' drift from the last detection, all pages.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn resource_drifts(
        &self,
        stack: &str,
    ) -> Result<Vec<crate::drift::ResourceDrift>, ApiError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
                self.client
                    .describe_stack_resource_drifts()
                    .stack_name(stack)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| api_error("DescribeStackResourceDrifts", &e))
            })
            .await?;
            out.extend(page.stack_resource_drifts().iter().map(|d| {
                crate::drift::ResourceDrift {
                    logical_id: s(d.logical_resource_id()),
                    physical_id: d.physical_resource_id().map(str::to_owned),
                    resource_type: s(d.resource_type()),
                    status: d
                        .stack_resource_drift_status()
                        .map(|x| x.as_str().to_owned())
                        .unwrap_or_default(),
                    differences: d
                        .property_differences()
                        .iter()
                        .map(|p| crate::drift::PropertyDifference {
                            path: s(p.property_path()),
                            expected: s(p.expected_value()),
                            actual: s(p.actual_value()),
                            kind: p
                                .difference_type()
                                .map(|x| x.as_str().to_owned())
                                .unwrap_or_default(),
                        })
                        .collect(),
                    construct_path: None,
                }
            }));
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// Every export of the region: (export name, exporting stack's ARN), all pages.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn list_exports(&self) -> Result<Vec<(String, String)>, ApiError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
                self.client
                    .list_exports()
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| api_error("ListExports", &e))
            })
            .await?;
            out.extend(
                page.exports()
                    .iter()
                    .map(|e| (s(e.name()), s(e.exporting_stack_id()))),
            );
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// The names of the stacks that import `export` (none when no stack does), all pages.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn list_imports(&self, export: &str) -> Result<Vec<String>, ApiError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
                self.client
                    .list_imports()
                    .export_name(export)
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| api_error("ListImports", &e))
            })
            .await;
            let page = match page {
                Ok(p) => p,
                Err(e) if is_code(&e, "ValidationError") && e.message.contains("not imported") => {
                    return Ok(out);
                }
                Err(e) => return Err(e),
            };
            out.extend(page.imports().iter().cloned());
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    /// Turns termination protection on or off.
    ///
    /// # Errors
    /// [`ApiError`] after retries.
    pub async fn set_termination_protection(&self, stack: &str, on: bool) -> Result<(), ApiError> {
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.client
                .update_termination_protection()
                .stack_name(stack)
                .enable_termination_protection(on)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("UpdateTerminationProtection", &e))
        })
        .await
    }

    /// Uploads a template to `bucket` and returns the URL CloudFormation should read it from.
    /// The key is derived from the stack name and a hash of the body, so re-uploads are stable.
    ///
    /// # Errors
    /// [`ApiError`] (operation `PutObject`) after retries.
    pub async fn upload_template(
        &self,
        bucket: &str,
        stack: &str,
        body: &str,
    ) -> Result<String, ApiError> {
        let endpoint = self.sdk_config.endpoint_url().map(str::to_owned);
        let mut b = aws_sdk_s3::config::Builder::from(&self.sdk_config);
        if endpoint.is_some() {
            b = b.force_path_style(true);
        }
        let s3 = aws_sdk_s3::Client::from_conf(b.build());
        let key = format!(
            "cfn-templates/{stack}/{:016x}.template.json",
            fnv1a(body.as_bytes())
        );
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            s3.put_object()
                .bucket(bucket)
                .key(&key)
                .content_type("application/json")
                .body(aws_sdk_s3::primitives::ByteStream::from(
                    body.as_bytes().to_vec(),
                ))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutObject", &e))
        })
        .await?;
        let region = self
            .sdk_config
            .region()
            .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
        Ok(match endpoint {
            Some(ep) => format!("{}/{bucket}/{key}", ep.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com/{key}"),
        })
    }
}

/// FNV-1a, 64 bits: a stable, dependency-free content hash for object keys.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn content_hash_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
