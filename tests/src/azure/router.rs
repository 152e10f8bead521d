//! The HTTP edge: `fn app() -> Router` and the pipeline every request goes through.
//!
//! `/{tenant}/oauth2/v2.0/token` goes to the token endpoint; `/v1.0/...` is Graph;
//! everything else is ARM. Order for an API request: match the endpoint (404/405) →
//! count the arrival in its category → check the bearer token and its audience (401) →
//! injected faults → rate limits (429) → the handler. Every ARM and Graph request is
//! appended to the request log with the status it got.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::auth::{Resource, Verdict, admin_consent, consent_route, token_endpoint, too_large};
use super::dataset::random_guid;
use super::error::{Api, ApiError, echo, insert_headers, request_id_headers};
use super::ratelimit::{Limit, arm_throttle, graph_throttle};
use super::routes::{Call, Endpoint, RouteError, api_of, dispatch, resolve};
use super::state::{SimState, lock};
use crate::common::bearer::bearer_token;
use crate::common::body::read_body;
use crate::common::query::{KeyMatch, Query, percent_decode};
use crate::common::request::ApiRequest;
use crate::common::request_log::RecordedRequest;
use crate::faults::Fault;

/// The simulator's router: one fallback handler that routes by path.
pub(crate) fn app(state: Arc<SimState>) -> Router {
    Router::new().fallback(entry).with_state(state)
}

/// The tenant segment of `/{tenant}/oauth2/v2.0/token`.
fn token_tenant(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    match parts.as_slice() {
        [tenant, "oauth2", "v2.0", "token"] if !tenant.is_empty() => Some(percent_decode(tenant)),
        _ => None,
    }
}

async fn entry(State(state): State<Arc<SimState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let body = read_body(body).await;
    if let Some((tenant, submit)) = consent_route(&path) {
        return match &body {
            Some(bytes) => admin_consent(
                &state,
                &tenant,
                submit,
                &parts.method,
                parts.uri.query(),
                bytes,
            ),
            None => too_large(),
        };
    }
    if let Some(tenant) = token_tenant(&path) {
        let response = match (state.faults.token_fault().await, &body) {
            (Some(status), _) => (
                status,
                axum::Json(serde_json::json!({
                    "error": "temporarily_unavailable",
                    "error_description": "AADSTS90000: injected failure.",
                })),
            )
                .into_response(),
            (None, Some(bytes)) => token_endpoint(&state, &tenant, &parts.method, bytes),
            (None, None) => too_large(),
        };
        lock(&state.counters).record_status(Some("token"), response.status().as_u16());
        return response;
    }
    let api = api_of(&path);
    let query = Query::parse(parts.uri.query(), KeyMatch::IgnoreAsciiCase);
    let (response, category) = match &body {
        Some(bytes) => handle(&state, ApiRequest::of(&parts, &query, bytes)),
        None => (
            ApiError::new(
                api,
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                "Request body is too large.",
            )
            .into_response(),
            None,
        ),
    };
    let status = response.status().as_u16();
    lock(&state.counters).record_status(category.as_deref(), status);
    let recorded = RecordedRequest::received(&parts.method, &path, &query, body.as_deref(), status);
    lock(&state.log).push(recorded);
    state.faults.before_answer(&path).await;
    response
}

fn route_error(api: Api, path: &str, error: RouteError) -> Response {
    match (api, error) {
        (Api::Arm, RouteError::NotFound) => ApiError::not_found(
            Api::Arm,
            "NotFound",
            format!(
                "The requested path '{}' was not found.",
                echo(&percent_decode(path))
            ),
        )
        .into_response(),
        (Api::Graph, RouteError::NotFound) => {
            let segment = path.rsplit('/').next().unwrap_or_default();
            ApiError::bad_request(
                Api::Graph,
                "BadRequest",
                format!(
                    "Resource not found for the segment '{}'.",
                    echo(&percent_decode(segment))
                ),
            )
            .into_response()
        }
        (_, RouteError::MethodNotAllowed(allow)) => {
            let code = if api == Api::Arm {
                "MethodNotAllowed"
            } else {
                "Request_BadRequest"
            };
            let mut response = ApiError::new(
                api,
                StatusCode::METHOD_NOT_ALLOWED,
                code,
                "Specified HTTP method is not allowed for the request target.",
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            response
        }
    }
}

/// The category and allowance of an endpoint.
fn classify(state: &SimState, endpoint: &Endpoint) -> (String, Limit) {
    match endpoint {
        Endpoint::ListSubscriptions | Endpoint::GetSubscription(_) => {
            ("arm-tenant".into(), Limit::ArmTenant)
        }
        Endpoint::ActivityLog(id) => match state.dataset.find_subscription(id) {
            Some(i) => {
                let id = state
                    .dataset
                    .subscriptions
                    .get(i)
                    .map(|s| s.id.as_str())
                    .unwrap_or(id);
                (format!("arm-subscription:{id}"), Limit::ArmSubscription(i))
            }
            None => ("arm-subscription:unknown".into(), Limit::Unmetered),
        },
        e if e.is_report() => ("graph-reports".into(), Limit::GraphReports),
        _ => ("graph".into(), Limit::Graph),
    }
}

/// The 401 for a missing or refused token.
fn unauthorized(api: Api, verdict: Option<Verdict>) -> ApiError {
    let (code, message) = match (api, verdict) {
        (Api::Arm, None) => (
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
        ),
        (Api::Arm, Some(Verdict::Expired)) => (
            "ExpiredAuthenticationToken",
            "The access token expiry UTC time is earlier than current UTC time.",
        ),
        (Api::Arm, _) => ("InvalidAuthenticationToken", "The access token is invalid."),
        (Api::Graph, None) => ("InvalidAuthenticationToken", "Access token is empty."),
        (Api::Graph, Some(Verdict::Expired)) => (
            "InvalidAuthenticationToken",
            "Lifetime validation failed, the token is expired.",
        ),
        (Api::Graph, Some(Verdict::WrongAudience)) => (
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        ),
        (Api::Graph, _) => (
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        ),
    };
    ApiError::unauthorized(api, code, message)
}

/// The API pipeline for one request; synchronous, so no lock is held across an await.
fn handle(state: &SimState, request: ApiRequest<'_>) -> (Response, Option<String>) {
    let api = api_of(request.path);
    let endpoint = match resolve(request.method, request.path) {
        Ok(endpoint) => endpoint,
        Err(error) => return (route_error(api, request.path, error), None),
    };
    let now = Instant::now();
    let (category, limit) = classify(state, &endpoint);
    lock(&state.counters).record_arrival(&category, now);
    let resource = if api == Api::Arm {
        Resource::Arm
    } else {
        Resource::Graph
    };
    let verdict =
        bearer_token(request.headers).map(|t| lock(&state.tokens).verify(t, resource, now));
    if verdict != Some(Verdict::Valid) {
        return (unauthorized(api, verdict).into_response(), Some(category));
    }
    let throttle_code = if limit == Limit::ArmTenant {
        "TenantRequestsThrottled"
    } else {
        "SubscriptionRequestsThrottled"
    };
    let fault = match state.faults.take(now) {
        Some(Fault::Throttle) if api == Api::Arm => Some(arm_throttle(throttle_code, 1)),
        Some(Fault::Throttle) => Some(graph_throttle(Duration::from_millis(500))),
        Some(Fault::Fail(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(ApiError::injected(api, status))
        }
        None => None,
    };
    if let Some(error) = fault {
        return (error.into_response(), Some(category));
    }
    let allowance = match lock(&state.limiter).check(limit, now) {
        Ok(allowance) => allowance,
        Err(error) => return (error.into_response(), Some(category)),
    };
    let call = Call {
        state,
        path: request.path,
        query: request.query,
        body: request.body,
    };
    let mut response = match dispatch(&endpoint, call) {
        Ok(reply) => {
            let mut response = reply.into_response();
            insert_headers(&mut response, &request_id_headers(api, &random_guid()));
            response
        }
        Err(error) => error.into_response(),
    };
    if let Some((name, left)) = allowance {
        insert_headers(&mut response, &[(name, left.to_string())]);
    }
    (response, Some(category))
}
