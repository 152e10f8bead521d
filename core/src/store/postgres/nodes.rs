//! Nodes and lease claims in PostgreSQL. Nodes claiming at once lock the
//! candidate instances `FOR NO KEY UPDATE … SKIP LOCKED`, so each takes
//! different ones without waiting for the others (and without blocking page
//! commits, which hold instances `FOR KEY SHARE`).

use super::{PgStore, count};
use crate::store::leases::ttl_ms;
use crate::store::nodes::fair_share;
use crate::store::{Backend, Lease, NodeRow, NodeStore, StoreError};

impl NodeStore for PgStore {
    fn heartbeat(&self, node: &str) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.exec(
                &c,
                "recording a heartbeat",
                "INSERT INTO nodes (id, started_at_ms, heartbeat_at_ms) \
                 VALUES ($1, plugboard_now_ms(), plugboard_now_ms()) \
                 ON CONFLICT (id) DO UPDATE SET heartbeat_at_ms = excluded.heartbeat_at_ms",
                &[&node],
            )
            .await?;
            Ok(())
        })
    }

    fn live_nodes(&self, live: std::time::Duration) -> Result<Vec<NodeRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing nodes",
                    "SELECT n.id, n.heartbeat_at_ms, (SELECT COUNT(*) FROM leases l \
                     WHERE l.owner = n.id AND l.expires_at_ms > plugboard_now_ms()) \
                     FROM nodes n WHERE n.heartbeat_at_ms > plugboard_now_ms() - $1 \
                     ORDER BY n.id",
                    &[&ttl_ms(live)],
                )
                .await?;
            let decoded: Vec<(String, i64, i64)> = self.decode("listing nodes", &rows, |r| {
                Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
            })?;
            decoded
                .into_iter()
                .map(|(id, heartbeat_at_ms, leases)| {
                    Ok(NodeRow {
                        id,
                        heartbeat_at_ms,
                        leases: count(self.label(), leases)?,
                    })
                })
                .collect()
        })
    }

    fn subscribe_changes(&self) -> Result<Option<crate::store::Changes>, StoreError> {
        self.block(self.listen()).map(Some)
    }

    fn announce_scan(&self, instance: &str) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.exec(
                &c,
                "announcing a scan",
                "SELECT pg_notify('plugboard_changes', 'scan ' || $1::text)",
                &[&instance],
            )
            .await?;
            Ok(())
        })
    }

    fn claim_leases(
        &self,
        node: &str,
        ttl: std::time::Duration,
        live: std::time::Duration,
    ) -> Result<Vec<Lease>, StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(self.on("claiming leases"))?;
            let row = self
                .row(
                    &tx,
                    "claiming leases",
                    "SELECT plugboard_now_ms(), \
                     (SELECT COUNT(*) FROM nodes \
                      WHERE heartbeat_at_ms > plugboard_now_ms() - $1 AND id <> $2), \
                     (SELECT COUNT(*) FROM instances WHERE enabled), \
                     (SELECT COUNT(*) FROM leases l JOIN instances i ON i.id = l.instance_id \
                      WHERE i.enabled AND l.owner = $2 AND l.expires_at_ms > plugboard_now_ms())",
                    &[&ttl_ms(live), &node],
                )
                .await?
                .ok_or_else(|| self.fault("claiming leases", "the count returned no row"))?;
            let read = |i: usize| -> Result<i64, StoreError> {
                row.try_get(i).map_err(self.on("claiming leases"))
            };
            let (now, others, enabled, held) = (read(0)?, read(1)?, read(2)?, read(3)?);
            let room = fair_share(enabled, others + 1) - held;
            if room <= 0 {
                return Ok(Vec::new());
            }
            let rows = self
                .rows(
                    &tx,
                    "claiming leases",
                    "SELECT i.id FROM instances i LEFT JOIN leases l ON l.instance_id = i.id \
                     WHERE i.enabled AND (l.instance_id IS NULL OR l.expires_at_ms <= $1) \
                     ORDER BY i.id LIMIT $2 FOR NO KEY UPDATE OF i SKIP LOCKED",
                    &[&now, &room],
                )
                .await?;
            let free: Vec<String> = self.decode("claiming leases", &rows, |r| r.try_get(0))?;
            let mut taken = Vec::new();
            for instance in free {
                if let Some(lease) = self.acquire_in(&tx, &instance, node, ttl_ms(ttl)).await? {
                    taken.push(lease);
                }
            }
            tx.commit().await.map_err(self.on("claiming leases"))?;
            Ok(taken)
        })
    }
}
