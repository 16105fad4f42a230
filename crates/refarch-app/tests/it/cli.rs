//! The CLI as a shell pipeline uses it.

use std::io::Read as _;
use std::process::{Command, Stdio};

/// `refarch-app synth --stdout | head -c 100`: the reader leaves after 100 bytes of the
/// templates (far more than a pipe buffers); the CLI ends quietly with success, as `cat` does,
/// instead of panicking on the broken pipe.
#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_refarch-app"))
        .args(["synth", "--stdout", "--out"])
        .arg(out.path().join("assembly"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The read end is closed here (dropped with the `take`n handle).
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        String::from_utf8_lossy(&head).starts_with("{\n  \"AWSTemplateFormatVersion\""),
        "{}",
        String::from_utf8_lossy(&head)
    );
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
}

/// `synth --out DIR` in one job, `deploy --assembly DIR` in another: the assembly is read as
/// written, not synthesized again, and one of another manifest version is refused before any
/// AWS call, naming the field.
#[test]
fn deploy_reads_a_previously_synthesized_assembly_and_refuses_another_version() {
    let bin = env!("CARGO_BIN_EXE_refarch-app");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("artifact");
    let synth = Command::new(bin)
        .args(["synth", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        synth.status.success(),
        "{}",
        String::from_utf8_lossy(&synth.stderr)
    );
    let manifest = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("\"version\": 1"), "{text}");
    std::fs::write(
        &manifest,
        text.replacen("\"version\": 1", "\"version\": 7", 1),
    )
    .unwrap();
    let out = Command::new(bin)
        .args([
            "deploy",
            "--yes",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--region",
            "us-east-1",
            "--assembly",
        ])
        .arg(&dir)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !stderr.contains("synthesized"),
        "no synth with --assembly: {stderr}"
    );
    assert!(
        stderr.contains("field `version` is 7, but this deployer reads version 1"),
        "{stderr}"
    );
    // --assembly and --config together are refused (the assembly is already synthesized).
    let out = Command::new(bin)
        .args(["deploy", "--config", "x.toml", "--assembly"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
