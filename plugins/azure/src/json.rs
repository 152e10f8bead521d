//! Azure's JSON, read with the SDK's lenient helpers (errors name Azure).

use plugboard_sdk::Error;
use plugboard_sdk::json::Upstream;
pub use plugboard_sdk::json::{text, text_at};
use serde_json::Value;

const AZURE: Upstream = Upstream::named("Azure");

/// Parses an ARM or Graph page body; it must be a JSON object. `what` names
/// the page in the error (e.g. `users page`).
pub fn page(body: &[u8], what: &str) -> Result<Value, Error> {
    AZURE.page(body, what)
}

/// The `value` array of a page (both ARM and Graph list under `value`), empty
/// when absent or null; any other type is an upstream error.
pub fn items<'a>(page: &'a Value, what: &str) -> Result<&'a [Value], Error> {
    AZURE.items(page, "value", what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_are_read_from_value_and_errors_name_azure() {
        assert_eq!(
            items(&json!({"value": [1, 2]}), "p")
                .map(<[Value]>::len)
                .ok(),
            Some(2)
        );
        let message = items(&json!({"value": "x"}), "users page")
            .err()
            .map(|e| e.message);
        assert!(message.is_some_and(|m| m.starts_with("Azure answered a malformed users page")));
    }
}
