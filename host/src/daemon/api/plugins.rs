//! `/v1/plugins`: list, add (upload + approval), show, rollback, remove,
//! and approve or refuse a pending upgrade.
//!
//! An upload carries the manifest text and the component as base64. Like
//! `plugboard plugin add`, nothing is added without approval: a first
//! version needs `"approve": true` in the body (the operator's `--yes`);
//! without it the answer is 409 listing what the plugin requests. A new
//! version that asks for nothing beyond the current version's approval
//! keeps it; one that asks for more is added at once with `"approve": true`,
//! and otherwise verified and kept as the plugin's pending upgrade (202,
//! with its diff) until an operator approves it
//! (`POST /v1/plugins/{id}/pending/approve` naming its version) or refuses
//! it (`…/pending/refuse`). A new version becomes current at once;
//! instances switch at their next phase (work in flight finishes on the old
//! version).
//!
//! An added version never changes: uploading an id and version already
//! added answers 200 with that version when the component and manifest are
//! the same (nothing changes, not even which version is current), and 409
//! naming the stored and the offered digests when they differ. Ids in paths
//! and version arguments are checked before any lookup, and messages quote
//! them escaped and cut.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use base64::Engine as _;
use plugboard_core::Blame;
use plugboard_core::text::quoted;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Caller, parse_body};
use crate::daemon::Shared;
use crate::manifest::{check_version, is_plugin_id};
use crate::registry::describe_request;
use crate::registry::oci::{Policy, judge_package};
use crate::registry::{
    self, Expansion, Grant, PluginSource, add_plugin_from, current_approval, pending_json,
    plugin_json, stored_version, submit_pending,
};

/// Body of `POST /v1/plugins`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddPlugin {
    manifest: String,
    wasm_base64: String,
    #[serde(default)]
    approve: bool,
    #[serde(default)]
    grant_reveal: bool,
    /// The package's detached signature (the text of `plugin.sig`, as
    /// `plugboard plugin sign` writes it).
    #[serde(default)]
    signature: Option<String>,
    /// Accept an unsigned package or one signed by no trusted key.
    #[serde(default)]
    allow_unsigned: bool,
}

/// Body of `POST /v1/plugins/{id}/pending/approve` and `…/refuse`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingVersion {
    version: Option<String>,
}

/// Body of `POST /v1/plugins/{id}/rollback`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rollback {
    version: Option<String>,
}

pub(super) async fn list(State(s): State<Arc<Shared>>) -> Result<Json<Vec<Value>>, ApiError> {
    let mut out = Vec::new();
    for row in s.store.plugins()? {
        let versions = s.store.plugin_versions(&row.id)?;
        let mut one = plugin_json(&row, &versions);
        one["origin"] = origin_json(&s, &row);
        one["pending"] = pending_json(s.store.pending(&row.id)?.as_ref());
        out.push(one);
    }
    Ok(Json(out))
}

fn not_added(id: &str) -> ApiError {
    let hint = if is_plugin_id(id) {
        ""
    } else {
        " (a plugin id is lowercase letters, digits and `-`, at most 64)"
    };
    ApiError::new(
        StatusCode::NOT_FOUND,
        Blame::Operator,
        format!(
            "no plugin {}{hint}; list them with GET /v1/plugins",
            quoted(id)
        ),
    )
}

/// `id` when it can name a plugin; otherwise 404 before any lookup.
pub(super) fn plugin_id(id: &str) -> Result<&str, ApiError> {
    if is_plugin_id(id) {
        Ok(id)
    } else {
        Err(not_added(id))
    }
}

pub(super) async fn show(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = plugin_id(&id)?;
    let row = s.store.plugin(id)?.ok_or_else(|| not_added(id))?;
    let versions = s.store.plugin_versions(id)?;
    let mut body = plugin_json(&row, &versions);
    body["origin"] = origin_json(&s, &row);
    body["pending"] = pending_json(s.store.pending(id)?.as_ref());
    Ok(Json(body))
}

pub(super) async fn add(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let req: AddPlugin = parse_body(&body)?;
    let wasm = base64::engine::general_purpose::STANDARD
        .decode(req.wasm_base64.trim())
        .map_err(|e| ApiError::bad_request(format!("`wasm_base64` is not base64: {e}")))?;
    let source = PluginSource::from_parts(&req.manifest, wasm)?;
    let m = &source.manifest;
    // An added version never changes: the same package again changes
    // nothing (200), another one is refused (409) before any approval.
    if let Some(row) = stored_version(&s.store, &m.id, &m.version, &source.digests())? {
        let versions = s.store.plugin_versions(&row.id)?;
        let mut body = plugin_json(&row, &versions);
        body["changes"] = json!([]);
        return Ok((StatusCode::OK, Json(body)));
    }
    let (_verdict, origin) = judge_package(
        &s.store,
        &source,
        req.signature.as_deref(),
        "the uploaded package",
        Policy::allowing_unsigned(req.allow_unsigned),
    )?;
    match decide_grant(&s, m, req.approve, req.grant_reveal)? {
        Decision::Add(grant, changes) => {
            let (row, _info) =
                add_plugin_from(&s.home, &s.store, &s.runtime, source, &grant, Some(&origin))
                    .await?;
            Ok((StatusCode::CREATED, Json(added_json(&s, row, changes)?)))
        }
        Decision::Pending(change) => {
            submit(&s, source, &origin, &change, req.grant_reveal, &caller).await
        }
    }
}

/// Keep `source` as the pending upgrade of its plugin: 202 with the plugin
/// as it stays current, its `pending` upgrade, and what to do next.
pub(super) async fn submit(
    s: &Shared,
    source: PluginSource,
    origin: &plugboard_core::store::PluginOrigin,
    change: &Expansion,
    grant_reveal: bool,
    caller: &Caller,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (id, version) = (source.manifest.id.clone(), source.manifest.version.clone());
    let by = caller.actor();
    let submission = registry::Submission {
        source,
        origin: Some(origin),
        change,
        grant_reveal,
        by: &by,
    };
    let submitted = submit_pending(&s.home, &s.store, &s.runtime, submission).await?;
    let current = s
        .store
        .plugin(&id)?
        .ok_or_else(|| registry::RegistryError::NotAdded(id.clone()))?;
    let mut body = plugin_json(&current, &s.store.plugin_versions(&id)?);
    body["origin"] = origin_json(s, &current);
    body["pending"] = pending_json(Some(&submitted.pending));
    body["replaced"] = json!(submitted.replaced);
    let replaced = match &submitted.replaced {
        Some(v) => format!(" It replaces the pending upgrade to {v}."),
        None => String::new(),
    };
    body["message"] = json!(format!(
        "{id} {version} asks for more than the current version {} was approved for ({}); it is kept as a pending upgrade and nothing changed yet.{replaced} Approve it with POST /v1/plugins/{id}/pending/approve {{\"version\": \"{version}\"}} (or on the console's Plugins page, or `plugboard plugin pending approve {id} --version {version}`), or refuse it with POST /v1/plugins/{id}/pending/refuse.",
        change.previous_version,
        change.lines().join("; ")
    ));
    Ok((StatusCode::ACCEPTED, Json(body)))
}

/// The answer to an add: the plugin as now current, with the changes approved.
pub(super) fn added_json(
    s: &Shared,
    row: plugboard_core::store::PluginRow,
    changes: Vec<String>,
) -> Result<Value, ApiError> {
    let versions = s.store.plugin_versions(&row.id)?;
    let current = s.store.plugin(&row.id)?.unwrap_or(row);
    let mut body = plugin_json(&current, &versions);
    body["changes"] = json!(changes);
    body["origin"] = origin_json(s, &current);
    body["pending"] = pending_json(s.store.pending(&current.id)?.as_ref());
    Ok(body)
}

/// Where `row` came from (null for a package uploaded or added from disk).
pub(super) fn origin_json(s: &Shared, row: &plugboard_core::store::PluginRow) -> Value {
    s.store
        .plugin_origin(&row.id, &row.version)
        .ok()
        .flatten()
        .map(|o| serde_json::to_value(o).unwrap_or_default())
        .unwrap_or(Value::Null)
}

/// What becomes of a new version.
#[derive(Debug)]
pub(super) enum Decision {
    /// Added with this grant; the changes, one line each.
    Add(Grant, Vec<String>),
    /// It asks for more and came without approval: kept pending.
    Pending(Expansion),
}

/// The grant of `m`, like `plugboard plugin add`: a first version needs
/// approval (409 without it, nothing added); a new version that asks for
/// nothing new keeps the current approval; one that asks for more is added
/// when approved, and kept pending otherwise.
pub(super) fn decide_grant(
    s: &Shared,
    m: &crate::manifest::Manifest,
    approve: bool,
    grant_reveal: bool,
) -> Result<Decision, ApiError> {
    let (approved_by, changes) = match current_approval(&s.store, &m.id)? {
        None if approve => ("api".to_string(), Vec::new()),
        None => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                Blame::Operator,
                format!(
                    "approval needed: send \"approve\": true to grant what this plugin requests:\n{}",
                    describe_request(m, grant_reveal)
                ),
            ));
        }
        Some((prev_manifest, prev_grant)) => {
            let change =
                crate::registry::Expansion::of(&prev_grant, &prev_manifest, m, grant_reveal);
            if change.asks_for_more() && !approve {
                return Ok(Decision::Pending(change));
            }
            let by = if change.asks_for_more() {
                "api".to_string()
            } else {
                format!("carried over from {}", change.previous_version)
            };
            (by, change.lines())
        }
    };
    let mut grant = Grant::all_requested(m, &approved_by);
    grant.reveal_secrets = grant_reveal;
    Ok(Decision::Add(grant, changes))
}

/// The `version` a request body names (a pending upgrade's, a rollback's), checked.
fn named_version(version: &Option<String>) -> Result<Option<&str>, ApiError> {
    if let Some(v) = version {
        check_version(v).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.blame(),
                format!("`version`: {e}"),
            )
        })?;
    }
    Ok(version.as_deref())
}

fn pending_body(body: &Bytes) -> Result<PendingVersion, ApiError> {
    if body.is_empty() {
        Ok(PendingVersion::default())
    } else {
        parse_body(body)
    }
}

/// `POST /v1/plugins/{id}/pending/approve` with `{"version": "…"}`: the
/// pending upgrade becomes current, approved by the caller.
pub(super) async fn approve_pending(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req = pending_body(&body)?;
    let id = plugin_id(&id)?;
    let Some(version) = named_version(&req.version)? else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Blame::Operator,
            format!(
                "`version` is required: name the version you approve (the `pending.version` of GET /v1/plugins/{id}); nothing was changed"
            ),
        ));
    };
    if s.store.plugin(id)?.is_none() {
        return Err(not_added(id));
    }
    let changes = s.store.pending(id)?.map(|p| p.changes).unwrap_or_default();
    let row = registry::approve_pending(&s.home, &s.store, id, version, &caller.actor())?;
    Ok(Json(added_json(&s, row, changes)?))
}

/// `POST /v1/plugins/{id}/pending/refuse` (optionally naming the version):
/// the pending upgrade goes, and its component unless something uses it.
pub(super) async fn refuse_pending(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req = pending_body(&body)?;
    let id = plugin_id(&id)?;
    let version = named_version(&req.version)?;
    let row = s.store.plugin(id)?.ok_or_else(|| not_added(id))?;
    let refused = registry::refuse_pending(&s.home, &s.store, id, version, &caller.actor())?;
    let mut body = plugin_json(&row, &s.store.plugin_versions(id)?);
    body["origin"] = origin_json(&s, &row);
    body["pending"] = Value::Null;
    body["refused"] = pending_json(Some(&refused));
    Ok(Json(body))
}

pub(super) async fn rollback(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let req: Rollback = if body.is_empty() {
        Rollback::default()
    } else {
        parse_body(&body)?
    };
    let id = plugin_id(&id)?;
    let version = named_version(&req.version)?;
    let row = registry::rollback(&s.store, id, version)?;
    let versions = s.store.plugin_versions(id)?;
    Ok(Json(plugin_json(&row, &versions)))
}

pub(super) async fn remove(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = plugin_id(&id)?;
    if s.store.plugin(id)?.is_none() {
        return Err(not_added(id));
    }
    let removed = registry::remove_plugin(&s.home, &s.store, id)?;
    s.plugins.forget(id);
    for note in &removed.left {
        tracing::warn!(plugin = %id, "removing a plugin: {note}");
    }
    Ok(StatusCode::NO_CONTENT)
}
