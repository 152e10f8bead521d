//! The benchmark's PostgreSQL: the throw-away cluster of `tests/pgcluster`
//! (started on first use, stopped when the benchmark exits), a fresh
//! database per run, and the few queries the benchmarks poll.

use anyhow::Context as _;
use plugboard_pgcluster::Cluster;

/// One fresh database of the throw-away cluster.
pub struct Db {
    cluster: &'static Cluster,
    /// Its URL (with the password; passed to nodes by environment only).
    pub url: String,
}

impl Db {
    /// A new, empty database named after `hint`.
    pub fn create(hint: &str) -> anyhow::Result<Db> {
        let cluster = plugboard_pgcluster::shared()?;
        let url = cluster.create_database(hint)?;
        Ok(Db { cluster, url })
    }

    /// The single number `sql` answers.
    pub fn number(&self, sql: &str) -> anyhow::Result<f64> {
        let out = self.cluster.sql(&self.url, sql)?;
        out.trim()
            .parse::<f64>()
            .with_context(|| format!("{sql} answered {out:?}"))
    }

    /// Instances whose directory (accounts) phase has succeeded once.
    pub fn directory_scans_done(&self) -> anyhow::Result<u64> {
        Ok(self.number(
            "SELECT count(*) FROM schedules WHERE phase = 'accounts' AND last_success_at IS NOT NULL",
        )? as u64)
    }

    /// Instances whose three phases have all succeeded once.
    pub fn full_scans_done(&self) -> anyhow::Result<u64> {
        Ok(self.number(
            "SELECT count(*) FROM (SELECT instance_id FROM schedules \
             WHERE last_success_at IS NOT NULL GROUP BY instance_id HAVING count(*) = 3) AS done",
        )? as u64)
    }

    /// Live leases held by `node` (`None`: by anyone).
    pub fn live_leases(&self, node: Option<&str>) -> anyhow::Result<u64> {
        let owner = node.map_or(String::new(), |n| {
            // Node ids are `node-` and hex digits (from /readyz), never quoted text.
            let clean: String = n
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            format!(" AND owner = '{clean}'")
        });
        Ok(self.number(&format!(
            "SELECT count(*) FROM leases WHERE expires_at_ms > plugboard_now_ms(){owner}"
        ))? as u64)
    }

    /// Transactions committed in this database so far (`pg_stat_database`;
    /// the statistics lag by up to a second).
    pub fn commits(&self) -> anyhow::Result<f64> {
        self.number("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    }

    /// Rows the scans stored: accounts, groups, memberships, role
    /// assignments, activities and findings.
    pub fn records(&self) -> anyhow::Result<f64> {
        self.number(
            "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM groups) \
             + (SELECT count(*) FROM group_members) + (SELECT count(*) FROM role_assignments) \
             + (SELECT count(*) FROM activities) + (SELECT count(*) FROM findings)",
        )
    }
}
