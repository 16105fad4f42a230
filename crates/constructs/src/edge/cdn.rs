//! [`StaticCdn`]: a private S3 bucket of static files behind a CloudFront distribution.

use crate::asset::{AssetSource, BucketDestination};
use crate::encryption::retain;
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Principal, Statement};
use crate::resources::cloudfront::{self, distribution as dist, origin_access_control as oac};
use crate::resources::s3::{self, bucket};
use crate::storage::{BucketKey, Ownership, private_bucket};
use crate::tree::{Handle, OutputDef, Scope, Stack};
use crate::value::Value;

use super::log_bucket::{LogBucket, LogBucketProps};

/// CloudFront's managed cache policy `CachingOptimized`: no cookies, query strings or headers in
/// the cache key, gzip and Brotli, the origin's `Cache-Control` honoured up to a year (1 day
/// when it sends none).
pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/// CloudFront's managed response headers policy `CORS-and-SecurityHeadersPolicy`: simple CORS
/// from any origin (fonts and modules loaded by pages of another host) plus HSTS,
/// `X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy` and `X-XSS-Protection`.
pub const CORS_AND_SECURITY_HEADERS: &str = "e61eb60c-9c35-4d20-a928-2b84e02af89c";

/// Which edge locations serve the distribution (and what it costs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceClass {
    /// North America, Europe and Israel.
    NorthAmericaEurope,
    /// Those plus Asia, the Middle East and Africa.
    MostRegions,
    /// Every edge location.
    All,
}

impl PriceClass {
    fn name(self) -> &'static str {
        match self {
            PriceClass::NorthAmericaEurope => "PriceClass_100",
            PriceClass::MostRegions => "PriceClass_200",
            PriceClass::All => "PriceClass_All",
        }
    }
}

/// A host name of your own for the distribution.
///
/// CloudFront only takes certificates from ACM in **us-east-1**, whatever the stack's region.
/// A stack in us-east-1 can create it beside the distribution; a stack elsewhere gets its ARN
/// from a stack deployed to us-east-1 (an `AWS::CertificateManager::Certificate` validated in
/// the zone, its ARN written to an SSM parameter there and passed in, since exports and
/// `Fn::ImportValue` do not cross regions).
#[derive(Debug, Clone, PartialEq)]
pub struct CdnAlias {
    /// The host name, e.g. `static.asg.example.com`.
    pub domain_name: String,
    /// ARN of an ACM certificate in us-east-1 covering it.
    pub certificate_arn: Value<String>,
}

/// Options of [`StaticCdn`].
#[derive(Debug, Clone, PartialEq)]
pub struct StaticCdnProps {
    /// A name unique in the account (1-64 letters, digits, `-`, `_`, `.`): the origin access
    /// control's name and the distribution's comment.
    pub name: String,
    /// Edge locations.
    pub price_class: PriceClass,
    /// The cache policy id (default [`CACHING_OPTIMIZED`]).
    pub cache_policy_id: String,
    /// The response headers policy id (default [`CORS_AND_SECURITY_HEADERS`]).
    pub response_headers_policy_id: String,
    /// Days after which replaced versions of objects are deleted.
    pub noncurrent_version_days: u32,
    /// The access logs' bucket (CloudFront and S3 server access logs).
    pub access_logs: LogBucketProps,
    /// An alias with its us-east-1 certificate; `None` serves `<id>.cloudfront.net` with
    /// CloudFront's certificate.
    pub alias: Option<CdnAlias>,
    /// An AWS WAF web ACL (global scope, in us-east-1) to attach, by ARN.
    pub web_acl_arn: Option<String>,
}

impl StaticCdnProps {
    /// Defaults for `name`: North America and Europe, `CachingOptimized`,
    /// `CORS-and-SecurityHeadersPolicy`, old versions kept 30 days, logs kept a year.
    pub fn new(name: impl Into<String>) -> Self {
        StaticCdnProps {
            name: name.into(),
            price_class: PriceClass::NorthAmericaEurope,
            cache_policy_id: CACHING_OPTIMIZED.into(),
            response_headers_policy_id: CORS_AND_SECURITY_HEADERS.into(),
            noncurrent_version_days: 30,
            access_logs: LogBucketProps {
                acl_log_delivery: true,
                ..LogBucketProps::default()
            },
            alias: None,
            web_acl_arn: None,
        }
    }

    fn validate(&self) -> Result<(), (&'static str, String)> {
        let n = &self.name;
        if n.is_empty()
            || n.len() > 64
            || !n
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err((
                "name",
                format!("{n:?} must be 1-64 letters, digits, '-', '_' or '.'"),
            ));
        }
        let uuid = |s: &str| {
            s.len() == 36
                && s.char_indices().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
        };
        if !uuid(&self.cache_policy_id) {
            return Err((
                "cache_policy_id",
                format!(
                    "{:?} is not a cache policy id (a UUID)",
                    self.cache_policy_id
                ),
            ));
        }
        if !uuid(&self.response_headers_policy_id) {
            return Err((
                "response_headers_policy_id",
                format!(
                    "{:?} is not a response headers policy id (a UUID)",
                    self.response_headers_policy_id
                ),
            ));
        }
        if self.noncurrent_version_days == 0 {
            return Err(("noncurrent_version_days", "must be at least 1 day".into()));
        }
        if !self.access_logs.acl_log_delivery {
            return Err((
                "access_logs.acl_log_delivery",
                "CloudFront standard logging needs a log bucket with ACLs enabled".into(),
            ));
        }
        if let Some(a) = &self.alias
            && let Some(problem) = super::domain_problem(&a.domain_name, false)
        {
            return Err(("alias.domain_name", problem));
        }
        if let Some(arn) = &self.web_acl_arn
            && !(arn.starts_with("arn:")
                && arn.contains(":wafv2:us-east-1:")
                && arn.contains("/global/"))
        {
            return Err((
                "web_acl_arn",
                format!("{arn:?} is not the ARN of a global (us-east-1) WAFv2 web ACL"),
            ));
        }
        Ok(())
    }
}

/// Why checkov's checks do not apply, per resource.
const NO_WAF_REASON: &str = "Serves static files only (GET/HEAD from a private S3 origin, no application logic behind it); attach a web ACL with web_acl_arn where policy requires one.";
const NO_FAILOVER_REASON: &str = "One regional S3 origin (99.99% available, 11 nines durable); a second origin would need a replicated bucket in another region.";
const NO_ROOT_OBJECT_REASON: &str =
    "A static-files distribution has no index page: only hashed asset names are requested.";
const DEFAULT_CERT_REASON: &str = "Without an alias CloudFront serves its *.cloudfront.net certificate, whose minimum protocol CloudFront fixes; set an alias with an ACM certificate (us-east-1) to enforce TLSv1.2_2021.";
const NO_GEO_REASON: &str = "Static files of a public web application: no country is excluded.";
const SSE_S3_REASON: &str = "Encrypted with SSE-S3: a customer key would need a key policy naming the distribution, which names the bucket, which names the key (a cycle); the content is served publicly anyway.";
const NO_REPLICATION_REASON: &str = "The files are build output, republished by every deploy; replication would copy what the next deploy rewrites.";
const NO_EVENTS_REASON: &str = "Nothing reacts to uploads of build output.";

/// A private, versioned, encrypted S3 bucket of static files served through CloudFront.
///
/// - **Bucket**: public access blocked, ACLs off (bucket owner enforced), SSE-S3, versioning
///   (old versions expire after `noncurrent_version_days`), server access logs, a policy that
///   refuses requests without TLS and lets exactly this distribution read objects (origin
///   access control, SigV4 signed; no legacy origin access identity, no public read);
///   `DeletionPolicy`/`UpdateReplacePolicy` `Retain`.
/// - **Distribution**: HTTPS only (HTTP redirected), HTTP/2 and HTTP/3, IPv6, compression,
///   `GET`/`HEAD`/`OPTIONS`, the cache policy for content-hashed names (no cookies or query
///   strings in the key; objects carry their `Cache-Control`, see
///   [`BucketDestination`]), a response headers policy, standard access logs to a
///   [`LogBucket`], and an optional alias with its own certificate (TLSv1.2_2021, SNI).
/// - **Publishing**: [`StaticCdn::publish`] declares a directory whose files deploy uploads,
///   one object per file, after the stack's change set.
#[derive(Debug, Clone)]
pub struct StaticCdn {
    bucket: Handle<s3::Bucket>,
    distribution: Handle<cloudfront::Distribution>,
    logs: LogBucket,
}

impl StaticCdn {
    /// Creates the bucket, the logs' bucket, the origin access control, the distribution and
    /// the bucket policy under `scope/id`.
    ///
    /// ```
    /// use constructs::edge::{StaticCdn, StaticCdnProps};
    /// use constructs::{Environment, Stack};
    ///
    /// let mut stack = Stack::new("Static", Environment::region("eu-west-1", &[]))?;
    /// let cdn = StaticCdn::new(&mut stack.root(), "Cdn", &StaticCdnProps::new("site-static"))?;
    /// let _url = cdn.base_url(); // https://<id>.cloudfront.net/
    /// # Ok::<(), constructs::ConstructError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field (`name`, `cache_policy_id`,
    /// `response_headers_policy_id`, `noncurrent_version_days`, `access_logs.*`,
    /// `alias.domain_name`, `web_acl_arn`); [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &StaticCdnProps,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        if let Err((field, message)) = props.validate() {
            return Err(s.config_error(field, message));
        }
        let mut logs = LogBucket::new(&mut s, "AccessLogs", &props.access_logs)?;
        let mut options = retain();
        options.metadata = crate::lint::suppressions(
            &[
                ("CKV_AWS_145", SSE_S3_REASON),
                ("CKV_AWS_144", NO_REPLICATION_REASON),
                ("CKV2_AWS_62", NO_EVENTS_REASON),
            ],
            &[],
        );
        let days = i64::from(props.noncurrent_version_days);
        let bucket = s.resource_with(
            "Bucket",
            s3::Bucket {
                lifecycle_configuration: Some(
                    bucket::LifecycleConfiguration::new(vec![bucket::RuleProperty {
                        id: Some("expire-replaced-versions".into()),
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
                logging_configuration: Some(
                    bucket::LoggingConfiguration {
                        destination_bucket_name: Some(logs.name()),
                        log_file_prefix: Some("s3/".into()),
                        ..bucket::LoggingConfiguration::new()
                    }
                    .into(),
                ),
                ..private_bucket(BucketKey::S3Managed, Ownership::Enforced)
            },
            options,
        )?;
        let access = s.resource(
            "OriginAccessControl",
            cloudfront::OriginAccessControl::new(oac::OriginAccessControlConfig {
                description: Some(format!("CloudFront reads the {} bucket", props.name).into()),
                ..oac::OriginAccessControlConfig::new(props.name.clone(), "s3", "always", "sigv4")
            }),
        )?;
        let origin_id = "static-files";
        let mut methods: Vec<Value<String>> = vec!["GET".into(), "HEAD".into()];
        methods.push("OPTIONS".into());
        let behavior = dist::DefaultCacheBehavior {
            allowed_methods: Some(methods.clone().into()),
            cached_methods: Some(methods.into()),
            cache_policy_id: Some(props.cache_policy_id.clone().into()),
            response_headers_policy_id: Some(props.response_headers_policy_id.clone().into()),
            compress: Some(true.into()),
            ..dist::DefaultCacheBehavior::new(origin_id, "redirect-to-https")
        };
        let certificate = match &props.alias {
            Some(a) => dist::ViewerCertificate {
                acm_certificate_arn: Some(a.certificate_arn.clone()),
                minimum_protocol_version: Some("TLSv1.2_2021".into()),
                ssl_support_method: Some("sni-only".into()),
                ..dist::ViewerCertificate::new()
            },
            None => dist::ViewerCertificate {
                cloud_front_default_certificate: Some(true.into()),
                ..dist::ViewerCertificate::new()
            },
        };
        let config = dist::DistributionConfig {
            comment: Some(format!("Static files: {}", props.name).into()),
            origins: Some(
                vec![dist::Origin {
                    origin_access_control_id: Some(access.attr_id()),
                    s3_origin_config: Some(
                        dist::S3OriginConfig {
                            origin_access_identity: Some(String::new().into()),
                            ..dist::S3OriginConfig::new()
                        }
                        .into(),
                    ),
                    ..dist::Origin::new(bucket.attr_regional_domain_name(), origin_id)
                }]
                .into(),
            ),
            aliases: props
                .alias
                .as_ref()
                .map(|a| vec![Value::from(a.domain_name.clone())].into()),
            http_version: Some("http2and3".into()),
            ipv6_enabled: Some(true.into()),
            price_class: Some(props.price_class.name().into()),
            viewer_certificate: Some(certificate.into()),
            logging: Some(
                dist::Logging {
                    bucket: Some(logs.domain_name()),
                    include_cookies: Some(false.into()),
                    prefix: Some("cloudfront/".into()),
                }
                .into(),
            ),
            web_acl_id: props.web_acl_arn.clone().map(Into::into),
            ..dist::DistributionConfig::new(behavior, true)
        };
        let mut skips = vec![
            ("CKV_AWS_310", NO_FAILOVER_REASON),
            ("CKV_AWS_305", NO_ROOT_OBJECT_REASON),
            ("CKV_AWS_374", NO_GEO_REASON),
        ];
        if props.web_acl_arn.is_none() {
            skips.push(("CKV_AWS_68", NO_WAF_REASON));
        }
        if props.alias.is_none() {
            skips.push(("CKV_AWS_174", DEFAULT_CERT_REASON));
        }
        let distribution = s.resource_with(
            "Distribution",
            cloudfront::Distribution::new(config),
            crate::tree::ResourceOptions {
                metadata: crate::lint::suppressions(&skips, &[]),
                ..crate::tree::ResourceOptions::default()
            },
        )?;
        let distribution_arn = fns::concat([
            "arn:".into(),
            fns::partition(),
            ":cloudfront::".into(),
            fns::account_id(),
            ":distribution/".into(),
            distribution.attr_id(),
        ]);
        let objects = fns::concat([bucket.attr_arn(), "/*".into()]);
        s.resource(
            "Policy",
            s3::BucketPolicy::new(
                bucket.reference(),
                PolicyDocument::new([
                    Statement::deny_insecure_transport(
                        ["s3:*"],
                        [bucket.attr_arn(), objects.clone()],
                    ),
                    Statement::allow(["s3:GetObject"], [objects])
                        .sid("CloudFrontReadsThroughOriginAccessControl")
                        .principal(Principal::Service("cloudfront.amazonaws.com".into()))
                        .condition("StringEquals", "AWS:SourceArn", [distribution_arn]),
                ])
                .json(),
            ),
        )?;
        // S3 delivers the bucket's server access logs under s3/.
        logs.allow_delivery(
            s.stack(),
            "S3ServerAccessLogs",
            Principal::Service("logging.s3.amazonaws.com".into()),
            "s3/*".into(),
        )?;
        Ok(StaticCdn {
            bucket,
            distribution,
            logs,
        })
    }

    /// Declares `source` as the bucket's content: deploy publishes its files (one object per
    /// file, with `Content-Type` and `Cache-Control`) right after `stack`'s change set. Adds
    /// the output `<output>` (the bucket's name) at the stack's root, which deploy reads.
    ///
    /// # Errors
    /// [`ConstructError`] when the asset or the output cannot be declared (see
    /// [`Stack::add_bucket_files`]).
    pub fn publish(
        &self,
        stack: &mut Stack,
        asset_id: &str,
        output: &str,
        source: AssetSource,
    ) -> Result<(), ConstructError> {
        stack.root().output(
            output,
            OutputDef::new(
                self.bucket_name(),
                "The static files' bucket (deploy publishes into it)",
            ),
        )?;
        stack.add_bucket_files(asset_id, source, BucketDestination::new(output))
    }

    /// `https://<domain>/`: where the files are served (the alias when one is set is not used
    /// here; see [`StaticCdn::domain_name`]).
    pub fn base_url(&self) -> Value<String> {
        fns::concat(["https://".into(), self.domain_name(), "/".into()])
    }

    /// The distribution's `*.cloudfront.net` domain name.
    pub fn domain_name(&self) -> Value<String> {
        self.distribution.attr_domain_name()
    }

    /// The distribution id.
    pub fn distribution_id(&self) -> Value<String> {
        self.distribution.attr_id()
    }

    /// The bucket's name.
    pub fn bucket_name(&self) -> Value<String> {
        self.bucket.reference()
    }

    /// The bucket L1, for escape hatches.
    pub fn bucket(&self) -> &Handle<s3::Bucket> {
        &self.bucket
    }

    /// The distribution L1, for escape hatches.
    pub fn distribution(&self) -> &Handle<cloudfront::Distribution> {
        &self.distribution
    }

    /// The access logs' bucket.
    pub fn access_logs(&self) -> &LogBucket {
        &self.logs
    }
}
