//! When and how long to wait before trying a call again.

use std::time::{Duration, SystemTime};

use super::error::DEFAULT_RETRYABLE_STATUSES;

/// How failed attempts are retried.
///
/// Defaults: 3 attempts in total, backoff starting at 500 ms and doubling up to
/// 10 s with equal jitter, statuses 408, 429, 502, 503 and 504 retried,
/// connection errors retried, `Retry-After` honoured up to 60 s (a longer
/// demand ends the call with the error instead of sleeping that long).
///
/// A POST or PATCH without an idempotency key is retried only when it surely
/// did not reach the server (the connection could not be made), whatever this
/// policy says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) retryable_statuses: Vec<u16>,
    pub(crate) retry_connection_errors: bool,
    pub(crate) max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            retryable_statuses: DEFAULT_RETRYABLE_STATUSES.to_vec(),
            retry_connection_errors: true,
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries (one attempt).
    pub fn none() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Total number of attempts, the first included; 0 is taken as 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Backoff before the second attempt; it doubles for each further one.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Upper bound of the computed backoff.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// HTTP statuses that are retried.
    pub fn retryable_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.retryable_statuses = statuses.into_iter().collect();
        self
    }

    /// Whether connection failures and timeouts are retried.
    pub fn retry_connection_errors(mut self, retry: bool) -> Self {
        self.retry_connection_errors = retry;
        self
    }

    /// The longest `Retry-After` that is waited for; a longer one ends the call
    /// with the error at once.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Whether answers with this status are retried.
    pub(crate) fn retries_status(&self, status: u16) -> bool {
        self.retryable_statuses.contains(&status)
    }

    /// The exponential backoff after the failed attempt number `attempt`
    /// (1-based), capped, with equal jitter: half fixed, half random, so that
    /// clients that failed together do not come back together.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = base / 2;
        half + half.mul_f64(random_fraction())
    }

    /// How long to wait before the next attempt, or `None` to give up because
    /// the server asked for a wait longer than [`RetryPolicy::max_retry_after`].
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(attempt)),
        }
    }
}

/// A random number in `[0, 1)`. Taken from a v4 UUID's random bits so no
/// extra random-number crate is needed; jitter needs no cryptographic quality.
fn random_fraction() -> f64 {
    const BITS: u32 = 53;
    let bits = uuid::Uuid::new_v4().as_u128() & ((1u128 << BITS) - 1);
    bits as f64 / (1u64 << BITS) as f64
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP-date. A date in the
/// past means no wait.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "very long"; saturate.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn backoff_bounds() {
        let p = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for _ in 0..200 {
            let d1 = p.backoff(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d3 = p.backoff(3);
            assert!(
                d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
                "{d3:?}"
            );
            let big = p.backoff(40);
            assert!(
                big >= Duration::from_millis(500) && big <= Duration::from_millis(1000),
                "{big:?}"
            );
        }
    }

    #[test]
    fn retry_after_cap_gives_up() {
        let p = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(6))), None);
        assert!(p.delay(1, None).is_some());
    }

    #[test]
    fn defaults_and_setters() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 3);
        assert!(p.retries_status(429) && p.retries_status(503) && !p.retries_status(500));
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).max_attempts, 1);
        let custom = RetryPolicy::default().retryable_statuses([500]);
        assert!(custom.retries_status(500) && !custom.retries_status(503));
    }
}
