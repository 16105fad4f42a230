//! Timing knobs, jittered capped backoff, and the retry loop for service calls.

use std::future::Future;
use std::time::Duration;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::operation::RequestId;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;

use crate::error::{ApiError, ApiErrorKind};

/// Every interval and limit the engine uses. The defaults suit AWS; tests shrink them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// First delay between status polls.
    pub poll_initial: Duration,
    /// Longest delay between status polls.
    pub poll_max: Duration,
    /// First delay before retrying a throttled or failed call.
    pub retry_initial: Duration,
    /// Longest delay between retries.
    pub retry_max: Duration,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Longest time to wait for one stack operation or change set.
    pub timeout: Duration,
    /// Longest time one HTTP attempt may take.
    pub attempt_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            poll_initial: Duration::from_secs(1),
            poll_max: Duration::from_secs(5),
            retry_initial: Duration::from_millis(500),
            retry_max: Duration::from_secs(15),
            max_attempts: 8,
            timeout: Duration::from_secs(60 * 60),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

impl Timing {
    /// Millisecond intervals for tests and emulators.
    pub fn fast() -> Self {
        Self {
            poll_initial: Duration::from_millis(5),
            poll_max: Duration::from_millis(20),
            retry_initial: Duration::from_millis(5),
            retry_max: Duration::from_millis(20),
            max_attempts: 5,
            timeout: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(5),
        }
    }
}

/// Exponential backoff with "equal jitter": each delay is uniformly drawn from
/// `[d/2, d]`, where `d` doubles from `initial` up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    /// Starts at `initial`, capped at `max`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            next: initial.min(max),
            max,
        }
    }

    /// The next delay.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        let half = d / 2;
        let spread = u64::try_from((d - half).as_micros()).unwrap_or(u64::MAX);
        let extra = if spread == 0 {
            0
        } else {
            rand::random_range(0..=spread)
        };
        half + Duration::from_micros(extra)
    }
}

const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
    "PriorRequestNotComplete",
];

const TRANSIENT_CODES: &[&str] = &[
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Maps an SDK error into ours, classifying it for retries.
pub fn api_error<E>(operation: &'static str, err: &SdkError<E, HttpResponse>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code().map(str::to_owned);
    let kind = match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => ApiErrorKind::Transient,
        _ => classify(code.as_deref(), status),
    };
    let message = match err {
        // Without a message (a HEAD request's error has no body) the status is all there is;
        // the SDK's display of such an error is a debug dump of the whole response.
        SdkError::ServiceError(_) => err.message().map(str::to_owned).unwrap_or_else(|| {
            format!(
                "HTTP {} with no error message",
                status.map_or_else(|| "?".into(), |s| s.to_string())
            )
        }),
        SdkError::TimeoutError(_) => "the request timed out".to_owned(),
        SdkError::ResponseError(_) => format!(
            "unreadable response (HTTP {})",
            status.map_or_else(|| "?".into(), |s| s.to_string())
        ),
        _ => DisplayErrorContext(err).to_string(),
    };
    ApiError {
        operation,
        code,
        message: one_line(&message),
        kind,
        request_id: err.request_id().map(str::to_owned),
    }
}

/// A message as one short line: whitespace runs collapsed, at most 500 characters (an HTML
/// error page or a debug dump from a misbehaving endpoint would otherwise flood the terminal).
fn one_line(message: &str) -> String {
    const MAX: usize = 500;
    let flat = message.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

fn classify(code: Option<&str>, status: Option<u16>) -> ApiErrorKind {
    if code.is_some_and(|c| THROTTLING_CODES.contains(&c)) || status == Some(429) {
        ApiErrorKind::Throttled
    } else if code.is_some_and(|c| TRANSIENT_CODES.contains(&c)) || status.is_some_and(|s| s >= 500)
    {
        ApiErrorKind::Transient
    } else {
        ApiErrorKind::Permanent
    }
}

/// Which failures a call may be retried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOn {
    /// Throttling and transient failures (reads, and idempotent writes).
    ThrottlingAndTransient,
    /// Throttling only: the request was certainly not applied.
    ThrottlingOnly,
}

/// Runs `call` until it succeeds, fails for good, or runs out of attempts.
///
/// # Errors
/// The last [`ApiError`].
pub async fn with_retry<T, F, Fut>(timing: &Timing, on: RetryOn, mut call: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let mut backoff = Backoff::new(timing.retry_initial, timing.retry_max);
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let retryable = match e.kind {
                    ApiErrorKind::Throttled => true,
                    ApiErrorKind::Transient => on == RetryOn::ThrottlingAndTransient,
                    ApiErrorKind::Permanent => false,
                };
                if !retryable || attempt >= timing.max_attempts {
                    return Err(e);
                }
                let delay = backoff.next_delay();
                tracing::debug!(operation = e.operation, attempt, ?delay, error = %e, "retrying");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(400));
        let delays: Vec<_> = (0..6).map(|_| b.next_delay()).collect();
        let bounds = [100, 200, 400, 400, 400, 400];
        for (d, hi) in delays.iter().zip(bounds) {
            assert!(
                *d >= Duration::from_millis(hi / 2) && *d <= Duration::from_millis(hi),
                "{d:?} vs {hi}"
            );
        }
    }

    #[test]
    fn throttling_and_server_errors_are_retryable_validation_is_not() {
        assert_eq!(
            classify(Some("Throttling"), Some(400)),
            ApiErrorKind::Throttled
        );
        assert_eq!(classify(None, Some(429)), ApiErrorKind::Throttled);
        assert_eq!(classify(None, Some(503)), ApiErrorKind::Transient);
        assert_eq!(
            classify(Some("InternalFailure"), Some(500)),
            ApiErrorKind::Transient
        );
        assert_eq!(
            classify(Some("ValidationError"), Some(400)),
            ApiErrorKind::Permanent
        );
    }

    #[test]
    fn messages_are_one_short_line() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
        let long = one_line(&"<html> ".repeat(200));
        assert_eq!(long.chars().count(), 501);
        assert!(long.ends_with('…'));
    }

    fn err(kind: ApiErrorKind) -> ApiError {
        ApiError {
            operation: "Op",
            code: None,
            message: "m".into(),
            kind,
            request_id: None,
        }
    }

    #[tokio::test]
    async fn retries_until_success_and_gives_up_after_max_attempts() {
        let timing = Timing::fast();
        let calls = AtomicU32::new(0);
        let out = with_retry(&timing, RetryOn::ThrottlingAndTransient, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(err(ApiErrorKind::Throttled))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(out.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        calls.store(0, Ordering::SeqCst);
        let out: Result<(), _> = with_retry(&timing, RetryOn::ThrottlingAndTransient, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(err(ApiErrorKind::Transient))
        })
        .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), timing.max_attempts);
    }

    #[tokio::test]
    async fn writes_are_not_retried_on_transient_errors() {
        let calls = AtomicU32::new(0);
        let out: Result<(), _> = with_retry(&Timing::fast(), RetryOn::ThrottlingOnly, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(err(ApiErrorKind::Transient))
        })
        .await;
        assert!(out.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let out: Result<(), _> = with_retry(&Timing::fast(), RetryOn::ThrottlingOnly, || async {
            Err(err(ApiErrorKind::Permanent))
        })
        .await;
        assert!(out.is_err());
    }
}
