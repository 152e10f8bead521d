//! The daemon's loaded plugins: the current version of each plugin id,
//! reloaded when the store says another version became current (an upgrade
//! through the API or CLI, or a rollback). Callers hold an `Arc` for as long
//! as they use a version, so a switch drains: work in flight finishes on the
//! version it started with, new work gets the new one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use plugboard_core::store::Store;

use crate::home::Home;
use crate::registry::{Grant, RegistryError, load_plugin};
use crate::runtime::{LoadedPlugin, Runtime};

/// One loaded plugin version with its grant.
pub struct CurrentPlugin {
    pub version: String,
    /// The component, limited to its grant.
    pub plugin: LoadedPlugin,
    /// What the operator approved.
    pub grant: Grant,
}

/// Loaded plugins by id.
#[derive(Default)]
pub struct PluginSet {
    loaded: Mutex<HashMap<String, Arc<CurrentPlugin>>>,
}

impl PluginSet {
    /// Drop the loaded copy of plugin `id` (after it was removed).
    pub fn forget(&self, id: &str) {
        if let Ok(mut map) = self.loaded.lock() {
            map.remove(id);
        }
    }

    /// The current version of plugin `id`, loading it if the store's current
    /// version is not the one already loaded.
    pub async fn current(
        &self,
        home: &Home,
        store: &Store,
        runtime: &Runtime,
        id: &str,
    ) -> Result<Arc<CurrentPlugin>, RegistryError> {
        let version = store
            .plugin(id)?
            .ok_or_else(|| RegistryError::NotAdded(id.to_string()))?
            .version;
        if let Some(p) = self.cached(id)
            && p.version == version
        {
            return Ok(p);
        }
        let (plugin, grant) = load_plugin(home, store, runtime, id).await?;
        let p = Arc::new(CurrentPlugin {
            version: plugin.manifest().version.clone(),
            plugin,
            grant,
        });
        if let Ok(mut map) = self.loaded.lock() {
            map.insert(id.to_string(), p.clone());
        }
        Ok(p)
    }

    fn cached(&self, id: &str) -> Option<Arc<CurrentPlugin>> {
        self.loaded.lock().ok()?.get(id).cloned()
    }
}
