//! Storage: shared file systems for the application tier, and the base of every bucket.
//!
//! - [`private_bucket`]: a versioned, encrypted bucket with public access blocked, which the
//!   library's buckets (logs, static files, pipeline artifacts) start from.
//! - [`FileSystem`]: an encrypted Amazon EFS file system with a mount target in every private
//!   subnet, a security tier of its own that admits only the tiers given to
//!   [`FileSystem::allow_from`] on NFS (2049), an access point that pins the POSIX user, a file
//!   system policy that refuses clients without TLS or outside the access point, backups and a
//!   lifecycle policy; instances mount it with [`FileSystem::mount_unit`].
//!
//! ```
//! use constructs::network::{HaVpc, HaVpcProps};
//! use constructs::storage::{FileSystem, FileSystemProps};
//! use constructs::{Environment, Stack};
//!
//! let mut stack = Stack::new("Data", Environment::region("eu-west-1", &[]))?;
//! let vpc = HaVpc::new(&mut stack.root(), "Vpc", &HaVpcProps::default())?;
//! let files = FileSystem::new(
//!     &mut stack.root(),
//!     "Media",
//!     &FileSystemProps::for_user(1500, 1500, "/media"),
//!     vpc.vpc_id(),
//!     vpc.private_subnets(),
//! )?;
//! let unit = files.mount_unit("/var/lib/app/media");
//! assert_eq!(unit.name, "var-lib-app-media.mount");
//! # Ok::<(), constructs::ConstructError>(())
//! ```

mod bucket;
mod efs;

pub use bucket::{BucketKey, Ownership, private_bucket};

pub use efs::{
    FileSystem, FileSystemProps, MountUnit, NFS_PORT, PerformanceMode, ThroughputMode,
    TransitionDays,
};
