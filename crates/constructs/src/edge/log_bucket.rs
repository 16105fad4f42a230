//! `LogBucket`: an S3 bucket that AWS services deliver logs to.

use crate::encryption::retain;
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Principal, Statement};
use crate::resources::s3::{self, bucket};
use crate::storage::{BucketKey, Ownership, private_bucket};
use crate::tree::{Handle, Scope};
use crate::value::Value;

/// Options of [`LogBucket`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogBucketProps {
    /// Days after which log objects expire (current and noncurrent versions).
    pub expiration_days: u32,
    /// Keep ACLs enabled (`BucketOwnerPreferred` instead of `BucketOwnerEnforced`): CloudFront
    /// standard logging writes through an ACL grant to its log-delivery account and fails on
    /// a bucket without ACLs. Objects uploaded without an ACL still belong to the bucket owner.
    pub acl_log_delivery: bool,
}

impl Default for LogBucketProps {
    fn default() -> Self {
        LogBucketProps {
            expiration_days: 365,
            acl_log_delivery: false,
        }
    }
}

/// A versioned bucket for service-delivered logs: SSE-S3 encryption (AES256, the only server
/// side encryption ALB access logs support), public access blocked, bucket-owner-enforced
/// ownership, TLS-only bucket policy, lifecycle expiry, and `DeletionPolicy: Retain`.
///
/// Delivery grants are added with [`LogBucket::allow_delivery`]; all statements end up in one
/// `AWS::S3::BucketPolicy` at `<id>/Policy`.
#[derive(Debug, Clone)]
pub struct LogBucket {
    bucket: Handle<s3::Bucket>,
    policy: Handle<s3::BucketPolicy>,
    statements: Vec<Statement>,
}

/// Why checkov's access-logging check does not apply to a log bucket.
const NO_ACCESS_LOGS_REASON: &str = "This bucket receives service logs; logging its own access would need another log bucket (and so on).";

/// Why checkov's "ACLs disabled" check does not apply to a CloudFront log bucket.
const ACL_DELIVERY_REASON: &str = "CloudFront standard logging delivers through an ACL grant to its log-delivery account and needs ACLs enabled; public access stays blocked and objects written without an ACL belong to the bucket owner.";

impl LogBucket {
    /// Creates the bucket at `scope/id/Bucket` and its policy at `scope/id/Policy`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming `expiration_days` if it is 0;
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &LogBucketProps,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        if props.expiration_days == 0 {
            return Err(s.config_error("expiration_days", "must be at least 1 day"));
        }
        let days = i64::from(props.expiration_days);
        let mut options = retain();
        let mut skips = vec![("CKV_AWS_18", NO_ACCESS_LOGS_REASON)];
        if props.acl_log_delivery {
            skips.push(("CKV2_AWS_65", ACL_DELIVERY_REASON));
        }
        options.metadata = crate::lint::suppressions(&skips, &[]);
        let ownership = if props.acl_log_delivery {
            Ownership::Preferred
        } else {
            Ownership::Enforced
        };
        let bucket = s.resource_with(
            "Bucket",
            s3::Bucket {
                lifecycle_configuration: Some(
                    bucket::LifecycleConfiguration::new(vec![bucket::RuleProperty {
                        id: Some("expire-logs".into()),
                        expiration_in_days: Some(days.into()),
                        noncurrent_version_expiration: Some(
                            bucket::NoncurrentVersionExpiration::new(days).into(),
                        ),
                        abort_incomplete_multipart_upload: Some(
                            bucket::AbortIncompleteMultipartUpload::new(7).into(),
                        ),
                        ..bucket::RuleProperty::new("Enabled")
                    }])
                    .into(),
                ),
                ..private_bucket(BucketKey::S3Managed, ownership)
            },
            options,
        )?;
        let statements = vec![Statement::deny_insecure_transport(
            ["s3:*"],
            [bucket.attr_arn(), objects(&bucket, "*")],
        )];
        let policy = s.resource(
            "Policy",
            s3::BucketPolicy::new(
                bucket.reference(),
                PolicyDocument::new(statements.clone()).json(),
            ),
        )?;
        Ok(LogBucket {
            bucket,
            policy,
            statements,
        })
    }

    /// Lets `principal` put objects under `key_pattern` (e.g. `alb/AWSLogs/<account>/*`),
    /// rewriting the bucket policy in `stack`.
    ///
    /// # Errors
    /// [`ConstructError::WrongNode`] if `stack` is not the bucket's stack.
    pub fn allow_delivery(
        &mut self,
        stack: &mut crate::Stack,
        sid: &str,
        principal: Principal,
        key_pattern: Value<String>,
    ) -> Result<(), ConstructError> {
        self.statements.push(
            Statement::allow(["s3:PutObject"], [objects(&self.bucket, key_pattern)])
                .sid(sid)
                .principal(principal),
        );
        stack.props_mut(&self.policy)?.policy_document =
            PolicyDocument::new(self.statements.clone()).json();
        Ok(())
    }

    /// The bucket name (`Ref`).
    pub fn name(&self) -> Value<String> {
        self.bucket.reference()
    }

    /// The bucket's global domain name (`<bucket>.s3.amazonaws.com`, as CloudFront logging
    /// takes it).
    pub fn domain_name(&self) -> Value<String> {
        self.bucket.attr_domain_name()
    }

    /// The bucket ARN.
    pub fn arn(&self) -> Value<String> {
        self.bucket.attr_arn()
    }

    /// The bucket L1, for escape hatches.
    pub fn l1(&self) -> &Handle<s3::Bucket> {
        &self.bucket
    }

    /// The bucket policy L1.
    pub fn policy(&self) -> &Handle<s3::BucketPolicy> {
        &self.policy
    }
}

/// `arn:…:s3:::<bucket>/<key>`.
fn objects(bucket: &Handle<s3::Bucket>, key: impl Into<Value<String>>) -> Value<String> {
    fns::concat([bucket.attr_arn(), "/".into(), key.into()])
}
