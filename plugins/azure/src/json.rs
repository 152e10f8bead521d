//! Lenient access to upstream JSON: a missing or oddly typed field is `None`,
//! never a panic, and only a page that is not an object fails.

use plugboard_sdk::Error;
use plugboard_sdk::http::truncate_message;
use serde_json::Value;

/// Parses an upstream page body; it must be a JSON object. `what` names the
/// page in the error (e.g. `users page`).
pub fn page(body: &[u8], what: &str) -> Result<Value, Error> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Error::upstream(truncate_message(&format!(
            "Azure answered a malformed {what}: {e}"
        )))
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Error::upstream(format!(
            "Azure answered a malformed {what}: not a JSON object"
        )))
    }
}

/// The `value` array of a page (both ARM and Graph list under `value`), empty
/// when absent or null; any other type is an upstream error.
pub fn items<'a>(page: &'a Value, what: &str) -> Result<&'a [Value], Error> {
    match page.get("value") {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(Error::upstream(format!(
            "Azure answered a malformed {what}: `value` is not a list"
        ))),
    }
}

/// The non-blank text of field `key`; numbers are rendered as text.
pub fn text(object: &Value, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The non-blank text at `path` (nested object keys), e.g.
/// `["status", "value"]`.
pub fn text_at(object: &Value, path: &[&str]) -> Option<String> {
    let (last, parents) = path.split_last()?;
    let parent = parents
        .iter()
        .try_fold(object, |value, key| value.get(key))?;
    text(parent, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugboard_sdk::ErrorKind;
    use serde_json::json;

    #[test]
    fn a_body_that_is_not_a_json_object_is_an_upstream_error() {
        for body in [&b"<html>"[..], b"[1,2]", b"", b"null"] {
            let kind = page(body, "users page").err().map(|e| e.kind);
            assert_eq!(kind, Some(ErrorKind::Upstream), "{body:?}");
        }
    }

    #[test]
    fn a_missing_value_list_is_empty_but_a_mistyped_one_is_an_error() {
        assert_eq!(items(&json!({}), "p").map(<[Value]>::len).ok(), Some(0));
        assert_eq!(
            items(&json!({"value": null}), "p").map(<[Value]>::len).ok(),
            Some(0)
        );
        assert!(items(&json!({"value": "x"}), "p").is_err());
    }

    #[test]
    fn nested_text_is_found_and_blank_or_missing_text_is_none() {
        let value = json!({"status": {"value": "Succeeded", "blank": " "}, "n": 3});
        assert_eq!(
            text_at(&value, &["status", "value"]).as_deref(),
            Some("Succeeded")
        );
        assert_eq!(text_at(&value, &["status", "blank"]), None);
        assert_eq!(text_at(&value, &["missing", "value"]), None);
        assert_eq!(text_at(&value, &["n"]).as_deref(), Some("3"));
        assert_eq!(text_at(&value, &[]), None);
    }
}
