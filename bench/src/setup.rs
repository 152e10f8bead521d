//! Finding the components, loading them, and building instance contexts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use plugboard_core::secrets::SecretValue;
use plugboard_host::capabilities::http::HttpCapability;
use plugboard_host::capabilities::network::{Upstreams, plugin_client};
use plugboard_host::capabilities::ratelimit::RateBuckets;
use plugboard_host::capabilities::secrets::SecretBag;
use plugboard_host::limits::DEFAULT_CALL_DEADLINE;
use plugboard_host::manifest::Manifest;
use plugboard_host::runtime::{InstanceContext, LoadedPlugin, Runtime};

/// The repository root (this crate lives in `bench/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where the built components are: `PLUGBOARD_PLUGIN_DIR`, else
/// `$CARGO_TARGET_DIR/wasm32-wasip2/release`, else the checkout's
/// `target/wasm32-wasip2/release`.
pub fn default_wasm_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PLUGBOARD_PLUGIN_DIR") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    target.join("wasm32-wasip2/release")
}

/// A plugin's manifest and component bytes, read from the checkout.
pub struct PluginFiles {
    /// `plugin.toml` text.
    pub manifest_text: String,
    /// Parsed manifest.
    pub manifest: Manifest,
    /// The component.
    pub wasm: Vec<u8>,
}

impl PluginFiles {
    /// The plugin whose manifest is `manifest` and component `wasm`.
    pub fn read(manifest: &Path, wasm: &Path) -> anyhow::Result<PluginFiles> {
        let manifest_text = std::fs::read_to_string(manifest)
            .with_context(|| format!("reading {}", manifest.display()))?;
        let parsed = Manifest::parse(&manifest_text)
            .with_context(|| format!("parsing {}", manifest.display()))?;
        let wasm = std::fs::read(wasm).with_context(|| {
            format!(
                "reading {}; build the components first: scripts/build-plugins.sh (or pass --wasm-dir)",
                wasm.display()
            )
        })?;
        Ok(PluginFiles {
            manifest_text,
            manifest: parsed,
            wasm,
        })
    }

    /// The Zoom plugin.
    pub fn zoom(wasm_dir: &Path) -> anyhow::Result<PluginFiles> {
        Self::read(
            &repo_root().join("plugins/zoom/plugin.toml"),
            &wasm_dir.join("plugboard_zoom.wasm"),
        )
    }

    /// The probe fixture (`tests/fixtures/probe`).
    pub fn probe(wasm_dir: &Path) -> anyhow::Result<PluginFiles> {
        Self::read(
            &repo_root().join("tests/fixtures/probe/plugin.toml"),
            &wasm_dir.join("plugboard_probe.wasm"),
        )
    }

    /// Compile (or load from the runtime's cache) and link.
    pub async fn load(&self, runtime: &Runtime) -> anyhow::Result<LoadedPlugin> {
        runtime
            .load(self.manifest.clone(), self.wasm.clone())
            .await
            .with_context(|| format!("loading plugin {}", self.manifest.id))
    }
}

/// A context with nothing configured: enough for `describe` and the probe.
pub fn inert_context(plugin: &LoadedPlugin) -> Arc<InstanceContext> {
    Arc::new(InstanceContext::inert(
        plugin.manifest().clone(),
        DEFAULT_CALL_DEADLINE,
    ))
}

/// A Zoom instance context routed to `base_url` with **no rate buckets**, so
/// a throughput run measures the host and the plugin, not the pacing.
pub fn unpaced_zoom_context(
    plugin: &LoadedPlugin,
    base_url: &str,
) -> anyhow::Result<Arc<InstanceContext>> {
    unpaced_context(
        plugin,
        &["https://api.zoom.us", "https://zoom.us"],
        base_url,
        &[("account_id", "bench-account"), ("plan", "business")],
        &[
            ("client_id", "bench-client"),
            ("client_secret", "bench-secret"),
        ],
    )
}

/// An instance context of `plugin` with `config` and `secrets`, every origin
/// of `origins` routed to `base_url`, and **no rate buckets**.
pub fn unpaced_context(
    plugin: &LoadedPlugin,
    origins: &[&str],
    base_url: &str,
    config: &[(&str, &str)],
    secrets: &[(&str, &str)],
) -> anyhow::Result<Arc<InstanceContext>> {
    let config: BTreeMap<String, String> = config
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    // Per-instance auth profiles and URLs, as the host renders them.
    let manifest = plugin.manifest().for_instance(&config)?;
    let config = Arc::new(config);
    let secrets = Arc::new(SecretBag::new(
        secrets
            .iter()
            .map(|(k, v)| (k.to_string(), SecretValue::new(v.to_string())))
            .collect(),
        false,
    ));
    let upstreams = Upstreams::parse(
        &origins
            .iter()
            .map(|o| (o.to_string(), base_url.to_string()))
            .collect(),
    )?;
    let client = plugin_client(&upstreams).map_err(anyhow::Error::msg)?;
    let http = HttpCapability::new(
        client,
        Arc::new(manifest.http_sections()),
        config.clone(),
        secrets.clone(),
        upstreams,
        RateBuckets::default(),
    );
    Ok(Arc::new(InstanceContext {
        instance_id: "bench".into(),
        plugin_id: manifest.id.clone(),
        config,
        secrets,
        http,
        call_deadline: DEFAULT_CALL_DEADLINE,
        caps: Default::default(),
    }))
}
