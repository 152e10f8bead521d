//! Nodes of a cluster and their fair share of the leases: the interface.
//!
//! Every `serve` node records a heartbeat; a node whose heartbeat is older
//! than the liveness window no longer counts. A node claims the leases of
//! enabled instances that nobody holds (never leased, expired, released) up
//! to its fair share, `ceil(enabled instances / live nodes)`, counting the
//! leases it already holds, so no node takes more than its share while
//! others have room. Nodes claiming at the same moment take different
//! instances (PostgreSQL: `FOR NO KEY UPDATE … SKIP LOCKED`; SQLite: one
//! writer). Liveness and expiry are judged by the database's clock.

use std::time::Duration;

use super::{Lease, StoreError};

/// What changed, as announced to every node (PostgreSQL `LISTEN/NOTIFY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Instance `id` was added, changed (settings, enabled) or removed.
    Instance(String),
    /// Plugin `id`'s current version was set (added, upgraded, rolled back)
    /// or the plugin removed.
    Plugin(String),
    /// A scan of instance `id` was asked for through a node that does not
    /// hold its lease; the holder runs it ([`NodeStore::announce_scan`]).
    Scan(String),
}

impl Change {
    /// Parse a notification's payload: `instance ID`, `plugin ID` or `scan ID`.
    pub(crate) fn parse(payload: &str) -> Option<Change> {
        match payload.split_once(' ')? {
            ("instance", id) => Some(Change::Instance(id.to_string())),
            ("plugin", id) => Some(Change::Plugin(id.to_string())),
            ("scan", id) => Some(Change::Scan(id.to_string())),
            _ => None,
        }
    }
}

/// A subscription to [`Change`]s, on a connection of its own. It ends (the
/// receiver yields `None`) when that connection does; subscribe again, and
/// re-read the store for what may have been missed meanwhile.
pub struct Changes {
    /// The changes, as they are committed.
    pub receiver: tokio::sync::mpsc::UnboundedReceiver<Change>,
    /// Stops listening when dropped.
    pub(crate) _listener: Box<dyn Send + Sync>,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes").finish_non_exhaustive()
    }
}

/// A live node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodeRow {
    /// The node's id.
    pub id: String,
    /// Its last heartbeat, milliseconds since the Unix epoch (database clock).
    pub heartbeat_at_ms: i64,
    /// Live leases it holds.
    pub leases: u64,
}

/// Nodes and lease claims.
pub trait NodeStore {
    /// Record that `node` is alive now.
    fn heartbeat(&self, node: &str) -> Result<(), StoreError>;

    /// Nodes whose last heartbeat is less than `live` old, by id.
    fn live_nodes(&self, live: Duration) -> Result<Vec<NodeRow>, StoreError>;

    /// Subscribe to changes of instances and plugins made through any node,
    /// or `None` when this backend serves one node only (SQLite: re-read
    /// the store instead).
    fn subscribe_changes(&self) -> Result<Option<Changes>, StoreError>;

    /// Tell every node that a scan of `instance` was asked for
    /// ([`Change::Scan`]), so the one holding its lease runs it. Nothing on
    /// a backend that serves one node (SQLite).
    fn announce_scan(&self, instance: &str) -> Result<(), StoreError>;

    /// Take, for `ttl`, leases of enabled instances that nobody holds, up to
    /// `node`'s fair share among the nodes live within `live` (itself always
    /// counted); returns the leases taken, by instance. Taking one that was
    /// another node's raises its fencing token.
    fn claim_leases(
        &self,
        node: &str,
        ttl: Duration,
        live: Duration,
    ) -> Result<Vec<Lease>, StoreError>;
}

/// `ceil(instances / nodes)`, with at least one node.
pub(crate) fn fair_share(instances: i64, nodes: i64) -> i64 {
    let nodes = nodes.max(1);
    (instances + nodes - 1) / nodes
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::fair_share;
    use crate::store::fixtures::{plugin_row, stores};
    use crate::store::{InstanceRow, Store, StoreError};

    const LONG: Duration = Duration::from_secs(3600);

    fn with_instances(store: &Store, enabled: usize, disabled: usize) -> Result<(), StoreError> {
        store.put_plugin(&plugin_row("p", "1"))?;
        for n in 0..enabled + disabled {
            store.add_instance(&InstanceRow {
                id: format!("i{n}"),
                plugin_id: "p".into(),
                config_json: "{}".into(),
                upstreams_json: "{}".into(),
                enabled: n < enabled,
                created_at: String::new(),
                updated_at: String::new(),
            })?;
        }
        Ok(())
    }

    fn ids(leases: &[crate::store::Lease]) -> Vec<&str> {
        leases.iter().map(|l| l.instance.as_str()).collect()
    }

    #[test]
    fn the_fair_share_rounds_up() {
        for (instances, nodes, share) in [(0, 1, 0), (4, 2, 2), (5, 2, 3), (6, 4, 2), (3, 0, 3)] {
            assert_eq!(
                fair_share(instances, nodes),
                share,
                "{instances} over {nodes}"
            );
        }
    }

    #[test]
    fn live_nodes_share_the_enabled_instances_fairly() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("nodes_fair")? {
            println!("backend: {backend}");
            with_instances(&store, 4, 1)?;
            store.heartbeat("node-a")?;
            store.heartbeat("node-b")?;
            let a = store.claim_leases("node-a", LONG, LONG)?;
            assert_eq!(ids(&a), ["i0", "i1"], "{backend}: half of four");
            let b = store.claim_leases("node-b", LONG, LONG)?;
            assert_eq!(ids(&b), ["i2", "i3"], "{backend}: the other half");
            assert!(
                store.claim_leases("node-a", LONG, LONG)?.is_empty(),
                "{backend}"
            );
            let nodes: Vec<_> = store
                .live_nodes(LONG)?
                .into_iter()
                .map(|n| (n.id, n.leases))
                .collect();
            assert_eq!(
                nodes,
                [("node-a".to_string(), 2), ("node-b".to_string(), 2)],
                "{backend}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_silent_node_does_not_shrink_the_others_share() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("nodes_silent")? {
            println!("backend: {backend}");
            with_instances(&store, 3, 0)?;
            store.heartbeat("node-gone")?;
            // With no liveness window, only the claiming node counts.
            assert!(store.live_nodes(Duration::ZERO)?.is_empty(), "{backend}");
            let a = store.claim_leases("node-a", LONG, Duration::ZERO)?;
            assert_eq!(ids(&a), ["i0", "i1", "i2"], "{backend}");
        }
        Ok(())
    }

    #[test]
    fn only_leases_nobody_holds_are_claimed() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("nodes_claim")? {
            println!("backend: {backend}");
            with_instances(&store, 3, 0)?;
            let live = store.acquire_lease("i0", "node-x", LONG)?.ok_or("i0")?;
            let expired = store
                .acquire_lease("i1", "node-x", Duration::ZERO)?
                .ok_or("i1")?;
            let released = store.acquire_lease("i2", "node-x", LONG)?.ok_or("i2")?;
            store.release_lease(&released)?;
            // node-x is not live (no heartbeat): node-a's share is all three.
            let a = store.claim_leases("node-a", LONG, LONG)?;
            assert_eq!(ids(&a), ["i1", "i2"], "{backend}: not the live i0");
            assert!(a[0].token > expired.token, "{backend}: taken over");
            assert_eq!(store.leases()?[0], live, "{backend}");
        }
        Ok(())
    }
}
