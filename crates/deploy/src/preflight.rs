//! Pre-flight: what must hold before the first change set of a deploy, checked all at once so a
//! deploy never stops half-way through an assembly for a reason that was knowable up front.
//!
//! The requirements are read from the assembly alone ([`requirements`], pure): the account each
//! stack is pinned to, the existing hosted zones its templates write records into (a parent
//! zone that delegates to a sub-zone, DNS validation of a certificate), and whether each template
//! can be sent inline or needs a bucket. [`check`] asks a [`Probe`] (STS and Route 53 on AWS,
//! [`AwsProbe`]) about them and returns every [`Problem`] found.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::assembly::StackArtifact;
use crate::cfn::MAX_INLINE_TEMPLATE_BYTES;
use crate::error::ApiError;
use crate::template::ResourceView;

/// A hosted zone that must already exist because a template names it by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ZoneUse {
    /// The zone id as the template writes it, without a `/hostedzone/` prefix.
    pub zone_id: String,
    /// The stack whose template names it.
    pub stack: String,
    /// The resource that names it.
    pub logical_id: String,
    /// That resource's construct path, when the template records it.
    pub construct_path: Option<String>,
}

/// What an assembly needs from the account before anything is created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// `(stack, account)` for every stack whose manifest pins an account.
    pub accounts: Vec<(String, String)>,
    /// Existing hosted zones the templates write into (one entry per zone and resource).
    pub zones: Vec<ZoneUse>,
    /// `(stack, bytes)` of templates over the inline limit when no bucket was given.
    pub oversized: Vec<(String, usize)>,
}

/// One reason the deploy cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The credentials belong to another account than the one these stacks are pinned to.
    WrongAccount {
        /// The stacks pinned to `pinned`.
        stacks: Vec<String>,
        /// The account in the manifest.
        pinned: String,
        /// The caller's account (STS GetCallerIdentity).
        caller: String,
    },
    /// A hosted zone a template writes into does not exist (or is not visible to the caller).
    ZoneMissing(ZoneUse),
    /// A template is over CloudFormation's inline limit and no bucket was given.
    TemplateTooLarge {
        /// Stack name.
        stack: String,
        /// Template size.
        bytes: usize,
    },
    /// A check itself could not be made (the probe's call failed).
    CheckFailed {
        /// What was being checked.
        what: String,
        /// The failed call.
        error: ApiError,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::WrongAccount {
                stacks,
                pinned,
                caller,
            } => write!(
                f,
                "{} {} {} pinned to account {pinned}, but the credentials are for account \
                 {caller}: use the profile of account {pinned} (--profile), or change the pinned \
                 account in the configuration",
                if stacks.len() == 1 { "stack" } else { "stacks" },
                stacks.join(", "),
                if stacks.len() == 1 { "is" } else { "are" },
            ),
            Problem::ZoneMissing(z) => {
                write!(
                    f,
                    "stack {}: hosted zone {} does not exist or is not visible to these \
                     credentials (named by {}",
                    z.stack, z.zone_id, z.logical_id
                )?;
                if let Some(p) = &z.construct_path {
                    write!(f, ", construct {p}")?;
                }
                write!(
                    f,
                    "): create the parent zone first, or set the configuration's zone id to an \
                     existing public zone (`aws route53 list-hosted-zones`)"
                )
            }
            Problem::TemplateTooLarge { stack, bytes } => write!(
                f,
                "stack {stack}: its template is {bytes} bytes, over CloudFormation's inline limit \
                 of {MAX_INLINE_TEMPLATE_BYTES}: pass --template-bucket BUCKET (an S3 bucket in \
                 the stack's region) to upload it"
            ),
            Problem::CheckFailed { what, error } => {
                write!(f, "could not check {what}: {error}")
            }
        }
    }
}

/// Answers the questions pre-flight asks of the account.
pub trait Probe {
    /// The caller's account id.
    fn caller_account(&self) -> impl std::future::Future<Output = Result<String, ApiError>> + Send;
    /// Whether the hosted zone exists and is visible.
    fn zone_exists(
        &self,
        zone_id: &str,
    ) -> impl std::future::Future<Output = Result<bool, ApiError>> + Send;
}

fn literal_zone(v: Option<&Value>) -> Option<String> {
    let id = v?.as_str()?;
    let id = id.strip_prefix("/hostedzone/").unwrap_or(id);
    (!id.is_empty()).then(|| id.to_owned())
}

/// The literal hosted-zone ids a resource writes records into: a record set's (group's)
/// `HostedZoneId`, and a certificate's `DomainValidationOptions[].HostedZoneId`. Alias targets'
/// zone ids (a load balancer's or CloudFront's canonical zone) are not the caller's zones.
fn zones_of(resource: &ResourceView<'_>) -> Vec<String> {
    match resource.resource_type() {
        "AWS::Route53::RecordSet" | "AWS::Route53::RecordSetGroup" => {
            literal_zone(resource.property("HostedZoneId"))
                .into_iter()
                .collect()
        }
        "AWS::CertificateManager::Certificate" => resource
            .property("DomainValidationOptions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|o| literal_zone(o.get("HostedZoneId")))
            .collect(),
        _ => Vec::new(),
    }
}

/// What `stacks` need before the first change set. `template_bucket`: the bucket large
/// templates go to, if any.
pub fn requirements(stacks: &[&StackArtifact], template_bucket: Option<&str>) -> Requirements {
    let mut req = Requirements::default();
    for s in stacks {
        if let Some(account) = &s.manifest.environment.account {
            req.accounts.push((s.name().to_owned(), account.clone()));
        }
        if template_bucket.is_none() && s.template_body.len() > MAX_INLINE_TEMPLATE_BYTES {
            req.oversized
                .push((s.name().to_owned(), s.template_body.len()));
        }
        for resource in s.template.resources() {
            for zone_id in zones_of(&resource) {
                req.zones.push(ZoneUse {
                    zone_id,
                    stack: s.name().to_owned(),
                    logical_id: resource.logical_id.to_owned(),
                    construct_path: resource.construct_path().map(str::to_owned),
                });
            }
        }
    }
    req.zones.sort();
    req
}

/// Checks `req` with `probe`; every problem found, in a stable order (accounts, zones, sizes).
pub async fn check(req: &Requirements, probe: &impl Probe) -> Vec<Problem> {
    let mut problems = Vec::new();
    if !req.accounts.is_empty() {
        match probe.caller_account().await {
            Ok(caller) => {
                // One problem per pinned account, naming its stacks in order.
                let mut wrong: Vec<(String, Vec<String>)> = Vec::new();
                for (stack, pinned) in req.accounts.iter().filter(|(_, p)| *p != caller) {
                    match wrong.iter_mut().find(|(p, _)| p == pinned) {
                        Some((_, stacks)) => stacks.push(stack.clone()),
                        None => wrong.push((pinned.clone(), vec![stack.clone()])),
                    }
                }
                problems.extend(
                    wrong
                        .into_iter()
                        .map(|(pinned, stacks)| Problem::WrongAccount {
                            stacks,
                            pinned,
                            caller: caller.clone(),
                        }),
                );
            }
            Err(error) => problems.push(Problem::CheckFailed {
                what: "the caller's account (sts:GetCallerIdentity)".into(),
                error,
            }),
        }
    }
    // One question per zone; every use of a missing zone is reported.
    let ids: BTreeSet<&str> = req.zones.iter().map(|z| z.zone_id.as_str()).collect();
    for id in ids {
        match probe.zone_exists(id).await {
            Ok(true) => {}
            Ok(false) => problems.extend(
                req.zones
                    .iter()
                    .filter(|z| z.zone_id == id)
                    .cloned()
                    .map(Problem::ZoneMissing),
            ),
            Err(error) => problems.push(Problem::CheckFailed {
                what: format!("hosted zone {id} (route53:GetHostedZone)"),
                error,
            }),
        }
    }
    problems.extend(
        req.oversized
            .iter()
            .map(|(stack, bytes)| Problem::TemplateTooLarge {
                stack: stack.clone(),
                bytes: *bytes,
            }),
    );
    problems
}

/// [`Probe`] on AWS: STS GetCallerIdentity and Route 53 GetHostedZone, with the engine's
/// retry policy.
#[derive(Debug, Clone)]
pub struct AwsProbe {
    sts: aws_sdk_sts::Client,
    route53: aws_sdk_route53::Client,
    timing: crate::retry::Timing,
}

impl AwsProbe {
    /// Clients from the deploy's SDK configuration.
    pub fn new(config: &aws_config::SdkConfig, timing: &crate::retry::Timing) -> Self {
        Self {
            sts: aws_sdk_sts::Client::new(config),
            route53: aws_sdk_route53::Client::new(config),
            timing: timing.clone(),
        }
    }
}

impl Probe for AwsProbe {
    async fn caller_account(&self) -> Result<String, ApiError> {
        use crate::retry::{RetryOn, api_error, with_retry};
        let out = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.sts
                .get_caller_identity()
                .send()
                .await
                .map_err(|e| api_error("GetCallerIdentity", &e))
        })
        .await?;
        Ok(out.account().unwrap_or_default().to_owned())
    }

    async fn zone_exists(&self, zone_id: &str) -> Result<bool, ApiError> {
        use crate::retry::{RetryOn, api_error, with_retry};
        let found = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            match self.route53.get_hosted_zone().id(zone_id).send().await {
                Ok(_) => Ok(true),
                Err(e) => {
                    let err = api_error("GetHostedZone", &e);
                    if matches!(
                        err.code.as_deref(),
                        Some("NoSuchHostedZone" | "InvalidInput")
                    ) {
                        Ok(false)
                    } else {
                        Err(err)
                    }
                }
            }
        })
        .await?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assembly::{Environment, StackManifest};
    use crate::error::ApiErrorKind;
    use crate::template::Template;
    use std::collections::BTreeMap;

    fn artifact(name: &str, account: Option<&str>, body: &str) -> StackArtifact {
        StackArtifact {
            manifest: StackManifest {
                name: name.into(),
                template_file: format!("{name}.template.json"),
                dependencies: Vec::new(),
                parameters: BTreeMap::new(),
                environment: Environment {
                    account: account.map(str::to_owned),
                    region: Some("us-east-1".into()),
                },
                tags: BTreeMap::new(),
                termination_protection: false,
                assets: Vec::new(),
            },
            template_body: body.to_owned(),
            template: Template::parse(body).unwrap(),
        }
    }

    const ZONES: &str = r#"{"Resources":{
        "Delegation":{"Type":"AWS::Route53::RecordSet","Metadata":{"construct:path":"app/Zone/Delegation"},
            "Properties":{"HostedZoneId":"/hostedzone/ZPARENT","Name":"a.example.com","Type":"NS"}},
        "Alias":{"Type":"AWS::Route53::RecordSet","Properties":{"HostedZoneId":{"Ref":"Zone"},
            "AliasTarget":{"HostedZoneId":"Z2FDTNDATAQYW2","DNSName":"x"}}},
        "Cert":{"Type":"AWS::CertificateManager::Certificate","Properties":{"DomainName":"a.example.com",
            "DomainValidationOptions":[{"DomainName":"a.example.com","HostedZoneId":"ZPARENT"},
                                       {"DomainName":"b.example.com","HostedZoneId":{"Ref":"Zone"}}]}}}}"#;

    struct FakeProbe {
        account: Result<String, ApiError>,
        zones: Vec<&'static str>,
    }

    impl Probe for FakeProbe {
        async fn caller_account(&self) -> Result<String, ApiError> {
            self.account.clone()
        }
        async fn zone_exists(&self, zone_id: &str) -> Result<bool, ApiError> {
            Ok(self.zones.contains(&zone_id))
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn literal_zone_ids_are_required_and_alias_targets_and_refs_are_not() {
        let a = artifact("app", None, ZONES);
        let req = requirements(&[&a], None);
        let named: Vec<(&str, &str)> = req
            .zones
            .iter()
            .map(|z| (z.zone_id.as_str(), z.logical_id.as_str()))
            .collect();
        assert_eq!(named, [("ZPARENT", "Cert"), ("ZPARENT", "Delegation")]);
        assert_eq!(
            req.zones[1].construct_path.as_deref(),
            Some("app/Zone/Delegation")
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let big = format!(
            r#"{{"Description":"{}","Resources":{{}}}}"#,
            "x".repeat(MAX_INLINE_TEMPLATE_BYTES)
        );
        let net = artifact("net", Some("111111111111"), &big);
        let app = artifact("app", Some("111111111111"), ZONES);
        let req = requirements(&[&net, &app], None);
        let probe = FakeProbe {
            account: Ok("222222222222".into()),
            zones: vec![],
        };
        let problems = block_on(check(&req, &probe));
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 4, "{text:#?}");
        assert!(
            text[0].starts_with(
                "stacks net, app are pinned to account 111111111111, but the credentials are for account 222222222222"
            ),
            "{}",
            text[0]
        );
        assert!(text[1].contains("hosted zone ZPARENT does not exist"));
        assert!(text[2].contains("construct app/Zone/Delegation"));
        assert!(text[3].contains("--template-bucket"));
        // With a bucket the size is fine; with the right account and zone nothing is wrong.
        let req = requirements(&[&net, &app], Some("bucket"));
        let probe = FakeProbe {
            account: Ok("111111111111".into()),
            zones: vec!["ZPARENT"],
        };
        assert_eq!(block_on(check(&req, &probe)), Vec::new());
    }

    #[test]
    fn a_failed_probe_is_a_problem_not_a_pass() {
        let app = artifact("app", Some("111111111111"), ZONES);
        let req = requirements(&[&app], None);
        let probe = FakeProbe {
            account: Err(ApiError {
                operation: "GetCallerIdentity",
                code: Some("ExpiredToken".into()),
                message: "expired".into(),
                kind: ApiErrorKind::Permanent,
                request_id: None,
            }),
            zones: vec!["ZPARENT"],
        };
        let problems = block_on(check(&req, &probe));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].to_string().starts_with(
            "could not check the caller's account (sts:GetCallerIdentity): GetCallerIdentity failed (ExpiredToken)"
        ));
    }

    #[test]
    fn unpinned_stacks_ask_nothing() {
        let a = artifact("net", None, r#"{"Resources":{}}"#);
        let req = requirements(&[&a], None);
        assert_eq!(req, Requirements::default());
    }
}
