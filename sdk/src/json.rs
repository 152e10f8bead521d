//! Lenient access to upstream JSON: a missing or oddly typed field is `None`,
//! never a panic, and only a page that is not an object (or a list field
//! that is not a list) fails, blamed on the upstream app by name.
//!
//! ```
//! use plugboard_sdk::json::{Upstream, text};
//!
//! const ZOOM: Upstream = Upstream::named("Zoom");
//! let page = ZOOM.page(br#"{"users": [{"id": 7}]}"#, "users page").unwrap();
//! let users = ZOOM.items(&page, "users", "users page").unwrap();
//! assert_eq!(text(&users[0], "id").as_deref(), Some("7"));
//! ```

use serde_json::Value;

use crate::Error;
use crate::http::truncate_message;

/// An upstream app whose answers are parsed, named in the errors (`Zoom
/// answered a malformed users page: …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    app: &'static str,
}

impl Upstream {
    /// The app called `app` in error messages.
    pub const fn named(app: &'static str) -> Self {
        Upstream { app }
    }

    /// Parses an upstream page body; it must be a JSON object. `what` names
    /// the page in the error (e.g. `users page`).
    pub fn page(self, body: &[u8], what: &str) -> Result<Value, Error> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            Error::upstream(truncate_message(&format!(
                "{} answered a malformed {what}: {e}",
                self.app
            )))
        })?;
        if value.is_object() {
            Ok(value)
        } else {
            Err(Error::upstream(format!(
                "{} answered a malformed {what}: not a JSON object",
                self.app
            )))
        }
    }

    /// The array `key` of `page`, empty when absent or null; any other type
    /// is an upstream error.
    pub fn items<'a>(self, page: &'a Value, key: &str, what: &str) -> Result<&'a [Value], Error> {
        match page.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(Error::upstream(format!(
                "{} answered a malformed {what}: `{key}` is not a list",
                self.app
            ))),
        }
    }
}

/// The non-blank text of field `key`; numbers are rendered as text (ids).
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
    use crate::ErrorKind;
    use serde_json::json;

    const APP: Upstream = Upstream::named("Acme");

    #[test]
    fn a_body_that_is_not_a_json_object_is_an_upstream_error_naming_the_app() {
        for body in [&b"<html>"[..], b"[1,2]", b"", b"null"] {
            let err = APP.page(body, "users page").err();
            assert_eq!(
                err.as_ref().map(|e| e.kind),
                Some(ErrorKind::Upstream),
                "{body:?}"
            );
            let message = err.map(|e| e.message).unwrap_or_default();
            assert!(
                message.starts_with("Acme answered a malformed users page"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_missing_list_is_empty_but_a_mistyped_one_is_an_error() {
        let value = json!({"users": null, "groups": "x"});
        let len = |key| APP.items(&value, key, "p").map(<[Value]>::len).ok();
        assert_eq!(len("users"), Some(0));
        assert_eq!(len("roles"), Some(0));
        assert_eq!(len("groups"), None);
    }

    #[test]
    fn text_is_non_blank_and_numbers_are_text() {
        let value = json!({"id": 42, "blank": " ", "name": "x", "list": [1]});
        assert_eq!(text(&value, "id").as_deref(), Some("42"));
        assert_eq!(text(&value, "name").as_deref(), Some("x"));
        assert_eq!(text(&value, "blank"), None);
        assert_eq!(text(&value, "list"), None);
        assert_eq!(text(&value, "missing"), None);
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
