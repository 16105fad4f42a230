//! `--concurrency N`: runs per-stack work in dependency order with up to N stacks at once.
//!
//! A stack starts once every stack it must wait for (its dependencies when deploying, its
//! dependents when destroying) has finished successfully. After the first failure nothing new
//! starts, but what is running is followed to its end (abandoning a stack operation would leave
//! its state unknown). No runtime spawning: the futures borrow the caller's clients and options
//! and are polled together in place.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::error::DeployError;

/// What a scheduled run did: `results[i]` for item `i` that ran to its end (in input order),
/// and the first error (others are in `results` too).
#[derive(Debug)]
pub struct Scheduled<T> {
    /// Each item's result, `None` for items never started.
    pub results: Vec<Option<Result<T, DeployError>>>,
}

impl<T> Scheduled<T> {
    /// The successful results in input order, and the first error by input order.
    pub fn split(self) -> (Vec<T>, Option<DeployError>) {
        let mut ok = Vec::new();
        let mut first = None;
        for r in self.results.into_iter().flatten() {
            match r {
                Ok(v) => ok.push(v),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        (ok, first)
    }
}

/// One item's work.
pub type Job<'a, T> = Pin<Box<dyn Future<Output = Result<T, DeployError>> + 'a>>;

/// Runs `start(i)` for every item `0..waits_for.len()`, at most `concurrency` at once (at least
/// one), item `i` only after every item in `waits_for[i]` succeeded. `stop()` is asked before
/// each start (e.g. Ctrl-C): once it says yes, nothing new starts.
pub async fn run<'a, T>(
    waits_for: &[Vec<usize>],
    concurrency: usize,
    stop: &dyn Fn() -> bool,
    start: &dyn Fn(usize) -> Job<'a, T>,
) -> Scheduled<T> {
    let n = waits_for.len();
    let limit = concurrency.max(1);
    let mut results: Vec<Option<Result<T, DeployError>>> = (0..n).map(|_| None).collect();
    let mut started = vec![false; n];
    let mut failed = false;
    let mut running: Vec<(usize, Job<'a, T>)> = Vec::new();
    loop {
        if !failed && !stop() {
            for i in 0..n {
                if running.len() >= limit {
                    break;
                }
                let ready = !started[i]
                    && waits_for[i]
                        .iter()
                        .all(|d| matches!(results[*d], Some(Ok(_))));
                if ready {
                    started[i] = true;
                    running.push((i, start(i)));
                }
            }
        }
        if running.is_empty() {
            return Scheduled { results };
        }
        let (slot, result) = std::future::poll_fn(|cx| {
            for (slot, (_, job)) in running.iter_mut().enumerate() {
                if let Poll::Ready(r) = job.as_mut().poll(cx) {
                    return Poll::Ready((slot, r));
                }
            }
            Poll::Pending
        })
        .await;
        let (i, _) = running.remove(slot);
        failed |= result.is_err();
        results[i] = Some(result);
    }
}

/// For stacks in dependency order: the indices each one depends on (within `stacks`).
pub fn dependencies(stacks: &[&crate::assembly::StackArtifact]) -> Vec<Vec<usize>> {
    stacks
        .iter()
        .map(|s| {
            s.manifest
                .dependencies
                .iter()
                .filter_map(|d| stacks.iter().position(|o| o.name() == d))
                .collect()
        })
        .collect()
}

/// For stacks in dependency order, listed in reverse (deletion order): the indices (into that
/// reversed list) of the stacks that depend on each, which must be deleted first.
pub fn dependents(reversed: &[&crate::assembly::StackArtifact]) -> Vec<Vec<usize>> {
    reversed
        .iter()
        .map(|s| {
            reversed
                .iter()
                .enumerate()
                .filter(|(_, o)| o.manifest.dependencies.iter().any(|d| d == s.name()))
                .map(|(j, _)| j)
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Duration;

    #[tokio::test]
    async fn dependencies_first_at_most_n_at_once_nothing_new_after_a_failure() {
        // 0 and 1 are independent, 2 waits for 0, 3 waits for 2.
        let waits = vec![vec![], vec![], vec![0], vec![2]];
        let log = Mutex::new(Vec::<String>::new());
        let live = Mutex::new((0usize, 0usize)); // (now, max)
        let start = |i: usize| -> Job<'_, usize> {
            let (log, live) = (&log, &live);
            Box::pin(async move {
                {
                    let mut l = live.lock().unwrap();
                    l.0 += 1;
                    l.1 = l.1.max(l.0);
                }
                log.lock().unwrap().push(format!("start {i}"));
                tokio::time::sleep(Duration::from_millis(20 * (i as u64 + 1))).await;
                log.lock().unwrap().push(format!("end {i}"));
                live.lock().unwrap().0 -= 1;
                Ok(i)
            })
        };
        let out = run(&waits, 2, &|| false, &start).await;
        let (ok, err) = out.split();
        assert_eq!(ok, [0, 1, 2, 3]);
        assert!(err.is_none());
        assert_eq!(live.lock().unwrap().1, 2, "two at once");
        let log = log.lock().unwrap().clone();
        let at = |s: &str| log.iter().position(|l| l == s).unwrap();
        assert!(
            at("end 0") < at("start 2") && at("end 2") < at("start 3"),
            "{log:?}"
        );

        // Item 0 fails: 2 and 3 (which wait for it) never start; 1 runs to its end.
        let failing = |i: usize| -> Job<'_, usize> {
            Box::pin(async move {
                if i == 0 {
                    Err(DeployError::Config("boom".into()))
                } else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    Ok(i)
                }
            })
        };
        let out = run(&waits, 2, &|| false, &failing).await;
        assert!(out.results[2].is_none() && out.results[3].is_none());
        assert!(matches!(out.results[1], Some(Ok(1))));
        let (_, err) = out.split();
        assert!(err.unwrap().to_string().contains("boom"));
    }
}
