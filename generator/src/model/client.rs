//! What the client does beyond calling operations, decided from the document:
//! the crate's identity, where the API lives, the security schemes operations
//! use, and the headers the runtime fills in on every request. Nothing here is
//! specific to one API: Upvest's signing, client-id and version headers follow
//! from the header parameters its document declares, like any other API's.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToShoutySnakeCase;
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, SecurityScheme};

use super::operation::resolve_parameter;
use super::{ApiKeyLocation, ClientProfile, Environments, Scheme, SchemeKind, SecurityRequirement};
use crate::load::escape;
use crate::warning::Warnings;
use crate::Options;

/// Headers the runtime sets on every request whatever the document says: no
/// method takes them.
const ALWAYS_SET_HEADERS: &[&str] = &["accept", "content-type", "idempotency-key"];

/// Header parameters that ask for HTTP message signatures on every request.
const SIGNATURE_HEADERS: [&str; 2] = ["signature", "signature-input"];

/// Decides the client's profile. `security` runs before the operations are
/// built, because which header parameters become method arguments depends on
/// which ones the runtime fills in.
pub fn profile(api: &OpenAPI, options: &Options, warnings: &mut Warnings) -> ClientProfile {
    let crate_name = options.crate_name.clone().unwrap_or_else(|| crate_name_from_title(&api.info.title));
    let stem = crate_name.strip_suffix("-client").unwrap_or(&crate_name).to_owned();
    let servers = servers(api, warnings);
    let environments = environments(api);
    let default_base_url = match &environments {
        Some(environments) => environments.sandbox.clone(),
        None => servers.first().cloned().unwrap_or_default(),
    };
    let schemes = schemes(api, warnings);
    let headers = header_parameters(api);
    let signs_requests = SIGNATURE_HEADERS.iter().all(|name| headers.contains_key(*name));
    let client_id_header = schemes
        .values()
        .any(|s| matches!(s.kind, SchemeKind::ClientCredentials { .. }))
        .then(|| headers.keys().find(|name| *name == "client-id" || name.ends_with("-client-id")).cloned())
        .flatten();
    let with_default = |suffix: &str| {
        headers.iter().find_map(|(name, default)| {
            (name == suffix || name.ends_with(&format!("-{suffix}")))
                .then(|| default.clone().map(|d| (name.clone(), d)))?
        })
    };
    let version_header = with_default("api-version");
    let signature_version_header = with_default("signature-version").filter(|_| signs_requests);
    let request_id_header = response_headers(api).into_iter().find(|name| name.ends_with("request-id"));
    ClientProfile {
        user_agent: options.user_agent.clone().unwrap_or_else(|| format!("{crate_name}-rust")),
        env_prefix: stem.to_shouty_snake_case(),
        span_prefix: stem.replace('-', "_"),
        crate_name,
        homepage: api.info.contact.as_ref().and_then(|c| c.url.clone()),
        servers,
        default_base_url,
        environments,
        schemes: schemes.into_values().collect(),
        required_schemes: Vec::new(),
        signs_requests,
        client_id_header,
        version_header,
        signature_version_header,
        request_id_header,
    }
}

impl ClientProfile {
    /// Header parameters the runtime fills in, so no method takes them.
    pub fn runtime_headers(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = ALWAYS_SET_HEADERS.iter().map(|n| (*n).to_owned()).collect();
        for scheme in &self.schemes {
            match &scheme.kind {
                SchemeKind::Bearer | SchemeKind::Basic | SchemeKind::ClientCredentials { .. } => {
                    names.insert("authorization".to_owned());
                }
                SchemeKind::ApiKey { name, location: ApiKeyLocation::Header } => {
                    names.insert(name.to_lowercase());
                }
                SchemeKind::ApiKey { .. } => {}
            }
        }
        if self.signs_requests {
            names.extend(SIGNATURE_HEADERS.iter().map(|n| (*n).to_owned()));
        }
        names.extend(self.client_id_header.clone());
        names.extend(self.version_header.as_ref().map(|(name, _)| name.clone()));
        names.extend(self.signature_version_header.as_ref().map(|(name, _)| name.clone()));
        names
    }

    /// An operation's security requirements, resolved against the schemes:
    /// alternatives in document order, each naming the schemes it needs.
    /// Alternatives that name a scheme the client cannot use are left out, with
    /// a warning.
    pub fn requirements(
        &self,
        own: &Option<Vec<openapiv3::SecurityRequirement>>,
        global: &Option<Vec<openapiv3::SecurityRequirement>>,
        pointer: &str,
        warnings: &mut Warnings,
    ) -> Vec<Vec<SecurityRequirement>> {
        let mut out: Vec<Vec<SecurityRequirement>> = Vec::new();
        for (i, requirement) in own.as_ref().or(global.as_ref()).into_iter().flatten().enumerate() {
            let mut alternative = Vec::new();
            for (scheme, scopes) in requirement {
                if !self.schemes.iter().any(|s| &s.name == scheme) {
                    let at = if own.is_some() { format!("{pointer}/security/{i}") } else { format!("#/security/{i}") };
                    warnings.push(
                        at,
                        format!(
                            "the security scheme `{scheme}` is not one the client can use (see the warning at its \
                             definition, or define it under #/components/securitySchemes): this alternative is left out"
                        ),
                    );
                    alternative.clear();
                    break;
                }
                let mut unique: Vec<String> = Vec::new();
                for scope in scopes {
                    if !unique.contains(scope) {
                        unique.push(scope.clone());
                    }
                }
                alternative.push(SecurityRequirement { scheme: scheme.clone(), scopes: unique });
            }
            let dropped = alternative.is_empty() && !requirement.is_empty();
            if !dropped && !out.contains(&alternative) {
                out.push(alternative);
            }
        }
        out
    }
}

/// An environment variable `ClientBuilder::from_env` reads: `<PREFIX>_<suffix>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub suffix: &'static str,
    pub meaning: String,
}

impl ClientProfile {
    fn has(&self, kind: fn(&SchemeKind) -> bool) -> bool {
        self.schemes.iter().any(|s| kind(&s.kind))
    }

    /// Whether an operation takes OAuth2 client credentials.
    pub fn uses_client_credentials(&self) -> bool {
        self.has(|k| matches!(k, SchemeKind::ClientCredentials { .. }))
    }

    /// The variables the runtime reads for this API (the runtime's `from_env`
    /// and each optional part's reader use these suffixes).
    pub fn env_vars(&self) -> Vec<EnvVar> {
        let var = |suffix, meaning: &str| EnvVar { suffix, meaning: meaning.to_owned() };
        let mut vars = Vec::new();
        if self.uses_client_credentials() {
            vars.push(match &self.client_id_header {
                Some(header) => var("CLIENT_ID", &format!("the OAuth2 client id, also sent as `{header}`")),
                None => var("CLIENT_ID", "the OAuth2 client id"),
            });
            vars.push(var("CLIENT_SECRET", "the OAuth2 client secret"));
            vars.push(var(
                "SCOPES",
                "optional: the only OAuth2 scopes the client may request, separated by spaces or commas",
            ));
        }
        if self.has(|k| matches!(k, SchemeKind::Bearer)) {
            vars.push(var("BEARER_TOKEN", "the bearer token"));
        }
        if self.has(|k| matches!(k, SchemeKind::Basic)) {
            vars.push(var("USERNAME", "the HTTP basic user name"));
            vars.push(var("PASSWORD", "the HTTP basic password"));
        }
        if self.has(|k| matches!(k, SchemeKind::ApiKey { .. })) {
            vars.push(var("API_KEY", "the API key"));
        }
        if self.signs_requests {
            vars.push(var("KEY_ID", "the id of the public key requests are verified with"));
            vars.push(var("PRIVATE_KEY_FILE", "the path of the PEM private key requests are signed with"));
            vars.push(var("PRIVATE_KEY_PEM", "the PEM private key itself (instead of PRIVATE_KEY_FILE)"));
            vars.push(var("PRIVATE_KEY_PASSPHRASE", "optional: the passphrase of an encrypted private key"));
        }
        if self.environments.is_some() {
            vars.push(var("ENVIRONMENT", "optional: `sandbox` (the default), `production`, or a base URL"));
        }
        vars.push(var("BASE_URL", "optional: the base URL requests go to"));
        vars
    }
}

/// The schemes every operation with security needs: the client refuses to be
/// built without their credentials.
pub fn required_schemes(all: &[Vec<Vec<SecurityRequirement>>]) -> Vec<String> {
    let mut required: Option<BTreeSet<String>> = None;
    for alternatives in all.iter().filter(|a| !a.is_empty()) {
        for alternative in alternatives {
            let names: BTreeSet<String> = alternative.iter().map(|r| r.scheme.clone()).collect();
            required = Some(match required {
                None => names,
                Some(earlier) => earlier.intersection(&names).cloned().collect(),
            });
        }
    }
    required.unwrap_or_default().into_iter().collect()
}

/// `Upvest Investment API` -> `upvest-investment-client`: the title without
/// the words every API title has.
fn crate_name_from_title(title: &str) -> String {
    let lower = title.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "api" | "apis" | "rest" | "openapi" | "http" | "the"))
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        "api-client".to_owned()
    } else {
        format!("{}-client", words.join("-"))
    }
}

/// Server URLs, their variables replaced by their defaults. Relative ones (to
/// the document's own location, which the generator does not know) are left
/// out with a warning: the caller sets the base URL.
fn servers(api: &OpenAPI, warnings: &mut Warnings) -> Vec<String> {
    let mut out = Vec::new();
    for (i, server) in api.servers.iter().enumerate() {
        let mut url = server.url.clone();
        for (name, variable) in server.variables.iter().flatten() {
            url = url.replace(&format!("{{{name}}}"), &variable.default);
        }
        let url = url.trim_end_matches('/').to_owned();
        if url.starts_with("https://") || url.starts_with("http://") {
            out.push(url);
        } else {
            warnings.push(
                format!("#/servers/{i}/url"),
                format!(
                    "the server URL `{}` is not absolute: the client has no default base URL for it, so callers \
                     set one with ClientBuilder::base_url",
                    server.url
                ),
            );
        }
    }
    out
}

/// A sandbox and a production server, when the document names both (by URL or
/// description): then the client offers them as a choice.
fn environments(api: &OpenAPI) -> Option<Environments> {
    let find = |word: &str| {
        api.servers
            .iter()
            .find(|s| s.url.contains(word) || s.description.as_deref().is_some_and(|d| d.to_lowercase().contains(word)))
            .map(|s| s.url.trim_end_matches('/').to_owned())
    };
    match (find("sandbox"), find("production")) {
        (Some(sandbox), Some(production)) if sandbox != production && !sandbox.contains('{') => {
            Some(Environments { sandbox, production })
        }
        _ => None,
    }
}

/// The security schemes operations name, by name.
fn schemes(api: &OpenAPI, warnings: &mut Warnings) -> BTreeMap<String, Scheme> {
    let used: BTreeSet<&String> = api
        .security
        .iter()
        .flatten()
        .chain(
            api.paths
                .iter()
                .filter_map(|(_, item)| item.as_item())
                .flat_map(|item| item.iter().flat_map(|(_, op)| op.security.iter().flatten())),
        )
        .flat_map(|requirement| requirement.keys())
        .collect();
    let mut out = BTreeMap::new();
    let servers: Vec<String> = api.servers.iter().map(|s| s.url.trim_end_matches('/').to_owned()).collect();
    for (name, scheme) in api.components.iter().flat_map(|c| &c.security_schemes) {
        if !used.contains(name) {
            continue;
        }
        let at = format!("#/components/securitySchemes/{}", escape(name));
        let ReferenceOr::Item(scheme) = scheme else {
            warnings.push(&at, "a `$ref` security scheme is not followed: operations needing it are sent without it");
            continue;
        };
        let (kind, description) = match scheme {
            SecurityScheme::HTTP { scheme, description, .. } => match scheme.to_lowercase().as_str() {
                "bearer" => (SchemeKind::Bearer, description),
                "basic" => (SchemeKind::Basic, description),
                other => {
                    warnings.push(
                        &at,
                        format!("HTTP `{other}` authentication is not supported: alternatives needing it are left out"),
                    );
                    continue;
                }
            },
            SecurityScheme::APIKey { location, name, description, .. } => {
                let location = match location {
                    openapiv3::APIKeyLocation::Header => ApiKeyLocation::Header,
                    openapiv3::APIKeyLocation::Query => ApiKeyLocation::Query,
                    openapiv3::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                };
                (SchemeKind::ApiKey { name: name.clone(), location }, description)
            }
            SecurityScheme::OAuth2 { flows, description, .. } => match &flows.client_credentials {
                Some(flow) => {
                    (SchemeKind::ClientCredentials { token_url: token_url(&flow.token_url, &servers) }, description)
                }
                None => {
                    warnings.push(
                        &at,
                        "the client runs only the OAuth2 client-credentials flow: for this scheme it sends the \
                         access token given to ClientBuilder::bearer_token, which the caller obtains",
                    );
                    (SchemeKind::Bearer, description)
                }
            },
            SecurityScheme::OpenIDConnect { description, .. } => {
                warnings.push(
                    &at,
                    "the client does not run OpenID Connect: it sends the token given to ClientBuilder::bearer_token",
                );
                (SchemeKind::Bearer, description)
            }
        };
        out.insert(name.clone(), Scheme { name: name.clone(), kind, description: description.clone() });
    }
    out
}

/// The token URL as the runtime takes it: a path when it lies on one of the
/// document's servers (so it follows the base URL the caller picks), else as written.
fn token_url(url: &str, servers: &[String]) -> String {
    if let Some(rest) = servers.iter().filter(|s| !s.is_empty()).find_map(|server| url.strip_prefix(server.as_str())) {
        if rest.is_empty() || rest.starts_with('/') {
            return if rest.is_empty() { "/".to_owned() } else { rest.to_owned() };
        }
    }
    if url.contains("://") {
        url.to_owned()
    } else {
        format!("/{}", url.trim_start_matches('/'))
    }
}

/// Every header parameter the document declares (lower-cased), with its
/// default value if it has one (a `default`, or the one value of an `enum`).
fn header_parameters(api: &OpenAPI) -> BTreeMap<String, Option<String>> {
    let declared = api.components.iter().flat_map(|c| c.parameters.values()).chain(
        api.paths
            .iter()
            .filter_map(|(_, item)| item.as_item())
            .flat_map(|item| item.parameters.iter().chain(item.iter().flat_map(|(_, op)| op.parameters.iter()))),
    );
    let mut out = BTreeMap::new();
    for param in declared {
        let Some(param @ Parameter::Header { .. }) = resolve_parameter(api, param) else { continue };
        let data = param.parameter_data_ref();
        let default = match &data.format {
            ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) => {
                let single = match &schema.schema_kind {
                    openapiv3::SchemaKind::Type(openapiv3::Type::String(s)) if s.enumeration.len() == 1 => {
                        s.enumeration[0].clone().map(serde_json::Value::String)
                    }
                    _ => None,
                };
                schema.schema_data.default.clone().or(single).map(|value| match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
            }
            _ => None,
        };
        let entry = out.entry(data.name.to_lowercase()).or_insert(None);
        if entry.is_none() {
            *entry = default;
        }
    }
    out
}

/// Every response header name the document declares (lower-cased, sorted).
fn response_headers(api: &OpenAPI) -> BTreeSet<String> {
    let components = api.components.iter().flat_map(|c| {
        c.headers
            .keys()
            .cloned()
            .chain(c.responses.values().filter_map(|r| r.as_item()).flat_map(|r| r.headers.keys().cloned()))
    });
    let in_operations = api.paths.iter().filter_map(|(_, item)| item.as_item()).flat_map(|item| {
        item.iter().flat_map(|(_, op)| {
            op.responses
                .responses
                .values()
                .chain(op.responses.default.iter())
                .filter_map(|r| r.as_item())
                .flat_map(|r| r.headers.keys().cloned())
        })
    });
    components.chain(in_operations).map(|name| name.to_lowercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_come_from_titles() {
        assert_eq!(crate_name_from_title("Upvest Investment API"), "upvest-investment-client");
        assert_eq!(crate_name_from_title("OpenAI API"), "openai-client");
        assert_eq!(crate_name_from_title("Twilio - Api"), "twilio-client");
        assert_eq!(crate_name_from_title("API"), "api-client");
        assert_eq!(crate_name_from_title("Box Platform API 2.0"), "box-platform-client");
    }

    #[test]
    fn token_urls_on_a_server_follow_the_base_url() {
        let servers = vec!["https://sandbox.example.com".to_owned()];
        assert_eq!(token_url("https://sandbox.example.com/auth/token", &servers), "/auth/token");
        assert_eq!(
            token_url("https://login.example.com/oauth/token", &servers),
            "https://login.example.com/oauth/token"
        );
        assert_eq!(token_url("oauth/token", &servers), "/oauth/token");
        assert_eq!(token_url("https://sandbox.example.com.evil/x", &servers), "https://sandbox.example.com.evil/x");
    }
}
