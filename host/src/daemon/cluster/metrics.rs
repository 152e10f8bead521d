//! Metrics of this node's leases and of the cluster it sees, registered
//! with the daemon's other metrics (`plugboard_node_*`, `plugboard_cluster_*`).

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

fn renew_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// Lease and node metrics.
pub struct ClusterMetrics {
    held: Family<Labels, Gauge>,
    takeovers: Family<Labels, Counter>,
    lost: Family<Labels, Counter>,
    fenced: Family<Labels, Counter>,
    renew_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    live_nodes: Gauge,
    node_leases: Family<Labels, Gauge>,
}

impl Default for ClusterMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl ClusterMetrics {
    /// Empty families.
    pub fn new() -> Self {
        ClusterMetrics {
            held: Family::default(),
            takeovers: Family::default(),
            lost: Family::default(),
            fenced: Family::default(),
            renew_seconds: Family::new_with_constructor(renew_histogram),
            live_nodes: Gauge::default(),
            node_leases: Family::default(),
        }
    }

    /// Register every family in `r`.
    pub fn register(&self, r: &mut Registry) {
        r.register(
            "node_leases_held",
            "Instance leases this node holds",
            self.held.clone(),
        );
        r.register(
            "node_lease_takeovers",
            "Leases this node took over from another node (expired or released)",
            self.takeovers.clone(),
        );
        r.register(
            "node_leases_lost",
            "Leases this node lost, by how it learnt it (renew, lapsed, fenced)",
            self.lost.clone(),
        );
        r.register(
            "node_fenced_commits",
            "Pages this node tried to commit after losing the lease, refused by the fencing token",
            self.fenced.clone(),
        );
        r.register(
            "node_lease_renew_seconds",
            "Time to renew one lease in the database",
            self.renew_seconds.clone(),
        );
        r.register(
            "cluster_live_nodes",
            "Nodes whose heartbeat is within the lease TTL, as this node last saw them",
            self.live_nodes.clone(),
        );
        r.register(
            "cluster_node_leases",
            "Live leases each live node holds, as this node last saw them",
            self.node_leases.clone(),
        );
    }

    fn node(node: &str) -> Labels {
        vec![("node".to_string(), node.to_string())]
    }

    pub(crate) fn set_held(&self, node: &str, n: usize) {
        self.held
            .get_or_create(&Self::node(node))
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    pub(crate) fn takeover(&self, node: &str) {
        self.takeovers.get_or_create(&Self::node(node)).inc();
    }

    pub(crate) fn lost(&self, node: &str, how: &str) {
        let mut l = Self::node(node);
        l.push(("how".to_string(), how.to_string()));
        self.lost.get_or_create(&l).inc();
    }

    pub(crate) fn fenced(&self, node: &str) {
        self.fenced.get_or_create(&Self::node(node)).inc();
    }

    pub(crate) fn renewed(&self, node: &str, seconds: f64) {
        self.renew_seconds
            .get_or_create(&Self::node(node))
            .observe(seconds);
    }

    pub(crate) fn saw_nodes(&self, nodes: &[plugboard_core::store::NodeRow]) {
        self.live_nodes
            .set(i64::try_from(nodes.len()).unwrap_or(i64::MAX));
        self.node_leases.clear();
        for n in nodes {
            self.node_leases
                .get_or_create(&Self::node(&n.id))
                .set(i64::try_from(n.leases).unwrap_or(i64::MAX));
        }
    }
}
