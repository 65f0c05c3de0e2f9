//! Authentication: which of an operation's security requirements a call
//! satisfies with the credentials the client has, and what that adds to the
//! request. OAuth2 client-credentials tokens follow least privilege: each call
//! asks for the scopes its operation needs and no more, in a token of its own,
//! and each such token is cached, refreshed and single-flighted on its own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use reqwest::header::{HeaderName, HeaderValue};

use super::api::{Api, KeyLocation, Requirement, SchemeKind};
use super::error::Error;
use super::request::Operation;
use super::secret::Secret;
use super::token::TokenCache;

/// The credentials a client was given; each serves every scheme of its kind.
#[derive(Clone, Default)]
pub(crate) struct Credentials {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<Secret<String>>,
    pub(crate) bearer_token: Option<Secret<String>>,
    pub(crate) basic: Option<(String, Secret<String>)>,
    pub(crate) api_key: Option<Secret<String>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("bearer_token", &self.bearer_token)
            .field("basic", &self.basic)
            .field("api_key", &self.api_key)
            .finish()
    }
}

/// A kind of credential: one per kind of scheme, serving every scheme of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    ClientCredentials,
    Bearer,
    Basic,
    ApiKey,
}

impl Credential {
    pub(crate) const ALL: [Credential; 4] =
        [Credential::ClientCredentials, Credential::Bearer, Credential::Basic, Credential::ApiKey];

    /// The credential a scheme of this kind takes.
    pub(crate) fn of(kind: &SchemeKind) -> Credential {
        match kind {
            SchemeKind::ClientCredentials { .. } => Credential::ClientCredentials,
            SchemeKind::Bearer => Credential::Bearer,
            SchemeKind::Basic => Credential::Basic,
            SchemeKind::ApiKey { .. } => Credential::ApiKey,
        }
    }

    /// The builder method that gives the client this credential.
    pub(crate) fn setter(self) -> &'static str {
        match self {
            Credential::ClientCredentials => "ClientBuilder::client_id and ClientBuilder::client_secret",
            Credential::Bearer => "ClientBuilder::bearer_token",
            Credential::Basic => "ClientBuilder::basic_auth",
            Credential::ApiKey => "ClientBuilder::api_key",
        }
    }
}

impl Credentials {
    /// Whether the client has this credential (both halves of a pair).
    pub(crate) fn has(&self, credential: Credential) -> bool {
        match credential {
            Credential::ClientCredentials => self.client_id.is_some() && self.client_secret.is_some(),
            Credential::Bearer => self.bearer_token.is_some(),
            Credential::Basic => self.basic.is_some(),
            Credential::ApiKey => self.api_key.is_some(),
        }
    }

    /// Whether any part of this credential was given.
    pub(crate) fn has_any_of(&self, credential: Credential) -> bool {
        match credential {
            Credential::ClientCredentials => self.client_id.is_some() || self.client_secret.is_some(),
            other => self.has(other),
        }
    }
}

/// What authenticating one call adds to its request. No `Debug`: the query may
/// hold an API key in the clear.
#[derive(Default)]
pub(crate) struct Plan {
    /// Headers (marked sensitive), a `cookie` header among them for cookie keys.
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Query parameters (API keys in the query).
    pub(crate) query: Vec<(&'static str, String)>,
    /// The token to get: the client-credentials scheme and the `scope` value.
    pub(crate) token: Option<(&'static str, String)>,
}

impl Plan {
    /// Whether the URL carries a secret, so it must stay out of error messages.
    pub(crate) fn secret_in_url(&self) -> bool {
        !self.query.is_empty()
    }
}

/// Picks the first of the operation's requirements (the document lists the
/// least-privileged first) the client has every credential for and, for
/// client credentials, may ask for the scopes of (`allowed`, when the caller
/// restricted the client). A requirement of no scheme (optional
/// authentication) counts only when no other one can be met. Fails, before
/// anything is sent, when none can be met.
pub(crate) fn plan(
    api: &Api,
    operation: &Operation,
    credentials: &Credentials,
    allowed: Option<&[String]>,
) -> Result<Plan, Error> {
    if operation.security.is_empty() {
        return Ok(Plan::default());
    }
    let mut anonymous = false;
    let mut refused_scopes = false;
    for alternative in operation.security {
        if alternative.is_empty() {
            anonymous = true;
            continue;
        }
        let kinds: Option<Vec<SchemeKind>> = alternative.iter().map(|r| api.scheme(r.scheme).map(|s| s.kind)).collect();
        let Some(kinds) = kinds else { continue };
        if !kinds.iter().all(|kind| credentials.has(Credential::of(kind))) {
            continue;
        }
        let plan = plan_for(alternative, &kinds, credentials)?;
        if let (Some((_, scope)), Some(allowed)) = (&plan.token, allowed) {
            if !scope.split(' ').filter(|s| !s.is_empty()).all(|s| allowed.iter().any(|a| a == s)) {
                refused_scopes = true;
                continue;
            }
        }
        return Ok(plan);
    }
    if anonymous {
        return Ok(Plan::default());
    }
    if refused_scopes {
        return Err(Error::Scope {
            operation: operation.id,
            needs: operation
                .security
                .iter()
                .map(|alternative| alternative.iter().flat_map(|r| r.scopes.iter().copied()).collect())
                .collect(),
            allowed: allowed.map(<[String]>::to_vec).unwrap_or_default(),
        });
    }
    Err(Error::Config(format!(
        "{} needs credentials the client does not have: {}",
        operation.id,
        needs(api, operation)
    )))
}

/// The credentials an operation takes, as alternatives: "set X, or Y".
fn needs(api: &Api, operation: &Operation) -> String {
    let alternatives: Vec<String> = operation
        .security
        .iter()
        .map(|alternative| {
            let setters: Vec<&str> = alternative
                .iter()
                .map(|r| api.scheme(r.scheme).map_or("an unknown scheme", |s| Credential::of(&s.kind).setter()))
                .collect();
            format!("set {}", setters.join(" and "))
        })
        .collect();
    alternatives.join(", or ")
}

fn plan_for(alternative: &[Requirement], kinds: &[SchemeKind], credentials: &Credentials) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    let mut cookies: Vec<String> = Vec::new();
    for (requirement, kind) in alternative.iter().zip(kinds) {
        match *kind {
            SchemeKind::Bearer => {
                let token = credentials.bearer_token.as_ref().map(|t| t.expose().as_str()).unwrap_or_default();
                plan.headers.push(sensitive("authorization", &format!("Bearer {token}"))?);
            }
            SchemeKind::Basic => {
                let (user, password) =
                    credentials.basic.as_ref().map(|(u, p)| (u.as_str(), p.expose().as_str())).unwrap_or_default();
                plan.headers.push(basic_authorization(user, password)?);
            }
            SchemeKind::ApiKey { name, location } => {
                let key = credentials.api_key.as_ref().map(|k| k.expose().clone()).unwrap_or_default();
                match location {
                    KeyLocation::Header => plan.headers.push(sensitive(name, &key)?),
                    KeyLocation::Query => plan.query.push((name, key)),
                    KeyLocation::Cookie => cookies.push(format!("{name}={key}")),
                }
            }
            SchemeKind::ClientCredentials { .. } => {
                let mut scopes: Vec<&str> = requirement.scopes.to_vec();
                if let Some((_, earlier)) = &plan.token {
                    scopes.extend(earlier.split(' ').filter(|s| !s.is_empty()));
                }
                // One spelling per set, so equal sets share one token.
                scopes.sort_unstable();
                scopes.dedup();
                let scheme = plan.token.as_ref().map_or(requirement.scheme, |(scheme, _)| *scheme);
                plan.token = Some((scheme, scopes.join(" ")));
            }
        }
    }
    if !cookies.is_empty() {
        plan.headers.push(sensitive("cookie", &cookies.join("; "))?);
    }
    Ok(plan)
}

/// The `authorization` header of a token request with `client_secret_basic`:
/// id and secret form-urlencoded, then as HTTP Basic (RFC 6749, section 2.3.1).
pub(crate) fn client_secret_basic(client_id: &str, client_secret: &str) -> Result<(HeaderName, HeaderValue), Error> {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const FORM: &AsciiSet = &NON_ALPHANUMERIC.remove(b'*').remove(b'-').remove(b'.').remove(b'_');
    let secret = zeroize::Zeroizing::new(utf8_percent_encode(client_secret, FORM).to_string());
    basic_authorization(&utf8_percent_encode(client_id, FORM).to_string(), &secret)
}

/// `authorization: Basic <base64(user:password)>`, kept out of `Debug` output.
fn basic_authorization(user: &str, password: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let pair = zeroize::Zeroizing::new(format!("{user}:{password}"));
    let encoded = zeroize::Zeroizing::new(BASE64.encode(pair.as_bytes()));
    sensitive("authorization", &format!("Basic {}", encoded.as_str()))
}

/// A header whose value stays out of `Debug` output of the header map.
fn sensitive(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let header = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::Config(format!("the API document names an invalid header {name:?}")))?;
    let mut value = HeaderValue::from_str(value)
        .map_err(|_| Error::Config(format!("the credential for the {name} header is not a valid header value")))?;
    value.set_sensitive(true);
    Ok((header, value))
}

/// One token cache per client-credentials scheme and scope set, made on first use.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    caches: Mutex<BTreeMap<(&'static str, String), Arc<TokenCache>>>,
}

impl Tokens {
    /// The cache of `scheme`'s tokens carrying exactly `scope` (space-separated, as sent).
    pub(crate) fn cache(&self, scheme: &'static str, scope: &str) -> Arc<TokenCache> {
        // A poisoned lock only means a panic elsewhere; the map is still valid.
        let mut caches = self.caches.lock().unwrap_or_else(|e| e.into_inner());
        caches.entry((scheme, scope.to_string())).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    use crate::PLAIN_API as API;

    static GET_USER: Operation = Operation {
        id: "get_user",
        method: Method::GET,
        path_template: "/users/{user_id}",
        security: &[
            &[Requirement { scheme: "oauth", scopes: &["users:read"] }],
            &[Requirement { scheme: "oauth", scopes: &["users:admin"] }],
        ],
    };

    static CREATE_USER: Operation = Operation {
        id: "create_user",
        method: Method::POST,
        path_template: "/users",
        security: &[&[Requirement { scheme: "oauth", scopes: &["users:admin", "audit:write"] }]],
    };

    static PUBLIC: Operation = Operation { id: "public", method: Method::GET, path_template: "/public", security: &[] };

    static KEYED: Operation = Operation {
        id: "keyed",
        method: Method::GET,
        path_template: "/keyed",
        security: &[
            &[Requirement { scheme: "bearer", scopes: &[] }],
            &[Requirement { scheme: "basic", scopes: &[] }],
            &[
                Requirement { scheme: "header_key", scopes: &[] },
                Requirement { scheme: "query_key", scopes: &[] },
                Requirement { scheme: "cookie_key", scopes: &[] },
            ],
        ],
    };

    static OPTIONAL: Operation = Operation {
        id: "optional",
        method: Method::GET,
        path_template: "/optional",
        security: &[&[], &[Requirement { scheme: "bearer", scopes: &[] }]],
    };

    fn oauth() -> Credentials {
        Credentials {
            client_id: Some("id".into()),
            client_secret: Some(Secret::new("secret".into())),
            ..Credentials::default()
        }
    }

    fn allowed(scopes: &[&str]) -> Vec<String> {
        scopes.iter().map(|s| s.to_string()).collect()
    }

    fn token(plan: Plan) -> Option<String> {
        plan.token.map(|(scheme, scope)| format!("{scheme}: {scope}"))
    }

    #[test]
    fn the_first_alternative_is_requested_without_restriction() {
        assert_eq!(token(plan(&API, &GET_USER, &oauth(), None).unwrap()).as_deref(), Some("oauth: users:read"));
        assert_eq!(
            token(plan(&API, &CREATE_USER, &oauth(), None).unwrap()).as_deref(),
            Some("oauth: audit:write users:admin")
        );
        assert_eq!(token(plan(&API, &PUBLIC, &Credentials::default(), None).unwrap()), None);
    }

    #[test]
    fn a_restriction_picks_the_first_permitted_alternative() {
        let admin_only = allowed(&["users:admin", "audit:write"]);
        assert_eq!(
            token(plan(&API, &GET_USER, &oauth(), Some(&admin_only)).unwrap()).as_deref(),
            Some("oauth: users:admin")
        );
        let read_only = allowed(&["users:read", "accounts:read"]);
        assert_eq!(
            token(plan(&API, &GET_USER, &oauth(), Some(&read_only)).unwrap()).as_deref(),
            Some("oauth: users:read")
        );
        let Err(err) = plan(&API, &CREATE_USER, &oauth(), Some(&read_only)) else { panic!("a scope error") };
        assert!(matches!(err, Error::Scope { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("create_user") && text.contains("users:admin"), "{text}");
        assert!(text.contains("ClientBuilder::scopes"), "{text}");
    }

    #[test]
    fn each_kind_of_credential_goes_where_its_scheme_says() {
        let bearer = Credentials { bearer_token: Some(Secret::new("tok".into())), ..Credentials::default() };
        let p = plan(&API, &KEYED, &bearer, None).unwrap();
        assert_eq!(p.headers.len(), 1);
        assert_eq!(p.headers[0].0, "authorization");
        assert_eq!(p.headers[0].1, "Bearer tok");
        assert!(p.headers[0].1.is_sensitive());

        let basic =
            Credentials { basic: Some(("aladdin".into(), Secret::new("opensesame".into()))), ..Credentials::default() };
        let p = plan(&API, &KEYED, &basic, None).unwrap();
        assert_eq!(p.headers[0].1, "Basic YWxhZGRpbjpvcGVuc2VzYW1l");

        let key = Credentials { api_key: Some(Secret::new("k1".into())), ..Credentials::default() };
        let p = plan(&API, &KEYED, &key, None).unwrap();
        let headers: Vec<(String, String)> =
            p.headers.iter().map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string())).collect();
        assert_eq!(headers, [("x-api-key".to_string(), "k1".to_string()), ("cookie".into(), "session=k1".into())]);
        assert_eq!(p.query, [("api_key", "k1".to_string())]);
        assert!(p.secret_in_url());
        assert!(p.token.is_none());
    }

    #[test]
    fn missing_credentials_fail_before_sending_and_name_the_setters() {
        let Err(err) = plan(&API, &KEYED, &Credentials::default(), None) else { panic!("a credentials error") };
        let text = err.to_string();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        for setter in ["ClientBuilder::bearer_token", "ClientBuilder::basic_auth", "ClientBuilder::api_key", "keyed"] {
            assert!(text.contains(setter), "{text}");
        }
    }

    #[test]
    fn optional_authentication_sends_a_credential_when_there_is_one() {
        assert!(plan(&API, &OPTIONAL, &Credentials::default(), None).unwrap().headers.is_empty());
        let bearer = Credentials { bearer_token: Some(Secret::new("tok".into())), ..Credentials::default() };
        assert_eq!(plan(&API, &OPTIONAL, &bearer, None).unwrap().headers.len(), 1);
    }

    #[test]
    fn one_cache_per_scheme_and_scope_set() {
        let tokens = Tokens::default();
        let read = tokens.cache("oauth", "users:read");
        assert!(Arc::ptr_eq(&read, &tokens.cache("oauth", "users:read")));
        assert!(!Arc::ptr_eq(&read, &tokens.cache("oauth", "users:admin")));
        assert!(!Arc::ptr_eq(&read, &tokens.cache("other", "users:read")));
    }

    #[test]
    fn debug_output_has_no_secrets() {
        let all = Credentials {
            client_id: Some("id".into()),
            client_secret: Some(Secret::new("s3cret-1".into())),
            bearer_token: Some(Secret::new("s3cret-2".into())),
            basic: Some(("user".into(), Secret::new("s3cret-3".into()))),
            api_key: Some(Secret::new("s3cret-4".into())),
        };
        let text = format!("{all:?}");
        assert!(!text.contains("s3cret"), "{text}");
    }
}
