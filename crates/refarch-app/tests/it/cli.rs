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
