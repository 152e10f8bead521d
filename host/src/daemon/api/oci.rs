//! Plugins from OCI registries and trusted publisher keys:
//! `POST /v1/oci/plugins` (add by reference), `POST /v1/plugins/{id}/upgrade`,
//! `GET|POST /v1/trust`, `DELETE /v1/trust/{name}`.
//!
//! Approval is the same as an upload's (`"approve": true`; otherwise 409
//! listing what a first version asks for, or 202 keeping a new version that
//! asks for more as the plugin's pending upgrade); the signature policy is `plugboard plugin add`'s
//! (`"allow_unsigned": true` to install an unsigned package). The daemon
//! reads registry credentials from its own docker config only: the API
//! never carries registry passwords.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use plugboard_core::Blame;
use plugboard_core::store::TrustedKey;
use plugboard_core::text::quoted;
use serde::Deserialize;
use serde_json::{Value, json};

use super::plugins::{Decision, added_json, decide_grant, plugin_id, submit};
use super::{ApiError, Caller, parse_body};
use crate::daemon::Shared;
use crate::registry::oci::{
    OciError, OciRef, Policy, PublicKey, Registry, RegistryOptions, fetch_verified, newest_tag,
};
use crate::registry::{RegistryError, add_plugin_from, stored_version};

/// Body of `POST /v1/oci/plugins`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddByReference {
    reference: String,
    #[serde(default)]
    approve: bool,
    #[serde(default)]
    grant_reveal: bool,
    #[serde(default)]
    allow_unsigned: bool,
}

/// Body of `POST /v1/plugins/{id}/upgrade`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Upgrade {
    tag: Option<String>,
    #[serde(default)]
    approve: bool,
    #[serde(default)]
    grant_reveal: bool,
    #[serde(default)]
    allow_unsigned: bool,
}

/// Body of `POST /v1/trust`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddKey {
    name: String,
    public_key: String,
}

fn options() -> RegistryOptions {
    RegistryOptions::default()
}

/// Fetch, verify, approve and add `r` (or keep it pending, when it asks
/// for more than the current version's approval and came without approval).
async fn install(
    s: &Shared,
    caller: &Caller,
    r: &OciRef,
    approve: bool,
    grant_reveal: bool,
    allow_unsigned: bool,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let fetched = fetch_verified(
        &s.store,
        r,
        &options(),
        Policy::allowing_unsigned(allow_unsigned),
    )
    .await?;
    let m = &fetched.source.manifest;
    if let Some(row) = stored_version(&s.store, &m.id, &m.version, &fetched.source.digests())? {
        let mut body = added_json(s, row, Vec::new())?;
        body["unchanged"] = true.into();
        return Ok((StatusCode::OK, Json(body)));
    }
    let (grant, changes) = match decide_grant(s, m, approve, grant_reveal)? {
        Decision::Add(grant, changes) => (grant, changes),
        Decision::Pending(change) => {
            return submit(
                s,
                fetched.source,
                &fetched.origin,
                &change,
                grant_reveal,
                caller,
            )
            .await;
        }
    };
    let (row, _info) = add_plugin_from(
        &s.home,
        &s.store,
        &s.runtime,
        fetched.source,
        &grant,
        Some(&fetched.origin),
    )
    .await?;
    let mut body = added_json(s, row, changes)?;
    body["unchanged"] = false.into();
    Ok((StatusCode::CREATED, Json(body)))
}

pub(super) async fn add(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let req: AddByReference = parse_body(&body)?;
    let r = OciRef::parse(&req.reference).map_err(RegistryError::from)?;
    install(
        &s,
        &caller,
        &r,
        req.approve,
        req.grant_reveal,
        req.allow_unsigned,
    )
    .await
}

pub(super) async fn upgrade(
    State(s): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let req: Upgrade = if body.is_empty() {
        Upgrade::default()
    } else {
        parse_body(&body)?
    };
    let id = plugin_id(&id)?;
    let current = s
        .store
        .plugin(id)?
        .ok_or_else(|| RegistryError::NotAdded(id.to_string()))?;
    let repository = s
        .store
        .plugin_origin(id, &current.version)?
        .and_then(|o| o.repository)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                Blame::Operator,
                format!(
                    "plugin {id} {} was not added from a registry; add the new version with POST /v1/oci/plugins or POST /v1/plugins",
                    current.version
                ),
            )
        })?;
    let repo = OciRef::parse(&repository).map_err(RegistryError::from)?;
    let tag = match req.tag {
        Some(t) => t,
        None => {
            let tags = Registry::connect(&repo, &options())
                .map_err(RegistryError::from)?
                .tags()
                .await
                .map_err(RegistryError::from)?;
            newest_tag(&tags).ok_or_else(|| {
                RegistryError::from(OciError::NotFound {
                    registry: repo.registry.clone(),
                    what: format!("release tag (x.y.z) in {repository}"),
                })
            })?
        }
    };
    let r = OciRef::parse(&format!("{repository}:{tag}")).map_err(RegistryError::from)?;
    install(
        &s,
        &caller,
        &r,
        req.approve,
        req.grant_reveal,
        req.allow_unsigned,
    )
    .await
}

fn key_json(k: &TrustedKey) -> Value {
    json!({
        "name": k.name,
        "fingerprint": k.fingerprint,
        "public_key": k.public_key_pem,
        "added_at": k.added_at,
    })
}

fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            Blame::Operator,
            format!(
                "`name` {} is not 1 to 64 letters, digits, '.', '_' or '-'",
                quoted(name)
            ),
        ))
    }
}

pub(super) async fn trust_list(State(s): State<Arc<Shared>>) -> Result<Json<Vec<Value>>, ApiError> {
    Ok(Json(s.store.trusted_keys()?.iter().map(key_json).collect()))
}

pub(super) async fn trust_add(
    State(s): State<Arc<Shared>>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let req: AddKey = parse_body(&body)?;
    check_name(&req.name)?;
    let pk = PublicKey::from_pem(&req.public_key, "`public_key`")
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.blame(), e.to_string()))?;
    let key = TrustedKey {
        name: req.name.clone(),
        public_key_pem: pk.to_pem(),
        fingerprint: pk.fingerprint,
        added_at: String::new(),
    };
    s.store.put_trusted_key(&key)?;
    let stored = s
        .store
        .trusted_keys()?
        .into_iter()
        .find(|k| k.name == req.name)
        .unwrap_or(key);
    Ok((StatusCode::CREATED, Json(key_json(&stored))))
}

pub(super) async fn trust_remove(
    State(s): State<Arc<Shared>>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    check_name(&name)?;
    s.store.remove_trusted_key(&name)?;
    Ok(StatusCode::NO_CONTENT)
}
