//! Command-line arguments and entry points for `diff`, `deploy` and `destroy`.
//!
//! The binary (`refarch-app`) embeds [`DeployArgs`], [`DiffArgs`] and [`DestroyArgs`] as clap
//! subcommand arguments and calls [`deploy`], [`diff`] and [`destroy`] with the assembly directory
//! it synthesized into. Results go to stdout, progress to stderr; errors are returned for the
//! binary to print (their messages say what to do).

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use aws_config::SdkConfig;

use crate::allow::AllowReplace;
use crate::assembly::{Assembly, StackArtifact};
use crate::aws::{AwsArgs, load_config};
use crate::cancel::Cancel;
use crate::cfn::Cfn;
use crate::changes::RequireApproval;
use crate::deploy::{
    AfterStack, Approval, DEFAULT_CHANGE_SET_NAME, DeployOptions, StackOutcome,
    deploy_assembly_partial,
};
use crate::destroy::{DestroyOutcome, destroy_assembly};
use crate::diff::{CreateOnlyLookup, TemplateDiff, diff_templates};
use crate::error::DeployError;
use crate::params::ParameterOverride;
use crate::progress::{Console, Notice, Observer};
use crate::retry::Timing;
use crate::template::Template;

/// Parses `90s`, `15m`, `2h` or a bare number of seconds.
///
/// # Errors
/// A message naming the accepted forms.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration such as 90s, 15m or 2h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "ms" => return Ok(Duration::from_millis(n)),
        _ => return Err(format!("`{s}` is not a duration such as 90s, 15m or 2h")),
    };
    Ok(Duration::from_secs(secs))
}

/// `deploy`: create or update stacks through change sets.
#[derive(Debug, Clone, clap::Args)]
pub struct DeployArgs {
    /// Deploy only this stack (and the stacks it depends on); repeatable. Default: all stacks.
    #[arg(long = "stack", value_name = "NAME")]
    pub stacks: Vec<String>,
    /// When to stop and ask before executing: never, broadening (IAM or network access widens), any-change.
    #[arg(long, value_enum, default_value_t = RequireApproval::Broadening)]
    pub require_approval: RequireApproval,
    /// Create and show the change set, but leave it for review instead of executing it.
    #[arg(long)]
    pub no_execute: bool,
    /// Approve without asking (for scripts and CI).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Allow replacing or removing this stateful resource (database, bucket, hosted zone, ...)
    /// of this stack; repeatable. A bare logical id is accepted when only one selected stack has
    /// it. Its data is lost unless its policies keep it.
    #[arg(long = "allow-replace", value_name = "[STACK:]LOGICAL_ID")]
    pub allow_replace: Vec<AllowReplace>,
    /// Parameter value, for every stack that declares KEY or only for STACK; repeatable.
    #[arg(long = "parameter", value_name = "[STACK:]KEY=VALUE")]
    pub parameters: Vec<ParameterOverride>,
    /// S3 bucket to upload templates larger than 51,200 bytes to.
    #[arg(long, value_name = "BUCKET")]
    pub template_bucket: Option<String>,
    /// Prefix of the change set names deploy creates; each run adds a unique suffix, so two
    /// runs never delete or execute each other's change set.
    #[arg(long, value_name = "PREFIX", default_value = DEFAULT_CHANGE_SET_NAME)]
    pub change_set_name: String,
    /// Do not roll back a failed create or update: keep what succeeded, fix, and deploy again
    /// with --no-rollback to continue from there (or run `rollback`). For fast iteration, as
    /// `cdk deploy --no-rollback`.
    #[arg(long)]
    pub no_rollback: bool,
    /// IAM role CloudFormation assumes to change the stacks (instead of your credentials).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// SNS topic that receives the stacks' events; repeatable.
    #[arg(long = "notification-arn", value_name = "ARN")]
    pub notification_arns: Vec<String>,
    /// Deploy up to N independent stacks at once (a stack still waits for those it depends on).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
    /// Write every deployed stack's outputs to FILE as JSON ({"Stack": {"Key": "value"}}),
    /// also when a later stack fails (then with the stacks that finished).
    #[arg(long, value_name = "FILE")]
    pub outputs_file: Option<std::path::PathBuf>,
    /// Longest wait for one stack operation (e.g. 30m, 2h). The default leaves room for stacks
    /// that build AMIs while they deploy.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "3h")]
    pub timeout: Duration,
    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `diff`: compare the local templates with the deployed ones.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// Diff only this stack; repeatable. Default: all stacks.
    #[arg(long = "stack", value_name = "NAME")]
    pub stacks: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 when there are differences (for pipelines).
    #[arg(long)]
    pub fail: bool,
    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `destroy`: delete stacks, dependents first.
#[derive(Debug, Clone, clap::Args)]
pub struct DestroyArgs {
    /// Destroy only this stack; repeatable. Default: all stacks. Stacks that depend on it are
    /// not deleted for you: name them too.
    #[arg(long = "stack", value_name = "NAME")]
    pub stacks: Vec<String>,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Longest wait for one stack deletion (e.g. 30m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60m")]
    pub timeout: Duration,
    /// IAM role CloudFormation assumes to delete the stacks.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Delete up to N stacks at once (a stack still waits for the stacks that depend on it).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `drift`: what changed outside CloudFormation.
#[derive(Debug, Clone, clap::Args)]
pub struct DriftArgs {
    /// Check only this stack; repeatable. Default: all stacks.
    #[arg(long = "stack", value_name = "NAME")]
    pub stacks: Vec<String>,
    /// Also show differences in properties the template does not set (service defaults).
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit with status 1 when a stack drifted (for pipelines).
    #[arg(long)]
    pub fail: bool,
    /// Longest wait for one stack's detection.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "15m")]
    pub timeout: Duration,
    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `drift` and prints the report; the caller exits 1 when `--fail` and something drifted.
///
/// # Errors
/// [`DeployError`].
pub async fn drift(
    assembly_dir: &Path,
    args: &DriftArgs,
) -> Result<Vec<crate::drift::StackDrift>, DeployError> {
    let timing = Timing {
        timeout: args.timeout,
        ..Timing::default()
    };
    let config = load_config(&args.aws, &timing).await?;
    let report = drift_with(assembly_dir, args, &config, &timing, &Cancel::on_ctrl_c()).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        for s in &report {
            print!("{}", s.render());
        }
    }
    Ok(report)
}

/// [`drift`] without printing.
///
/// # Errors
/// [`DeployError`].
pub async fn drift_with(
    assembly_dir: &Path,
    args: &DriftArgs,
    config: &SdkConfig,
    timing: &Timing,
    cancel: &Cancel,
) -> Result<Vec<crate::drift::StackDrift>, DeployError> {
    let assembly = Assembly::load(assembly_dir)?;
    let stacks = assembly.select(&args.stacks, false)?;
    let cfn_for = client_for(config, timing);
    let mut out = Vec::new();
    for artifact in stacks {
        out.push(
            crate::drift::detect(&cfn_for(artifact), artifact.name(), args.all, cancel).await?,
        );
    }
    Ok(out)
}

/// `import`: bring existing resources (made by hand, or kept by `Retain`) under a stack.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The stack to import into (it may not exist yet).
    #[arg(long = "stack", value_name = "NAME")]
    pub stack: String,
    /// Which template resource is which existing resource, by the type's identifier property,
    /// e.g. `Data:BucketName=my-bucket`; repeatable. The resource needs a DeletionPolicy.
    #[arg(
        long = "resource",
        value_name = "LOGICAL_ID:PROPERTY=VALUE",
        required = true
    )]
    pub resources: Vec<crate::import::ImportSpec>,
    /// IAM role CloudFormation assumes for the import.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Longest wait for the import.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60m")]
    pub timeout: Duration,
    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Runs `import`, then says that `deploy` applies the rest of the template.
///
/// # Errors
/// [`DeployError`].
pub async fn import(
    assembly_dir: &Path,
    args: &ImportArgs,
) -> Result<crate::import::ImportOutcome, DeployError> {
    let timing = Timing {
        timeout: args.timeout,
        ..Timing::default()
    };
    let config = load_config(&args.aws, &timing).await?;
    let cancel = Cancel::on_ctrl_c();
    let out = import_with(
        assembly_dir,
        args,
        &config,
        &timing,
        &Console::default(),
        &cancel,
    )
    .await?;
    println!(
        "{}: {}, imported {}; run deploy to apply the rest of the template",
        out.stack,
        out.status,
        out.imported.join(", ")
    );
    Ok(out)
}

/// [`import`] with configuration, timing, display and cancellation supplied by the caller.
///
/// # Errors
/// [`DeployError`].
pub async fn import_with(
    assembly_dir: &Path,
    args: &ImportArgs,
    config: &SdkConfig,
    timing: &Timing,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<crate::import::ImportOutcome, DeployError> {
    let assembly = Assembly::load(assembly_dir)?;
    let stacks = assembly.select(std::slice::from_ref(&args.stack), false)?;
    let artifact = stacks[0];
    let mut requirements = crate::preflight::requirements(&stacks, None);
    requirements.zones.clear();
    requirements.oversized.clear();
    let problems = crate::preflight::check(
        &requirements,
        &crate::preflight::AwsProbe::new(config, timing),
    )
    .await;
    if !problems.is_empty() {
        return Err(DeployError::Preflight(problems));
    }
    let options = DeployOptions {
        role_arn: args.role_arn.clone(),
        ..DeployOptions::default()
    };
    crate::import::import_resources(
        &client_for(config, timing)(artifact),
        artifact,
        &args.resources,
        &options,
        observer,
        cancel,
    )
    .await
}

/// `rollback`: return stacks a failed operation left behind to their last good state.
#[derive(Debug, Clone, clap::Args)]
pub struct RollbackArgs {
    /// The stack to roll back; repeatable (at least one).
    #[arg(long = "stack", value_name = "NAME", required = true)]
    pub stacks: Vec<String>,
    /// For a stack in UPDATE_ROLLBACK_FAILED: skip this resource (logical id) that cannot be
    /// rolled back (changed or deleted by hand); repeatable. CloudFormation leaves it as it is.
    #[arg(long = "skip", value_name = "LOGICAL_ID")]
    pub skip: Vec<String>,
    /// IAM role CloudFormation assumes for the rollback.
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Longest wait for one stack's rollback.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60m")]
    pub timeout: Duration,
    /// AWS settings.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// One client per stack, in the stack's own region when the manifest names one.
pub fn client_for(config: &SdkConfig, timing: &Timing) -> impl Fn(&StackArtifact) -> Cfn {
    let config = config.clone();
    let timing = timing.clone();
    move |artifact: &StackArtifact| {
        Cfn::new(
            &config,
            artifact.manifest.environment.region.as_deref(),
            timing.clone(),
        )
    }
}

impl DeployArgs {
    /// The engine options these arguments ask for. `interactive`: whether a person can be asked
    /// (approval is then prompted for instead of failing). The create-only lookup is the
    /// crate's empty one; callers with pinned schemas set [`DeployOptions::create_only`].
    pub fn options(&self, interactive: bool) -> DeployOptions {
        DeployOptions {
            parameters: self.parameters.clone(),
            require_approval: self.require_approval,
            approval: if self.yes {
                Approval::AssumeYes
            } else if interactive {
                Approval::Prompt
            } else {
                Approval::Unavailable
            },
            execute: !self.no_execute,
            allow_replace: self.allow_replace.clone(),
            template_bucket: self.template_bucket.clone(),
            change_set_name: self.change_set_name.clone(),
            rollback: !self.no_rollback,
            role_arn: self.role_arn.clone(),
            notification_arns: self.notification_arns.clone(),
            create_only: crate::diff::no_metadata,
            concurrency: usize::from(self.concurrency),
        }
    }
}

/// Runs `deploy` for the assembly in `assembly_dir`: prints progress to stderr and each stack's
/// outcome and outputs to stdout. Ctrl-C stops waiting and says how to resume. `create_only`:
/// the pinned schemas' create-only properties, which prove in-place updates of stateful
/// resources when the service cannot say.
///
/// # Errors
/// [`DeployError`]; its message tells the user what to do (exit with
/// [`DeployError::exit_code`]).
pub async fn deploy(
    assembly_dir: &Path,
    args: &DeployArgs,
    create_only: CreateOnlyLookup,
) -> Result<Vec<StackOutcome>, DeployError> {
    let timing = Timing {
        timeout: args.timeout,
        ..Timing::default()
    };
    let config = load_config(&args.aws, &timing).await?;
    let cancel = Cancel::on_ctrl_c();
    let outcomes = deploy_with_lookup(
        assembly_dir,
        args,
        create_only,
        &config,
        &timing,
        &Console::default(),
        &cancel,
    )
    .await?;
    print!("{}", render_outcomes(&outcomes));
    Ok(outcomes)
}

/// [`deploy`] with the configuration, timing, display and cancellation supplied by the caller,
/// and nothing printed to stdout (for embedding and tests). `args.aws` and `args.timeout` are
/// not read; the configuration and `timing` stand for them.
///
/// # Errors
/// [`DeployError`].
pub async fn deploy_with(
    assembly_dir: &Path,
    args: &DeployArgs,
    config: &SdkConfig,
    timing: &Timing,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Vec<StackOutcome>, DeployError> {
    deploy_with_lookup(
        assembly_dir,
        args,
        crate::diff::no_metadata,
        config,
        timing,
        observer,
        cancel,
    )
    .await
}

/// [`deploy_with`] with the pinned schemas' create-only properties (see [`deploy`]).
///
/// # Errors
/// [`DeployError`].
pub async fn deploy_with_lookup(
    assembly_dir: &Path,
    args: &DeployArgs,
    create_only: CreateOnlyLookup,
    config: &SdkConfig,
    timing: &Timing,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Vec<StackOutcome>, DeployError> {
    let assembly = Assembly::load(assembly_dir)?;
    let stacks = assembly.select(&args.stacks, true)?;
    let options = DeployOptions {
        create_only,
        ..args.options(std::io::stdin().is_terminal())
    };
    let requirements = crate::preflight::requirements(&stacks, options.template_bucket.as_deref());
    let probe = crate::preflight::AwsProbe::new(config, timing);
    let problems = crate::preflight::check(&requirements, &probe).await;
    if !problems.is_empty() {
        return Err(DeployError::Preflight(problems));
    }
    publish_assets(&assembly, &stacks, config, timing, &probe, observer).await?;
    let sets = crate::bucket_files::load(&assembly.dir)?;
    let account = if sets
        .iter()
        .any(|f| stacks.iter().any(|s| s.name() == f.stack))
    {
        use crate::preflight::Probe as _;
        probe.caller_account().await?
    } else {
        String::new()
    };
    let after = PublishFiles {
        dir: &assembly.dir,
        sets,
        config,
        timing,
        account,
        observer,
    };
    let run = deploy_assembly_partial(
        &client_for(config, timing),
        &stacks,
        &options,
        observer,
        cancel,
        &after,
    )
    .await;
    if let Some(path) = &args.outputs_file {
        write_outputs(path, &run.outcomes)?;
    }
    match run.error {
        Some(e) => Err(e),
        None => Ok(run.outcomes),
    }
}

/// Writes `{"Stack": {"OutputKey": "value", ...}, ...}` for the stacks that finished (a stack
/// left for review has no entry), through a temporary file renamed into place.
///
/// # Errors
/// [`DeployError::Config`] naming the file when it cannot be written.
pub fn write_outputs(path: &Path, outcomes: &[StackOutcome]) -> Result<(), DeployError> {
    let mut all = serde_json::Map::new();
    for o in outcomes {
        let (stack, outputs) = match o {
            StackOutcome::Deployed { stack, outputs, .. }
            | StackOutcome::NoChanges { stack, outputs } => (stack, outputs),
            StackOutcome::ChangeSetCreated { .. } => continue,
        };
        let map: serde_json::Map<String, serde_json::Value> = outputs
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        all.insert(stack.clone(), serde_json::Value::Object(map));
    }
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(all))
        .unwrap_or_else(|_| "{}".into());
    let tmp = path.with_extension("tmp-outputs");
    std::fs::write(&tmp, text + "\n")
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            DeployError::Config(format!(
                "--outputs-file {}: cannot write it: {e}",
                path.display()
            ))
        })
}

/// Publishes the bucket-files assets of a stack once its change set has run.
struct PublishFiles<'a> {
    dir: &'a Path,
    sets: Vec<crate::bucket_files::BucketFiles>,
    config: &'a SdkConfig,
    timing: &'a Timing,
    account: String,
    observer: &'a dyn Observer,
}

impl AfterStack for PublishFiles<'_> {
    fn after<'a>(
        &'a self,
        artifact: &'a StackArtifact,
        outcome: &'a StackOutcome,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DeployError>> + Send + 'a>>
    {
        Box::pin(async move {
            let outputs = match outcome {
                StackOutcome::Deployed { outputs, .. }
                | StackOutcome::NoChanges { outputs, .. } => outputs,
                StackOutcome::ChangeSetCreated { .. } => {
                    for set in self.sets.iter().filter(|f| f.stack == artifact.name()) {
                        self.observer.notice(Notice::Info(format!(
                            "asset {}: not published (the change set of {} was not executed)",
                            set.file, set.stack
                        )));
                    }
                    return Ok(());
                }
            };
            let region = artifact.manifest.environment.region.as_deref();
            let publisher =
                crate::publish::Publisher::new(self.config, region, &self.account, self.timing);
            for set in self.sets.iter().filter(|f| f.stack == artifact.name()) {
                let bucket = crate::bucket_files::bucket_of(set, outputs)?;
                let done = publisher.publish_files(self.dir, set, &bucket).await?;
                self.observer.notice(Notice::Info(format!(
                    "asset {} ({}): {} file(s) uploaded, {} unchanged in s3://{}/{}",
                    set.file,
                    set.asset_id,
                    done.uploaded,
                    done.unchanged,
                    done.bucket,
                    set.key_prefix
                )));
            }
            Ok(())
        })
    }
}

/// Uploads the assets `stacks` use to the caller's assets bucket of each stack's region.
async fn publish_assets(
    assembly: &Assembly,
    stacks: &[&StackArtifact],
    config: &SdkConfig,
    timing: &Timing,
    probe: &crate::preflight::AwsProbe,
    observer: &dyn Observer,
) -> Result<(), DeployError> {
    use crate::preflight::Probe as _;
    use crate::publish::{Published, Publisher};
    let assets = assembly.assets_of(stacks);
    if assets.is_empty() {
        return Ok(());
    }
    let account = probe.caller_account().await?;
    let mut regions: Vec<Option<&str>> = Vec::new();
    for s in stacks {
        let region = s.manifest.environment.region.as_deref();
        if !s.manifest.assets.is_empty() && !regions.contains(&region) {
            regions.push(region);
        }
    }
    for region in regions {
        let publisher = Publisher::new(config, region, &account, timing);
        for asset in &assets {
            let used_here = stacks.iter().any(|s| {
                s.manifest.environment.region.as_deref() == region
                    && s.manifest.assets.contains(&asset.id)
            });
            if !used_here {
                continue;
            }
            let line = match publisher.publish(&assembly.dir, asset).await? {
                Published::Uploaded { bucket, key, bytes } => {
                    format!(
                        "asset {}: uploaded {bytes} bytes to s3://{bucket}/{key}",
                        asset.file
                    )
                }
                Published::Present { bucket, key } => {
                    format!("asset {}: already in s3://{bucket}/{key}", asset.file)
                }
            };
            observer.notice(Notice::Info(line));
        }
    }
    Ok(())
}

/// Text for deploy outcomes: one line per stack, then its outputs.
pub fn render_outcomes(outcomes: &[StackOutcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let (stack, headline, outputs) = match o {
            StackOutcome::Deployed {
                stack,
                status,
                outputs,
            } => (stack, status.clone(), outputs.as_slice()),
            StackOutcome::NoChanges { stack, outputs } => {
                (stack, "no changes".to_owned(), outputs.as_slice())
            }
            StackOutcome::ChangeSetCreated {
                stack, change_set, ..
            } => (
                stack,
                format!("change set {change_set} created, not executed"),
                &[][..],
            ),
        };
        out.push_str(&format!("{stack}: {headline}\n"));
        for (k, v) in outputs {
            out.push_str(&format!("  {stack}.{k} = {v}\n"));
        }
    }
    out
}

/// The result of [`diff`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct DiffReport {
    /// Per stack: name, whether it is deployed, and the diff.
    pub stacks: Vec<StackDiff>,
}

/// One stack's diff.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StackDiff {
    /// Stack name.
    pub stack: String,
    /// Whether the stack exists.
    pub deployed: bool,
    /// The differences.
    pub diff: TemplateDiff,
}

impl DiffReport {
    /// Whether any stack differs.
    pub fn has_changes(&self) -> bool {
        self.stacks.iter().any(|s| s.diff.has_changes())
    }

    /// `1` when `fail_on_changes` and something differs, else `0`.
    pub fn exit_code(&self, fail_on_changes: bool) -> i32 {
        i32::from(fail_on_changes && self.has_changes())
    }

    /// Text for people.
    pub fn render(&self) -> String {
        self.stacks
            .iter()
            .map(|s| {
                let note = if s.deployed {
                    ""
                } else {
                    " (not deployed yet)"
                };
                let text = s.diff.render(&s.stack);
                match text.split_once('\n') {
                    Some((first, rest)) => format!("{first}{note}\n{rest}"),
                    None => text,
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Diffs each selected stack's local template against the deployed one, with the given
/// create-only metadata. Prints text or JSON to stdout; the caller exits with
/// [`DiffReport::exit_code`].
///
/// # Errors
/// [`DeployError`] for unreadable assemblies, configuration and API failures.
pub async fn diff(
    assembly_dir: &Path,
    args: &DiffArgs,
    create_only: CreateOnlyLookup,
) -> Result<DiffReport, DeployError> {
    let assembly = Assembly::load(assembly_dir)?;
    let stacks = assembly.select(&args.stacks, false)?;
    let timing = Timing::default();
    let config = load_config(&args.aws, &timing).await?;
    let report = diff_stacks(&client_for(&config, &timing), &stacks, create_only).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", report.render());
    }
    Ok(report)
}

/// Diffs stacks against what is deployed (no printing).
///
/// # Errors
/// API failures.
pub async fn diff_stacks(
    cfn_for: &dyn Fn(&StackArtifact) -> Cfn,
    stacks: &[&StackArtifact],
    create_only: CreateOnlyLookup,
) -> Result<DiffReport, DeployError> {
    let mut out = Vec::new();
    for artifact in stacks {
        let deployed = cfn_for(artifact).get_template(artifact.name()).await?;
        let deployed = deployed.map(|b| Template::parse(&b).unwrap_or_default());
        out.push(StackDiff {
            stack: artifact.name().into(),
            deployed: deployed.is_some(),
            diff: diff_templates(deployed.as_ref(), &artifact.template, create_only),
        });
    }
    Ok(DiffReport { stacks: out })
}

/// Runs `destroy`: asks for confirmation (unless `--yes`), deletes dependents first, waits, and
/// prints what `DeletionPolicy` kept.
///
/// # Errors
/// [`DeployError`]; declining is [`DeployError::NotConfirmed`].
pub async fn destroy(
    assembly_dir: &Path,
    args: &DestroyArgs,
) -> Result<Vec<DestroyOutcome>, DeployError> {
    let assembly = Assembly::load(assembly_dir)?;
    let stacks = assembly.select(&args.stacks, false)?;
    let names: Vec<&str> = stacks.iter().rev().map(|s| s.name()).collect();
    if !args.yes {
        let action = format!("deleting stacks {}", names.join(", "));
        if !std::io::stdin().is_terminal() {
            return Err(DeployError::ConfirmationRequired { action });
        }
        if !crate::deploy::ask_or_cancel(
            &format!("Delete stacks {} (in that order)? [y/N] ", names.join(", ")),
            &Cancel::on_ctrl_c(),
        )
        .await?
        {
            return Err(DeployError::NotConfirmed { action });
        }
    }
    let timing = Timing {
        timeout: args.timeout,
        ..Timing::default()
    };
    let config = load_config(&args.aws, &timing).await?;
    let cancel = Cancel::on_ctrl_c();
    let outcomes = destroy_with(
        assembly_dir,
        args,
        &config,
        &timing,
        &Console::default(),
        &cancel,
    )
    .await?;
    for o in &outcomes {
        match o {
            DestroyOutcome::Deleted { stack, retained } => {
                println!("{stack}: deleted");
                for r in retained {
                    println!(
                        "  kept by DeletionPolicy {}: {} ({}) {}",
                        r.policy,
                        r.logical_id,
                        r.resource_type,
                        r.physical_id.as_deref().unwrap_or("")
                    );
                }
            }
            DestroyOutcome::NotDeployed { stack } => println!("{stack}: not deployed"),
        }
    }
    Ok(outcomes)
}

/// [`destroy`] without the confirmation and printing, with configuration, timing, display and
/// cancellation supplied by the caller.
///
/// # Errors
/// [`DeployError`].
pub async fn destroy_with(
    assembly_dir: &Path,
    args: &DestroyArgs,
    config: &SdkConfig,
    timing: &Timing,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Vec<DestroyOutcome>, DeployError> {
    let assembly = Assembly::load(assembly_dir)?;
    let stacks = assembly.select(&args.stacks, false)?;
    // Only the account matters here: deleting in the wrong account is the one mistake that
    // cannot be undone (hosted zones and template sizes are a deploy's concern).
    let mut requirements = crate::preflight::requirements(&stacks, None);
    requirements.zones.clear();
    requirements.oversized.clear();
    let problems = crate::preflight::check(
        &requirements,
        &crate::preflight::AwsProbe::new(config, timing),
    )
    .await;
    if !problems.is_empty() {
        return Err(DeployError::Preflight(problems));
    }
    let in_use = crate::destroy::exports_in_use(&client_for(config, timing), &stacks).await?;
    if !in_use.is_empty() {
        return Err(DeployError::ExportsInUse(in_use));
    }
    destroy_assembly(
        &client_for(config, timing),
        &stacks,
        args.role_arn.as_deref(),
        usize::from(args.concurrency),
        observer,
        cancel,
    )
    .await
}

/// Runs `rollback` for the named stacks (in the order given): prints what each ended as.
///
/// # Errors
/// [`DeployError`]; the first stack that cannot be rolled back stops the run.
pub async fn rollback(
    assembly_dir: &Path,
    args: &RollbackArgs,
) -> Result<Vec<crate::rollback::RollbackOutcome>, DeployError> {
    let timing = Timing {
        timeout: args.timeout,
        ..Timing::default()
    };
    let config = load_config(&args.aws, &timing).await?;
    let cancel = Cancel::on_ctrl_c();
    let outcomes = rollback_with(
        assembly_dir,
        args,
        &config,
        &timing,
        &Console::default(),
        &cancel,
    )
    .await?;
    for o in &outcomes {
        match o {
            crate::rollback::RollbackOutcome::RolledBack {
                stack,
                status,
                skipped,
            } => {
                println!("{stack}: {status}");
                for s in skipped {
                    println!("  skipped {s} (left as it is)");
                }
            }
            crate::rollback::RollbackOutcome::NothingToDo { stack, status } => {
                println!("{stack}: {status}, nothing to roll back");
            }
        }
    }
    Ok(outcomes)
}

/// [`rollback`] with configuration, timing, display and cancellation supplied by the caller,
/// and nothing printed.
///
/// # Errors
/// [`DeployError`].
pub async fn rollback_with(
    assembly_dir: &Path,
    args: &RollbackArgs,
    config: &SdkConfig,
    timing: &Timing,
    observer: &dyn Observer,
    cancel: &Cancel,
) -> Result<Vec<crate::rollback::RollbackOutcome>, DeployError> {
    let assembly = Assembly::load(assembly_dir)?;
    let stacks = assembly.select(&args.stacks, false)?;
    let cfn_for = client_for(config, timing);
    let mut out = Vec::new();
    for artifact in stacks {
        out.push(
            crate::rollback::rollback_stack(
                &cfn_for(artifact),
                artifact.name(),
                &artifact.template,
                &args.skip,
                args.role_arn.as_deref(),
                observer,
                cancel,
            )
            .await?,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct App {
        #[command(subcommand)]
        cmd: Cmd,
    }

    #[derive(clap::Subcommand)]
    enum Cmd {
        Deploy(DeployArgs),
        Diff(DiffArgs),
        Destroy(DestroyArgs),
        Rollback(RollbackArgs),
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("30").unwrap(), Duration::from_secs(30));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn args_parse_as_a_subcommand() {
        let app = App::try_parse_from([
            "app",
            "deploy",
            "--stack",
            "Net",
            "--require-approval",
            "any-change",
            "--yes",
            "--allow-replace",
            "Data:Db",
            "--no-rollback",
            "--role-arn",
            "arn:aws:iam::123456789012:role/cfn",
            "--notification-arn",
            "arn:aws:sns:us-east-1:123456789012:events",
            "--outputs-file",
            "out.json",
            "--parameter",
            "Net:Cidr=10.0.0.0/16",
            "--endpoint-url",
            "http://127.0.0.1:5000",
            "--timeout",
            "5m",
        ])
        .unwrap();
        let Cmd::Deploy(a) = app.cmd else {
            panic!("not deploy")
        };
        assert_eq!(a.stacks, ["Net"]);
        assert_eq!(a.require_approval, RequireApproval::AnyChange);
        assert!(a.yes && !a.no_execute);
        assert_eq!(a.parameters[0].key, "Cidr");
        assert_eq!(a.aws.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(a.timeout, Duration::from_secs(300));
        assert_eq!(a.change_set_name, DEFAULT_CHANGE_SET_NAME);
        assert_eq!(a.allow_replace[0].to_string(), "Data:Db");
        let o = a.options(false);
        assert!(!o.rollback);
        assert_eq!(
            o.role_arn.as_deref(),
            Some("arn:aws:iam::123456789012:role/cfn")
        );
        assert_eq!(o.notification_arns.len(), 1);
        assert_eq!(a.outputs_file.as_deref(), Some(Path::new("out.json")));
        assert!(App::try_parse_from(["app", "deploy", "--allow-replace", "Data:"]).is_err());
        let app =
            App::try_parse_from(["app", "rollback", "--stack", "App", "--skip", "Db"]).unwrap();
        let Cmd::Rollback(r) = app.cmd else {
            panic!("not rollback")
        };
        assert_eq!(
            (r.stacks.as_slice(), r.skip.as_slice()),
            (&["App".to_owned()][..], &["Db".to_owned()][..])
        );
        assert!(
            App::try_parse_from(["app", "rollback"]).is_err(),
            "a stack is required"
        );

        let app = App::try_parse_from(["app", "diff", "--json", "--fail"]).unwrap();
        assert!(matches!(
            app.cmd,
            Cmd::Diff(DiffArgs {
                json: true,
                fail: true,
                ..
            })
        ));
        let app = App::try_parse_from(["app", "destroy", "-y", "--region", "eu-west-1"]).unwrap();
        let Cmd::Destroy(d) = app.cmd else {
            panic!("not destroy")
        };
        assert!(d.yes);
        assert_eq!(d.aws.region.as_deref(), Some("eu-west-1"));
        assert!(App::try_parse_from(["app", "deploy", "--require-approval", "sometimes"]).is_err());
    }

    #[test]
    fn outcomes_render_outputs_under_their_stack() {
        let text = render_outcomes(&[
            StackOutcome::Deployed {
                stack: "Net".into(),
                status: "CREATE_COMPLETE".into(),
                outputs: vec![("VpcId".into(), "vpc-1".into())],
            },
            StackOutcome::NoChanges {
                stack: "App".into(),
                outputs: vec![],
            },
        ]);
        assert_eq!(
            text,
            "Net: CREATE_COMPLETE\n  Net.VpcId = vpc-1\nApp: no changes\n"
        );
    }

    #[test]
    fn diff_exit_code_is_one_only_when_asked_and_something_differs() {
        let changed = Template::parse(r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#).unwrap();
        let report = DiffReport {
            stacks: vec![StackDiff {
                stack: "App".into(),
                deployed: false,
                diff: diff_templates(None, &changed, crate::diff::no_metadata),
            }],
        };
        assert!(report.has_changes());
        assert_eq!(report.exit_code(true), 1);
        assert_eq!(report.exit_code(false), 0);
        assert!(
            report
                .render()
                .starts_with("Stack App (not deployed yet)\n"),
            "{}",
            report.render()
        );
        let same = DiffReport {
            stacks: vec![StackDiff {
                stack: "App".into(),
                deployed: true,
                diff: diff_templates(Some(&changed), &changed, crate::diff::no_metadata),
            }],
        };
        assert_eq!(same.exit_code(true), 0);
    }
}
