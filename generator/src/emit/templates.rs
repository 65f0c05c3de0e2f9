//! The askama templates in `templates/`: files that are mostly fixed text.

use askama::Template;

use crate::model::{Environments, Method, Model, SchemeKind, Success, TypeRef};
use crate::Error;

#[derive(Template)]
#[template(path = "Cargo.toml.askama", escape = "none")]
struct CargoToml {
    package: Package,
    runtime_package: String,
}

#[derive(Template)]
#[template(path = "runtime.Cargo.toml.askama", escape = "none")]
struct RuntimeCargoToml {
    package: Package,
    signs_requests: bool,
}

/// What both manifests say about their package (`templates/package.toml.askama`).
struct Package {
    name: String,
    lib_name: String,
    version: &'static str,
    description: String,
    homepage: Option<String>,
    keywords: String,
    readme: bool,
    /// The crate whose features of the same names the TLS features turn on.
    tls_crate: String,
}

impl Package {
    fn new(model: &Model, name: String, description: &str, readme: bool, tls_crate: String) -> Package {
        Package {
            lib_name: name.replace('-', "_"),
            name,
            version: CRATE_VERSION,
            description: toml_escape(description),
            homepage: model.api.client.homepage.as_deref().map(toml_escape),
            keywords: keywords(model),
            readme,
            tls_crate,
        }
    }
}

/// The version of every generated crate: the document's version is in the description.
const CRATE_VERSION: &str = "0.1.0";

/// What the crate docs and the README both show: how to set a client up and call it.
struct Usage<'a> {
    title: &'a str,
    version: &'a str,
    lib_name: String,
    example_operation: Option<&'a str>,
    auth_summary: String,
    credential_lines: Vec<&'static str>,
    example_imports: String,
    signs_requests: bool,
    environments: Option<&'a Environments>,
    no_default_server: bool,
}

impl<'a> Usage<'a> {
    fn of(model: &'a Model) -> Usage<'a> {
        let client = &model.api.client;
        Usage {
            title: &model.api.title,
            version: &model.api.version,
            lib_name: lib_name(model),
            example_operation: example_operation(model),
            auth_summary: auth_summary(model),
            credential_lines: credential_lines(model),
            example_imports: example_imports(model),
            signs_requests: client.signs_requests,
            environments: client.environments.as_ref(),
            no_default_server: client.default_base_url.is_empty(),
        }
    }
}

#[derive(Template)]
#[template(path = "lib.rs.askama", escape = "none")]
struct LibRs<'a> {
    usage: Usage<'a>,
    description: Vec<String>,
    runtime_lib: String,
}

#[derive(Template)]
#[template(path = "README.md.askama", escape = "none")]
struct Readme<'a> {
    usage: Usage<'a>,
    crate_name: &'a str,
    client_credentials: bool,
    env_vars: Vec<(String, String)>,
    request_id_header: Option<&'a str>,
    operations: Vec<OperationRow>,
    webhooks: Vec<String>,
    paginated: Option<String>,
}

struct OperationRow {
    method: String,
    path: String,
    rust_name: String,
    summary: String,
    returns: String,
}

fn render(template: &impl Template, name: &str) -> Result<String, Error> {
    template
        .render()
        .map_err(|err| Error::new(name, format!("template failed: {err}"), "fix the template in templates/"))
}

pub fn cargo_toml(model: &Model) -> Result<String, Error> {
    let description =
        format!("Client for the {} (generated from API document version {})", model.api.title, model.api.version);
    let name = model.api.client.crate_name.clone();
    render(
        &CargoToml {
            package: Package::new(model, name, &description, true, runtime_package(model)),
            runtime_package: runtime_package(model),
        },
        "templates/Cargo.toml.askama",
    )
}

pub fn runtime_cargo_toml(model: &Model) -> Result<String, Error> {
    let client = &model.api.client;
    let description = format!(
        "The runtime of {}: authentication, retries, errors and decoding helpers (generated with it)",
        client.crate_name
    );
    render(
        &RuntimeCargoToml {
            package: Package::new(model, runtime_package(model), &description, false, "reqwest".to_owned()),
            signs_requests: client.signs_requests,
        },
        "templates/runtime.Cargo.toml.askama",
    )
}

/// crates.io takes at most five keywords: two from the crate name, then the kind of crate.
fn keywords(model: &Model) -> String {
    let mut keywords: Vec<String> = model
        .api
        .client
        .crate_name
        .split('-')
        .filter(|w| *w != "client" && !w.is_empty())
        .take(2)
        .map(|w| format!("{w:?}"))
        .collect();
    keywords.extend(["\"api\"", "\"client\"", "\"sdk\""].map(str::to_owned));
    keywords.join(", ")
}

/// The runtime crate generated beside the client: `upvest-client` -> `upvest-client-runtime`.
fn runtime_package(model: &Model) -> String {
    format!("{}-runtime", model.api.client.crate_name)
}

/// The runtime crate's name in Rust code.
fn runtime_lib(model: &Model) -> String {
    runtime_package(model).replace('-', "_")
}

/// The crate's name in Rust code: `upvest-client` -> `upvest_client`.
fn lib_name(model: &Model) -> String {
    model.api.client.crate_name.replace('-', "_")
}

/// "OAuth2 client credentials, an API key": the kinds of authentication operations use.
fn auth_summary(model: &Model) -> String {
    let mut kinds: Vec<&str> = Vec::new();
    for scheme in &model.api.client.schemes {
        let kind = match scheme.kind {
            SchemeKind::ClientCredentials { .. } => "OAuth2 client credentials, token cached and refreshed",
            SchemeKind::Bearer => "a bearer token",
            SchemeKind::Basic => "HTTP basic authentication",
            SchemeKind::ApiKey { .. } => "an API key",
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        "the document declares no authentication".to_owned()
    } else {
        kinds.join(", ")
    }
}

/// What the configuration examples import: `Client`, or `{Client, Environment, ...}`.
fn example_imports(model: &Model) -> String {
    let client = &model.api.client;
    let mut names = vec!["Client"];
    if client.environments.is_some() {
        names.push("Environment");
    }
    if client.signs_requests {
        names.push("PrivateKey");
    }
    match names.as_slice() {
        [one] => (*one).to_owned(),
        many => format!("{{{}}}", many.join(", ")),
    }
}

/// The builder calls that give the client each kind of credential.
fn credential_lines(model: &Model) -> Vec<&'static str> {
    let mut lines = Vec::new();
    for scheme in &model.api.client.schemes {
        let kind_lines: &[&str] = match scheme.kind {
            SchemeKind::ClientCredentials { .. } => {
                &[".client_id(\"my-client-id\")", ".client_secret(\"my-client-secret\")"]
            }
            SchemeKind::Bearer => &[".bearer_token(\"my-token\")"],
            SchemeKind::Basic => &[".basic_auth(\"my-user\", \"my-password\")"],
            SchemeKind::ApiKey { .. } => &[".api_key(\"my-api-key\")"],
        };
        for line in kind_lines {
            if !lines.contains(line) {
                lines.push(*line);
            }
        }
    }
    lines
}

/// The operation the first-call examples call: a GET that needs no argument.
fn example_operation(model: &Model) -> Option<&str> {
    model
        .operations
        .iter()
        .find(|op| {
            op.method == Method::Get
                && op.path_params.is_empty()
                && op.body.is_none()
                && op.query_params.iter().chain(&op.header_params).all(|p| !p.required)
        })
        .map(|op| op.rust_name.as_str())
}

pub fn lib_rs(model: &Model) -> Result<String, Error> {
    let description =
        model.api.description.as_deref().unwrap_or_default().lines().map(|l| l.trim().to_owned()).collect();
    render(&LibRs { usage: Usage::of(model), description, runtime_lib: runtime_lib(model) }, "templates/lib.rs.askama")
}

pub fn readme(model: &Model) -> Result<String, Error> {
    let operations = model
        .operations
        .iter()
        .map(|op| OperationRow {
            method: op.method.as_str().to_owned(),
            path: op.path.raw.clone(),
            rust_name: op.rust_name.clone(),
            summary: op.docs.title.clone().unwrap_or_default().replace('|', "\\|"),
            returns: match &op.success {
                Success::Empty => "nothing (`()`)".to_owned(),
                Success::Json(ty) => format!("`{}`", display(model, ty)),
                Success::Bytes { accept } => format!("bytes (`{accept}`)"),
                Success::Text => "text".to_owned(),
                Success::ByStatus { name, .. } => format!("`{name}`"),
            },
        })
        .collect();
    let paginated = model.operations.iter().find(|op| op.pagination.is_some()).map(|op| op.rust_name.clone());
    let client = &model.api.client;
    render(
        &Readme {
            usage: Usage::of(model),
            crate_name: &client.crate_name,
            client_credentials: client.uses_client_credentials(),
            env_vars: client
                .env_vars()
                .into_iter()
                .map(|var| (format!("{}_{}", client.env_prefix, var.suffix), var.meaning))
                .collect(),
            request_id_header: client.request_id_header.as_deref(),
            operations,
            webhooks: model
                .webhooks
                .iter()
                .map(|w| format!("`webhooks::parse_{}` ({})", w.rust_name, w.api_name))
                .collect(),
            paginated,
        },
        "templates/README.md.askama",
    )
}

fn display(model: &Model, ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(id) => model.name(*id).to_owned(),
        TypeRef::Vec(inner) => format!("Vec<{}>", display(model, inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", display(model, inner)),
        TypeRef::Option(inner) => format!("Option<{}>", display(model, inner)),
        other => format!("{other:?}"),
    }
}

fn toml_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}
