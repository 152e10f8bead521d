//! Lazily opened host state shared by commands: home, store, master key,
//! runtime and HTTP client.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use plugboard_core::secrets::MasterKey;
use plugboard_core::store::Store;

use crate::home::Home;
use crate::instance::{HostOptions, build_context};
use crate::registry::load_plugin;
use crate::runtime::{ComponentCache, InstanceContext, LoadedPlugin, Runtime};

/// Host state for one command invocation.
pub struct App {
    home_arg: Option<PathBuf>,
    database: Option<super::DatabaseUrl>,
    home: OnceLock<Home>,
    store: OnceLock<Arc<Store>>,
    runtime: OnceLock<Runtime>,
    /// Host-wide options.
    pub options: HostOptions,
}

impl App {
    /// State rooted at `home` (or the default home).
    pub fn new(home: Option<PathBuf>) -> Self {
        App {
            home_arg: home,
            database: None,
            home: OnceLock::new(),
            store: OnceLock::new(),
            runtime: OnceLock::new(),
            options: HostOptions::default(),
        }
    }

    /// Keep the store in the PostgreSQL database at `url` instead of the
    /// home's SQLite file (the home still holds the master key, plugins and
    /// the component cache).
    pub fn with_database(mut self, url: Option<super::DatabaseUrl>) -> Self {
        self.database = url;
        self
    }

    /// The home directory, created if needed.
    pub fn home(&self) -> anyhow::Result<&Home> {
        if let Some(h) = self.home.get() {
            return Ok(h);
        }
        let h = Home::resolve(self.home_arg.clone())?;
        Ok(self.home.get_or_init(|| h))
    }

    /// The store (`--database`, else the home's SQLite file), opened and migrated.
    pub fn store(&self) -> anyhow::Result<&Arc<Store>> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let s = Arc::new(match &self.database {
            Some(url) => Store::connect(&url.0)?,
            None => Store::open(&self.home()?.database())?,
        });
        Ok(self.store.get_or_init(|| s))
    }

    /// The master key (created on first use).
    pub fn master_key(&self) -> anyhow::Result<MasterKey> {
        Ok(MasterKey::load_or_create(self.home()?.root())?)
    }

    /// The WebAssembly runtime with the home's component cache.
    pub fn runtime(&self) -> anyhow::Result<&Runtime> {
        if let Some(r) = self.runtime.get() {
            return Ok(r);
        }
        let r = Runtime::new(ComponentCache::at(self.home()?.cache_dir()))?;
        Ok(self.runtime.get_or_init(|| r))
    }

    /// Load an instance's plugin and build its running context.
    pub async fn open_instance(
        &self,
        id: &str,
    ) -> anyhow::Result<(LoadedPlugin, Arc<InstanceContext>)> {
        let store = self.store()?;
        let row = store
            .instance(id)?
            .ok_or_else(|| crate::instance::InstanceError::NotFound(id.to_string()))?;
        let (plugin, grant) = load_plugin(store, self.runtime()?, &row.plugin_id).await?;
        let key = self.master_key()?;
        let ctx = build_context(
            plugin.manifest().clone(),
            &row,
            store,
            &key,
            grant.reveal_secrets,
            &self.options,
        )?;
        Ok((plugin, ctx))
    }
}
