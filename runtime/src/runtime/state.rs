//! What lives in a store: the instance's context (shared across calls, see
//! [`super::context`]) and per-call WASI state and limits.

use std::sync::Arc;

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::context::InstanceContext;
use crate::capabilities::http::CallHttpState;
use crate::limits::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLE_ELEMENTS, MAX_TABLES};

/// Bytes of guest stderr kept to explain a trap (a Rust panic message).
const STDERR_CAPTURE: usize = 16 << 10;

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
    /// `memory_bytes`: the plugin's memory limit (`[limits] memory`).
    pub fn new(ctx: Arc<InstanceContext>, writes_allowed: bool, memory_bytes: u64) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE);
        let wasi = WasiCtxBuilder::new().stderr(stderr.clone()).build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(memory_bytes).unwrap_or(usize::MAX))
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
