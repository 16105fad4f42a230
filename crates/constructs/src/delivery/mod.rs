//! Delivery: the migrations pipeline and CodeDeploy for the workload.
//!
//! - [`MigrationPipeline`]: Source → Migrate (CodeBuild inside the VPC, reaching the database)
//!   → manual approval → roll the workload ([`Rollout::InstanceRefresh`] or
//!   [`Rollout::CodeDeploy`]);
//! - [`WorkloadDeployment`]: CodeDeploy application and rolling in-place deployment group on
//!   the workload's auto scaling group.
//!
//! ```
//! use constructs::delivery::{MigrationPipelineProps, PipelineSource, Rollout};
//!
//! let props = MigrationPipelineProps::new(
//!     PipelineSource::Connection {
//!         connection_arn: "arn:aws:codeconnections:eu-west-1:123456789012:connection/x".into(),
//!         repository: "example/shop".into(),
//!         branch: "main".into(),
//!     },
//!     Rollout::InstanceRefresh { asg_name: "workload".into() },
//!     "bin/migrate --yes",
//! );
//! assert!(props.buildspec().contains("\"bin/migrate --yes\""));
//! assert!(props.validate().is_ok());
//! ```

mod codedeploy;
mod migrations;

pub use codedeploy::{RollingConfig, WorkloadDeployment, WorkloadDeploymentProps};
pub use migrations::{
    BuildImage, MigrationPipeline, MigrationPipelineProps, PipelineSource, Rollout,
};
