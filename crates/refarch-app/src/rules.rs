//! Every rule a configuration must satisfy beyond its shape, in one place.
//!
//! A configuration is checked in two layers, both reporting every problem at once as
//! [`Problem`]s that name the field as the user wrote it (`workloads[1].max_size`):
//!
//! 1. **Per field**, by its JSON Schema ([`crate::schema`]): types, shapes, unknown fields,
//!    lengths, ranges, steps, patterns and enumerations. The bounds live on the config structs
//!    as `schemars` attributes, built from the constants of this module, so `refarch-app schema`
//!    carries exactly what is enforced.
//! 2. **Across fields**, by [`check`]: what AWS and the constructs require of fields together
//!    (the subnet plan fits the VPC block, `min_size <= max_size`, one CPU architecture for the
//!    image, the certificate's first name within ACM's 64 characters, derived names within
//!    their services' limits, …). Where the user's intent is clear the architecture adapts
//!    instead ([`Architecture`]: Graviton instance types get an arm64 base image; equal
//!    `min_size` and `max_size` get no target-tracking policy; `database.min_capacity = 0`
//!    gets an auto-pause delay), and the config documents it.
//!
//! A construct error that still reaches the user is mapped back to the config field that
//! caused it ([`from_construct_error`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use constructs::ConstructError;

use crate::config::RefArchConfig;

/// The longest `app` (it prefixes stack, Image Builder and parameter names).
pub const APP_MAX_LEN: u32 = 20;
/// The longest `environment`.
pub const ENV_MAX_LEN: u32 = 12;
/// `app`: a letter, then lower-case letters, digits and `-`, not ending in `-`.
pub const APP_PATTERN: &str = "^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$";
/// `environment`: lower-case letters, digits and `-`, not starting or ending in `-`.
pub const ENV_PATTERN: &str = "^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$";
/// One DNS label (RFC 1035, lower case).
pub const LABEL_PATTERN: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
/// A workload name: a DNS label starting with a letter, at most 32 characters.
pub const WORKLOAD_NAME_PATTERN: &str = "^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$";
/// A domain name of at least two labels, the last starting with a letter.
pub const DOMAIN_PATTERN: &str =
    "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.){1,8}[a-z]([a-z0-9-]{0,61}[a-z0-9])?$";
/// Route 53 limit of a domain name (without the trailing dot).
pub const DOMAIN_MAX_LEN: usize = 253;
/// ACM: the certificate's first domain name (its subject's common name) has at most 64
/// characters; the other names may have 253.
pub const ACM_FIRST_NAME_MAX_LEN: usize = 64;
/// A Route 53 hosted zone id.
pub const ZONE_ID_PATTERN: &str = "^Z[A-Z0-9]{1,31}$";
/// A 12-digit AWS account id.
pub const ACCOUNT_PATTERN: &str = "^[0-9]{12}$";
/// An IPv4 block with a /16 to /28 prefix (the VPC limits).
pub const CIDR_PATTERN: &str = "^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}/(1[6-9]|2[0-8])$";
/// An EC2 instance type: `family.size`.
pub const INSTANCE_TYPE_PATTERN: &str = "^[a-z][a-z0-9-]{0,15}\\.[a-z0-9]{1,16}$";
/// A health-check path: `/` and the characters Elastic Load Balancing accepts in one.
pub const HEALTH_PATH_PATTERN: &str = "^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,1023}$";
/// An Aurora database name: a letter, then letters, digits and `_` (PostgreSQL takes 63).
pub const DATABASE_NAME_PATTERN: &str = "^[A-Za-z][A-Za-z0-9_]{0,62}$";
/// Names the engines or RDS reserve, in any case (a `not` pattern).
pub const RESERVED_DATABASE_NAMES: &str = "^([rR][dD][sS][aA][dD][mM][iI][nN]|[pP][oO][sS][tT][gG][rR][eE][sS]|[tT][eE][mM][pP][lL][aA][tT][eE][01]|[mM][yY][sS][qQ][lL]|[iI][nN][fF][oO][rR][mM][aA][tT][iI][oO][nN]_[sS][cC][hH][eE][mM][aA]|[pP][eE][rR][fF][oO][rR][mM][aA][nN][cC][eE]_[sS][cC][hH][eE][mM][aA]|[sS][yY][sS])$";
/// Printable ASCII, 1-1024 characters (a shell command).
pub const COMMAND_PATTERN: &str = "^[ -~]{1,1024}$";
/// A local path: no control characters.
pub const PATH_PATTERN: &str = "^[^\\x00-\\x1f]{1,4096}$";
/// Blank text (a `not` pattern).
pub const BLANK_PATTERN: &str = "^\\s*$";
/// An Image Builder schedule: `cron(` six space-separated fields `)`.
pub const CRON_PATTERN: &str = "^cron\\([0-9A-Za-z*?,/#-]{1,20}( [0-9A-Za-z*?,/#-]{1,20}){5}\\)$";
/// An S3 object URI `s3://bucket/key` (the key not ending in `/`).
pub const S3_URI_PATTERN: &str =
    "^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9!_.*()/=+-]{0,1000}[A-Za-z0-9!_.*()=+-])$";
/// An `https://` repository URL (no quotes, spaces or shell metacharacters beyond URL ones).
pub const GIT_URL_PATTERN: &str =
    "^https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?(/[A-Za-z0-9._~%+@:=-]{1,100}){0,16}/?$";
/// A Git branch or tag: `/`-separated segments, none starting with `.` or `-`.
pub const GIT_REF_PATTERN: &str =
    "^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,4}$";
/// What Git refuses in a ref name although the pattern allows it (a `not` pattern).
pub const GIT_REF_REFUSED: &str = "^(.*\\.\\..*|.*\\.lock|.*\\.|.*@\\{.*)$";
/// A relative directory: `/`-separated segments, none starting with `.` (so no `..`).
pub const RELATIVE_DIR_PATTERN: &str =
    "^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){0,9}$";

/// Most workloads (the certificate holds at most 10 names; see [`MAX_HOSTS`]).
pub const MAX_WORKLOADS: u32 = 9;
/// Most host labels of one workload: an ALB rule evaluates at most 5 condition values.
pub const MAX_HOSTS_PER_WORKLOAD: u32 = 5;
/// Most host names in all: an ACM certificate holds 10 names by default, and the balancer
/// keeps one for itself.
pub const MAX_HOSTS: usize = 9;
/// Most instances of one group (a bound for the schema, well above any account's quota).
pub const MAX_GROUP_SIZE: u32 = 1000;
/// The lowest port the application may listen on: gunicorn runs as an unprivileged user
/// without `CAP_NET_BIND_SERVICE`, so ports below 1024 cannot be bound.
pub const MIN_APP_PORT: u16 = 1024;
/// Aurora Serverless v2 capacity bounds and step, in ACUs.
pub const ACU_MAX: f64 = 256.0;
/// The smallest maximum capacity Aurora Serverless v2 takes.
pub const ACU_MIN_MAX: f64 = 1.0;
/// ACUs come in half units.
pub const ACU_STEP: f64 = 0.5;
/// Auto-pause delay bounds (seconds) with a minimum capacity of 0 ACU, and its default.
pub const AUTO_PAUSE_MIN: u32 = 300;
/// The longest auto-pause delay (one day).
pub const AUTO_PAUSE_MAX: u32 = 86_400;
/// The delay used when `database.min_capacity` is 0 and none is given.
pub const AUTO_PAUSE_DEFAULT: u32 = 300;
/// Most Aurora readers besides the writer.
pub const MAX_READERS: u32 = 15;

/// The fields whose values [`check`] may refuse although the schema accepts them, with why:
/// rules across fields, and facts about a single value JSON Schema cannot state. Every other
/// field is refused only by the schema (a test draws values within each field's schema bounds
/// and checks they are accepted).
pub const BEYOND_SCHEMA: &[(&str, &str)] = &[
    (
        "network.cidr",
        "no host bits, not a reserved range, and room for 3 tiers × az_count subnets of subnet_mask",
    ),
    ("network.az_count", "the subnet plan must fit network.cidr"),
    (
        "network.subnet_mask",
        "the subnet plan must fit network.cidr",
    ),
    (
        "domain.parent_domain",
        "every host name within DNS's and ACM's lengths",
    ),
    (
        "domain.subzone",
        "every host name within DNS's and ACM's lengths",
    ),
    ("workloads[].name", "unique among workloads"),
    (
        "workloads[].hosts[]",
        "unique among workloads; the host name within DNS's length (ACM's 64 for the first)",
    ),
    ("workloads[].min_size", "at most max_size"),
    ("workloads[].max_size", "at least min_size"),
    ("workloads[].desired_capacity", "within min_size..=max_size"),
    (
        "workloads[].instance_type",
        "offered in `region`; one CPU architecture in all workloads; a family Amazon Linux 2023 runs on",
    ),
    ("database.min_capacity", "at most max_capacity"),
    ("database.max_capacity", "at least min_capacity"),
    ("database.auto_pause_seconds", "only with min_capacity = 0"),
    ("application.archive_uri", "not with application.git_url"),
    ("application.git_url", "not with application.archive_uri"),
    (
        "application.source_dir",
        "an existing directory with manage.py and requirements.txt (unless another source is given)",
    ),
];

/// A derived physical name, its service limit and the config fields it is made of.
struct NameLimit {
    what: &'static str,
    max: usize,
    /// The name for a config.
    name: fn(&RefArchConfig) -> String,
}

/// Names built from `app` and `environment`, with the limits of the services that hold them.
/// The schema's bounds on `app` and `environment` keep them all within; this table is what
/// says why, and [`check`] refuses a config that would break one.
const NAME_LIMITS: &[NameLimit] = &[
    NameLimit {
        what: "CloudFormation stack name",
        max: 128,
        name: |c| c.stack_name("delivery"),
    },
    NameLimit {
        what: "Image Builder name prefix (the images construct takes 60)",
        max: 60,
        name: |c| format!("{}-{}", c.app, c.environment),
    },
    NameLimit {
        what: "Image Builder component name",
        max: 128,
        name: |c| format!("{}-{}-application-service-user", c.app, c.environment),
    },
    NameLimit {
        what: "IAM inline policy name",
        max: 128,
        name: |c| format!("{}-AmiReadsApplicationArchive", c.stack_name("images")),
    },
    NameLimit {
        what: "SSM parameter name",
        max: 1011,
        name: |c| format!("/{}/{}/secret/DATABASE_PASSWORD", c.app, c.environment),
    },
];

/// One thing wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field as the user wrote it, e.g. `workloads[1].max_size` (empty: the whole file).
    pub field: String,
    /// The value given, rendered briefly (long strings are cut), if there is one.
    pub value: Option<String>,
    /// What is wrong and what is allowed.
    pub allowed: String,
    /// How to fix it, where there is a clear way.
    pub fix: Option<String>,
    /// 1-based line and column of the field in the file, when known.
    pub location: Option<(usize, usize)>,
}

impl Problem {
    /// A problem of `field` with what is allowed.
    pub fn new(field: impl Into<String>, allowed: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            value: None,
            allowed: allowed.into(),
            fix: None,
            location: None,
        }
    }

    /// With the value given.
    #[must_use]
    pub fn value(mut self, value: impl fmt::Display) -> Self {
        self.value = Some(value.to_string());
        self
    }

    /// With a string value given (quoted, and cut when long).
    #[must_use]
    pub fn text(mut self, value: &str) -> Self {
        self.value = Some(quote(value));
        self
    }

    /// With a fix.
    #[must_use]
    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// `s` quoted, cut to 60 characters with its length said when longer.
pub fn quote(s: &str) -> String {
    let n = s.chars().count();
    if n <= 60 {
        format!("{s:?}")
    } else {
        let head: String = s.chars().take(40).collect();
        format!("{head:?}… ({n} characters)")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "(top level): ")?;
        } else {
            write!(f, "field `{}`: ", self.field)?;
        }
        if let Some(v) = &self.value {
            write!(f, "{v}: ")?;
        }
        write!(f, "{}", self.allowed)?;
        if let Some(fix) = &self.fix {
            write!(f, "; {fix}")?;
        }
        Ok(())
    }
}

/// The CPU architecture of an instance type, and so of the image it boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Intel and AMD.
    X86_64,
    /// AWS Graviton.
    Arm64,
}

impl Architecture {
    /// The architecture of an instance type: Graviton families have a `g` among the
    /// attributes after the generation (`t4g`, `m7g`, `c7gn`, `r8gd`, `im4gn`, `g5g`), plus the
    /// first-generation `a1`; everything else (`g4dn`, `gr6`, `m7i-flex`, …) is x86_64.
    pub fn of(instance_type: &str) -> Self {
        let family = instance_type.split('.').next().unwrap_or_default();
        if family == "a1" {
            return Architecture::Arm64;
        }
        let attributes = family
            .trim_start_matches(|c: char| c.is_ascii_alphabetic())
            .trim_start_matches(|c: char| c.is_ascii_digit());
        let attributes = attributes.split('-').next().unwrap_or_default();
        if attributes.contains('g') {
            Architecture::Arm64
        } else {
            Architecture::X86_64
        }
    }

    /// The public SSM parameter of the latest Amazon Linux 2023 AMI for this architecture:
    /// the images' base.
    pub fn base_image_parameter(self) -> &'static str {
        match self {
            Architecture::X86_64 => constructs::compute::workload::AL2023_AMI_PARAMETER,
            Architecture::Arm64 => {
                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
            }
        }
    }

    /// The instance type Image Builder builds the images on.
    pub fn build_instance_type(self) -> &'static str {
        match self {
            Architecture::X86_64 => "t3.small",
            Architecture::Arm64 => "t4g.small",
        }
    }

    /// The name AWS uses.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// Families Amazon Linux 2023 cannot boot on (paravirtual-only previous generations) or an
/// Auto Scaling group cannot launch (Mac instances need Dedicated Hosts).
const UNSUPPORTED_FAMILIES: &[&str] = &["t1", "m1", "m2", "c1", "cc2", "cg1", "cr1", "hi1", "hs1"];

/// The EC2 instance types offered in each region, from the pinned cfn-lint data
/// (`data/ec2-instance-types.json`, written by `scripts/update-schemas.sh`): the same list
/// cfn-lint checks templates against (E3628).
pub fn instance_type_offerings() -> &'static BTreeMap<String, BTreeSet<String>> {
    static OFFERINGS: OnceLock<BTreeMap<String, BTreeSet<String>>> = OnceLock::new();
    OFFERINGS.get_or_init(|| {
        serde_json::from_str(include_str!("../data/ec2-instance-types.json")).unwrap_or_default()
    })
}

/// The regions the pinned data knows (the schema's enumeration of `region`).
pub fn regions() -> Vec<String> {
    instance_type_offerings().keys().cloned().collect()
}

/// Common instance types, shown as the schema's examples of `instance_type`.
pub const INSTANCE_TYPE_EXAMPLES: [&str; 8] = [
    "t3.small",
    "t3.medium",
    "m7i.large",
    "c7i.large",
    "t4g.small",
    "t4g.medium",
    "m7g.large",
    "c7g.large",
];

/// The architecture of the images: the workloads'. A config whose workloads differ is refused
/// by [`check`]; the first workload decides otherwise.
pub fn architecture(config: &RefArchConfig) -> Architecture {
    config
        .workloads
        .first()
        .map_or(Architecture::X86_64, |w| Architecture::of(&w.instance_type))
}

/// Whether workload `w` scales on CPU: only with room between its sizes (a target-tracking
/// policy on a group with `min_size == max_size` is refused by CloudFormation).
pub fn scales(w: &crate::config::WorkloadConfig) -> bool {
    w.min_size < w.max_size
}

/// The auto-pause delay the cluster gets: the configured one (or the default) with a minimum
/// capacity of 0 ACU, none otherwise.
pub fn auto_pause_seconds(config: &RefArchConfig) -> Option<u32> {
    let d = &config.database;
    (d.min_capacity == 0.0).then(|| d.auto_pause_seconds.unwrap_or(AUTO_PAUSE_DEFAULT))
}

/// Every problem across fields (the per-field ones are the schema's). Assumes nothing about
/// single fields: out-of-range values here never panic.
pub fn check(config: &RefArchConfig) -> Vec<Problem> {
    let mut out = Vec::new();
    network(config, &mut out);
    workloads(config, &mut out);
    database(config, &mut out);
    application(config, &mut out);
    for limit in NAME_LIMITS {
        let name = (limit.name)(config);
        if name.len() > limit.max {
            out.push(
                Problem::new(
                    "app",
                    format!(
                        "the {} {} has {} characters; the limit is {}",
                        limit.what,
                        quote(&name),
                        name.len(),
                        limit.max
                    ),
                )
                .fix("shorten `app` or `environment`"),
            );
        }
    }
    out
}

fn network(config: &RefArchConfig, out: &mut Vec<Problem>) {
    let n = &config.network;
    let cidr = n.cidr;
    let prefix = cidr.prefix_len();
    if cidr.trunc() != cidr {
        out.push(
            Problem::new("network.cidr", "has host bits set")
                .value(cidr)
                .fix(format!("did you mean {}?", cidr.trunc())),
        );
        return;
    }
    let first = cidr.network().octets()[0];
    let reserved = match first {
        0 => Some("0.0.0.0/8 is not a usable range"),
        127 => Some("127.0.0.0/8 is the loopback range"),
        224..=255 => Some("224.0.0.0/3 is multicast and reserved space"),
        169 if cidr.network().octets()[1] == 254 => Some("169.254.0.0/16 is link-local"),
        _ => None,
    };
    if let Some(why) = reserved {
        out.push(
            Problem::new("network.cidr", format!("{why}; EC2 refuses it for a VPC"))
                .value(cidr)
                .fix("use a private range such as 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16"),
        );
        return;
    }
    if !(16..=28).contains(&prefix) || !(16..=28).contains(&n.subnet_mask) {
        return; // the schema reports it
    }
    if n.subnet_mask < prefix {
        out.push(
            Problem::new(
                "network.subnet_mask",
                format!(
                    "a /{} subnet is larger than the /{prefix} VPC",
                    n.subnet_mask
                ),
            )
            .value(n.subnet_mask)
            .fix(format!("use {prefix} to 28")),
        );
        return;
    }
    let subnets = 3 * u32::from(n.az_count);
    let bits = subnets.next_power_of_two().trailing_zeros();
    let fits = u32::from(n.subnet_mask - prefix) >= bits;
    if !fits {
        let need = u32::from(n.subnet_mask).saturating_sub(bits);
        let mut fix = format!(
            "use a /{need} or larger for {} zones × 3 tiers of /{}",
            n.az_count, n.subnet_mask
        );
        let longer = u32::from(prefix) + bits;
        if longer <= 28 {
            fix.push_str(&format!(", or network.subnet_mask = {longer}"));
        }
        out.push(
            Problem::new(
                "network.cidr",
                format!(
                    "{} zones × 3 tiers need {subnets} /{} subnets; a /{prefix} holds {}",
                    n.az_count,
                    n.subnet_mask,
                    1u64 << (n.subnet_mask - prefix)
                ),
            )
            .value(cidr)
            .fix(fix),
        );
        return;
    }
    // The construct's own planner, on exactly what the architecture will give it.
    if let Err(e) = constructs::network::plan_cidrs("network", &crate::arch::vpc_props(config)) {
        out.push(from_construct_error(config, &e));
    }
}

fn workloads(config: &RefArchConfig, out: &mut Vec<Problem>) {
    let zone = config.zone_domain();
    let mut names = std::collections::BTreeSet::new();
    let mut hosts = std::collections::BTreeSet::new();
    let arch = architecture(config);
    for (i, w) in config.workloads.iter().enumerate() {
        let f = |field: &str| format!("workloads[{i}].{field}");
        if !names.insert(w.name.as_str()) {
            out.push(Problem::new(f("name"), "is used by another workload").text(&w.name));
        }
        for (j, h) in w.hosts.iter().enumerate() {
            let field = format!("workloads[{i}].hosts[{j}]");
            if !hosts.insert(h.as_str()) {
                out.push(Problem::new(&field, "is served by another workload").text(h));
                continue;
            }
            let fqdn = format!("{h}.{zone}");
            if fqdn.len() > DOMAIN_MAX_LEN {
                out.push(
                    Problem::new(
                        &field,
                        format!(
                            "makes the host name {} characters long ({}); DNS allows {DOMAIN_MAX_LEN}",
                            fqdn.len(),
                            quote(&fqdn)
                        ),
                    )
                    .text(h)
                    .fix("shorten it, domain.subzone or domain.parent_domain"),
                );
            } else if i == 0 && j == 0 && fqdn.len() > ACM_FIRST_NAME_MAX_LEN {
                out.push(
                    Problem::new(
                        &field,
                        format!(
                            "makes the certificate's first name {} characters long ({}); ACM allows {ACM_FIRST_NAME_MAX_LEN}",
                            fqdn.len(),
                            quote(&fqdn)
                        ),
                    )
                    .text(h)
                    .fix(format!(
                        "shorten it, domain.subzone or domain.parent_domain by {} characters",
                        fqdn.len() - ACM_FIRST_NAME_MAX_LEN
                    )),
                );
            }
        }
        if w.min_size > w.max_size {
            out.push(
                Problem::new(f("max_size"), format!("is below min_size ({})", w.min_size))
                    .value(w.max_size)
                    .fix(format!(
                        "use a max_size of at least {}, or lower min_size",
                        w.min_size
                    )),
            );
        } else if let Some(d) = w.desired_capacity
            && !(w.min_size..=w.max_size).contains(&d)
        {
            out.push(
                Problem::new(
                    f("desired_capacity"),
                    format!(
                        "must be within min_size..=max_size ({}..={})",
                        w.min_size, w.max_size
                    ),
                )
                .value(d),
            );
        }
        let family = w.instance_type.split('.').next().unwrap_or_default();
        let offered = instance_type_offerings()
            .get(&config.region)
            .is_none_or(|types| types.contains(&w.instance_type));
        if !offered {
            let known = instance_type_offerings()
                .values()
                .any(|types| types.contains(&w.instance_type));
            let sizes: Vec<&str> = instance_type_offerings()
                .get(&config.region)
                .into_iter()
                .flatten()
                .filter(|t| t.split('.').next() == Some(family))
                .map(String::as_str)
                .take(8)
                .collect();
            let fix = if sizes.is_empty() {
                "use a type offered there, such as t3.small or t4g.small".to_owned()
            } else {
                format!("{family} sizes offered there: {}", sizes.join(", "))
            };
            out.push(
                Problem::new(
                    f("instance_type"),
                    if known {
                        format!("is not offered in {}", config.region)
                    } else {
                        "is not an EC2 instance type".to_owned()
                    },
                )
                .text(&w.instance_type)
                .fix(fix),
            );
        } else if UNSUPPORTED_FAMILIES.contains(&family) || family.starts_with("mac") {
            out.push(
                Problem::new(
                    f("instance_type"),
                    format!(
                        "the {family} family cannot run the Amazon Linux 2023 images in an Auto Scaling group (previous-generation paravirtual, or Mac on Dedicated Hosts)"
                    ),
                )
                .text(&w.instance_type)
                .fix("use a current family such as t3, m7i, or Graviton t4g, m7g"),
            );
        } else if i > 0 && Architecture::of(&w.instance_type) != arch {
            out.push(
                Problem::new(
                    f("instance_type"),
                    format!(
                        "is {} but workloads[0].instance_type ({}) is {}: the workloads share one image, built for one architecture",
                        Architecture::of(&w.instance_type).name(),
                        config.workloads[0].instance_type,
                        arch.name()
                    ),
                )
                .text(&w.instance_type)
                .fix("use instance types of one architecture in every workload (Graviton: t4g, m7g, c7g, r7g, …; x86_64: t3, m7i, c7i, …)"),
            );
        }
    }
    if hosts.len() > MAX_HOSTS {
        out.push(
            Problem::new(
                "workloads",
                format!(
                    "{} host names in all; the certificate and balancer take at most {MAX_HOSTS} besides the zone",
                    hosts.len()
                ),
            )
            .fix("serve fewer host names, or split the workloads over environments"),
        );
    }
}

fn database(config: &RefArchConfig, out: &mut Vec<Problem>) {
    let d = &config.database;
    if d.min_capacity > d.max_capacity {
        out.push(
            Problem::new(
                "database.min_capacity",
                format!("exceeds database.max_capacity ({} ACU)", d.max_capacity),
            )
            .value(d.min_capacity)
            .fix(format!(
                "use a min_capacity of at most {}, or raise max_capacity",
                d.max_capacity
            )),
        );
    }
    if let Some(s) = d.auto_pause_seconds
        && d.min_capacity != 0.0
    {
        out.push(
            Problem::new(
                "database.auto_pause_seconds",
                "applies only with database.min_capacity = 0 (a cluster that can pause)",
            )
            .value(s)
            .fix("remove it, or set min_capacity = 0"),
        );
    }
}

fn application(config: &RefArchConfig, out: &mut Vec<Problem>) {
    let a = &config.application;
    if a.git_url.is_some() && a.archive_uri.is_some() {
        out.push(Problem::new(
            "application.git_url",
            "give either application.archive_uri or application.git_url, not both",
        ));
    }
    if a.git_url.is_none() && a.archive_uri.is_none() {
        let dir = config.source_dir();
        let missing: Vec<&str> = ["manage.py", "requirements.txt"]
            .into_iter()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        if !dir.is_dir() {
            out.push(
                Problem::new(
                    "application.source_dir",
                    format!("{} is not a directory", dir.display()),
                )
                .text(&a.source_dir)
                .fix("run from the repository root, or give the application's directory"),
            );
        } else if !missing.is_empty() {
            out.push(
                Problem::new(
                    "application.source_dir",
                    format!(
                        "{} has no {} at its root; the image build installs the application from them",
                        dir.display(),
                        missing.join(" or ")
                    ),
                )
                .text(&a.source_dir),
            );
        }
    }
}

/// The config field a construct's error is about, from the construct path and property.
/// `None` when the error is of a construct the config does not configure.
fn config_field(config: &RefArchConfig, path: &str, field: &str) -> Option<String> {
    let last = path.rsplit('/').next().unwrap_or_default();
    let prefixed = |table: &[(&str, &str)]| {
        table
            .iter()
            .find(|(p, _)| field == *p || field.starts_with(&format!("{p}.")))
            .map(|(_, c)| (*c).to_owned())
    };
    match last {
        "Vpc" => prefixed(&[
            ("cidr", "network.cidr"),
            ("az_count", "network.az_count"),
            ("public", "network.cidr"),
            ("private", "network.cidr"),
            ("isolated", "network.cidr"),
            ("nat", "network.nat"),
        ]),
        "Database" => prefixed(&[
            ("capacity.min_acu", "database.min_capacity"),
            ("capacity.max_acu", "database.max_capacity"),
            (
                "capacity.seconds_until_auto_pause",
                "database.auto_pause_seconds",
            ),
            ("database_name", "database.name"),
            ("readers", "database.readers"),
            ("engine", "database.engine"),
        ]),
        "Zone" => prefixed(&[
            ("name", "domain.subzone"),
            ("parent_domain", "domain.parent_domain"),
            ("parent_zone_id", "domain.parent_zone_id"),
            ("host", "workloads"),
        ]),
        "Balancer" => Some("workloads".into()),
        "Ami" => prefixed(&[
            ("name", "app"),
            ("schedule", "images.rebuild_schedule"),
            ("ami_parameter_name", "app"),
            ("parent_image", "workloads[0].instance_type"),
            ("instance_types", "workloads[0].instance_type"),
        ])
        .or_else(|| Some("application".into())),
        "Migrations" => Some("migrations.command".into()),
        l if l == "Workload" || l.starts_with("Workload-") || l.ends_with("Route") => {
            let name = l.trim_end_matches("Route").strip_prefix("Workload-");
            let i = name
                .and_then(|n| config.workloads.iter().position(|w| w.name == n))
                .unwrap_or(0);
            let sub = prefixed(&[
                ("instance_type", "instance_type"),
                ("app_port", "app_port"),
                ("capacity.desired", "desired_capacity"),
                ("capacity.max", "max_size"),
                ("capacity", "max_size"),
                ("health_check.path", "health_check_path"),
                ("cpu_target_percent", "cpu_target"),
                ("route", "hosts"),
            ]);
            Some(sub.map_or(format!("workloads[{i}]"), |s| format!("workloads[{i}].{s}")))
        }
        _ => None,
    }
}

/// A construct's error, as a problem of the config field that caused it. An error the rules
/// above did not foresee is still attributed to the config section of the stack it arose in,
/// and says so.
pub fn from_construct_error(config: &RefArchConfig, e: &ConstructError) -> Problem {
    match e {
        ConstructError::InvalidConfig {
            path,
            field,
            message,
        } => match config_field(config, path, field) {
            Some(f) => Problem::new(f, message.clone()),
            None => section_problem(config, path, message),
        },
        other => section_problem(config, "", &other.to_string()),
    }
}

fn section_problem(config: &RefArchConfig, path: &str, message: &str) -> Problem {
    let stack = path.split('/').next().unwrap_or_default();
    let section = [
        ("network", "network"),
        ("data", "database"),
        ("images", "images"),
        ("app", "workloads"),
        ("delivery", "migrations"),
    ]
    .iter()
    .find(|(part, _)| stack == config.stack_name(part))
    .map_or("", |(_, s)| *s);
    Problem::new(
        section,
        format!("refused while building the architecture: {message}"),
    )
    .fix("this is a gap in `refarch-app check`; please report it with the config")
}

/// Whether `dir` looks like the application's directory (for tests and callers that want to
/// check a directory before pointing `application.source_dir` at it).
pub fn is_application_dir(dir: &Path) -> bool {
    dir.join("manage.py").is_file() && dir.join("requirements.txt").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_follow_the_family() {
        for arm in [
            "t4g.small",
            "m7g.large",
            "c7gn.xlarge",
            "r8gd.2xlarge",
            "im4gn.large",
            "g5g.xlarge",
            "a1.medium",
            "x2gd.large",
            "is4gen.large",
            "hpc7g.4xlarge",
        ] {
            assert_eq!(Architecture::of(arm), Architecture::Arm64, "{arm}");
        }
        for x86 in [
            "t3.small",
            "g4dn.xlarge",
            "gr6.4xlarge",
            "m7i-flex.large",
            "c6in.large",
            "p5.48xlarge",
            "inf2.xlarge",
            "m5.large",
        ] {
            assert_eq!(Architecture::of(x86), Architecture::X86_64, "{x86}");
        }
    }

    #[test]
    fn construct_errors_name_the_config_field() {
        let mut config = RefArchConfig::default();
        config.workloads.push(crate::config::WorkloadConfig {
            name: "admin".into(),
            ..config.workloads[0].clone()
        });
        let field = |path: &str, construct_field: &str| {
            from_construct_error(
                &config,
                &ConstructError::config(path, construct_field, "what the construct says"),
            )
            .field
        };
        assert_eq!(
            field("refarch-dev-data/Database", "capacity.min_acu"),
            "database.min_capacity"
        );
        assert_eq!(
            field(
                "refarch-dev-data/Database",
                "capacity.seconds_until_auto_pause"
            ),
            "database.auto_pause_seconds"
        );
        assert_eq!(
            field("refarch-dev-network/Vpc", "public.first_block"),
            "network.cidr"
        );
        assert_eq!(
            field("refarch-dev-app/Workload", "capacity"),
            "workloads[0].max_size"
        );
        assert_eq!(
            field("refarch-dev-app/Workload-admin", "health_check.path"),
            "workloads[1].health_check_path"
        );
        assert_eq!(
            field("refarch-dev-images/Ami", "schedule"),
            "images.rebuild_schedule"
        );
        // Unforeseen: the section of the stack, saying it is a gap of the checks.
        let p = from_construct_error(
            &config,
            &ConstructError::config("refarch-dev-data/Settings", "path", "bad"),
        );
        assert_eq!(p.field, "database");
        assert!(p.fix.as_deref().is_some_and(|f| f.contains("gap")), "{p}");
    }

    #[test]
    fn instance_types_must_be_offered_in_the_region() {
        let mut config = RefArchConfig::default();
        config.application.source_dir =
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/app").into();
        assert!(check(&config).is_empty());
        config.workloads[0].instance_type = "t3.smal".into();
        let problems = check(&config);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "field `workloads[0].instance_type`: \"t3.smal\": is not an EC2 instance type; t3 sizes offered there: t3.2xlarge, t3.large, t3.medium, t3.micro, t3.nano, t3.small, t3.xlarge"
        );
        assert!(regions().len() > 30 && regions().contains(&"eu-west-1".to_owned()));
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "a".repeat(10_000);
        let shown = quote(&long);
        assert!(
            shown.len() < 80 && shown.contains("10000 characters"),
            "{shown}"
        );
        assert_eq!(quote("web"), "\"web\"");
    }
}
