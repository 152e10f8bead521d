//! Checks a request's path and query parameters against an operation.
//!
//! Query values arrive as text; each is coerced to the parameter's declared type
//! (`integer`, `number`, `boolean`, `array` as comma-separated items, else `string`) and
//! then validated against its schema,
//! so enums, `minimum`/`maximum`, `format: date` and the like apply.

use serde_json::Value;

use super::operation::Operation;

/// Every problem with `path_values` and `query` for `op`, as messages.
pub(crate) fn check(
    op: &Operation,
    path_values: &[(String, String)],
    query: &[(String, String)],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, value) in path_values {
        if let Some(param) = op
            .parameters
            .iter()
            .find(|p| p.location == "path" && &p.name == name)
        {
            check_value(
                &mut problems,
                "path",
                name,
                &param.kind,
                &param.validator,
                value,
            );
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in query {
        let Some(param) = op
            .parameters
            .iter()
            .find(|p| p.location == "query" && &p.name == name)
        else {
            problems.push(format!(
                "query parameter {name:?} is not defined by the operation"
            ));
            continue;
        };
        if seen.contains(&name.as_str()) {
            problems.push(format!("query parameter {name:?} is repeated"));
        }
        seen.push(name);
        check_value(
            &mut problems,
            "query",
            name,
            &param.kind,
            &param.validator,
            value,
        );
    }
    for param in op
        .parameters
        .iter()
        .filter(|p| p.required && p.location == "query")
    {
        if !seen.contains(&param.name.as_str()) {
            problems.push(format!(
                "required query parameter {:?} is missing",
                param.name
            ));
        }
    }
    problems
}

fn check_value(
    problems: &mut Vec<String>,
    location: &str,
    name: &str,
    kind: &str,
    validator: &jsonschema::Validator,
    raw: &str,
) {
    let Some(value) = coerce(kind, raw) else {
        problems.push(format!(
            "{location} parameter {name:?}: {raw:?} is not a valid {kind}"
        ));
        return;
    };
    for error in validator.iter_errors(&value) {
        problems.push(format!("{location} parameter {name:?}: {error}"));
    }
}

/// The typed JSON value of a textual parameter, or `None` if it is not of that type.
fn coerce(kind: &str, raw: &str) -> Option<Value> {
    match kind {
        "integer" => raw.parse::<i64>().ok().map(Value::from),
        "number" => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        "boolean" => match raw {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        // `style: form, explode: false` (Graph's `$select=a,b`): comma-separated items.
        "array" => Some(Value::Array(
            raw.split(',')
                .map(|item| Value::String(item.to_owned()))
                .collect(),
        )),
        _ => Some(Value::String(raw.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_are_coerced_to_their_declared_types() {
        assert_eq!(coerce("integer", "42"), Some(Value::from(42)));
        assert_eq!(coerce("integer", "4.2"), None);
        assert_eq!(coerce("boolean", "yes"), None);
        assert_eq!(
            coerce("array", "id,displayName"),
            Some(serde_json::json!(["id", "displayName"]))
        );
        assert_eq!(coerce("string", "x"), Some(Value::from("x")));
    }
}
