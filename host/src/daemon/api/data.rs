//! Collected data per instance: accounts, activities (filter by time, actor,
//! action, category), findings and sync runs. Lists page with `limit` and
//! `offset`; the answer's `next_offset` is set while more rows may follow.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use plugboard_core::model::AccountStatus;
use plugboard_core::store::{AccountQuery, ActivityQuery, DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ApiError;
use crate::daemon::Shared;

/// A page of rows.
#[derive(Debug, Serialize)]
struct Paged<T> {
    items: Vec<T>,
    limit: u32,
    offset: u32,
    next_offset: Option<u32>,
}

fn paged<T>(items: Vec<T>, limit: u32, offset: u32) -> Paged<T> {
    let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
    Paged {
        next_offset: (n >= limit && n > 0).then(|| offset.saturating_add(n)),
        items,
        limit,
        offset,
    }
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request(format!("bad query parameters: {}", e.body_text())))
}

fn limit(l: Option<u32>) -> Result<u32, ApiError> {
    match l {
        None => Ok(DEFAULT_QUERY_LIMIT),
        Some(0) => Err(ApiError::bad_request("`limit` must be at least 1")),
        Some(n) if n > MAX_QUERY_LIMIT => Err(ApiError::bad_request(format!(
            "`limit` must be at most {MAX_QUERY_LIMIT}; page with `offset`"
        ))),
        Some(n) => Ok(n),
    }
}

/// RFC 3339 in any offset → the UTC `Z` form activities are stored in.
fn utc(field: &str, t: Option<String>) -> Result<Option<String>, ApiError> {
    t.map(|text| {
        OffsetDateTime::parse(&text, &Rfc3339)
            .ok()
            .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok())
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "`{field}` = {text:?} is not an RFC 3339 time such as 2026-01-31T00:00:00Z"
                ))
            })
    })
    .transpose()
}

/// Query of `GET /v1/instances/{id}/accounts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AccountParams {
    status: Option<String>,
    #[serde(default)]
    admins: bool,
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

pub(super) async fn accounts(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    q: Result<Query<AccountParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = query(q)?;
    s.instance_row(&id)?;
    let status = match p.status.as_deref() {
        None => None,
        Some(label @ ("active" | "inactive" | "pending" | "unknown")) => {
            Some(AccountStatus::from_label(label))
        }
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`status` = {other:?} must be active, inactive, pending or unknown"
            )));
        }
    };
    let limit = limit(p.limit)?;
    let rows = s.store.accounts(&AccountQuery {
        instance: Some(id),
        status,
        admins_only: p.admins,
        limit,
        offset: p.offset,
    })?;
    Ok(Json(json!(paged(rows, limit, p.offset))))
}

/// Query of `GET /v1/instances/{id}/activities`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ActivityParams {
    since: Option<String>,
    until: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    category: Option<String>,
    limit: Option<u32>,
    #[serde(default)]
    offset: u32,
}

pub(super) async fn activities(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    q: Result<Query<ActivityParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let p = query(q)?;
    s.instance_row(&id)?;
    let limit = limit(p.limit)?;
    let rows = s.store.activities(&ActivityQuery {
        instance: Some(id),
        since: utc("since", p.since)?,
        until: utc("until", p.until)?,
        actor: p.actor,
        action: p.action,
        category: p.category,
        limit,
        offset: p.offset,
    })?;
    let items: Vec<_> = rows.into_iter().map(|(_, a)| a).collect();
    Ok(Json(json!(paged(items, limit, p.offset))))
}

pub(super) async fn findings(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    s.instance_row(&id)?;
    let items: Vec<_> = s
        .store
        .findings(Some(&id))?
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub(super) async fn runs(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    s.instance_row(&id)?;
    let items = s.store.last_runs(&id, 50)?;
    Ok(Json(json!({ "items": items })))
}

/// The spans of run `run` of instance `id`, as this node recorded them.
pub(super) async fn run_trace(
    State(s): State<Arc<Shared>>,
    Path((id, run)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    s.instance_row(&id)?;
    let run: i64 = run.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "run {} is not a run id; see GET /v1/instances/{{id}}/runs",
            plugboard_core::text::quoted(&run)
        ))
    })?;
    match s.traces.trace(&id, run) {
        Some(trace) => Ok(Json(json!(trace.as_ref()))),
        None => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            plugboard_core::Blame::Operator,
            format!(
                "this node keeps no trace of run {run} of instance `{id}`: a node keeps the spans of the last {} scans per instance that it ran itself, in memory, since it started; ask the node that ran it (a run that is still going has no trace yet), or see GET /v1/instances/{{id}}/runs for the runs",
                crate::telemetry::RUNS_PER_INSTANCE
            ),
        )),
    }
}
