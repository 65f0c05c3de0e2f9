//! What the API document says the client must do beyond its operations: where
//! the API lives, how it authenticates, and which headers the client itself
//! fills in. The generator appends the API a runtime crate serves to its root,
//! as one `Api` constant; the runtime acts on nothing else, so one runtime
//! serves every document.

use super::auth::Credential;
use super::config::{ClientBuilder, EnvVars};
use super::error::Error;

/// The API a client talks to, as its document describes it.
#[derive(Debug)]
pub(crate) struct Api {
    /// Where requests go unless the caller says otherwise: the document's first
    /// server, or empty when it names none (then the caller must set one).
    pub(crate) default_base_url: &'static str,
    /// The default `user-agent`.
    pub(crate) user_agent: &'static str,
    /// The prefix of the environment variables `ClientBuilder::from_env` reads.
    pub(crate) env_prefix: &'static str,
    /// Every security scheme an operation names.
    pub(crate) schemes: &'static [SecurityScheme],
    /// Schemes every operation needs: `ClientBuilder::build` fails without
    /// their credentials rather than at the first call.
    pub(crate) required_schemes: &'static [&'static str],
    /// A header carrying the OAuth2 client id on every request.
    pub(crate) client_id_header: Option<&'static str>,
    /// A header carrying the API version on every request: name and default value.
    pub(crate) version_header: Option<(&'static str, &'static str)>,
    /// A header carrying the version of the request signatures on every
    /// request (itself not signed): name and value.
    pub(crate) signature_version_header: Option<(&'static str, &'static str)>,
    /// The response header with the server's id of the request (support asks for it).
    pub(crate) request_id_header: Option<&'static str>,
    /// Whether every request must be signed (`ClientBuilder::build` fails
    /// without a signer).
    pub(crate) signs_requests: bool,
    /// Reads the settings of the optional runtime parts from environment
    /// variables, after the core ones (`ClientBuilder::from_env`).
    pub(crate) env_readers: &'static [EnvReader],
}

/// Adds to a builder what one optional runtime part reads from the environment.
pub(crate) type EnvReader = fn(ClientBuilder, &EnvVars<'_>) -> Result<ClientBuilder, Error>;

/// A security scheme of the document.
#[derive(Debug)]
pub(crate) struct SecurityScheme {
    /// Its name under `components.securitySchemes`.
    pub(crate) name: &'static str,
    /// How requests carry it.
    pub(crate) kind: SchemeKind,
}

/// How a security scheme authenticates a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SchemeKind {
    /// `authorization: Bearer <token>` with a token the caller gives
    /// (`ClientBuilder::bearer_token`).
    Bearer,
    /// `authorization: Basic ...` (`ClientBuilder::basic_auth`).
    Basic,
    /// An API key in a header, a query parameter or a cookie (`ClientBuilder::api_key`).
    ApiKey {
        /// The header, query parameter or cookie name.
        name: &'static str,
        /// Where the key goes.
        location: KeyLocation,
    },
    /// OAuth2 client credentials: a bearer token the client gets from
    /// `token_url` itself (`ClientBuilder::client_id`, `ClientBuilder::client_secret`).
    ClientCredentials {
        /// The token endpoint the document names; a path (`/auth/token`) is
        /// relative to the client's base URL, so one document serves every
        /// deployment of the API.
        token_url: &'static str,
    },
}

/// Where an API key goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyLocation {
    Header,
    Query,
    Cookie,
}

/// One scheme of one security requirement, with the OAuth2 scopes it needs.
#[doc(hidden)]
#[derive(Debug)]
pub struct Requirement {
    /// The scheme's name in [`Api::schemes`].
    pub scheme: &'static str,
    /// OAuth2 scopes, all needed (empty for other schemes).
    pub scopes: &'static [&'static str],
}

impl Api {
    /// The scheme called `name`. Generated code names only schemes it lists.
    pub(crate) fn scheme(&self, name: &str) -> Option<&SecurityScheme> {
        self.schemes.iter().find(|scheme| scheme.name == name)
    }

    /// Whether any scheme takes this credential.
    pub(crate) fn uses(&self, credential: Credential) -> bool {
        self.schemes.iter().any(|scheme| Credential::of(&scheme.kind) == credential)
    }

    /// Whether a scheme every operation needs takes this credential.
    pub(crate) fn requires(&self, credential: Credential) -> bool {
        self.required_schemes
            .iter()
            .any(|name| self.scheme(name).is_some_and(|s| Credential::of(&s.kind) == credential))
    }
}
