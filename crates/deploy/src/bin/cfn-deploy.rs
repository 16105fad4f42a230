//! `cfn-deploy`: ships a cloud assembly synthesized earlier (by `refarch-app synth`, or any tool
//! that writes the manifest format of [`deploy::assembly`]) through change sets. Synthesize in
//! one CI job, keep the directory as an artifact, deploy it in another:
//!
//! ```text
//! cfn-deploy deploy   --assembly DIR [--stack NAME] [--yes] [--no-rollback] [...]
//! cfn-deploy diff     --assembly DIR [--fail]
//! cfn-deploy destroy  --assembly DIR [--stack NAME] [--yes]
//! cfn-deploy rollback --assembly DIR --stack NAME [--skip LOGICAL_ID]
//! cfn-deploy drift    --assembly DIR [--all] [--fail]
//! cfn-deploy import   --assembly DIR --stack NAME --resource LOGICAL_ID:PROPERTY=VALUE
//! ```
//!
//! Exit status: 0 on success, 1 on failure (and for `diff --fail` with differences), 130 when
//! interrupted by Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Deploy, diff, destroy or roll back the stacks of a synthesized cloud assembly.
#[derive(Debug, Parser)]
#[command(name = "cfn-deploy", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create or update the stacks through change sets.
    Deploy {
        /// The assembly directory (manifest.json and the templates).
        #[arg(long, value_name = "DIR")]
        assembly: PathBuf,
        #[command(flatten)]
        args: deploy::cli::DeployArgs,
    },
    /// Compare the assembly's templates with the deployed stacks.
    Diff {
        /// The assembly directory.
        #[arg(long, value_name = "DIR")]
        assembly: PathBuf,
        #[command(flatten)]
        args: deploy::cli::DiffArgs,
    },
    /// Delete the stacks, dependents first.
    Destroy {
        /// The assembly directory.
        #[arg(long, value_name = "DIR")]
        assembly: PathBuf,
        #[command(flatten)]
        args: deploy::cli::DestroyArgs,
    },
    /// Show what changed outside CloudFormation (drift detection).
    Drift {
        /// The assembly directory.
        #[arg(long, value_name = "DIR")]
        assembly: PathBuf,
        #[command(flatten)]
        args: deploy::cli::DriftArgs,
    },
    /// Import existing resources into a stack (an IMPORT change set).
    Import {
        /// The assembly directory.
        #[arg(long, value_name = "DIR")]
        assembly: PathBuf,
        #[command(flatten)]
        args: deploy::cli::ImportArgs,
    },
    /// Roll back stacks a failed operation left behind.
    Rollback {
        /// The assembly directory.
        #[arg(long, value_name = "DIR")]
        assembly: PathBuf,
        #[command(flatten)]
        args: deploy::cli::RollbackArgs,
    },
}

async fn run(cli: Cli) -> Result<ExitCode, deploy::DeployError> {
    match cli.command {
        Command::Deploy { assembly, args } => {
            deploy::cli::deploy(&assembly, &args, deploy::diff::no_metadata).await?;
        }
        Command::Diff { assembly, args } => {
            let report = deploy::cli::diff(&assembly, &args, deploy::diff::no_metadata).await?;
            return Ok(ExitCode::from(
                u8::try_from(report.exit_code(args.fail)).unwrap_or(1),
            ));
        }
        Command::Destroy { assembly, args } => {
            deploy::cli::destroy(&assembly, &args).await?;
        }
        Command::Drift { assembly, args } => {
            let report = deploy::cli::drift(&assembly, &args).await?;
            let drifted = report.iter().any(deploy::drift::StackDrift::has_drift);
            return Ok(ExitCode::from(u8::from(args.fail && drifted)));
        }
        Command::Import { assembly, args } => {
            deploy::cli::import(&assembly, &args).await?;
        }
        Command::Rollback { assembly, args } => {
            deploy::cli::rollback(&assembly, &args).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
