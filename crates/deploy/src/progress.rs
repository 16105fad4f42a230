//! What the engine tells people while it works, and how a terminal shows it.
//!
//! The engine emits [`Notice`]s to an [`Observer`]. [`Console`] renders them: a live progress bar
//! (resources done / total, current operations) when stderr is a terminal, plain lines otherwise.
//! Tests use [`Recorder`] to assert on what was said.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cfn::StackEvent;
use crate::changes::ChangeSummary;

/// Something the engine wants people to know.
#[derive(Debug, Clone)]
pub enum Notice {
    /// Free text.
    Info(String),
    /// Waiting for an operation somebody else started.
    Waiting {
        /// Stack.
        stack: String,
        /// Its `*_IN_PROGRESS` status.
        status: String,
    },
    /// A stack left by a failed first create is deleted before being created again.
    Recreating {
        /// Stack.
        stack: String,
        /// `ROLLBACK_COMPLETE`.
        status: String,
    },
    /// The change set is ready; here is what it does.
    ChangeSet {
        /// Stack.
        stack: String,
        /// Change set name.
        name: String,
        /// The changes.
        summary: ChangeSummary,
    },
    /// Nothing to deploy.
    NoChanges {
        /// Stack.
        stack: String,
    },
    /// Execution started.
    Executing {
        /// Stack.
        stack: String,
        /// Number of resources the operation touches.
        total: usize,
    },
    /// A stack event.
    Event {
        /// Stack.
        stack: String,
        /// The event.
        event: StackEvent,
    },
    /// The operation ended (successfully or not).
    Finished {
        /// Stack.
        stack: String,
        /// Final status.
        status: String,
    },
}

/// Receives notices. Implementations must be cheap; the engine calls them inline.
pub trait Observer: Send + Sync {
    /// Handles one notice.
    fn notice(&self, notice: Notice);
}

/// Collects notices (for tests and for callers that render later).
#[derive(Debug, Default)]
pub struct Recorder {
    notices: Mutex<Vec<Notice>>,
}

impl Recorder {
    /// Everything received so far.
    pub fn notices(&self) -> Vec<Notice> {
        self.notices.lock().map(|n| n.clone()).unwrap_or_default()
    }
}

impl Observer for Recorder {
    fn notice(&self, notice: Notice) {
        if let Ok(mut n) = self.notices.lock() {
            n.push(notice);
        }
    }
}

#[derive(Default)]
struct Live {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
    current: Vec<String>,
}

/// Renders notices on stderr: a progress bar on a terminal, plain lines otherwise.
pub struct Console {
    tty: bool,
    live: Mutex<Live>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").field("tty", &self.tty).finish()
    }
}

impl Default for Console {
    fn default() -> Self {
        Self::new(std::io::stderr().is_terminal())
    }
}

impl Console {
    /// A console; `tty` selects the live display.
    pub fn new(tty: bool) -> Self {
        Self {
            tty,
            live: Mutex::new(Live::default()),
        }
    }

    fn line(&self, live: &Live, text: &str) {
        match &live.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}

fn event_line(stack: &str, e: &StackEvent) -> String {
    let mut line = format!(
        "{stack} | {:<28} | {:<36} | {}",
        e.status, e.resource_type, e.logical_id
    );
    if let Some(p) = &e.construct_path {
        line.push_str(&format!(" ({p})"));
    }
    if let Some(r) = e.reason.as_deref().filter(|r| !r.is_empty()) {
        line.push_str(&format!(": {r}"));
    }
    line
}

fn is_resource_done(e: &StackEvent) -> bool {
    e.resource_type != "AWS::CloudFormation::Stack"
        && (e.status.ends_with("_COMPLETE") || e.status.ends_with("_FAILED"))
}

impl Observer for Console {
    fn notice(&self, notice: Notice) {
        let Ok(mut live) = self.live.lock() else {
            return;
        };
        match notice {
            Notice::Info(text) => self.line(&live, &text),
            Notice::Waiting { stack, status } => self.line(
                &live,
                &format!("{stack}: an operation is running ({status}); waiting for it to finish"),
            ),
            Notice::Recreating { stack, status } => self.line(
                &live,
                &format!(
                    "{stack}: the stack is in {status} after a failed first create; deleting it \
                     and creating it again"
                ),
            ),
            Notice::ChangeSet { stack, summary, .. } => {
                self.line(&live, summary.render(&stack).trim_end());
            }
            Notice::NoChanges { stack } => {
                self.line(&live, &format!("{stack}: no changes"));
            }
            Notice::Executing { stack, total } => {
                live.total = total;
                live.done = 0;
                live.current.clear();
                if self.tty {
                    let bar = ProgressBar::new(total as u64);
                    let style = ProgressStyle::with_template(
                        "{spinner} {prefix} [{pos}/{len}] {elapsed} {wide_msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
                    bar.set_style(style);
                    bar.set_prefix(stack.clone());
                    bar.enable_steady_tick(Duration::from_millis(120));
                    live.bar = Some(bar);
                } else {
                    eprintln!("{stack}: executing ({total} resource change(s))");
                }
            }
            Notice::Event { stack, event } => {
                if is_resource_done(&event) {
                    live.done += 1;
                    live.current.retain(|c| c != &event.logical_id);
                } else if event.status.ends_with("_IN_PROGRESS")
                    && event.resource_type != "AWS::CloudFormation::Stack"
                    && !live.current.contains(&event.logical_id)
                {
                    live.current.push(event.logical_id.clone());
                }
                let text = event_line(&stack, &event);
                match &live.bar {
                    Some(bar) => {
                        bar.set_position(live.done as u64);
                        bar.set_message(live.current.join(", "));
                        bar.println(text);
                    }
                    None => eprintln!("[{}/{}] {text}", live.done, live.total),
                }
            }
            Notice::Finished { stack, status } => {
                if let Some(bar) = live.bar.take() {
                    bar.finish_and_clear();
                }
                eprintln!("{stack}: {status}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lines_carry_status_type_id_path_and_reason() {
        let e = StackEvent {
            id: "1".into(),
            logical_id: "Vpc".into(),
            resource_type: "AWS::EC2::VPC".into(),
            status: "CREATE_FAILED".into(),
            reason: Some("boom".into()),
            time_ms: 0,
            construct_path: Some("Net/Vpc/Resource".into()),
            client_request_token: None,
        };
        let line = event_line("Net", &e);
        assert!(line.starts_with("Net | CREATE_FAILED"), "{line}");
        assert!(line.ends_with("Vpc (Net/Vpc/Resource): boom"), "{line}");
        assert!(is_resource_done(&e));
    }

    #[test]
    fn recorder_keeps_notices_in_order() {
        let r = Recorder::default();
        r.notice(Notice::Info("a".into()));
        r.notice(Notice::NoChanges { stack: "S".into() });
        assert_eq!(r.notices().len(), 2);
    }
}
