//! Shared test support: a tiny HTTP server, the scripted CloudFormation endpoint, the moto
//! launcher, and helpers to build assemblies and SDK configurations.
#![allow(dead_code)]

pub mod env;
pub mod http;
pub mod moto;
pub mod scripted;
pub mod scripted_api;

use std::path::Path;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudformation::config::Credentials;
use deploy::retry::Timing;

/// An SDK configuration for a local endpoint: static test credentials, us-east-1, no SDK retries.
pub async fn local_config(url: &str, timing: &Timing) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(url)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(timing.attempt_timeout)
                .build(),
        )
        .load()
        .await
}

/// Writes a one-stack assembly (manifest + template) into `dir`.
pub fn write_assembly(
    dir: &Path,
    stack: &str,
    template: &serde_json::Value,
    parameters: serde_json::Value,
) {
    let manifest = serde_json::json!({
        "version": 1,
        "stacks": [{
            "name": stack,
            "templateFile": format!("{stack}.template.json"),
            "dependencies": [],
            "parameters": parameters,
            "environment": {"account": null, "region": "us-east-1"},
            "tags": {"Project": "refarch-tests"},
            "terminationProtection": false
        }]
    });
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{stack}.template.json")),
        serde_json::to_string_pretty(template).unwrap(),
    )
    .unwrap();
}
