//! The server's one handler: token endpoints, the API, and everything else.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::jwt::{Expect, now, verify};
use super::{ClientAuthCheck, Presented, Seen, Shared};
use crate::common::query::{KeyMatch, Query};

/// RFC 7523 §2.2.
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// RFC 7523 §2.1.
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Longest client assertion lifetime accepted (seconds).
const MAX_ASSERTION_AHEAD: i64 = 300;
/// Longest JWT-bearer assertion lifetime (Google: an hour).
const MAX_GRANT_AHEAD: i64 = 3600;
/// Longest GitHub App JWT lifetime (ten minutes).
const MAX_APP_JWT_AHEAD: i64 = 600;

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(
    Extract(shared): Extract<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (status, answer) = if path == "/oauth/token" && method == Method::POST {
        token(&shared, &header, &body)
    } else if let Some(id) = path
        .strip_prefix("/app/installations/")
        .and_then(|rest| rest.strip_suffix("/access_tokens"))
        && method == Method::POST
    {
        installation_token(&shared, &header, id)
    } else if path.starts_with("/api/") {
        api(&shared, &headers, &query)
    } else {
        (StatusCode::OK, json!({ "outside": true }))
    };
    let mut state = crate::lock(&shared.state);
    state.seen.push(Seen {
        method: method.to_string(),
        path,
        query,
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
        status: status.as_u16(),
        answer: answer.clone(),
    });
    (status, axum::Json(answer)).into_response()
}

/// An OAuth error answer (RFC 6749 §5.2), counted and remembered.
fn refuse(shared: &Shared, status: StatusCode, error: &str, why: String) -> (StatusCode, Value) {
    let mut state = crate::lock(&shared.state);
    state.counts.token_refusals += 1;
    state.last_refusal = Some(why.clone());
    (status, json!({ "error": error, "error_description": why }))
}

/// A new token, remembered with its expiry.
fn issue(shared: &Shared, prefix: &str) -> (String, u64) {
    let token = format!("{prefix}{}", crate::common::server::random_secret(32));
    let lifetime = shared.config.token_lifetime;
    let mut state = crate::lock(&shared.state);
    state.counts.tokens_issued += 1;
    let expires = now() + i64::try_from(lifetime).unwrap_or(i64::MAX);
    state.tokens.insert(token.clone(), expires);
    (token, lifetime)
}

fn token(
    shared: &Shared,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> (StatusCode, Value) {
    let form = Query::parse(Some(&String::from_utf8_lossy(body)), KeyMatch::Exact);
    let config = &shared.config;
    let bad = |why: &str| {
        refuse(
            shared,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            why.into(),
        )
    };
    let invalid_client =
        |why: String| refuse(shared, StatusCode::UNAUTHORIZED, "invalid_client", why);
    match form.get("grant_type") {
        Some("client_credentials") => {
            let authorization = header("authorization");
            match &config.client_auth {
                ClientAuthCheck::Basic(secret) => {
                    if form.get("client_secret").is_some() || form.get("client_assertion").is_some()
                    {
                        return invalid_client(
                            "this client authenticates with client_secret_basic only".into(),
                        );
                    }
                    let want = format!(
                        "Basic {}",
                        STANDARD.encode(format!("{}:{secret}", config.client_id))
                    );
                    if authorization.as_deref() != Some(want.as_str()) {
                        return invalid_client(
                            "client_secret_basic credentials do not match".into(),
                        );
                    }
                }
                ClientAuthCheck::Post(secret) => {
                    if authorization.is_some() || form.get("client_assertion").is_some() {
                        return invalid_client(
                            "this client authenticates with client_secret_post only".into(),
                        );
                    }
                    if form.get("client_id") != Some(config.client_id.as_str())
                        || form.get("client_secret") != Some(secret.as_str())
                    {
                        return invalid_client(
                            "client_secret_post credentials do not match".into(),
                        );
                    }
                }
                ClientAuthCheck::PrivateKeyJwt(key) => {
                    if authorization.is_some() || form.get("client_secret").is_some() {
                        return invalid_client(
                            "this client authenticates with private_key_jwt only".into(),
                        );
                    }
                    if form.get("client_assertion_type") != Some(ASSERTION_TYPE) {
                        return invalid_client(format!(
                            "client_assertion_type must be {ASSERTION_TYPE}"
                        ));
                    }
                    if form
                        .get("client_id")
                        .is_some_and(|id| id != config.client_id)
                    {
                        return invalid_client("client_id does not match the assertion".into());
                    }
                    let Some(assertion) = form.get("client_assertion") else {
                        return invalid_client("client_assertion missing".into());
                    };
                    let mut state = crate::lock(&shared.state);
                    let checked = verify(
                        assertion,
                        key,
                        Expect {
                            iss: &config.client_id,
                            sub: Some(Some(&config.client_id)),
                            aud: Some(&config.token_url),
                            max_ahead: MAX_ASSERTION_AHEAD,
                            jti: Some(&mut state.jtis),
                            iat: false,
                        },
                    );
                    drop(state);
                    if let Err(why) = checked {
                        return invalid_client(why);
                    }
                }
            }
        }
        Some(JWT_BEARER) => {
            let Some(check) = &config.jwt_bearer else {
                return bad("unsupported grant");
            };
            let Some(assertion) = form.get("assertion") else {
                return bad("assertion missing");
            };
            if header("authorization").is_some() || form.get("client_secret").is_some() {
                return bad("the JWT-bearer grant takes no client secret");
            }
            let claims = verify(
                assertion,
                &check.key,
                Expect {
                    iss: &check.issuer,
                    sub: Some(check.subject.as_deref()),
                    aud: Some(&config.token_url),
                    max_ahead: MAX_GRANT_AHEAD,
                    jti: None,
                    iat: true,
                },
            );
            match claims {
                Err(why) => {
                    return refuse(shared, StatusCode::BAD_REQUEST, "invalid_grant", why);
                }
                Ok(c) if c.get("scope").and_then(Value::as_str) != Some(check.scope.as_str()) => {
                    return refuse(
                        shared,
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        format!("scope {:?} is not {:?}", c.get("scope"), check.scope),
                    );
                }
                Ok(_) => {}
            }
        }
        Some(other) => {
            return refuse(
                shared,
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant_type {other:?}"),
            );
        }
        None => return bad("grant_type missing"),
    }
    let (token, lifetime) = issue(shared, "at-");
    (
        StatusCode::OK,
        json!({ "access_token": token, "token_type": "Bearer", "expires_in": lifetime }),
    )
}

/// GitHub's `basic-error`.
fn github_error(shared: &Shared, status: StatusCode, message: String) -> (StatusCode, Value) {
    let mut state = crate::lock(&shared.state);
    state.counts.token_refusals += 1;
    state.last_refusal = Some(message.clone());
    (
        status,
        json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": status.as_u16().to_string(),
        }),
    )
}

fn installation_token(
    shared: &Shared,
    header: &dyn Fn(&str) -> Option<String>,
    id: &str,
) -> (StatusCode, Value) {
    let Some(app) = &shared.config.github_app else {
        return github_error(shared, StatusCode::NOT_FOUND, "Not Found".into());
    };
    if header("user-agent").is_none_or(|ua| ua.trim().is_empty()) {
        return github_error(
            shared,
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header".into(),
        );
    }
    let Some(jwt) =
        header("authorization").and_then(|a| a.strip_prefix("Bearer ").map(str::to_string))
    else {
        return github_error(
            shared,
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded".into(),
        );
    };
    let checked = verify(
        &jwt,
        &app.key,
        Expect {
            iss: &app.app_id,
            sub: None,
            aud: None,
            max_ahead: MAX_APP_JWT_AHEAD,
            jti: None,
            iat: true,
        },
    );
    if let Err(why) = checked {
        return github_error(shared, StatusCode::UNAUTHORIZED, why);
    }
    if id != app.installation_id {
        return github_error(shared, StatusCode::NOT_FOUND, "Not Found".into());
    }
    let (token, lifetime) = issue(shared, "ghs_");
    let expires_at = time::OffsetDateTime::now_utc()
        + time::Duration::seconds(i64::try_from(lifetime).unwrap_or(3600));
    let expires_at = expires_at
        .replace_nanosecond(0)
        .unwrap_or(expires_at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    (
        StatusCode::CREATED,
        json!({
            "token": token,
            "expires_at": expires_at,
            "permissions": { "members": "read", "organization_administration": "read" },
            "repository_selection": "all",
        }),
    )
}

fn api(shared: &Shared, headers: &HeaderMap, query: &str) -> (StatusCode, Value) {
    let config = &shared.config;
    let presented = match &config.presented {
        Presented::Header { name, scheme } => headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                if scheme.is_empty() {
                    Some(v.to_string())
                } else {
                    v.strip_prefix(&format!("{scheme} ")).map(str::to_string)
                }
            }),
        Presented::Query(param) => Query::parse(Some(query), KeyMatch::Exact)
            .get(param)
            .map(str::to_string),
    };
    let mut state = crate::lock(&shared.state);
    let ok = presented.is_some_and(|p| {
        config.api_key.as_deref() == Some(p.as_str())
            || state.tokens.get(&p).is_some_and(|expires| *expires > now())
    });
    if ok {
        state.counts.api_ok += 1;
        (StatusCode::OK, json!({ "ok": true }))
    } else {
        state.counts.api_refused += 1;
        (
            StatusCode::UNAUTHORIZED,
            json!({ "error": "invalid or missing credential" }),
        )
    }
}
