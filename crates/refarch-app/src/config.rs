//! The reference architecture's configuration: a TOML or JSON file validated with errors that
//! name the field, or the built-in default (the seed's settings, modernised).

use std::path::Path;

use anyhow::{Context, bail};
use ipnet::Ipv4Net;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::contract;

/// Everything the reference architecture can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct RefArchConfig {
    /// Application name: prefixes stack names and the parameter namespace `/<app>/<env>/`.
    pub app: String,
    /// Environment name (dev, staging, prod, ...).
    pub environment: String,
    /// AWS region the stacks target.
    pub region: String,
    /// AWS account id to pin, if any (12 digits).
    pub account: Option<String>,
    /// DNS: the sub-zone delegated from an existing public zone.
    pub domain: DomainConfig,
    /// The VPC.
    pub network: NetworkConfig,
    /// The auto-scaled workloads behind the balancer (the first is the primary: the migrations
    /// pipeline rolls it after migrating).
    pub workloads: Vec<WorkloadConfig>,
    /// The Aurora Serverless v2 database.
    pub database: DatabaseConfig,
    /// The migrations pipeline.
    pub migrations: MigrationsConfig,
    /// The AMI layers (EC2 Image Builder).
    pub images: ImagesConfig,
    /// Where the application image layer gets the application from.
    pub application: ApplicationConfig,
    /// The application's static files in a private bucket behind a CloudFront distribution.
    pub static_files: StaticFilesConfig,
    /// The shared file system (Amazon EFS) the application's media files live on.
    pub file_system: FileSystemConfig,
}

/// Which CloudFront edge locations serve the static files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PriceClassConfig {
    /// North America, Europe and Israel (`PriceClass_100`).
    NorthAmericaEurope,
    /// Those plus Asia, the Middle East and Africa (`PriceClass_200`).
    MostRegions,
    /// Every edge location (`PriceClass_All`).
    All,
}

/// Static files on a CDN: the `collectstatic` output (the contract's `service.static_dir` in
/// the application directory) published by deploy into a private, versioned bucket behind
/// CloudFront (origin access control, HTTPS only), and the app's `STATIC_URL` pointing at it.
/// Off: the application serves its static files itself under `/static/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct StaticFilesConfig {
    /// Create the bucket and the distribution.
    pub enabled: bool,
    /// Edge locations.
    pub price_class: PriceClassConfig,
    /// Days replaced versions of static files are kept (1-365).
    pub noncurrent_version_days: u32,
}

impl Default for StaticFilesConfig {
    fn default() -> Self {
        StaticFilesConfig {
            enabled: true,
            price_class: PriceClassConfig::NorthAmericaEurope,
            noncurrent_version_days: 30,
        }
    }
}

/// The shared file system: Amazon EFS, encrypted, a mount target per availability zone in the
/// private subnets, reachable only from the workloads on NFS; every instance mounts it at the
/// contract's `service.media_dir` (the app's `MEDIA_ROOT`). Off: media files stay on each
/// instance's disk (and are lost with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct FileSystemConfig {
    /// Create the file system and mount it on every instance.
    pub enabled: bool,
    /// Days without access after which a file moves to Infrequent Access (1, 7, 14, 30, 60,
    /// 90, 180, 270 or 365); `None` keeps every file in Standard.
    pub transition_to_ia_days: Option<u16>,
    /// Daily backups (AWS Backup, 35 days).
    pub backups: bool,
}

impl Default for FileSystemConfig {
    fn default() -> Self {
        FileSystemConfig {
            enabled: true,
            transition_to_ia_days: Some(30),
            backups: true,
        }
    }
}

/// The application's source for the image layer and the migrations pipeline: the directory
/// `source_dir`, shipped as a content-addressed asset (the default); an existing zip archive
/// in S3; or (image layer only) a Git repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct ApplicationConfig {
    /// The application's directory (`manage.py`, `requirements.txt` at its root). A relative
    /// path is looked up in the working directory (where it counts once it holds `manage.py`),
    /// then in the checkout this program was built from (so `cargo run` and the tests work
    /// from any directory of it). Synth packages it into `asset.<sha256>.zip` in the assembly and
    /// deploy uploads it to the account's assets bucket; an edit builds a new image.
    pub source_dir: String,
    /// S3 URI of an existing zip archive with the application at its root, instead of
    /// `source_dir`, e.g. `s3://my-releases/app/app-1.4.zip`. The image build may read exactly
    /// this object. Use a new key for every release: an unchanged URI builds no new image.
    pub archive_uri: Option<String>,
    /// Clone this repository (`https://…`) instead of fetching the archive.
    pub git_url: Option<String>,
    /// Branch or tag to clone (with `git_url`).
    pub git_ref: String,
    /// Directory of the repository holding the application (with `git_url`).
    pub git_path: String,
}

impl Default for ApplicationConfig {
    fn default() -> Self {
        ApplicationConfig {
            source_dir: "app".into(),
            archive_uri: None,
            git_url: None,
            git_ref: "main".into(),
            git_path: "app".into(),
        }
    }
}

/// DNS settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct DomainConfig {
    /// The existing public zone's domain, e.g. `example.com`.
    pub parent_domain: String,
    /// The existing public zone's id, e.g. `Z0123456789ABCDEFGHIJ`.
    pub parent_zone_id: String,
    /// The delegated sub-zone's label: the stack creates `<subzone>.<parent_domain>`.
    pub subzone: String,
    /// Answer plain HTTP on port 80 with a redirect to HTTPS (otherwise port 80 stays closed).
    pub redirect_http: bool,
}

/// How private subnets reach the internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum NatConfig {
    /// One NAT gateway per availability zone.
    PerAz,
    /// One shared NAT gateway.
    Single,
    /// No NAT gateway.
    None,
}

/// VPC settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct NetworkConfig {
    /// The VPC block, e.g. `172.18.0.0/16`.
    #[schemars(with = "String")]
    pub cidr: Ipv4Net,
    /// Availability zones (2-6).
    pub az_count: u8,
    /// Prefix length of every subnet.
    pub subnet_mask: u8,
    /// NAT strategy.
    pub nat: NatConfig,
    /// Interface endpoints for SSM, Secrets Manager and CloudWatch Logs.
    pub interface_endpoints: bool,
}

/// Workload settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct WorkloadConfig {
    /// Name (a DNS-style label), unique among workloads.
    pub name: String,
    /// Host labels in the sub-zone routed to this workload (e.g. `dashboard` for
    /// `dashboard.<subzone>.<parent>`).
    pub hosts: Vec<String>,
    /// EC2 instance type, e.g. `t3.small`.
    pub instance_type: String,
    /// Minimum instances.
    pub min_size: u32,
    /// Instances at creation (`min_size` ≤ it ≤ `max_size`). Unset: the group starts at
    /// `min_size` and deploys never reset what scaling decided.
    pub desired_capacity: Option<u32>,
    /// Maximum instances.
    pub max_size: u32,
    /// Port the app listens on behind the balancer (the target group's port; gunicorn binds it).
    pub app_port: u16,
    /// The balancer's health check path: must answer 200 without authentication, whatever
    /// the `Host` header.
    pub health_check_path: String,
    /// Average CPU utilisation the scaling policy keeps (percent).
    pub cpu_target: u8,
}

/// Database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EngineConfig {
    /// Aurora PostgreSQL.
    AuroraPostgresql,
    /// Aurora MySQL 3.
    AuroraMysql,
}

/// Database settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct DatabaseConfig {
    /// Engine.
    pub engine: EngineConfig,
    /// Database name.
    pub name: String,
    /// Minimum capacity in ACUs (0-256 in steps of 0.5).
    pub min_capacity: f64,
    /// Maximum capacity in ACUs (1-256 in steps of 0.5).
    pub max_capacity: f64,
    /// Reader instances besides the writer.
    pub readers: u8,
    /// Refuse to delete the cluster (`destroy` of the data stack fails while it is on; the
    /// final snapshot of `DeletionPolicy: Snapshot` is taken either way). Turn it off for
    /// short-lived environments.
    pub deletion_protection: bool,
}

/// Migrations pipeline settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct MigrationsConfig {
    /// The command that migrates the database (run from the application's source, the same
    /// archive the image layer installs).
    pub command: String,
}

/// AMI layer settings. The layers are built when the images stack is deployed; these pipelines
/// rebuild them afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct ImagesConfig {
    /// When the pipelines rebuild (Image Builder cron syntax, UTC, e.g. `cron(0 4 ? * sun *)`):
    /// the system layer every time (OS security updates), the layers above when the layer
    /// below has a new build. `None`: rebuild only when started by hand.
    pub rebuild_schedule: Option<String>,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            rebuild_schedule: Some("cron(0 4 ? * sun *)".into()),
        }
    }
}

impl Default for RefArchConfig {
    fn default() -> Self {
        RefArchConfig {
            app: "refarch".into(),
            environment: "dev".into(),
            region: "us-east-1".into(),
            account: None,
            domain: DomainConfig::default(),
            network: NetworkConfig::default(),
            workloads: vec![WorkloadConfig::default()],
            database: DatabaseConfig::default(),
            migrations: MigrationsConfig::default(),
            images: ImagesConfig::default(),
            application: ApplicationConfig::default(),
            static_files: StaticFilesConfig::default(),
            file_system: FileSystemConfig::default(),
        }
    }
}

impl Default for DomainConfig {
    fn default() -> Self {
        DomainConfig {
            parent_domain: "example.com".into(),
            parent_zone_id: "Z0123456789ABCDEFGHIJ".into(),
            subzone: "asg".into(),
            redirect_http: true,
        }
    }
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            cidr: Ipv4Net::new(std::net::Ipv4Addr::new(172, 18, 0, 0), 16).unwrap_or_default(),
            az_count: 2,
            subnet_mask: 24,
            nat: NatConfig::PerAz,
            interface_endpoints: true,
        }
    }
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        WorkloadConfig {
            name: "web".into(),
            hosts: vec!["dashboard".into()],
            instance_type: "t3.small".into(),
            min_size: 2,
            desired_capacity: None,
            max_size: 4,
            app_port: contract::contract().http.port,
            health_check_path: contract::contract().http.health_path.into(),
            cpu_target: 50,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            engine: EngineConfig::AuroraPostgresql,
            name: "workload".into(),
            min_capacity: 0.5,
            max_capacity: 4.0,
            readers: 1,
            deletion_protection: true,
        }
    }
}

impl Default for MigrationsConfig {
    fn default() -> Self {
        MigrationsConfig {
            command: contract::contract().migrate_command.into(),
        }
    }
}

/// `(bucket, key)` of an `s3://bucket/key` URI with a plausible bucket name and a key.
pub fn parse_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    let key_ok = !key.is_empty()
        && !key.ends_with('/')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!-_.*()/=+".contains(c));
    (bucket_ok && key_ok).then_some((bucket, key))
}

fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl RefArchConfig {
    /// Reads a TOML (`.toml`) or JSON (any other extension) file and validates it.
    ///
    /// # Errors
    /// Unreadable file, syntax errors and unknown or mistyped fields (named with their path), and
    /// every validation problem of [`RefArchConfig::validate`].
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        // serde accepts a list where a struct is expected (its fields in order), so
        // `network = ["10.1.0.0/16", 3]` would pass; the schema says what is a table.
        let generic: Option<serde_json::Value> = if path.extension().is_some_and(|e| e == "toml") {
            toml::from_str::<toml::Value>(&text)
                .ok()
                .and_then(|v| serde_json::to_value(v).ok())
        } else {
            serde_json::from_str(&text).ok()
        };
        if let Some(value) = generic {
            let schema = serde_json::to_value(schemars::schema_for!(RefArchConfig))?;
            let mut problems = Vec::new();
            check_shapes(&value, &schema, &schema, "", &mut problems);
            if !problems.is_empty() {
                bail!("{}: {}", path.display(), problems.join("; "));
            }
        }
        // Errors read `FILE:LINE:COLUMN: field `dotted.path`: what is wrong`, in both formats.
        let config: RefArchConfig = if path.extension().is_some_and(|e| e == "toml") {
            let de = toml::Deserializer::new(&text);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let inner = e.inner();
                let (line, column) = inner
                    .span()
                    .map_or((0, 0), |span| line_column(&text, span.start));
                anyhow::anyhow!(
                    "{}:{line}:{column}: field `{}`: {}",
                    path.display(),
                    e.path(),
                    inner.message().trim_end()
                )
            })?
        } else {
            let de = &mut serde_json::Deserializer::from_str(&text);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let inner = e.inner();
                // serde_json's message ends with " at line L column C"; say it once, up front.
                let message = inner.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_owned();
                anyhow::anyhow!(
                    "{}:{}:{}: field `{}`: {message}",
                    path.display(),
                    inner.line(),
                    inner.column(),
                    e.path()
                )
            })?
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types cannot: every problem is listed, each with its field.
    ///
    /// # Errors
    /// One error listing every invalid field and what is allowed.
    pub fn validate(&self) -> anyhow::Result<()> {
        let mut problems: Vec<String> = Vec::new();
        let mut bad = |field: &str, msg: String| problems.push(format!("`{field}`: {msg}"));
        if !is_label(&self.app)
            || self.app.len() > 20
            || !self.app.starts_with(|c: char| c.is_ascii_lowercase())
        {
            bad(
                "app",
                format!(
                    "{:?} must be 1-20 lower-case letters, digits or '-', starting with a letter",
                    self.app
                ),
            );
        }
        if !is_label(&self.environment) || self.environment.len() > 12 {
            bad(
                "environment",
                format!(
                    "{:?} must be 1-12 lower-case letters, digits or '-'",
                    self.environment
                ),
            );
        }
        let region_ok = self.region.split('-').count() >= 3
            && self
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok {
            bad(
                "region",
                format!("{:?} is not a region name such as us-east-1", self.region),
            );
        }
        if let Some(account) = &self.account
            && (account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()))
        {
            bad("account", format!("{account:?} must be 12 digits"));
        }
        let d = &self.domain;
        let domain_ok =
            d.parent_domain.split('.').count() >= 2 && d.parent_domain.split('.').all(is_label);
        if !domain_ok {
            bad(
                "domain.parent_domain",
                format!(
                    "{:?} is not a domain name such as example.com",
                    d.parent_domain
                ),
            );
        }
        if !d.parent_zone_id.starts_with('Z')
            || !d.parent_zone_id.chars().all(|c| c.is_ascii_alphanumeric())
            || d.parent_zone_id.len() > 32
        {
            bad(
                "domain.parent_zone_id",
                format!(
                    "{:?} is not a hosted zone id such as Z0123456789ABCDEFGHIJ",
                    d.parent_zone_id
                ),
            );
        }
        if !is_label(&d.subzone) {
            bad(
                "domain.subzone",
                format!("{:?} must be one DNS label", d.subzone),
            );
        }
        if self.workloads.is_empty() {
            bad("workloads", "list at least one workload".into());
        }
        let mut names = std::collections::BTreeSet::new();
        let mut hosts = std::collections::BTreeSet::new();
        for (i, w) in self.workloads.iter().enumerate() {
            let f = |field: &str| format!("workloads[{i}].{field}");
            if !is_label(&w.name) || !w.name.starts_with(|c: char| c.is_ascii_lowercase()) {
                bad(
                    &f("name"),
                    format!("{:?} must be a DNS label starting with a letter", w.name),
                );
            } else if !names.insert(w.name.clone()) {
                bad(
                    &f("name"),
                    format!("{:?} is used by another workload", w.name),
                );
            }
            if w.hosts.is_empty() {
                bad(&f("hosts"), "list at least one host label".into());
            }
            for (j, h) in w.hosts.iter().enumerate() {
                if !is_label(h) {
                    bad(
                        &format!("workloads[{i}].hosts[{j}]"),
                        format!("{h:?} must be one DNS label"),
                    );
                } else if !hosts.insert(h.clone()) {
                    bad(
                        &format!("workloads[{i}].hosts[{j}]"),
                        format!("{h:?} is served by another workload"),
                    );
                }
            }
            if w.min_size > w.max_size || w.max_size == 0 {
                bad(
                    &f("max_size"),
                    format!(
                        "sizes must satisfy min_size <= max_size and max_size >= 1 (got {}/{})",
                        w.min_size, w.max_size
                    ),
                );
            }
            if let Some(d) = w.desired_capacity
                && !(w.min_size..=w.max_size).contains(&d)
            {
                bad(
                    &f("desired_capacity"),
                    format!(
                        "{d} must be within min_size..=max_size ({}..={})",
                        w.min_size, w.max_size
                    ),
                );
            }
            if w.app_port == 0 {
                bad(&f("app_port"), "must be 1-65535".into());
            }
            if !(1..=100).contains(&w.cpu_target) {
                bad(
                    &f("cpu_target"),
                    format!("{} must be 1-100 (percent)", w.cpu_target),
                );
            }
            if !w.health_check_path.starts_with('/')
                || w.health_check_path.len() > 1024
                || w.health_check_path
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control())
            {
                bad(
                    &f("health_check_path"),
                    format!(
                        "{:?} must start with '/', have no spaces and be at most 1024 characters",
                        w.health_check_path
                    ),
                );
            }
            if !w.instance_type.contains('.') {
                bad(
                    &f("instance_type"),
                    format!(
                        "{:?} is not an instance type such as t3.small",
                        w.instance_type
                    ),
                );
            }
        }
        if hosts.len() > 9 {
            bad(
                "workloads",
                format!(
                    "{} host names in all; the certificate and balancer take at most 9 besides the zone",
                    hosts.len()
                ),
            );
        }
        if self.migrations.command.trim().is_empty() {
            bad("migrations.command", "must not be empty".into());
        }
        if let Some(cron) = &self.images.rebuild_schedule
            && !(cron.starts_with("cron(") && cron.ends_with(')') && cron.len() > 6)
        {
            bad(
                "images.rebuild_schedule",
                format!("{cron:?} is not an Image Builder cron(...) expression"),
            );
        }
        let a = &self.application;
        if let Some(uri) = &a.archive_uri
            && parse_s3_uri(uri).is_none()
        {
            bad(
                "application.archive_uri",
                format!("{uri:?} is not an S3 object URI such as s3://bucket/app.zip"),
            );
        }
        if let Some(url) = &a.git_url {
            if !url.starts_with("https://") || url.contains(['\'', ' ']) {
                bad(
                    "application.git_url",
                    format!("{url:?} is not an https:// repository URL"),
                );
            }
            if a.archive_uri.is_some() {
                bad(
                    "application.git_url",
                    "give either archive_uri or git_url, not both".into(),
                );
            }
        }
        let word = |s: &str| {
            !s.is_empty()
                && !s.starts_with(['-', '/'])
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c))
        };
        if !word(&a.git_ref) {
            bad(
                "application.git_ref",
                format!("{:?} is not a branch or tag name", a.git_ref),
            );
        }
        if !word(&a.git_path) || a.git_path.split('/').any(|p| p == "..") {
            bad(
                "application.git_path",
                format!("{:?} is not a relative directory", a.git_path),
            );
        }
        if a.source_dir.trim().is_empty() {
            bad(
                "application.source_dir",
                "must name the application's directory (default `app`)".into(),
            );
        }
        if !(1..=365).contains(&self.static_files.noncurrent_version_days) {
            bad(
                "static_files.noncurrent_version_days",
                format!(
                    "{} must be 1-365 (days)",
                    self.static_files.noncurrent_version_days
                ),
            );
        }
        if let Some(days) = self.file_system.transition_to_ia_days
            && constructs::storage::TransitionDays::from_days(days).is_none()
        {
            bad(
                "file_system.transition_to_ia_days",
                format!("{days} is not offered by EFS; use 1, 7, 14, 30, 60, 90, 180, 270 or 365"),
            );
        }
        if problems.is_empty() {
            Ok(())
        } else {
            bail!("invalid configuration:\n  {}", problems.join("\n  "))
        }
    }

    /// Stack name for a part of the architecture, e.g. `refarch-dev-network`.
    pub fn stack_name(&self, part: &str) -> String {
        format!("{}-{}-{part}", self.app, self.environment)
    }

    /// The application directory to package: `application.source_dir`, resolved as its doc says.
    pub fn source_dir(&self) -> std::path::PathBuf {
        let dir = Path::new(&self.application.source_dir);
        // A directory of the working directory counts when it holds an application: `app/`
        // with only the local profile's `app/.env` in it is not one.
        if dir.is_absolute() || dir.join("manage.py").exists() {
            return dir.to_path_buf();
        }
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir);
        if (checkout.exists() && !dir.exists()) || checkout.join("manage.py").exists() {
            checkout
        } else {
            dir.to_path_buf()
        }
    }

    /// The sub-zone's domain, e.g. `asg.example.com`.
    pub fn zone_domain(&self) -> String {
        format!("{}.{}", self.domain.subzone, self.domain.parent_domain)
    }
}

/// Reports, with its dotted path, every list given where the schema expects a table (an
/// object): serde would read a struct from a list of its fields in order.
fn check_shapes(
    value: &serde_json::Value,
    schema: &serde_json::Value,
    root: &serde_json::Value,
    path: &str,
    problems: &mut Vec<String>,
) {
    use serde_json::Value as J;
    // Follow `$ref` and the non-null arm of `Option`s (`anyOf`/`oneOf` with a null).
    let mut schema = schema;
    for _ in 0..8 {
        if let Some(r) = schema.get("$ref").and_then(J::as_str) {
            match r
                .strip_prefix("#/")
                .and_then(|p| root.pointer(&format!("/{p}")))
            {
                Some(target) => schema = target,
                None => return,
            }
        } else if let Some(arms) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(J::as_array)
        {
            match arms
                .iter()
                .find(|a| a.get("type").and_then(J::as_str) != Some("null"))
            {
                Some(arm) => schema = arm,
                None => return,
            }
        } else {
            break;
        }
    }
    let is_object = schema.get("type").and_then(J::as_str) == Some("object")
        || schema.get("properties").is_some();
    match value {
        J::Array(items) if is_object => problems.push(format!(
            "field `{}`: expected a table, found a list of {} item(s)",
            if path.is_empty() { "(top level)" } else { path },
            items.len()
        )),
        J::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check_shapes(item, item_schema, root, &format!("{path}[{i}]"), problems);
                }
            }
        }
        J::Object(fields) => {
            if let Some(props) = schema.get("properties").and_then(J::as_object) {
                for (k, v) in fields {
                    if let Some(field_schema) = props.get(k) {
                        let child = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        check_shapes(v, field_schema, root, &child, problems);
                    }
                }
            }
        }
        _ => {}
    }
}

/// 1-based line and column (in characters) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let mut end = at.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_valid() {
        RefArchConfig::default().validate().expect("valid default");
    }

    #[test]
    fn every_problem_is_listed_with_its_field() {
        let mut c = RefArchConfig {
            app: "Bad App".into(),
            ..RefArchConfig::default()
        };
        c.workloads[0].min_size = 5;
        c.workloads[0].hosts = vec!["ok".into(), "no way".into()];
        c.images.rebuild_schedule = Some("weekly".into());
        let e = c.validate().expect_err("invalid").to_string();
        for field in [
            "`app`",
            "`workloads[0].max_size`",
            "`workloads[0].hosts[1]`",
            "`images.rebuild_schedule`",
        ] {
            assert!(e.contains(field), "{field} missing in {e}");
        }
    }

    #[test]
    fn application_sources_are_checked() {
        let mut c = RefArchConfig::default();
        c.application.archive_uri = Some("https://bucket/app.zip".into());
        c.application.git_url = Some("git@example.com:me/app.git".into());
        c.application.git_path = "../etc".into();
        c.application.source_dir = " ".into();
        let e = c.validate().expect_err("invalid").to_string();
        for field in [
            "`application.archive_uri`",
            "`application.git_url`: \"git@",
            "`application.git_url`: give either",
            "`application.git_path`",
            "`application.source_dir`",
        ] {
            assert!(e.contains(field), "{field} missing in {e}");
        }
        assert_eq!(
            parse_s3_uri("s3://my-assets/app/app-1.zip"),
            Some(("my-assets", "app/app-1.zip"))
        );
        for bad in [
            "s3://my-assets/",
            "s3://B/app.zip",
            "s3://x/app.zip",
            "my-assets/app.zip",
        ] {
            assert_eq!(parse_s3_uri(bad), None, "{bad}");
        }
    }

    #[test]
    fn storage_fields_are_bounded() {
        let mut c = RefArchConfig::default();
        c.static_files.noncurrent_version_days = 0;
        c.file_system.transition_to_ia_days = Some(31);
        let e = c.validate().expect_err("invalid").to_string();
        assert!(
            e.contains("`static_files.noncurrent_version_days`: 0 must be 1-365"),
            "{e}"
        );
        assert!(
            e.contains("`file_system.transition_to_ia_days`: 31 is not offered"),
            "{e}"
        );
        c.file_system.transition_to_ia_days = None;
        c.static_files.noncurrent_version_days = 1;
        c.validate().expect("valid");
    }

    #[test]
    fn unknown_fields_are_named() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.json");
        std::fs::write(&path, r#"{"network": {"az_cuont": 3}}"#).expect("write");
        let e = RefArchConfig::load(&path)
            .expect_err("unknown field")
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}:1:23: field `network.az_cuont`: unknown field `az_cuont`, expected one of \
                 `cidr`, `az_count`, `subnet_mask`, `nat`, `interface_endpoints`",
                path.display()
            )
        );
        let toml_path = dir.path().join("c.toml");
        std::fs::write(
            &toml_path,
            "# workloads\n[[workloads]]\nmin_size = \"two\"\n",
        )
        .expect("write");
        let e = RefArchConfig::load(&toml_path)
            .expect_err("bad type")
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}:3:12: field `workloads[0].min_size`: invalid type: string \"two\", expected u32",
                toml_path.display()
            )
        );
        std::fs::write(&toml_path, "[network]\naz_cuont = 3\n").expect("write");
        let e = RefArchConfig::load(&toml_path)
            .expect_err("unknown field")
            .to_string();
        assert!(
            e.starts_with(&format!(
                "{}:2:1: field `network.az_cuont`: unknown field `az_cuont`",
                toml_path.display()
            )),
            "{e}"
        );
    }

    #[test]
    fn a_list_where_a_table_belongs_is_refused_naming_the_field() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "network = [\"10.1.0.0/16\", 3]\n").expect("write");
        let e = RefArchConfig::load(&path).expect_err("shape").to_string();
        assert_eq!(
            e,
            format!(
                "{}: field `network`: expected a table, found a list of 2 item(s)",
                path.display()
            )
        );
        let json = dir.path().join("c.json");
        std::fs::write(&json, r#"{"workloads": [["web"]], "database": [1]}"#).expect("write");
        let e = RefArchConfig::load(&json).expect_err("shape").to_string();
        assert!(e.contains("field `workloads[0]`: expected a table"), "{e}");
        assert!(e.contains("field `database`: expected a table"), "{e}");
        // Lists where lists belong are fine.
        std::fs::write(&path, "[[workloads]]\nhosts = [\"a\", \"b\"]\n").expect("write");
        RefArchConfig::load(&path).expect("valid");
    }

    #[test]
    fn line_and_column_count_characters_from_one() {
        assert_eq!(line_column("ab\ncé d", 7), (2, 4));
        assert_eq!(line_column("x", 0), (1, 1));
        assert_eq!(line_column("x", 99), (1, 2));
        assert_eq!(line_column("é", 1), (1, 1), "inside a character: its start");
    }
}
