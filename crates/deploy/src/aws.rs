//! Standard AWS configuration: credential chain, profile, region, endpoint URL.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::error::DeployError;
use crate::retry::Timing;

/// Where and as whom to talk to AWS. Unset fields fall back to the standard chain
/// (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, `~/.aws/config`, instance roles, SSO, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct AwsArgs {
    /// Named profile from ~/.aws/config (default: $AWS_PROFILE, else "default").
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region for stacks whose manifest environment names none (default: $AWS_REGION or the profile's).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// Send every request to this endpoint instead of AWS, e.g. a local emulator at
    /// http://127.0.0.1:5000 (default: $AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

/// Loads the SDK configuration. The SDK's own retries are off (the engine retries with its own
/// jittered backoff, and must never blindly resend ExecuteChangeSet); each HTTP attempt is
/// bounded by `timing.attempt_timeout`.
///
/// # Errors
/// [`DeployError::Config`] when no region can be found.
pub async fn load_config(args: &AwsArgs, timing: &Timing) -> Result<SdkConfig, DeployError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(timing.attempt_timeout)
                .connect_timeout(timing.attempt_timeout)
                .build(),
        );
    if let Some(p) = &args.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &args.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(e) = &args.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(DeployError::Config(
            "no region: pass --region, set AWS_REGION, or set `region` in your AWS profile".into(),
        ));
    }
    Ok(config)
}
