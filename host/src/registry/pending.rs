//! Pending upgrades: a new version that asks for more than the current
//! version was approved for, verified and kept until an operator approves
//! or refuses it (through the API, the console or the CLI, on any node).
//!
//! Threat: an operator approves a diff that no longer describes what the
//! approval changes (the current version was rolled back or replaced since
//! the upgrade was submitted), or approves another version than the one
//! they looked at. Decision: approving names the version approved; the diff
//! is recomputed whenever the current version is not the one it was
//! computed against, and the approval is then refused (showing the new
//! diff) instead of carried out; the store re-checks both in the
//! transaction that adds the version. Every submission, approval and
//! refusal is audited.

use plugboard_core::store::{AuditEntry, PendingUpgrade, PluginOrigin, PluginRow, Store};
use serde_json::{Value, json};

use super::{
    Expansion, Grant, PluginSource, RegistryError, component_bytes, current_approval, local_path,
    verify,
};
use crate::home::Home;
use crate::manifest::Manifest;
use crate::runtime::{ComponentCache, Runtime};

/// The audit log's action for pending upgrades; the outcome says which step.
pub const AUDIT_ACTION: &str = "plugin-upgrade";

/// A submission kept as pending.
#[derive(Debug)]
pub struct Submitted {
    /// The pending upgrade as stored.
    pub pending: PendingUpgrade,
    /// The version of the pending upgrade it replaced, if any.
    pub replaced: Option<String>,
}

fn audit(store: &Store, by: &str, p: &PendingUpgrade, outcome: &str, detail: String) {
    let entry = AuditEntry {
        id: 0,
        at: String::new(),
        actor: by.to_string(),
        instance_id: None,
        action: AUDIT_ACTION.to_string(),
        target: Some(format!("{} {}", p.id, p.version)),
        outcome: outcome.to_string(),
        detail: Some(detail),
    };
    if let Err(e) = store.append_audit(&entry) {
        tracing::warn!(plugin = %p.id, error = %e, "auditing a pending upgrade failed");
    }
}

/// Forget the compiled artefact of component `sha256` once the store no
/// longer keeps it (no version and no pending upgrade uses it).
fn forget_if_unused(home: &Home, store: &Store, sha256: &str) -> Result<(), RegistryError> {
    if store.component(sha256)?.is_none() {
        ComponentCache::at(home.cache_dir()).forget(&[sha256]);
    }
    Ok(())
}

/// A new version submitted without approval.
#[derive(Debug)]
pub struct Submission<'a> {
    /// The package.
    pub source: PluginSource,
    /// Where it came from and how its signature was judged.
    pub origin: Option<&'a PluginOrigin>,
    /// What it asks for beyond the current version's approval.
    pub change: &'a Expansion,
    /// Whether `secrets.reveal` is asked for.
    pub grant_reveal: bool,
    /// Who submits it.
    pub by: &'a str,
}

/// Verify the submitted package (load and describe it), keep its
/// component, and store it as the pending upgrade of its plugin, with its
/// change as its diff. Replaces any other pending upgrade of the plugin.
pub async fn submit_pending(
    home: &Home,
    store: &Store,
    runtime: &Runtime,
    submission: Submission<'_>,
) -> Result<Submitted, RegistryError> {
    let Submission {
        source,
        origin,
        change,
        grant_reveal,
        by,
    } = submission;
    let (sha256, info) = verify(runtime, &source).await?;
    store.put_component(&sha256, &source.wasm)?;
    let m = &source.manifest;
    let pending = PendingUpgrade {
        id: m.id.clone(),
        version: m.version.clone(),
        contract: m.contract.clone(),
        manifest: source.manifest_text.clone(),
        wasm_sha256: sha256,
        info_json: serde_json::to_string(&info).unwrap_or_else(|_| "{}".into()),
        origin: origin.cloned(),
        changes: change.lines(),
        against: change.previous_version.clone(),
        grant_reveal,
        submitted_by: by.to_string(),
        submitted_at: String::new(),
    };
    let before = store.pending(&pending.id)?.map(|p| p.wasm_sha256);
    let replaced = store.put_pending(&pending)?;
    if let Some(old) = before.filter(|old| *old != pending.wasm_sha256) {
        forget_if_unused(home, store, &old)?;
    }
    let mut detail = pending.changes.join("; ");
    if let Some(v) = &replaced {
        detail.push_str(&format!(" (replaces pending {v})"));
    }
    audit(store, by, &pending, "pending", detail);
    let pending = store.pending(&pending.id)?.unwrap_or(pending);
    Ok(Submitted { pending, replaced })
}

fn is_newer(candidate: &str, than: &str) -> bool {
    match (
        semver::Version::parse(candidate),
        semver::Version::parse(than),
    ) {
        (Ok(a), Ok(b)) => a > b,
        _ => candidate != than,
    }
}

/// Approve the pending upgrade of plugin `id` at `version`: it becomes the
/// current version, with a grant of everything it requests, approved `by`.
/// Refused (nothing changed) when no upgrade is pending, when another
/// version is, when its version is no longer newer than the current one,
/// and when the current version is not the one its diff was computed
/// against: the diff is then recomputed and kept, and the refusal shows it.
pub fn approve_pending(
    home: &Home,
    store: &Store,
    id: &str,
    version: &str,
    by: &str,
) -> Result<PluginRow, RegistryError> {
    let p = store
        .pending(id)?
        .ok_or_else(|| RegistryError::NoPending(id.to_string()))?;
    if p.version != version {
        return Err(RegistryError::PendingVersion {
            id: id.to_string(),
            pending: p.version,
            named: version.to_string(),
        });
    }
    let manifest = Manifest::parse(&p.manifest).map_err(|cause| RegistryError::Manifest {
        path: format!("pending manifest of {id} {}", p.version),
        cause,
    })?;
    let current = store
        .plugin(id)?
        .ok_or_else(|| RegistryError::NotAdded(id.to_string()))?;
    let added = store.plugin_versions(id)?;
    if !is_newer(&p.version, &current.version) || added.iter().any(|r| r.version == p.version) {
        return Err(RegistryError::NotAnUpgrade {
            id: id.to_string(),
            version: p.version,
            current: current.version,
        });
    }
    if current.version != p.against {
        let (prev_manifest, prev_grant) =
            current_approval(store, id)?.ok_or_else(|| RegistryError::NotAdded(id.to_string()))?;
        let change = Expansion::of(&prev_grant, &prev_manifest, &manifest, p.grant_reveal);
        let lines = change.lines();
        store.rediff_pending(id, &p.version, &current.version, &lines)?;
        return Err(RegistryError::PendingStale(Box::new(super::StaleDiff {
            id: id.to_string(),
            version: p.version,
            was: p.against,
            now: current.version,
            lines,
        })));
    }
    let mut grant = Grant::all_requested(&manifest, by);
    grant.reveal_secrets = p.grant_reveal;
    let mut row = p.to_row(
        String::new(),
        serde_json::to_string(&grant).unwrap_or_default(),
    );
    row.wasm_path = local_path(home, &row)?.display().to_string();
    // This node's copy, from the store's bytes, checked against the digest
    // recorded at submission.
    component_bytes(home, store, &row)?;
    store.approve_pending(&row, p.origin.as_ref(), &p.against)?;
    audit(
        store,
        by,
        &p,
        "approved",
        format!("against {}: {}", p.against, p.changes.join("; ")),
    );
    Ok(store.plugin(id)?.unwrap_or(row))
}

/// Refuse (drop) the pending upgrade of plugin `id` (only at `version`,
/// when given); its component and compiled artefact go unless something
/// else uses them.
pub fn refuse_pending(
    home: &Home,
    store: &Store,
    id: &str,
    version: Option<&str>,
    by: &str,
) -> Result<PendingUpgrade, RegistryError> {
    let p = match store.pending(id)? {
        None => return Err(RegistryError::NoPending(id.to_string())),
        Some(p) => p,
    };
    if let Some(v) = version.filter(|v| *v != p.version) {
        return Err(RegistryError::PendingVersion {
            id: id.to_string(),
            pending: p.version,
            named: v.to_string(),
        });
    }
    let p = store.remove_pending(id, Some(&p.version))?;
    forget_if_unused(home, store, &p.wasm_sha256)?;
    audit(store, by, &p, "refused", p.changes.join("; "));
    Ok(p)
}

/// The JSON view of a pending upgrade, as the API answers and every
/// `plugboard plugin … --json` prints it (null when there is none).
pub fn pending_json(p: Option<&PendingUpgrade>) -> Value {
    match p {
        None => Value::Null,
        Some(p) => json!({
            "version": p.version,
            "contract": p.contract,
            "sha256": p.wasm_sha256,
            "against": p.against,
            "changes": p.changes,
            "grant_reveal": p.grant_reveal,
            "origin": p.origin,
            "submitted_by": p.submitted_by,
            "submitted_at": p.submitted_at,
        }),
    }
}
