//! One compiled operation of an OpenAPI document: path template, parameters, request
//! body and response schemas.

use jsonschema::Validator;
use serde_json::Value;

use super::error::SpecError;
use super::inline::{inline_refs, nullable_to_json_schema};

/// The HTTP methods an OpenAPI path item may hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Compiles an OpenAPI 3.0 schema as JSON Schema draft 4 (the closest draft), formats
/// checked, `nullable` honoured.
pub(crate) fn compile(schema: &Value, location: &str) -> Result<Validator, SpecError> {
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&nullable_to_json_schema(schema))
        .map_err(|e| SpecError::Schema {
            location: location.to_owned(),
            message: e.to_string(),
        })
}

/// A parameter of an operation.
pub(crate) struct Parameter {
    /// Its name.
    pub name: String,
    /// `query`, `path` or `header`.
    pub location: String,
    /// Whether it must be present.
    pub required: bool,
    /// The declared schema type (`string`, `integer`, ...), for coercing text values.
    pub kind: String,
    /// Its compiled schema.
    pub validator: Validator,
}

/// One path segment of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Must match exactly.
    Literal(String),
    /// `{name}`: any non-empty segment.
    Param(String),
}

/// A compiled operation.
pub(crate) struct Operation {
    /// Lower-case method.
    pub method: String,
    /// The path template as written, e.g. `/v2/users/{userId}`.
    pub template: String,
    pub segments: Vec<Segment>,
    pub parameters: Vec<Parameter>,
    /// The JSON request body: whether required, and its schema.
    pub body: Option<(bool, Validator)>,
    /// Responses by status key (`200`, `4XX`, `default`), with the JSON schema if any.
    pub responses: Vec<(String, Option<Validator>)>,
}

impl Operation {
    /// Every operation of `doc`'s `paths`.
    pub fn all(
        doc: &Value,
        paths: &serde_json::Map<String, Value>,
    ) -> Result<Vec<Self>, SpecError> {
        let mut operations = Vec::new();
        for (template, item) in paths {
            let shared = item.get("parameters").and_then(Value::as_array);
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    operations.push(Self::compile(doc, template, method, op, shared)?);
                }
            }
        }
        Ok(operations)
    }

    fn compile(
        doc: &Value,
        template: &str,
        method: &str,
        op: &Value,
        shared: Option<&Vec<Value>>,
    ) -> Result<Self, SpecError> {
        let at = |what: &str| format!("{} {template} {what}", method.to_uppercase());
        let own = op.get("parameters").and_then(Value::as_array);
        let mut parameters = Vec::new();
        for raw in shared.into_iter().chain(own).flatten() {
            let param = inline_refs(doc, raw)?.value;
            let name = text(&param, "name");
            let schema = match param.get("schema") {
                Some(schema) => inline_refs(doc, schema)?.into_schema(doc),
                None => Value::Bool(true),
            };
            parameters.push(Parameter {
                validator: compile(&schema, &at(&format!("parameter {name}")))?,
                kind: text(&schema, "type"),
                location: text(&param, "in"),
                required: param
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                name,
            });
        }
        let body = match op.get("requestBody") {
            None => None,
            Some(raw) => {
                let request = inline_refs(doc, raw)?.value;
                let schema = match json_schema(&request) {
                    Some(schema) => inline_refs(doc, &schema)?.into_schema(doc),
                    None => Value::Bool(true),
                };
                let required = request
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                Some((required, compile(&schema, &at("request body"))?))
            }
        };
        let mut responses = Vec::new();
        if let Some(map) = op.get("responses").and_then(Value::as_object) {
            for (status, raw) in map {
                let response = inline_refs(doc, raw)?.value;
                let validator = match json_schema(&response) {
                    Some(schema) => {
                        let schema = inline_refs(doc, &schema)?.into_schema(doc);
                        Some(compile(&schema, &at(&format!("response {status}")))?)
                    }
                    None => None,
                };
                responses.push((status.clone(), validator));
            }
        }
        Ok(Operation {
            method: method.to_owned(),
            template: template.to_owned(),
            segments: segments(template),
            parameters,
            body,
            responses,
        })
    }

    /// If `path` (a template or a concrete path) matches, how many literal segments
    /// matched and the path parameters' values.
    pub fn match_path(&self, path: &str) -> Option<(usize, Vec<(String, String)>)> {
        if path == self.template {
            return Some((usize::MAX, Vec::new()));
        }
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut literals = 0;
        let mut values = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(l) if l == part => literals += 1,
                Segment::Param(name) if !part.is_empty() => {
                    values.push((name.clone(), part.to_owned()));
                }
                _ => return None,
            }
        }
        Some((literals, values))
    }

    /// The response entry for `status`: exact, then `NXX`, then `default`.
    pub fn response(&self, status: u16) -> Option<&Option<Validator>> {
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        [exact.as_str(), range.as_str(), "default"]
            .iter()
            .find_map(|key| {
                self.responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_end_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(s.to_owned()),
            },
        )
        .collect()
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The `application/json` (or `*/*json`) schema of a request body or response.
fn json_schema(value: &Value) -> Option<Value> {
    let content = value.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| media.contains("json"))
        .and_then(|(_, media)| media.get("schema").cloned())
}
