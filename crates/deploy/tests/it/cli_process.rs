//! The `cfn-deploy` binary as a process: an assembly written in one place and deployed from its
//! directory (`--assembly`, the CI artifact flow) on the emulator, an assembly of another
//! manifest version refused, and SIGINT / SIGTERM during a wait (the process is signalled):
//! it stops waiting, says what is still running and how to resume, and exits 130.

use crate::support;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::env::{STACK, healthy, template};
use support::moto::Moto;
use support::scripted::{CsOutcome, Scripted, chg, step};

const BIN: &str = env!("CARGO_BIN_EXE_cfn-deploy");

fn command(args: &[&str], endpoint: &str) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .args(["--endpoint-url", endpoint, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_assembly_synthesized_elsewhere_deploys_from_its_directory_and_a_foreign_version_is_refused() {
    let Some(moto) = Moto::start("cli-assembly") else {
        return;
    };
    let artifact = tempfile::tempdir().unwrap();
    let t = json!({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC",
        "Properties": {"CidrBlock": "10.95.0.0/16"}}},
        "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}}});
    support::write_assembly(artifact.path(), "Artifact", &t, json!({}));
    let dir = artifact.path().to_str().unwrap();
    let out = command(&["deploy", "--assembly", dir, "--yes"], &moto.url())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("Artifact: CREATE_COMPLETE"), "{stdout}");
    assert!(stdout.contains("Artifact.VpcId = vpc-"), "{stdout}");
    let out = command(&["diff", "--assembly", dir, "--fail"], &moto.url())
        .output()
        .unwrap();
    assert!(out.status.success(), "no differences: {:?}", text(&out));

    // A manifest of another format version is refused, naming the field, before any call.
    let manifest = artifact.path().join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, m.replacen("\"version\": 1", "\"version\": 2", 1)).unwrap();
    let out = command(&["deploy", "--assembly", dir, "--yes"], &moto.url())
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("field `version` is 2, but this deployer reads version 1"),
        "{stderr}"
    );
    assert!(
        moto.server_errors().is_empty(),
        "{:?}",
        moto.server_errors()
    );
}

/// Runs a deploy whose execution never finishes, signals the process once it is waiting, and
/// returns its output.
async fn signalled_during_wait(signal: &str) -> (Output, Scripted) {
    let mut w = healthy("UPDATE_COMPLETE");
    w.next_change_set = Some((
        0,
        CsOutcome::Changes(vec![chg("Modify", "Vpc", "AWS::EC2::VPC", Some("False"))]),
    ));
    w.execution = Some(vec![step("UPDATE_IN_PROGRESS", vec![]); 100_000]);
    let server = Scripted::start(w).await;
    let dir = tempfile::tempdir().unwrap();
    support::write_assembly(dir.path(), STACK, &template(), json!({}));
    let child = command(
        &[
            "deploy",
            "--assembly",
            dir.path().to_str().unwrap(),
            "--yes",
        ],
        &server.url(),
    )
    .spawn()
    .unwrap();
    let started = Instant::now();
    while server.world().count("ExecuteChangeSet") == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never executed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Now polling the stack (the default timing: a poll every 1-5 s).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    (out, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_during_a_wait_says_what_runs_and_exits_130() {
    for signal in ["-INT", "-TERM"] {
        let (out, server) = signalled_during_wait(signal).await;
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(130), "{signal}: {stderr}");
        assert!(
            stderr.contains("still working on the stack (UPDATE_IN_PROGRESS)")
                && stderr.contains("nothing was cancelled")
                && stderr.contains("Run the same command again"),
            "{signal}: {stderr}"
        );
        // Nothing on the service side was cancelled or started twice.
        let w = server.world();
        assert_eq!(w.count("ExecuteChangeSet"), 1, "{signal}");
        assert_eq!(w.stack(STACK).unwrap().status, "UPDATE_IN_PROGRESS");
    }
}
