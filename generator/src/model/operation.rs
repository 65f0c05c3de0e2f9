//! Operations, webhooks and API-wide facts (title, scopes).

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, SecurityScheme};

use super::collect::{Context, Schemas};
use super::{
    ApiInfo, BodyEncoding, ClientProfile, Docs, Method, Operation, Param, ParamLocation, PathTemplate, RequestBody,
    SecurityRequirement, StatusBody, Success, TypeRef, Webhook,
};
use crate::load::escape;
use crate::naming;
use crate::Error;

/// Fields and methods of every request builder (`emit/operations.rs` writes them): a
/// parameter called `timeout` must not collide with them.
const BUILDER_NAMES: &[&str] = &[
    "client",
    "body",
    "idempotency_key",
    "options",
    "request",
    "send",
    "stream",
    "timeout",
    "deadline",
    "retry_policy",
    "header",
    "max_response_body",
];

pub fn operations(schemas: &mut Schemas<'_>, client: &ClientProfile) -> Result<Vec<Operation>, Error> {
    let runtime_headers = client.runtime_headers();
    let api = schemas.api;
    let mut out = Vec::new();
    for (path, item) in &api.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(Error::unsupported(format!("#/paths/{}", escape(path)), "a `$ref` path item"));
        };
        for (method, op) in item.iter() {
            let pointer = format!("#/paths/{}/{method}", escape(path));
            let method = Method::parse(method)
                .ok_or_else(|| Error::unsupported(&pointer, format!("the HTTP method `{method}`")))?;
            let security = client.requirements(&op.security, &api.security, &pointer, &mut schemas.warnings);
            let place = Place { path, method, pointer: &pointer, runtime_headers: &runtime_headers, security };
            out.push(operation(schemas, place, &item.parameters, op)?);
        }
    }
    out.sort_by(|a, b| a.rust_name.cmp(&b.rust_name));
    Ok(out)
}

/// Where an operation is, and what the client decided about it beforehand.
struct Place<'a> {
    path: &'a str,
    method: Method,
    pointer: &'a str,
    /// Header parameters the runtime fills in.
    runtime_headers: &'a BTreeSet<String>,
    security: Vec<Vec<SecurityRequirement>>,
}

fn operation(
    schemas: &mut Schemas<'_>,
    place: Place<'_>,
    path_level: &[ReferenceOr<Parameter>],
    op: &openapiv3::Operation,
) -> Result<Operation, Error> {
    let api = schemas.api;
    let Place { path, method, pointer, runtime_headers, security } = place;
    let api_id = op.operation_id.clone().unwrap_or_default();
    let rust_name = naming::field_name(&api_id);
    let builder_name = naming::type_name(&api_id);
    let module = naming::module_name(op.tags.first().map(String::as_str).unwrap_or("default"));
    let mut params: BTreeMap<(ParamLocation, String), (Parameter, String, Option<String>)> = BTreeMap::new();
    // Operation-level parameters override path-level ones of the same name and place.
    for (list, at) in [
        (path_level, format!("#/paths/{}/parameters", escape(path))),
        (&op.parameters[..], format!("{pointer}/parameters")),
    ] {
        for (i, param) in list.iter().enumerate() {
            let Some(resolved) = resolve_parameter(api, param) else {
                return Err(Error::new(
                    format!("{at}/{i}"),
                    "parameter reference points at nothing",
                    "define it under #/components/parameters",
                ));
            };
            let data = resolved.parameter_data_ref();
            let place = match resolved {
                Parameter::Query { .. } => ParamLocation::Query,
                Parameter::Header { .. } => ParamLocation::Header,
                Parameter::Path { .. } => ParamLocation::Path,
                Parameter::Cookie { .. } => ParamLocation::Cookie,
            };
            // A shared parameter component names its type (`Order`), wherever it is used.
            let (param_at, component) = match param {
                ReferenceOr::Reference { reference } => {
                    (reference.clone(), reference.strip_prefix("#/components/parameters/").map(naming::type_name))
                }
                ReferenceOr::Item(_) => (format!("{at}/{i}"), None),
            };
            params.insert((place, data.name.to_lowercase()), (resolved.clone(), param_at, component));
        }
    }
    let mut operation = Operation {
        api_id: api_id.clone(),
        rust_name,
        builder_name: builder_name.clone(),
        method,
        path: PathTemplate::parse(path),
        module,
        docs: Docs { title: op.summary.clone(), description: op.description.clone(), deprecated: op.deprecated },
        path_params: Vec::new(),
        query_params: Vec::new(),
        header_params: Vec::new(),
        idempotency_key: false,
        body: None,
        success: Success::Empty,
        security,
        pagination: None,
    };
    // Path parameters in the order the template names them.
    let order: Vec<String> = operation.path.params().map(str::to_lowercase).collect();
    let mut ordered: Vec<_> = params.into_iter().collect();
    ordered.sort_by_key(|((place, name), _)| {
        (*place, order.iter().position(|p| p == name).unwrap_or(usize::MAX), name.clone())
    });
    // A parameter must not take the name of the builder's own fields and methods.
    let mut taken: BTreeSet<String> = BUILDER_NAMES.iter().map(|n| (*n).to_owned()).collect();
    for ((place, name), (param, at, component)) in ordered {
        if place == ParamLocation::Header && runtime_headers.contains(&name) {
            operation.idempotency_key |= name == "idempotency-key";
            continue;
        }
        if place == ParamLocation::Cookie {
            schemas
                .warnings
                .push(&at, format!("the cookie parameter `{name}` cannot be set: the client sends no cookies"));
            continue;
        }
        let context = Context {
            name: format!("{builder_name}{}", naming::type_name(&name)),
            property: Some(name.clone()),
            preferred: component,
        };
        let mut built = param_model(schemas, &param, &context, &at)?;
        // A parameter named like the builder's own members reads as what it is
        // (`.timeout_param(...)` beside the per-call `.timeout(...)`).
        if BUILDER_NAMES.contains(&built.rust_name.as_str()) {
            built.rust_name = format!("{}_param", built.rust_name);
        }
        built.rust_name = naming::unique(built.rust_name, &mut taken);
        match place {
            ParamLocation::Path => operation.path_params.push(built),
            ParamLocation::Query => operation.query_params.push(built),
            ParamLocation::Header | ParamLocation::Cookie => operation.header_params.push(built),
        }
    }
    if let Some(body) = &op.request_body {
        operation.body = request_body(
            schemas,
            body,
            &Context::new(format!("{builder_name}Request")),
            &format!("{pointer}/requestBody"),
        )?;
    }
    operation.success = success(schemas, op, &builder_name, pointer)?;
    Ok(operation)
}

fn param_model(schemas: &mut Schemas<'_>, param: &Parameter, context: &Context, at: &str) -> Result<Param, Error> {
    let data = param.parameter_data_ref();
    let ParameterSchemaOrContent::Schema(schema) = &data.format else {
        return Err(Error::unsupported(at, "a parameter with `content` instead of `schema`"));
    };
    let shape = schemas.shape(schema, context, &format!("{at}/schema"))?;
    let explode = match param {
        Parameter::Query { style, .. } => data.explode.unwrap_or(matches!(style, openapiv3::QueryStyle::Form)),
        _ => data.explode.unwrap_or(false),
    };
    Ok(Param {
        api_name: data.name.clone(),
        rust_name: naming::field_name(&data.name),
        ty: shape.ty(),
        required: data.required,
        docs: Docs {
            title: None,
            description: data.description.clone().or(shape.docs.description),
            deprecated: data.deprecated.unwrap_or(false),
        },
        constraints: shape.constraints,
        default: shape.default,
        explode,
    })
}

fn request_body(
    schemas: &mut Schemas<'_>,
    body: &ReferenceOr<openapiv3::RequestBody>,
    context: &Context,
    at: &str,
) -> Result<Option<RequestBody>, Error> {
    let (body, at) = match body {
        ReferenceOr::Item(body) => (body.clone(), at.to_owned()),
        ReferenceOr::Reference { reference } => {
            let key = reference.strip_prefix("#/components/requestBodies/").unwrap_or_default();
            let found = schemas.api.components.as_ref().and_then(|c| c.request_bodies.get(key));
            match found {
                Some(ReferenceOr::Item(body)) => (body.clone(), reference.clone()),
                _ => {
                    return Err(Error::new(
                        at,
                        format!("request body `{reference}` not found"),
                        "define it under #/components/requestBodies",
                    ))
                }
            }
        }
    };
    // JSON first, then a form, then a multipart form, then whatever the document lists first.
    let Some((content_type, media)) = body
        .content
        .iter()
        .find(|(ct, _)| is_json(ct))
        .or_else(|| body.content.iter().find(|(ct, _)| ct.as_str() == FORM))
        .or_else(|| body.content.iter().find(|(ct, _)| media_base(ct) == MULTIPART_FORM))
        .or_else(|| body.content.first())
    else {
        schemas.warnings.push(
            format!("{at}/content"),
            "a request body without any media type is not sent; list its media type under `content`",
        );
        return Ok(None);
    };
    let media_at = format!("{at}/content/{}", escape(content_type));
    let encoding = if is_json(content_type) {
        BodyEncoding::Json
    } else if content_type == FORM {
        BodyEncoding::Form
    } else if media_base(content_type) == MULTIPART_FORM {
        return multipart_body(schemas, content_type, media, context, &media_at);
    } else {
        BodyEncoding::Raw
    };
    let ty = match (encoding, &media.schema) {
        (BodyEncoding::Raw, _) if content_type.starts_with("text/") => TypeRef::String,
        (BodyEncoding::Raw, _) => {
            if content_type.starts_with("multipart/") {
                schemas.warnings.push(&media_at, format!("a `{content_type}` body is taken as bytes the caller encodes, sent with this content type (no boundary parameter): the client builds only `multipart/form-data` bodies"));
            }
            TypeRef::Bytes
        }
        (_, Some(schema)) => schemas.shape(schema, context, &format!("{media_at}/schema"))?.ty(),
        (_, None) => TypeRef::Json,
    };
    Ok(Some(RequestBody { ty, content_type: content_type.clone(), encoding, part_content_types: Vec::new() }))
}

/// A `multipart/form-data` body: the object of its schema, one part per property;
/// without an object schema, bytes the caller encodes.
fn multipart_body(
    schemas: &mut Schemas<'_>,
    content_type: &str,
    media: &openapiv3::MediaType,
    context: &Context,
    at: &str,
) -> Result<Option<RequestBody>, Error> {
    let object = match &media.schema {
        Some(schema) => {
            let ty = schemas.shape(schema, context, &format!("{at}/schema"))?.ty();
            schemas.multipart_object(&ty).then_some(ty)
        }
        None => None,
    };
    let Some(ty) = object else {
        schemas.warnings.push(at, format!("a `{content_type}` body without an object schema is taken as bytes the caller encodes, sent with this content type (no boundary parameter): give it an object schema whose properties are its parts"));
        return Ok(Some(RequestBody {
            ty: TypeRef::Bytes,
            content_type: content_type.to_owned(),
            encoding: BodyEncoding::Raw,
            part_content_types: Vec::new(),
        }));
    };
    // One media type is sent as it is; a list or a wildcard leaves the choice to the
    // caller (`FilePart::with_content_type`), and the runtime's default otherwise.
    let part_content_types = media
        .encoding
        .iter()
        .filter_map(|(name, encoding)| {
            let ct = encoding.content_type.as_deref()?.trim();
            let single =
                !ct.is_empty() && ct.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && !ct.contains([',', '*']);
            single.then(|| (name.clone(), ct.to_owned()))
        })
        .collect();
    Ok(Some(RequestBody {
        ty,
        content_type: content_type.to_owned(),
        encoding: BodyEncoding::Multipart,
        part_content_types,
    }))
}

const MULTIPART_FORM: &str = "multipart/form-data";

/// A media type without its parameters, lower-cased (`multipart/form-data`).
fn media_base(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase()
}

const FORM: &str = "application/x-www-form-urlencoded";

fn is_json(content_type: &str) -> bool {
    let base = content_type.split(';').next().unwrap_or_default().trim();
    base == "application/json" || (base.starts_with("application/") && base.ends_with("+json"))
}

/// What a 2xx answer carries.
fn success(
    schemas: &mut Schemas<'_>,
    op: &openapiv3::Operation,
    builder: &str,
    pointer: &str,
) -> Result<Success, Error> {
    let mut cases: Vec<(u16, Option<TypeRef>, Option<String>)> = Vec::new();
    for (status, response) in &op.responses.responses {
        let code = match status {
            openapiv3::StatusCode::Code(code) if (200..300).contains(code) => *code,
            openapiv3::StatusCode::Range(2) => 200,
            _ => continue,
        };
        let at = format!("{pointer}/responses/{code}");
        let response = match response {
            ReferenceOr::Item(r) => r.clone(),
            ReferenceOr::Reference { reference } => {
                let key = reference.strip_prefix("#/components/responses/").unwrap_or_default();
                match schemas.api.components.as_ref().and_then(|c| c.responses.get(key)) {
                    Some(ReferenceOr::Item(r)) => r.clone(),
                    _ => {
                        return Err(Error::new(
                            at,
                            format!("response `{reference}` not found"),
                            "define it under #/components/responses",
                        ))
                    }
                }
            }
        };
        if let Some((ct, media)) = response.content.iter().find(|(ct, _)| is_json(ct)) {
            let hint = if cases.is_empty() { format!("{builder}Response") } else { format!("{builder}Response{code}") };
            let ty = match &media.schema {
                Some(schema) => {
                    schemas.shape(schema, &Context::new(hint), &format!("{at}/content/{}/schema", escape(ct)))?.ty()
                }
                None => TypeRef::Json,
            };
            cases.push((code, Some(ty), None));
        } else if let Some((ct, _)) = response.content.first() {
            cases.push((code, None, Some(ct.clone())));
        } else {
            cases.push((code, None, None));
        }
    }
    cases.dedup_by(|b, a| a.1 == b.1 && a.2 == b.2);
    Ok(match cases.as_slice() {
        [] => Success::Empty,
        [(_, Some(ty), _)] => Success::Json(ty.clone()),
        [(_, None, None)] => Success::Empty,
        [(_, None, Some(ct))] if ct.starts_with("text/") => Success::Text,
        [(_, None, Some(ct))] => Success::Bytes { accept: ct.clone() },
        many => Success::ByStatus {
            name: format!("{builder}Response"),
            cases: many
                .iter()
                .map(|(code, ty, ct)| {
                    let body = match (ty, ct) {
                        (Some(ty), _) => StatusBody::Json(ty.clone()),
                        (None, Some(ct)) if ct.starts_with("text/") => StatusBody::Text,
                        (None, Some(_)) => StatusBody::Bytes,
                        (None, None) => StatusBody::Empty,
                    };
                    (*code, body)
                })
                .collect(),
        },
    })
}

/// `x-webhooks` (OpenAPI 3.0 has no `webhooks`): one payload type per event name.
pub fn webhooks(schemas: &mut Schemas<'_>) -> Result<Vec<Webhook>, Error> {
    let Some(hooks) = schemas.api.extensions.get("x-webhooks").cloned() else { return Ok(Vec::new()) };
    let hooks: BTreeMap<String, openapiv3::PathItem> = serde_json::from_value(hooks).map_err(|err| {
        Error::new(
            "#/x-webhooks",
            format!("not a map of webhook names to path items: {err}"),
            "shape it like OpenAPI 3.1 `webhooks`: name -> {post: {requestBody: ...}}",
        )
    })?;
    let mut out = Vec::new();
    for (name, item) in hooks {
        let at = format!("#/x-webhooks/{}", escape(&name));
        let Some(post) = &item.post else {
            return Err(Error::new(
                at,
                "a webhook without `post`",
                "describe the delivery as a `post` operation with a requestBody",
            ));
        };
        let Some(body) = &post.request_body else {
            return Err(Error::new(
                format!("{at}/post"),
                "a webhook without a requestBody",
                "add the delivery's body schema as requestBody",
            ));
        };
        let rust_name = naming::field_name(&name).trim_start_matches("r#").to_owned();
        let hint = format!("{}Delivery", name.to_upper_camel_case());
        let Some(body) =
            request_body(schemas, body, &Context::new(naming::type_name(&hint)), &format!("{at}/post/requestBody"))?
        else {
            continue;
        };
        if body.encoding != BodyEncoding::Json {
            schemas.warnings.push(
                format!("{at}/post/requestBody"),
                format!("a `{}` webhook body has no decoder; decode the delivery yourself", body.content_type),
            );
            continue;
        }
        out.push(Webhook {
            api_name: name,
            rust_name,
            docs: Docs {
                title: post.summary.clone(),
                description: post.description.clone(),
                deprecated: post.deprecated,
            },
            ty: body.ty,
        });
    }
    Ok(out)
}

pub fn api_info(api: &OpenAPI, operations: &[Operation], client: ClientProfile) -> ApiInfo {
    let mut scopes = BTreeMap::new();
    for scheme in api.components.iter().flat_map(|c| c.security_schemes.values()) {
        if let ReferenceOr::Item(SecurityScheme::OAuth2 { flows, .. }) = scheme {
            if let Some(flow) = &flows.client_credentials {
                scopes.extend(flow.scopes.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
    }
    ApiInfo {
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        scopes,
        default_scopes: operations
            .iter()
            .flat_map(|op| op.security.iter().flatten().flat_map(|r| r.scopes.iter().cloned()))
            .collect(),
        client,
    }
}

/// Resolves a parameter `$ref` to `#/components/parameters/...`.
pub fn resolve_parameter<'a>(api: &'a OpenAPI, param: &'a ReferenceOr<Parameter>) -> Option<&'a Parameter> {
    match param {
        ReferenceOr::Item(param) => Some(param),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            resolve_parameter(api, api.components.as_ref()?.parameters.get(name)?)
        }
    }
}
