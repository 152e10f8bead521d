//! Credential identities of exclusive-token auth profiles.
//!
//! Some apps revoke a client's earlier token whenever a new one is minted
//! (Zoom Server-to-Server OAuth; `exclusive_token = true` in the manifest).
//! Two instances with the same client id and account would then revoke each
//! other's tokens on every renewal, so the second one is refused at creation.
//! The identity is a SHA-256 over the profile's token URL, client id and
//! parameters (e.g. `account_id`); the client secret is not part of it, and
//! no value is kept or shown.

use std::collections::BTreeMap;

use plugboard_core::secrets::{MasterKey, SecretValue};
use plugboard_core::store::Store;
use sha2::{Digest, Sha256};

use super::{InstanceError, resolve_config};
use crate::manifest::{AuthKind, AuthProfile, Manifest, ValueRef};

/// Identities of `manifest`'s exclusive profiles for one instance's settings
/// (defaults applied) and secrets: `(profile name, digest)`. Profiles whose
/// values are missing are skipped.
pub fn exclusive_identities(
    manifest: &Manifest,
    config: &BTreeMap<String, String>,
    secret: &dyn Fn(&str) -> Option<SecretValue>,
) -> Vec<(String, [u8; 32])> {
    manifest
        .auth
        .iter()
        .filter(|p| p.exclusive_token && p.applies(config))
        .filter_map(|p| identity(p, config, secret).map(|d| (p.name.clone(), d)))
        .collect()
}

fn identity(
    p: &AuthProfile,
    config: &BTreeMap<String, String>,
    secret: &dyn Fn(&str) -> Option<SecretValue>,
) -> Option<[u8; 32]> {
    let value = |v: &ValueRef| -> Option<String> {
        match v {
            ValueRef::Literal(s) => Some(s.clone()),
            ValueRef::Config(n) => config.get(n).cloned(),
            ValueRef::Secret(n) => secret(n).map(|s| s.expose().to_string()),
        }
    };
    let mut h = Sha256::new();
    let mut part = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    part(p.kind.name());
    if let Some(url) = p.token_url() {
        part(&url.text);
        for name in url.config_refs() {
            part(config.get(name).map(String::as_str).unwrap_or(""));
        }
    }
    match &p.kind {
        AuthKind::ClientCredentials(c) => {
            part(&value(&c.client_id)?);
            for (name, v) in &c.params {
                part(name);
                part(&value(v)?);
            }
        }
        // Every other kind: who the client is, never its credential.
        other => {
            for input in other.inputs().into_iter().filter(|i| !i.credential) {
                part(input.label);
                part(&value(input.value)?);
            }
        }
    }
    Some(h.finalize().into())
}

/// Refuse a new instance `id` whose exclusive credentials (given as settings
/// and secrets) are already used by another instance of plugin `plugin`.
pub fn check_unique_credentials(
    store: &Store,
    key: &MasterKey,
    manifest: &Manifest,
    id: &str,
    config: &BTreeMap<String, String>,
    secrets: &BTreeMap<String, SecretValue>,
) -> Result<(), InstanceError> {
    let config = resolve_config(manifest, config)?;
    let mine = exclusive_identities(manifest, &config, &|n| secrets.get(n).cloned());
    if mine.is_empty() {
        return Ok(());
    }
    for other in store.instances()? {
        if other.id == id || other.plugin_id != manifest.id {
            continue;
        }
        let given: BTreeMap<String, String> =
            serde_json::from_str(&other.config_json).unwrap_or_default();
        let Ok(theirs_config) = resolve_config(manifest, &given) else {
            continue;
        };
        let lookup = |n: &str| store.secret(key, &other.id, n).ok().flatten();
        let theirs = exclusive_identities(manifest, &theirs_config, &lookup);
        if let Some((profile, _)) = mine.iter().find(|m| theirs.contains(m)) {
            return Err(InstanceError::SharedCredentials {
                other: other.id.clone(),
                profile: profile.clone(),
            });
        }
    }
    Ok(())
}
