//! Turns OpenAPI schemas into plain JSON Schema: inlines local `$ref`s
//! (`#/components/...`) so each schema compiles on its own, and rewrites OpenAPI 3.0's
//! `nullable: true` (which JSON Schema does not know) into an explicit `null` option.
//!
//! A recursive schema (one that refers to itself, like ARM's `ErrorDetail.details`)
//! cannot be inlined: the ref that would close the cycle is kept, and
//! [`Inlined::into_schema`] then carries the document's `components` next to the schema
//! so that ref still resolves.

use serde_json::{Map, Value, json};

use super::error::SpecError;

/// How deeply refs may nest (a guard against pathological documents).
const MAX_REF_DEPTH: usize = 64;

/// A value with its local refs inlined.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Inlined {
    /// The value.
    pub value: Value,
    /// Whether a recursive ref was kept as a `$ref`.
    pub recursive: bool,
}

impl Inlined {
    /// A JSON Schema for the value: itself, or, when it kept recursive refs, wrapped with
    /// the document's `components` so `#/components/...` resolves against the root.
    pub fn into_schema(self, doc: &Value) -> Value {
        match (self.recursive, doc.get("components")) {
            (true, Some(components)) => json!({"allOf": [self.value], "components": components}),
            _ => self.value,
        }
    }
}

/// A copy of `value` with every local `$ref` replaced by what it points to in `doc`,
/// except refs that close a cycle.
pub(crate) fn inline_refs(doc: &Value, value: &Value) -> Result<Inlined, SpecError> {
    let mut stack = Vec::new();
    let mut recursive = false;
    let value = inline_at(doc, value, &mut stack, &mut recursive)?;
    Ok(Inlined { value, recursive })
}

fn inline_at(
    doc: &Value,
    value: &Value,
    stack: &mut Vec<String>,
    recursive: &mut bool,
) -> Result<Value, SpecError> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                if stack.contains(reference) {
                    *recursive = true;
                    return Ok(value.clone());
                }
                let bad = || SpecError::BadRef {
                    reference: reference.clone(),
                };
                if stack.len() >= MAX_REF_DEPTH {
                    return Err(bad());
                }
                let pointer = reference.strip_prefix('#').ok_or_else(bad)?;
                let target = doc.pointer(pointer).ok_or_else(bad)?;
                stack.push(reference.clone());
                let inlined = inline_at(doc, target, stack, recursive);
                stack.pop();
                return inlined;
            }
            let mut out = Map::with_capacity(map.len());
            for (key, inner) in map {
                out.insert(key.clone(), inline_at(doc, inner, stack, recursive)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| inline_at(doc, item, stack, recursive))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// A copy of an (inlined) OpenAPI schema where every `nullable: true` schema also
/// accepts `null`: `type: T` becomes `type: [T, "null"]` (and `null` joins an `enum`);
/// a schema without `type` (an `allOf` wrapper) becomes `anyOf: [schema, {type: null}]`.
pub(crate) fn nullable_to_json_schema(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), nullable_to_json_schema(v)))
                .collect();
            if out.get("nullable") != Some(&Value::Bool(true)) {
                return Value::Object(out);
            }
            out.remove("nullable");
            if let Some(Value::String(kind)) = out.get("type").cloned() {
                out.insert("type".into(), json!([kind, "null"]));
                if let Some(Value::Array(options)) = out.get_mut("enum") {
                    options.push(Value::Null);
                }
                return Value::Object(out);
            }
            json!({"anyOf": [Value::Object(out), {"type": "null"}]})
        }
        Value::Array(items) => Value::Array(items.iter().map(nullable_to_json_schema).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc() -> Value {
        json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "string"},
            "Tree": {"type": "object", "properties": {
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}
        }}})
    }

    #[test]
    fn nested_refs_are_inlined_and_missing_targets_are_refused() {
        let doc = doc();
        let inlined = inline_refs(&doc, &json!({"$ref": "#/components/schemas/A"}));
        assert_eq!(
            inlined.ok(),
            Some(Inlined {
                value: json!({"type": "object", "properties": {"b": {"type": "string"}}}),
                recursive: false
            })
        );
        assert!(inline_refs(&doc, &json!({"$ref": "#/nowhere"})).is_err());
        assert!(inline_refs(&doc, &json!({"$ref": "http://elsewhere/x"})).is_err());
    }

    #[test]
    fn a_recursive_schema_keeps_its_cycle_and_still_validates() -> Result<(), String> {
        let doc = doc();
        let inlined = inline_refs(&doc, &json!({"$ref": "#/components/schemas/Tree"}))
            .map_err(|e| e.to_string())?;
        assert!(inlined.recursive);
        let schema = inlined.into_schema(&doc);
        let validator = jsonschema::draft4::new(&schema).map_err(|e| e.to_string())?;
        assert!(validator.is_valid(&json!({"children": [{"children": []}]})));
        assert!(!validator.is_valid(&json!({"children": [{"children": [7]}]})));
        Ok(())
    }
}

#[cfg(test)]
mod nullable_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nullable_schemas_also_accept_null() {
        let schema = json!({"properties": {
            "a": {"type": "string", "nullable": true},
            "b": {"allOf": [{"type": "object"}], "nullable": true},
            "c": {"type": "string", "enum": ["x"], "nullable": true},
            "d": {"type": "string", "nullable": false}
        }});
        assert_eq!(
            nullable_to_json_schema(&schema),
            json!({"properties": {
                "a": {"type": ["string", "null"]},
                "b": {"anyOf": [{"allOf": [{"type": "object"}]}, {"type": "null"}]},
                "c": {"type": ["string", "null"], "enum": ["x", null]},
                "d": {"type": "string", "nullable": false}
            }})
        );
    }
}
