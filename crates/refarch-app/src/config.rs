//! The reference architecture's configuration: a TOML or JSON file, checked strictly (its
//! JSON Schema, then the rules across fields of [`crate::rules`]) with every problem reported at
//! once and naming the field as written, or the built-in default (the seed's settings,
//! modernised).
//!
//! The bounds of each field are `schemars` attributes built from the constants of
//! [`crate::rules`]: `refarch-app schema` prints exactly what [`RefArchConfig::load`] enforces.

use std::fmt;
use std::path::Path;

use ipnet::Ipv4Net;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::contract;
use crate::rules::{self, Problem};
use crate::schema::{self as config_schema, SourceMap};

/// Everything the reference architecture can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct RefArchConfig {
    /// Application name: prefixes stack names and the parameter namespace `/<app>/<env>/`.
    #[schemars(length(min = 1, max = rules::APP_MAX_LEN), pattern(rules::APP_PATTERN), extend("patternErrorMessage" = "1-20 lower-case letters, digits or '-', starting with a letter"))]
    pub app: String,
    /// Environment name (dev, staging, prod, ...).
    #[schemars(length(min = 1, max = rules::ENV_MAX_LEN), pattern(rules::ENV_PATTERN), extend("patternErrorMessage" = "1-12 lower-case letters, digits or '-'"))]
    pub environment: String,
    /// AWS region the stacks target.
    #[schemars(schema_with = "region_schema")]
    pub region: String,
    /// AWS account id to pin, if any (12 digits).
    #[schemars(length(equal = 12), pattern(rules::ACCOUNT_PATTERN), extend("patternErrorMessage" = "12 digits"))]
    pub account: Option<String>,
    /// DNS: the sub-zone delegated from an existing public zone.
    pub domain: DomainConfig,
    /// The VPC.
    pub network: NetworkConfig,
    /// The auto-scaled workloads behind the balancer (the first is the primary: the migrations
    /// pipeline rolls it after migrating).
    #[schemars(length(min = 1, max = rules::MAX_WORKLOADS))]
    pub workloads: Vec<WorkloadConfig>,
    /// The Aurora Serverless v2 database.
    pub database: DatabaseConfig,
    /// The migrations pipeline.
    pub migrations: MigrationsConfig,
    /// The AMI layers (EC2 Image Builder).
    pub images: ImagesConfig,
    /// Where the application image layer gets the application from.
    pub application: ApplicationConfig,
}

/// The application's source for the image layer and the migrations pipeline: the directory
/// `source_dir`, shipped as a content-addressed asset (the default); an existing zip archive
/// in S3; or (image layer only) a Git repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct ApplicationConfig {
    /// The application's directory (`manage.py`, `requirements.txt` at its root). A relative
    /// path is looked up in the working directory, then (when no application is there) in the
    /// checkout this program was built from (so `cargo run` and the tests work from any
    /// directory of it). Synth packages it into `asset.<sha256>.zip` in the assembly and
    /// deploy uploads it to the account's assets bucket; an edit builds a new image.
    #[schemars(length(min = 1, max = 4096), pattern(rules::PATH_PATTERN), extend("not" = {"type": "string", "pattern": rules::BLANK_PATTERN}, "patternErrorMessage" = "the application's directory (default `app`), without control characters"))]
    pub source_dir: String,
    /// S3 URI of an existing zip archive with the application at its root, instead of
    /// `source_dir`, e.g. `s3://my-releases/app/app-1.4.zip`. The image build may read exactly
    /// this object. Use a new key for every release: an unchanged URI builds no new image.
    #[schemars(length(min = 8, max = 1024), pattern(rules::S3_URI_PATTERN), extend("patternErrorMessage" = "an S3 object URI such as s3://bucket/app.zip"))]
    pub archive_uri: Option<String>,
    /// Clone this repository (`https://…`) instead of fetching the archive.
    #[schemars(length(min = 9, max = 2048), pattern(rules::GIT_URL_PATTERN), extend("patternErrorMessage" = "an https:// repository URL"))]
    pub git_url: Option<String>,
    /// Branch or tag to clone (with `git_url`).
    #[schemars(length(min = 1, max = 255), pattern(rules::GIT_REF_PATTERN), extend("not" = {"type": "string", "pattern": rules::GIT_REF_REFUSED}, "patternErrorMessage" = "a branch or tag name"))]
    pub git_ref: String,
    /// Directory of the repository holding the application (with `git_url`).
    #[schemars(length(min = 1, max = 1024), pattern(rules::RELATIVE_DIR_PATTERN), extend("patternErrorMessage" = "a relative directory of the repository (no `..`)"))]
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
    #[schemars(length(min = 3, max = 253), pattern(rules::DOMAIN_PATTERN), extend("patternErrorMessage" = "a lower-case domain name such as example.com"))]
    pub parent_domain: String,
    /// The existing public zone's id, e.g. `Z0123456789ABCDEFGHIJ`.
    #[schemars(length(min = 2, max = 32), pattern(rules::ZONE_ID_PATTERN), extend("patternErrorMessage" = "a hosted zone id such as Z0123456789ABCDEFGHIJ"))]
    pub parent_zone_id: String,
    /// The delegated sub-zone's label: the stack creates `<subzone>.<parent_domain>`.
    #[schemars(length(min = 1, max = 63), pattern(rules::LABEL_PATTERN), extend("patternErrorMessage" = "one lower-case DNS label"))]
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
    #[schemars(length(min = 9, max = 18), pattern(rules::CIDR_PATTERN), extend("patternErrorMessage" = "an IPv4 block from /16 to /28 such as 10.0.0.0/16"))]
    pub cidr: Ipv4Net,
    /// Availability zones (2-6).
    #[schemars(range(min = 2, max = 6))]
    pub az_count: u8,
    /// Prefix length of every subnet.
    #[schemars(range(min = 16, max = 28))]
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
    #[schemars(length(min = 1, max = 32), pattern(rules::WORKLOAD_NAME_PATTERN), extend("patternErrorMessage" = "a DNS label of at most 32 characters starting with a letter"))]
    pub name: String,
    /// Host labels in the sub-zone routed to this workload (e.g. `dashboard` for
    /// `dashboard.<subzone>.<parent>`).
    #[schemars(length(min = 1, max = rules::MAX_HOSTS_PER_WORKLOAD), inner(length(min = 1, max = 63), pattern(rules::LABEL_PATTERN)), extend("uniqueItems" = true))]
    pub hosts: Vec<String>,
    /// EC2 instance type, e.g. `t3.small`. A Graviton type (`t4g`, `m7g`, `c7g`, …) builds the
    /// images on the arm64 Amazon Linux 2023 base; every workload must then be Graviton (they
    /// share one image).
    #[schemars(length(min = 3, max = 34), pattern(rules::INSTANCE_TYPE_PATTERN), extend("patternErrorMessage" = "an EC2 instance type such as t3.small or m7g.large", "examples" = rules::INSTANCE_TYPE_EXAMPLES))]
    pub instance_type: String,
    /// Minimum instances.
    #[schemars(range(min = 0, max = rules::MAX_GROUP_SIZE))]
    pub min_size: u32,
    /// Instances at creation (`min_size` ≤ it ≤ `max_size`). Unset: the group starts at
    /// `min_size` and deploys never reset what scaling decided.
    #[schemars(range(min = 0, max = rules::MAX_GROUP_SIZE))]
    pub desired_capacity: Option<u32>,
    /// Maximum instances.
    #[schemars(range(min = 1, max = rules::MAX_GROUP_SIZE))]
    pub max_size: u32,
    /// Port the app listens on behind the balancer (the target group's port; gunicorn binds it).
    #[schemars(range(min = rules::MIN_APP_PORT, max = 65535))]
    pub app_port: u16,
    /// The balancer's health check path: must answer 200 without authentication, whatever
    /// the `Host` header.
    #[schemars(length(min = 1, max = 1024), pattern(rules::HEALTH_PATH_PATTERN), extend("patternErrorMessage" = "a path starting with '/' without spaces (at most 1024 characters)"))]
    pub health_check_path: String,
    /// Average CPU utilisation the scaling policy keeps (percent). With `min_size == max_size`
    /// the group has nothing to scale and gets no policy.
    #[schemars(range(min = 1, max = 100))]
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
    /// Database name: a letter, then letters, digits and `_`; not a name the engine reserves.
    #[schemars(length(min = 1, max = 63), pattern(rules::DATABASE_NAME_PATTERN), extend("not" = {"type": "string", "pattern": rules::RESERVED_DATABASE_NAMES}, "patternErrorMessage" = "1-63 letters, digits or '_' starting with a letter, not reserved (postgres, mysql, rdsadmin, template0/1, sys, …)"))]
    pub name: String,
    /// Minimum capacity in ACUs (0-256 in steps of 0.5). 0 lets the cluster pause when idle
    /// (after `auto_pause_seconds`).
    #[schemars(range(min = 0, max = rules::ACU_MAX), extend("multipleOf" = rules::ACU_STEP))]
    pub min_capacity: f64,
    /// Maximum capacity in ACUs (1-256 in steps of 0.5).
    #[schemars(range(min = rules::ACU_MIN_MAX, max = rules::ACU_MAX), extend("multipleOf" = rules::ACU_STEP))]
    pub max_capacity: f64,
    /// Seconds without connections before a cluster with `min_capacity = 0` pauses
    /// (300-86400, default 300); only with `min_capacity = 0`.
    #[schemars(range(min = rules::AUTO_PAUSE_MIN, max = rules::AUTO_PAUSE_MAX))]
    pub auto_pause_seconds: Option<u32>,
    /// Reader instances besides the writer (0-15).
    #[schemars(range(min = 0, max = rules::MAX_READERS))]
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
    #[schemars(length(min = 1, max = 1024), pattern(rules::COMMAND_PATTERN), extend("not" = {"type": "string", "pattern": rules::BLANK_PATTERN}, "patternErrorMessage" = "a command of printable characters (at most 1024)"))]
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
    #[schemars(length(min = 17, max = 140), pattern(rules::CRON_PATTERN), extend("patternErrorMessage" = "an Image Builder cron expression of six fields, e.g. cron(0 4 ? * sun *)"))]
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
            auto_pause_seconds: None,
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

/// `region`: one of the regions the pinned EC2 offerings know.
fn region_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "AWS region the stacks target (one the pinned EC2 instance-type data knows).",
        "type": "string",
        "maxLength": 32,
        "enum": rules::regions(),
        "default": "us-east-1",
    })
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

/// Why a configuration file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The file cannot be read.
    Unreadable {
        /// The file.
        file: String,
        /// What the operating system said.
        message: String,
    },
    /// The file is not TOML (or JSON).
    Syntax {
        /// The file.
        file: String,
        /// 1-based line and column.
        location: (usize, usize),
        /// What the parser said.
        message: String,
    },
    /// The file (or an in-code configuration, `file: None`) has these problems.
    Invalid {
        /// The file, if the configuration came from one.
        file: Option<String>,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

impl ConfigError {
    /// Every problem, one line each, as printed (`FILE:LINE:COLUMN: field `path`: …`).
    pub fn lines(&self) -> Vec<String> {
        match self {
            ConfigError::Unreadable { file, message } => {
                vec![format!("cannot read config file {file}: {message}")]
            }
            ConfigError::Syntax {
                file,
                location: (l, c),
                message,
            } => vec![format!("{file}:{l}:{c}: syntax: {message}")],
            ConfigError::Invalid { file, problems } => problems
                .iter()
                .map(|p| match (file, p.location) {
                    (Some(f), Some((l, c))) => format!("{f}:{l}:{c}: {p}"),
                    (Some(f), None) => format!("{f}: {p}"),
                    (None, _) => p.to_string(),
                })
                .collect(),
        }
    }

    /// The problems, if the configuration was read and refused.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines = self.lines();
        match (self, lines.as_slice()) {
            (ConfigError::Invalid { file: None, .. }, _) => {
                write!(f, "invalid configuration:\n  {}", lines.join("\n  "))
            }
            (_, [one]) => f.write_str(one),
            _ => write!(f, "{} problems:\n  {}", lines.len(), lines.join("\n  ")),
        }
    }
}

impl std::error::Error for ConfigError {}

impl RefArchConfig {
    /// Reads a TOML (`.toml`) or JSON (any other extension) file and checks it: syntax, then
    /// the schema (unknown fields, types, shapes, bounds), then the rules across fields;
    /// every problem is reported, each with its line and column.
    ///
    /// # Errors
    /// [`ConfigError`]: unreadable file, a syntax error, or every problem found.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let is_toml = path.extension().is_some_and(|e| e == "toml");
        let (generic, map) = if is_toml {
            let value = toml::from_str::<toml::Value>(&text).map_err(|e| ConfigError::Syntax {
                file: file.clone(),
                location: e
                    .span()
                    .map_or((1, 1), |span| line_column(&text, span.start)),
                message: e.message().trim_end().to_owned(),
            })?;
            let value = serde_json::to_value(value).map_err(|e| ConfigError::Syntax {
                file: file.clone(),
                location: (1, 1),
                message: e.to_string(),
            })?;
            (value, SourceMap::toml(&text))
        } else {
            let value = serde_json::from_str::<serde_json::Value>(&text).map_err(|e| {
                // serde_json's message ends with " at line L column C"; say it once, up front.
                let message = e.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_owned();
                ConfigError::Syntax {
                    file: file.clone(),
                    location: (e.line(), e.column()),
                    message,
                }
            })?;
            (value, SourceMap::json(&text))
        };
        let locate = |mut problems: Vec<Problem>| {
            for p in &mut problems {
                let key = p.allowed.starts_with("unknown field");
                p.location = map.offset(&p.field, key).map(|at| line_column(&text, at));
            }
            // In file order; problems of fields left at their default come last.
            problems.sort_by_key(|p| p.location.unwrap_or((usize::MAX, 0)));
            ConfigError::Invalid {
                file: Some(file.clone()),
                problems,
            }
        };
        let config = Self::from_value(&generic).map_err(|e| locate(e.problems().to_vec()))?;
        let problems = rules::check(&config);
        if !problems.is_empty() {
            return Err(locate(problems));
        }
        Ok(config)
    }

    /// A configuration from its JSON form, checked against the schema (not yet across fields).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] with every problem of the schema.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, ConfigError> {
        let invalid = |problems| ConfigError::Invalid {
            file: None,
            problems,
        };
        let problems = config_schema::validate(value, config_schema::cached());
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        // The schema is at least as strict as the types; should serde still refuse, its path
        // names the field.
        serde_path_to_error::deserialize(value).map_err(|e| {
            let field = e.path().to_string();
            invalid(vec![Problem::new(
                if field == "." { String::new() } else { field },
                e.inner().to_string(),
            )])
        })
    }

    /// Every problem of the configuration: the schema's per field, then the rules across
    /// fields (these only when the fields themselves are valid).
    pub fn problems(&self) -> Vec<Problem> {
        let value = match serde_json::to_value(self) {
            Ok(v) => v,
            Err(e) => return vec![Problem::new("", e.to_string())],
        };
        let problems = config_schema::validate(&value, config_schema::cached());
        if problems.is_empty() {
            rules::check(self)
        } else {
            problems
        }
    }

    /// Checks the configuration (see [`RefArchConfig::problems`]).
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] listing every problem, each with its field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                file: None,
                problems,
            })
        }
    }

    /// Stack name for a part of the architecture, e.g. `refarch-dev-network`.
    pub fn stack_name(&self, part: &str) -> String {
        format!("{}-{}-{part}", self.app, self.environment)
    }

    /// The application directory to package: `application.source_dir`, resolved as its doc says.
    pub fn source_dir(&self) -> std::path::PathBuf {
        let dir = Path::new(&self.application.source_dir);
        if dir.is_absolute() || rules::is_application_dir(dir) {
            return dir.to_path_buf();
        }
        // A directory of that name without an application (say `app/` holding only the
        // local `.env`) does not shadow the checkout's.
        let checkout = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(dir);
        if rules::is_application_dir(&checkout) {
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

/// 1-based line and column (in characters) of byte offset `at` in `text`.
pub fn line_column(text: &str, at: usize) -> (usize, usize) {
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
            "`workloads[0].hosts[1]`",
            "`images.rebuild_schedule`",
        ] {
            assert!(e.contains(field), "{field} missing in {e}");
        }
        // Across fields once the fields are valid.
        c.app = "good".into();
        c.workloads[0].hosts.pop();
        c.images.rebuild_schedule = None;
        let e = c.validate().expect_err("invalid").to_string();
        assert!(
            e.contains("field `workloads[0].max_size`: 4: is below min_size (5)"),
            "{e}"
        );
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
            "`application.git_path`",
            "`application.source_dir`",
        ] {
            assert!(e.contains(field), "{field} missing in {e}");
        }
        let mut c = RefArchConfig::default();
        c.application.archive_uri = Some("s3://my-assets/app.zip".into());
        c.application.git_url = Some("https://example.com/me/app.git".into());
        let e = c.validate().expect_err("invalid").to_string();
        assert!(e.contains("`application.git_url`: give either"), "{e}");
        let mut c = RefArchConfig::default();
        c.application.source_dir = "/nonexistent/app".into();
        let e = c.validate().expect_err("invalid").to_string();
        assert!(
            e.contains("`application.source_dir`: \"/nonexistent/app\": /nonexistent/app is not a directory"),
            "{e}"
        );
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
    fn unknown_fields_and_wrong_types_are_named_where_they_are_written() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.json");
        std::fs::write(&path, r#"{"network": {"az_cuont": 3}}"#).expect("write");
        let e = RefArchConfig::load(&path)
            .expect_err("unknown field")
            .to_string();
        assert_eq!(
            e,
            format!(
                "{}:1:14: field `network.az_cuont`: unknown field `az_cuont`, expected one of \
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
                "{}:3:12: field `workloads[0].min_size`: \"two\": expected an integer, found a string",
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
        // A fraction where an integer goes, in JSON (serde would say `expected u32`).
        std::fs::write(&path, r#"{"workloads": [{"max_size": 2.0}]}"#).expect("write");
        let e = RefArchConfig::load(&path).expect_err("float").to_string();
        assert!(
            e.ends_with("1:29: field `workloads[0].max_size`: 2.0: expected an integer, found a number with a fraction"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_say_where() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "app = \"x\"\n[network\n").expect("write");
        let e = RefArchConfig::load(&path).expect_err("syntax").to_string();
        assert!(e.starts_with(&format!("{}:2:", path.display())), "{e}");
        assert!(e.contains(": syntax: "), "{e}");
    }

    #[test]
    fn every_problem_of_a_file_is_reported_in_file_order() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "app = \"Bad App\"\n[network]\ncidr = \"10.0.0.0/33\"\n[[workloads]]\nhosts = []\ncpu_target = 0\n[database]\nengine = \"oracle\"\n",
        )
        .expect("write");
        let e = RefArchConfig::load(&path).expect_err("invalid");
        let fields: Vec<&str> = e.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "app",
                "network.cidr",
                "workloads[0].hosts",
                "workloads[0].cpu_target",
                "database.engine"
            ],
            "{e}"
        );
        let lines = e.lines();
        assert!(
            lines[0].starts_with(&format!(
                "{}:1:7: field `app`: \"Bad App\": must be",
                path.display()
            )),
            "{lines:?}"
        );
        assert!(e.to_string().starts_with("5 problems:\n  "), "{e}");
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
                "{}:1:11: field `network`: expected a table, found a list of 2 item(s)",
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
