//! One task per enabled instance: runs its phases when due, keeps one
//! running context (tokens, rate buckets) across phases, and stops between
//! pages when told to (disable, shutdown). On a cluster node it works under
//! the instance's lease ([`Held`]): every page commits with it, its contexts
//! mint tokens only while the lease's gate is open, it stops between pages
//! once the gate closes, and a page refused for a lost lease ends it without
//! touching the instance's schedule (the new owner runs it).

use std::sync::Arc;
use std::sync::Mutex;
use std::time::Instant;

use plugboard_core::Blame;
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};

use super::Shared;
use super::cluster::Held;
use super::metrics::{CounterSnapshot, PhaseSample};
use super::plugins::CurrentPlugin;
use super::schedule::{Phase, after, format_time, next_due};
use plugboard_core::store::{InstanceRow, Lease, StoreError};

use crate::runtime::{CallError, InstanceContext};
use crate::scan::{ScanError, ScanObserver, StreamStatus, scan_recorded};

/// What the worker is doing, for the status endpoint.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WorkerState {
    /// The phase running now.
    pub running: Option<&'static str>,
    /// The plugin version of the current context.
    pub plugin_version: Option<String>,
}

/// What a running context was built from: the plugin version and the
/// instance's `updated_at` (settings, secrets, routes).
pub type ContextStamp = (String, String);

/// The stamp of a context built for `row` on `plugin`.
pub fn stamp(plugin: &CurrentPlugin, row: &InstanceRow) -> ContextStamp {
    (plugin.version.clone(), row.updated_at.clone())
}

/// A worker's running context, shared so that an API credentials check
/// uses the same tokens and rate buckets as the scans (a second token mint
/// would revoke the worker's token on apps like Zoom).
#[derive(Clone, Default)]
pub struct RunningContext(Arc<Mutex<Option<Built>>>);

/// A context and what it was built from.
type Built = (ContextStamp, Arc<InstanceContext>);

impl RunningContext {
    /// The context if it was built from `stamp`.
    pub fn get(&self, stamp: &ContextStamp) -> Option<Arc<InstanceContext>> {
        let slot = self.0.lock().ok()?;
        slot.as_ref()
            .filter(|(built, _)| built == stamp)
            .map(|(_, ctx)| ctx.clone())
    }

    /// The context built from `stamp`, building it with `build` (and
    /// keeping it) when there is none, under one lock: the worker and an API
    /// credentials check never build two contexts, and so never mint two
    /// tokens, for one stamp.
    pub fn get_or_build<E>(
        &self,
        stamp: &ContextStamp,
        build: impl FnOnce() -> Result<Arc<InstanceContext>, E>,
    ) -> Result<Arc<InstanceContext>, E> {
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((built, ctx)) = slot.as_ref()
            && built == stamp
        {
            return Ok(ctx.clone());
        }
        let ctx = build()?;
        *slot = Some((stamp.clone(), ctx.clone()));
        Ok(ctx)
    }
}

#[derive(Debug)]
pub enum WorkerCommand {
    /// Run every phase now.
    ScanNow,
}

/// Handle to a running worker.
pub struct WorkerHandle {
    /// Set to stop the worker between pages.
    pub stop: watch::Sender<bool>,
    pub commands: mpsc::Sender<WorkerCommand>,
    /// What it is doing.
    pub state: Arc<Mutex<WorkerState>>,
    /// Its running context, once built.
    pub context: RunningContext,
    /// The fencing token of the lease it works under (cluster node).
    pub lease_token: Option<i64>,
    pub task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// The running context a worker started under `held` may carry over
    /// from this one, which ended by itself: only under the same lease (same
    /// fencing token), so that no other node can have minted a token since
    /// the context's was minted. A worker stops when its lease's local
    /// deadline passes before a renew lands (a loaded node); once the renew
    /// lands, the new worker keeps the live token instead of minting one
    /// more, which on Zoom would revoke it for nothing.
    pub fn context_for(&self, held: Option<&Held>) -> Option<RunningContext> {
        (self.task.is_finished() && self.lease_token == held.map(|h| h.lease.token))
            .then(|| self.context.clone())
    }
}

/// Tells a scan to stop when the worker or the daemon is stopping, or the
/// lease it works under lapsed; gives the scan that lease for its commits.
struct StopObserver {
    worker: watch::Receiver<bool>,
    daemon: watch::Receiver<bool>,
    held: Option<Held>,
}

impl ScanObserver for StopObserver {
    fn stream_started(&self, _: &str) {}
    fn page(&self, _: &str, _: u64) {}
    fn stream_finished(&self, _: &str, _: &StreamStatus) {}
    fn stop_requested(&self) -> bool {
        *self.worker.borrow()
            || *self.daemon.borrow()
            || self.held.as_ref().is_some_and(|h| !h.gate.is_open())
    }
    fn lease(&self) -> Option<Lease> {
        self.held.as_ref().map(|h| h.lease.clone())
    }
}

/// Start the worker of instance `id`, under `held` on a cluster node, with
/// `context` (a new one, or one carried over: [`WorkerHandle::context_for`]).
pub fn spawn(
    shared: Arc<Shared>,
    id: String,
    held: Option<Held>,
    context: RunningContext,
) -> WorkerHandle {
    let (stop, stop_rx) = watch::channel(false);
    let (commands, rx) = mpsc::channel(8);
    let state = Arc::new(Mutex::new(WorkerState::default()));
    let lease_token = held.as_ref().map(|h| h.lease.token);
    let mut worker = Worker {
        shared,
        id,
        stop: stop_rx,
        state: state.clone(),
        context: context.clone(),
        failures: [0; 3],
        held,
    };
    let task = tokio::spawn(async move { worker.run(rx).await });
    WorkerHandle {
        stop,
        commands,
        state,
        context,
        lease_token,
        task,
    }
}

struct Worker {
    shared: Arc<Shared>,
    id: String,
    stop: watch::Receiver<bool>,
    state: Arc<Mutex<WorkerState>>,
    /// The running context and what it was built from.
    context: RunningContext,
    failures: [u32; 3],
    /// The lease it works under (cluster node).
    held: Option<Held>,
}

impl Worker {
    fn stopping(&self) -> bool {
        *self.stop.borrow()
            || *self.shared.stopping.borrow()
            || self.held.as_ref().is_some_and(|h| !h.gate.is_open())
    }

    async fn run(&mut self, mut commands: mpsc::Receiver<WorkerCommand>) {
        self.work(&mut commands).await;
        if let Some(h) = &self.held
            && !h.gate.is_open()
            && !*self.stop.borrow()
        {
            tracing::info!(instance = %self.id, token = h.lease.token, "worker paused: the lease's local deadline passed before a renew landed; it resumes with the same token if the renew lands, else another node takes the instance over");
        }
    }

    async fn work(&mut self, commands: &mut mpsc::Receiver<WorkerCommand>) {
        let mut daemon_stop = self.shared.stopping.subscribe();
        while !self.stopping() {
            // Removed or disabled behind our back (e.g. by the CLI on the
            // same home): stop; the reconciler starts a worker again if needed.
            let row = match self.shared.store.instance(&self.id) {
                Ok(Some(row)) if row.enabled => row,
                Ok(_) => return,
                Err(e) => {
                    tracing::error!(instance = %self.id, error = %e, "cannot read the instance; worker stops");
                    return;
                }
            };
            let now = OffsetDateTime::now_utc();
            let rows = match self.shared.store.schedule(&self.id) {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(instance = %self.id, error = %e, "cannot read the schedule; worker stops");
                    return;
                }
            };
            let next: Vec<_> = Phase::ALL
                .iter()
                .map(|p| {
                    let at = rows
                        .iter()
                        .find(|r| r.phase == p.name())
                        .and_then(|r| r.next_run_at.clone());
                    (*p, at)
                })
                .collect();
            let Some((phase, at)) = next_due(&next, now) else {
                return;
            };
            if at <= now {
                if !self.run_phase(phase, &row).await {
                    return;
                }
                continue;
            }
            let wait = (at - now).try_into().unwrap_or_default();
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                cmd = commands.recv() => match cmd {
                    Some(WorkerCommand::ScanNow) => {
                        let now = format_time(OffsetDateTime::now_utc());
                        for p in Phase::ALL {
                            if let Err(e) = self.shared.store.schedule_next(&self.id, p.name(), Some(&now)) {
                                tracing::warn!(instance = %self.id, error = %e, "cannot schedule a scan");
                            }
                        }
                    }
                    None => return,
                },
                _ = self.stop.changed() => {}
                _ = daemon_stop.changed() => {}
            }
        }
    }

    /// The context for `plugin` and the instance as stored in `row`, rebuilt
    /// when the plugin version or the instance (settings, secrets, routes)
    /// changed since it was built.
    fn context(
        &self,
        plugin: &CurrentPlugin,
        row: &InstanceRow,
    ) -> Result<Arc<InstanceContext>, (Blame, String)> {
        let ctx = self
            .context
            .get_or_build(&stamp(plugin, row), || {
                self.shared.gated_context(plugin, row, self.held.as_ref())
            })
            .map_err(|e| (e.blame(), e.to_string()))?;
        if let Ok(mut st) = self.state.lock() {
            st.plugin_version = Some(plugin.version.clone());
        }
        Ok(ctx)
    }

    /// Run `phase`; false when the worker must end (its lease is lost).
    async fn run_phase(&mut self, phase: Phase, row: &InstanceRow) -> bool {
        let s = self.shared.clone();
        let store = &s.store;
        if let Err(e) = store.schedule_started(&self.id, phase.name()) {
            tracing::error!(instance = %self.id, error = %e, "cannot record a phase start");
        }
        if let Ok(mut st) = self.state.lock() {
            st.running = Some(phase.name());
        }
        let started = Instant::now();
        let outcome = self.attempt(phase, row).await;
        if let Ok(mut st) = self.state.lock() {
            st.running = None;
        }
        let slot = phase as usize;
        let error = match outcome {
            Attempt::Stopped => return true, // due again at once after a restart
            Attempt::LeaseLost(why) => {
                // The new owner runs the phase; nothing of this one is kept.
                if let Some(c) = &s.cluster {
                    c.metrics.fenced(&c.node);
                    tracing::warn!(node = %c.node, instance = %self.id, phase = phase.name(), error = %why, "page refused by the fencing token: the lease was lost; nothing of it was stored");
                }
                s.lease_lost(&self.id, "fenced", &why);
                return false;
            }
            Attempt::Done => {
                self.failures[slot] = 0;
                None
            }
            Attempt::Failed(blame, message) => {
                self.failures[slot] = self.failures[slot].saturating_add(1);
                tracing::warn!(instance = %self.id, phase = phase.name(), %blame, error = %message, "phase failed");
                Some((blame, message))
            }
        };
        let next = after(
            OffsetDateTime::now_utc(),
            s.intervals.delay(phase, self.failures[slot]),
        );
        if let Err(e) = store.schedule_finished(
            &self.id,
            phase.name(),
            error.as_ref().map(|(b, m)| (*b, m.as_str())),
            Some(&next),
        ) {
            tracing::error!(instance = %self.id, error = %e, "cannot record a phase end");
        }
        tracing::info!(instance = %self.id, phase = phase.name(), seconds = started.elapsed().as_secs_f64(), "phase done");
        true
    }

    /// One run of `phase` for the instance as stored in `row`.
    async fn attempt(&mut self, phase: Phase, row: &InstanceRow) -> Attempt {
        let s = self.shared.clone();
        let plugin_id = row.plugin_id.clone();
        let plugin = match s
            .plugins
            .current(&s.home, &s.store, &s.runtime, &plugin_id)
            .await
        {
            Ok(p) => p,
            Err(e) => return Attempt::Failed(e.blame(), e.to_string()),
        };
        let ctx = match self.context(&plugin, row) {
            Ok(c) => c,
            Err((b, m)) => return Attempt::Failed(b, m),
        };
        let observer = StopObserver {
            worker: self.stop.clone(),
            daemon: s.stopping.subscribe(),
            held: self.held.clone(),
        };
        let before = CounterSnapshot::of(&ctx);
        let started = Instant::now();
        let result = scan_recorded(&plugin.plugin, &ctx, &s.store, &observer, phase.plan()).await;
        let after = CounterSnapshot::of(&ctx);
        let plugin_fault = matches!(&result, Err(ScanError::Call { cause, .. })
            if matches!(cause, CallError::Trap { .. } | CallError::Timeout { .. } | CallError::InvalidOutput { .. }));
        s.metrics.phase_done(PhaseSample {
            instance: &self.id,
            plugin: &plugin_id,
            phase: phase.name(),
            before: &before,
            after: &after,
            report: result.as_ref().map_err(|_| plugin_fault),
            seconds: started.elapsed().as_secs_f64(),
        });
        match result {
            Ok(report) => {
                if report
                    .streams
                    .iter()
                    .any(|st| st.status == StreamStatus::Stopped)
                {
                    Attempt::Stopped
                } else if let Some((stream, blame, err)) = report.first_failure() {
                    Attempt::Failed(blame, format!("{stream}: {err}"))
                } else {
                    Attempt::Done
                }
            }
            Err(ScanError::Store(e @ StoreError::LeaseLost { .. })) => {
                Attempt::LeaseLost(e.to_string())
            }
            Err(e) => Attempt::Failed(e.blame(), e.to_string()),
        }
    }
}

enum Attempt {
    Done,
    Stopped,
    /// A page was refused: another node holds the lease now.
    LeaseLost(String),
    Failed(Blame, String),
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use plugboard_core::store::Lease;

    use super::*;

    fn held(token: i64) -> Held {
        let lease = Lease {
            instance: "zoom-a".into(),
            node: "node-a".into(),
            token,
            expires_at_ms: 0,
        };
        Held::for_test(lease, Duration::from_secs(5))
    }

    async fn handle(lease_token: Option<i64>, finished: bool) -> WorkerHandle {
        let (stop, _) = watch::channel(false);
        let (commands, _) = mpsc::channel(1);
        let task = if finished {
            let task = tokio::spawn(async {});
            while !task.is_finished() {
                tokio::task::yield_now().await;
            }
            task
        } else {
            tokio::spawn(std::future::pending())
        };
        WorkerHandle {
            stop,
            commands,
            state: Arc::default(),
            context: RunningContext::default(),
            lease_token,
            task,
        }
    }

    #[tokio::test]
    async fn a_context_carries_over_only_from_an_ended_worker_under_the_same_lease() {
        let ended = handle(Some(7), true).await;
        let Some(carried) = ended.context_for(Some(&held(7))) else {
            panic!("no context carried over under the same lease");
        };
        assert!(Arc::ptr_eq(&carried.0, &ended.context.0), "the same slot");
        // Another node held the lease in between (the token was raised):
        // it may have minted a token that revoked this context's.
        assert!(ended.context_for(Some(&held(8))).is_none());
        // A cluster worker's context does not pass to a lone daemon's, nor back.
        assert!(ended.context_for(None).is_none());
        assert!(handle(None, true).await.context_for(None).is_some());
        // A worker still running keeps its own.
        let running = handle(Some(7), false).await;
        assert!(running.context_for(Some(&held(7))).is_none());
        running.task.abort();
    }
}
