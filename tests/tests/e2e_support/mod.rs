//! `TestHost`: a real Plugboard host (store, runtime, capabilities) in a
//! temporary home, wired to a simulator through operator upstream routes.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the harness"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use plugboard_core::secrets::SecretValue;
use plugboard_host::cli::App;
use plugboard_host::instance::{NewInstance, create_instance};
use plugboard_host::manifest::Manifest;
use plugboard_host::registry::{Grant, PluginSource, add_plugin};
use plugboard_host::runtime::{InstanceContext, LoadedPlugin};
use plugboard_host::scan::{NoProgress, ScanReport, run_scan};
use plugboard_sim::zoom::ZoomSim;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The built Zoom component. The test command builds plugins first (see README).
pub fn zoom_wasm() -> Vec<u8> {
    let dir = std::env::var_os("PLUGBOARD_PLUGIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/wasm32-wasip2/release"));
    let path = dir.join("plugboard_zoom.wasm");
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; build the plugins first: cargo build --release --target wasm32-wasip2 -p plugboard-zoom",
            path.display()
        )
    })
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
    pub app: App,
}

impl TestHost {
    /// A fresh host with the Zoom plugin added.
    pub async fn with_zoom() -> TestHost {
        Self::with_zoom_manifest(&zoom_manifest()).await
    }

    /// A fresh host with the Zoom component under `manifest`.
    pub async fn with_zoom_manifest(manifest: &str) -> TestHost {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let app = App::new(Some(dir.path().to_path_buf()));
        let source =
            PluginSource::from_parts(manifest, zoom_wasm()).unwrap_or_else(|e| panic!("{e}"));
        let grant = Grant::all_requested(&source.manifest, "test");
        add_plugin(
            app.home().unwrap_or_else(|e| panic!("{e}")),
            app.store().unwrap_or_else(|e| panic!("{e}")),
            app.runtime().unwrap_or_else(|e| panic!("{e}")),
            source,
            &grant,
        )
        .await
        .unwrap_or_else(|e| panic!("adding the zoom plugin: {e}"));
        TestHost { dir, app }
    }

    /// Create a Zoom instance pointed at `sim` with `plan`.
    pub fn add_zoom_instance(&self, name: &str, sim: &ZoomSim, plan: &str) {
        let creds = sim.credentials();
        let store = self.app.store().unwrap_or_else(|e| panic!("{e}"));
        let row = store
            .plugin("zoom")
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("zoom plugin row"));
        let manifest = Manifest::parse(&row.manifest).unwrap_or_else(|e| panic!("{e}"));
        let new = NewInstance {
            id: name.into(),
            plugin: "zoom".into(),
            config: BTreeMap::from([
                ("account_id".into(), creds.account_id.clone()),
                ("plan".into(), plan.into()),
            ]),
            secrets: BTreeMap::from([
                (
                    "client_id".into(),
                    SecretValue::new(creds.client_id.clone()),
                ),
                (
                    "client_secret".into(),
                    SecretValue::new(creds.client_secret.clone()),
                ),
            ]),
            upstreams: BTreeMap::from([
                ("https://api.zoom.us".into(), sim.base_url()),
                ("https://zoom.us".into(), sim.base_url()),
            ]),
        };
        let key = self.app.master_key().unwrap_or_else(|e| panic!("{e}"));
        create_instance(store, &key, &manifest, &new)
            .unwrap_or_else(|e| panic!("creating {name}: {e}"));
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
