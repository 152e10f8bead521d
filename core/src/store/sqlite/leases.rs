//! Leases with fencing in SQLite: one writer at a time, so the rules hold
//! trivially for the one node an embedded store serves.

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, ensure_instance, write_tx};
use crate::store::leases::ttl_ms;
use crate::store::{Lease, LeaseStore, StoreError};

/// SQL expression for now in milliseconds since the Unix epoch; a macro so
/// `concat!` can splice it into statement text.
macro_rules! now_ms_sql {
    () => {
        "CAST(unixepoch('subsec') * 1000 AS INTEGER)"
    };
}
pub(crate) use now_ms_sql;

fn lease_from(instance: &str, r: &rusqlite::Row<'_>) -> rusqlite::Result<Lease> {
    Ok(Lease {
        instance: instance.to_string(),
        node: r.get(0)?,
        token: r.get(1)?,
        expires_at_ms: r.get(2)?,
    })
}

/// Take the lease of `instance` for `node` for `ttl_ms` if it is free,
/// expired, released or already `node`'s, inside the caller's transaction.
pub(crate) fn acquire_in(
    conn: &rusqlite::Connection,
    instance: &str,
    node: &str,
    ttl_ms: i64,
) -> rusqlite::Result<Option<Lease>> {
    conn.prepare_cached(concat!(
        "INSERT INTO leases (instance_id, owner, token, expires_at_ms) VALUES (?1, ?2, 1, ",
        now_ms_sql!(),
        " + ?3) ON CONFLICT (instance_id) DO UPDATE SET owner = excluded.owner, \
         token = CASE WHEN leases.owner = excluded.owner THEN leases.token \
         ELSE leases.token + 1 END, expires_at_ms = excluded.expires_at_ms \
         WHERE leases.owner = excluded.owner OR leases.expires_at_ms <= ",
        now_ms_sql!(),
        " RETURNING owner, token, expires_at_ms"
    ))
    .and_then(|mut s| {
        s.query_row(params![instance, node, ttl_ms], |r| lease_from(instance, r))
            .optional()
    })
}

impl LeaseStore for SqliteStore {
    fn acquire_lease(
        &self,
        instance: &str,
        node: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "taking a lease")?;
        ensure_instance(self, &tx, instance)?;
        let lease =
            acquire_in(&tx, instance, node, ttl_ms(ttl)).map_err(self.on("taking a lease"))?;
        tx.commit().map_err(self.on("taking a lease"))?;
        Ok(lease)
    }

    fn renew_lease(&self, lease: &Lease, ttl: std::time::Duration) -> Result<Lease, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "renewing a lease")?;
        let renewed = tx
            .prepare_cached(concat!(
                "UPDATE leases SET expires_at_ms = ",
                now_ms_sql!(),
                " + ?4 WHERE instance_id = ?1 AND owner = ?2 AND token = ?3 \
                 RETURNING owner, token, expires_at_ms"
            ))
            .and_then(|mut s| {
                s.query_row(
                    params![lease.instance, lease.node, lease.token, ttl_ms(ttl)],
                    |r| lease_from(&lease.instance, r),
                )
                .optional()
            })
            .map_err(self.on("renewing a lease"))?;
        let Some(renewed) = renewed else {
            return Err(fence_failure(self, &tx, lease)?);
        };
        tx.commit().map_err(self.on("renewing a lease"))?;
        Ok(renewed)
    }

    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "UPDATE leases SET expires_at_ms = 0 \
             WHERE instance_id = ?1 AND owner = ?2 AND token = ?3",
        )
        .and_then(|mut s| s.execute(params![lease.instance, lease.node, lease.token]))
        .map_err(self.on("releasing a lease"))?;
        Ok(())
    }

    fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT owner, token, expires_at_ms, instance_id FROM leases ORDER BY instance_id",
        )
        .and_then(|mut s| {
            s.query_map([], |r| {
                let instance: String = r.get(3)?;
                lease_from(&instance, r)
            })?
            .collect()
        })
        .map_err(self.on("listing leases"))
    }
}

/// Inside a transaction: `Ok(())` when `lease` is still the instance's
/// current lease (same node, same token), else the error to return.
pub(crate) fn check_fence(
    store: &SqliteStore,
    conn: &rusqlite::Connection,
    lease: &Lease,
) -> Result<(), StoreError> {
    let current: Option<(String, i64)> = conn
        .prepare_cached("SELECT owner, token FROM leases WHERE instance_id = ?1")
        .and_then(|mut s| {
            s.query_row([&lease.instance], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(store.on("checking the lease"))?;
    match current {
        Some((owner, token)) if owner == lease.node && token == lease.token => Ok(()),
        other => Err(StoreError::lease_lost(lease, other.map(|(owner, _)| owner))),
    }
}

/// Why `lease` could not be renewed: the instance is gone, or another node
/// (or a newer lease) holds it.
fn fence_failure(
    store: &SqliteStore,
    conn: &rusqlite::Connection,
    lease: &Lease,
) -> Result<StoreError, StoreError> {
    ensure_instance(store, conn, &lease.instance)?;
    match check_fence(store, conn, lease) {
        Err(e) => Ok(e),
        Ok(()) => Ok(StoreError::lease_lost(lease, Some(lease.node.clone()))),
    }
}
