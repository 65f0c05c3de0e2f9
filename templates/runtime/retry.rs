//! When and how long to wait before trying a call again.

use std::time::{Duration, SystemTime};

use super::error::{Error, DEFAULT_RETRYABLE_STATUSES};

/// How failed attempts are retried.
///
/// Defaults: 3 attempts in total, backoff starting at 500 ms and doubling up to
/// 10 s with equal jitter, statuses 408, 429, 502, 503 and 504 retried,
/// connection errors retried, `Retry-After` honoured up to 60 s (a longer
/// demand waits 60 s) with up to 10% jitter so that throttled clients do not
/// come back together; an unreadable `Retry-After` falls back to the backoff.
/// The call's deadline ([`crate::ClientBuilder::deadline`]) bounds it all.
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

    /// The longest `Retry-After` that is waited for; a longer demand waits this long.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// The exponential backoff after the failed attempt number `attempt`
    /// (1-based), capped, with equal jitter: half fixed, half random, so that
    /// clients that failed together do not come back together.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(31);
        let base = self.initial_backoff.saturating_mul(1u32 << exp).min(self.max_backoff);
        let half = base / 2;
        half + half.mul_f64(random_fraction())
    }

    /// How long to wait before the next attempt: the server's `Retry-After`
    /// lengthened by up to 10% (never shortened: it is the least the server asks
    /// for), or, when that is above [`RetryPolicy::max_retry_after`], the cap
    /// shortened by up to 10%; the backoff when there is none.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let cap = self.max_retry_after;
        match retry_after {
            Some(wait) if wait <= cap => (wait + (wait / 10).mul_f64(random_fraction())).min(cap),
            Some(_) => cap - (cap / 10).mul_f64(random_fraction()),
            None => self.backoff(attempt),
        }
    }

    /// Whether a failed attempt is worth repeating under this policy: the one
    /// classification, shared with [`Error::is_retryable`]. `repeatable` says
    /// whether sending the request twice is harmless; `maybe_sent` whether this
    /// attempt may have reached the server.
    pub(crate) fn should_retry(&self, error: &Error, repeatable: bool, maybe_sent: bool) -> bool {
        if !is_transient(error, &self.retryable_statuses) {
            return false;
        }
        match error {
            Error::Api(_) => repeatable,
            _ => self.retry_connection_errors && (repeatable || !maybe_sent),
        }
    }
}

/// Whether an error says nothing against the request itself, so the same call
/// may succeed later: a listed status, a connection failure or a timeout.
pub(crate) fn is_transient(error: &Error, statuses: &[u16]) -> bool {
    match error {
        Error::Api(e) => statuses.contains(&e.status.as_u16()),
        // Not a request that could not be built, nor a redirect refused.
        Error::Transport { source, .. } => !source.is_builder() && !source.is_redirect(),
        Error::Timeout { .. } => true,
        Error::Token(inner) => is_transient(inner, statuses),
        _ => false,
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
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT.
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(Duration::from_secs(u64::MAX)));
    }

    #[test]
    fn backoff_bounds() {
        let p =
            RetryPolicy::default().initial_backoff(Duration::from_millis(100)).max_backoff(Duration::from_millis(1000));
        for _ in 0..200 {
            let d1 = p.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100), "{d1:?}");
            let d3 = p.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400), "{d3:?}");
            let big = p.backoff(40);
            assert!(big >= Duration::from_millis(500) && big <= Duration::from_millis(1000), "{big:?}");
        }
    }

    #[test]
    fn retry_after_is_capped_and_jittered() {
        let p =
            RetryPolicy::default().max_retry_after(Duration::from_secs(5)).initial_backoff(Duration::from_millis(100));
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..100 {
            let d = p.delay(1, Some(Duration::from_secs(3)));
            assert!(d >= Duration::from_secs(3) && d <= Duration::from_millis(3300), "{d:?}");
            seen.insert(d);
            // Above the cap: the cap, jittered, instead of giving up.
            let long = p.delay(1, Some(Duration::from_secs(3600)));
            assert!(long <= Duration::from_secs(5) && long >= Duration::from_millis(4500), "{long:?}");
        }
        assert!(seen.len() > 1, "Retry-After waits are jittered");
        assert!(p.delay(1, None) <= Duration::from_millis(100));
    }

    #[test]
    fn defaults_and_setters() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 3);
        let api = |status: u16| {
            Error::from(super::super::error::ApiError::new(
                reqwest::StatusCode::from_u16(status).unwrap(),
                Default::default(),
                None,
                Default::default(),
            ))
        };
        assert!(p.should_retry(&api(429), true, true) && p.should_retry(&api(503), true, true));
        assert!(!p.should_retry(&api(500), true, true));
        // A 503 to a call that must not repeat is final.
        assert!(!p.should_retry(&api(503), false, true));
        let timeout = Error::Timeout { idempotency_key: None };
        assert!(p.should_retry(&timeout, true, true));
        assert!(!p.should_retry(&timeout, false, true));
        assert!(!p.clone().retry_connection_errors(false).should_retry(&timeout, true, false));
        // Error::is_retryable is the same rule with the default statuses.
        assert_eq!(api(503).is_retryable(), p.should_retry(&api(503), true, true));
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        assert_eq!(RetryPolicy::default().max_attempts(0).max_attempts, 1);
        let custom = RetryPolicy::default().retryable_statuses([500]);
        assert!(custom.should_retry(&api(500), true, true) && !custom.should_retry(&api(503), true, true));
    }
}
