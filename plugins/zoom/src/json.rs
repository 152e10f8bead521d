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
            "Zoom answered a malformed {what}: {e}"
        )))
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Error::upstream(format!(
            "Zoom answered a malformed {what}: not a JSON object"
        )))
    }
}

/// The array `key` of `page`, empty when absent or null; any other type is an
/// upstream error.
pub fn items<'a>(page: &'a Value, key: &str, what: &str) -> Result<&'a [Value], Error> {
    match page.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(Error::upstream(format!(
            "Zoom answered a malformed {what}: `{key}` is not a list"
        ))),
    }
}

/// The non-empty text of field `key`; numbers are rendered as text (ids).
pub fn text(object: &Value, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The `next_page_token` of a page; empty or missing means the last page.
pub fn next_page_token(page: &Value) -> Option<String> {
    text(page, "next_page_token")
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
    fn a_missing_list_is_empty_but_a_mistyped_one_is_an_error() {
        let value = json!({"users": null, "groups": "x"});
        assert_eq!(
            items(&value, "users", "p").map(<[Value]>::len).ok(),
            Some(0)
        );
        assert_eq!(
            items(&value, "roles", "p").map(<[Value]>::len).ok(),
            Some(0)
        );
        assert!(items(&value, "groups", "p").is_err());
    }

    #[test]
    fn an_empty_or_missing_page_token_means_the_last_page() {
        assert_eq!(next_page_token(&json!({"next_page_token": ""})), None);
        assert_eq!(next_page_token(&json!({})), None);
        assert_eq!(
            next_page_token(&json!({"next_page_token": "abc"})),
            Some("abc".to_string())
        );
    }
}
