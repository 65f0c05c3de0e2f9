//! The OAuth2 access token cache: refreshed shortly before expiry, one
//! refresh at a time.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::error::Error;
use super::secret::Secret;

/// Used when the token answer has no readable `expires_in`: short, so a
/// missing value costs an extra token request rather than failed calls.
const DEFAULT_EXPIRES_IN: u64 = 60;

/// The longest lifetime believed, whatever the server says: client-credentials
/// tokens rarely live longer than a day, and a larger figure would only keep a
/// revoked token longer (or, unchecked, overflow the clock arithmetic).
const MAX_EXPIRES_IN: u64 = 86_400;

/// A 401 throws the token away at most this often per token: when signing or
/// the clock is wrong every call gets a 401, and refreshing on each would turn
/// every call into a token request.
pub(crate) const MIN_FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(30);

/// A cached access token.
#[derive(Debug)]
pub(crate) struct AccessToken {
    pub(crate) value: Secret<String>,
    /// When to stop using it and fetch a new one.
    refresh_at: Instant,
}

impl AccessToken {
    /// A token obtained at `now` valid for `expires_in` seconds; it is refreshed
    /// early by 10% of its lifetime, at most 30 s, so that a call never leaves
    /// with a token that expires on the way.
    /// Any `expires_in` is taken: 0 means "fetch a new one for the next call",
    /// and anything above a day counts as a day.
    pub(crate) fn new(value: String, expires_in: u64, now: Instant) -> Self {
        let lifetime = Duration::from_secs(expires_in.min(MAX_EXPIRES_IN));
        let margin = (lifetime / 10).min(Duration::from_secs(30));
        AccessToken { value: Secret::new(value), refresh_at: now.checked_add(lifetime - margin).unwrap_or(now) }
    }

    fn is_fresh(&self, now: Instant) -> bool {
        now < self.refresh_at
    }
}

/// The token endpoint's answer.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: Secret<String>,
    #[allow(dead_code)] // read by Debug; client-credentials answers say "bearer"
    #[serde(default)]
    pub(crate) token_type: Option<String>,
    #[serde(default, deserialize_with = "seconds")]
    pub(crate) expires_in: Option<u64>,
    #[allow(dead_code)] // read by Debug; kept for diagnostics
    #[serde(default)]
    pub(crate) scope: Option<String>,
}

/// `expires_in` as a number or a numeric string (both are seen in the wild).
/// Never fails and never panics: a negative value is 0, a fraction is cut, a
/// huge number saturates, and anything unreadable is `None` (the default).
fn seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Int(u64),
        Float(f64),
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    fn from_float(f: f64) -> Option<u64> {
        // `as` saturates: 1e300 becomes u64::MAX, a negative number 0.
        f.is_finite().then_some(f.max(0.0) as u64)
    }
    Ok(match Option::<Seconds>::deserialize(deserializer)? {
        None | Some(Seconds::Other(_)) => None,
        Some(Seconds::Int(n)) => Some(n),
        Some(Seconds::Float(f)) => from_float(f),
        Some(Seconds::Text(s)) => s.trim().parse::<f64>().ok().and_then(from_float),
    })
}

/// Holds the current token and makes sure only one refresh runs at a time.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    current: RwLock<Option<Arc<AccessToken>>>,
    /// Held for the whole refresh; callers that find no fresh token queue here
    /// and then find the token the first one fetched.
    refresh: tokio::sync::Mutex<()>,
    /// Counts finished fetches, so a queued caller can tell that a fetch
    /// completed while it waited.
    fetches: AtomicU64,
    /// The error of the last fetch, handed to the callers that waited for it:
    /// otherwise each of them would try again in turn while the endpoint is
    /// down, and the last one would wait for all the others' retries.
    last_failure: RwLock<Option<Arc<Error>>>,
    /// When a 401 last threw a token away.
    last_forced_refresh: std::sync::Mutex<Option<Instant>>,
}

impl TokenCache {
    fn fresh(&self) -> Option<Arc<AccessToken>> {
        // A poisoned lock only means a panic elsewhere; the data is still valid.
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().filter(|t| t.is_fresh(Instant::now())).cloned()
    }

    /// The current token, fetching a new one with `fetch` when there is no
    /// fresh one. Concurrent callers share a single fetch, and its failure:
    /// errors come back as [`Error::Token`].
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Arc<AccessToken>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<TokenResponse, Error>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let seen = self.fetches.load(Ordering::SeqCst);
        let _refreshing = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if self.fetches.load(Ordering::SeqCst) != seen {
            // A fetch finished while we waited and left no fresh token: it failed.
            let failure = self.last_failure.read().unwrap_or_else(|e| e.into_inner());
            if let Some(error) = failure.as_ref() {
                return Err(Error::Token(error.clone()));
            }
        }
        let started = Instant::now();
        let result = fetch().await;
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let answer = match result {
            Ok(answer) => answer,
            Err(error) => {
                let error = Arc::new(error);
                *self.last_failure.write().unwrap_or_else(|e| e.into_inner()) = Some(error.clone());
                return Err(Error::Token(error));
            }
        };
        let token = Arc::new(AccessToken::new(
            answer.access_token.expose().clone(),
            answer.expires_in.unwrap_or(DEFAULT_EXPIRES_IN),
            started,
        ));
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(token.clone());
        *self.last_failure.write().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(token)
    }

    /// After a 401 with `used`: whether the call should try once more with a
    /// new token. `used` is forgotten unless another call already replaced it
    /// (then the call tries the newer token), so a burst of 401s on one token
    /// causes one refresh; and a token is thrown away at most once per
    /// [`MIN_FORCED_REFRESH_INTERVAL`], so a 401 that a new token does not
    /// cure (a signing or clock problem) does not make every call a token request.
    pub(crate) fn invalidate(&self, used: &Arc<AccessToken>) -> bool {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        if !guard.as_ref().is_some_and(|t| Arc::ptr_eq(t, used)) {
            return true;
        }
        let mut last = self.last_forced_refresh.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < MIN_FORCED_REFRESH_INTERVAL) {
            return false;
        }
        *last = Some(now);
        *guard = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn answer(token: &str, expires_in: u64) -> TokenResponse {
        TokenResponse {
            access_token: Secret::new(token.to_string()),
            token_type: Some("bearer".into()),
            expires_in: Some(expires_in),
            scope: None,
        }
    }

    #[test]
    fn refreshes_early() {
        let now = Instant::now();
        let t = AccessToken::new("x".into(), 1799, now);
        assert!(t.is_fresh(now + Duration::from_secs(1768)));
        assert!(!t.is_fresh(now + Duration::from_secs(1769)));
        let short = AccessToken::new("x".into(), 10, now);
        assert!(short.is_fresh(now + Duration::from_secs(8)));
        assert!(!short.is_fresh(now + Duration::from_secs(9)));
        assert!(!AccessToken::new("x".into(), 0, now).is_fresh(now));
        // Far beyond a day counts as a day, without overflowing the clock.
        let huge = AccessToken::new("x".into(), u64::MAX, now);
        assert!(huge.is_fresh(now + Duration::from_secs(86_000)));
        assert!(!huge.is_fresh(now + Duration::from_secs(86_400)));
    }

    #[test]
    fn any_expires_in_is_read_without_failing() {
        for (json, expected) in [
            ("0", Some(0)),
            ("-5", Some(0)),
            ("12.9", Some(12)),
            ("1e300", Some(u64::MAX)),
            ("-1e300", Some(0)),
            ("\"3600\"", Some(3600)),
            ("\"1e3\"", Some(1000)),
            ("\"soon\"", None),
            ("null", None),
            ("true", None),
            ("[1]", None),
            ("{}", None),
        ] {
            let r: TokenResponse = serde_json::from_str(&format!(r#"{{"access_token":"a","expires_in":{json}}}"#))
                .unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(r.expires_in, expected, "{json}");
        }
    }

    #[test]
    fn token_response_parsing_and_redaction() {
        let r: TokenResponse = serde_json::from_str(
            r#"{"access_token":"sekrit","token_type":"bearer","expires_in":"86400","scope":"users:read"}"#,
        )
        .unwrap();
        assert_eq!(r.expires_in, Some(86400));
        assert!(!format!("{r:?}").contains("sekrit"));
        let r: TokenResponse = serde_json::from_str(r#"{"access_token":"a","expires_in":1799}"#).unwrap();
        assert_eq!(r.expires_in, Some(1799));
        let r: TokenResponse = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(r.expires_in, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn single_flight_under_concurrency() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..100 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(answer("t1", 3600))
                    })
                    .await
                    .map(|t| t.value.expose().clone())
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), "t1");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn invalidate_only_the_used_token() {
        let cache = TokenCache::default();
        let first = cache.get(|| async { Ok(answer("t1", 3600)) }).await.unwrap();
        assert!(cache.invalidate(&first));
        let second = cache.get(|| async { Ok(answer("t2", 3600)) }).await.unwrap();
        assert_eq!(second.value.expose(), "t2");
        // A late 401 on the old token must not throw away the new one, and
        // the call tries the new one.
        assert!(cache.invalidate(&first));
        let still = cache.get(|| async { Ok(answer("t3", 3600)) }).await.unwrap();
        assert_eq!(still.value.expose(), "t2");
        // Another 401 within the interval keeps the token: no refresh storm.
        assert!(!cache.invalidate(&still));
        assert_eq!(cache.fresh().unwrap().value.expose(), "t2");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiters_share_a_failed_fetch() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Err(Error::Timeout { idempotency_key: None })
                    })
                    .await
                    .map(|_| ())
            }));
        }
        for t in tasks {
            match t.await.unwrap() {
                Err(Error::Token(inner)) => assert!(matches!(*inner, Error::Timeout { .. })),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failed_fetch_is_not_cached() {
        let cache = TokenCache::default();
        let err = cache.get(|| async { Err(Error::Config("boom".into())) }).await.unwrap_err();
        match err {
            Error::Token(inner) => assert!(matches!(*inner, Error::Config(_))),
            other => panic!("{other:?}"),
        }
        let ok = cache.get(|| async { Ok(answer("t", 3600)) }).await.unwrap();
        assert_eq!(ok.value.expose(), "t");
    }
}
