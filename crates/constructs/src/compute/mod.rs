//! Compute: the auto-scaled workload and AMI layering.
//!
//! - [`Workload`]: launch template (AMI from SSM, IMDSv2, encrypted gp3, no key pair, a boot
//!   script that writes the app's settings files), instance role with Session Manager only,
//!   auto scaling group in private subnets with ELB health checks, rolling updates and CPU
//!   target tracking, and a target group health-checking the app's path;
//! - [`AmiPipeline`]: EC2 Image Builder building system → middleware → application images and
//!   publishing the application AMI id to the SSM parameter the workload reads.
//!
//! ```
//! use constructs::compute::{
//!     AmiPipeline, AmiPipelineProps, ComponentSpec, LayerSpec, Workload, WorkloadProps,
//! };
//! use constructs::network::{HaVpc, HaVpcProps};
//! use constructs::{Environment, Stack};
//!
//! let mut stack = Stack::new("Compute", Environment::region("eu-west-1", &[]))?;
//! let vpc = HaVpc::new(&mut stack.root(), "Vpc", &HaVpcProps::default())?;
//! let images = AmiPipeline::new(
//!     &mut stack.root(),
//!     "Images",
//!     &AmiPipelineProps {
//!         name: "dashboard".into(),
//!         application: LayerSpec {
//!             components: vec![ComponentSpec::commands("web", "The web server", ["dnf install -y nginx"])],
//!             version: "1.0".into(),
//!         },
//!         ..AmiPipelineProps::default()
//!     },
//!     vpc.vpc_id(),
//!     vpc.private_subnets(),
//! )?;
//! let web = Workload::new(
//!     &mut stack.root(),
//!     "Web",
//!     &WorkloadProps { ami: images.ami_source(), ..WorkloadProps::default() },
//!     vpc.vpc_id(),
//!     vpc.private_subnets(),
//! )?;
//! web.grant_read_parameters(&mut stack.root(), "WebReadsSettings", "/dashboard/dev")?;
//! assert_eq!(images.ami_parameter_name(), "/dashboard/ami/application");
//! # Ok::<(), constructs::ConstructError>(())
//! ```

pub mod ami_pipeline;
pub mod user_data;
pub mod workload;

pub use ami_pipeline::{
    AmiPipeline, AmiPipelineProps, ComponentBody, ComponentSpec, LayerSpec, ParentImage,
};
pub use user_data::UserDataFile;
pub use workload::{
    AL2023_AMI_PARAMETER, AmiSource, Capacity, HealthCheck, RollingUpdate, UpdateWait, Workload,
    WorkloadProps,
};
