//! What lives in a store: per-instance capabilities (shared across calls) and
//! per-call WASI state and limits.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::capabilities::http::{CallHttpState, HttpCapability};
use crate::capabilities::secrets::SecretBag;
use crate::limits::{
    MAX_INSTANCES, MAX_MEMORIES, MAX_MEMORY_BYTES, MAX_TABLE_ELEMENTS, MAX_TABLES,
};

/// Bytes of guest stderr kept to explain a trap (a Rust panic message).
const STDERR_CAPTURE: usize = 16 << 10;

/// One connector instance's capabilities, shared by all its calls.
#[derive(Debug)]
pub struct InstanceContext {
    pub instance_id: String,
    pub plugin_id: String,
    /// Non-secret settings, defaults applied.
    pub config: Arc<BTreeMap<String, String>>,
    pub secrets: Arc<SecretBag>,
    /// Network.
    pub http: HttpCapability,
    /// Deadline of one export call, host calls included.
    pub call_deadline: Duration,
    /// What the instance may store per scan and per day.
    pub caps: crate::limits::WriteCaps,
}

/// The data of one store (one call).
pub struct PluginState {
    pub(crate) ctx: Arc<InstanceContext>,
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limits: MeteredLimits,
    pub(crate) stderr: MemoryOutputPipe,
    /// Whether this call may send non-GET requests (only `act` may: syncs,
    /// checks and assessments are read-only by construction).
    pub(crate) writes_allowed: bool,
    /// What this call's host HTTP requests are waiting on.
    pub(crate) http: CallHttpState,
}

impl PluginState {
    /// Fresh state: WASI with nothing granted (no env, files, sockets),
    /// stderr captured, limits from [`crate::limits`].
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
        let limits = MeteredLimits {
            limits,
            memory_bytes: 0,
            last_growth: 0,
        };
        PluginState {
            ctx,
            wasi,
            table: ResourceTable::new(),
            limits,
            stderr,
            writes_allowed,
            http: CallHttpState::default(),
        }
    }

    /// Bytes of linear memory the guest's memories hold (initial sizes plus
    /// every growth), summed over the store's core instances.
    pub fn linear_memory_bytes(&self) -> usize {
        self.limits.memory_bytes
    }

    /// What the guest wrote to stderr (e.g. a panic message), trimmed, with
    /// secret values and tokens scrubbed before it is shortened.
    pub fn stderr_text(&self) -> String {
        let bytes = self.stderr.contents();
        let mut text = String::from_utf8_lossy(&bytes).trim().to_string();
        self.ctx.scrub(&mut text);
        text.chars().take(2000).collect()
    }
}

/// The store's [`StoreLimits`], unchanged, plus a count of the linear memory
/// they let the guest hold. Wasmtime asks the limiter for every memory's
/// initial size at instantiation and for every `memory.grow`, so the count is
/// exact; benchmarks subtract it from resident memory to see the host's own
/// per-instance cost.
pub(crate) struct MeteredLimits {
    limits: StoreLimits,
    memory_bytes: usize,
    /// The last growth allowed, taken back if wasmtime then fails to grow.
    last_growth: usize,
}

impl ResourceLimiter for MeteredLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.last_growth = if allowed {
            desired.saturating_sub(current)
        } else {
            0
        };
        self.memory_bytes = self.memory_bytes.saturating_add(self.last_growth);
        Ok(allowed)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.memory_bytes = self.memory_bytes.saturating_sub(self.last_growth);
        self.last_growth = 0;
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
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
    /// Replace every secret value of the instance and every token its broker
    /// minted recently that appears in `text` by
    /// [`REDACTED`](crate::capabilities::secrets::REDACTED). Applied to all
    /// plugin-originated text before it reaches logs, errors, the store or
    /// the command line. Returns whether anything was replaced.
    pub fn scrub(&self, text: &mut String) -> bool {
        // Tokens first: they are long and may contain nothing else.
        let tokens = self.http.broker().scrub(text);
        self.secrets.scrub(text) | tokens
    }

    /// A context with no config, secrets, routes or network, for calls like
    /// `describe` that need no instance.
    pub fn inert(manifest: Arc<crate::manifest::Manifest>, call_deadline: Duration) -> Self {
        let config = Arc::new(BTreeMap::new());
        let secrets = Arc::new(SecretBag::default());
        let upstreams = crate::capabilities::network::Upstreams::default();
        // No network at all: `describe` needs none, and this context has no
        // pacing. With no egress every request is refused before the client
        // is used, so its fallback never sends anything.
        let mut offline = (*manifest).clone();
        offline.egress.clear();
        offline.auth.clear();
        let client = crate::capabilities::network::plugin_client(&upstreams).unwrap_or_default();
        let http = HttpCapability::new(
            client,
            Arc::new(offline),
            config.clone(),
            secrets.clone(),
            upstreams,
            crate::capabilities::ratelimit::RateBuckets::default(),
        );
        InstanceContext {
            instance_id: "-".into(),
            plugin_id: manifest.id.clone(),
            config,
            secrets,
            http,
            call_deadline,
            caps: crate::limits::WriteCaps::default(),
        }
    }
}
