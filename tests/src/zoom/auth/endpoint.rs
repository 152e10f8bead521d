//! `POST /oauth/token` with HTTP Basic client credentials, answering as Zoom does,
//! errors included: `grant_type=account_credentials&account_id=...` (Server-to-Server
//! OAuth, in the query) and, for the OAuth app, `authorization_code` and
//! `refresh_token` (in the query or the form body).

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use super::oauth_app::Refused;
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
    body: Bytes,
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
    let form = Query::parse(Some(&String::from_utf8_lossy(&body)), KeyMatch::Exact);
    let param = |k: &str| query.non_empty(k).or_else(|| form.non_empty(k));
    match param("grant_type") {
        Some("authorization_code") => {
            return oauth_app_grant(&state, &headers, Grant::Code, &param);
        }
        Some("refresh_token") => return oauth_app_grant(&state, &headers, Grant::Refresh, &param),
        _ => {}
    }
    lock(&state.counters).record_s2s_request();
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

#[derive(Clone, Copy)]
enum Grant {
    Code,
    Refresh,
}

fn invalid_grant(refused: &Refused) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        json!({"reason": refused.reason, "error": "invalid_grant"}),
    )
}

/// The OAuth app's grants: a code (with its redirect URI and PKCE verifier)
/// or a refresh token, each answered with a new access and refresh token.
fn oauth_app_grant<'a>(
    state: &SimState,
    headers: &HeaderMap,
    grant: Grant,
    param: &dyn Fn(&str) -> Option<&'a str>,
) -> Response {
    lock(&state.counters).record_oauth_app_request();
    let (client_id, client_secret) = match basic_credentials(headers) {
        Basic::Missing => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                json!({"code": 4706, "message": "Client ID or client secret is missing."}),
            );
        }
        Basic::Malformed => return invalid_client(StatusCode::BAD_REQUEST),
        // RFC 6749 §2.3.1: each part is form-encoded before Base64.
        Basic::Present(id, secret) => (form_decode(&id), form_decode(&secret)),
    };
    let mut app = lock(&state.oauth);
    if client_id != app.client_id || client_secret != app.client_secret {
        return invalid_client(StatusCode::UNAUTHORIZED);
    }
    let now = Instant::now();
    let refresh = match grant {
        Grant::Code => {
            let Some(code) = param("code") else {
                return invalid_grant(&Refused {
                    code: 4734,
                    reason: "Invalid authorization code",
                });
            };
            app.exchange(code, param("redirect_uri"), param("code_verifier"), now)
        }
        Grant::Refresh => match param("refresh_token") {
            Some(token) => app.rotate(token),
            None => Err(Refused {
                code: 4711,
                reason: "Invalid Token!",
            }),
        },
    };
    let refresh = match refresh {
        Ok(token) => token,
        Err(refused) => return invalid_grant(&refused),
    };
    let client_id = app.client_id.clone();
    drop(app);
    let lifetime = state.faults.token_lifetime();
    let token = lock(&state.tokens).mint(&client_id, lifetime, now);
    let mut counters = lock(&state.counters);
    counters.record_token(&token);
    counters.record_refresh_token(&refresh);
    drop(counters);
    axum::Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "refresh_token": refresh,
        "expires_in": lifetime.as_secs(),
        "scope": GRANTED_SCOPES,
        "api_url": state.base_url,
    }))
    .into_response()
}

fn form_decode(raw: &str) -> String {
    crate::common::query::percent_decode(&raw.replace('+', " "))
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
