//! Talking to Azure Resource Manager and Microsoft Graph: URLs, one GET per
//! call, `nextLink` checks, and the `{"error":{"code","message"}}` bodies both
//! APIs send mapped onto error kinds.

use plugboard_sdk::http::{self, Method};
use plugboard_sdk::url::{UrlBuilder, encode};
use plugboard_sdk::{Error, ErrorKind};
use serde_json::Value;

/// Azure Resource Manager's origin (the real one; the host may route it).
pub const ARM_BASE: &str = "https://management.azure.com";

/// Microsoft Graph v1.0 (the real origin; the host may route it).
pub const GRAPH_BASE: &str = "https://graph.microsoft.com/v1.0";

/// `api-version` of `GET /subscriptions` (the shapes `arm.json` describes).
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";

/// `api-version` of the activity log list.
pub const ACTIVITY_LOG_API_VERSION: &str = "2015-04-01";

/// A URL under [`GRAPH_BASE`] with `segments` percent-encoded.
pub fn graph(segments: &[&str]) -> UrlBuilder {
    segments
        .iter()
        .fold(UrlBuilder::new(GRAPH_BASE), |url, s| url.segment(s))
}

/// A URL under [`ARM_BASE`] with `segments` percent-encoded.
pub fn arm(segments: &[&str]) -> UrlBuilder {
    segments
        .iter()
        .fold(UrlBuilder::new(ARM_BASE), |url, s| url.segment(s))
}

/// `url` with the query pairs appended. Keys are written as given, so OData
/// options keep their literal `$` (`$top`, `$filter`), the form Microsoft
/// documents; values are percent-encoded.
pub fn with_query(url: UrlBuilder, pairs: &[(&str, &str)]) -> String {
    let mut url = url.build();
    for (i, (key, value)) in pairs.iter().enumerate() {
        url.push(if i == 0 && !url.contains('?') {
            '?'
        } else {
            '&'
        });
        url.push_str(key);
        url.push('=');
        url.push_str(&encode(value));
    }
    url
}

/// GETs `url` through the host and returns the 2xx body.
pub fn get(url: &str) -> Result<Vec<u8>, Error> {
    let response = http::send(http::request(Method::Get, url))?;
    if (200..300).contains(&response.status) {
        Ok(response.body)
    } else {
        Err(status_error(response.status, &response.body))
    }
}

/// The SDK's status mapping (401 auth, 403 permission, 404 not-found, 429
/// rate-limited, else upstream), quoting the nested `error.message` and
/// `error.code` that ARM and Graph send.
pub fn status_error(status: u16, body: &[u8]) -> Error {
    let inner = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").filter(|e| e.is_object()).cloned());
    match inner {
        Some(inner) => http::status_error(status, inner.to_string().as_bytes()),
        None => http::status_error(status, body),
    }
}

/// The next-page link `key` of `page` (`nextLink` for ARM, `@odata.nextLink`
/// for Graph), used as-is. A link that leaves `origin` is an upstream error:
/// the plugin never follows a page link to another host.
pub fn next_link(page: &Value, key: &str, origin: &str) -> Result<Option<String>, Error> {
    let Some(link) = crate::json::text(page, key) else {
        return Ok(None);
    };
    if link.starts_with(origin) {
        Ok(Some(link))
    } else {
        Err(Error::upstream(http::truncate_message(&format!(
            "Azure sent a `{key}` outside {origin}: {link}"
        ))))
    }
}

/// Whether `error` is a refusal (403 permission).
pub fn is_refusal(error: &Error) -> bool {
    error.kind == ErrorKind::Permission
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odata_keys_keep_their_dollar_and_values_are_percent_encoded() {
        let url = with_query(
            graph(&["auditLogs", "signIns"]),
            &[
                ("$top", "1000"),
                ("$filter", "createdDateTime ge 2026-01-01T00:00:00Z"),
            ],
        );
        assert_eq!(
            url,
            "https://graph.microsoft.com/v1.0/auditLogs/signIns?$top=1000&$filter=createdDateTime%20ge%202026-01-01T00%3A00%3A00Z"
        );
    }

    #[test]
    fn nested_arm_and_graph_errors_are_quoted_with_their_code() {
        let arm = status_error(
            403,
            br#"{"error":{"code":"AuthorizationFailed","message":"The client does not have authorization."}}"#,
        );
        assert_eq!(arm.kind, ErrorKind::Permission);
        assert_eq!(
            arm.message,
            "HTTP 403 from the upstream: The client does not have authorization. (code AuthorizationFailed)"
        );
        let graph = status_error(
            404,
            br#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist.","innerError":{"date":"2026-01-01T00:00:00","request-id":"r"}}}"#,
        );
        assert_eq!(graph.kind, ErrorKind::NotFound);
        assert!(
            graph.message.contains("Request_ResourceNotFound"),
            "{}",
            graph.message
        );
    }

    #[test]
    fn statuses_map_to_their_blame_even_with_odd_bodies() {
        let cases: [(u16, &[u8], ErrorKind); 5] = [
            (
                401,
                br#"{"error":{"code":"InvalidAuthenticationToken","message":"m"}}"#,
                ErrorKind::Auth,
            ),
            (
                429,
                br#"{"error":{"code":"SubscriptionRequestsThrottled","message":"m"}}"#,
                ErrorKind::RateLimited,
            ),
            (500, b"<html>oops</html>", ErrorKind::Upstream),
            (503, br#"{"error":"text"}"#, ErrorKind::Upstream),
            (404, b"", ErrorKind::NotFound),
        ];
        for (status, body, kind) in cases {
            assert_eq!(status_error(status, body).kind, kind, "{status}");
        }
    }

    #[test]
    fn long_upstream_messages_are_truncated() {
        let body = json!({"error": {"code": "X", "message": "a".repeat(5000)}}).to_string();
        let error = status_error(500, body.as_bytes());
        assert!(error.message.chars().count() < 400, "{}", error.message);
    }

    #[test]
    fn next_links_must_stay_on_their_origin() {
        let page = json!({"nextLink": "https://management.azure.com/subscriptions?$skiptoken=a"});
        assert_eq!(
            next_link(&page, "nextLink", "https://management.azure.com/")
                .ok()
                .flatten()
                .as_deref(),
            Some("https://management.azure.com/subscriptions?$skiptoken=a")
        );
        let evil = json!({"@odata.nextLink": "https://evil.example/v1.0/users"});
        assert!(
            next_link(
                &evil,
                "@odata.nextLink",
                "https://graph.microsoft.com/v1.0/"
            )
            .is_err()
        );
        assert_eq!(
            next_link(&json!({"nextLink": ""}), "nextLink", ARM_BASE).ok(),
            Some(None)
        );
    }
}
