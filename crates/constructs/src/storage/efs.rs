//! [`FileSystem`]: Amazon EFS for the application tier, reachable only from admitted tiers.

use crate::encryption::{EncryptionKey, retain};
use crate::error::ConstructError;
use crate::fns;
use crate::iam::{PolicyDocument, Principal, Statement};
use crate::network::{Port, Private, SecurityTier, Subnets, allow};
use crate::resources::{efs, iam};
use crate::tree::{Handle, Scope, Stack};
use crate::value::Value;

/// NFS, the only port a file system's tier ever opens.
pub const NFS_PORT: u16 = 2049;

/// EFS throughput modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThroughputMode {
    /// Scales with the workload, billed per use (what AWS recommends for spiky web loads).
    Elastic,
    /// Scales with the amount stored, with burst credits.
    Bursting,
}

impl ThroughputMode {
    fn name(self) -> &'static str {
        match self {
            ThroughputMode::Elastic => "elastic",
            ThroughputMode::Bursting => "bursting",
        }
    }
}

/// EFS performance modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformanceMode {
    /// Lowest latency per operation (the only mode elastic throughput supports).
    GeneralPurpose,
    /// Higher aggregate throughput, higher latency (bursting throughput only).
    MaxIo,
}

impl PerformanceMode {
    fn name(self) -> &'static str {
        match self {
            PerformanceMode::GeneralPurpose => "generalPurpose",
            PerformanceMode::MaxIo => "maxIO",
        }
    }
}

/// After how many days without access a file moves to Infrequent Access (the values EFS
/// accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionDays {
    /// 1 day.
    D1,
    /// 7 days.
    D7,
    /// 14 days.
    D14,
    /// 30 days.
    D30,
    /// 60 days.
    D60,
    /// 90 days.
    D90,
    /// 180 days.
    D180,
    /// 270 days.
    D270,
    /// 365 days.
    D365,
}

impl TransitionDays {
    /// Every value, shortest first.
    pub const ALL: [TransitionDays; 9] = [
        TransitionDays::D1,
        TransitionDays::D7,
        TransitionDays::D14,
        TransitionDays::D30,
        TransitionDays::D60,
        TransitionDays::D90,
        TransitionDays::D180,
        TransitionDays::D270,
        TransitionDays::D365,
    ];

    /// The number of days.
    pub fn days(self) -> u16 {
        match self {
            TransitionDays::D1 => 1,
            TransitionDays::D7 => 7,
            TransitionDays::D14 => 14,
            TransitionDays::D30 => 30,
            TransitionDays::D60 => 60,
            TransitionDays::D90 => 90,
            TransitionDays::D180 => 180,
            TransitionDays::D270 => 270,
            TransitionDays::D365 => 365,
        }
    }

    /// The value for `days`, if EFS offers it.
    pub fn from_days(days: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.days() == days)
    }

    fn name(self) -> String {
        match self {
            TransitionDays::D1 => "AFTER_1_DAY".into(),
            other => format!("AFTER_{}_DAYS", other.days()),
        }
    }
}

/// Options of [`FileSystem`]. [`FileSystemProps::for_user`] gives production defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSystemProps {
    /// POSIX user id every access through the access point runs as (the application's user).
    pub uid: u32,
    /// POSIX group id of that user.
    pub gid: u32,
    /// The access point's root directory (absolute, created on first use owned by `uid:gid`).
    pub root_directory: String,
    /// Mode of the root directory when EFS creates it, octal (e.g. `0750`).
    pub root_permissions: String,
    /// Throughput mode.
    pub throughput: ThroughputMode,
    /// Performance mode.
    pub performance: PerformanceMode,
    /// Move files not read for this long to Infrequent Access; `None` keeps everything in
    /// Standard.
    pub transition_to_ia: Option<TransitionDays>,
    /// Move a file back to Standard on its first access after a transition.
    pub transition_to_primary_on_access: bool,
    /// Daily AWS Backup of the file system (EFS's automatic backup plan, 35 days).
    pub backups: bool,
}

impl FileSystemProps {
    /// Production defaults for files owned by `uid:gid` under `root_directory`: elastic
    /// throughput, general purpose, Infrequent Access after 30 days and back on access,
    /// automatic backups, root directory mode `0750`.
    pub fn for_user(uid: u32, gid: u32, root_directory: impl Into<String>) -> Self {
        FileSystemProps {
            uid,
            gid,
            root_directory: root_directory.into(),
            root_permissions: "0750".into(),
            throughput: ThroughputMode::Elastic,
            performance: PerformanceMode::GeneralPurpose,
            transition_to_ia: Some(TransitionDays::D30),
            transition_to_primary_on_access: true,
            backups: true,
        }
    }

    /// Checks the fields; the error names the first invalid one.
    ///
    /// # Errors
    /// `(field, message)`.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let dir = &self.root_directory;
        let dir_ok = dir.starts_with('/')
            && dir.len() <= 100
            && dir != "/"
            && !dir.ends_with('/')
            && dir.split('/').skip(1).all(|p| {
                !p.is_empty()
                    && p != ".."
                    && p != "."
                    && p.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            });
        if !dir_ok {
            return Err((
                "root_directory",
                format!(
                    "{dir:?} must be an absolute directory below / (letters, digits, '-', '_', '.'; at most 100 characters)"
                ),
            ));
        }
        let perm = &self.root_permissions;
        if !(3..=4).contains(&perm.len()) || !perm.chars().all(|c| ('0'..='7').contains(&c)) {
            return Err((
                "root_permissions",
                format!("{perm:?} is not an octal mode such as \"0750\""),
            ));
        }
        if self.uid == 0 || self.gid == 0 {
            return Err((
                "uid",
                "the access point must not map clients to root (uid/gid 0)".into(),
            ));
        }
        if self.throughput == ThroughputMode::Elastic && self.performance == PerformanceMode::MaxIo
        {
            return Err((
                "performance",
                "max I/O performance is not available with elastic throughput; use general purpose"
                    .into(),
            ));
        }
        Ok(())
    }
}

/// A systemd mount unit for a [`FileSystem`] (see [`FileSystem::mount_unit`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MountUnit {
    /// The unit's file name (the mount point, systemd-escaped, plus `.mount`).
    pub name: String,
    /// The unit file (the file system and access point ids are deploy-time values).
    pub content: Value<String>,
}

/// An encrypted Amazon EFS file system for the application tier.
///
/// - **Network**: one mount target per private subnet (one per availability zone), all in a
///   [`SecurityTier`] of its own with no egress and no ingress until
///   [`FileSystem::allow_from`] admits a tier on NFS (2049).
/// - **Access**: an access point whose POSIX user is the application's (`uid:gid`) and whose
///   root directory EFS creates owned by it; a file system policy that denies any request
///   without TLS and lets IAM principals of the account mount and write only through a mount
///   target and an access point (never as root, never anonymously);
///   [`FileSystem::grant_mount`] gives a role exactly this access point.
/// - **Data**: encrypted with a customer-managed KMS key (rotated), automatic backups, a
///   lifecycle policy to Infrequent Access; `DeletionPolicy` and `UpdateReplacePolicy` are
///   `Retain` (EFS has no snapshots; AWS Backup's recovery points outlive it).
#[derive(Debug, Clone)]
pub struct FileSystem {
    file_system: Handle<efs::FileSystem>,
    access_point: Handle<efs::AccessPoint>,
    mount_targets: Vec<Handle<efs::MountTarget>>,
    tier: SecurityTier,
    key: EncryptionKey,
}

impl FileSystem {
    /// Creates the file system at `scope/id` in `vpc_id`, with a mount target in each of
    /// `subnets`.
    ///
    /// # Errors
    /// [`ConstructError::InvalidConfig`] naming the field (`root_directory`,
    /// `root_permissions`, `uid`, `performance`, or `subnets` when fewer than two zones are
    /// given: a file system reachable from one zone only is not highly available);
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn new(
        scope: &mut Scope<'_>,
        id: &str,
        props: &FileSystemProps,
        vpc_id: Value<String>,
        subnets: &Subnets<Private>,
    ) -> Result<Self, ConstructError> {
        let mut s = scope.child(id)?;
        if let Err((field, message)) = props.validate() {
            return Err(s.config_error(field, message));
        }
        if subnets.len() < 2 {
            return Err(s.config_error(
                "subnets",
                format!(
                    "{} private subnet(s): mount targets in at least two zones keep the files reachable when one zone fails",
                    subnets.len()
                ),
            ));
        }
        let key = EncryptionKey::new(
            &mut s,
            "Key",
            "Encrypts the EFS file system's data at rest",
            &[],
        )?;
        let tier = SecurityTier::new(
            &mut s,
            "SecurityGroup",
            vpc_id,
            "EFS mount targets: NFS only from admitted tiers, no egress",
        )?;
        let mut lifecycle = Vec::new();
        if let Some(t) = props.transition_to_ia {
            lifecycle.push(efs::file_system::LifecyclePolicy {
                transition_to_ia: Some(t.name().into()),
                ..efs::file_system::LifecyclePolicy::new()
            });
        }
        if props.transition_to_primary_on_access {
            lifecycle.push(efs::file_system::LifecyclePolicy {
                transition_to_primary_storage_class: Some("AFTER_1_ACCESS".into()),
                ..efs::file_system::LifecyclePolicy::new()
            });
        }
        // The policy cannot name the access point (which names the file system: a cycle), so it
        // requires *an* access point of this file system; grants name the exact one.
        let policy = PolicyDocument::new([
            Statement::deny_insecure_transport(["*"], ["*"]),
            Statement::allow(
                [
                    "elasticfilesystem:ClientMount",
                    "elasticfilesystem:ClientWrite",
                ],
                ["*"],
            )
            .sid("MountThroughAnAccessPoint")
            .principal(Principal::Aws(fns::concat([
                "arn:".into(),
                fns::partition(),
                ":iam::".into(),
                fns::account_id(),
                ":root".into(),
            ])))
            .condition("Null", "elasticfilesystem:AccessPointArn", ["false"])
            .condition("Bool", "elasticfilesystem:AccessedViaMountTarget", ["true"]),
        ]);
        let file_system = s.resource_with(
            "Resource",
            efs::FileSystem {
                file_system_policy: Some(policy.json()),
                encrypted: Some(true.into()),
                kms_key_id: Some(key.arn()),
                performance_mode: Some(props.performance.name().into()),
                throughput_mode: Some(props.throughput.name().into()),
                backup_policy: Some(
                    efs::file_system::BackupPolicy::new(if props.backups {
                        "ENABLED"
                    } else {
                        "DISABLED"
                    })
                    .into(),
                ),
                lifecycle_policies: (!lifecycle.is_empty()).then(|| lifecycle.into()),
                ..efs::FileSystem::new()
            },
            retain(),
        )?;
        let mut mount_targets = Vec::new();
        for (i, subnet) in subnets.iter().enumerate() {
            mount_targets.push(s.resource(
                &format!("MountTarget{}", i + 1),
                efs::MountTarget::new(
                    file_system.reference(),
                    vec![tier.group_id()],
                    subnet.subnet.reference(),
                ),
            )?);
        }
        let access_point = s.resource(
            "AccessPoint",
            efs::AccessPoint {
                posix_user: Some(
                    efs::access_point::PosixUser::new(props.gid.to_string(), props.uid.to_string())
                        .into(),
                ),
                root_directory: Some(
                    efs::access_point::RootDirectory {
                        path: Some(props.root_directory.clone().into()),
                        creation_info: Some(
                            efs::access_point::CreationInfo::new(
                                props.gid.to_string(),
                                props.uid.to_string(),
                                props.root_permissions.clone(),
                            )
                            .into(),
                        ),
                    }
                    .into(),
                ),
                ..efs::AccessPoint::new(file_system.reference())
            },
        )?;
        Ok(FileSystem {
            file_system,
            access_point,
            mount_targets,
            tier,
            key,
        })
    }

    /// Admits `from` on NFS (ingress on the file system's tier, egress on `from`). Works across
    /// stacks: the rules are created in `stack`.
    ///
    /// # Errors
    /// [`ConstructError`] if a rule's id clashes with an existing construct.
    pub fn allow_from(
        &self,
        stack: &mut Stack,
        from: &SecurityTier,
        description: &str,
    ) -> Result<(), ConstructError> {
        allow(stack, from, &self.tier, Port::Tcp(NFS_PORT), description)
    }

    /// Lets `role` mount and write through the access point (IAM authorization, as the file
    /// system policy requires), adding a policy at `scope/id`.
    ///
    /// # Errors
    /// [`ConstructError`] if `id` is taken in `scope`.
    pub fn grant_mount(
        &self,
        scope: &mut Scope<'_>,
        id: &str,
        role: &Handle<iam::Role>,
    ) -> Result<(), ConstructError> {
        crate::iam::grant(
            scope,
            id,
            role,
            [Statement::allow(
                [
                    "elasticfilesystem:ClientMount",
                    "elasticfilesystem:ClientWrite",
                ],
                [self.arn()],
            )
            .condition(
                "StringEquals",
                "elasticfilesystem:AccessPointArn",
                [self.access_point_arn()],
            )],
        )?;
        Ok(())
    }

    /// A systemd mount unit that mounts the file system through the access point at
    /// `mount_point` with the EFS mount helper (`amazon-efs-utils`): TLS (`tls`), IAM
    /// authorization with the instance's role (`iam`), `noresvport` (reconnects on a new port
    /// after a network event), after the network is up, retried by the helper.
    pub fn mount_unit(&self, mount_point: &str) -> MountUnit {
        let name = format!("{}.mount", systemd_escape_path(mount_point));
        let content = fns::concat([
            "[Unit]\n\
             Description=Shared application files (Amazon EFS, TLS)\n\
             Wants=network-online.target\n\
             After=network-online.target\n\
             \n\
             [Mount]\n\
             What="
                .into(),
            self.file_system_id(),
            format!(
                ":/\nWhere={mount_point}\nType=efs\nOptions=_netdev,noresvport,tls,iam,accesspoint="
            )
            .into(),
            self.access_point_id(),
            "\nTimeoutSec=120\n\n[Install]\nWantedBy=remote-fs.target\n".into(),
        ]);
        MountUnit { name, content }
    }

    /// The file system id (`fs-…`).
    pub fn file_system_id(&self) -> Value<String> {
        self.file_system.reference()
    }

    /// The file system ARN.
    pub fn arn(&self) -> Value<String> {
        self.file_system.attr_arn()
    }

    /// The access point id (`fsap-…`).
    pub fn access_point_id(&self) -> Value<String> {
        self.access_point.attr_access_point_id()
    }

    /// The access point ARN.
    pub fn access_point_arn(&self) -> Value<String> {
        self.access_point.attr_arn()
    }

    /// The file system's security tier (admit others with [`FileSystem::allow_from`]).
    pub fn security_tier(&self) -> &SecurityTier {
        &self.tier
    }

    /// The key encrypting the data.
    pub fn key(&self) -> &EncryptionKey {
        &self.key
    }

    /// The file system L1, for escape hatches.
    pub fn l1(&self) -> &Handle<efs::FileSystem> {
        &self.file_system
    }

    /// The mount target L1s, in subnet order.
    pub fn mount_targets(&self) -> &[Handle<efs::MountTarget>] {
        &self.mount_targets
    }

    /// The access point L1.
    pub fn access_point(&self) -> &Handle<efs::AccessPoint> {
        &self.access_point
    }
}

/// `systemd-escape --path`: `/var/lib/app media` → `var-lib-app\x20media`.
fn systemd_escape_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    let mut out = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '/' => out.push('-'),
            c if c.is_ascii_alphanumeric() || c == '_' || (c == '.' && i > 0) => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
    }
    if out.is_empty() { "-".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_points_are_escaped_as_systemd_does() {
        assert_eq!(
            systemd_escape_path("/var/lib/refarch/media"),
            "var-lib-refarch-media"
        );
        assert_eq!(systemd_escape_path("/mnt/my-files"), "mnt-my\\x2dfiles");
        assert_eq!(systemd_escape_path("/"), "-");
    }

    #[test]
    fn props_name_the_field_at_fault() {
        let ok = FileSystemProps::for_user(1500, 1500, "/media");
        assert!(ok.validate().is_ok());
        let bad = |f: &dyn Fn(&mut FileSystemProps)| {
            let mut p = ok.clone();
            f(&mut p);
            p.validate().unwrap_err().0
        };
        assert_eq!(
            bad(&|p| p.root_directory = "media".into()),
            "root_directory"
        );
        assert_eq!(
            bad(&|p| p.root_directory = "/a/../b".into()),
            "root_directory"
        );
        assert_eq!(
            bad(&|p| p.root_permissions = "0789".into()),
            "root_permissions"
        );
        assert_eq!(bad(&|p| p.uid = 0), "uid");
        assert_eq!(
            bad(&|p| p.performance = PerformanceMode::MaxIo),
            "performance"
        );
        assert_eq!(TransitionDays::from_days(30), Some(TransitionDays::D30));
        assert_eq!(TransitionDays::from_days(31), None);
        assert_eq!(TransitionDays::D1.name(), "AFTER_1_DAY");
        assert_eq!(TransitionDays::D90.name(), "AFTER_90_DAYS");
    }
}
