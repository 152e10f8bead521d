//! What lives in a store: per-instance capabilities (shared across calls) and
//! per-call WASI state and limits.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::limits::{
    MAX_INSTANCES, MAX_MEMORIES, MAX_MEMORY_BYTES, MAX_TABLE_ELEMENTS, MAX_TABLES,
};
use crate::capabilities::http::HttpCapability;
use crate::capabilities::secrets::SecretBag;

/// Bytes of guest stderr kept to explain a trap (a Rust panic message).
const STDERR_CAPTURE: usize = 16 << 10;

/// One connector instance's capabilities, shared by all its calls.
#[derive(Debug)]
pub struct InstanceContext {
    /// Instance id.
    pub instance_id: String,
    /// Plugin id.
    pub plugin_id: String,
    /// Non-secret settings, defaults applied.
    pub config: Arc<BTreeMap<String, String>>,
    /// Secrets.
    pub secrets: Arc<SecretBag>,
    /// Network.
    pub http: HttpCapability,
    /// Deadline of one export call, host calls included.
    pub call_deadline: Duration,
}

/// The data of one store (one call).
pub struct PluginState {
    pub(crate) ctx: Arc<InstanceContext>,
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limits: StoreLimits,
    pub(crate) stderr: MemoryOutputPipe,
    /// Whether this call may send non-GET requests (only `act` may: syncs,
    /// checks and assessments are read-only by construction).
    pub(crate) writes_allowed: bool,
}

impl PluginState {
    /// Fresh state: WASI with nothing granted (no env, files, sockets),
    /// stderr captured, limits from [`super::limits`].
    pub fn new(ctx: Arc<InstanceContext>, writes_allowed: bool) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE);
        let wasi = WasiCtxBuilder::new().stderr(stderr.clone()).build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(MAX_MEMORY_BYTES)
            .table_elements(MAX_TABLE_ELEMENTS)
            .instances(MAX_INSTANCES)
            .tables(MAX_TABLES)
            .memories(MAX_MEMORIES)
            .trap_on_grow_failure(true)
            .build();
        PluginState {
            ctx,
            wasi,
            table: ResourceTable::new(),
            limits,
            stderr,
            writes_allowed,
        }
    }

    /// What the guest wrote to stderr (e.g. a panic message), trimmed.
    pub fn stderr_text(&self) -> String {
        let bytes = self.stderr.contents();
        String::from_utf8_lossy(&bytes)
            .trim()
            .chars()
            .take(2000)
            .collect()
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl InstanceContext {
    /// A context with no config, secrets, routes or network grant use, for
    /// calls like `describe` that need no instance.
    pub fn inert(manifest: Arc<crate::manifest::Manifest>, call_deadline: Duration) -> Self {
        let config = Arc::new(BTreeMap::new());
        let secrets = Arc::new(SecretBag::default());
        let http = HttpCapability::new(
            reqwest::Client::new(),
            manifest.clone(),
            config.clone(),
            secrets.clone(),
            crate::capabilities::http::Upstreams::default(),
            crate::capabilities::ratelimit::RateBuckets::default(),
        );
        InstanceContext {
            instance_id: "-".into(),
            plugin_id: manifest.id.clone(),
            config,
            secrets,
            http,
            call_deadline,
        }
    }
}
