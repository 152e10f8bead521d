//! Loading plugins and calling their exports under a deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use plugboard_core::Blame;
use plugboard_core::model::{
    AccountInfo, ConnectorError, ConnectorErrorKind, Finding, Page, PluginInfo,
};
use sha2::{Digest, Sha256};
use tracing::Instrument as _;
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

use super::bindings::{ActionOutcome, ActionRequest, Call, CallOutput, PluginPre};
use super::validate::{validate_account_info, validate_findings, validate_info, validate_page};
use super::{CacheOutcome, ComponentCache, InstanceContext, PluginState, RuntimeError};
use crate::capabilities::http::{CallHttpCounts, UpstreamTimeout};
use crate::manifest::Manifest;

/// Grace on top of the guest deadline for the host-side timeout, so a guest
/// that computes too long is reported as an epoch trap, not a host timeout.
pub(super) const HOST_TIMEOUT_GRACE: Duration = Duration::from_millis(500);

/// Why an export call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The plugin returned an error value.
    #[error("{0}")]
    Connector(ConnectorError),
    /// The guest trapped (panic, out-of-bounds, memory limit, ...).
    #[error("plugin {plugin} trapped in {call}: {detail}")]
    Trap {
        /// Plugin id.
        plugin: String,
        /// Export.
        call: &'static str,
        /// Trap and stderr text.
        detail: String,
    },
    /// The call ran past its deadline.
    #[error("plugin {plugin} did not finish {call} within {deadline:?}")]
    Timeout {
        /// Plugin id.
        plugin: String,
        /// Export.
        call: &'static str,
        deadline: Duration,
    },
    /// The call ran past its deadline while the host was waiting on an
    /// upstream (an answer, a token, or a retry after 429/5xx): the
    /// upstream is to blame, not the plugin.
    #[error(
        "{detail} when the {} s deadline of the {call} call ran out; retry later, and if it persists check the upstream and any --upstream route to it",
        plugboard_core::text::seconds(*deadline)
    )]
    UpstreamTimeout {
        /// Export.
        call: &'static str,
        deadline: Duration,
        /// What the host was waiting on, naming the origin.
        detail: String,
    },
    /// The call returned output the host refuses.
    #[error("plugin {plugin} returned invalid output from {call}: {detail}")]
    InvalidOutput {
        /// Plugin id.
        plugin: String,
        /// Export.
        call: &'static str,
        /// What was wrong.
        detail: String,
    },
}

impl CallError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            CallError::Connector(e) => e.kind.blame(),
            CallError::UpstreamTimeout { .. } => Blame::Upstream,
            CallError::Trap { .. }
            | CallError::Timeout { .. }
            | CallError::InvalidOutput { .. } => Blame::Plugin,
        }
    }
}

/// The process-wide runtime: engine plus component cache.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    cache: ComponentCache,
    memory_cap: u64,
}

impl Runtime {
    /// A runtime with the pooling allocator and `cache`, plugins' memory
    /// capped at [`crate::limits::DEFAULT_MEMORY_CAP_BYTES`].
    pub fn new(cache: ComponentCache) -> Result<Self, RuntimeError> {
        Self::with_memory_cap(cache, crate::limits::DEFAULT_MEMORY_CAP_BYTES)
    }

    /// A runtime whose plugins may ask for up to `memory_cap` bytes of
    /// linear memory (`[limits] memory`); one asking for more is refused at
    /// [`Runtime::load`], before compiling.
    pub fn with_memory_cap(cache: ComponentCache, memory_cap: u64) -> Result<Self, RuntimeError> {
        Ok(Runtime {
            engine: super::engine::build_engine(true, memory_cap)?,
            cache,
            memory_cap,
        })
    }

    /// The operator's cap from `PLUGBOARD_MAX_PLUGIN_MEMORY` (`256MiB`,
    /// `1GiB`), else the default; an unreadable value is refused.
    pub fn memory_cap_from_env() -> Result<u64, RuntimeError> {
        use crate::capabilities::limits::section::parse_size;
        use crate::limits::{MIN_MEMORY_BYTES, WASM32_MEMORY_BYTES};
        match std::env::var("PLUGBOARD_MAX_PLUGIN_MEMORY") {
            Err(_) => Ok(crate::limits::DEFAULT_MEMORY_CAP_BYTES),
            Ok(v) => parse_size(&v)
                .filter(|b| (MIN_MEMORY_BYTES..=WASM32_MEMORY_BYTES).contains(b))
                .ok_or_else(|| RuntimeError::BadMemoryCap(plugboard_core::text::quoted(&v))),
        }
    }

    /// The cap on any plugin's memory limit, in bytes.
    pub fn memory_cap(&self) -> u64 {
        self.memory_cap
    }

    /// The engine (for benchmarks).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// What the component cache holds for `wasm` on this engine, without
    /// compiling or writing anything (`plugboard doctor`).
    pub fn inspect_artefact(&self, wasm: &[u8]) -> super::Artefact {
        self.cache.inspect(&self.engine, wasm)
    }

    /// Compile (or load from cache) and link a plugin. CPU-bound work runs on
    /// a blocking thread, off the async workers.
    pub async fn load(
        &self,
        manifest: Manifest,
        wasm: Vec<u8>,
    ) -> Result<LoadedPlugin, RuntimeError> {
        let asked = manifest.limits.memory_bytes();
        if asked > self.memory_cap {
            return Err(RuntimeError::MemoryOverCap {
                plugin: manifest.id.clone(),
                asked,
                cap: self.memory_cap,
            });
        }
        let engine = self.engine.clone();
        let cache = self.cache.clone();
        let contract = manifest.contract.clone();
        let (pre, outcome, sha) = tokio::task::spawn_blocking(move || {
            let sha = hex::encode(Sha256::digest(&wasm));
            let (component, outcome) = cache.load(&engine, &wasm)?;
            let pre = PluginPre::new(&engine, &component, &contract).inspect_err(|_| {
                // Compiled just now for a component that does not link:
                // keep no artefact of it.
                if outcome != CacheOutcome::Hit {
                    cache.discard(&engine, &wasm);
                }
            })?;
            Ok::<_, RuntimeError>((pre, outcome, sha))
        })
        .await
        .map_err(|e| RuntimeError::Engine(format!("compile task failed: {e}")))??;
        Ok(LoadedPlugin {
            engine: self.engine.clone(),
            manifest: Arc::new(manifest),
            pre: Arc::new(pre),
            cache: outcome,
            sha256: sha,
        })
    }

    /// Delete the artefact compiled from `wasm` on this engine (an add that
    /// failed after [`Runtime::load`] compiled it). Best effort.
    pub fn discard_artefact(&self, wasm: &[u8]) {
        self.cache.discard(&self.engine, wasm);
    }
}

/// A loaded, linked plugin version.
#[derive(Clone)]
pub struct LoadedPlugin {
    engine: Engine,
    manifest: Arc<Manifest>,
    pre: Arc<PluginPre>,
    cache: CacheOutcome,
    sha256: String,
}

impl LoadedPlugin {
    pub fn manifest(&self) -> &Arc<Manifest> {
        &self.manifest
    }

    /// Whether the component came from the cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.cache
    }

    /// SHA-256 of the component bytes.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// A fresh store for one call of `ctx`: WASI with nothing granted, the
    /// limits of [`crate::limits`] and the call deadline armed.
    pub(super) fn new_store(
        &self,
        ctx: &Arc<InstanceContext>,
        writes_allowed: bool,
    ) -> Store<PluginState> {
        let mut store = Store::new(
            &self.engine,
            PluginState::new(
                ctx.clone(),
                writes_allowed,
                self.manifest.limits.memory_bytes(),
            ),
        );
        store.limiter(|s| &mut s.limits);
        arm_deadline(&mut store, ctx.call_deadline);
        store
    }

    /// The linked component.
    pub(super) fn pre(&self) -> &PluginPre {
        &self.pre
    }

    async fn call(&self, ctx: &Arc<InstanceContext>, call: Call) -> Result<CallOutput, CallError> {
        self.call_counted(ctx, call).await.0
    }

    /// [`LoadedPlugin::call`], with what the call's host HTTP requests did
    /// (counted even when the call fails or runs out of time).
    async fn call_counted(
        &self,
        ctx: &Arc<InstanceContext>,
        call: Call,
    ) -> (Result<CallOutput, CallError>, CallHttpCounts) {
        let name = call.name();
        let plugin = self.manifest.id.clone();
        let deadline = ctx.call_deadline;
        let writes_allowed = matches!(call, Call::Act(_));
        // Its host calls (HTTP requests, rate-limit waits, token mints) are
        // its children: they run while the guest future is polled in it.
        let span = tracing::info_span!(
            "plugin.call",
            plugboard.export = name,
            plugboard.deadline_ms = i64::try_from(deadline.as_millis()).unwrap_or(i64::MAX),
            http.requests = tracing::field::Empty,
            http.throttled = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let mut store = self.new_store(ctx, writes_allowed);
        let fut = self.pre.call(&mut store, call);
        let result = tokio::time::timeout(deadline + HOST_TIMEOUT_GRACE, fut)
            .instrument(span.clone())
            .await;
        let counts = store.data().http.counts;
        span.record(
            "http.requests",
            i64::try_from(counts.requests).unwrap_or(i64::MAX),
        );
        span.record(
            "http.throttled",
            i64::try_from(counts.throttled).unwrap_or(i64::MAX),
        );
        let result = match settle(result, &store, plugin, name, deadline) {
            Ok(mut out) => {
                if let Some(t) = &store.data().http.last_timeout {
                    name_the_timeout(&mut out, t);
                }
                super::scrub::output(ctx, &mut out);
                Ok(out)
            }
            Err(mut e) => {
                super::scrub::error(ctx, &mut e);
                // Who is to blame, never the message (it may quote upstreams).
                span.record("error.type", e.blame().as_str());
                Err(e)
            }
        };
        (result, counts)
    }

    fn unexpected(&self, call: &'static str) -> CallError {
        self.invalid(call, "mismatched output".into())
    }

    fn invalid(&self, call: &'static str, detail: String) -> CallError {
        CallError::InvalidOutput {
            plugin: self.manifest.id.clone(),
            call,
            detail,
        }
    }

    /// `describe()` with no instance behind it: no network, no secrets, no
    /// settings (what `plugin add` and `describe` run before any instance
    /// exists), under the default call deadline.
    pub async fn describe_offline(&self) -> Result<PluginInfo, CallError> {
        let ctx =
            InstanceContext::inert(self.manifest.clone(), crate::limits::DEFAULT_CALL_DEADLINE);
        self.describe(&Arc::new(ctx)).await
    }

    /// `describe()`, checked against the manifest's id.
    pub async fn describe(&self, ctx: &Arc<InstanceContext>) -> Result<PluginInfo, CallError> {
        match self.call(ctx, Call::Describe).await? {
            CallOutput::Info(i) if i.id == self.manifest.id => {
                validate_info(&i).map_err(|d| self.invalid("describe", d))?;
                Ok(i)
            }
            CallOutput::Info(i) => Err(CallError::InvalidOutput {
                plugin: self.manifest.id.clone(),
                call: "describe",
                detail: format!(
                    "describe() says id {} but the manifest says {:?}",
                    plugboard_core::text::quoted(&i.id),
                    self.manifest.id
                ),
            }),
            _ => Err(self.unexpected("describe")),
        }
    }

    /// `check()`.
    pub async fn check(&self, ctx: &Arc<InstanceContext>) -> Result<AccountInfo, CallError> {
        match self.call(ctx, Call::Check).await? {
            CallOutput::Check(Ok(a)) => {
                validate_account_info(&a).map_err(|d| self.invalid("check", d))?;
                Ok(a)
            }
            CallOutput::Check(Err(e)) => Err(CallError::Connector(e)),
            _ => Err(self.unexpected("check")),
        }
    }

    /// `sync(stream, cursor)`, with the page validated against the limits.
    pub async fn sync(
        &self,
        ctx: &Arc<InstanceContext>,
        stream: &str,
        cursor: Option<String>,
    ) -> Result<Page, CallError> {
        self.sync_counted(ctx, stream, cursor).await.0
    }

    /// [`LoadedPlugin::sync`], with what its host HTTP requests did, so a
    /// scan can count them per stream.
    pub async fn sync_counted(
        &self,
        ctx: &Arc<InstanceContext>,
        stream: &str,
        cursor: Option<String>,
    ) -> (Result<Page, CallError>, CallHttpCounts) {
        let call = Call::Sync {
            stream: stream.to_string(),
            cursor,
        };
        let (output, counts) = self.call_counted(ctx, call).await;
        (output.and_then(|out| self.page_of(out)), counts)
    }

    /// The validated page of a `sync` call's output.
    fn page_of(&self, output: CallOutput) -> Result<Page, CallError> {
        match output {
            CallOutput::Page(Ok(page)) => {
                validate_page(&page).map_err(|detail| CallError::InvalidOutput {
                    plugin: self.manifest.id.clone(),
                    call: "sync",
                    detail,
                })?;
                Ok(page)
            }
            CallOutput::Page(Err(e)) => Err(CallError::Connector(e)),
            _ => Err(self.unexpected("sync")),
        }
    }

    /// `assess()`.
    pub async fn assess(&self, ctx: &Arc<InstanceContext>) -> Result<Vec<Finding>, CallError> {
        match self.call(ctx, Call::Assess).await? {
            CallOutput::Findings(Ok(f)) => {
                validate_findings(&f).map_err(|d| self.invalid("assess", d))?;
                Ok(f)
            }
            CallOutput::Findings(Err(e)) => Err(CallError::Connector(e)),
            _ => Err(self.unexpected("assess")),
        }
    }

    /// `act(action)`.
    pub async fn act(
        &self,
        ctx: &Arc<InstanceContext>,
        action: ActionRequest,
    ) -> Result<ActionOutcome, CallError> {
        match self.call(ctx, Call::Act(action)).await? {
            CallOutput::Outcome(r) => r.map_err(CallError::Connector),
            _ => Err(self.unexpected("act")),
        }
    }
}

/// When the call's last host request ran out of its per-request timeout and
/// the plugin reports an `upstream` error (what the SDK makes of a host
/// `timeout`, which carries no text), add the host's account of it, so the
/// operator learns which origin was slow and for how long.
fn name_the_timeout(out: &mut CallOutput, t: &UpstreamTimeout) {
    let e = match out {
        CallOutput::Check(Err(e))
        | CallOutput::Page(Err(e))
        | CallOutput::Findings(Err(e))
        | CallOutput::Outcome(Err(e)) => e,
        _ => return,
    };
    if e.kind == ConnectorErrorKind::Upstream {
        e.message = format!("{} (host: {t})", e.message);
    }
}

/// Start the wall-clock `deadline` of one call: the epoch ticker checks it
/// every tick and interrupts the guest once it has passed.
pub(super) fn arm_deadline(store: &mut Store<PluginState>, deadline: Duration) {
    let until = Instant::now() + deadline;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        Ok(if Instant::now() >= until {
            UpdateDeadline::Interrupt
        } else {
            UpdateDeadline::Yield(1)
        })
    });
}

/// Turn the outcome of a guarded guest call (host timeout around the
/// wasmtime result) into the call's result, blaming the plugin for traps and
/// timeouts and quoting its stderr.
/// Maximum characters of a trap's detail shown to the operator.
const MAX_TRAP_DETAIL: usize = 2000;

/// One line for a trap: its reason (the [`Trap`] code, else the innermost
/// cause, never the backtrace context), then the guest's stderr, its lines
/// joined by ` | `; neutralised and bounded.
fn trap_detail(e: &wasmtime::Error, stderr: &str) -> String {
    let reason = match e.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => e.root_cause().to_string(),
    };
    // The guest's lines on one line: an exception's message, then its stack.
    let stderr: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut detail = if stderr.is_empty() {
        reason
    } else {
        format!("{reason}; guest stderr: {}", stderr.join(" | "))
    };
    plugboard_core::text::clean_line(&mut detail, MAX_TRAP_DETAIL);
    detail
}

pub(super) fn settle<T>(
    result: Result<wasmtime::Result<T>, tokio::time::error::Elapsed>,
    store: &Store<PluginState>,
    plugin: String,
    call: &'static str,
    deadline: Duration,
) -> Result<T, CallError> {
    match result {
        Err(_) => match &store.data().http.waiting {
            // The host was waiting on the upstream when the deadline fired.
            Some(w) if w.is_upstream() => Err(CallError::UpstreamTimeout {
                call,
                deadline,
                detail: w.to_string(),
            }),
            _ => Err(CallError::Timeout {
                plugin,
                call,
                deadline,
            }),
        },
        Ok(Ok(out)) => Ok(out),
        Ok(Err(e)) => {
            if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                return Err(CallError::Timeout {
                    plugin,
                    call,
                    deadline,
                });
            }
            let stderr = store.data().stderr_text();
            // The operator's line: the trap's reason and what the guest
            // printed (an uncaught exception's text); the wasm backtrace
            // wasmtime attaches as context only in the debug log.
            tracing::debug!(%plugin, call, error = %format!("{e:#}"), "plugin trapped");
            Err(CallError::Trap {
                plugin,
                call,
                detail: trap_detail(&e, &stderr),
            })
        }
    }
}
