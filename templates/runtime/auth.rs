//! Least privilege, as Upvest asks ("You get one for read-access and separate
//! ones for updating, creating or deleting resources"): each call asks for the
//! scopes its operation needs and no more, in a token of its own, and each
//! such token is cached, refreshed and single-flighted on its own.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::error::Error;
use super::request::Operation;
use super::token::TokenCache;

/// One token cache per scope set, made on first use.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    caches: Mutex<BTreeMap<String, Arc<TokenCache>>>,
}

impl Tokens {
    /// The cache of tokens carrying exactly `scope` (space-separated, as sent).
    pub(crate) fn cache(&self, scope: &str) -> Arc<TokenCache> {
        // A poisoned lock only means a panic elsewhere; the map is still valid.
        let mut caches = self.caches.lock().unwrap_or_else(|e| e.into_inner());
        caches.entry(scope.to_string()).or_default().clone()
    }
}

/// The `scope` value to request for `operation`: its first scope set (the API
/// description lists the least-privileged first) that lies within `allowed`,
/// when the caller restricted the client. `None` when the operation needs no
/// token. Fails, before anything is sent, when no scope set is allowed.
pub(crate) fn scope_for(operation: &Operation, allowed: Option<&[String]>) -> Result<Option<String>, Error> {
    if operation.scopes.is_empty() {
        return Ok(None);
    }
    let permitted = |set: &&&[&str]| match allowed {
        None => true,
        Some(allowed) => set.iter().all(|scope| allowed.iter().any(|a| a == scope)),
    };
    match operation.scopes.iter().find(permitted) {
        Some(set) => {
            let mut scopes: Vec<&str> = set.to_vec();
            // One spelling per set, so equal sets share one token.
            scopes.sort_unstable();
            scopes.dedup();
            Ok(Some(scopes.join(" ")))
        }
        None => Err(Error::Scope {
            operation: operation.id,
            needs: operation.scopes.iter().map(|set| set.to_vec()).collect(),
            allowed: allowed.map(<[String]>::to_vec).unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Method;

    static GET_USER: Operation = Operation {
        id: "get_user",
        method: Method::GET,
        path_template: "/users/{user_id}",
        scopes: &[&["users:read"], &["users:admin"]],
    };

    static CREATE_USER: Operation =
        Operation { id: "create_user", method: Method::POST, path_template: "/users", scopes: &[&["users:admin"]] };

    static PUBLIC: Operation = Operation { id: "public", method: Method::GET, path_template: "/public", scopes: &[] };

    fn allowed(scopes: &[&str]) -> Vec<String> {
        scopes.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_first_alternative_is_requested_without_restriction() {
        assert_eq!(scope_for(&GET_USER, None).unwrap().as_deref(), Some("users:read"));
        assert_eq!(scope_for(&CREATE_USER, None).unwrap().as_deref(), Some("users:admin"));
        assert_eq!(scope_for(&PUBLIC, None).unwrap(), None);
    }

    #[test]
    fn a_restriction_picks_the_first_permitted_alternative() {
        let admin_only = allowed(&["users:admin"]);
        assert_eq!(scope_for(&GET_USER, Some(&admin_only)).unwrap().as_deref(), Some("users:admin"));
        let read_only = allowed(&["users:read", "accounts:read"]);
        assert_eq!(scope_for(&GET_USER, Some(&read_only)).unwrap().as_deref(), Some("users:read"));
        let err = scope_for(&CREATE_USER, Some(&read_only)).unwrap_err();
        assert!(matches!(err, Error::Scope { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("create_user") && text.contains("users:admin"), "{text}");
        assert!(text.contains("ClientBuilder::scopes"), "{text}");
    }

    #[test]
    fn one_cache_per_scope_set() {
        let tokens = Tokens::default();
        let read = tokens.cache("users:read");
        assert!(Arc::ptr_eq(&read, &tokens.cache("users:read")));
        assert!(!Arc::ptr_eq(&read, &tokens.cache("users:admin")));
    }
}
