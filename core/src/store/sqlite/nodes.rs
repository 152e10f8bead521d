//! Nodes and lease claims in SQLite: one writer at a time, so claims never
//! race; the same fair-share rule as PostgreSQL.

use rusqlite::params;

use super::leases::{acquire_in, now_ms_sql};
use super::{SqliteStore, write_tx};
use crate::store::leases::ttl_ms;
use crate::store::nodes::fair_share;
use crate::store::{Lease, NodeRow, NodeStore, StoreError};

impl NodeStore for SqliteStore {
    fn heartbeat(&self, node: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.prepare_cached(concat!(
            "INSERT INTO nodes (id, started_at_ms, heartbeat_at_ms) VALUES (?1, ",
            now_ms_sql!(),
            ", ",
            now_ms_sql!(),
            ") ON CONFLICT (id) DO UPDATE SET heartbeat_at_ms = excluded.heartbeat_at_ms"
        ))
        .and_then(|mut s| s.execute([node]))
        .map_err(self.on("recording a heartbeat"))?;
        Ok(())
    }

    fn live_nodes(&self, live: std::time::Duration) -> Result<Vec<NodeRow>, StoreError> {
        let conn = self.conn();
        let rows: Vec<(String, i64, i64)> = conn
            .prepare_cached(concat!(
                "SELECT n.id, n.heartbeat_at_ms, (SELECT COUNT(*) FROM leases l \
                 WHERE l.owner = n.id AND l.expires_at_ms > ",
                now_ms_sql!(),
                ") FROM nodes n WHERE n.heartbeat_at_ms > ",
                now_ms_sql!(),
                " - ?1 ORDER BY n.id"
            ))
            .and_then(|mut s| {
                s.query_map([ttl_ms(live)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(self.on("listing nodes"))?;
        Ok(rows
            .into_iter()
            .map(|(id, heartbeat_at_ms, leases)| NodeRow {
                id,
                heartbeat_at_ms,
                leases: u64::try_from(leases).unwrap_or(0),
            })
            .collect())
    }

    fn subscribe_changes(&self) -> Result<Option<crate::store::Changes>, StoreError> {
        Ok(None)
    }

    fn announce_scan(&self, _instance: &str) -> Result<(), StoreError> {
        Ok(())
    }

    fn claim_leases(
        &self,
        node: &str,
        ttl: std::time::Duration,
        live: std::time::Duration,
    ) -> Result<Vec<Lease>, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "claiming leases")?;
        let on = self.on("claiming leases");
        let now: i64 = tx
            .query_row(concat!("SELECT ", now_ms_sql!()), [], |r| r.get(0))
            .map_err(&on)?;
        let (others, enabled, held): (i64, i64, i64) = tx
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM nodes WHERE heartbeat_at_ms > ?1 - ?2 AND id <> ?3), \
                 (SELECT COUNT(*) FROM instances WHERE enabled), \
                 (SELECT COUNT(*) FROM leases l JOIN instances i ON i.id = l.instance_id \
                  WHERE i.enabled AND l.owner = ?3 AND l.expires_at_ms > ?1)",
            )
            .and_then(|mut s| {
                s.query_row(params![now, ttl_ms(live), node], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
            })
            .map_err(&on)?;
        let room = fair_share(enabled, others + 1) - held;
        if room <= 0 {
            return Ok(Vec::new());
        }
        let free: Vec<String> = tx
            .prepare_cached(
                "SELECT i.id FROM instances i LEFT JOIN leases l ON l.instance_id = i.id \
                 WHERE i.enabled AND (l.instance_id IS NULL OR l.expires_at_ms <= ?1) \
                 ORDER BY i.id LIMIT ?2",
            )
            .and_then(|mut s| s.query_map(params![now, room], |r| r.get(0))?.collect())
            .map_err(&on)?;
        let mut taken = Vec::new();
        for instance in free {
            if let Some(lease) = acquire_in(&tx, &instance, node, ttl_ms(ttl)).map_err(&on)? {
                taken.push(lease);
            }
        }
        tx.commit().map_err(&on)?;
        Ok(taken)
    }
}
