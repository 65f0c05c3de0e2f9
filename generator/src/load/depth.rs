//! A nesting limit before the typed parse. `openapiv3`'s parse buffers untagged schema
//! enums and recurses per level with large frames, so a hostile document nested deep
//! enough overflows the stack (and takes time exponential in the depth) long before the
//! JSON or YAML parser's own limit. Published documents nest about 20 levels.

use serde_json::Value;

use super::escape;
use crate::warning::Warnings;

/// The deepest object or array kept; anything below is replaced by `{}` (any value).
pub const MAX_DEPTH: usize = 64;

/// Replaces every object or array nested deeper than [`MAX_DEPTH`] by `{}`, with a
/// warning. Iterative, so the check itself needs no stack.
pub fn limit(raw: &mut Value, warnings: &mut Warnings) {
    let mut pending: Vec<(&mut Value, usize, String)> = vec![(raw, 0, "#".to_owned())];
    while let Some((value, depth, pointer)) = pending.pop() {
        match value {
            Value::Object(map) if depth == MAX_DEPTH && !map.is_empty() => cut(value, pointer, warnings),
            Value::Array(items) if depth == MAX_DEPTH && !items.is_empty() => cut(value, pointer, warnings),
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    pending.push((child, depth + 1, format!("{pointer}/{}", escape(key))));
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter_mut().enumerate() {
                    pending.push((child, depth + 1, format!("{pointer}/{index}")));
                }
            }
            _ => {}
        }
    }
}

fn cut(value: &mut Value, pointer: String, warnings: &mut Warnings) {
    *value = Value::Object(Default::default());
    warnings.push(
        pointer,
        format!("nested more than {MAX_DEPTH} levels deep: read as `{{}}` (any value); move inner schemas into #/components/schemas"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_values_are_cut_with_a_warning() {
        let mut doc = serde_json::json!("leaf");
        for _ in 0..MAX_DEPTH + 5 {
            doc = serde_json::json!({ "a": doc });
        }
        let mut warnings = Warnings::default();
        limit(&mut doc, &mut warnings);
        let warnings = warnings.into_sorted();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].location, format!("#{}", "/a".repeat(MAX_DEPTH)));
        let mut at = &doc;
        for _ in 0..MAX_DEPTH {
            at = &at["a"];
        }
        assert_eq!(*at, serde_json::json!({}));
    }

    #[test]
    fn shallow_documents_are_untouched() {
        let mut doc = serde_json::json!({"a": [{"b": {"c": 1}}]});
        let before = doc.clone();
        let mut warnings = Warnings::default();
        limit(&mut doc, &mut warnings);
        assert_eq!(doc, before);
        assert!(warnings.into_sorted().is_empty());
    }
}
