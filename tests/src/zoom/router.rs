//! The HTTP edge: `fn app() -> Router` and the pipeline every `/v2` request goes through.
//!
//! Order for an API request: match the endpoint (404/405) → count the arrival in its
//! category → check the bearer token (401 code 124) → injected faults → rate limits
//! (429) → the handler. Admitted requests get the `X-RateLimit-*` headers. Every
//! request under `/v2` is appended to the request log with the status it got.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use time::OffsetDateTime;

use super::auth::{CONSENT_PATH, authorize, submit, token_endpoint};
use super::error::ZoomError;
use super::ratelimit::Verdict;
use super::routes::{Call, RouteError, dispatch, resolve};
use super::state::{SimState, lock};
use crate::common::bearer::bearer_token;
use crate::common::body::read_body;
use crate::common::query::{KeyMatch, Query, percent_decode};
use crate::common::request::ApiRequest;
use crate::common::request_log::RecordedRequest;
use crate::faults::Fault;

/// The simulator's router: `/oauth/token`, the OAuth app's consent pages under
/// `/oauth/authorize`, the API under `/v2`, JSON 404 elsewhere.
pub(crate) fn app(state: Arc<SimState>) -> Router {
    Router::new()
        .route("/oauth/token", any(token_endpoint))
        .route("/oauth/authorize", get(authorize))
        .route(CONSENT_PATH, post(submit))
        .fallback(api)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            count_status,
        ))
        .with_state(state)
}

/// Tallies every answer's status in the counters.
async fn count_status(
    State(state): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    lock(&state.counters).record_status(response.status().as_u16());
    response
}

/// Every path other than `/oauth/token`.
async fn api(State(state): State<Arc<SimState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    if path != "/v2" && !path.starts_with("/v2/") {
        return ZoomError::unknown_path(&percent_decode(&path)).into_response();
    }
    let query = Query::parse(parts.uri.query(), KeyMatch::Exact);
    let body = read_body(body).await;
    let response = match &body {
        Some(bytes) => handle(&state, ApiRequest::of(&parts, &query, bytes)),
        None => ZoomError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            super::error::CODE_INVALID_REQUEST,
            "Request body is too large.",
        )
        .into_response(),
    };
    let recorded = RecordedRequest::received(
        &parts.method,
        &path,
        &query,
        body.as_deref(),
        response.status().as_u16(),
    );
    lock(&state.log).push(recorded);
    state.faults.before_answer(&path).await;
    response
}

/// The API pipeline for one request; synchronous, so no lock is held across an await.
fn handle(state: &SimState, request: ApiRequest<'_>) -> Response {
    let endpoint = match resolve(request.method, request.path) {
        Ok(endpoint) => endpoint,
        Err(RouteError::NotFound) => {
            return ZoomError::unknown_path(&percent_decode(request.path)).into_response();
        }
        Err(RouteError::MethodNotAllowed(allow)) => {
            let mut response = ZoomError::method_not_allowed().into_response();
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
            return response;
        }
    };
    let now = Instant::now();
    let utc = OffsetDateTime::now_utc();
    let category = endpoint.category();
    lock(&state.counters).record_arrival(category, now);
    let verified = match bearer_token(request.headers) {
        None => Err(ZoomError::invalid_token()),
        Some(token) => lock(&state.tokens).verify(token, now),
    };
    if let Err(error) = verified {
        return error.into_response();
    }
    let allowance = match state.faults.take(now) {
        Some(Fault::Throttle) => {
            return lock(&state.limiter).qps_throttle(category).into_response();
        }
        Some(Fault::Fail(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return ZoomError::injected(status).into_response();
        }
        None => match lock(&state.limiter).check(category, now, utc) {
            Verdict::Allowed(allowance) => allowance,
            Verdict::Throttled(throttle) => return throttle.into_response(),
        },
    };
    let call = Call {
        state,
        query: request.query,
        body: request.body,
        now,
        utc,
    };
    let mut response = match dispatch(&endpoint, call) {
        Ok(reply) => reply.into_response(),
        Err(error) => error.into_response(),
    };
    allowance.apply(response.headers_mut());
    response
}
