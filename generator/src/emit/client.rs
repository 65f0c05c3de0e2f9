//! The API as the runtime acts on it, appended to the runtime crate's root: the `API`
//! constant (servers, security schemes, the headers the runtime fills in), the span
//! names, the environment variables, and the public constants callers use (the client
//! crate's root re-exports everything public there).

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::ident;
use crate::model::{ApiKeyLocation, Model, SchemeKind};

pub fn api_items(model: &Model) -> TokenStream {
    let client = &model.api.client;
    let schemes = client.schemes.iter().map(|scheme| {
        let name = &scheme.name;
        let kind = match &scheme.kind {
            SchemeKind::Bearer => quote!(crate::api::SchemeKind::Bearer),
            SchemeKind::Basic => quote!(crate::api::SchemeKind::Basic),
            SchemeKind::ApiKey { name, location } => {
                let location = match location {
                    ApiKeyLocation::Header => quote!(Header),
                    ApiKeyLocation::Query => quote!(Query),
                    ApiKeyLocation::Cookie => quote!(Cookie),
                };
                quote!(crate::api::SchemeKind::ApiKey { name: #name, location: crate::api::KeyLocation::#location })
            }
            SchemeKind::ClientCredentials { token_url } => {
                quote!(crate::api::SchemeKind::ClientCredentials { token_url: #token_url })
            }
        };
        quote!(crate::api::SecurityScheme { name: #name, kind: #kind })
    });
    let required = &client.required_schemes;
    let default_base_url = &client.default_base_url;
    let user_agent = format!("{}/", client.user_agent);
    let env_prefix = &client.env_prefix;
    let option = |value: Option<TokenStream>| match value {
        Some(value) => quote!(::std::option::Option::Some(#value)),
        None => quote!(::std::option::Option::None),
    };
    let client_id_header = option(client.client_id_header.as_ref().map(|h| quote!(#h)));
    let version_header = option(client.version_header.as_ref().map(|(name, value)| quote!((#name, #value))));
    let signature_version_header =
        option(client.signature_version_header.as_ref().map(|(name, value)| quote!((#name, #value))));
    let request_id_header = option(client.request_id_header.as_ref().map(|h| quote!(#h)));
    let signs_requests = client.signs_requests;
    let mut readers = Vec::new();
    if client.signs_requests {
        readers.push(quote!(crate::signing::from_env));
    }
    if client.environments.is_some() {
        readers.push(quote!(crate::environment::from_env));
    }
    let request_span = format!("{}.request", client.span_prefix);
    let token_span = format!("{}.token", client.span_prefix);
    let env_vars = client.env_vars().into_iter().map(|var| {
        let name = ident(var.suffix);
        let value = format!("{env_prefix}_{}", var.suffix);
        let doc = format!(" `{value}`: {}.", var.meaning);
        quote!(#[doc = #doc] pub const #name: &str = #value;)
    });
    let servers = &client.servers;
    let scopes = client.uses_client_credentials().then(|| {
        let scopes = &model.api.default_scopes;
        quote! {
            /// Every OAuth2 scope the operations of this crate name. The client never asks
            /// for all of them at once: each call asks for the least its operation needs
            /// (see [`ClientBuilder::scopes`]).
            pub const DEFAULT_SCOPES: &[&str] = &[#(#scopes),*];
        }
    });
    let version = client.version_header.as_ref().map(|(name, value)| {
        let doc = format!(" The `{name}` header sent with every request.");
        quote!(#[doc = #doc] pub const API_VERSION: &str = #value;)
    });
    let environments = client.environments.as_ref().map(|e| {
        let (sandbox, production) = (&e.sandbox, &e.production);
        quote! {
            /// The sandbox server, for integration and testing.
            pub const SANDBOX_URL: &str = #sandbox;
            /// The production server.
            pub const PRODUCTION_URL: &str = #production;
        }
    });
    quote! {
        #scopes
        #version
        /// The servers the API document names, in its order.
        pub const SERVERS: &[&str] = &[#(#servers),*];
        #environments

        /// The environment variables [`ClientBuilder::from_env`] reads.
        pub mod env {
            #(#env_vars)*
        }

        pub(crate) const REQUEST_SPAN: &str = #request_span;
        pub(crate) const TOKEN_SPAN: &str = #token_span;

        /// The API as the runtime acts on it.
        pub(crate) const API: crate::api::Api = crate::api::Api {
            default_base_url: #default_base_url,
            user_agent: ::std::concat!(#user_agent, ::std::env!("CARGO_PKG_VERSION")),
            env_prefix: #env_prefix,
            schemes: &[#(#schemes),*],
            required_schemes: &[#(#required),*],
            client_id_header: #client_id_header,
            version_header: #version_header,
            signature_version_header: #signature_version_header,
            request_id_header: #request_id_header,
            signs_requests: #signs_requests,
            env_readers: &[#(#readers),*],
        };
    }
}
