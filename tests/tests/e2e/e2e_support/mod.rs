//! `TestHost`: a real Plugboard host (store, runtime, capabilities) in a
//! temporary home, wired to a simulator through operator upstream routes.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use plugboard_core::Blame;
use plugboard_core::model::PluginInfo;
use plugboard_core::secrets::SecretValue;
use plugboard_core::store::InstanceCounts;
use plugboard_host::host::Host;
use plugboard_host::instance::{InstanceError, NewInstance, create_instance};
use plugboard_host::manifest::Manifest;
use plugboard_host::registry::{Grant, PluginSource, RegistryError, add_plugin};
use plugboard_host::runtime::{InstanceContext, LoadedPlugin};
use plugboard_host::scan::{NoProgress, ScanReport, run_scan};
use plugboard_sim::azure::AzureSim;
use plugboard_sim::github::GithubSim;
use plugboard_sim::zoom::ZoomSim;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Directories searched for built components, first match wins:
/// `PLUGBOARD_PLUGIN_DIR`, then `$CARGO_TARGET_DIR/wasm32-wasip2/release`,
/// then the repository's `target/wasm32-wasip2/release`.
pub fn plugin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("PLUGBOARD_PLUGIN_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(d).join("wasm32-wasip2/release"));
    }
    dirs.push(repo_root().join("target/wasm32-wasip2/release"));
    dirs
}

/// The built component `file` (e.g. `plugboard_zoom.wasm`) of `package`. The
/// test command builds plugins and fixtures first (`scripts/build-plugins.sh`).
pub fn plugin_wasm(file: &str, package: &str) -> Vec<u8> {
    let dirs = plugin_dirs();
    for dir in &dirs {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            return bytes;
        }
    }
    panic!(
        "{file} is in none of {dirs:?}; build it first: cargo build --release --target wasm32-wasip2 -p {package}"
    )
}

/// The built Zoom component.
pub fn zoom_wasm() -> Vec<u8> {
    plugin_wasm("plugboard_zoom.wasm", "plugboard-zoom")
}

/// The built hostile fixture component (`tests/fixtures/hostile`).
pub fn hostile_wasm() -> Vec<u8> {
    plugin_wasm(
        "plugboard_hostile_fixture.wasm",
        "plugboard-hostile-fixture",
    )
}

/// The hostile fixture's manifest text.
pub fn hostile_manifest() -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/hostile/plugin.toml"))
        .unwrap_or_else(|e| panic!("tests/fixtures/hostile/plugin.toml: {e}"))
}

/// The built Azure component.
pub fn azure_wasm() -> Vec<u8> {
    plugin_wasm("plugboard_azure.wasm", "plugboard-azure")
}

/// The Azure manifest text.
pub fn azure_manifest() -> String {
    std::fs::read_to_string(repo_root().join("plugins/azure/plugin.toml"))
        .unwrap_or_else(|e| panic!("plugins/azure/plugin.toml: {e}"))
}

/// The built GitHub component.
pub fn github_wasm() -> Vec<u8> {
    plugin_wasm("plugboard_github.wasm", "plugboard-github")
}

/// The GitHub manifest text.
pub fn github_manifest() -> String {
    std::fs::read_to_string(repo_root().join("plugins/github/plugin.toml"))
        .unwrap_or_else(|e| panic!("plugins/github/plugin.toml: {e}"))
}

/// The Zoom manifest text.
pub fn zoom_manifest() -> String {
    std::fs::read_to_string(repo_root().join("plugins/zoom/plugin.toml"))
        .unwrap_or_else(|e| panic!("plugin.toml: {e}"))
}

/// A host in a temporary home.
pub struct TestHost {
    /// Keeps the home alive.
    pub dir: tempfile::TempDir,
    /// Host state.
    pub app: Host,
}

/// What a test gives to create an instance of any plugin.
#[derive(Debug, Default)]
pub struct InstanceSpec {
    /// Instance name.
    pub name: String,
    /// Plugin id.
    pub plugin: String,
    /// Settings.
    pub config: BTreeMap<String, String>,
    /// Secrets (plain text here; sealed by the host).
    pub secrets: BTreeMap<String, String>,
    /// Origin -> base URL routes.
    pub upstreams: BTreeMap<String, String>,
}

impl InstanceSpec {
    /// An instance `name` of plugin `plugin` with nothing set.
    pub fn new(name: &str, plugin: &str) -> Self {
        InstanceSpec {
            name: name.into(),
            plugin: plugin.into(),
            ..Default::default()
        }
    }

    /// Set `key` = `value`.
    pub fn config(mut self, key: &str, value: &str) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }

    /// Set secret `name` = `value`.
    pub fn secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.insert(name.into(), value.into());
        self
    }

    /// Route origin `from` to base URL `to`.
    pub fn upstream(mut self, from: &str, to: &str) -> Self {
        self.upstreams.insert(from.into(), to.into());
        self
    }
}

impl TestHost {
    /// A fresh host in a temporary home, with no plugin.
    pub fn empty() -> TestHost {
        // Private (0700), as the host requires of an existing home.
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let app = Host::new(Some(dir.path().to_path_buf()));
        TestHost { dir, app }
    }

    /// A fresh host with the plugin `wasm` under `manifest` added, granted
    /// everything it asks for except `secrets.reveal`.
    pub async fn with_plugin(manifest: &str, wasm: Vec<u8>) -> TestHost {
        let host = Self::empty();
        host.add_plugin(manifest, wasm)
            .await
            .unwrap_or_else(|e| panic!("adding the plugin: {e}"));
        host
    }

    /// Add the plugin `wasm` under `manifest`, granted everything it asks
    /// for except `secrets.reveal`.
    pub async fn add_plugin(
        &self,
        manifest: &str,
        wasm: Vec<u8>,
    ) -> Result<PluginInfo, RegistryError> {
        self.add_plugin_granted(manifest, wasm, |_| {}).await
    }

    /// Add the plugin `wasm` under `manifest` with the full grant edited by `edit`.
    pub async fn add_plugin_granted(
        &self,
        manifest: &str,
        wasm: Vec<u8>,
        edit: impl FnOnce(&mut Grant),
    ) -> Result<PluginInfo, RegistryError> {
        let source = PluginSource::from_parts(manifest, wasm)?;
        let mut grant = Grant::all_requested(&source.manifest, "test");
        edit(&mut grant);
        add_plugin(
            self.app.home().unwrap_or_else(|e| panic!("{e}")),
            self.app.store().unwrap_or_else(|e| panic!("{e}")),
            self.app.runtime().unwrap_or_else(|e| panic!("{e}")),
            source,
            &grant,
        )
        .await
        .map(|(_, info)| info)
    }

    /// A fresh host with the Zoom plugin added.
    pub async fn with_zoom() -> TestHost {
        Self::with_zoom_manifest(&zoom_manifest()).await
    }

    /// A fresh host with the Zoom component under `manifest`.
    pub async fn with_zoom_manifest(manifest: &str) -> TestHost {
        let host = Self::empty();
        host.add_plugin(manifest, zoom_wasm())
            .await
            .unwrap_or_else(|e| panic!("adding the zoom plugin: {e}"));
        host
    }

    /// A fresh host with the Azure plugin added.
    pub async fn with_azure() -> TestHost {
        Self::with_plugin(&azure_manifest(), azure_wasm()).await
    }

    /// A fresh host with the GitHub plugin added.
    pub async fn with_github() -> TestHost {
        Self::with_plugin(&github_manifest(), github_wasm()).await
    }

    /// Create a GitHub instance pointed at `sim`, authenticating as the
    /// simulator's app (`auth = "github-app"`) or with its fine-grained token
    /// (`auth = "token"`).
    pub fn add_github_instance(&self, name: &str, sim: &GithubSim, auth: &str) {
        let c = sim.credentials();
        let spec = InstanceSpec::new(name, "github")
            .config("auth", auth)
            .config("org", &c.org)
            .upstream("https://api.github.com", &sim.base_url());
        let spec = match auth {
            "token" => spec.secret("token", &c.token),
            _ => spec
                .config("app_id", &c.client_id)
                .config("installation_id", &c.installation_id)
                .secret("app_private_key", &c.private_key_pem),
        };
        self.add_instance(&spec);
    }

    /// The stored manifest of plugin `id`.
    pub fn manifest(&self, id: &str) -> Manifest {
        let store = self.app.store().unwrap_or_else(|e| panic!("{e}"));
        let row = store
            .plugin(id)
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("no {id} plugin row"));
        Manifest::parse(&row.manifest).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Create an instance as `spec` says; the host's refusal comes back as is.
    pub fn try_add_instance(&self, spec: &InstanceSpec) -> Result<(), InstanceError> {
        let store = self.app.store().unwrap_or_else(|e| panic!("{e}"));
        let manifest = self.manifest(&spec.plugin);
        let new = NewInstance {
            id: spec.name.clone(),
            plugin: spec.plugin.clone(),
            config: spec.config.clone(),
            secrets: spec
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), SecretValue::new(v.clone())))
                .collect(),
            upstreams: spec.upstreams.clone(),
        };
        let key = self.app.master_key().unwrap_or_else(|e| panic!("{e}"));
        create_instance(store, &key, &manifest, &new)
    }

    /// Create an instance as `spec` says.
    pub fn add_instance(&self, spec: &InstanceSpec) {
        self.try_add_instance(spec)
            .unwrap_or_else(|e| panic!("creating {}: {e}", spec.name));
    }

    /// Create a Zoom instance pointed at `sim` with `plan`.
    pub fn add_zoom_instance(&self, name: &str, sim: &ZoomSim, plan: &str) {
        let creds = sim.credentials();
        self.add_instance(
            &InstanceSpec::new(name, "zoom")
                .config("account_id", &creds.account_id)
                .config("plan", plan)
                .secret("client_id", &creds.client_id)
                .secret("client_secret", &creds.client_secret)
                .upstream("https://api.zoom.us", &sim.base_url())
                .upstream("https://zoom.us", &sim.base_url()),
        );
    }

    /// Create an Azure instance pointed at `sim` (login, ARM and Graph).
    pub fn add_azure_instance(&self, name: &str, sim: &AzureSim) {
        let c = sim.credentials();
        let base = sim.base_url();
        self.add_instance(
            &InstanceSpec::new(name, "azure")
                .config("tenant_id", &c.tenant_id)
                .secret("client_id", &c.client_id)
                .secret("client_secret", &c.client_secret)
                .upstream("https://login.microsoftonline.com", &base)
                .upstream("https://management.azure.com", &base)
                .upstream("https://graph.microsoft.com", &base),
        );
    }

    /// What instance `name` holds.
    pub fn counts(&self, name: &str) -> InstanceCounts {
        self.app
            .store()
            .unwrap_or_else(|e| panic!("{e}"))
            .counts(Some(name))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Open an instance (plugin + context).
    pub async fn open(&self, name: &str) -> (LoadedPlugin, Arc<InstanceContext>) {
        self.app
            .open_instance(name)
            .await
            .unwrap_or_else(|e| panic!("opening {name}: {e:#}"))
    }

    /// Scan an instance to the end.
    pub async fn scan(&self, name: &str) -> ScanReport {
        let (plugin, ctx) = self.open(name).await;
        let store = self.app.store().unwrap_or_else(|e| panic!("{e}"));
        run_scan(&plugin, &ctx, store, &NoProgress)
            .await
            .unwrap_or_else(|e| panic!("scan of {name}: {e}"))
    }
}

/// `check` of an opened instance must fail, blamed on `blame`; returns the
/// error's text. `when` says what was arranged, for the failure message.
pub async fn failed_check(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    blame: Blame,
    when: &str,
) -> String {
    let err = plugin
        .check(ctx)
        .await
        .err()
        .unwrap_or_else(|| panic!("a check succeeded {when}"));
    assert_eq!(err.blame(), blame, "{when}: {err}");
    err.to_string()
}
