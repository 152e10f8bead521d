//! Zoom's JSON, read with the SDK's lenient helpers (errors name Zoom).

use plugboard_sdk::Error;
use plugboard_sdk::json::Upstream;
pub use plugboard_sdk::json::text;
use serde_json::Value;

const ZOOM: Upstream = Upstream::named("Zoom");

/// Parses a Zoom page body; it must be a JSON object. `what` names the page
/// in the error (e.g. `users page`).
pub fn page(body: &[u8], what: &str) -> Result<Value, Error> {
    ZOOM.page(body, what)
}

/// The array `key` of `page`, empty when absent or null; any other type is an
/// upstream error.
pub fn items<'a>(page: &'a Value, key: &str, what: &str) -> Result<&'a [Value], Error> {
    ZOOM.items(page, key, what)
}

/// The `next_page_token` of a page; empty or missing means the last page.
pub fn next_page_token(page: &Value) -> Option<String> {
    text(page, "next_page_token")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn malformed_pages_name_zoom() {
        let message = page(b"<html>", "users page").err().map(|e| e.message);
        assert!(message.is_some_and(|m| m.starts_with("Zoom answered a malformed users page")));
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
