//! Inlines local `$ref`s (`#/components/...`) so each schema compiles on its own.

use serde_json::{Map, Value};

use super::error::SpecError;

/// How deeply refs may nest before the document is taken to be cyclic.
const MAX_REF_DEPTH: usize = 64;

/// A copy of `value` with every local `$ref` replaced by what it points to in `doc`.
pub(crate) fn inline_refs(doc: &Value, value: &Value) -> Result<Value, SpecError> {
    inline_at(doc, value, 0)
}

fn inline_at(doc: &Value, value: &Value, depth: usize) -> Result<Value, SpecError> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let bad = || SpecError::BadRef {
                    reference: reference.clone(),
                };
                if depth >= MAX_REF_DEPTH {
                    return Err(bad());
                }
                let pointer = reference.strip_prefix('#').ok_or_else(bad)?;
                let target = doc.pointer(pointer).ok_or_else(bad)?;
                return inline_at(doc, target, depth + 1);
            }
            let mut out = Map::with_capacity(map.len());
            for (key, inner) in map {
                out.insert(key.clone(), inline_at(doc, inner, depth)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| inline_at(doc, item, depth))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_refs_are_inlined_and_cycles_are_refused() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "string"},
            "Loop": {"$ref": "#/components/schemas/Loop"}
        }}});
        let inlined = inline_refs(&doc, &json!({"$ref": "#/components/schemas/A"}));
        assert_eq!(
            inlined.ok(),
            Some(json!({"type": "object", "properties": {"b": {"type": "string"}}}))
        );
        assert!(inline_refs(&doc, &json!({"$ref": "#/components/schemas/Loop"})).is_err());
        assert!(inline_refs(&doc, &json!({"$ref": "#/nowhere"})).is_err());
    }
}
