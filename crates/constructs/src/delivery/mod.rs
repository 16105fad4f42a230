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
//!         repository: "btower-labz/django-dashboard-black".into(),
//!         branch: "feature/decoupling".into(),
//!     },
//!     Rollout::InstanceRefresh { asg_name: "workload".into() },
//! );
//! assert!(props.buildspec().contains("python manage.py migrate --noinput"));
//! assert!(props.validate().is_ok());
//! ```

mod codedeploy;
mod migrations;

pub use codedeploy::{RollingConfig, WorkloadDeployment, WorkloadDeploymentProps};
pub use migrations::{
    BuildImage, MigrationPipeline, MigrationPipelineProps, PipelineSource, Rollout,
};
