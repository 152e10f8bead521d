//! `plugboard cluster status`: the nodes sharing a PostgreSQL store, the
//! leases each holds and its last heartbeat, read from the database (no
//! daemon needed). With SQLite there is one node and nothing to show.

use std::time::Duration;

use clap::Subcommand;
use plugboard_core::store::{BackendKind, Lease, NodeRow};
use serde::Serialize;

use super::serve::parse_duration;
use super::table::{emit, print_json, table};
use plugboard_host::host::Host;
use plugboard_host::host::now_ms;

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// List the nodes heard from recently, their leases and last heartbeat,
    /// and the enabled instances no live node holds.
    Status {
        /// A node whose last heartbeat is older than this is shown as not
        /// live (use the daemons' --lease-ttl).
        #[arg(long, default_value = "15s", value_parser = parse_duration)]
        lease_ttl: Duration,
        /// Show nodes heard from within this long.
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        since: Duration,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `cluster status` on an SQLite store: there is no cluster (the operator
/// must give a PostgreSQL database).
#[derive(Debug, thiserror::Error)]
#[error(
    "this home's store is SQLite, served by one `plugboard serve`: there is no cluster; give --database postgres://… (or PLUGBOARD_DATABASE) to see the nodes sharing a PostgreSQL store"
)]
pub struct NoCluster;

impl NoCluster {
    /// The operator's: point the command at the cluster's database.
    pub fn blame(&self) -> plugboard_core::Blame {
        plugboard_core::Blame::Operator
    }
}

/// A leased instance, as shown.
#[derive(Debug, Serialize)]
struct LeaseView {
    instance: String,
    token: i64,
    expires_at: String,
    live: bool,
}

/// A node, as shown.
#[derive(Debug, Serialize)]
struct NodeView {
    id: String,
    last_heartbeat: String,
    heartbeat_age_ms: u64,
    live: bool,
    leases: Vec<LeaseView>,
}

/// The whole answer.
#[derive(Debug, Serialize)]
struct Status {
    database: String,
    nodes: Vec<NodeView>,
    unowned: Vec<String>,
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ms.to_string())
}

/// What the database says, judged live by this machine's clock.
fn status(
    database: &str,
    nodes: Vec<NodeRow>,
    leases: Vec<Lease>,
    enabled: &[String],
    lease_ttl: Duration,
    now: i64,
) -> Status {
    let ttl_ms = i64::try_from(lease_ttl.as_millis()).unwrap_or(i64::MAX);
    let live_lease = |l: &Lease| l.expires_at_ms > now;
    let views = nodes
        .into_iter()
        .map(|n| NodeView {
            leases: leases
                .iter()
                .filter(|l| l.node == n.id)
                .map(|l| LeaseView {
                    instance: l.instance.clone(),
                    token: l.token,
                    expires_at: rfc3339(l.expires_at_ms),
                    live: live_lease(l),
                })
                .collect(),
            last_heartbeat: rfc3339(n.heartbeat_at_ms),
            heartbeat_age_ms: u64::try_from(now - n.heartbeat_at_ms).unwrap_or(0),
            live: now - n.heartbeat_at_ms < ttl_ms,
            id: n.id,
        })
        .collect();
    let unowned = enabled
        .iter()
        .filter(|id| !leases.iter().any(|l| &l.instance == *id && live_lease(l)))
        .cloned()
        .collect();
    Status {
        database: database.to_string(),
        nodes: views,
        unowned,
    }
}

/// Run a cluster command.
pub async fn run(app: &Host, cmd: ClusterCommand) -> anyhow::Result<()> {
    let store = app.store()?;
    let ClusterCommand::Status {
        lease_ttl,
        since,
        json,
    } = cmd;
    if store.kind() == BackendKind::Sqlite {
        return Err(NoCluster.into());
    }
    let enabled: Vec<String> = store
        .instances()?
        .into_iter()
        .filter(|r| r.enabled)
        .map(|r| r.id)
        .collect();
    let shown = status(
        store.label(),
        store.live_nodes(since)?,
        store.leases()?,
        &enabled,
        lease_ttl,
        now_ms(),
    );
    if json {
        return print_json(&shown);
    }
    let mut t = table(&["node", "live", "last heartbeat", "leases (instance:token)"]);
    for n in &shown.nodes {
        let leases: Vec<String> = n
            .leases
            .iter()
            .filter(|l| l.live)
            .map(|l| format!("{}:{}", l.instance, l.token))
            .collect();
        t.add_row(vec![
            n.id.clone(),
            if n.live { "yes" } else { "no" }.to_string(),
            format!(
                "{} ({:.1} s ago)",
                n.last_heartbeat,
                n.heartbeat_age_ms as f64 / 1000.0
            ),
            leases.join(" "),
        ]);
    }
    t.print()?;
    if !shown.unowned.is_empty() {
        emit(&format!(
            "enabled instances no live node holds: {}",
            shown.unowned.join(" ")
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn liveness_is_judged_by_heartbeat_age_and_lease_expiry() {
        let now = 1_000_000;
        let node = |id: &str, age: i64| NodeRow {
            id: id.into(),
            heartbeat_at_ms: now - age,
            leases: 0,
        };
        let lease = |instance: &str, node: &str, left: i64| Lease {
            instance: instance.into(),
            node: node.into(),
            token: 2,
            expires_at_ms: now + left,
        };
        let s = status(
            "postgres://u@h:5432/db",
            vec![node("a", 1_000), node("b", 20_000)],
            vec![lease("i1", "a", 5_000), lease("i2", "b", -5_000)],
            &["i1".into(), "i2".into(), "i3".into()],
            Duration::from_secs(15),
            now,
        );
        let nodes: Vec<_> = s
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n.live, n.leases.len(), n.heartbeat_age_ms))
            .collect();
        assert_eq!(nodes, [("a", true, 1, 1_000), ("b", false, 1, 20_000)]);
        assert!(s.nodes[0].leases[0].live);
        assert!(!s.nodes[1].leases[0].live, "expired");
        assert_eq!(s.unowned, ["i2", "i3"]);
    }
}
