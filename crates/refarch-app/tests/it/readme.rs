//! The README's commands, run as written. Every line of every `sh` block is either run here
//! (the `refarch-app` commands, the emulator sequence, the config and error examples) or named
//! in [`RUN_ELSEWHERE`] with the phase of `scripts/test.sh` that runs it; a new README command
//! that is neither fails this test, so the README cannot drift from what the CLI does.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::emulator_support::Moto;

const README: &str = include_str!("../../../../README.md");

/// Lines (by prefix) that the suite runs elsewhere, and where.
const RUN_ELSEWHERE: &[(&str, &str)] = &[
    ("scripts/test.sh", "it is the suite itself"),
    ("scripts/boot-test.sh", "the suite's boot phase"),
    (
        "scripts/bench.sh",
        "a benchmark, slower than the suite allows",
    ),
    (
        "cargo run --release",
        "release benchmarks (synth-bench, scale), slower than the suite allows; the scale example is built by clippy --all-targets",
    ),
    (
        "python3 -m venv .venv/refarch-app",
        "the local profile by hand: the boot phase installs this venv and runs the app in the local profile",
    ),
    (
        "sudo -u postgres psql",
        "the local profile by hand (boot phase)",
    ),
    (
        "-c \"CREATE DATABASE",
        "the local profile by hand (boot phase)",
    ),
    ("cd app", "the local profile by hand (boot phase)"),
    (
        "../.venv/refarch-app/bin/",
        "the local profile by hand (boot phase)",
    ),
];

/// Commands (exactly) that need a real AWS account; each runs against the emulator in the
/// README's emulator sequence, with `--endpoint-url`.
const NEEDS_AWS: &[&str] = &[
    "cargo run -p refarch-app -- diff",
    "cargo run -p refarch-app -- deploy",
    "cargo run -p refarch-app -- destroy",
];

/// The `sh` blocks' commands: comments dropped, `\` continuations joined.
fn sh_commands(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in readme.lines() {
        if line.starts_with("```") {
            in_sh = line.trim() == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = strip_comment(line).trim_end();
        if code.trim().is_empty() {
            continue;
        }
        if let Some(head) = code.strip_suffix('\\') {
            pending.push_str(head.trim());
            pending.push(' ');
            continue;
        }
        pending.push_str(code.trim());
        commands.push(std::mem::take(&mut pending));
    }
    commands
}

/// `line` without a trailing `# comment` (a `#` outside quotes, after a space, or first).
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if prev == ' ' => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}

/// Splits a command into words (single and double quotes, no expansions).
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    for c in command.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, ' ') => {
                if started {
                    out.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            _ => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(word);
    }
    out
}

/// What one command printed and how it ended.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A shell of the README's commands: a working directory, the exported variables, the
/// emulator once `scripts/emulator.sh` was started.
struct Shell {
    work: tempfile::TempDir,
    env: BTreeMap<String, String>,
    moto: Option<Moto>,
    emulator_port: Option<String>,
}

impl Shell {
    fn endpoint_rewrite(&self, word: &str) -> String {
        match (&self.moto, &self.emulator_port) {
            (Some(m), Some(port)) => word.replace(&format!("http://127.0.0.1:{port}"), &m.url()),
            _ => word.to_owned(),
        }
    }

    /// `refarch-app ARGS` in the working directory, stdout to `redirect` if given.
    fn refarch(&self, args: &[String], redirect: Option<&str>) -> Outcome {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_refarch-app"));
        cmd.args(args.iter().map(|a| self.endpoint_rewrite(a)))
            .current_dir(self.work.path())
            .env("AWS_CONFIG_FILE", self.work.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.work.path().join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .envs(&self.env)
            .stdin(Stdio::null());
        let out = cmd.output().expect("cannot start refarch-app");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if let Some(file) = redirect {
            // The README's commands run from the repository root (`> app/.env`).
            let path = self.work.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &stdout).unwrap();
        }
        Outcome {
            code: out.status.code(),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs one README command; `None` when it is one the suite runs elsewhere.
    fn run(&mut self, command: &str) -> Option<Outcome> {
        if RUN_ELSEWHERE.iter().any(|(p, _)| command.starts_with(p)) || NEEDS_AWS.contains(&command)
        {
            return None;
        }
        let w = words(command);
        let (w, redirect) = match w.iter().position(|x| x == ">") {
            Some(i) => (w[..i].to_vec(), w.get(i + 1).cloned()),
            None => (w, None),
        };
        match w.first().map(String::as_str) {
            Some("cargo") => {
                let sep = w.iter().position(|x| x == "--");
                assert!(
                    w.get(1..4) == Some(&["run".into(), "-p".into(), "refarch-app".into()][..])
                        && sep == Some(4),
                    "README command {command:?}: only `cargo run -p refarch-app -- …` is known"
                );
                Some(self.refarch(&w[5..], redirect.as_deref()))
            }
            Some("scripts/emulator.sh") => {
                let port = w
                    .iter()
                    .position(|x| x == "--port")
                    .map(|i| w[i + 1].clone());
                assert_eq!(w.last().map(String::as_str), Some("&"), "{command:?}");
                self.emulator_port = port;
                // Without the emulator's venv (outside CI only: there `Moto::start` fails the
                // test) the commands that need it are skipped below.
                self.moto = Moto::start("readme");
                Some(Outcome {
                    code: Some(0),
                    stdout: String::new(),
                    stderr: String::new(),
                })
            }
            Some("export") => {
                for assignment in &w[1..] {
                    let (k, v) = assignment.split_once('=').expect("export NAME=VALUE");
                    self.env.insert(k.into(), v.into());
                }
                Some(Outcome {
                    code: Some(0),
                    stdout: String::new(),
                    stderr: String::new(),
                })
            }
            Some("printf") => {
                let file = redirect.expect("printf … > FILE");
                let text = w[1].replace("\\n", "\n");
                std::fs::write(self.work.path().join(file), text).unwrap();
                Some(Outcome {
                    code: Some(0),
                    stdout: String::new(),
                    stderr: String::new(),
                })
            }
            Some("curl") => {
                let moto = self.moto.as_ref()?;
                let url = w.iter().find(|x| x.starts_with("http://")).expect("a URL");
                let body = w.iter().position(|x| x == "-d").map(|i| w[i + 1].clone());
                let path = url.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
                let (status, text) = moto.request(
                    "route53",
                    "POST",
                    &path,
                    &[("Content-Type", "application/json")],
                    body.as_deref().unwrap_or(""),
                );
                Some(Outcome {
                    code: Some(if (200..300).contains(&status) { 0 } else { 22 }),
                    stdout: text.clone(),
                    stderr: format!("HTTP {status}: {text}"),
                })
            }
            _ => panic!(
                "README command {command:?} is neither run by this test nor listed in RUN_ELSEWHERE"
            ),
        }
    }
}

fn new_shell() -> Shell {
    Shell {
        work: tempfile::tempdir().unwrap(),
        env: BTreeMap::new(),
        moto: None,
        emulator_port: None,
    }
}

/// The first fenced block of `lang` after the line containing `marker`.
fn block_after(marker: &str, lang: &str) -> String {
    let start = README
        .find(marker)
        .unwrap_or_else(|| panic!("README lacks {marker:?}"));
    let rest = &README[start..];
    let open = format!("```{lang}\n");
    let from = rest.find(&open).expect("a fenced block") + open.len();
    let len = rest[from..].find("```").expect("a closed block");
    rest[from..from + len].to_owned()
}

#[test]
fn every_readme_command_runs_as_written() {
    let commands = sh_commands(README);
    assert!(commands.len() > 10, "README parsing found {commands:?}");
    let mut shell = new_shell();
    // The config example is the file `my.toml` the README's commands use.
    std::fs::write(
        shell.work.path().join("my.toml"),
        block_after("A config file only lists what differs", "toml"),
    )
    .unwrap();
    let mut ran = 0;
    for command in &commands {
        if shell.moto.is_none() && command.contains("--endpoint-url") {
            continue; // the emulator is not available (see the `scripts/emulator.sh` arm)
        }
        let Some(outcome) = shell.run(command) else {
            continue;
        };
        ran += 1;
        assert_eq!(
            outcome.code,
            Some(0),
            "README command {command:?} failed\n--- stdout\n{}\n--- stderr\n{}",
            outcome.stdout,
            outcome.stderr
        );
        if command.ends_with("-- synth") {
            let out = shell.work.path().join("refarch.out");
            assert!(
                out.join("manifest.json").is_file(),
                "{command:?} wrote no manifest"
            );
        }
    }
    assert!(ran >= 8, "only {ran} README commands ran");
}

#[test]
fn the_readme_error_example_is_what_the_cli_prints() {
    // The README shows `check` on a `my.toml` with a VPC block too small for its zones, sizes
    // the wrong way round and a minimum capacity above the maximum.
    let shown = block_after("**Checking a config.**", "text");
    let (command, shown) = shown
        .split_once('\n')
        .expect("a command line, then the output");
    assert_eq!(command, "$ refarch-app check --config my.toml");
    let shell = new_shell();
    std::fs::write(
        shell.work.path().join("my.toml"),
        "[network]\ncidr = \"10.0.0.0/24\"\naz_count = 3\n[[workloads]]\nmin_size = 3\nmax_size = 2\n[database]\nmin_capacity = 8\n",
    )
    .unwrap();
    let outcome = shell.refarch(&["check".into(), "--config".into(), "my.toml".into()], None);
    assert_eq!(outcome.code, Some(1), "{}", outcome.stderr);
    assert_eq!(
        outcome.stderr.trim(),
        shown.trim(),
        "the README's error example is stale"
    );
    // synth refuses the same way, writing nothing.
    let outcome = shell.refarch(&["synth".into(), "--config".into(), "my.toml".into()], None);
    assert_eq!(outcome.code, Some(1), "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains(shown.lines().next().unwrap_or("?")),
        "{}",
        outcome.stderr
    );
    assert!(!Path::new(&shell.work.path().join("refarch.out")).exists());
}
