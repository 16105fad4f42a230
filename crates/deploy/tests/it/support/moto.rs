//! Starts the project's emulator (`emulator/server.py`: moto 5.2.5 with the change-set fixes and
//! the resource providers) on 127.0.0.1 with a free port and stops it by PID on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub log: std::path::PathBuf,
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
                     moto[server]==5.2.5 (scripts/test.sh sets it up)"
                );
                // Straight to the stderr handle: the test harness would swallow `eprintln!`.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n!!!!! SKIPPING {test}: MOTO_PYTHON is not set (point it at a venv python \
                     with moto[server]==5.2.5 to run the emulator tests) !!!!!\n"
                );
                return None;
            }
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../emulator/server.py");
        let log = std::env::temp_dir().join(format!("moto-{test}-{port}.log"));
        let log_file = std::fs::File::create(&log).unwrap();
        let child = Command::new(&python)
            .args([script, "-H", "127.0.0.1", "-p", &port.to_string()])
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

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The requests the server answered with HTTP 500 so far (its log lines): moto's internal
    /// errors, which the SDK and the engine retry and so would otherwise go unnoticed.
    pub fn server_errors(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("HTTP/1.1\" 500 "))
            .map(str::to_owned)
            .collect()
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
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Keep the server log only when the test failed.
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}
