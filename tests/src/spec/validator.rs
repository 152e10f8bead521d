//! [`SpecValidator`]: the compiled operations of one OpenAPI document.

use std::fmt;
use std::path::Path;

use serde_json::Value;

use super::error::SpecError;
use super::operation::Operation;
use super::params;

/// An operation and the values of its path parameters.
type Matched<'a> = (&'a Operation, Vec<(String, String)>);

/// Validates requests and responses against one OpenAPI 3.0 document.
pub struct SpecValidator {
    operations: Vec<Operation>,
}

impl fmt::Debug for SpecValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ops: Vec<String> = self
            .operations
            .iter()
            .map(|o| format!("{} {}", o.method.to_uppercase(), o.template))
            .collect();
        f.debug_struct("SpecValidator")
            .field("operations", &ops)
            .finish()
    }
}

impl SpecValidator {
    /// Reads and compiles the OpenAPI document at `path` (e.g. `api-specs/zoom.json`).
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SpecError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
            path: path.to_owned(),
            source,
        })?;
        let doc: Value = serde_json::from_str(&text).map_err(|source| SpecError::Json {
            path: path.to_owned(),
            source,
        })?;
        Self::from_document(&doc).map_err(|e| match e {
            SpecError::NoPaths(_) => SpecError::NoPaths(path.to_owned()),
            other => other,
        })
    }

    /// Compiles an OpenAPI document already in memory.
    pub fn from_document(doc: &Value) -> Result<Self, SpecError> {
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| SpecError::NoPaths(Default::default()))?;
        Ok(SpecValidator {
            operations: Operation::all(doc, paths)?,
        })
    }

    /// `METHOD template` of every operation, e.g. `GET /v2/users/{userId}`.
    pub fn operations(&self) -> Vec<String> {
        self.operations
            .iter()
            .map(|o| format!("{} {}", o.method.to_uppercase(), o.template))
            .collect()
    }

    /// Checks a response `body` (use `Value::Null` for none) answered with `status` to
    /// `method path`, where `path` is a template (`/v2/users/{userId}`) or a concrete
    /// path (`/v2/users/abc`). The status must be documented; a documented JSON schema
    /// must accept the body; a response documented without content must have no body.
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let (op, _) = self.find(method, path)?;
        let here = format!("{} {} {status}", method.to_uppercase(), op.template);
        let Some(entry) = op.response(status) else {
            return Err(vec![format!("{here}: status is not documented")]);
        };
        match entry {
            Some(validator) => {
                let problems: Vec<String> = validator
                    .iter_errors(body)
                    .map(|e| format!("{here}: at {:?}: {e}", e.instance_path.to_string()))
                    .collect();
                if problems.is_empty() {
                    Ok(())
                } else {
                    Err(problems)
                }
            }
            None if body.is_null() => Ok(()),
            None => Err(vec![format!("{here}: the response has no documented body")]),
        }
    }

    /// Checks a request: the operation exists, path parameters are valid, every query
    /// parameter is defined by the operation and valid against its schema (enum,
    /// bounds, type, format), required parameters are present, and the JSON body is
    /// present when required, valid, and absent when the operation takes none.
    pub fn validate_request(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Result<(), Vec<String>> {
        let (op, path_values) = self.find(method, path)?;
        let here = format!("{} {}", method.to_uppercase(), op.template);
        let mut problems: Vec<String> = params::check(op, &path_values, query)
            .into_iter()
            .map(|p| format!("{here}: {p}"))
            .collect();
        match (&op.body, body) {
            (Some((true, _)), None) => problems.push(format!("{here}: the body is required")),
            (Some((_, validator)), Some(body)) => {
                problems.extend(
                    validator
                        .iter_errors(body)
                        .map(|e| format!("{here}: body at {:?}: {e}", e.instance_path.to_string())),
                );
            }
            (None, Some(body)) if !body.is_null() => {
                problems.push(format!("{here}: the operation takes no body"));
            }
            _ => {}
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The operation for `method path`, preferring the template with the most literal
    /// segments, and the path parameters' values.
    fn find(&self, method: &str, path: &str) -> Result<Matched<'_>, Vec<String>> {
        let method = method.to_ascii_lowercase();
        let path = path.split('?').next().unwrap_or_default();
        self.operations
            .iter()
            .filter(|o| o.method == method)
            .filter_map(|o| o.match_path(path).map(|(score, values)| (score, o, values)))
            .max_by_key(|(score, _, _)| *score)
            .map(|(_, o, values)| (o, values))
            .ok_or_else(|| {
                vec![format!(
                    "{} {path}: no such operation in the spec",
                    method.to_uppercase()
                )]
            })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec() -> SpecValidator {
        let doc = json!({"paths": {
            "/v2/users": {"get": {
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string", "enum": ["active", "inactive"]}},
                    {"name": "page_size", "in": "query", "schema": {"type": "integer", "maximum": 300}},
                    {"name": "from", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}}
                ],
                "responses": {"200": {"content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/List"}}}}}
            }},
            "/v2/users/{userId}/status": {"put": {
                "parameters": [{"name": "userId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["action"],
                    "properties": {"action": {"type": "string", "enum": ["activate", "deactivate"]}}}}}},
                "responses": {"204": {"description": "done"}}
            }}
        }, "components": {"schemas": {"List": {"type": "object", "properties": {
            "users": {"type": "array", "items": {"type": "object", "required": ["email"]}}}}}}});
        match SpecValidator::from_document(&doc) {
            Ok(spec) => spec,
            Err(e) => panic!("test spec does not compile: {e}"),
        }
    }

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn requests_are_checked_for_names_bounds_enums_and_required_parameters() {
        let spec = spec();
        let ok = pairs(&[
            ("status", "active"),
            ("page_size", "300"),
            ("from", "2026-01-01"),
        ]);
        assert_eq!(spec.validate_request("GET", "/v2/users", &ok, None), Ok(()));
        let cases = [
            pairs(&[("from", "2026-01-01"), ("page_size", "301")]),
            pairs(&[("from", "2026-01-01"), ("page_size", "ten")]),
            pairs(&[("from", "2026-01-01"), ("status", "deleted")]),
            pairs(&[("from", "2026-01-01"), ("unknown", "1")]),
            pairs(&[("from", "yesterday")]),
            pairs(&[("status", "active")]),
        ];
        for query in cases {
            let result = spec.validate_request("GET", "/v2/users", &query, None);
            assert!(result.is_err(), "{query:?} was accepted");
        }
        assert!(
            spec.validate_request("GET", "/v2/groups", &[], None)
                .is_err()
        );
    }

    #[test]
    fn request_bodies_are_checked_against_the_concrete_path_template() {
        let spec = spec();
        let path = "/v2/users/abc/status";
        let good = json!({"action": "deactivate"});
        assert_eq!(spec.validate_request("PUT", path, &[], Some(&good)), Ok(()));
        assert!(
            spec.validate_request("PUT", path, &[], Some(&json!({"action": "delete"})))
                .is_err()
        );
        assert!(spec.validate_request("PUT", path, &[], None).is_err());
    }

    #[test]
    fn responses_are_checked_against_the_resolved_schema() {
        let spec = spec();
        let good = json!({"users": [{"email": "a@example.com"}]});
        assert_eq!(
            spec.validate_response("GET", "/v2/users", 200, &good),
            Ok(())
        );
        let bad = json!({"users": [{"name": "no email"}]});
        assert!(
            spec.validate_response("GET", "/v2/users", 200, &bad)
                .is_err()
        );
        assert!(
            spec.validate_response("GET", "/v2/users", 404, &good)
                .is_err()
        );
        assert_eq!(
            spec.validate_response("PUT", "/v2/users/{userId}/status", 204, &Value::Null),
            Ok(())
        );
    }
}
