//! Pending plugin upgrades: a verified new version that asks for more than
//! the current version was approved for, kept until an operator approves or
//! refuses it. The interface.
//!
//! Threat: an operator approves a diff that no longer describes what would
//! change (the current version was rolled back or replaced since the diff
//! was computed), or a refused package lingers in the database. Decision: a
//! plugin has at most one pending upgrade (a newer submission replaces it);
//! each records the version its diff was computed against, and approving
//! checks, in the transaction that adds the version, that this version is
//! still current and that the pending upgrade is still the one approved.
//! Refusing (or removing the plugin) drops the components no version and no
//! pending upgrade uses.

use super::{PluginOrigin, PluginRow, StoreError};

/// A verified plugin version waiting for an operator's approval.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingUpgrade {
    /// Plugin id.
    pub id: String,
    /// The version waiting.
    pub version: String,
    /// The WIT contract version it targets.
    pub contract: String,
    /// The `plugin.toml` text as submitted.
    pub manifest: String,
    /// SHA-256 of the `.wasm`, hex; the bytes are kept with
    /// [`super::PluginStore::put_component`].
    pub wasm_sha256: String,
    /// Its `describe()` output, JSON.
    pub info_json: String,
    /// Where it came from and how its signature was judged.
    pub origin: Option<PluginOrigin>,
    /// The approval diff, one line each (`new: network DELETE https://…`).
    pub changes: Vec<String>,
    /// The current version the diff was computed against.
    pub against: String,
    /// Whether `secrets.reveal` was asked for.
    pub grant_reveal: bool,
    /// Who submitted it (an API token's name, `console:…`, `cli`).
    pub submitted_by: String,
    /// When, RFC 3339. Set by the store; ignored by
    /// [`PendingStore::put_pending`].
    pub submitted_at: String,
}

impl PendingUpgrade {
    /// The plugin row this upgrade becomes when approved with `grant_json`,
    /// its component kept at `wasm_path`.
    pub fn to_row(&self, wasm_path: String, grant_json: String) -> PluginRow {
        PluginRow {
            id: self.id.clone(),
            version: self.version.clone(),
            contract: self.contract.clone(),
            manifest: self.manifest.clone(),
            wasm_sha256: self.wasm_sha256.clone(),
            wasm_path,
            grant_json,
            info_json: self.info_json.clone(),
            added_at: String::new(),
        }
    }
}

/// The refusal of an approval whose pending upgrade or current version
/// changed since the operator looked.
pub(crate) fn stale(id: &str, detail: String) -> StoreError {
    StoreError::Changed {
        what: "pending upgrade",
        id: id.to_string(),
        detail,
    }
}

pub trait PendingStore {
    /// Keep `p` as the pending upgrade of its plugin, replacing any other;
    /// returns the version replaced, if one was. `NotFound` when the plugin
    /// has no current version. A replaced upgrade's component goes when no
    /// version and no pending upgrade uses it.
    fn put_pending(&self, p: &PendingUpgrade) -> Result<Option<String>, StoreError>;

    /// The pending upgrade of plugin `id`, if any.
    fn pending(&self, id: &str) -> Result<Option<PendingUpgrade>, StoreError>;

    /// Every pending upgrade, by plugin id.
    fn pendings(&self) -> Result<Vec<PendingUpgrade>, StoreError>;

    /// Replace the diff of plugin `id`'s pending upgrade at `version`
    /// (recomputed against `against`, now current). `NotFound` when there is
    /// no such pending upgrade.
    fn rediff_pending(
        &self,
        id: &str,
        version: &str,
        against: &str,
        changes: &[String],
    ) -> Result<(), StoreError>;

    /// Drop the pending upgrade of plugin `id` (only at `version`, when
    /// given) and the components nothing uses any more; returns it.
    /// `NotFound` when there is none; `Changed` when it is at another version.
    fn remove_pending(&self, id: &str, version: Option<&str>)
    -> Result<PendingUpgrade, StoreError>;

    /// Approve: in one transaction, check that the pending upgrade of
    /// `row.id` is at `row.version` and was diffed against `against`, and
    /// that `against` is still current (`Changed` otherwise, nothing
    /// written), then add `row` (with `origin`) as current and drop the
    /// pending upgrade.
    fn approve_pending(
        &self,
        row: &PluginRow,
        origin: Option<&PluginOrigin>,
        against: &str,
    ) -> Result<(), StoreError>;
}

/// A pending upgrade as stored: its JSON columns not yet decoded.
pub(crate) struct Stored {
    pub id: String,
    pub version: String,
    pub contract: String,
    pub manifest: String,
    pub wasm_sha256: String,
    pub info_json: String,
    pub origin_json: Option<String>,
    pub changes_json: String,
    pub against: String,
    pub grant_reveal: bool,
    pub submitted_by: String,
    pub submitted_at: String,
}

/// The columns every read selects, in [`Stored`]'s order.
pub(crate) const COLUMNS: &str = "id, version, contract, manifest, wasm_sha256, info_json, \
     origin_json, changes_json, against, grant_reveal, submitted_by, submitted_at";

impl Stored {
    /// Decode the JSON columns; `Corrupt` (naming `database`) when they do not parse.
    pub(crate) fn decode(self, database: &str) -> Result<PendingUpgrade, StoreError> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt {
            path: database.to_string(),
            what: "pending upgrade",
            reason: e.to_string(),
        };
        let origin = self
            .origin_json
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(corrupt)?;
        let changes = serde_json::from_str(&self.changes_json).map_err(corrupt)?;
        Ok(PendingUpgrade {
            id: self.id,
            version: self.version,
            contract: self.contract,
            manifest: self.manifest,
            wasm_sha256: self.wasm_sha256,
            info_json: self.info_json,
            origin,
            changes,
            against: self.against,
            grant_reveal: self.grant_reveal,
            submitted_by: self.submitted_by,
            submitted_at: self.submitted_at,
        })
    }
}

/// The JSON columns of `p`: its origin and its changes.
pub(crate) fn encode(p: &PendingUpgrade) -> (Option<String>, String) {
    (
        p.origin
            .as_ref()
            .map(|o| serde_json::to_string(o).unwrap_or_default()),
        serde_json::to_string(&p.changes).unwrap_or_else(|_| "[]".into()),
    )
}

/// `changes` as stored.
pub(crate) fn encode_changes(changes: &[String]) -> String {
    serde_json::to_string(changes).unwrap_or_else(|_| "[]".into())
}

/// A pending upgrade at another version than the one named.
pub(crate) fn other_version(id: &str, found: &str, named: &str) -> StoreError {
    stale(
        id,
        format!("the pending upgrade is now version {found}, not {named}"),
    )
}

/// Delete the components no plugin version and no pending upgrade uses.
pub(crate) const UNUSED_COMPONENTS: &str = "DELETE FROM plugin_components \
     WHERE sha256 NOT IN (SELECT wasm_sha256 FROM plugins) \
     AND sha256 NOT IN (SELECT wasm_sha256 FROM plugin_pending)";

/// Why an approval is refused, given what the store holds now.
pub(crate) fn check_approval(
    row: &PluginRow,
    against: &str,
    pending: Option<(&str, &str)>,
    current: Option<&str>,
) -> Result<(), StoreError> {
    match pending {
        None => {
            return Err(StoreError::NotFound {
                what: "pending upgrade",
                id: row.id.clone(),
            });
        }
        Some((version, _)) if version != row.version => {
            return Err(other_version(&row.id, version, &row.version));
        }
        Some((_, diffed)) if diffed != against => {
            return Err(stale(
                &row.id,
                format!("its diff was recomputed against version {diffed}"),
            ));
        }
        Some(_) => {}
    }
    if current != Some(against) {
        return Err(stale(
            &row.id,
            format!(
                "the current version is now {}, not {against}",
                current.unwrap_or("none")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{plugin_row, stores};
    use crate::store::{PluginRow, Store};

    fn pending(version: &str, sha: &str) -> PendingUpgrade {
        PendingUpgrade {
            id: "p".into(),
            version: version.into(),
            contract: "0.1.0".into(),
            manifest: format!("version = \"{version}\""),
            wasm_sha256: sha.into(),
            info_json: "{}".into(),
            origin: Some(PluginOrigin {
                id: "p".into(),
                version: version.into(),
                reference: "upload".into(),
                repository: None,
                tag: None,
                digest: format!("sha256:{sha}"),
                publisher: Some("vendor".into()),
                allowed_unsigned: None,
            }),
            changes: vec!["new: network DELETE https://api.example/".into()],
            against: "1.0.0".into(),
            grant_reveal: false,
            submitted_by: "api:ci".into(),
            submitted_at: String::new(),
        }
    }

    fn with_current(store: &Store) -> Result<(), StoreError> {
        store.put_component("aa11", b"\0asm one")?;
        store.put_plugin(&PluginRow {
            wasm_sha256: "aa11".into(),
            ..plugin_row("p", "1.0.0")
        })
    }

    #[test]
    fn a_pending_upgrade_is_kept_replaced_by_a_newer_one_and_refused()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("pending_kept")? {
            println!("backend: {backend}");
            assert!(
                matches!(
                    store.put_pending(&pending("2.0.0", "bb22")),
                    Err(StoreError::NotFound { what: "plugin", .. })
                ),
                "{backend}: no current version"
            );
            with_current(&store)?;
            store.put_component("bb22", b"\0asm two")?;
            assert_eq!(store.put_pending(&pending("2.0.0", "bb22"))?, None);
            let kept = store.pending("p")?.ok_or("no pending upgrade")?;
            assert!(!kept.submitted_at.is_empty(), "{backend}");
            assert_eq!(
                kept,
                PendingUpgrade {
                    submitted_at: kept.submitted_at.clone(),
                    ..pending("2.0.0", "bb22")
                },
                "{backend}"
            );
            // A newer submission replaces it, says so, and its component goes.
            store.put_component("cc33", b"\0asm three")?;
            assert_eq!(
                store.put_pending(&pending("2.1.0", "cc33"))?.as_deref(),
                Some("2.0.0"),
                "{backend}"
            );
            assert_eq!(store.component("bb22")?, None, "{backend}");
            assert!(store.component("cc33")?.is_some(), "{backend}");
            let all: Vec<_> = store.pendings()?.into_iter().map(|p| p.version).collect();
            assert_eq!(all, ["2.1.0"], "{backend}");
            // Refusing another version than the one pending changes nothing.
            let err = store.remove_pending("p", Some("2.0.0")).err();
            assert!(
                matches!(&err, Some(e @ StoreError::Changed { .. }) if e.blame() == crate::Blame::Operator),
                "{backend}: {err:?}"
            );
            assert!(store.pending("p")?.is_some(), "{backend}");
            // Refusing drops it and its component; the current one stays.
            assert_eq!(store.remove_pending("p", None)?.version, "2.1.0");
            assert_eq!(store.pending("p")?, None, "{backend}");
            assert_eq!(store.component("cc33")?, None, "{backend}");
            assert!(store.component("aa11")?.is_some(), "{backend}");
            assert!(
                matches!(
                    store.remove_pending("p", None),
                    Err(StoreError::NotFound { .. })
                ),
                "{backend}"
            );
        }
        Ok(())
    }

    #[test]
    fn approving_adds_the_version_only_while_the_diffed_version_is_current()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("pending_approve")? {
            println!("backend: {backend}");
            with_current(&store)?;
            store.put_plugin(&plugin_row("p", "1.5.0"))?;
            store.set_current_plugin("p", "1.0.0")?;
            store.put_component("bb22", b"\0asm two")?;
            let p = pending("2.0.0", "bb22");
            store.put_pending(&p)?;
            let row = p.to_row("/x/p.wasm".into(), "{}".into());
            // Another version is current now: refused, nothing written.
            store.set_current_plugin("p", "1.5.0")?;
            let err = store
                .approve_pending(&row, p.origin.as_ref(), "1.0.0")
                .err();
            assert!(
                matches!(&err, Some(StoreError::Changed { detail, .. }) if detail.contains("now 1.5.0")),
                "{backend}: {err:?}"
            );
            assert_eq!(
                store.plugin("p")?.map(|r| r.version).as_deref(),
                Some("1.5.0")
            );
            assert!(store.pending("p")?.is_some(), "{backend}");
            // A version other than the one pending: refused.
            let other = PluginRow {
                version: "3.0.0".into(),
                ..row.clone()
            };
            assert!(
                matches!(
                    store.approve_pending(&other, None, "1.5.0"),
                    Err(StoreError::Changed { .. })
                ),
                "{backend}"
            );
            // The diff is recomputed against 1.5.0, then approved.
            store.rediff_pending("p", "2.0.0", "1.5.0", &["new: action x".into()])?;
            let rediffed = store.pending("p")?.ok_or("pending")?;
            assert_eq!(
                (rediffed.against.as_str(), rediffed.changes.as_slice()),
                ("1.5.0", &["new: action x".to_string()][..]),
                "{backend}"
            );
            store.approve_pending(&row, p.origin.as_ref(), "1.5.0")?;
            assert_eq!(
                store.plugin("p")?.map(|r| r.version).as_deref(),
                Some("2.0.0")
            );
            assert_eq!(store.pending("p")?, None, "{backend}");
            assert_eq!(store.plugin_origin("p", "2.0.0")?, p.origin, "{backend}");
            assert!(store.component("bb22")?.is_some(), "{backend}");
            assert!(
                matches!(
                    store.approve_pending(&row, None, "2.0.0"),
                    Err(StoreError::NotFound { .. })
                ),
                "{backend}: approved once"
            );
        }
        Ok(())
    }

    #[test]
    fn removing_a_plugin_drops_its_pending_upgrade_and_its_component()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("pending_removed")? {
            println!("backend: {backend}");
            with_current(&store)?;
            store.put_component("bb22", b"\0asm two")?;
            store.put_pending(&pending("2.0.0", "bb22"))?;
            store.remove_plugin("p")?;
            assert_eq!(store.pending("p")?, None, "{backend}");
            assert_eq!(store.component("bb22")?, None, "{backend}");
            assert_eq!(store.component("aa11")?, None, "{backend}");
        }
        Ok(())
    }
}
