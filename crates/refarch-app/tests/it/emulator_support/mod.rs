#![allow(dead_code)] // each test binary that includes this module uses a part of it
//! Support for the emulator test: the project's emulator (`emulator/server.py`, started exactly
//! like the deploy crate's tests start it, stopped by PID on drop), blocking queries to its APIs,
//! and a runner for the real `refarch-app` binary.
//!
//! The launcher is a copy of `crates/deploy/tests/it/support/moto.rs` (both locate the emulator
//! through their own crate's `CARGO_MANIFEST_DIR`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The project's emulator (moto 5.2.5 plus its change-set fixes and resource providers).
const MOTO_SERVER_PY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../emulator/server.py");

/// A running moto server.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Moto {
    /// Starts moto with `$MOTO_PYTHON`. Without it: panics when `CI` is set, otherwise prints a
    /// loud warning and returns `None` so the caller can skip.
    pub fn start(test: &str) -> Option<Self> {
        let python = match std::env::var("MOTO_PYTHON") {
            Ok(p) if !p.is_empty() => p,
            _ => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "MOTO_PYTHON is not set: the emulator tests need the python of a venv with \
                     moto[server]==5.2.5 (scripts/test.sh sets it up in .venv/moto)"
                );
                // Straight to the stderr handle: the test harness would swallow `eprintln!`.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n!!!!! SKIPPING {test}: MOTO_PYTHON is not set (point it at a venv python \
                     with moto[server]==5.2.5, e.g. .venv/moto/bin/python after \
                     `scripts/test.sh --tools-only`, to run the emulator tests) !!!!!\n"
                );
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::env::temp_dir().join(format!("moto-{test}-{port}.log"));
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(&python)
            .args([MOTO_SERVER_PY, "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_file.try_clone().unwrap()))
            .stderr(Stdio::from(log_file))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python}: {e}"));
        let mut moto = Self { child, port, log };
        moto.wait_ready();
        Some(moto)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!("moto exited early ({status}):\n{log}");
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.write_all(
                    b"GET /moto-api/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                );
                let mut head = [0u8; 12];
                if s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "moto did not become ready within 60 s; log: {}",
            self.log.display()
        );
    }

    /// The requests the server answered with HTTP 500 so far (its log lines): moto's internal
    /// errors, which clients retry and so would otherwise go unnoticed.
    pub fn server_errors(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("HTTP/1.1\" 500 "))
            .map(str::to_owned)
            .collect()
    }

    /// One query-protocol POST to `service` (`ec2`, `cloudformation`); returns (status, body).
    /// A fake SigV4 header names the service, which is how moto routes requests on a bare IP
    /// endpoint (it does not check signatures).
    pub fn query(&self, service: &str, body: &str) -> (u16, String) {
        self.request(
            service,
            "POST",
            "/",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body,
        )
    }

    /// One HTTP request with a fake SigV4 header naming `service`; returns (status, body).
    pub fn request(
        &self,
        service: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let (status, _, body) = self.request_with_headers(service, method, path, headers, body);
        (status, body)
    }

    /// [`Moto::request`], also returning the response's header block (lower-cased names).
    pub fn request_with_headers(
        &self,
        service: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String, String) {
        let addr = format!("127.0.0.1:{}", self.port);
        let mut stream = TcpStream::connect(&addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let extra: String = headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}\
             Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n\
             X-Amz-Date: 20240101T000000Z\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).to_string();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .map(|(h, b)| (h.to_ascii_lowercase(), b.to_owned()))
            .unwrap_or_default();
        (status, head, body)
    }

    /// A JSON-protocol call (`X-Amz-Target: TARGET`) that must succeed; returns the parsed body.
    pub fn json(&self, service: &str, target: &str, body: &serde_json::Value) -> serde_json::Value {
        let (status, text) = self.request(
            service,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", target),
            ],
            &body.to_string(),
        );
        assert_eq!(status, 200, "{target}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{target}: {e}: {text}"))
    }

    /// An EC2 query that must succeed; returns the XML body.
    pub fn ec2(&self, query: &str) -> String {
        let (status, body) = self.query("ec2", &format!("Version=2016-11-15&{query}"));
        assert_eq!(status, 200, "EC2 {query}: {body}");
        body
    }

    /// A CloudFormation query; returns (status, XML body).
    pub fn cfn(&self, query: &str) -> (u16, String) {
        self.query("cloudformation", &format!("Version=2010-05-15&{query}"))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Keep the server log only when the test failed.
        if std::thread::panicking() {
            let _ = writeln!(std::io::stderr(), "moto log kept: {}", self.log.display());
        } else {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// Percent-encodes a form value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every `<tag>value</tag>` in `xml`, in order.
pub fn values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(v, _)| v.to_owned()))
        .collect()
}

/// How often `needle` occurs in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// What one `refarch-app` run printed and how it ended.
pub struct Run {
    pub what: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with everything the run printed unless it exited with `code`.
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.status.code(),
            Some(code),
            "`refarch-app {}` exited with {}, expected {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.what,
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics with everything the run printed unless stdout contains `needle`.
    pub fn expect_stdout(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "`refarch-app {}`: stdout lacks {needle:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.what,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Runs the real `refarch-app` binary as a user would: static test credentials in the
/// environment, no AWS config files, `--endpoint-url` pointing at moto.
pub struct RefArch {
    endpoint: String,
    work: PathBuf,
    runs: usize,
}

/// Longest a single CLI run may take before the test kills it and fails.
const RUN_LIMIT: Duration = Duration::from_secs(180);

impl RefArch {
    pub fn new(moto: &Moto, work: &Path) -> Self {
        Self {
            endpoint: moto.url(),
            work: work.to_owned(),
            runs: 0,
        }
    }

    /// `refarch-app ARGS... --endpoint-url URL` (ARGS must start with the subcommand).
    pub fn run(&mut self, args: &[&str]) -> Run {
        self.runs += 1;
        let what = args.join(" ");
        let out_path = self.work.join(format!("run{}.stdout", self.runs));
        let err_path = self.work.join(format!("run{}.stderr", self.runs));
        let mut child = Command::new(env!("CARGO_BIN_EXE_refarch-app"))
            .args(args)
            .args(["--endpoint-url", &self.endpoint])
            .current_dir(&self.work)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            // Keep the developer's own AWS setup out of the test.
            .env("AWS_CONFIG_FILE", self.work.join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.work.join("no-aws-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_DEFAULT_REGION")
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::fs::File::create(&out_path).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&err_path).unwrap()))
            .spawn()
            .expect("cannot start the refarch-app binary");
        let deadline = Instant::now() + RUN_LIMIT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`refarch-app {what}` did not finish within {RUN_LIMIT:?}\n--- stdout\n{}\n--- stderr\n{}",
                    std::fs::read_to_string(&out_path).unwrap_or_default(),
                    std::fs::read_to_string(&err_path).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            what,
            status,
            stdout: std::fs::read_to_string(&out_path).unwrap(),
            stderr: std::fs::read_to_string(&err_path).unwrap(),
        }
    }
}
