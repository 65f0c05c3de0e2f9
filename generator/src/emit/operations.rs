//! `src/operations/<tag>.rs`: one method on `Client` and one request builder per
//! operation. Everything not specific to the operation lives in the runtime.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{constraint_doc, doc_attrs, ident, type_tokens};
use super::types::value_checks;
use crate::model::{
    BodyEncoding, Docs, Model, Operation, PageImpl, Pagination, Param, PathSegment, SchemeKind, SecurityRequirement,
    StatusBody, Success, TypeKind, TypeRef,
};

/// The modules operations are grouped into (their first tag), sorted.
pub fn module_names(model: &Model) -> Vec<String> {
    let names: std::collections::BTreeSet<&str> = model.operations.iter().map(|op| op.module.as_str()).collect();
    names.into_iter().map(str::to_owned).collect()
}

/// One module's operations.
pub fn module(model: &Model, module: &str) -> TokenStream {
    let doc = format!(" Operations tagged `{module}`.");
    let items = model.operations.iter().filter(|op| op.module == module).map(|op| operation(model, op));
    quote! { #![doc = #doc] #![allow(deprecated)] #(#items)* }
}

pub fn mod_file(model: &Model) -> TokenStream {
    let mods = module_names(model).into_iter().map(|m| {
        let m = ident(&m);
        quote!(pub mod #m;)
    });
    quote! {
        //! One module per tag: the methods on [`crate::Client`] and their request builders.
        #(#mods)*
    }
}

fn operation(model: &Model, op: &Operation) -> TokenStream {
    let method_name = ident(&op.rust_name);
    let builder = ident(&op.builder_name);
    let konst = ident(&op.api_id.to_shouty_snake_case());
    let api_id = &op.api_id;
    let http_method = ident(op.method.as_str());
    let path_template = &op.path.raw;
    let security = op.security.iter().map(|alternative| {
        let requirements = alternative.iter().map(|r| {
            let (scheme, scopes) = (&r.scheme, &r.scopes);
            quote!(crate::runtime::api::Requirement { scheme: #scheme, scopes: &[#(#scopes),*] })
        });
        quote!(&[#(#requirements),*])
    });
    let mut extra = vec![format!("`{} {}`", op.method.as_str(), op.path.raw)];
    extra.extend(security_doc(model, &op.security));
    for p in op.path_params.iter().chain(op.query_params.iter().chain(&op.header_params).filter(|p| p.required)) {
        let mut line = format!("`{}`", p.rust_name.trim_start_matches("r#"));
        if let Some(description) = &p.docs.description {
            line.push_str(&format!(": {}", description.lines().next().unwrap_or_default().trim()));
        }
        if let Some(c) = constraint_doc(&p.constraints) {
            line.push_str(&format!(" {c}"));
        }
        extra.push(line);
    }
    extra.push(format!("Returns a [`{builder}`]; finish with `.send()`."));
    let method_docs = doc_attrs(&op.docs, &extra);

    let required: Vec<&Param> =
        op.path_params.iter().chain(op.query_params.iter().chain(&op.header_params).filter(|p| p.required)).collect();
    let optional: Vec<&Param> = op.query_params.iter().chain(&op.header_params).filter(|p| !p.required).collect();
    let args = required.iter().map(|p| {
        let name = ident(&p.rust_name);
        let ty = arg_type(model, &p.ty);
        quote!(#name: #ty)
    });
    let body_arg = op.body.as_ref().map(|b| {
        let ty = type_tokens(model, &b.ty);
        quote!(body: impl ::std::convert::Into<#ty>)
    });
    let all_args = args.chain(body_arg);
    let init_path = required.iter().map(|p| {
        let name = ident(&p.rust_name);
        quote!(#name: #name.into(),)
    });
    let init_optional = optional.iter().map(|p| {
        let name = ident(&p.rust_name);
        quote!(#name: ::std::option::Option::None,)
    });
    let init_body = op.body.as_ref().map(|_| quote!(body: body.into(),));
    let init_key = op.idempotency_key.then(|| quote!(idempotency_key: ::std::option::Option::None,));

    let path_fields = required.iter().map(|p| {
        let name = ident(&p.rust_name);
        let ty = type_tokens(model, &p.ty);
        quote!(#name: #ty,)
    });
    let optional_fields = optional.iter().map(|p| {
        let name = ident(&p.rust_name);
        let ty = type_tokens(model, &p.ty);
        quote!(#name: ::std::option::Option<#ty>,)
    });
    let body_field = op.body.as_ref().map(|b| {
        let ty = type_tokens(model, &b.ty);
        quote!(body: #ty,)
    });
    let key_field =
        op.idempotency_key.then(|| quote!(idempotency_key: ::std::option::Option<crate::runtime::IdempotencyKey>,));

    let setters = optional.iter().map(|p| setter(model, p));
    let key_setter = op.idempotency_key.then(|| {
        quote! {
            /// Sets the idempotency key instead of a generated one (UUID v4). The same key
            /// is sent on every retry of this call; reuse it to repeat a call safely.
            pub fn idempotency_key(mut self, key: impl ::std::convert::Into<crate::runtime::IdempotencyKey>) -> Self {
                self.idempotency_key = ::std::option::Option::Some(key.into());
                self
            }
        }
    });

    let request = request_fn(model, op, &konst);
    let (send, response_enum) = send_fn(model, op);
    let stream = op.pagination.as_ref().map(|p| stream_fn(model, op, p));
    let builder_doc =
        format!(" Request builder for [`crate::Client::{}`]: `{} {}`.", op.rust_name, op.method.as_str(), op.path.raw);

    quote! {
        impl crate::Client {
            #method_docs
            pub fn #method_name(&self, #(#all_args),*) -> #builder {
                #builder { client: ::std::clone::Clone::clone(self), #(#init_path)* #init_body #(#init_optional)* #init_key options: ::std::default::Default::default() }
            }
        }

        static #konst: crate::runtime::Operation = crate::runtime::Operation {
            id: #api_id,
            method: ::reqwest::Method::#http_method,
            path_template: #path_template,
            security: &[#(#security),*],
        };

        #[doc = #builder_doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent with `.send()`"]
        pub struct #builder {
            client: crate::Client,
            #(#path_fields)*
            #body_field
            #(#optional_fields)*
            #key_field
            options: crate::runtime::CallOptions,
        }

        impl #builder {
            #(#setters)*
            #key_setter
            crate::runtime::call_option_setters!();
            #request
            #send
            #stream
        }
        #response_enum
    }
}

/// Path arguments: strings take anything string-like, the rest their own type.
fn arg_type(model: &Model, ty: &TypeRef) -> TokenStream {
    match ty {
        TypeRef::String => quote!(impl ::std::convert::Into<::std::string::String>),
        other => {
            let ty = type_tokens(model, other);
            quote!(impl ::std::convert::Into<#ty>)
        }
    }
}

/// The method doc line naming what grants the operation: one requirement, or
/// "any one of" its alternatives in document order. Where only OAuth2 client
/// credentials are involved, the scopes are what matters.
fn security_doc(model: &Model, alternatives: &[Vec<SecurityRequirement>]) -> Option<String> {
    let only_scopes = alternatives.iter().flatten().all(|r| {
        model
            .api
            .client
            .schemes
            .iter()
            .any(|s| s.name == r.scheme && matches!(s.kind, SchemeKind::ClientCredentials { .. }))
    });
    let several_each = alternatives
        .iter()
        .any(|a| a.len() > 1 || (only_scopes && a.iter().map(|r| r.scopes.len()).sum::<usize>() > 1));
    let render = |alternative: &Vec<SecurityRequirement>| {
        if only_scopes {
            let scopes: Vec<String> =
                alternative.iter().flat_map(|r| r.scopes.iter().map(|s| format!("`{s}`"))).collect();
            return if scopes.is_empty() { "no scope".to_owned() } else { scopes.join(" and ") };
        }
        if alternative.is_empty() {
            return "none".to_owned();
        }
        let parts: Vec<String> = alternative
            .iter()
            .map(|r| match r.scopes.as_slice() {
                [] => format!("`{}`", r.scheme),
                scopes => format!(
                    "`{}` ({})",
                    r.scheme,
                    scopes.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                ),
            })
            .collect();
        parts.join(" and ")
    };
    let label = if only_scopes { "Scopes" } else { "Authentication" };
    match alternatives {
        [] => None,
        [only] => Some(format!("{label}: {}.", render(only))),
        _ => {
            let separator = if several_each { "; " } else { ", " };
            Some(format!(
                "{label}: any one of: {}.",
                alternatives.iter().map(render).collect::<Vec<_>>().join(separator)
            ))
        }
    }
}

fn setter(model: &Model, p: &Param) -> TokenStream {
    let name = ident(&p.rust_name);
    let ty = type_tokens(model, &p.ty);
    let mut extra = Vec::new();
    if let Some(c) = constraint_doc(&p.constraints) {
        extra.push(c);
    }
    if let Some(default) = &p.default {
        extra.push(format!("Server default: `{default}`."));
    }
    let docs = doc_attrs(&Docs { title: None, ..p.docs.clone() }, &extra);
    quote! {
        #docs
        pub fn #name(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
            self.#name = ::std::option::Option::Some(value.into());
            self
        }
    }
}

/// Builds the runtime request: client-side checks first, then path, query, headers, body.
fn request_fn(model: &Model, op: &Operation, konst: &proc_macro2::Ident) -> TokenStream {
    let mut checks = Vec::new();
    for p in &op.path_params {
        let name = ident(&p.rust_name);
        if let Some(body) = value_checks(model, &p.ty, &p.constraints, &p.api_name, quote!(value)) {
            checks.push(quote! { { let value = &self.#name; #body } });
        }
    }
    for p in op.query_params.iter().chain(&op.header_params) {
        let name = ident(&p.rust_name);
        if let Some(body) = value_checks(model, &p.ty, &p.constraints, &p.api_name, quote!(value)) {
            checks.push(if p.required {
                quote! { { let value = &self.#name; #body } }
            } else {
                quote! { if let ::std::option::Option::Some(value) = &self.#name { #body } }
            });
        }
    }
    if let Some(body) = &op.body {
        if let Some(check) = value_checks(model, &body.ty, &Default::default(), "", quote!(value)) {
            checks.push(quote! { { let value = &self.body; #check } });
        }
    }
    let validate = (!checks.is_empty()).then(|| {
        quote! {
            let prefix = "";
            (|| -> ::std::result::Result<(), crate::runtime::ValidationError> {
                #(#checks)*
                ::std::result::Result::Ok(())
            })()
            .map_err(crate::Error::Validation)?;
        }
    });
    let path = path_expr(model, op);
    let push_param = |p: &Param, target: TokenStream, explode: bool| {
        let name = ident(&p.rust_name);
        let push = push_value(model, &p.ty, target, &p.api_name, quote!(value), explode);
        if p.required {
            quote! { { let value = &self.#name; #push } }
        } else {
            quote! { if let ::std::option::Option::Some(value) = &self.#name { #push } }
        }
    };
    let query = op.query_params.iter().map(|p| push_param(p, quote!(query), p.explode));
    let headers = op.header_params.iter().map(|p| push_param(p, quote!(headers), false));
    let has_query = !op.query_params.is_empty();
    let has_headers = !op.header_params.is_empty();
    let query_init = if has_query {
        quote!(let mut query = ::std::vec::Vec::new();)
    } else {
        quote!(let query = ::std::vec::Vec::new();)
    };
    let headers_init = if has_headers {
        quote!(let mut headers = ::std::vec::Vec::new();)
    } else {
        quote!(let headers = ::std::vec::Vec::new();)
    };
    let body = match &op.body {
        Some(b) => match b.encoding {
            BodyEncoding::Json => quote!(::std::option::Option::Some(crate::runtime::Body::json(&self.body)?)),
            BodyEncoding::Form => quote!(::std::option::Option::Some(crate::runtime::Body::form(&self.body)?)),
            BodyEncoding::Multipart => {
                let content_types = b.part_content_types.iter().map(|(name, ct)| quote!((#name, #ct)));
                quote!(::std::option::Option::Some(crate::runtime::Body::multipart(&self.body, &[#(#content_types),*])?))
            }
            BodyEncoding::Raw => {
                let content_type = &b.content_type;
                quote!(::std::option::Option::Some(crate::runtime::Body::raw(#content_type, ::std::clone::Clone::clone(&self.body))))
            }
        },
        None => quote!(::std::option::Option::None),
    };
    let key = if op.idempotency_key {
        quote!(::std::option::Option::Some(
            self.idempotency_key.clone().unwrap_or_else(|| self.client.new_idempotency_key())
        ))
    } else {
        quote!(::std::option::Option::None)
    };
    let accept = match &op.success {
        Success::Bytes { accept } => accept.clone(),
        _ => "application/json".to_owned(),
    };
    quote! {
        fn request(&self) -> ::std::result::Result<crate::runtime::Request, crate::Error> {
            #validate
            #query_init
            #(#query)*
            #headers_init
            #(#headers)*
            ::std::result::Result::Ok(crate::runtime::Request {
                operation: &#konst,
                path: #path,
                query,
                headers,
                body: #body,
                accept: #accept,
                idempotency_key: #key,
                options: ::std::clone::Clone::clone(&self.options),
            })
        }
    }
}

/// The expanded path: each parameter encoded into a local first, so the `format!`
/// holds only names (`format!("/users/{user_id}")`).
fn path_expr(model: &Model, op: &Operation) -> TokenStream {
    let mut template = String::new();
    let mut segments = Vec::new();
    for segment in &op.path.segments {
        match segment {
            PathSegment::Literal(text) => template.push_str(&text.replace('{', "{{").replace('}', "}}")),
            PathSegment::Param(name) => {
                let Some(p) = op.path_params.iter().find(|p| p.api_name.eq_ignore_ascii_case(name)) else { continue };
                let field = ident(&p.rust_name);
                let local = ident(&format!("{}_segment", p.rust_name.trim_start_matches("r#")));
                let text = match model.resolve(&p.ty) {
                    TypeRef::String => quote!(value),
                    TypeRef::Named(id)
                        if matches!(model.def(*id).kind, TypeKind::Enum(_) | TypeKind::StringForms(_)) =>
                    {
                        quote!(value.as_str())
                    }
                    _ => {
                        let text = to_text(model, &p.ty, quote!(value));
                        quote!(&#text)
                    }
                };
                segments.push(quote! {
                    let #local = { let value = &self.#field; crate::runtime::encode_path_segment(#text) };
                });
                template.push_str(&format!("{{{local}}}"));
            }
        }
    }
    if segments.is_empty() {
        let literal = op.path.raw.as_str();
        return quote!(::std::string::String::from(#literal));
    }
    quote!({ #(#segments)* ::std::format!(#template) })
}

/// The text form of a parameter value (`value` is a reference).
fn to_text(model: &Model, ty: &TypeRef, value: TokenStream) -> TokenStream {
    match ty {
        TypeRef::String => quote!(::std::string::String::clone(#value)),
        TypeRef::DateTime => quote!(#value.to_rfc3339_opts(::chrono::SecondsFormat::AutoSi, true)),
        TypeRef::Named(id) => match &model.def(*id).kind {
            TypeKind::Enum(_) | TypeKind::StringForms(_) => quote!(#value.as_str().to_owned()),
            TypeKind::IntEnum(_) => quote!(#value.0.to_string()),
            TypeKind::Alias(inner) => to_text(model, inner, value),
            _ => quote!(::serde_json::to_string(#value).unwrap_or_default()),
        },
        TypeRef::Bool | TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::Uuid | TypeRef::Date | TypeRef::Json => {
            quote!(#value.to_string())
        }
        // A map or list inside a parameter: sent as its JSON text.
        TypeRef::Map(_) | TypeRef::Vec(_) | TypeRef::Option(_) => {
            quote!(::serde_json::to_string(#value).unwrap_or_default())
        }
        TypeRef::Bytes => quote!(::std::string::String::from_utf8_lossy(#value).into_owned()),
        TypeRef::File => quote!(::std::string::String::from_utf8_lossy(#value.bytes()).into_owned()),
    }
}

fn push_value(
    model: &Model,
    ty: &TypeRef,
    target: TokenStream,
    api: &str,
    value: TokenStream,
    explode: bool,
) -> TokenStream {
    match ty {
        TypeRef::Vec(item) if explode => {
            let text = to_text(model, item, quote!(item));
            quote! { for item in #value.iter() { #target.push((#api, #text)); } }
        }
        TypeRef::Vec(item) if *model.resolve(item) == TypeRef::String => {
            quote! { #target.push((#api, #value.join(","))); }
        }
        TypeRef::Vec(item) => {
            let text = to_text(model, item, quote!(item));
            quote! { #target.push((#api, #value.iter().map(|item| #text).collect::<::std::vec::Vec<_>>().join(","))); }
        }
        other => {
            let text = to_text(model, other, value);
            quote! { #target.push((#api, #text)); }
        }
    }
}

/// `send()`, and for several success bodies the enum it returns.
fn send_fn(model: &Model, op: &Operation) -> (TokenStream, Option<TokenStream>) {
    let doc = quote! {
        /// Sends the request (signed, authenticated, retried by the client's policy)
        /// and decodes the answer. Fails with [`crate::Error::Validation`] before
        /// sending when a value breaks a constraint of the API.
    };
    let (ty, decode) = match &op.success {
        Success::Empty => (quote!(()), quote!(|raw| ::std::result::Result::Ok(raw.empty()))),
        Success::Json(ty) => (type_tokens(model, ty), quote!(crate::runtime::RawResponse::json)),
        Success::Bytes { .. } => (quote!(::bytes::Bytes), quote!(|raw| ::std::result::Result::Ok(raw.bytes()))),
        Success::Text => (quote!(::std::string::String), quote!(crate::runtime::RawResponse::text)),
        Success::ByStatus { name, cases } => {
            let enum_name = ident(name);
            let variants = cases.iter().map(|(code, body)| {
                let variant = ident(&format!("Status{code}"));
                let doc = format!(" The `{code}` answer.");
                match body {
                    StatusBody::Json(ty) => {
                        let ty = type_tokens(model, ty);
                        quote! { #[doc = #doc] #variant(#ty), }
                    }
                    StatusBody::Text => quote! { #[doc = #doc] #variant(::std::string::String), },
                    StatusBody::Bytes => quote! { #[doc = #doc] #variant(::bytes::Bytes), },
                    StatusBody::Empty => quote! { #[doc = #doc] #variant, },
                }
            });
            let decode_as = |body: &StatusBody, variant: &proc_macro2::Ident| match body {
                StatusBody::Json(_) => quote!(raw.json().map(|r| r.map(#enum_name::#variant))),
                StatusBody::Text => quote!(raw.text().map(|r| r.map(#enum_name::#variant))),
                StatusBody::Bytes => quote!(::std::result::Result::Ok(raw.bytes().map(#enum_name::#variant))),
                StatusBody::Empty => quote!(::std::result::Result::Ok(raw.empty().map(|()| #enum_name::#variant))),
            };
            let arms = cases.iter().map(|(code, body)| {
                let decode = decode_as(body, &ident(&format!("Status{code}")));
                quote!(#code => #decode,)
            });
            // An undocumented success status is read as the first documented one.
            let fallback = decode_as(&cases[0].1, &ident(&format!("Status{}", cases[0].0)));
            let fallback = quote!(_ => #fallback,);
            let enum_doc = format!(" The success answers of `{}`, by status.", op.api_id);
            // Answers are moved out once, not stored in bulk: boxing would only cost callers.
            let def = quote! {
                #[doc = #enum_doc]
                #[derive(Debug, Clone, PartialEq)]
                #[allow(clippy::large_enum_variant)]
                pub enum #enum_name { #(#variants)* }
            };
            let decode = quote!(|raw: crate::runtime::RawResponse| match raw.status.as_u16() { #(#arms)* #fallback });
            return (send_with(&doc, &quote!(#enum_name), &decode), Some(def));
        }
    };
    (send_with(&doc, &ty, &decode), None)
}

/// `send()` hands the request and how to decode its answer to the runtime's one
/// async `Client::send`, so no operation has an async body of its own (each
/// would be type- and borrow-checked on its own).
fn send_with(doc: &TokenStream, ty: &TokenStream, decode: &TokenStream) -> TokenStream {
    quote! {
        #doc
        pub fn send(
            self,
        ) -> impl ::std::future::Future<Output = ::std::result::Result<crate::Response<#ty>, crate::Error>>
               + ::std::marker::Send
               + 'static {
            let request = self.request();
            self.client.runtime.send(request, #decode)
        }
    }
}

fn stream_fn(model: &Model, op: &Operation, p: &Pagination) -> TokenStream {
    let page = &model.pages[p.page];
    let item = type_tokens(model, &page.item);
    let page = type_tokens(model, &TypeRef::Named(page.page));
    let limit_default = p.default_limit;
    let offset_ty = type_tokens(model, &op.query_params[p.offset].ty);
    let limit_ty = type_tokens(model, &op.query_params[p.limit].ty);
    let offset = ident(&op.query_params[p.offset].rust_name);
    let limit = ident(&op.query_params[p.limit].rust_name);
    quote! {
        /// Every item of every page as a stream: walks `offset` from this request's
        /// offset (or 0) in steps of its `limit` until `total_count` is reached.
        /// The first error ends the stream.
        pub fn stream(self) -> impl ::futures_core::Stream<Item = ::std::result::Result<#item, crate::Error>> + ::std::marker::Send + 'static {
            let start = self.#offset.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
            let limit = self.#limit.and_then(|v| u64::try_from(v).ok()).unwrap_or(#limit_default);
            crate::runtime::pagination::paginate::<#page, _, _>(start, limit, move |offset, limit| {
                let page = self
                    .clone()
                    .#offset(<#offset_ty>::try_from(offset).unwrap_or(<#offset_ty>::MAX))
                    .#limit(<#limit_ty>::try_from(limit).unwrap_or(<#limit_ty>::MAX));
                page.send()
            })
        }
    }
}

/// `Page` for a list answer, once per page type.
pub fn page_impl(model: &Model, page: &PageImpl) -> TokenStream {
    let item = type_tokens(model, &page.item);
    let ty = type_tokens(model, &TypeRef::Named(page.page));
    let total = match (page.meta_required, page.total_required) {
        (true, true) => quote!(u64::try_from(self.meta.total_count).ok()),
        (true, false) => quote!(self.meta.total_count.and_then(|v| u64::try_from(v).ok())),
        (false, true) => quote!(self.meta.as_ref().and_then(|m| u64::try_from(m.total_count).ok())),
        (false, false) => quote!(self.meta.as_ref().and_then(|m| m.total_count).and_then(|v| u64::try_from(v).ok())),
    };
    quote! {
        impl crate::runtime::pagination::Page for #ty {
            type Item = #item;
            fn into_items(self) -> ::std::vec::Vec<#item> { self.data }
            fn total_count(&self) -> ::std::option::Option<u64> { #total }
        }
    }
}
