//! `plugboard serve`: the long-running operator daemon.
//!
//! One worker task per enabled instance runs its scan phases on their
//! schedules ([`schedule`]); a REST API ([`api`]) manages plugins and
//! instances at runtime and serves the collected data; `/metrics` exposes
//! Prometheus counters ([`metrics`]). Everything the daemon knows lives in
//! the store, so it can be killed at any moment and started again: pages and
//! their cursors commit together, and an interrupted phase is due at once.

pub mod api;
pub mod cluster;
pub mod connect;
pub mod console;
mod govern;
pub mod metrics;
pub mod plugins;
pub mod schedule;
pub mod tokens;
pub mod worker;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plugboard_core::Blame;
use plugboard_core::model::AccountInfo;
use plugboard_core::secrets::{MasterKey, SecretValue};
use plugboard_core::store::{InstanceRow, ScheduleRow, Store, StoreError};
use serde::Serialize;
use tokio::sync::watch;

use crate::home::Home;
use crate::host::{Host, HostError};
use crate::instance::{
    HostOptions, InstanceError, InstanceUpdate, NewInstance, build_context, context_with_secrets,
    store_new, update_instance, validate_new,
};
use crate::manifest::Manifest;
use crate::registry::RegistryError;
use crate::runtime::{CallError, InstanceContext, Runtime};

use cluster::Cluster;
pub use metrics::Metrics;
use plugins::CurrentPlugin;
pub use plugins::PluginSet;
pub use schedule::{Intervals, Phase};
use worker::{WorkerCommand, WorkerHandle, WorkerState};

/// How often the daemon re-reads the instance list from the store.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(5);

/// State shared by the API and the workers.
pub struct Shared {
    pub store: Arc<Store>,
    /// The WebAssembly runtime.
    pub runtime: Runtime,
    /// The data directory.
    pub home: Home,
    /// The master key sealing secrets.
    pub key: MasterKey,
    /// Host-wide options.
    pub options: HostOptions,
    /// Phase periods.
    pub intervals: Intervals,
    /// Loaded plugins.
    pub plugins: PluginSet,
    pub metrics: Metrics,
    /// Set once at shutdown.
    pub stopping: watch::Sender<bool>,
    /// This node of a cluster (PostgreSQL store); `None` with SQLite (one
    /// node: every enabled instance runs here).
    pub cluster: Option<Arc<Cluster>>,
    /// The spans of the last scans this node ran, per instance (for
    /// `GET /v1/instances/{id}/runs/{run}/trace`); fed by the tracer
    /// provider the binary installs, empty without one.
    pub traces: crate::telemetry::RunRecorder,
    workers: Mutex<HashMap<String, WorkerHandle>>,
    /// Consents started through the API, waiting for their callback.
    connects: connect::Connects,
}

/// An operation on the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// No such instance.
    #[error("no instance `{0}`; list them with GET /v1/instances")]
    NoInstance(String),
    /// The instance could not be created or started.
    #[error(transparent)]
    Instance(#[from] InstanceError),
    /// A plugin could not be added or loaded.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// The credentials check on add failed.
    #[error("the credentials check of instance `{id}` failed, so it was not added: {cause}")]
    Check {
        /// Instance id.
        id: String,
        /// Why.
        cause: CallError,
    },
    /// A credentials check of an added instance failed.
    #[error("the credentials check of instance `{id}` failed: {cause}")]
    CheckFailed {
        /// Instance id.
        id: String,
        /// Why.
        cause: CallError,
    },
    /// A cluster node was asked to check an enabled instance it does not
    /// work on.
    #[error(
        "instance `{id}` is worked on by {}, not by this node ({node}): its credentials check runs on the node holding its lease, with the token its scans use (a second token would revoke that one on apps like Zoom); send the request to that node (`plugboard cluster status` lists the leases), or disable the instance first",
        holder.as_ref().map_or_else(|| "whichever node claims it next".to_string(), |h| format!("node {h}"))
    )]
    NotRunHere {
        /// Instance id.
        id: String,
        node: String,
        /// The node holding its lease, if any holds it now.
        holder: Option<String>,
    },
    /// A governance action was refused or failed.
    #[error(transparent)]
    Governance(#[from] crate::governance::GovernanceError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The host's home, store, key or runtime could not be opened.
    #[error(transparent)]
    Host(#[from] HostError),
}

impl DaemonError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            DaemonError::NoInstance(_) | DaemonError::NotRunHere { .. } => Blame::Operator,
            DaemonError::Instance(e) => e.blame(),
            DaemonError::Registry(e) => e.blame(),
            DaemonError::Check { cause, .. } | DaemonError::CheckFailed { cause, .. } => {
                cause.blame()
            }
            DaemonError::Governance(e) => e.blame(),
            DaemonError::Store(e) => e.blame(),
            DaemonError::Host(e) => e.blame(),
        }
    }
}

/// What the API reports about an instance.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceStatus {
    /// Instance id.
    pub id: String,
    /// Plugin id.
    pub plugin: String,
    /// Plugin version the worker runs (once it ran).
    pub plugin_version: Option<String>,
    /// Whether the scheduler runs it.
    pub enabled: bool,
    /// `running`, `idle` or `disabled`.
    pub state: &'static str,
    /// The phase running now.
    pub running_phase: Option<&'static str>,
    /// Per phase: last start, last success, last error with blame, next run.
    pub phases: Vec<ScheduleRow>,
    /// Settings (not secrets).
    pub config: BTreeMap<String, String>,
    /// Upstream routes.
    pub upstreams: BTreeMap<String, String>,
    /// When it was added.
    pub created_at: String,
    /// The consent-flow auth profiles its settings select, each
    /// `not-connected`, `connected` or `reconnect-needed` (never a token).
    pub connections: Vec<crate::instance::connect::ConnectionState>,
}

impl Shared {
    /// Open the daemon's state on `host` (its home, store, runtime, master
    /// key and options), start a worker for every enabled instance and the
    /// reconciler that keeps them matched to the store.
    /// With `lease_ttl` (a PostgreSQL store), this is one node of a cluster:
    /// it runs the workers of the instances whose lease it holds
    /// ([`cluster`]). Must be called inside a Tokio runtime.
    pub fn start(
        host: &Host,
        intervals: Intervals,
        lease_ttl: Option<Duration>,
    ) -> Result<Arc<Shared>, DaemonError> {
        Self::start_traced(
            host,
            intervals,
            lease_ttl,
            crate::telemetry::RunRecorder::new(),
        )
    }

    /// [`Shared::start`], answering trace requests from `traces` (the
    /// recorder the installed tracer provider feeds).
    pub fn start_traced(
        host: &Host,
        intervals: Intervals,
        lease_ttl: Option<Duration>,
        traces: crate::telemetry::RunRecorder,
    ) -> Result<Arc<Shared>, DaemonError> {
        let (home, store, runtime) = (
            host.home()?.clone(),
            host.store()?.clone(),
            host.runtime()?.clone(),
        );
        let (key, options) = (host.master_key()?, host.options.clone());
        let (stopping, _) = watch::channel(false);
        let metrics = Metrics::new();
        let cluster = lease_ttl.map(|ttl| Arc::new(Cluster::new(ttl, metrics.cluster.clone())));
        let shared = Arc::new(Shared {
            store,
            runtime,
            home,
            key,
            options,
            intervals,
            plugins: PluginSet::default(),
            metrics,
            stopping,
            cluster: cluster.clone(),
            traces,
            workers: Mutex::new(HashMap::new()),
            connects: connect::Connects::default(),
        });
        if let Some(cluster) = cluster {
            tokio::spawn(cluster::run(shared.clone(), cluster.clone()));
            tokio::spawn(cluster::listen(shared.clone(), cluster));
        }
        shared.reconcile()?;
        let watcher = shared.clone();
        tokio::spawn(async move {
            let mut stop = watcher.stopping.subscribe();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(RECONCILE_EVERY) => {}
                    _ = stop.changed() => return,
                }
                if let Err(e) = watcher.reconcile() {
                    tracing::warn!(error = %e, "cannot reconcile workers with the store");
                }
            }
        });
        Ok(shared)
    }

    /// Make the running workers match the store: one per enabled instance.
    /// Picks up instances added, enabled, disabled or removed through the CLI
    /// on the same home while the daemon runs.
    pub fn reconcile(self: &Arc<Self>) -> Result<(), DaemonError> {
        if *self.stopping.borrow() {
            return Ok(());
        }
        let rows = self.store.instances()?;
        let held = self.cluster.as_ref().map(|c| c.held_ids());
        let wanted: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.enabled)
            .filter(|r| held.as_ref().is_none_or(|h| h.contains(&r.id)))
            .map(|r| r.id.as_str())
            .collect();
        let (missing, stale): (Vec<String>, Vec<String>) = match self.workers.lock() {
            Ok(w) => (
                wanted
                    .iter()
                    .filter(|id| w.get(**id).is_none_or(|h| h.task.is_finished()))
                    .map(|id| id.to_string())
                    .collect(),
                w.keys()
                    .filter(|id| !wanted.contains(id.as_str()))
                    .cloned()
                    .collect(),
            ),
            Err(_) => return Ok(()),
        };
        for id in stale {
            self.stop_worker(&id);
        }
        for id in missing {
            self.start_worker(&id);
        }
        self.update_gauges();
        Ok(())
    }

    fn start_worker(self: &Arc<Self>, id: &str) {
        let held = match &self.cluster {
            None => None,
            Some(c) => match c.held(id) {
                Some(h) => Some(h),
                // Not ours (any more): another node runs it.
                None => return,
            },
        };
        let carried = self
            .workers
            .lock()
            .ok()
            .and_then(|w| w.get(id)?.context_for(held.as_ref()));
        let handle = worker::spawn(
            self.clone(),
            id.to_string(),
            held,
            carried.unwrap_or_default(),
        );
        if let Ok(mut w) = self.workers.lock()
            && let Some(old) = w.insert(id.to_string(), handle)
        {
            let _ = old.stop.send(true);
        }
    }

    fn stop_worker(&self, id: &str) {
        if let Ok(mut w) = self.workers.lock()
            && let Some(old) = w.remove(id)
        {
            let _ = old.stop.send(true);
        }
    }

    /// Take instance `id`'s worker out of the running set (to stop it and
    /// wait for it).
    fn take_worker(&self, id: &str) -> Option<WorkerHandle> {
        self.workers.lock().ok()?.remove(id)
    }

    /// Put back a worker taken with [`Shared::take_worker`].
    fn put_worker(&self, id: &str, handle: WorkerHandle) {
        if let Ok(mut w) = self.workers.lock() {
            w.insert(id.to_string(), handle);
        }
    }

    fn worker_state_of(&self, handle: &WorkerHandle) -> WorkerState {
        handle.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn worker_state(&self, id: &str) -> WorkerState {
        self.workers
            .lock()
            .ok()
            .and_then(|w| {
                w.get(id)
                    .and_then(|h| h.state.lock().ok().map(|s| s.clone()))
            })
            .unwrap_or_default()
    }

    fn update_gauges(&self) {
        if let Ok(rows) = self.store.instances() {
            let enabled = rows.iter().filter(|r| r.enabled).count() as i64;
            self.metrics
                .set_instances(enabled, rows.len() as i64 - enabled);
        }
    }

    /// The instance row, or `NoInstance`.
    pub fn instance_row(&self, id: &str) -> Result<InstanceRow, DaemonError> {
        self.store
            .instance(id)?
            .ok_or_else(|| DaemonError::NoInstance(id.to_string()))
    }

    /// Status of instance `id`.
    pub fn status(&self, id: &str) -> Result<InstanceStatus, DaemonError> {
        let row = self.instance_row(id)?;
        let ws = self.worker_state(id);
        let parse = |s: &str| serde_json::from_str(s).unwrap_or_default();
        let connections = match self.store.plugin(&row.plugin_id)? {
            Some(p) => match Manifest::parse(&p.manifest) {
                Ok(m) => crate::instance::connect::connection_states(&self.store, &m, &row)?,
                Err(_) => Vec::new(),
            },
            None => Vec::new(),
        };
        Ok(InstanceStatus {
            connections,
            state: match (row.enabled, ws.running) {
                (false, _) => "disabled",
                (true, Some(_)) => "running",
                (true, None) => "idle",
            },
            running_phase: ws.running,
            plugin_version: ws.plugin_version,
            phases: self.store.schedule(id)?,
            config: parse(&row.config_json),
            upstreams: parse(&row.upstreams_json),
            enabled: row.enabled,
            plugin: row.plugin_id,
            created_at: row.created_at,
            id: row.id,
        })
    }

    /// Check a new instance's credentials with the plugin's `check`, then
    /// store it (row, settings and sealed secrets in one transaction) and
    /// start its worker (which scans accounts, then activities, then
    /// posture at once). Bad credentials or missing consent refuse the add
    /// and store nothing; an unreachable upstream does not (the scheduler
    /// retries).
    ///
    /// The instance is invisible until the check has ended: no node of a
    /// cluster can claim it while the check's token is in use (on Zoom the
    /// worker's first token would revoke it, or the other way round), nor
    /// before its secrets are stored.
    pub async fn add_instance(
        self: &Arc<Self>,
        new: NewInstance,
    ) -> Result<InstanceStatus, DaemonError> {
        let plugin = self
            .plugins
            .current(&self.home, &self.store, &self.runtime, &new.plugin)
            .await?;
        let manifest: &Manifest = plugin.plugin.manifest();
        let row = validate_new(&self.store, &self.key, manifest, &new)?;
        // A taken id is refused before any token is minted for it.
        if self.store.instance(&new.id)?.is_some() {
            return Err(StoreError::AlreadyExists {
                what: "instance",
                id: new.id.clone(),
            }
            .into());
        }
        let ctx = context_with_secrets(
            plugin.plugin.manifest().clone(),
            &row,
            new.secrets.clone(),
            plugin.grant.reveal_secrets,
            &self.options,
        )?;
        // A consent-flow instance has no credentials to check before an
        // admin connects it: it is added "not connected".
        let consent_flow = !crate::instance::connect::consent_profiles(&ctx).is_empty();
        let checked = match consent_flow {
            true => Ok(()),
            false => plugin.plugin.check(&ctx).await.map(|_| ()),
        };
        drop(ctx);
        if let Err(cause) = checked {
            // An upstream that is down or slow is transient: keep the
            // instance and let the scheduler retry. Anything else (refused
            // credentials or consent, bad settings, a broken plugin, a host
            // fault) needs someone to act first.
            if cause.blame() != Blame::Upstream {
                return Err(DaemonError::Check {
                    id: new.id.clone(),
                    cause,
                });
            }
            tracing::warn!(instance = %new.id, error = %cause, "credentials check failed; the scheduler will retry");
        }
        store_new(&self.store, &self.key, &row, &new)?;
        match &self.cluster {
            // Whichever node has room claims it (this one now; the others
            // when the change is announced).
            Some(c) => c.wake(),
            None => self.start_worker(&new.id),
        }
        self.update_gauges();
        self.status(&new.id)
    }

    /// Run the plugin's `check` for instance `id` against the app: proves its
    /// credentials, consent and settings and returns what the app says of
    /// the account. The check runs in the worker's context (built now if the
    /// worker has none yet), so it shares its tokens and rate buckets; a
    /// disabled instance can be checked too. On a cluster node, an enabled
    /// instance is checked only by the node running it (its lease holder):
    /// anywhere else the check would mint a second token, which on apps
    /// like Zoom revokes the running one ([`DaemonError::NotRunHere`]).
    pub async fn check_instance(&self, id: &str) -> Result<AccountInfo, DaemonError> {
        let row = self.instance_row(id)?;
        let plugin = self
            .plugins
            .current(&self.home, &self.store, &self.runtime, &row.plugin_id)
            .await?;
        let running = self
            .workers
            .lock()
            .ok()
            .and_then(|w| w.get(id).map(|h| h.context.clone()));
        let stamp = worker::stamp(&plugin, &row);
        let ctx = match &self.cluster {
            None => match running {
                Some(running) => {
                    running.get_or_build(&stamp, || self.fresh_context(&plugin, &row))?
                }
                None => self.fresh_context(&plugin, &row)?,
            },
            Some(cluster) => match (running, cluster.held(id)) {
                (Some(running), Some(held)) => running
                    .get_or_build(&stamp, || self.gated_context(&plugin, &row, Some(&held)))?,
                // Another node works on it, or will: a token minted here
                // would revoke the one it uses.
                _ if row.enabled => return Err(self.not_run_here(cluster, id)),
                // Disabled: no node calls the app for it.
                _ => self.fresh_context(&plugin, &row)?,
            },
        };
        plugin
            .plugin
            .check(&ctx)
            .await
            .map_err(|cause| DaemonError::CheckFailed {
                id: id.to_string(),
                cause,
            })
    }

    /// Why this node does not work on enabled instance `id`: which node
    /// does, as the store says.
    fn not_run_here(&self, cluster: &Cluster, id: &str) -> DaemonError {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        let holder = self.store.leases().ok().and_then(|leases| {
            leases
                .into_iter()
                .find(|l| l.instance == id && l.expires_at_ms > now && l.node != cluster.node)
                .map(|l| plugboard_core::text::neutralize(&l.node).into_owned())
        });
        DaemonError::NotRunHere {
            id: id.to_string(),
            node: cluster.node.clone(),
            holder,
        }
    }

    /// A new context for `row` on `plugin`, owned by the caller (a worker
    /// keeps it as its running context).
    fn fresh_context(
        &self,
        plugin: &CurrentPlugin,
        row: &InstanceRow,
    ) -> Result<Arc<InstanceContext>, DaemonError> {
        Ok(build_context(
            plugin.plugin.manifest().clone(),
            row,
            &self.store,
            &self.key,
            plugin.grant.reveal_secrets,
            &self.options,
        )?)
    }

    /// A new context whose token broker mints only while `held`'s gate is
    /// open (a cluster node's lease), for a worker's running context.
    fn gated_context(
        &self,
        plugin: &CurrentPlugin,
        row: &InstanceRow,
        held: Option<&cluster::Held>,
    ) -> Result<Arc<InstanceContext>, DaemonError> {
        let ctx = self.fresh_context(plugin, row)?;
        if let Some(h) = held {
            ctx.http.broker().gate_with(h.gate.clone());
        }
        Ok(ctx)
    }

    /// Change an instance's settings, secrets or upstream routes (e.g. rotate
    /// a client secret) without losing its data; the worker rebuilds its
    /// context from the next phase.
    pub async fn update_instance(
        &self,
        id: &str,
        update: InstanceUpdate,
    ) -> Result<InstanceStatus, DaemonError> {
        let row = self.instance_row(id)?;
        let plugin = self
            .plugins
            .current(&self.home, &self.store, &self.runtime, &row.plugin_id)
            .await?;
        update_instance(
            &self.store,
            &self.key,
            plugin.plugin.manifest(),
            id,
            &update,
        )?;
        self.status(id)
    }

    /// Enable or disable an instance. Disabling stops its worker between
    /// pages and keeps every record and checkpoint; enabling resumes.
    pub fn set_enabled(
        self: &Arc<Self>,
        id: &str,
        enabled: bool,
    ) -> Result<InstanceStatus, DaemonError> {
        self.instance_row(id)?;
        self.store.set_instance_enabled(id, enabled)?;
        if let Some(c) = &self.cluster {
            c.wake();
        }
        if enabled {
            let running = self
                .workers
                .lock()
                .map(|w| w.contains_key(id))
                .unwrap_or(false);
            if !running {
                self.start_worker(id);
            }
        } else {
            self.stop_worker(id);
        }
        self.update_gauges();
        self.status(id)
    }

    /// Remove an instance and its data.
    pub fn remove_instance(&self, id: &str) -> Result<(), DaemonError> {
        self.instance_row(id)?;
        self.stop_worker(id);
        self.store.remove_instance(id)?;
        self.update_gauges();
        Ok(())
    }

    /// Ask instance `id` to run every phase now. Its worker on this node is
    /// told at once. On a cluster node that does not run it, the request is
    /// queued for the lease holder: every phase is marked due now in the
    /// store and the scan is announced ([`Change::Scan`](plugboard_core::store::Change)),
    /// so the holder's worker runs it; nothing here mints a token or calls
    /// the app. An announcement lost on the way (the listener reconnecting)
    /// leaves the phases due: the holder runs them when its worker next
    /// reads its schedule.
    pub fn scan_now(&self, id: &str) -> Result<(), DaemonError> {
        let row = self.instance_row(id)?;
        if !row.enabled {
            return Err(DaemonError::Instance(InstanceError::Disabled(
                id.to_string(),
            )));
        }
        let sender = self
            .workers
            .lock()
            .ok()
            .and_then(|w| w.get(id).map(|h| h.commands.clone()));
        match sender {
            Some(tx) => {
                let _ = tx.try_send(WorkerCommand::ScanNow);
            }
            None if self.cluster.is_some() => {
                let now = schedule::format_time(time::OffsetDateTime::now_utc());
                for p in Phase::ALL {
                    self.store.schedule_next(id, p.name(), Some(&now))?;
                }
                self.store.announce_scan(id)?;
            }
            None => {}
        }
        Ok(())
    }

    /// A scan of `id` was announced by another node: this node's worker of
    /// it, if any, runs every phase now.
    pub(crate) fn scan_announced(&self, id: &str) {
        let sender = self
            .workers
            .lock()
            .ok()
            .and_then(|w| w.get(id).map(|h| h.commands.clone()));
        if let Some(tx) = sender {
            let _ = tx.try_send(WorkerCommand::ScanNow);
        }
    }

    /// Stop every worker between pages and wait for them (at most
    /// `timeout`); a cluster node then gives its leases back.
    pub async fn shutdown(self: &Arc<Self>, timeout: Duration) {
        let _ = self.stopping.send(true);
        let tasks: Vec<_> = self
            .workers
            .lock()
            .map(|mut w| w.drain().map(|(_, h)| h.task).collect())
            .unwrap_or_default();
        let all = futures::future::join_all(tasks);
        if tokio::time::timeout(timeout, all).await.is_err() {
            tracing::warn!(
                "shutdown: some pages did not finish within {timeout:?}; they will be fetched again on restart"
            );
        }
        if let Some(cluster) = &self.cluster {
            cluster::release_all(self, cluster).await;
        }
    }
}

/// Secrets given to the API as plain strings, sealed on create.
pub fn secrets_from(map: BTreeMap<String, String>) -> BTreeMap<String, SecretValue> {
    map.into_iter()
        .map(|(k, v)| (k, SecretValue::new(v)))
        .collect()
}
