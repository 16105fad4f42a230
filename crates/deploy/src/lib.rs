//! Ships a cloud assembly to AWS CloudFormation: `diff`, `deploy` (always through change sets) and
//! `destroy`. This crate knows templates, never constructs.
//!
//! # Layers
//!
//! * Pure, no I/O: [`assembly`] (the directory synth writes), [`template`] (capabilities,
//!   construct paths, deletion policies), [`planner`] (stack state → next action),
//!   [`changes`] (change model, approval policy), [`allow`] (`--allow-replace` scoped per stack), [`access`] (IAM / security-group widening),
//!   [`stateful`] (resources that hold data and the guard that protects them), [`preflight`]
//!   (what an assembly needs from the account before the first change set), [`diff`]
//!   (template diff with predicted replacement), [`params`].
//! * The adapter: [`cfn`] wraps `aws-sdk-cloudformation` (and S3 for large templates) with our
//!   own types, errors ([`error`]) and retries ([`retry`]: jittered, capped backoff).
//! * The engine: [`publish`] (file assets to the account's assets bucket), [`bucket_files`]
//!   (files into a bucket of a stack, after its change set), [`deploy`], [`destroy`],
//!   [`rollback`], [`import`] (existing resources into a stack), [`drift`], [`schedule`] (`--concurrency`: dependency order, N stacks at once), [`wait`] (bounded, cancellable polling), [`events`]
//!   (stack events since the change set was created, failure summaries), [`progress`] (what
//!   people see), [`cancel`] (Ctrl-C).
//! * The edge: [`cli`] (clap arguments and entry functions) and [`aws`] (standard AWS
//!   configuration).
//!
//! # Integration points
//!
//! * **Synth writes** `DIR/manifest.json` plus `DIR/<stack>.template.json`; the format is
//!   [`assembly::Manifest`] / [`assembly::StackManifest`] (serde, camelCase, `version: 1`, stacks
//!   in dependency order, unknown fields ignored). Each resource should carry
//!   `Metadata["construct:path"]` so failures name the construct.
//! * **The CLI binary** flattens [`cli::DeployArgs`], [`cli::DiffArgs`], [`cli::DestroyArgs`] into
//!   its subcommands and calls [`cli::deploy`] and [`cli::diff`] (passing the generated create-only
//!   metadata as a [`diff::CreateOnlyLookup`]), [`cli::destroy`], [`cli::rollback`],
//!   [`cli::import`] and [`cli::drift`] with the assembly directory.
//!   Each returns `Result<_, DeployError>`; print the error with `{}` and exit non-zero. For diff,
//!   exit with [`cli::DiffReport::exit_code`].
//!
//! ```no_run
//! # async fn run() -> Result<(), deploy::DeployError> {
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Cli {
//!     #[command(flatten)]
//!     deploy: deploy::cli::DeployArgs,
//! }
//! let cli = Cli::parse();
//! // The create-only lookup proves in-place updates of stateful resources; `no_metadata` knows
//! // no type (pass the pinned schemas' lookup when you have one).
//! let lookup = deploy::diff::no_metadata;
//! deploy::cli::deploy(std::path::Path::new("cdk.out"), &cli.deploy, lookup).await?;
//! # Ok(()) }
//! ```
//!
//! # Against a local emulator
//!
//! Every command takes `--endpoint-url` (or `AWS_ENDPOINT_URL`). The project's emulator
//! (`emulator/`: moto 5.2.5 with fixes for the change-set behaviours stock moto gets wrong, and
//! providers for the resource types moto cannot create; see `emulator/README.md`) is what the
//! tests use:
//!
//! ```text
//! scripts/emulator.sh --port 5000 &
//! AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
//!     refarch-app deploy --endpoint-url http://127.0.0.1:5000 --yes
//! ```
//!
//! Stock moto is not enough: among other things it answers DeleteChangeSet for a missing change
//! set with an HTTP 500, reports no outputs for stacks created through change sets, cannot
//! delete a VPC stack (its route tables and internet gateways leak), and silently skips the
//! resource types it has no model for (Aurora, ACM, Image Builder, CodePipeline...).
//!
//! # The planner and the diff, offline
//!
//! ```
//! use deploy::planner::{plan, Plan, StackState};
//! use deploy::template::Template;
//!
//! // A stack whose first create failed is deleted and created again.
//! let state = StackState { name: "Net".into(), status: "ROLLBACK_COMPLETE".into(), ..Default::default() };
//! assert!(matches!(plan(Some(&state)), Plan::DeleteAndRecreate { .. }));
//!
//! // Changing a create-only property predicts a replacement.
//! let old = Template::parse(r#"{"Resources":{"Vpc":{"Type":"AWS::EC2::VPC","Properties":{"CidrBlock":"10.0.0.0/16"}}}}"#)?;
//! let new = Template::parse(r#"{"Resources":{"Vpc":{"Type":"AWS::EC2::VPC","Properties":{"CidrBlock":"10.1.0.0/16"}}}}"#)?;
//! fn create_only(ty: &str) -> Option<&'static [&'static str]> {
//!     (ty == "AWS::EC2::VPC").then_some(&["CidrBlock"][..])
//! }
//! let d = deploy::diff::diff_templates(Some(&old), &new, create_only);
//! assert_eq!(d.resources[0].replacement, Some(deploy::changes::Replacement::True));
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod access;
pub mod allow;
pub mod assembly;
pub mod aws;
pub mod bucket_files;
pub mod cancel;
pub mod cfn;
pub mod changes;
pub mod cli;
pub mod deploy;
pub mod destroy;
pub mod diff;
pub mod drift;
pub mod error;
pub mod events;
pub mod import;
pub mod params;
pub mod planner;
pub mod preflight;
pub mod progress;
pub mod publish;
pub mod retry;
pub mod rollback;
pub mod schedule;
pub mod stateful;
pub mod template;
pub mod wait;

pub use assembly::{Assembly, AssemblyError};
pub use error::{ApiError, DeployError};
