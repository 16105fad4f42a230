//! `refarch-app`: synthesizes the reference architecture and ships it through change sets.
//!
//! ```text
//! refarch-app check [--config FILE]
//! refarch-app synth [--config FILE] [--out DIR] [--stdout] [--fsync]
//! refarch-app diff|deploy|destroy|rollback|import|drift [--config FILE] [--out DIR | --assembly DIR] [...]
//! refarch-app schema
//! refarch-app env --profile local|cloud
//! refarch-app contract
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use refarch_app::arch;
use refarch_app::config::{ConfigError, RefArchConfig};

/// The reference architecture: an HA web application on an Auto Scaling group behind an HTTPS
/// load balancer, with Aurora Serverless v2, secrets, a migrations pipeline and AMI layering.
#[derive(Debug, Parser)]
#[command(name = "refarch-app", version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML or JSON); without it the built-in default is used.
    /// `refarch-app schema` prints the accepted format.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the configuration (schema, rules across fields, and a synth in memory) and print
    /// every problem; writes nothing. Exits 0 when valid, 1 otherwise.
    Check,
    /// Synthesize the CloudFormation templates into a cloud assembly directory.
    Synth {
        /// Where to write the templates and manifest.json.
        #[arg(long, value_name = "DIR", default_value = "refarch.out")]
        out: PathBuf,
        /// Also print every template to stdout.
        #[arg(long)]
        stdout: bool,
        /// Sync the written files to stable storage before exiting (writes are atomic either
        /// way: temporary file, then rename).
        #[arg(long)]
        fsync: bool,
    },
    /// Compare the synthesized templates with the deployed stacks.
    Diff {
        /// Where to write the synthesized assembly.
        #[arg(long, value_name = "DIR", default_value = "refarch.out")]
        out: PathBuf,
        /// Use this previously synthesized assembly (e.g. a CI artifact of `synth --out DIR`)
        /// instead of synthesizing; its manifest version must be one this build reads.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "config"])]
        assembly: Option<PathBuf>,
        #[command(flatten)]
        args: deploy::cli::DiffArgs,
    },
    /// Synthesize, then create or update the stacks through change sets.
    Deploy {
        /// Where to write the synthesized assembly.
        #[arg(long, value_name = "DIR", default_value = "refarch.out")]
        out: PathBuf,
        /// Use this previously synthesized assembly (e.g. a CI artifact of `synth --out DIR`)
        /// instead of synthesizing; its manifest version must be one this build reads.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "config"])]
        assembly: Option<PathBuf>,
        #[command(flatten)]
        args: deploy::cli::DeployArgs,
    },
    /// Delete the stacks (dependents first); resources with a Retain policy are kept.
    Destroy {
        /// Where to write the synthesized assembly.
        #[arg(long, value_name = "DIR", default_value = "refarch.out")]
        out: PathBuf,
        /// Use this previously synthesized assembly (e.g. a CI artifact of `synth --out DIR`)
        /// instead of synthesizing; its manifest version must be one this build reads.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "config"])]
        assembly: Option<PathBuf>,
        #[command(flatten)]
        args: deploy::cli::DestroyArgs,
    },
    /// Roll back stacks a failed operation left behind: continue a failed update rollback
    /// (UPDATE_ROLLBACK_FAILED, with --skip), or roll back a --no-rollback failure.
    Rollback {
        /// Where to write the synthesized assembly.
        #[arg(long, value_name = "DIR", default_value = "refarch.out")]
        out: PathBuf,
        /// Use this previously synthesized assembly (e.g. a CI artifact of `synth --out DIR`)
        /// instead of synthesizing; its manifest version must be one this build reads.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "config"])]
        assembly: Option<PathBuf>,
        #[command(flatten)]
        args: deploy::cli::RollbackArgs,
    },
    /// Show what changed outside CloudFormation (drift detection), defaults hidden.
    Drift {
        /// Where to write the synthesized assembly.
        #[arg(long, value_name = "DIR", default_value = "refarch.out")]
        out: PathBuf,
        /// Use this previously synthesized assembly instead of synthesizing.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "config"])]
        assembly: Option<PathBuf>,
        #[command(flatten)]
        args: deploy::cli::DriftArgs,
    },
    /// Import existing resources (made by hand, or kept by Retain) into a stack; then deploy.
    Import {
        /// Where to write the synthesized assembly.
        #[arg(long, value_name = "DIR", default_value = "refarch.out")]
        out: PathBuf,
        /// Use this previously synthesized assembly instead of synthesizing.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["out", "config"])]
        assembly: Option<PathBuf>,
        #[command(flatten)]
        args: deploy::cli::ImportArgs,
    },
    /// Print the JSON Schema of the configuration file.
    Schema,
    /// Print the settings contract the application loads (app/refarch_site/contract.json).
    Contract,
    /// Print the application's env for a profile: the dotenv file for local, the env file
    /// instances get for cloud (its values are then read from SSM and Secrets Manager).
    Env {
        /// Which profile to render.
        #[arg(long, value_enum, default_value_t = Profile::Local)]
        profile: Profile,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Profile {
    /// Settings for running the app on a workstation.
    Local,
    /// Settings the app reads in AWS.
    Cloud,
}

fn load_config(path: Option<&Path>) -> Result<RefArchConfig, ConfigError> {
    match path {
        Some(p) => RefArchConfig::load(p),
        None => Ok(RefArchConfig::default()),
    }
}

/// Synthesizes into `out`, printing a short summary to stderr.
fn synth_to(config: &RefArchConfig, out: &Path) -> anyhow::Result<synth::Assembly> {
    synth_with(config, out, synth::WriteOptions::default())
}

/// Synthesizes into `out` with the given write options, printing a short summary to stderr.
fn synth_with(
    config: &RefArchConfig,
    out: &Path,
    options: synth::WriteOptions,
) -> anyhow::Result<synth::Assembly> {
    let started = Instant::now();
    let assembly = arch::synthesize(config)?;
    assembly
        .write_with(out, options)
        .with_context(|| format!("writing the cloud assembly to {}", out.display()))?;
    for w in &assembly.warnings {
        eprintln!("{w}");
    }
    let total: usize = assembly.stacks.iter().map(|s| s.resource_count()).sum();
    eprintln!(
        "synthesized {} stacks, {total} resources in {:.1} ms -> {}",
        assembly.stacks.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        out.display()
    );
    for s in &assembly.stacks {
        eprintln!(
            "  {:<28} {:>4} resources  {:>7} bytes  {}",
            s.name,
            s.resource_count(),
            s.body.len(),
            s.template_file()
        );
    }
    Ok(assembly)
}

/// Writes `text` to stdout. A reader that went away (`refarch-app synth --stdout | head`) is a
/// normal end, as for `cat` and `git`: the command stops quietly with success.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(anyhow::Error::new(e).context("writing to standard output")),
    }
}

/// The assembly to act on: `assembly` as given, or a fresh synth of the configuration into `out`.
fn assembly_dir(
    config: Option<&Path>,
    out: PathBuf,
    assembly: Option<PathBuf>,
) -> anyhow::Result<PathBuf> {
    match assembly {
        Some(dir) => Ok(dir),
        None => {
            synth_to(&load_config(config)?, &out)?;
            Ok(out)
        }
    }
}

fn create_only(type_name: &str) -> Option<&'static [&'static str]> {
    constructs::resources::schema_for(type_name).map(|s| s.create_only)
}

/// Runs `future` (a command that talks to AWS) on a multi-threaded Tokio runtime. Commands
/// that do not talk to AWS never start one: `synth` is a short, single-threaded program.
fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    Ok(runtime.block_on(future))
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Check => {
            let label = cli.config.as_deref().map_or_else(
                || "the built-in default configuration".to_owned(),
                |p| p.display().to_string(),
            );
            let checked = load_config(cli.config.as_deref())
                .map_err(anyhow::Error::new)
                .and_then(|config| arch::synthesize(&config));
            match checked {
                Ok(assembly) => {
                    let total: usize = assembly.stacks.iter().map(|s| s.resource_count()).sum();
                    emit(&format!(
                        "{label}: ok ({} stacks, {total} resources)\n",
                        assembly.stacks.len()
                    ))?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => match e.downcast_ref::<ConfigError>() {
                    Some(c) => {
                        let lines = c.lines();
                        for line in &lines {
                            eprintln!("{line}");
                        }
                        eprintln!("{label}: {} problem(s)", lines.len());
                        Ok(ExitCode::FAILURE)
                    }
                    None => Err(e),
                },
            }
        }
        Command::Synth { out, stdout, fsync } => {
            let config = load_config(cli.config.as_deref())?;
            let assembly = synth_with(&config, &out, synth::WriteOptions { durable: fsync })?;
            if stdout {
                for s in &assembly.stacks {
                    emit(&s.body)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            out,
            assembly,
            args,
        } => {
            let out = assembly_dir(cli.config.as_deref(), out, assembly)?;
            let report = block_on(deploy::cli::diff(&out, &args, create_only))??;
            Ok(ExitCode::from(
                u8::try_from(report.exit_code(args.fail)).unwrap_or(1),
            ))
        }
        Command::Deploy {
            out,
            assembly,
            args,
        } => {
            let out = assembly_dir(cli.config.as_deref(), out, assembly)?;
            block_on(deploy::cli::deploy(&out, &args, create_only))??;
            Ok(ExitCode::SUCCESS)
        }
        Command::Destroy {
            out,
            assembly,
            args,
        } => {
            let out = assembly_dir(cli.config.as_deref(), out, assembly)?;
            block_on(deploy::cli::destroy(&out, &args))??;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollback {
            out,
            assembly,
            args,
        } => {
            let out = assembly_dir(cli.config.as_deref(), out, assembly)?;
            block_on(deploy::cli::rollback(&out, &args))??;
            Ok(ExitCode::SUCCESS)
        }
        Command::Drift {
            out,
            assembly,
            args,
        } => {
            let out = assembly_dir(cli.config.as_deref(), out, assembly)?;
            let report = block_on(deploy::cli::drift(&out, &args))??;
            let drifted = report.iter().any(deploy::drift::StackDrift::has_drift);
            Ok(ExitCode::from(u8::from(args.fail && drifted)))
        }
        Command::Import {
            out,
            assembly,
            args,
        } => {
            let out = assembly_dir(cli.config.as_deref(), out, assembly)?;
            block_on(deploy::cli::import(&out, &args))??;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema => {
            let schema = refarch_app::schema::schema();
            emit(&format!("{}\n", serde_json::to_string_pretty(&schema)?))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Contract => {
            emit(&refarch_app::contract::contract().json())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Env { profile } => {
            let config = load_config(cli.config.as_deref())?;
            let text = match profile {
                Profile::Local => arch::local_env(&config)?,
                Profile::Cloud => arch::cloud_env(&config),
            };
            emit(&text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            // 130 when interrupted (Ctrl-C, SIGTERM), as for a process ended by SIGINT.
            e.downcast_ref::<deploy::DeployError>()
                .map_or(ExitCode::FAILURE, |d| ExitCode::from(d.exit_code()))
        }
    }
}
