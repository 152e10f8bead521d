//! Plugins, every version ever added and which version is current: the interface.

use super::StoreError;
use crate::model::PluginInfo;

/// One stored plugin version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PluginRow {
    /// Plugin id (from its manifest).
    pub id: String,
    /// Plugin version.
    pub version: String,
    /// The WIT contract version it targets.
    pub contract: String,
    /// The `plugin.toml` text as added.
    pub manifest: String,
    /// SHA-256 of the `.wasm`, hex.
    pub wasm_sha256: String,
    /// Where the host keeps the `.wasm`.
    pub wasm_path: String,
    /// The operator's grant, JSON.
    pub grant_json: String,
    /// The plugin's `describe()` output ([`PluginInfo`]), JSON.
    pub info_json: String,
    /// When this version was added, RFC 3339. Set by the store; ignored by
    /// [`PluginStore::put_plugin`].
    pub added_at: String,
}

impl PluginRow {
    /// Decode [`PluginRow::info_json`].
    pub fn info(&self) -> Result<PluginInfo, serde_json::Error> {
        serde_json::from_str(&self.info_json)
    }
}

/// The refusal of a version that was added before.
pub(crate) fn already_added(row: &PluginRow) -> StoreError {
    StoreError::AlreadyExists {
        what: "plugin version",
        id: format!("{} {}", row.id, row.version),
    }
}

pub trait PluginStore {
    /// Add a plugin version and make it the current version of its id. An
    /// added version is never replaced: `AlreadyExists` when `id` already
    /// has `version`, and nothing changes (the insert itself refuses a
    /// duplicate, so two writers racing cannot replace one either).
    fn put_plugin(&self, row: &PluginRow) -> Result<(), StoreError>;

    /// The current version of plugin `id`.
    fn plugin(&self, id: &str) -> Result<Option<PluginRow>, StoreError>;

    /// The current version of every plugin, by id.
    fn plugins(&self) -> Result<Vec<PluginRow>, StoreError>;

    /// Every stored version of plugin `id`, oldest first.
    fn plugin_versions(&self, id: &str) -> Result<Vec<PluginRow>, StoreError>;

    /// Make stored `version` of plugin `id` current again (a rollback);
    /// `NotFound` when that version was never added.
    fn set_current_plugin(&self, id: &str, version: &str) -> Result<(), StoreError>;

    /// Remove every version of plugin `id`, and the components no version
    /// uses any more. Refused while instances use it; `NotFound` when there
    /// is no such plugin.
    fn remove_plugin(&self, id: &str) -> Result<(), StoreError>;

    /// Keep a component's bytes under their SHA-256 (`sha256`, lowercase
    /// hex, computed by the caller from `bytes`), so every node of a cluster
    /// can load a plugin added through any of them. Keeping the same
    /// component again does nothing.
    fn put_component(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError>;

    /// The bytes kept under `sha256`, if any. The caller checks that they
    /// hash to it before using them.
    fn component(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;
}

#[cfg(test)]
mod tests {
    use crate::store::fixtures::{plugin_row, stores};
    use crate::store::{PluginRow, StoreError};

    #[test]
    fn a_rollback_makes_an_older_version_current() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("a_rollback_makes_an_older_version_current")? {
            println!("backend: {backend}");
            store.put_plugin(&plugin_row("p", "1.0.0"))?;
            store.put_plugin(&plugin_row("p", "2.0.0"))?;
            assert_eq!(store.plugin("p")?.map(|r| r.version), Some("2.0.0".into()));
            let versions: Vec<_> = store
                .plugin_versions("p")?
                .into_iter()
                .map(|r| r.version)
                .collect();
            assert_eq!(versions, ["1.0.0", "2.0.0"], "{backend}");
            store.set_current_plugin("p", "1.0.0")?;
            assert_eq!(store.plugin("p")?.map(|r| r.version), Some("1.0.0".into()));
            assert!(
                matches!(
                    store.set_current_plugin("p", "3.0.0"),
                    Err(StoreError::NotFound { .. })
                ),
                "{backend}"
            );
        }
        Ok(())
    }

    #[test]
    fn components_are_kept_once_by_digest_and_go_with_the_last_version_using_them()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("components_kept")? {
            println!("backend: {backend}");
            assert_eq!(store.component("aa11")?, None, "{backend}");
            store.put_component("aa11", b"\0asm one")?;
            store.put_component("aa11", b"\0asm one")?; // again: nothing changes
            store.put_component("bb22", b"\0asm two")?;
            assert_eq!(
                store.component("aa11")?.as_deref(),
                Some(&b"\0asm one"[..]),
                "{backend}"
            );
            for (id, sha) in [("p", "aa11"), ("q", "aa11"), ("q", "bb22")] {
                let version = if sha == "aa11" { "1.0.0" } else { "2.0.0" };
                store.put_plugin(&PluginRow {
                    wasm_sha256: sha.into(),
                    ..plugin_row(id, version)
                })?;
            }
            // q's versions go; aa11 is still p's, bb22 is nobody's.
            store.remove_plugin("q")?;
            assert!(
                store.component("aa11")?.is_some(),
                "{backend}: still used by p"
            );
            assert_eq!(store.component("bb22")?, None, "{backend}: used by none");
            store.remove_plugin("p")?;
            assert_eq!(store.component("aa11")?, None, "{backend}");
        }
        Ok(())
    }

    #[test]
    fn an_added_version_is_never_replaced() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("an_added_version_is_never_replaced")? {
            println!("backend: {backend}");
            let approved = PluginRow {
                wasm_sha256: "aa11".into(),
                manifest: "approved".into(),
                ..plugin_row("p", "1.0.0")
            };
            store.put_plugin(&approved)?;
            store.put_plugin(&plugin_row("p", "2.0.0"))?;
            let other = PluginRow {
                wasm_sha256: "bb22".into(),
                manifest: "other".into(),
                ..plugin_row("p", "1.0.0")
            };
            let err = store.put_plugin(&other).err();
            assert!(
                matches!(&err, Some(e @ StoreError::AlreadyExists { what: "plugin version", id }) if id == "p 1.0.0" && e.blame() == crate::Blame::Operator),
                "{backend}: {err:?}"
            );
            let stored = store.plugin_versions("p")?;
            assert_eq!(stored.len(), 2, "{backend}");
            assert_eq!(
                (stored[0].wasm_sha256.as_str(), stored[0].manifest.as_str()),
                ("aa11", "approved"),
                "{backend}"
            );
            assert_eq!(
                store.plugin("p")?.map(|r| r.version).as_deref(),
                Some("2.0.0"),
                "{backend}: a refused add does not change the current version"
            );
        }
        Ok(())
    }
}
