//! Configuring a client: where it talks to, its credentials and limits, and the
//! checks that run once, when it is built.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::Url;

use super::client::{Client, Inner};
use super::error::Error;
use super::keys::PrivateKey;
use super::retry::RetryPolicy;
use super::secret::Secret;
use super::signing;

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// Large enough for a thousand-item page or a statement PDF, small enough that
/// a hostile or broken server cannot exhaust memory.
const DEFAULT_MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

/// Which Upvest deployment to talk to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Environment {
    /// `https://sandbox.upvest.co`
    Sandbox,
    /// `https://api.upvest.co`
    Production,
    /// Any other base URL, e.g. a mock server in tests. It must be `https`,
    /// or `http` on a loopback address.
    Custom(String),
}

impl Environment {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        match self {
            Environment::Sandbox => crate::SANDBOX_URL,
            Environment::Production => crate::PRODUCTION_URL,
            Environment::Custom(url) => url,
        }
    }

    /// `sandbox`, `production`, or a base URL (as `UPVEST_ENVIRONMENT` takes it).
    fn parse(text: &str) -> Environment {
        match text.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Environment::Sandbox,
            "production" => Environment::Production,
            _ => Environment::Custom(text.trim().to_string()),
        }
    }
}

pub(crate) type KeyGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// Configures a [`Client`]. Client id, client secret and signing key are
/// required; everything else has a default.
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder {
    environment: Environment,
    client_id: Option<String>,
    client_secret: Option<Secret<String>>,
    signing_key: Option<(String, PrivateKey)>,
    allowed_scopes: Option<Vec<String>>,
    token_url: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Duration,
    retry_policy: RetryPolicy,
    max_response_body: usize,
    user_agent: String,
    http_client: Option<reqwest::Client>,
    idempotency_key_generator: Option<KeyGenerator>,
    api_version: String,
    insecure_http: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            environment: Environment::Sandbox,
            client_id: None,
            client_secret: None,
            signing_key: None,
            allowed_scopes: None,
            token_url: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            retry_policy: RetryPolicy::default(),
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            user_agent: format!("upvest-client-rust/{}", env!("CARGO_PKG_VERSION")),
            http_client: None,
            idempotency_key_generator: None,
            api_version: crate::API_VERSION.to_string(),
            insecure_http: false,
        }
    }
}

/// The environment variables [`ClientBuilder::from_env`] reads.
pub mod env {
    /// The OAuth2 client id (required).
    pub const CLIENT_ID: &str = "UPVEST_CLIENT_ID";
    /// The OAuth2 client secret (required).
    pub const CLIENT_SECRET: &str = "UPVEST_CLIENT_SECRET";
    /// The id Upvest gave the uploaded public key (required).
    pub const KEY_ID: &str = "UPVEST_KEY_ID";
    /// The path of the PEM private key file (this or [`PRIVATE_KEY_PEM`]).
    pub const PRIVATE_KEY_FILE: &str = "UPVEST_PRIVATE_KEY_FILE";
    /// The PEM private key itself (this or [`PRIVATE_KEY_FILE`]).
    pub const PRIVATE_KEY_PEM: &str = "UPVEST_PRIVATE_KEY_PEM";
    /// The passphrase of an encrypted private key (optional).
    pub const PRIVATE_KEY_PASSPHRASE: &str = "UPVEST_PRIVATE_KEY_PASSPHRASE";
    /// `sandbox` (default), `production`, or a base URL.
    pub const ENVIRONMENT: &str = "UPVEST_ENVIRONMENT";
    /// The scopes the client may request, separated by spaces or commas
    /// (optional; default: any scope an operation needs).
    pub const SCOPES: &str = "UPVEST_SCOPES";
}

impl ClientBuilder {
    /// A builder configured from the environment variables listed in [`env`](mod@env):
    /// `UPVEST_CLIENT_ID`, `UPVEST_CLIENT_SECRET`, `UPVEST_KEY_ID`,
    /// `UPVEST_PRIVATE_KEY_FILE` or `UPVEST_PRIVATE_KEY_PEM` (with
    /// `UPVEST_PRIVATE_KEY_PASSPHRASE` for an encrypted key), and optionally
    /// `UPVEST_ENVIRONMENT` and `UPVEST_SCOPES`. Fails naming the variable
    /// that is missing or wrong.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ClientBuilder::from_env`] with the variables looked up by `var`.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let required =
            |name: &str| var(name).ok_or_else(|| Error::Config(format!("the environment variable {name} is not set")));
        let passphrase = var(env::PRIVATE_KEY_PASSPHRASE).map(Secret::new);
        let key = match (var(env::PRIVATE_KEY_FILE), var(env::PRIVATE_KEY_PEM).map(Secret::new)) {
            (Some(path), _) => match &passphrase {
                Some(pass) => PrivateKey::from_pem_file_with_passphrase(&path, pass.expose()),
                None => PrivateKey::from_pem_file(&path),
            },
            (None, Some(pem)) => match &passphrase {
                Some(pass) => PrivateKey::from_pem_with_passphrase(pem.expose(), pass.expose()),
                None => PrivateKey::from_pem(pem.expose()),
            }
            .map_err(|e| match e {
                Error::Key(message) => Error::Key(format!("{}: {message}", env::PRIVATE_KEY_PEM)),
                other => other,
            }),
            (None, None) => Err(Error::Config(format!(
                "set {} (a path) or {} (the PEM text)",
                env::PRIVATE_KEY_FILE,
                env::PRIVATE_KEY_PEM
            ))),
        }?;
        let mut builder = ClientBuilder::default()
            .client_id(required(env::CLIENT_ID)?)
            .client_secret(required(env::CLIENT_SECRET)?)
            .signing_key(required(env::KEY_ID)?, key);
        if let Some(environment) = var(env::ENVIRONMENT) {
            builder = builder.environment(Environment::parse(&environment));
        }
        if let Some(scopes) = var(env::SCOPES) {
            builder = builder.scopes(scopes.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()));
        }
        Ok(builder)
    }

    /// Where requests go (default: [`Environment::Sandbox`]).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// The OAuth2 client id, also sent as `upvest-client-id`.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The OAuth2 client secret. It is wiped from memory when the client is dropped.
    pub fn client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(Secret::new(client_secret.into()));
        self
    }

    /// The key requests are signed with, and the id Upvest gave its public key.
    pub fn signing_key(mut self, key_id: impl Into<String>, key: PrivateKey) -> Self {
        self.signing_key = Some((key_id.into(), key));
        self
    }

    /// The scopes this client may ever request. Without it, each call asks for
    /// the least-privileged scope its operation accepts (a read scope for
    /// reads, an admin scope for writes), in a token of its own. With it, a
    /// call picks the first scope set of its operation that lies within these
    /// scopes, and a call that needs anything else fails with
    /// [`Error::Scope`] before anything is sent: a read-only tenant says
    /// `.scopes(["users:read", "accounts:read"])` once.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// The token endpoint (default: base URL + `/auth/token`).
    pub fn token_url(mut self, token_url: impl Into<String>) -> Self {
        self.token_url = Some(token_url.into());
        self
    }

    /// How long connecting may take (default 10 s). Ignored when you pass your
    /// own [`ClientBuilder::http_client`]: configure that one instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take in total, reading the body included
    /// (default 30 s). Calls can override it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long one call may take in total: getting the token, every attempt
    /// and every wait between attempts (default 120 s). When it passes the call
    /// ends with [`Error::Deadline`]; a wait that would outlast it is not begun.
    /// Calls can override it.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// How failed attempts are retried (default: [`RetryPolicy::default`]).
    /// Calls can override it.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// The longest response body read, in bytes (default 32 MiB); a longer one
    /// ends the call with [`Error::BodyTooLarge`]. Calls can override it.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_response_body = bytes;
        self
    }

    /// The `user-agent` header (default `upvest-client-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS roots, connection pools).
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: the client
    /// refuses answers that come from a redirect, but by then the request
    /// (and, for the token endpoint, the client secret) went to the new place.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Makes the idempotency keys of calls that need one (default: UUID v4).
    /// Tests use it to get predictable keys.
    pub fn idempotency_key_generator(mut self, generator: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.idempotency_key_generator = Some(Arc::new(generator));
        self
    }

    /// The `upvest-api-version` header (default: the version this crate was
    /// generated for).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = version.into();
        self
    }

    /// Accepts plain `http://` base and token URLs on any host. Only for tests
    /// against servers that cannot do TLS: the client secret, tokens and all
    /// data then travel unencrypted. Loopback addresses (`127.0.0.1`, `[::1]`,
    /// `localhost`) are accepted over `http` without this.
    pub fn danger_accept_insecure_http(mut self) -> Self {
        self.insecure_http = true;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let client_id = self.client_id.ok_or_else(|| Error::Config("client_id is required".into()))?;
        let client_secret = self.client_secret.ok_or_else(|| Error::Config("client_secret is required".into()))?;
        let (key_id, key) = self.signing_key.ok_or_else(|| Error::Config("signing_key is required".into()))?;
        if client_id.is_empty() || HeaderValue::from_str(&client_id).is_err() {
            return Err(Error::Config("client_id must be a non-empty header value".into()));
        }
        if !signing::valid_key_id(&key_id) {
            return Err(Error::Config(
                "the signing key id must be printable ASCII without quotes or backslashes".into(),
            ));
        }
        for (what, value) in [("user_agent", &self.user_agent), ("api_version", &self.api_version)] {
            if HeaderValue::from_str(value).is_err() {
                return Err(Error::Config(format!("{what} is not a valid header value")));
            }
        }
        let base_url = self.environment.base_url().trim_end_matches('/').to_string();
        check_url("base URL", &base_url, self.insecure_http)?;
        let token_url = match self.token_url {
            Some(url) => url,
            None => format!("{base_url}{}", crate::TOKEN_PATH),
        };
        let token_url = check_url("token URL", &token_url, self.insecure_http)?;
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                // A redirect would carry the signed request, the bearer token
                // or the client secret to another place: never follow one.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Client::from_inner(Inner {
            http,
            base_url,
            token_url,
            client_id,
            client_secret,
            key_id,
            key,
            allowed_scopes: self.allowed_scopes,
            timeout: self.timeout,
            deadline: self.deadline,
            retry: self.retry_policy,
            max_response_body: self.max_response_body,
            user_agent: self.user_agent,
            api_version: self.api_version,
            idempotency_key_generator: self.idempotency_key_generator,
            tokens: Default::default(),
        }))
    }
}

/// Parses a configured URL: `https`, or `http` only on a loopback address or
/// after [`ClientBuilder::danger_accept_insecure_http`].
fn check_url(what: &str, url: &str, insecure_http: bool) -> Result<Url, Error> {
    let parsed = Url::parse(url).map_err(|e| Error::Config(format!("invalid {what} {url:?}: {e}")))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if insecure_http || is_loopback(&parsed) => Ok(parsed),
        "http" => Err(Error::Config(format!(
            "the {what} {url:?} is plain http: use https (http is accepted only on loopback \
             addresses, or after ClientBuilder::danger_accept_insecure_http for tests)"
        ))),
        other => Err(Error::Config(format!("the {what} {url:?} has the scheme {other:?}; it must be https"))),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("environment", &self.environment)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("signing_key", &self.signing_key)
            .field("allowed_scopes", &self.allowed_scopes)
            .field("token_url", &self.token_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry_policy", &self.retry_policy)
            .field("max_response_body", &self.max_response_body)
            .field("user_agent", &self.user_agent)
            .field("api_version", &self.api_version)
            .field("insecure_http", &self.insecure_http)
            .finish_non_exhaustive()
    }
}
