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

    /// A flag set by the first Ctrl-C. Must be called inside a tokio runtime.
    pub fn on_ctrl_c() -> Self {
        let cancel = Self::new();
        let trigger = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "\nCtrl-C: no longer waiting (nothing on AWS is cancelled). Press Ctrl-C again to quit at once."
                );
                trigger.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
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
