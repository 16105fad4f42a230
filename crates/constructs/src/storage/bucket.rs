//! The base every S3 bucket of the library starts from.

use crate::Value;
use crate::resources::s3::{self, bucket};

/// How a [`private_bucket`] encrypts its objects.
#[derive(Debug, Clone)]
pub enum BucketKey {
    /// SSE-S3 (`AES256`): what buckets need when a service delivers into them (ALB and
    /// CloudFront logs) or reads them through CloudFront's origin access control without a key
    /// grant.
    S3Managed,
    /// SSE-KMS with this key's ARN, with S3 bucket keys on (fewer KMS requests).
    Kms(Value<String>),
}

/// Who owns the objects written into a [`private_bucket`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// `BucketOwnerEnforced`: ACLs disabled, the bucket owner owns every object.
    Enforced,
    /// `BucketOwnerPreferred`: ACLs still work (CloudFront standard logging delivers through
    /// one); objects written without an ACL belong to the bucket owner.
    Preferred,
}

/// A versioned bucket with encryption at rest, all four public-access blocks on and the
/// given object ownership. Constructs add their own lifecycle, logging and policy:
///
/// ```
/// use constructs::resources::s3;
/// use constructs::storage::{BucketKey, Ownership, private_bucket};
///
/// let bucket = s3::Bucket {
///     bucket_name: Some("my-artifacts".into()),
///     ..private_bucket(BucketKey::S3Managed, Ownership::Enforced)
/// };
/// assert!(bucket.public_access_block_configuration.is_some());
/// ```
#[must_use]
pub fn private_bucket(key: BucketKey, ownership: Ownership) -> s3::Bucket {
    let rule = match key {
        BucketKey::S3Managed => bucket::ServerSideEncryptionRule {
            server_side_encryption_by_default: Some(
                bucket::ServerSideEncryptionByDefault::new("AES256").into(),
            ),
            ..bucket::ServerSideEncryptionRule::new()
        },
        BucketKey::Kms(arn) => bucket::ServerSideEncryptionRule {
            bucket_key_enabled: Some(true.into()),
            server_side_encryption_by_default: Some(
                bucket::ServerSideEncryptionByDefault {
                    kms_master_key_id: Some(arn),
                    ..bucket::ServerSideEncryptionByDefault::new("aws:kms")
                }
                .into(),
            ),
            ..bucket::ServerSideEncryptionRule::new()
        },
    };
    let ownership = match ownership {
        Ownership::Enforced => "BucketOwnerEnforced",
        Ownership::Preferred => "BucketOwnerPreferred",
    };
    s3::Bucket {
        bucket_encryption: Some(bucket::BucketEncryption::new(vec![rule]).into()),
        public_access_block_configuration: Some(
            bucket::PublicAccessBlockConfiguration {
                block_public_acls: Some(true.into()),
                block_public_policy: Some(true.into()),
                ignore_public_acls: Some(true.into()),
                restrict_public_buckets: Some(true.into()),
            }
            .into(),
        ),
        ownership_controls: Some(
            bucket::OwnershipControls::new(vec![bucket::OwnershipControlsRule {
                object_ownership: Some(ownership.into()),
            }])
            .into(),
        ),
        versioning_configuration: Some(bucket::VersioningConfiguration::new("Enabled").into()),
        ..s3::Bucket::new()
    }
}
