//! Where normalisation moved things, so errors and warnings name places in the document
//! as written rather than in its normalised form (`#/components/schemas/A/oneOf/1`, not
//! the `#/components/schemas/A/allOf/1/oneOf/1` the model saw).

use std::collections::BTreeMap;

/// One rewrite of one schema: `(new, old)` paths relative to the schema, as JSON pointer
/// segments joined by `/` (`allOf/1/oneOf` came from `oneOf`; `""` is the schema itself).
pub type Step = Vec<(String, String)>;

#[derive(Debug, Default)]
pub struct Origins {
    /// For each rewritten schema, by its pointer as walked, its rewrites in order.
    schemas: BTreeMap<String, Vec<Step>>,
    /// Subtrees moved elsewhere in the document, `(new, old)` pointers.
    subtrees: Vec<(String, String)>,
}

impl Origins {
    /// Records that the schema at `at` was rewritten by `step`.
    pub fn rewrote(&mut self, at: &str, step: Step) {
        if !step.is_empty() {
            self.schemas.entry(at.to_owned()).or_default().push(step);
        }
    }

    /// Records that the subtree now at `new` was at `old` in the document as written.
    pub fn moved(&mut self, new: String, old: String) {
        self.subtrees.push((new, old));
    }

    /// The pointer in the document as written of what is at `pointer` after
    /// normalisation. Locations that are not pointers (`line 3, column 7`) stay as given.
    pub fn original(&self, pointer: &str) -> String {
        let Some(rest) = pointer.strip_prefix("#/") else {
            return pointer.to_owned();
        };
        // Walk down from the root; at each schema that was rewritten, undo its rewrites
        // (last first) on the rest of the path before taking the next segment.
        let mut remaining: Vec<String> = rest.split('/').map(str::to_owned).collect();
        let mut walked = String::from("#");
        loop {
            for step in self.schemas.get(&walked).into_iter().flatten().rev() {
                undo(step, &mut remaining);
            }
            if remaining.is_empty() {
                break;
            }
            walked.push('/');
            walked.push_str(&remaining.remove(0));
        }
        for (new, old) in &self.subtrees {
            if let Some(tail) = walked.strip_prefix(new.as_str()) {
                if tail.is_empty() || tail.starts_with('/') {
                    return format!("{old}{tail}");
                }
            }
        }
        walked
    }
}

/// Replaces the longest `new` path of `step` that starts `remaining` by its `old` path.
fn undo(step: &Step, remaining: &mut Vec<String>) {
    let matching = step
        .iter()
        .map(|(new, old)| (segments(new), old))
        .filter(|(new, _)| !new.is_empty() && remaining.starts_with(new))
        .max_by_key(|(new, _)| new.len());
    if let Some((new, old)) = matching {
        let mut original = segments(old);
        original.extend(remaining.drain(new.len()..));
        *remaining = original;
    }
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|segment| !segment.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(pairs: &[(&str, &str)]) -> Step {
        pairs.iter().map(|(new, old)| ((*new).to_owned(), (*old).to_owned())).collect()
    }

    #[test]
    fn rewrites_are_undone_from_the_root_down() {
        let mut origins = Origins::default();
        // `#/s` had `$ref` + `properties` + `oneOf`: first the `$ref` went into an
        // `allOf`, then the type part and the `oneOf` joined it.
        origins.rewrote("#/s", step(&[("allOf/0", "")]));
        origins.rewrote(
            "#/s",
            step(&[("allOf/0", ""), ("allOf/1", "allOf/0"), ("allOf/2", ""), ("allOf/2/oneOf", "oneOf")]),
        );
        // `#/s/properties/a` had a type list, now an `anyOf` of copies.
        origins.rewrote("#/s/properties/a", step(&[("anyOf/0", ""), ("anyOf/1", "")]));
        origins.moved("#/components/schemas/X_Y".into(), "#/components/schemas/X/$defs/Y".into());

        assert_eq!(origins.original("#/s/allOf/2/oneOf/1"), "#/s/oneOf/1");
        assert_eq!(origins.original("#/s/allOf/2"), "#/s");
        assert_eq!(origins.original("#/s/allOf/1/$ref"), "#/s/$ref");
        assert_eq!(origins.original("#/s/allOf/0/properties/a/anyOf/1/items"), "#/s/properties/a/items");
        assert_eq!(origins.original("#/t/allOf/0"), "#/t/allOf/0");
        assert_eq!(
            origins.original("#/components/schemas/X_Y/properties/p"),
            "#/components/schemas/X/$defs/Y/properties/p"
        );
        assert_eq!(origins.original("#/components/schemas/X_Yz"), "#/components/schemas/X_Yz");
        assert_eq!(origins.original("line 3, column 7"), "line 3, column 7");
        assert_eq!(origins.original("#"), "#");
    }
}
