//! The daemon's REST API (axum). Every route except `/healthz`, `/readyz`
//! and the consent callback (`/v1/connect/callback`, admitted by the `state`
//! of a consent this daemon started) needs a bearer token from `plugboard
//! token create`; errors are JSON with a blame.
//! The routes are described in `/openapi.json`.

mod data;
mod error;
mod instances;
mod oci;
mod plugins;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;

pub use error::ApiError;

use super::Shared;
use super::tokens::verify_token;

/// The OpenAPI 3.1 description of this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Largest request body: a plugin upload (64 MiB component, base64).
pub const MAX_BODY_BYTES: usize = 96 << 20;

/// The API router over `shared`.
pub fn router(shared: Arc<Shared>) -> Router {
    let authed = Router::new()
        .route("/openapi.json", get(openapi))
        .route("/metrics", get(metrics))
        .route("/v1/plugins", get(plugins::list).post(plugins::add))
        .route(
            "/v1/plugins/{id}",
            get(plugins::show).delete(plugins::remove),
        )
        .route("/v1/plugins/{id}/rollback", post(plugins::rollback))
        .route("/v1/plugins/{id}/upgrade", post(oci::upgrade))
        .route(
            "/v1/plugins/{id}/pending/approve",
            post(plugins::approve_pending),
        )
        .route(
            "/v1/plugins/{id}/pending/refuse",
            post(plugins::refuse_pending),
        )
        .route("/v1/oci/plugins", post(oci::add))
        .route("/v1/trust", get(oci::trust_list).post(oci::trust_add))
        .route("/v1/trust/{name}", axum::routing::delete(oci::trust_remove))
        .route("/v1/instances", get(instances::list).post(instances::add))
        .route(
            "/v1/instances/{id}",
            get(instances::show)
                .patch(instances::update)
                .delete(instances::remove),
        )
        .route("/v1/instances/{id}/enable", post(instances::enable))
        .route("/v1/instances/{id}/disable", post(instances::disable))
        .route("/v1/instances/{id}/scan", post(instances::scan))
        .route("/v1/instances/{id}/check", post(instances::check))
        .route("/v1/instances/{id}/connect", post(instances::connect))
        .route("/v1/instances/{id}/accounts", get(data::accounts))
        .route("/v1/instances/{id}/activities", get(data::activities))
        .route("/v1/instances/{id}/findings", get(data::findings))
        .route("/v1/instances/{id}/runs", get(data::runs))
        .route("/v1/instances/{id}/runs/{run}/trace", get(data::run_trace))
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            crate::daemon::connect::CALLBACK_PATH,
            get(instances::callback),
        )
        .merge(authed)
        .fallback(fallback)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            count_requests,
        ))
        .with_state(shared.clone())
        // The operator console's pages (`/`, `/findings`, …) beside the API:
        // its own module, state and middleware (sessions, CSRF, CSP).
        .merge(crate::daemon::console::router(shared))
}

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

/// Ready when the database answers and is at this binary's schema version.
/// No token is needed (load balancers ask), so the answer names no
/// database and no cause; both are in the log.
async fn readyz(State(s): State<Arc<Shared>>) -> Response {
    let store = s.store.clone();
    let found = tokio::task::spawn_blocking(move || store.schema_version()).await;
    let known = plugboard_core::store::latest_version();
    let not_ready = |message: &str| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            plugboard_core::Blame::Operator,
            message,
        )
        .into_response()
    };
    match found {
        Ok(Ok(version)) if version == known => axum::Json(serde_json::json!({
            "status": "ready",
            "database": s.store.kind().as_str(),
            "schema_version": version,
            "node": s.cluster.as_ref().map(|c| c.node.clone()),
        }))
        .into_response(),
        Ok(Ok(version)) => {
            tracing::warn!(
                found = version,
                known,
                "readyz: the database schema is not this binary's"
            );
            not_ready(
                "not ready: the database schema is not the one this binary expects; see the daemon's log",
            )
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readyz: the database does not answer");
            not_ready("not ready: the database does not answer; see the daemon's log")
        }
        Err(e) => {
            tracing::warn!(error = %e, "readyz: the check failed");
            not_ready("not ready: the check failed; see the daemon's log")
        }
    }
}

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn metrics(State(s): State<Arc<Shared>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
}

async fn fallback(req: Request) -> ApiError {
    ApiError::no_route(req.uri().path())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The API token a request was admitted with: its name, recorded as who
/// submitted, approved or refused a pending upgrade.
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub String);

impl Caller {
    /// The actor recorded in the audit log (`api:NAME`).
    pub(crate) fn actor(&self) -> String {
        format!("api:{}", self.0)
    }
}

async fn require_token(
    State(s): State<Arc<Shared>>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let Some(token) = bearer(req.headers()).map(str::to_string) else {
        return Err(ApiError::unauthorized());
    };
    let store = s.store.clone();
    let found = tokio::task::spawn_blocking(move || verify_token(&store, &token))
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                plugboard_core::Blame::Host,
                e.to_string(),
            )
        })??;
    let Some(found) = found else {
        return Err(ApiError::unauthorized());
    };
    req.extensions_mut().insert(Caller(found.name));
    Ok(next.run(req).await)
}

async fn count_requests(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    s.metrics.api_request(&route, resp.status().as_u16());
    resp
}

/// Parse a JSON request body, answering 400 with the reason when it is not.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not valid JSON for this route: {e}"
        ))
    })
}
