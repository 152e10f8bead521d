#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::ErrorKind;
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
    use plugboard_sdk::stream::Env;
    let env = Env {
        now_ms: 0,
        lookback_days: 0,
    };
    let mut on_graph = |_: &str| -> Result<Vec<u8>, Error> {
        Ok(br#"{"value":[],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=a"}"#.to_vec())
    };
    let page = crate::users::USERS.sync(None, env, &mut on_graph).unwrap();
    assert_eq!(
        page.cursor.as_deref(),
        Some(r#"{"next":"https://graph.microsoft.com/v1.0/users?$skiptoken=a"}"#)
    );
    let mut evil = |_: &str| -> Result<Vec<u8>, Error> {
        Ok(br#"{"value":[],"@odata.nextLink":"https://evil.example/v1.0/users"}"#.to_vec())
    };
    let kind = crate::users::USERS
        .sync(None, env, &mut evil)
        .err()
        .map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::Upstream));
    let evil_arm = br#"{"value":[],"nextLink":"https://management.azure.com.evil/x"}"#;
    assert!(crate::subscriptions::parse_subscriptions_page(evil_arm).is_err());
}
