//! Configuring a client: where it talks to, its credentials and limits, and the
//! checks that run once, when it is built.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::Url;

use super::api::{Api, SchemeKind};
use super::attempt::SignRequest;
use super::auth::{Credential, Credentials};
use super::client::{Client, Inner};
use super::error::Error;
use super::retry::RetryPolicy;
use super::secret::Secret;

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// Large enough for a thousand-item page or a statement PDF, small enough that
/// a hostile or broken server cannot exhaust memory.
const DEFAULT_MAX_RESPONSE_BODY: usize = 32 * 1024 * 1024;

pub(crate) type KeyGenerator = Arc<dyn Fn() -> String + Send + Sync>;

/// Configures a client. Which credentials it needs depends on the
/// operations called: [`ClientBuilder::build`] fails without the ones every
/// operation needs, and a call fails, before sending, without the ones its
/// operation needs. Everything else has a default.
///
/// `C` is the client it builds: the generated client crate's, which holds this
/// crate's [`Client`] and adds a method per operation.
#[derive(Clone)]
#[must_use]
pub struct ClientBuilder<C = Client> {
    settings: Settings,
    client: PhantomData<fn() -> C>,
}

/// Everything a builder holds, whatever client it builds.
#[derive(Clone)]
struct Settings {
    api: &'static Api,
    base_url: Option<String>,
    credentials: Credentials,
    signer: Option<Arc<dyn SignRequest>>,
    allowed_scopes: Option<Vec<String>>,
    token_url: Option<String>,
    client_secret_basic: bool,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Duration,
    retry_policy: RetryPolicy,
    max_response_body: usize,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    idempotency_key_generator: Option<KeyGenerator>,
    api_version: Option<String>,
    insecure_http: bool,
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        ClientBuilder::new(&crate::API).building()
    }
}

/// The environment variables of one API: `<PREFIX>_<NAME>`, where the prefix
/// comes from the API ([`crate::env`] lists them); empty values count as unset.
pub(crate) struct EnvVars<'a> {
    prefix: &'static str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl EnvVars<'_> {
    /// The full name of the variable `suffix` (`CLIENT_ID` -> `ACME_CLIENT_ID`).
    pub(crate) fn name(&self, suffix: &str) -> String {
        format!("{}_{suffix}", self.prefix)
    }

    /// The variable's value, if it is set and not blank.
    pub(crate) fn get(&self, suffix: &str) -> Option<String> {
        (self.lookup)(&self.name(suffix)).filter(|v| !v.trim().is_empty())
    }

    /// The variable's value, or an error naming it.
    pub(crate) fn required(&self, suffix: &str) -> Result<String, Error> {
        self.get(suffix)
            .ok_or_else(|| Error::Config(format!("the environment variable {} is not set", self.name(suffix))))
    }
}

impl ClientBuilder {
    /// A builder for a client of `api` with every default.
    pub(crate) fn new(api: &'static Api) -> ClientBuilder {
        ClientBuilder {
            client: PhantomData,
            settings: Settings {
                api,
                base_url: None,
                credentials: Credentials::default(),
                signer: None,
                allowed_scopes: None,
                token_url: None,
                client_secret_basic: false,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                timeout: DEFAULT_TIMEOUT,
                deadline: DEFAULT_DEADLINE,
                retry_policy: RetryPolicy::default(),
                max_response_body: DEFAULT_MAX_RESPONSE_BODY,
                user_agent: None,
                http_client: None,
                idempotency_key_generator: None,
                api_version: None,
                insecure_http: false,
            },
        }
    }

    /// [`ClientBuilder::from_env`] with the variables looked up by `var`.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        Self::from_vars_of(&crate::API, &var)
    }

    pub(crate) fn from_vars_of(
        api: &'static Api,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ClientBuilder, Error> {
        let vars = EnvVars { prefix: api.env_prefix, lookup: var };
        let mut builder = ClientBuilder::new(api);
        // The variable of a kind of credential: required when a scheme every
        // operation needs takes it, read if set otherwise, and not read at all
        // when no scheme of the API takes it.
        let credential = |suffix: &str, credential: Credential| -> Result<Option<String>, Error> {
            match (api.uses(credential), api.requires(credential)) {
                (false, _) => Ok(None),
                (true, true) => vars.required(suffix).map(Some),
                (true, false) => Ok(vars.get(suffix)),
            }
        };
        if let (Some(id), Some(secret)) = (
            credential("CLIENT_ID", Credential::ClientCredentials)?,
            credential("CLIENT_SECRET", Credential::ClientCredentials)?,
        ) {
            builder = builder.client_id(id).client_secret(secret);
        }
        if let Some(scopes) = vars.get("SCOPES").filter(|_| api.uses(Credential::ClientCredentials)) {
            builder = builder.scopes(scopes.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()));
        }
        if let Some(token) = credential("BEARER_TOKEN", Credential::Bearer)? {
            builder = builder.bearer_token(token);
        }
        if let Some(user) = credential("USERNAME", Credential::Basic)? {
            builder = builder.basic_auth(user, vars.required("PASSWORD")?);
        }
        if let Some(key) = credential("API_KEY", Credential::ApiKey)? {
            builder = builder.api_key(key);
        }
        if let Some(url) = vars.get("BASE_URL") {
            builder = builder.base_url(url.trim());
        }
        for read in api.env_readers {
            builder = read(builder, &vars)?;
        }
        Ok(builder)
    }

    /// The same configuration, building a client of type `C`.
    fn building<C>(self) -> ClientBuilder<C> {
        ClientBuilder { settings: self.settings, client: PhantomData }
    }
}

impl<C> ClientBuilder<C> {
    /// A builder configured from the environment variables listed in
    /// [`crate::env`]: the credentials of the API's security schemes, and
    /// optionally the base URL and the scopes. Fails naming the variable that
    /// is missing or wrong.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_vars(|name| std::env::var(name).ok()).map(ClientBuilder::building)
    }

    /// Where requests go (default: the first server the API document names).
    /// It must be `https`, or `http` on a loopback address.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.settings.base_url = Some(base_url.into());
        self
    }

    /// The OAuth2 client id, for the client-credentials grant (and sent in the
    /// header the API document names for it, if any).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.settings.credentials.client_id = Some(client_id.into());
        self
    }

    /// The OAuth2 client secret. It is wiped from memory when the client is dropped.
    pub fn client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.settings.credentials.client_secret = Some(Secret::new(client_secret.into()));
        self
    }

    /// The token sent as `authorization: Bearer <token>` to operations that
    /// take HTTP bearer authentication (or an OAuth2 flow other than client
    /// credentials, whose token you obtain yourself). Wiped from memory when
    /// the client is dropped.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.settings.credentials.bearer_token = Some(Secret::new(token.into()));
        self
    }

    /// The user name and password of HTTP basic authentication. The password is
    /// wiped from memory when the client is dropped.
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.settings.credentials.basic = Some((username.into(), Secret::new(password.into())));
        self
    }

    /// The API key, sent where the API document says (a header, a query
    /// parameter or a cookie). Wiped from memory when the client is dropped.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.settings.credentials.api_key = Some(Secret::new(key.into()));
        self
    }

    /// The API the client is for (read by the optional parts of the runtime).
    #[allow(dead_code)]
    pub(crate) fn api(&self) -> &'static Api {
        self.settings.api
    }

    /// Signs every request (set by the optional signing part of the runtime).
    #[allow(dead_code)]
    pub(crate) fn signer(mut self, signer: Arc<dyn SignRequest>) -> Self {
        self.settings.signer = Some(signer);
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
        self.settings.allowed_scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Sends the OAuth2 client id and secret to the token endpoint in an HTTP
    /// Basic `authorization` header (`client_secret_basic`) instead of the form
    /// body (`client_secret_post`, the default). Every OAuth2 server must take
    /// Basic, some take nothing else, and an API document cannot say which one
    /// its server wants.
    pub fn client_secret_basic(mut self) -> Self {
        self.settings.client_secret_basic = true;
        self
    }

    /// The OAuth2 token endpoint (default: the one the API document names; a
    /// path there is taken relative to the base URL).
    pub fn token_url(mut self, token_url: impl Into<String>) -> Self {
        self.settings.token_url = Some(token_url.into());
        self
    }

    /// How long connecting may take (default 10 s). Ignored when you pass your
    /// own [`ClientBuilder::http_client`]: configure that one instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take in total, reading the body included
    /// (default 30 s). Calls can override it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = timeout;
        self
    }

    /// How long one call may take in total: getting the token, every attempt
    /// and every wait between attempts (default 120 s). When it passes the call
    /// ends with [`Error::Deadline`]; a wait that would outlast it is not begun.
    /// Calls can override it.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = deadline;
        self
    }

    /// How failed attempts are retried (default: [`RetryPolicy::default`]).
    /// Calls can override it.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.settings.retry_policy = policy;
        self
    }

    /// The longest response body read, in bytes (default 32 MiB); a longer one
    /// ends the call with [`Error::BodyTooLarge`]. Calls can override it.
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.settings.max_response_body = bytes;
        self
    }

    /// The `user-agent` header (default: this crate's name and version).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.settings.user_agent = Some(user_agent.into());
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS roots, connection pools).
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: the client
    /// refuses answers that come from a redirect, but by then the request
    /// (and, for the token endpoint, the client secret) went to the new place.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.settings.http_client = Some(client);
        self
    }

    /// Makes the idempotency keys of calls that need one (default: UUID v4).
    /// Tests use it to get predictable keys.
    pub fn idempotency_key_generator(mut self, generator: impl Fn() -> String + Send + Sync + 'static) -> Self {
        self.settings.idempotency_key_generator = Some(Arc::new(generator));
        self
    }

    /// The value of the API version header the API document names (default:
    /// the version this crate was generated for).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.settings.api_version = Some(version.into());
        self
    }

    /// Accepts plain `http://` base and token URLs on any host. Only for tests
    /// against servers that cannot do TLS: the client secret, tokens and all
    /// data then travel unencrypted. Loopback addresses (`127.0.0.1`, `[::1]`,
    /// `localhost`) are accepted over `http` without this.
    pub fn danger_accept_insecure_http(mut self) -> Self {
        self.settings.insecure_http = true;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<C, Error>
    where
        C: From<Client>,
    {
        let api = self.settings.api;
        self.check_credentials()?;
        let mut fixed_headers = Vec::new();
        if let (Some(name), Some(id)) = (api.client_id_header, &self.settings.credentials.client_id) {
            fixed_headers.push(fixed_header(name, id, "client_id")?);
        }
        if let Some((name, default)) = api.version_header {
            fixed_headers.push(fixed_header(
                name,
                self.settings.api_version.as_deref().unwrap_or(default),
                "api_version",
            )?);
        } else if self.settings.api_version.is_some() {
            return Err(Error::Config("api_version is set but this API names no version header".into()));
        }
        if let Some((name, version)) = api.signature_version_header {
            fixed_headers.push(fixed_header(name, version, "the signature version")?);
        }
        let user_agent = self.settings.user_agent.as_deref().unwrap_or(api.user_agent);
        fixed_headers.push(fixed_header("user-agent", user_agent, "user_agent")?);
        let base_url =
            self.settings.base_url.as_deref().unwrap_or(api.default_base_url).trim_end_matches('/').to_string();
        if base_url.is_empty() {
            return Err(Error::Config(
                "the API document names no server: set the base URL with ClientBuilder::base_url".into(),
            ));
        }
        check_url("base URL", &base_url, self.settings.insecure_http)?;
        let mut token_urls = Vec::new();
        for scheme in api.schemes {
            if let SchemeKind::ClientCredentials { token_url } = scheme.kind {
                let url = match &self.settings.token_url {
                    Some(url) => url.clone(),
                    None if token_url.starts_with('/') => format!("{base_url}{token_url}"),
                    None => token_url.to_string(),
                };
                token_urls.push((scheme.name, check_url("token URL", &url, self.settings.insecure_http)?));
            }
        }
        let http = match self.settings.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.settings.connect_timeout)
                // A redirect would carry the signed request, the credentials
                // or the client secret to another place: never follow one.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Client::from_inner(Inner {
            api,
            http,
            base_url,
            token_urls,
            credentials: self.settings.credentials,
            signer: self.settings.signer,
            fixed_headers,
            allowed_scopes: self.settings.allowed_scopes,
            timeout: self.settings.timeout,
            deadline: self.settings.deadline,
            retry: self.settings.retry_policy,
            max_response_body: self.settings.max_response_body,
            idempotency_key_generator: self.settings.idempotency_key_generator,
            client_secret_basic: self.settings.client_secret_basic,
            tokens: Default::default(),
        })
        .into())
    }

    /// The credentials every operation needs are there, and none is set that
    /// the API has no use for (a sign of a client configured for another API).
    fn check_credentials(&self) -> Result<(), Error> {
        let api = self.settings.api;
        let credentials = &self.settings.credentials;
        for credential in Credential::ALL {
            if api.requires(credential) && !credentials.has(credential) {
                let missing = match credential {
                    Credential::ClientCredentials if credentials.client_id.is_none() => "client_id",
                    Credential::ClientCredentials => "client_secret",
                    other => other.setter(),
                };
                return Err(Error::Config(format!("{missing} is required")));
            }
            // A credential no scheme takes is a sign of a client set up for another API.
            if credentials.has_any_of(credential) && !api.uses(credential) {
                return Err(Error::Config(format!(
                    "{} given, but no security scheme of this API takes it",
                    credential.setter()
                )));
            }
        }
        if let Some(id) = &credentials.client_id {
            if id.is_empty() || HeaderValue::from_str(id).is_err() {
                return Err(Error::Config("client_id must be a non-empty header value".into()));
            }
        }
        match &self.settings.signer {
            Some(signer) => signer.check(),
            None if api.signs_requests => Err(Error::Config("signing_key is required".into())),
            None => Ok(()),
        }
    }
}

/// A header the client sends on every request, checked once here.
fn fixed_header(name: &'static str, value: &str, what: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let value =
        HeaderValue::from_str(value).map_err(|_| Error::Config(format!("{what} is not a valid header value")))?;
    Ok((HeaderName::from_static(name), value))
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

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.settings.base_url.as_deref().unwrap_or(self.settings.api.default_base_url))
            .field("credentials", &self.settings.credentials)
            .field("signer", &self.settings.signer)
            .field("allowed_scopes", &self.settings.allowed_scopes)
            .field("token_url", &self.settings.token_url)
            .field("client_secret_basic", &self.settings.client_secret_basic)
            .field("connect_timeout", &self.settings.connect_timeout)
            .field("timeout", &self.settings.timeout)
            .field("deadline", &self.settings.deadline)
            .field("retry_policy", &self.settings.retry_policy)
            .field("max_response_body", &self.settings.max_response_body)
            .field("user_agent", &self.settings.user_agent.as_deref().unwrap_or(self.settings.api.user_agent))
            .field("api_version", &self.settings.api_version)
            .field("insecure_http", &self.settings.insecure_http)
            .finish_non_exhaustive()
    }
}
