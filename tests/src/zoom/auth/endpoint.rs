//! `POST /oauth/token?grant_type=account_credentials&account_id=...` with HTTP Basic
//! client credentials, answering as Zoom does, errors included.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use crate::common::query::{KeyMatch, Query};
use crate::zoom::state::{SimState, lock};

/// Scopes granted to every token, space separated as Zoom sends them.
pub(crate) const GRANTED_SCOPES: &str = "account:read:admin user:read:admin user:write:admin \
     report:read:admin role:read:admin group:read:admin";

/// A token-endpoint error in one of Zoom's two OAuth error shapes.
fn oauth_error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn invalid_client(status: StatusCode) -> Response {
    oauth_error(
        status,
        json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}),
    )
}

/// The token endpoint.
pub(crate) async fn token_endpoint(
    State(state): State<Arc<SimState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(status) = state.faults.token_fault().await {
        return oauth_error(
            status,
            json!({"reason": "Injected failure", "error": "server_error"}),
        );
    }
    if method != Method::POST {
        return oauth_error(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"code": 4700, "message": "Method not allowed."}),
        );
    }
    let query = Query::parse(uri.query(), KeyMatch::Exact);
    if query.get("grant_type") != Some("account_credentials") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            json!({"code": 4705, "message": "Grant type is not supported."}),
        );
    }
    let (client_id, client_secret) = match basic_credentials(&headers) {
        Basic::Missing => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                json!({"code": 4706, "message": "Client ID or client secret is missing."}),
            );
        }
        Basic::Malformed => return invalid_client(StatusCode::BAD_REQUEST),
        Basic::Present(id, secret) => (id, secret),
    };
    let expected = &state.credentials;
    if client_id != expected.client_id || client_secret != expected.client_secret {
        return invalid_client(StatusCode::UNAUTHORIZED);
    }
    if query.get("account_id") != Some(expected.account_id.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            json!({"reason": "Invalid account_id", "error": "invalid_request"}),
        );
    }
    let lifetime = state.faults.token_lifetime();
    let token = lock(&state.tokens).mint(&client_id, lifetime, Instant::now());
    lock(&state.counters).record_token(&token);
    axum::Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
        "scope": GRANTED_SCOPES,
        "api_url": state.base_url,
    }))
    .into_response()
}

enum Basic {
    Missing,
    Malformed,
    Present(String, String),
}

/// Reads `Authorization: Basic base64(id:secret)`; an empty id or secret is "missing".
fn basic_credentials(headers: &HeaderMap) -> Basic {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Basic::Missing;
    };
    let Ok(value) = value.to_str() else {
        return Basic::Malformed;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return Basic::Malformed;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Basic::Malformed;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return Basic::Malformed;
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return Basic::Malformed;
    };
    match decoded.split_once(':') {
        None => Basic::Malformed,
        Some((id, secret)) if id.is_empty() || secret.is_empty() => Basic::Missing,
        Some((id, secret)) => Basic::Present(id.to_owned(), secret.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::bearer::authorization as headers;

    #[test]
    fn basic_credentials_are_classified_without_panicking() {
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let cases = [
            (String::new(), "missing"),
            (format!("Basic {}", enc("id:secret")), "present"),
            (format!("basic {}", enc("id:")), "missing"),
            (format!("Basic {}", enc("no-colon")), "malformed"),
            ("Basic !!!not-base64".to_owned(), "malformed"),
            ("Bearer abc".to_owned(), "malformed"),
            ("Basic".to_owned(), "malformed"),
            (
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode([0xff, b':', 0xfe])
                ),
                "malformed",
            ),
        ];
        for (auth, expected) in cases {
            let got = match basic_credentials(&headers(&auth)) {
                Basic::Missing => "missing",
                Basic::Malformed => "malformed",
                Basic::Present(..) => "present",
            };
            assert_eq!(got, expected, "{auth:?}");
        }
    }
}
