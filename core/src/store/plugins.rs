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
    /// When this version was first added, RFC 3339. Set by the store; ignored
    /// by [`PluginStore::put_plugin`].
    pub added_at: String,
}

impl PluginRow {
    /// Decode [`PluginRow::info_json`].
    pub fn info(&self) -> Result<PluginInfo, serde_json::Error> {
        serde_json::from_str(&self.info_json)
    }
}

/// Plugins.
pub trait PluginStore {
    /// Add or replace a plugin version and make it the current version of its
    /// id. Re-adding an existing version updates it and keeps its `added_at`.
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

    /// Remove every version of plugin `id`. Refused while instances use it;
    /// `NotFound` when there is no such plugin.
    fn remove_plugin(&self, id: &str) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use crate::store::StoreError;
    use crate::store::fixtures::{plugin_row, stores};

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
}
