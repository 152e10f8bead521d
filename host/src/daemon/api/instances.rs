//! `/v1/instances`: list, add, show, update, remove, enable, disable, scan,
//! check, connect; and the consent callback.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;

use super::{ApiError, parse_body};
use crate::daemon::{InstanceStatus, Shared, secrets_from};
use crate::instance::{InstanceUpdate, NewInstance, check_json};

/// Body of `POST /v1/instances`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddInstance {
    id: String,
    plugin: String,
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    #[serde(default)]
    upstreams: BTreeMap<String, String>,
}

/// Body of `PATCH /v1/instances/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateInstance {
    #[serde(default)]
    config: BTreeMap<String, String>,
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    upstreams: Option<BTreeMap<String, String>>,
}

pub(super) async fn list(
    State(s): State<Arc<Shared>>,
) -> Result<Json<Vec<InstanceStatus>>, ApiError> {
    let rows = s.store.instances()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(s.status(&r.id)?);
    }
    Ok(Json(out))
}

pub(super) async fn add(
    State(s): State<Arc<Shared>>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let req: AddInstance = parse_body(&body)?;
    let new = NewInstance {
        id: req.id,
        plugin: req.plugin,
        config: req.config,
        secrets: secrets_from(req.secrets),
        upstreams: req.upstreams,
    };
    let status = s.add_instance(new).await?;
    Ok((StatusCode::CREATED, Json(status)))
}

pub(super) async fn show(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<InstanceStatus>, ApiError> {
    Ok(Json(s.status(&id)?))
}

pub(super) async fn update(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<InstanceStatus>, ApiError> {
    let req: UpdateInstance = parse_body(&body)?;
    let update = InstanceUpdate {
        config: req.config,
        secrets: secrets_from(req.secrets),
        upstreams: req.upstreams,
    };
    Ok(Json(s.update_instance(&id, update).await?))
}

pub(super) async fn remove(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.remove_instance(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn enable(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<InstanceStatus>, ApiError> {
    Ok(Json(s.set_enabled(&id, true)?))
}

pub(super) async fn disable(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<InstanceStatus>, ApiError> {
    Ok(Json(s.set_enabled(&id, false)?))
}

pub(super) async fn scan(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    s.scan_now(&id)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "instance": id, "queued": true })),
    ))
}

pub(super) async fn check(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let account = s.check_instance(&id).await?;
    Ok(Json(check_json(&id, &account)))
}

/// Body of `POST /v1/instances/{id}/connect` (every field optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Connect {
    /// The consent-flow profile, when the settings select several.
    profile: Option<String>,
    /// The daemon's address as the admin's browser reaches it
    /// (`https://plugboard.example`); default `http://` + the Host header.
    redirect_base: Option<String>,
}

pub(super) async fn connect(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Json<crate::daemon::connect::ConnectStarted>, ApiError> {
    let req: Connect = if body.is_empty() {
        Connect::default()
    } else {
        parse_body(&body)?
    };
    let base = match req.redirect_base {
        Some(b) => b,
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            format!("http://{host}")
        }
    };
    Ok(Json(
        s.begin_connect(&id, req.profile.as_deref(), &base).await?,
    ))
}

/// `GET /v1/connect/callback`: where the admin's browser lands. No bearer
/// token (a browser has none): the `state` of a consent this daemon started
/// is what admits it. Answers a page for the browser.
pub(super) async fn callback(
    State(s): State<Arc<Shared>>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> impl IntoResponse {
    let page = |status: StatusCode, text: String| {
        let text = text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        (
            status,
            axum::response::Html(format!(
                "<!doctype html><title>Plugboard</title><p>{text}</p>"
            )),
        )
    };
    match s.finish_connect(query.as_deref().unwrap_or_default()).await {
        Ok(instance) => page(
            StatusCode::OK,
            format!("Connected instance {instance}. You may close this window."),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "a consent callback was refused");
            let mut text = e.to_string();
            plugboard_core::text::clean_line(&mut text, 1_000);
            page(StatusCode::BAD_REQUEST, format!("Not connected: {text}"))
        }
    }
}
