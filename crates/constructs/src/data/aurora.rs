//! [`AuroraServerless`]: an Aurora Serverless v2 cluster in isolated subnets, with the Data API,
//! RDS-managed (and rotated) master credentials and a security tier of its own.

use crate::encryption::EncryptionKey;
use crate::error::ConstructError;
use crate::iam::{PolicyDocument, managed_policy_arn};
use crate::network::{Isolated, Port, SecurityTier, Subnets, allow};
use crate::resources::{iam, rds};
use crate::tree::{DeletionPolicy, Handle, ResourceOptions, Scope, Stack};
use crate::value::Value;

/// The Aurora PostgreSQL version used unless one is chosen: creatable today, with the Data API
/// and scale-to-zero (minimum 0 ACU) available.
pub const DEFAULT_POSTGRES_VERSION: &str = "16.8";
/// The Aurora MySQL version used unless one is chosen (3.08+ has scale-to-zero and the Data API).
pub const DEFAULT_MYSQL_VERSION: &str = "8.0.mysql_aurora.3.10.0";

/// Aurora PostgreSQL minor versions that can no longer be created (the Data API needs 16.8+
/// on 16 and 17.4+ on 17 anyway).
const MIN_POSTGRES_MINOR: [(u32, u32); 2] = [(16, 8), (17, 4)];
/// The first Aurora MySQL 3 minor with scale-to-zero and the Data API on Serverless v2.
const MIN_MYSQL_MINOR: u32 = 8;

/// The database engine and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Engine {
    /// `aurora-postgresql`, version `16.x` (x ≥ 8) or `17.x` (x ≥ 4).
    AuroraPostgres {
        /// Engine version, e.g. `16.8`.
        version: String,
    },
    /// `aurora-mysql` 3 (MySQL 8.0 compatible), version `8.0.mysql_aurora.3.NN.P` with NN ≥ 08.
    AuroraMysql {
        /// Engine version, e.g. `8.0.mysql_aurora.3.10.0`.
        version: String,
    },
}

impl Default for Engine {
    fn default() -> Self {
        Engine::postgres()
    }
}

impl Engine {
    /// Aurora PostgreSQL at [`DEFAULT_POSTGRES_VERSION`].
    pub fn postgres() -> Self {
        Engine::AuroraPostgres {
            version: DEFAULT_POSTGRES_VERSION.to_owned(),
        }
    }

    /// Aurora MySQL at [`DEFAULT_MYSQL_VERSION`].
    pub fn mysql() -> Self {
        Engine::AuroraMysql {
            version: DEFAULT_MYSQL_VERSION.to_owned(),
        }
    }

    /// The CloudFormation `Engine` name.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::AuroraPostgres { .. } => "aurora-postgresql",
            Engine::AuroraMysql { .. } => "aurora-mysql",
        }
    }

    /// The engine version.
    pub fn version(&self) -> &str {
        match self {
            Engine::AuroraPostgres { version } | Engine::AuroraMysql { version } => version,
        }
    }

    /// The engine's standard port (5432 or 3306).
    pub fn default_port(&self) -> u16 {
        match self {
            Engine::AuroraPostgres { .. } => 5432,
            Engine::AuroraMysql { .. } => 3306,
        }
    }

    /// The CloudWatch log types exported for this engine.
    pub fn log_exports(&self) -> &'static [&'static str] {
        match self {
            Engine::AuroraPostgres { .. } => &["postgresql"],
            Engine::AuroraMysql { .. } => &["audit", "error", "slowquery"],
        }
    }

    /// Checks the version is one CloudFormation can still create with Serverless v2, the Data
    /// API and scale-to-zero.
    fn check_version(&self) -> Result<(), String> {
        let numbers =
            |s: &str| -> Option<Vec<u32>> { s.split('.').map(|p| p.parse::<u32>().ok()).collect() };
        match self {
            Engine::AuroraPostgres { version } => {
                let parts = numbers(version)
                    .filter(|p| p.len() == 2)
                    .ok_or_else(|| format!("{version:?} is not MAJOR.MINOR, e.g. \"16.8\""))?;
                let (major, minor) = (parts[0], parts[1]);
                match MIN_POSTGRES_MINOR.iter().find(|(m, _)| *m == major) {
                    Some((_, min)) if minor >= *min => Ok(()),
                    Some((_, min)) => Err(format!(
                        "aurora-postgresql {version} is deprecated or lacks the Data API; use {major}.{min} or later"
                    )),
                    None => Err(format!(
                        "aurora-postgresql major {major} is not supported; use 16 or 17"
                    )),
                }
            }
            Engine::AuroraMysql { version } => {
                let rest = version.strip_prefix("8.0.mysql_aurora.3.").ok_or_else(|| {
                    format!(
                        "{version:?} is not an Aurora MySQL 3 version (8.0.mysql_aurora.3.NN.P)"
                    )
                })?;
                let parts = numbers(rest)
                    .filter(|p| p.len() == 2)
                    .ok_or_else(|| format!("{version:?} is not 8.0.mysql_aurora.3.NN.P"))?;
                if parts[0] < MIN_MYSQL_MINOR {
                    return Err(format!(
                        "aurora-mysql {version} predates 3.08 (no scale-to-zero); use {DEFAULT_MYSQL_VERSION}"
                    ));
                }
                Ok(())
            }
        }
    }
}

/// Serverless v2 capacity in Aurora capacity units (ACU).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// Minimum ACU: 0 (pauses when idle) or 0.5 to 256 in steps of 0.5.
    pub min_acu: f64,
    /// Maximum ACU: 1 to 256 in steps of 0.5, at least `min_acu`.
    pub max_acu: f64,
    /// Seconds of idleness before pausing (300 to 86400); required when `min_acu` is 0 and
    /// not allowed otherwise.
    pub seconds_until_auto_pause: Option<u32>,
}

impl Default for Capacity {
    fn default() -> Self {
        Capacity {
            min_acu: 0.5,
            max_acu: 4.0,
            seconds_until_auto_pause: None,
        }
    }
}

impl Capacity {
    /// Checks the capacity against what Aurora Serverless v2 accepts; the error names the field.
    ///
    /// # Errors
    /// `(field, message)` for the first invalid field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let half_step = |v: f64| v.is_finite() && (v * 2.0).fract() == 0.0;
        let (min, max) = (self.min_acu, self.max_acu);
        if !half_step(min) || !(0.0..=256.0).contains(&min) {
            return Err((
                "capacity.min_acu",
                format!("{min} ACU: use 0 or 0.5 to 256 in steps of 0.5"),
            ));
        }
        if !half_step(max) || !(1.0..=256.0).contains(&max) {
            return Err((
                "capacity.max_acu",
                format!("{max} ACU: use 1 to 256 in steps of 0.5"),
            ));
        }
        if min > max {
            return Err((
                "capacity.min_acu",
                format!("minimum {min} ACU exceeds maximum {max} ACU"),
            ));
        }
        match (min == 0.0, self.seconds_until_auto_pause) {
            (true, None) => Err((
                "capacity.seconds_until_auto_pause",
                "a minimum of 0 ACU pauses the cluster; set the idle time before pausing (300-86400 s)".into(),
            )),
            (true, Some(s)) if !(300..=86_400).contains(&s) => Err((
                "capacity.seconds_until_auto_pause",
                format!("{s} s: use 300 to 86400"),
            )),
            (false, Some(_)) => Err((
                "capacity.seconds_until_auto_pause",
                "auto-pause applies only with a minimum of 0 ACU".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Options of [`AuroraServerless`]. The defaults are the seed's database, modernised.
#[derive(Debug, Clone, PartialEq)]
pub struct AuroraServerlessProps {
    /// Engine and version.
    pub engine: Engine,
    /// The initial database's name (the seed's `workload`).
    pub database_name: String,
    /// The master user's name; its password is generated and kept by RDS in Secrets Manager.
    pub master_username: String,
    /// Serverless v2 capacity.
    pub capacity: Capacity,
    /// Reader instances besides the writer (0-15), spread over the subnets' zones.
    pub readers: u8,
    /// The port; `None` is the engine's standard port.
    pub port: Option<u16>,
    /// Days of automated backups (1-35).
    pub backup_retention_days: u8,
    /// Daily backup window, `hh:mm-hh:mm` UTC (at least 30 minutes).
    pub backup_window: String,
    /// Weekly maintenance window, `ddd:hh:mm-ddd:hh:mm` UTC.
    pub maintenance_window: String,
    /// Refuse deletion through the API (turn off before removing the cluster).
    pub deletion_protection: bool,
    /// Enhanced monitoring interval in seconds (1, 5, 10, 15, 30 or 60).
    pub monitoring_interval_seconds: u8,
}

impl Default for AuroraServerlessProps {
    fn default() -> Self {
        AuroraServerlessProps {
            engine: Engine::default(),
            database_name: "workload".into(),
            master_username: "dbadmin".into(),
            capacity: Capacity::default(),
            readers: 1,
            port: None,
            backup_retention_days: 7,
            backup_window: "02:00-03:00".into(),
            maintenance_window: "sun:05:00-sun:06:00".into(),
            deletion_protection: true,
            monitoring_interval_seconds: 60,
        }
    }
}

const RESERVED_NAMES: &[&str] = &[
    "rdsadmin",
    "postgres",
    "template0",
    "template1",
    "mysql",
    "information_schema",
    "performance_schema",
    "sys",
];

fn check_identifier(value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() || value.len() > max {
        return Err(format!("{value:?} must be 1 to {max} characters"));
    }
    if !value.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!("{value:?} must start with a letter"));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{value:?} may hold only letters, digits and '_'"));
    }
    if RESERVED_NAMES.contains(&value.to_ascii_lowercase().as_str()) {
        return Err(format!("{value:?} is reserved by the engine or RDS"));
    }
    Ok(())
}

/// Minutes since midnight of `hh:mm`.
fn clock(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn check_backup_window(w: &str) -> Result<(), String> {
    let parsed = w
        .split_once('-')
        .and_then(|(a, b)| Some((clock(a)?, clock(b)?)));
    let Some((start, end)) = parsed else {
        return Err(format!("{w:?} is not hh:mm-hh:mm (UTC)"));
    };
    let length = (end + 24 * 60 - start) % (24 * 60);
    if length < 30 {
        return Err(format!("{w:?} is shorter than the 30 minutes RDS requires"));
    }
    Ok(())
}

fn check_maintenance_window(w: &str) -> Result<(), String> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let point = |s: &str| -> Option<u32> {
        let (day, time) = s.split_at_checked(3)?;
        let day = DAYS.iter().position(|d| *d == day)?;
        let minutes = clock(time.strip_prefix(':')?)?;
        Some(u32::try_from(day).ok()? * 24 * 60 + minutes)
    };
    let parsed = w
        .split_once('-')
        .and_then(|(a, b)| Some((point(a)?, point(b)?)));
    let Some((start, end)) = parsed else {
        return Err(format!(
            "{w:?} is not ddd:hh:mm-ddd:hh:mm (UTC), e.g. sun:05:00-sun:06:00"
        ));
    };
    let week = 7 * 24 * 60;
    if (end + week - start) % week < 30 {
        return Err(format!("{w:?} is shorter than the 30 minutes RDS requires"));
    }
    Ok(())
}

impl AuroraServerlessProps {
    /// Checks every field; the error names the first invalid one.
    ///
    /// # Errors
    /// `(field, message)`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        self.engine.check_version().map_err(|m| ("engine", m))?;
        let name_max = match self.engine {
            Engine::AuroraPostgres { .. } => 63,
            Engine::AuroraMysql { .. } => 64,
        };
        check_identifier(&self.database_name, name_max).map_err(|m| ("database_name", m))?;
        let user_max = match self.engine {
            Engine::AuroraPostgres { .. } => 63,
            Engine::AuroraMysql { .. } => 16,
        };
        check_identifier(&self.master_username, user_max).map_err(|m| ("master_username", m))?;
        self.capacity.validate()?;
        if self.readers > 15 {
            return Err((
                "readers",
                format!("{} readers: an Aurora cluster has at most 15", self.readers),
            ));
        }
        if let Some(p) = self.port
            && p < 1150
        {
            return Err(("port", format!("{p}: RDS accepts ports 1150 to 65535")));
        }
        if !(1..=35).contains(&self.backup_retention_days) {
            return Err((
                "backup_retention_days",
                format!("{} days: use 1 to 35", self.backup_retention_days),
            ));
        }
        check_backup_window(&self.backup_window).map_err(|m| ("backup_window", m))?;
        check_maintenance_window(&self.maintenance_window)
            .map_err(|m| ("maintenance_window", m))?;
        if ![1, 5, 10, 15, 30, 60].contains(&self.monitoring_interval_seconds) {
            return Err((
                "monitoring_interval_seconds",
                format!(
                    "{} s: use 1, 5, 10, 15, 30 or 60",
                    self.monitoring_interval_seconds
                ),
            ));
        }
        Ok(())
    }
}

/// A reference to a Secrets Manager secret and the key that encrypts it, enough to read it
/// (IAM grants, CodeBuild `SECRETS_MANAGER` variables, settings).
#[derive(Debug, Clone, PartialEq)]
pub struct SecretRef {
    /// The secret's ARN.
    pub arn: Value<String>,
    /// The ARN of the customer key that encrypts it (for `kms:Decrypt` grants).
    pub key_arn: Value<String>,
}

/// An Aurora Serverless v2 cluster (provisioned engine mode, `db.serverless` instances).
///
/// - **Network**: only isolated subnets (through a DB subnet group) and a [`SecurityTier`] of
///   its own with no egress; other tiers are admitted on the DB port with
///   [`AuroraServerless::allow_from`].
/// - **Credentials**: `ManageMasterUserPassword`: RDS generates the master password, stores it
///   in Secrets Manager encrypted with the cluster's customer key and **rotates it itself**
///   (managed rotation, every 7 days by default). No password, dynamic reference or secret
///   version is in the template, no rotation Lambda or `AWS::SecretsManager-2020-07-23`
///   transform is needed, and the rotation needs no network path from the isolated subnets.
///   CloudFormation exposes no property to change the managed rotation's period.
/// - **Data API** (`EnableHttpEndpoint`), IAM database authentication, encrypted storage,
///   backups, maintenance window, log exports, Performance Insights and enhanced monitoring.
/// - **Lifecycle**: deletion protection on by default; `DeletionPolicy` and
///   `UpdateReplacePolicy` are `Snapshot`.
#[derive(Debug, Clone)]
pub struct AuroraServerless {
    cluster: Handle<rds::DbCluster>,
    instances: Vec<Handle<rds::DbInstance>>,
    tier: SecurityTier,
    key: EncryptionKey,
    port: u16,
    database_name: String,
    engine: Engine,
}

impl AuroraServerless {
    /// Creates the cluster at `scope/id` in `vpc_id`, on `subnets`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field (`engine`, `database_name`,
    /// `master_username`, `capacity.*`, `readers`, `port`, `backup_*`, `maintenance_window`,
    /// `monitoring_interval_seconds`, or `subnets` when fewer than two zones are given);
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &AuroraServerlessProps,
        vpc_id: Value<String>,
        subnets: &Subnets<Isolated>,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        if let Err((field, message)) = props.validate() {
            return Err(s.config_error(field, message));
        }
        if subnets.len() < 2 {
            return Err(s.config_error(
                "subnets",
                format!(
                    "{} isolated subnet(s): a DB subnet group needs subnets in at least two zones",
                    subnets.len()
                ),
            ));
        }
        let port = props.port.unwrap_or_else(|| props.engine.default_port());
        let key = EncryptionKey::new(
            &mut s,
            "Key",
            "Encrypts the Aurora cluster's storage, Performance Insights and master secret",
            &[],
        )?;
        let tier = SecurityTier::new(
            &mut s,
            "SecurityGroup",
            vpc_id,
            "Aurora cluster: ingress only from admitted tiers on the DB port, no egress",
        )?;
        let subnet_group = subnets.db_subnet_group(
            &mut s,
            "SubnetGroup",
            "Isolated subnets of the Aurora cluster",
        )?;
        let mut capacity = rds::db_cluster::ServerlessV2ScalingConfiguration {
            min_capacity: Some(props.capacity.min_acu.into()),
            max_capacity: Some(props.capacity.max_acu.into()),
            ..rds::db_cluster::ServerlessV2ScalingConfiguration::new()
        };
        if let Some(seconds) = props.capacity.seconds_until_auto_pause {
            capacity.seconds_until_auto_pause = Some(i64::from(seconds).into());
        }
        let cluster = rds::DbCluster {
            engine: Some(props.engine.name().into()),
            engine_version: Some(props.engine.version().into()),
            engine_mode: Some("provisioned".into()),
            serverless_v2_scaling_configuration: Some(capacity.into()),
            database_name: Some(props.database_name.clone().into()),
            master_username: Some(props.master_username.clone().into()),
            manage_master_user_password: Some(true.into()),
            master_user_secret: Some(
                rds::db_cluster::MasterUserSecret {
                    kms_key_id: Some(key.arn()),
                }
                .into(),
            ),
            port: Some(i64::from(port).into()),
            db_subnet_group_name: Some(subnet_group.reference()),
            vpc_security_group_ids: Some(vec![tier.group_id()].into()),
            storage_encrypted: Some(true.into()),
            kms_key_id: Some(key.arn()),
            backup_retention_period: Some(i64::from(props.backup_retention_days).into()),
            preferred_backup_window: Some(props.backup_window.clone().into()),
            preferred_maintenance_window: Some(props.maintenance_window.clone().into()),
            enable_cloudwatch_logs_exports: Some(
                props.engine.log_exports().iter().copied().collect(),
            ),
            enable_iam_database_authentication: Some(true.into()),
            enable_http_endpoint: Some(true.into()),
            copy_tags_to_snapshot: Some(true.into()),
            deletion_protection: Some(props.deletion_protection.into()),
            auto_minor_version_upgrade: Some(true.into()),
            ..rds::DbCluster::new()
        };
        let cluster = s.resource_with(
            "Cluster",
            cluster,
            ResourceOptions {
                deletion_policy: Some(DeletionPolicy::Snapshot),
                update_replace_policy: Some(DeletionPolicy::Snapshot),
                ..ResourceOptions::default()
            },
        )?;
        let monitoring = s.resource(
            "MonitoringRole",
            iam::Role {
                description: Some("Publishes Aurora enhanced monitoring metrics".into()),
                managed_policy_arns: Some(
                    vec![managed_policy_arn(
                        "service-role/AmazonRDSEnhancedMonitoringRole",
                    )]
                    .into(),
                ),
                ..iam::Role::new(
                    PolicyDocument::trust_service("monitoring.rds.amazonaws.com").json(),
                )
            },
        )?;
        let zones: Vec<Value<String>> = subnets
            .iter()
            .map(|i| i.availability_zone.clone())
            .collect();
        let mut instances = Vec::new();
        for i in 0..=usize::from(props.readers) {
            let instance_id = if i == 0 {
                "Writer".to_owned()
            } else {
                format!("Reader{i}")
            };
            let instance = rds::DbInstance {
                engine: Some(props.engine.name().into()),
                db_instance_class: Some("db.serverless".into()),
                db_cluster_identifier: Some(cluster.reference()),
                availability_zone: Some(zones[i % zones.len()].clone()),
                promotion_tier: Some(i64::from(u8::from(i > 0)).into()),
                publicly_accessible: Some(false.into()),
                auto_minor_version_upgrade: Some(true.into()),
                enable_performance_insights: Some(true.into()),
                performance_insights_kms_key_id: Some(key.arn()),
                performance_insights_retention_period: Some(7.into()),
                monitoring_interval: Some(i64::from(props.monitoring_interval_seconds).into()),
                monitoring_role_arn: Some(monitoring.attr_arn()),
                ..rds::DbInstance::new()
            };
            // Explicitly `Delete`: an instance of an Aurora cluster holds no data of its own (the
            // cluster's storage does, with its Snapshot policies), and CloudFormation refuses
            // `Snapshot` on a cluster's instances.
            instances.push(s.resource_with(
                &instance_id,
                instance,
                ResourceOptions {
                    deletion_policy: Some(DeletionPolicy::Delete),
                    update_replace_policy: Some(DeletionPolicy::Delete),
                    ..ResourceOptions::default()
                },
            )?);
        }
        Ok(AuroraServerless {
            cluster,
            instances,
            tier,
            key,
            port,
            database_name: props.database_name.clone(),
            engine: props.engine.clone(),
        })
    }

    /// Admits `from` to the cluster on the DB port (ingress on the DB tier, egress on `from`).
    /// Works across stacks: the rules are created in `stack`.
    ///
    /// # Errors
    /// [`ConstructError`] if a rule's id clashes with an existing construct.
    pub fn allow_from(
        &self,
        stack: &mut Stack,
        from: &SecurityTier,
        description: &str,
    ) -> Result<(), ConstructError> {
        allow(stack, from, &self.tier, Port::Tcp(self.port), description)
    }

    /// The writer endpoint's host name.
    pub fn endpoint(&self) -> Value<String> {
        self.cluster.attr_endpoint_address()
    }

    /// The reader endpoint's host name (load-balanced over the readers).
    pub fn reader_endpoint(&self) -> Value<String> {
        self.cluster.attr_read_endpoint_address()
    }

    /// The port, known at synth time.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster ARN (the Data API's `resourceArn`).
    pub fn cluster_arn(&self) -> Value<String> {
        self.cluster.attr_db_cluster_arn()
    }

    /// The ARN of the RDS-managed master secret (JSON with `username` and `password`; the Data
    /// API's `secretArn`).
    pub fn secret_arn(&self) -> Value<String> {
        self.cluster.attr_master_user_secret_secret_arn()
    }

    /// The master secret with the key that encrypts it.
    pub fn credentials(&self) -> SecretRef {
        SecretRef {
            arn: self.secret_arn(),
            key_arn: self.key.arn(),
        }
    }

    /// The cluster's security tier (admit others with [`AuroraServerless::allow_from`]).
    pub fn security_tier(&self) -> &SecurityTier {
        &self.tier
    }

    /// The initial database's name.
    pub fn database_name(&self) -> &str {
        &self.database_name
    }

    /// The engine and version.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The customer key encrypting storage, Performance Insights and the master secret.
    pub fn key(&self) -> &EncryptionKey {
        &self.key
    }

    /// The cluster L1, for escape hatches.
    pub fn l1(&self) -> &Handle<rds::DbCluster> {
        &self.cluster
    }

    /// The instance L1s, writer first.
    pub fn instances(&self) -> &[Handle<rds::DbInstance>] {
        &self.instances
    }
}
