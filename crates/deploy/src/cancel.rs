//! Cooperative cancellation: Ctrl-C (or a caller) asks the engine to stop *waiting*.
//!
//! Cancelling never cancels anything on the service side: a running stack operation carries on,
//! and the next deploy picks up from the stack's real state.

use std::sync::Arc;

use tokio::sync::watch;

/// A cancellation flag shared by clones.
#[derive(Debug, Clone)]
pub struct Cancel {
    tx: Arc<watch::Sender<bool>>,
    rx: watch::Receiver<bool>,
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

impl Cancel {
    /// A flag that is not set.
    pub fn new() -> Self {
        let (tx, rx) = watch::channel(false);
        Self {
            tx: Arc::new(tx),
            rx,
        }
    }

    /// A flag set by the first Ctrl-C (SIGINT) or SIGTERM. Must be called inside a tokio
    /// runtime. The engine then stops at once at a prompt, or stops waiting and says what is
    /// still running and how to resume; a second signal quits at once with status 130.
    pub fn on_ctrl_c() -> Self {
        let cancel = Self::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            if interrupt().await {
                eprintln!(
                    "\ninterrupted: stopping (nothing on AWS is cancelled). Interrupt again to quit at once."
                );
                trigger.cancel();
                if interrupt().await {
                    std::process::exit(130);
                }
            }
        });
        cancel
    }

    /// Sets the flag.
    pub fn cancel(&self) {
        self.tx.send_replace(true);
    }

    /// Whether the flag is set.
    pub fn is_cancelled(&self) -> bool {
        *self.rx.borrow()
    }

    /// Resolves once the flag is set.
    pub async fn cancelled(&self) {
        let mut rx = self.rx.clone();
        if rx.wait_for(|set| *set).await.is_err() {
            // The sender lives in `self`, so this cannot happen; never resolve rather than panic.
            std::future::pending::<()>().await;
        }
    }
}

/// Resolves at the next SIGINT or (on Unix) SIGTERM; `false` when no handler can be installed.
async fn interrupt() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.is_ok(),
            s = term.recv() => s.is_some(),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn cancel_wakes_waiters() {
        let c = Cancel::new();
        assert!(!c.is_cancelled());
        let waiter = {
            let c = c.clone();
            tokio::spawn(async move { c.cancelled().await })
        };
        c.cancel();
        waiter.await.unwrap();
        assert!(c.is_cancelled());
    }
}
