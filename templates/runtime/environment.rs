//! The sandbox and production deployments the API document names, as a
//! choice instead of a URL. Part of the runtime only when the document names
//! both.

use super::config::{ClientBuilder, EnvVars};
use super::error::Error;

/// Which deployment of the API to talk to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The sandbox, for integration and testing ([`crate::SANDBOX_URL`]).
    Sandbox,
    /// Production, with live data ([`crate::PRODUCTION_URL`]).
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

    /// `sandbox`, `production`, or a base URL (as the `ENVIRONMENT` variable takes it).
    fn parse(text: &str) -> Environment {
        match text.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Environment::Sandbox,
            "production" => Environment::Production,
            _ => Environment::Custom(text.trim().to_string()),
        }
    }
}

impl<C> ClientBuilder<C> {
    /// Where requests go (default: [`Environment::Sandbox`]).
    pub fn environment(self, environment: Environment) -> Self {
        self.base_url(environment.base_url())
    }
}

/// `<PREFIX>_ENVIRONMENT`: `sandbox` (default), `production`, or a base URL.
pub(crate) fn from_env(builder: ClientBuilder, vars: &EnvVars<'_>) -> Result<ClientBuilder, Error> {
    Ok(match vars.get("ENVIRONMENT") {
        Some(environment) => builder.environment(Environment::parse(&environment)),
        None => builder,
    })
}
