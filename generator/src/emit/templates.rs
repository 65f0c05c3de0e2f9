//! The askama templates in `templates/`: files that are mostly fixed text.

use askama::Template;

use crate::model::{Method, Model, Success, TypeRef};
use crate::Error;

#[derive(Template)]
#[template(path = "Cargo.toml.askama", escape = "none")]
struct CargoToml<'a> {
    package_name: &'a str,
    version: &'a str,
    description: String,
}

#[derive(Template)]
#[template(path = "lib.rs.askama", escape = "none")]
struct LibRs<'a> {
    title: &'a str,
    version: &'a str,
    description: Vec<String>,
    example_operation: Option<&'a str>,
    /// Rust string literals, already quoted and escaped.
    default_scopes: Vec<String>,
    api_version: String,
    sandbox_url: String,
    production_url: String,
    token_path: String,
}

#[derive(Template)]
#[template(path = "README.md.askama", escape = "none")]
struct Readme<'a> {
    title: &'a str,
    version: &'a str,
    sandbox_url: &'a str,
    production_url: &'a str,
    operations: Vec<OperationRow>,
    webhooks: Vec<String>,
    paginated: Option<String>,
    example_operation: Option<&'a str>,
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
    render(
        &CargoToml { package_name: "upvest-client", version: "0.1.0", description: toml_escape(&description) },
        "templates/Cargo.toml.askama",
    )
}

/// The operation the first-call examples call: a GET that needs no argument.
fn example_operation(model: &Model) -> Option<&str> {
    model
        .operations
        .iter()
        .find(|op| op.path_params.is_empty() && op.body.is_none() && op.method == Method::Get)
        .map(|op| op.rust_name.as_str())
}

pub fn lib_rs(model: &Model) -> Result<String, Error> {
    let description =
        model.api.description.as_deref().unwrap_or_default().lines().map(|l| l.trim().to_owned()).collect();
    let example_operation = example_operation(model);
    render(
        &LibRs {
            title: &model.api.title,
            version: &model.api.version,
            description,
            example_operation,
            default_scopes: model.api.default_scopes.iter().map(|s| format!("{s:?}")).collect(),
            api_version: format!("{:?}", model.api.api_version),
            sandbox_url: format!("{:?}", model.api.sandbox_url),
            production_url: format!("{:?}", model.api.production_url),
            token_path: format!("{:?}", model.api.token_path),
        },
        "templates/lib.rs.askama",
    )
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
    render(
        &Readme {
            title: &model.api.title,
            version: &model.api.version,
            sandbox_url: &model.api.sandbox_url,
            production_url: &model.api.production_url,
            operations,
            webhooks: model
                .webhooks
                .iter()
                .map(|w| format!("`webhooks::parse_{}` ({})", w.rust_name, w.api_name))
                .collect(),
            paginated,
            example_operation: example_operation(model),
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
