//! Publishing file assets before the change sets that use them, as `cdk deploy` does.
//!
//! Each asset goes to the assets bucket of its stack's account and region (the manifest's
//! `bucketName` pattern filled in, e.g. `cfnrs-assets-123456789012-eu-west-1`). Deploy owns
//! that bucket: when it does not exist it is created private (public access blocked, bucket
//! owner enforced), encrypted (SSE-S3), versioned, and with a policy that refuses requests
//! without TLS (left out against a plain-`http://` endpoint such as a local emulator, where no
//! request could satisfy it). An object that is already there is not uploaded again: keys are content
//! hashes, so an existing key has the same bytes. `destroy` keeps the bucket (it is shared by
//! every app of the account and region).

use std::path::Path;

use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata as _;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, CreateBucketConfiguration, ObjectOwnership,
    OwnershipControls, OwnershipControlsRule, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};

use crate::assembly::AssetManifest;
use crate::error::{ApiError, DeployError};
use crate::retry::{RetryOn, Timing, api_error, with_retry};

/// Fills `${AWS::AccountId}`, `${AWS::Region}` and `${AWS::Partition}` into a bucket pattern.
pub fn bucket_name(pattern: &str, account: &str, region: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    pattern
        .replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", partition)
}

/// What happened to one asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// Uploaded now.
    Uploaded {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// Size.
        bytes: usize,
    },
    /// Already in the bucket.
    Present {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
    },
}

/// Uploads assets to the assets buckets of one account and region.
#[derive(Debug, Clone)]
pub struct Publisher {
    s3: Client,
    region: String,
    account: String,
    timing: Timing,
    /// Whether requests go over TLS (the TLS-only bucket policy is then applied).
    tls: bool,
}

impl Publisher {
    /// A publisher for `account` in `region` (the configuration's when `None`).
    pub fn new(config: &SdkConfig, region: Option<&str>, account: &str, timing: &Timing) -> Self {
        let mut b = aws_sdk_s3::config::Builder::from(config);
        if config.endpoint_url().is_some() {
            b = b.force_path_style(true);
        }
        if let Some(r) = region {
            b = b.region(aws_config::Region::new(r.to_owned()));
        }
        let region = region
            .map(str::to_owned)
            .or_else(|| config.region().map(ToString::to_string))
            .unwrap_or_else(|| "us-east-1".into());
        Self {
            s3: Client::from_conf(b.build()),
            region,
            account: account.to_owned(),
            timing: timing.clone(),
            tls: !config
                .endpoint_url()
                .is_some_and(|u| u.starts_with("http://")),
        }
    }

    /// Publishes `asset`, whose file is in `dir`.
    ///
    /// # Errors
    /// [`DeployError::Asset`] naming the asset, the bucket and the failed call.
    pub async fn publish(
        &self,
        dir: &Path,
        asset: &AssetManifest,
    ) -> Result<Published, DeployError> {
        let bucket = bucket_name(&asset.bucket_name, &self.account, &self.region);
        let fail = |error: ApiError| DeployError::Asset {
            asset: asset.file.clone(),
            bucket: bucket.clone(),
            error: Box::new(error),
        };
        self.ensure_bucket(&bucket).await.map_err(fail)?;
        let key = asset.object_key.as_str();
        if self.object_exists(&bucket, key).await.map_err(fail)? {
            return Ok(Published::Present {
                bucket: bucket.clone(),
                key: key.to_owned(),
            });
        }
        let path = dir.join(&asset.file);
        let body = std::fs::read(&path).map_err(|e| {
            fail(ApiError {
                operation: "PutObject",
                code: None,
                message: format!("cannot read {}: {e}", path.display()),
                kind: crate::error::ApiErrorKind::Permanent,
                request_id: None,
            })
        })?;
        let bytes = body.len();
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            self.s3
                .put_object()
                .bucket(&bucket)
                .key(key)
                .content_type("application/zip")
                .server_side_encryption(ServerSideEncryption::Aes256)
                .body(aws_sdk_s3::primitives::ByteStream::from(body.clone()))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutObject", &e))
        })
        .await
        .map_err(fail)?;
        Ok(Published::Uploaded {
            bucket: bucket.clone(),
            key: key.to_owned(),
            bytes,
        })
    }

    /// The S3 client (the publisher's region and endpoint).
    pub(crate) fn s3(&self) -> &Client {
        &self.s3
    }

    /// The retry and time-out settings.
    pub(crate) fn timing(&self) -> &Timing {
        &self.timing
    }

    async fn object_exists(&self, bucket: &str, key: &str) -> Result<bool, ApiError> {
        with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            match self.s3.head_object().bucket(bucket).key(key).send().await {
                Ok(_) => Ok(true),
                Err(e) if is_not_found(&e) => Ok(false),
                Err(e) => Err(api_error("HeadObject", &e)),
            }
        })
        .await
    }

    async fn ensure_bucket(&self, bucket: &str) -> Result<(), ApiError> {
        let exists = with_retry(&self.timing, RetryOn::ThrottlingAndTransient, || async {
            match self.s3.head_bucket().bucket(bucket).send().await {
                Ok(_) => Ok(true),
                Err(e) if is_not_found(&e) => Ok(false),
                Err(e) => Err(api_error("HeadBucket", &e)),
            }
        })
        .await?;
        if exists {
            return Ok(());
        }
        let t = &self.timing;
        let on = RetryOn::ThrottlingAndTransient;
        with_retry(t, on, || async {
            let mut req = self
                .s3
                .create_bucket()
                .bucket(bucket)
                .object_ownership(ObjectOwnership::BucketOwnerEnforced);
            if self.region != "us-east-1" {
                req = req.create_bucket_configuration(
                    CreateBucketConfiguration::builder()
                        .location_constraint(BucketLocationConstraint::from(self.region.as_str()))
                        .build(),
                );
            }
            match req.send().await {
                Ok(_) => Ok(()),
                // Another deploy created it in the meantime.
                Err(e) if e.code() == Some("BucketAlreadyOwnedByYou") => Ok(()),
                Err(e) => Err(api_error("CreateBucket", &e)),
            }
        })
        .await?;
        with_retry(t, on, || async {
            self.s3
                .put_public_access_block()
                .bucket(bucket)
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(true)
                        .ignore_public_acls(true)
                        .block_public_policy(true)
                        .restrict_public_buckets(true)
                        .build(),
                )
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutPublicAccessBlock", &e))
        })
        .await?;
        with_retry(t, on, || async {
            let rule = ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::Aes256)
                        .build()
                        .map_err(|e| build_error("PutBucketEncryption", &e))?,
                )
                .build();
            let config = ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(|e| build_error("PutBucketEncryption", &e))?;
            self.s3
                .put_bucket_encryption()
                .bucket(bucket)
                .server_side_encryption_configuration(config)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutBucketEncryption", &e))
        })
        .await?;
        with_retry(t, on, || async {
            self.s3
                .put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(
                    VersioningConfiguration::builder()
                        .status(BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutBucketVersioning", &e))
        })
        .await?;
        let ownership = OwnershipControls::builder()
            .rules(
                OwnershipControlsRule::builder()
                    .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                    .build()
                    .map_err(|e| build_error("PutBucketOwnershipControls", &e))?,
            )
            .build()
            .map_err(|e| build_error("PutBucketOwnershipControls", &e))?;
        with_retry(t, on, || async {
            self.s3
                .put_bucket_ownership_controls()
                .bucket(bucket)
                .ownership_controls(ownership.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutBucketOwnershipControls", &e))
        })
        .await?;
        if !self.tls {
            return Ok(());
        }
        let policy = tls_only_policy(bucket, &self.region);
        with_retry(t, on, || async {
            self.s3
                .put_bucket_policy()
                .bucket(bucket)
                .policy(&policy)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| api_error("PutBucketPolicy", &e))
        })
        .await
    }
}

pub(crate) fn is_not_found<E: aws_sdk_s3::error::ProvideErrorMetadata>(
    e: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> bool {
    e.raw_response().is_some_and(|r| r.status().as_u16() == 404)
        || matches!(e.code(), Some("NotFound" | "NoSuchBucket" | "NoSuchKey"))
}

fn build_error(operation: &'static str, e: &dyn std::fmt::Display) -> ApiError {
    ApiError {
        operation,
        code: None,
        message: e.to_string(),
        kind: crate::error::ApiErrorKind::Permanent,
        request_id: None,
    }
}

/// A bucket policy that denies every request made without TLS.
fn tls_only_policy(bucket: &str, region: &str) -> String {
    let arn = format!(
        "arn:{}:s3:::{bucket}",
        bucket_name("${AWS::Partition}", "", region)
    );
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn.clone(), format!("{arn}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_are_filled_in_per_environment() {
        let p = "cfnrs-assets-${AWS::AccountId}-${AWS::Region}";
        assert_eq!(
            bucket_name(p, "123456789012", "eu-west-1"),
            "cfnrs-assets-123456789012-eu-west-1"
        );
        assert_eq!(bucket_name("${AWS::Partition}", "", "cn-north-1"), "aws-cn");
    }

    #[test]
    fn the_policy_denies_plain_http_on_bucket_and_objects() {
        let p: serde_json::Value =
            serde_json::from_str(&tls_only_policy("b", "us-east-1")).unwrap();
        let st = &p["Statement"][0];
        assert_eq!(st["Effect"], "Deny");
        assert_eq!(
            st["Resource"],
            serde_json::json!(["arn:aws:s3:::b", "arn:aws:s3:::b/*"])
        );
        assert_eq!(st["Condition"]["Bool"]["aws:SecureTransport"], "false");
    }
}
