//! The daemon as one node of a cluster on a PostgreSQL store: which
//! instances this node works on, through leases.
//!
//! Threat: two nodes working on one instance store pages twice or move a
//! cursor backwards, and on Zoom their two live tokens revoke each other; a
//! node that dies or is paused must not keep an instance from being worked
//! on. Decision: a node runs the worker of an instance only while it holds
//! the instance's lease (owner, expiry by the database's clock, fencing
//! token; `plugboard_core::store::LeaseStore`). One loop per node, every
//! third of the TTL (and at once when a change is announced): heartbeat,
//! renew every held lease, give back leases of instances no longer enabled
//! and those above the fair share, claim free or expired leases up to the
//! fair share, then start and stop workers to match. Every page commits with
//! the lease, so the database refuses the page of an owner that lost it
//! (the fencing token). Besides, each held lease has a local deadline on the
//! monotonic clock (the moment the last successful renew was *sent*, plus
//! the TTL — never later than the database's expiry): past it, or once a
//! renew says the lease is gone, the worker is told to stop between pages
//! and its token broker mints nothing more ([`MintGate`]), so a node that
//! was paused or cut off stops minting tokens without asking anyone. Its
//! page in flight, if any, is refused by the fence.
//!
//! SQLite serves one node: no leases, no loop (`Shared::cluster` is `None`).

mod metrics;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plugboard_core::store::{Change, Lease, StoreError};
use tokio::sync::Notify;

pub use metrics::ClusterMetrics;

use super::Shared;
use crate::capabilities::auth::MintGate;

/// How long a lease lasts unless renewed, by default.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(15);

/// After a change subscription ends, how long before subscribing again.
const RESUBSCRIBE_AFTER: Duration = Duration::from_secs(1);

/// A lease this node holds, and the gate of the tokens minted under it.
#[derive(Debug, Clone)]
pub struct Held {
    /// The lease as the database granted it (its token fences commits).
    pub lease: Lease,
    /// Open until the local deadline; closed when the lease is lost.
    pub gate: MintGate,
    /// The local deadline: when the last successful renew was sent, plus
    /// the TTL.
    until: Instant,
}

#[cfg(test)]
impl Held {
    /// A lease held until `ttl` from now, for tests.
    pub(crate) fn for_test(lease: Lease, ttl: Duration) -> Self {
        let until = Instant::now() + ttl;
        let gate = MintGate::default();
        gate.open_until(until);
        Held { lease, gate, until }
    }
}

/// This node: its id, TTL and the leases it holds.
pub struct Cluster {
    /// This node's id (random per start).
    pub node: String,
    /// Lease TTL.
    pub ttl: Duration,
    held: Mutex<BTreeMap<String, Held>>,
    wake: Notify,
    /// Lease and node metrics.
    pub metrics: Arc<ClusterMetrics>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node", &self.node)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// A fresh node id: `node-` and 12 random hex digits.
pub fn new_node_id() -> String {
    format!("node-{}", hex::encode(rand::random::<[u8; 6]>()))
}

impl Cluster {
    /// A node with a fresh id and `ttl` (at least 3 s, so a renew every
    /// third of it is not a busy loop).
    pub fn new(ttl: Duration, metrics: Arc<ClusterMetrics>) -> Cluster {
        Cluster {
            node: new_node_id(),
            ttl: ttl.max(Duration::from_secs(3)),
            held: Mutex::new(BTreeMap::new()),
            wake: Notify::new(),
            metrics,
        }
    }

    /// How often the loop runs: a third of the TTL, so one slow or failed
    /// renew still leaves time for the next.
    pub fn period(&self) -> Duration {
        self.ttl / 3
    }

    /// Run the loop now (a change was announced, an instance was added).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The lease held on `instance`, if this node holds it and its local
    /// deadline has not passed.
    pub fn held(&self, instance: &str) -> Option<Held> {
        let held = self.held.lock().ok()?;
        held.get(instance)
            .filter(|h| Instant::now() < h.until)
            .cloned()
    }

    /// Instances whose lease this node holds.
    pub fn held_ids(&self) -> BTreeSet<String> {
        self.held
            .lock()
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn snapshot(&self) -> Vec<Held> {
        self.held
            .lock()
            .map(|h| h.values().cloned().collect())
            .unwrap_or_default()
    }

    fn insert(&self, lease: Lease, sent: Instant) {
        let until = sent + self.ttl;
        let gate = MintGate::default();
        gate.open_until(until);
        if let Ok(mut held) = self.held.lock() {
            held.insert(lease.instance.clone(), Held { lease, gate, until });
        }
    }

    fn renewed(&self, instance: &str, sent: Instant) {
        if let Ok(mut held) = self.held.lock()
            && let Some(h) = held.get_mut(instance)
        {
            h.until = sent + self.ttl;
            h.gate.open_until(h.until);
        }
    }

    /// Forget the lease of `instance` (lost, or given back) and close its
    /// gate; the lease itself, if still held, is returned to be released.
    fn forget(&self, instance: &str) -> Option<Held> {
        let h = self.held.lock().ok()?.remove(instance)?;
        h.gate.close();
        Some(h)
    }
}

impl Shared {
    /// This node lost the lease of `instance` (`how`: renew, lapsed,
    /// fenced): its worker stops between pages and mints nothing more.
    pub(crate) fn lease_lost(&self, instance: &str, how: &str, why: &str) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        if cluster.forget(instance).is_some() {
            cluster.metrics.lost(&cluster.node, how);
            tracing::warn!(node = %cluster.node, %instance, how, reason = %why, "lease lost; this node stops working on the instance");
        }
        self.stop_worker(instance);
        cluster
            .metrics
            .set_held(&cluster.node, cluster.held_ids().len());
    }
}

/// Run `work` on the blocking pool (every store call blocks).
async fn blocking<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> Option<R> {
    tokio::task::spawn_blocking(work).await.ok()
}

/// The node's loop, until the daemon stops; then every held lease is
/// released (after the workers stopped: see [`Shared::shutdown`]).
pub(crate) async fn run(shared: Arc<Shared>, cluster: Arc<Cluster>) {
    let mut stop = shared.stopping.subscribe();
    loop {
        if *stop.borrow() {
            return;
        }
        tick(&shared, &cluster).await;
        tokio::select! {
            _ = tokio::time::sleep(cluster.period()) => {}
            _ = cluster.wake.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// One round: heartbeat, renew, give back, claim, match workers.
async fn tick(shared: &Arc<Shared>, cluster: &Arc<Cluster>) {
    let node = cluster.node.clone();
    let ttl = cluster.ttl;
    let store = shared.store.clone();
    let beat = blocking(move || store.heartbeat(&node)).await;
    if let Some(Err(e)) = beat {
        tracing::warn!(node = %cluster.node, error = %e, "cannot record this node's heartbeat");
    }
    renew_all(shared, cluster).await;
    give_back(shared, cluster).await;
    let (store, node) = (shared.store.clone(), cluster.node.clone());
    let sent = Instant::now();
    match blocking(move || store.claim_leases(&node, ttl, ttl)).await {
        Some(Ok(claimed)) => {
            for lease in claimed {
                if lease.token > 1 {
                    cluster.metrics.takeover(&cluster.node);
                }
                tracing::info!(node = %cluster.node, instance = %lease.instance, token = lease.token, "lease taken");
                cluster.insert(lease, sent);
            }
        }
        Some(Err(e)) => {
            tracing::warn!(node = %cluster.node, error = %e, "cannot claim leases");
        }
        None => {}
    }
    if let Err(e) = shared.reconcile() {
        tracing::warn!(node = %cluster.node, error = %e, "cannot match workers to the store");
    }
    cluster
        .metrics
        .set_held(&cluster.node, cluster.held_ids().len());
    let store = shared.store.clone();
    if let Some(Ok(nodes)) = blocking(move || store.live_nodes(ttl)).await {
        cluster.metrics.saw_nodes(&nodes);
    }
}

/// Renew every held lease; a lease the database says is gone, or whose
/// local deadline passed without a successful renew, is lost.
async fn renew_all(shared: &Arc<Shared>, cluster: &Arc<Cluster>) {
    for held in cluster.snapshot() {
        let (store, lease, ttl) = (shared.store.clone(), held.lease.clone(), cluster.ttl);
        let sent = Instant::now();
        let result = blocking(move || store.renew_lease(&lease, ttl)).await;
        let instance = held.lease.instance.as_str();
        match result {
            Some(Ok(_)) => {
                cluster
                    .metrics
                    .renewed(&cluster.node, sent.elapsed().as_secs_f64());
                cluster.renewed(instance, sent);
            }
            Some(Err(e @ (StoreError::LeaseLost { .. } | StoreError::NotFound { .. }))) => {
                shared.lease_lost(instance, "renew", &e.to_string());
            }
            Some(Err(e)) if Instant::now() >= held.until => {
                shared.lease_lost(instance, "lapsed", &e.to_string());
            }
            Some(Err(e)) => {
                tracing::warn!(node = %cluster.node, %instance, error = %e, "cannot renew a lease; trying again");
            }
            None => {}
        }
    }
}

/// Give back the leases of instances no longer enabled, and those above
/// this node's fair share (idle workers first), so a node that joins gets
/// work and no node holds more than its share while others have room.
async fn give_back(shared: &Arc<Shared>, cluster: &Arc<Cluster>) {
    let (store, ttl) = (shared.store.clone(), cluster.ttl);
    let Some(Ok((rows, nodes))) =
        blocking(move || Ok::<_, StoreError>((store.instances()?, store.live_nodes(ttl)?))).await
    else {
        return;
    };
    // Sets: a node may hold thousands of leases.
    let enabled: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.enabled)
        .map(|r| r.id.as_str())
        .collect();
    let live = nodes.len().max(1);
    let share = enabled.len().div_ceil(live);
    let (mut held, mut excess): (Vec<String>, Vec<String>) = cluster
        .held_ids()
        .into_iter()
        .partition(|id| enabled.contains(id.as_str()));
    if held.len() > share {
        // Idle workers first: a running phase is not cut short to move.
        held.sort_by_key(|id| shared.worker_state(id).running.is_some());
        excess.extend(held.into_iter().skip(share));
    }
    for id in excess {
        let worker = shared.take_worker(&id);
        if let Some(w) = &worker
            && shared.worker_state_of(w).running.is_some()
            && enabled.contains(id.as_str())
        {
            // Busy: a running phase is not cut short to move; next round.
            if let Some(w) = worker {
                shared.put_worker(&id, w);
            }
            continue;
        }
        // No longer ours from here (no worker is started for it again);
        // the lease is released once the worker stopped, without holding
        // up this round's renewals.
        let Some(held) = cluster.forget(&id) else {
            continue;
        };
        let (shared, cluster) = (shared.clone(), cluster.clone());
        tokio::spawn(async move {
            if let Some(w) = worker {
                let _ = w.stop.send(true);
                let _ = w.task.await;
            }
            release(&shared, &cluster, held).await;
        });
    }
}

/// Release `held` (already forgotten), so another node may take it at once.
async fn release(shared: &Arc<Shared>, cluster: &Arc<Cluster>, held: Held) {
    let store = shared.store.clone();
    let lease = held.lease.clone();
    let instance = held.lease.instance;
    match blocking(move || store.release_lease(&lease)).await {
        Some(Err(e)) => {
            tracing::warn!(node = %cluster.node, %instance, error = %e, "cannot release a lease; it expires by itself");
        }
        _ => tracing::info!(node = %cluster.node, %instance, "lease given back"),
    }
}

/// Release every lease this node holds (clean stop, after its workers
/// stopped), so other nodes take them over at once.
pub(crate) async fn release_all(shared: &Arc<Shared>, cluster: &Arc<Cluster>) {
    for id in cluster.held_ids() {
        if let Some(held) = cluster.forget(&id) {
            release(shared, cluster, held).await;
        }
    }
}

/// Listen for changes announced by any node (PostgreSQL `LISTEN/NOTIFY`)
/// and run the loop at once for each; a new current plugin version is
/// also loaded (fetched into this home and compiled) ahead of its first
/// use. The loop's own period is the fallback when notifications are lost.
pub(crate) async fn listen(shared: Arc<Shared>, cluster: Arc<Cluster>) {
    let mut stop = shared.stopping.subscribe();
    loop {
        let store = shared.store.clone();
        match blocking(move || store.subscribe_changes()).await {
            Some(Ok(Some(mut changes))) => {
                // Whatever changed while not listening.
                cluster.wake();
                loop {
                    let change = tokio::select! {
                        c = changes.receiver.recv() => c,
                        _ = stop.changed() => return,
                    };
                    let Some(change) = change else { break };
                    match &change {
                        Change::Plugin(id) => preload(&shared, id.clone()),
                        Change::Scan(id) => {
                            shared.scan_announced(id);
                            continue;
                        }
                        Change::Instance(_) => {}
                    }
                    cluster.wake();
                }
                tracing::warn!(node = %cluster.node, "the change subscription ended; subscribing again");
            }
            Some(Ok(None)) | None => return,
            Some(Err(e)) => {
                tracing::warn!(node = %cluster.node, error = %e, "cannot listen for changes; the loop polls meanwhile");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(RESUBSCRIBE_AFTER) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Load plugin `id`'s current version in the background.
fn preload(shared: &Arc<Shared>, id: String) {
    let s = shared.clone();
    tokio::spawn(async move {
        if let Err(e) = s.plugins.current(&s.home, &s.store, &s.runtime, &id).await {
            tracing::debug!(plugin = %id, error = %e, "cannot load the new current version yet");
        }
    });
}
