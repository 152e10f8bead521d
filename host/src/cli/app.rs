//! Lazily opened host state shared by commands: home, store, master key,
//! runtime and HTTP client.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use plugboard_core::secrets::MasterKey;
use plugboard_core::store::Store;

use crate::home::{Home, OpenHome};
use crate::instance::{HostOptions, build_context};
use crate::registry::load_plugin;
use crate::runtime::{ComponentCache, InstanceContext, LoadedPlugin, Runtime};

/// Host state for one command invocation.
pub struct App {
    home_arg: Option<PathBuf>,
    database: Option<super::DatabaseUrl>,
    open_home: OpenHome,
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
            open_home: OpenHome::Refuse,
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

    /// Use a home that group or others can access (`--allow-open-home`)
    /// instead of refusing it.
    pub fn allow_open_home(mut self, open: OpenHome) -> Self {
        self.open_home = open;
        self
    }

    /// The home directory, created if needed.
    pub fn home(&self) -> anyhow::Result<&Home> {
        if let Some(h) = self.home.get() {
            return Ok(h);
        }
        let h = Home::resolve_with(self.home_arg.clone(), self.open_home)?;
        Ok(self.home.get_or_init(|| h))
    }

    /// The store (`--database`, else the home's SQLite file, its files made
    /// private first), opened and migrated.
    pub fn store(&self) -> anyhow::Result<&Arc<Store>> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let s = Arc::new(match &self.database {
            Some(url) => Store::connect(&url.0)?,
            None => Store::open(&self.home()?.private_database()?)?,
        });
        Ok(self.store.get_or_init(|| s))
    }

    /// The master key (created on first use).
    pub fn master_key(&self) -> anyhow::Result<MasterKey> {
        Ok(MasterKey::load_or_create(self.home()?.root())?)
    }

    /// The WebAssembly runtime with the home's component cache, its
    /// artefacts authenticated with a sub-key of the master key.
    pub fn runtime(&self) -> anyhow::Result<&Runtime> {
        if let Some(r) = self.runtime.get() {
            return Ok(r);
        }
        let cache = ComponentCache::at(self.home()?.cache_dir()).with_key(&self.master_key()?);
        let r = Runtime::new(cache)?;
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
        super::cluster::refuse_if_cluster_runs(store, &row)?;
        let (plugin, grant) =
            load_plugin(self.home()?, store, self.runtime()?, &row.plugin_id).await?;
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
