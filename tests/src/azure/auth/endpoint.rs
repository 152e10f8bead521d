//! `POST /{tenant}/oauth2/v2.0/token` (client credentials, form body), answering as the
//! Microsoft identity platform does, errors included.

use std::time::Instant;

use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;

use super::tokens::Resource;
use crate::azure::dataset::{DOMAIN, random_guid};
use crate::azure::error::echo;
use crate::azure::state::{SimState, lock};
use crate::common::query::{KeyMatch, Query};

/// An AADSTS error: `{"error","error_description","error_codes",...}`.
fn aad_error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    let trace_id = random_guid();
    let correlation_id = random_guid();
    let now = OffsetDateTime::now_utc()
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default();
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {now}"
        ),
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, axum::Json(body)).into_response()
}

fn missing(parameter: &str) -> Response {
    aad_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900_144,
        &format!("The request body must contain the following parameter: '{parameter}'."),
    )
}

/// 413 for a token request body over the size limit.
pub(crate) fn too_large() -> Response {
    aad_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request",
        900_144,
        "The request body is too large.",
    )
}

/// The token endpoint for `tenant` (the first path segment).
pub(crate) fn token_endpoint(
    state: &SimState,
    tenant: &str,
    method: &Method,
    body: &[u8],
) -> Response {
    lock(&state.counters).record_arrival("token", Instant::now());
    if *method != Method::POST {
        return aad_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900_561,
            &format!(
                "The endpoint only accepts POST, OPTIONS requests. Received a {method} request."
            ),
        );
    }
    let expected = &state.credentials;
    if !tenant.eq_ignore_ascii_case(&expected.tenant_id) && !tenant.eq_ignore_ascii_case(DOMAIN) {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90_002,
            &format!(
                "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
                echo(tenant)
            ),
        );
    }
    let form = Query::parse(
        Some(&String::from_utf8_lossy(body)),
        KeyMatch::IgnoreAsciiCase,
    );
    let field = |name: &str| form.get(name).filter(|v| !v.is_empty());
    let Some(grant_type) = field("grant_type") else {
        return missing("grant_type");
    };
    if grant_type != "client_credentials" {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70_003,
            &format!(
                "The app requested an unsupported grant type '{}'.",
                echo(grant_type)
            ),
        );
    }
    let Some(client_id) = field("client_id") else {
        return missing("client_id");
    };
    if client_id != expected.client_id {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{}'.",
                echo(client_id),
                expected.tenant_id
            ),
        );
    }
    if !lock(&state.consent).allows_tokens() {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            &format!(
                "Application with identifier '{}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.",
                echo(client_id),
                expected.tenant_id
            ),
        );
    }
    let Some(secret) = field("client_secret") else {
        return missing("client_secret");
    };
    if secret != expected.client_secret {
        return aad_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7_000_215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        );
    }
    let Some(scope) = field("scope") else {
        return missing("scope");
    };
    let Some(resource) = Resource::from_scope(scope) else {
        return aad_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70_011,
            &format!(
                "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {} is not valid.",
                echo(scope)
            ),
        );
    };
    let lifetime = state.faults.token_lifetime();
    let token = lock(&state.tokens).mint(
        resource,
        &expected.tenant_id,
        client_id,
        lifetime,
        Instant::now(),
    );
    lock(&state.counters).record_token(resource.audience(), &token);
    let mut response = axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": lifetime.as_secs(),
        "ext_expires_in": lifetime.as_secs(),
        "access_token": token,
    }))
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store, no-cache"),
    );
    response
}
