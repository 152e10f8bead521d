//! A process outside the cluster (the CLI, a script on the library) must
//! not call the app for an instance a cluster's node runs: a second token
//! would revoke the node's on apps like Zoom.

use std::time::Duration;

use plugboard_core::store::BackendKind;

use super::HostError;

/// How recently a node must have been heard from for the CLI to count the
/// cluster as running (a node beats every third of its lease TTL; this is
/// four times the default TTL).
pub const RUNNING_WITHIN: Duration = Duration::from_secs(60);

/// The CLI was asked to call the app for an enabled instance (scan it, check
/// it, act on it) while nodes of a cluster run on its database: the node
/// holding its lease works on it, and a second token minted here would
/// revoke that node's on apps like Zoom.
#[derive(Debug, thiserror::Error)]
#[error(
    "instance `{id}` is enabled and the nodes of a cluster work on this database ({holder}): running it from this command too would mint a second token, which on apps like Zoom revokes theirs; ask a node instead (`POST /v1/instances/{id}/scan` or `/check` through any node's API), or `plugboard instance disable {id}` first and run this command then"
)]
pub struct ClusterRuns {
    id: String,
    holder: String,
}

impl ClusterRuns {
    /// The operator's: use the cluster's API, or disable the instance.
    pub fn blame(&self) -> plugboard_core::Blame {
        plugboard_core::Blame::Operator
    }
}

/// Refuse to run enabled instance `row` from the CLI while a cluster's
/// nodes (heard from within [`RUNNING_WITHIN`]) work on the PostgreSQL
/// store: one of them holds, or will claim, its lease. Best effort: a node
/// that starts right after this look is not seen, which is why the error
/// says to disable the instance first (a disabled instance is never
/// claimed).
pub fn refuse_if_cluster_runs(
    store: &plugboard_core::store::Store,
    row: &plugboard_core::store::InstanceRow,
) -> Result<(), HostError> {
    if store.kind() == BackendKind::Sqlite || !row.enabled {
        return Ok(());
    }
    let nodes = store.live_nodes(RUNNING_WITHIN)?;
    if nodes.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let holder = store
        .leases()?
        .into_iter()
        .find(|l| l.instance == row.id && l.expires_at_ms > now)
        .map_or_else(
            || format!("{} node(s) live, none holding it yet", nodes.len()),
            |l| {
                format!(
                    "node {} holds its lease",
                    plugboard_core::text::neutralize(&l.node)
                )
            },
        );
    Err(HostError::ClusterRuns(ClusterRuns {
        id: row.id.clone(),
        holder,
    }))
}

/// Milliseconds since the Unix epoch by this machine's clock.
pub fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(i64::MAX)
}
