//! The composition root: how a plugboard process assembles its home, store,
//! master key and WebAssembly runtime. The CLI, the daemon (`plugboard
//! serve` starts it from a `Host`), the bench and the end-to-end tests all
//! build through here, so one place decides, e.g., that the component cache
//! lives in the home and its artefacts are authenticated with a sub-key of
//! the master key. Its one error type, [`HostError`], says who is to blame
//! for every failure, by an exhaustive match.

pub(crate) mod outside;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use plugboard_core::Blame;
use plugboard_core::secrets::{MasterKey, SecretError};
use plugboard_core::store::{Store, StoreError};

pub use outside::{ClusterRuns, RUNNING_WITHIN, now_ms, refuse_if_cluster_runs};

use crate::home::{Home, HomeError, OpenHome};
use crate::instance::{HostOptions, InstanceError, build_context};
use crate::registry::{RegistryError, load_plugin};
use crate::runtime::{ComponentCache, InstanceContext, LoadedPlugin, Runtime, RuntimeError};

/// Why the host could not open a part or an instance.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The home directory.
    #[error(transparent)]
    Home(#[from] HomeError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The master key.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The engine.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// The instance's settings, secrets or context.
    #[error(transparent)]
    Instance(#[from] InstanceError),
    /// The instance's plugin.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A cluster's node runs the instance.
    #[error(transparent)]
    ClusterRuns(#[from] ClusterRuns),
}

impl HostError {
    /// Who must act: the blame of the part that failed.
    pub fn blame(&self) -> Blame {
        match self {
            HostError::Home(e) => e.blame(),
            HostError::Store(e) => e.blame(),
            HostError::Secret(e) => e.blame(),
            HostError::Runtime(e) => e.blame(),
            HostError::Instance(e) => e.blame(),
            HostError::Registry(e) => e.blame(),
            HostError::ClusterRuns(e) => e.blame(),
        }
    }
}

/// A plugboard process's host state, opened part by part on first use (a
/// command that needs only the store never loads the engine; `doctor`
/// builds its own read-only view and opens nothing here).
pub struct Host {
    home_arg: Option<PathBuf>,
    database: Option<String>,
    open_home: OpenHome,
    home: OnceLock<Home>,
    store: OnceLock<Arc<Store>>,
    runtime: OnceLock<Runtime>,
    /// Host-wide options.
    pub options: HostOptions,
}

impl Host {
    /// State rooted at `home` (or the default home).
    pub fn new(home: Option<PathBuf>) -> Self {
        Host {
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
    pub fn with_database(mut self, url: Option<String>) -> Self {
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
    pub fn home(&self) -> Result<&Home, HostError> {
        if let Some(h) = self.home.get() {
            return Ok(h);
        }
        let h = Home::resolve_with(self.home_arg.clone(), self.open_home)?;
        Ok(self.home.get_or_init(|| h))
    }

    /// The store (`--database`, else the home's SQLite file, its files made
    /// private first), opened and migrated.
    pub fn store(&self) -> Result<&Arc<Store>, HostError> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let s = Arc::new(match &self.database {
            Some(url) => Store::connect(url)?,
            None => Store::open(&self.home()?.private_database()?)?,
        });
        Ok(self.store.get_or_init(|| s))
    }

    /// The master key (created on first use).
    pub fn master_key(&self) -> Result<MasterKey, HostError> {
        Ok(MasterKey::load_or_create(self.home()?.root())?)
    }

    /// The WebAssembly runtime with the home's component cache, its
    /// artefacts authenticated with a sub-key of the master key.
    pub fn runtime(&self) -> Result<&Runtime, HostError> {
        if let Some(r) = self.runtime.get() {
            return Ok(r);
        }
        let cache = ComponentCache::at(self.home()?.cache_dir()).with_key(&self.master_key()?);
        let r = Runtime::with_memory_cap(cache, Runtime::memory_cap_from_env()?)?;
        Ok(self.runtime.get_or_init(|| r))
    }

    /// Load an instance's plugin and build its running context.
    pub async fn open_instance(
        &self,
        id: &str,
    ) -> Result<(LoadedPlugin, Arc<InstanceContext>), HostError> {
        let store = self.store()?;
        let row = store
            .instance(id)?
            .ok_or_else(|| crate::instance::InstanceError::NotFound(id.to_string()))?;
        refuse_if_cluster_runs(store, &row)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_created_until_a_part_is_asked_for() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let root = dir.path().join("home");
        let host = Host::new(Some(root.clone()));
        assert!(!root.exists(), "a Host made the home before it was asked");
        let home = host.home()?;
        assert!(root.is_dir());
        assert!(!home.database().exists(), "home() opened the store");
        host.store()?;
        assert!(home.database().exists());
        Ok(())
    }

    #[test]
    fn a_failure_keeps_the_blame_of_the_part_that_failed() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("not-a-directory");
        std::fs::write(&file, "x")?;
        let err = Host::new(Some(file))
            .home()
            .err()
            .ok_or("a file was accepted as a home")?;
        let HostError::Home(inner) = &err else {
            return Err(format!("not a home error: {err}").into());
        };
        assert_eq!(err.blame(), inner.blame());
        Ok(())
    }
}
