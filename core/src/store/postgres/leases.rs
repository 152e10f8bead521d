//! Leases with fencing in PostgreSQL. Expiry is judged by the database's
//! clock (`plugboard_now_ms()`), never a node's. A takeover updates the lease
//! row, which waits for any fenced commit holding that row (`FOR SHARE`), so
//! a commit either ends before the takeover or sees the new token and fails.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use crate::store::leases::ttl_ms;
use crate::store::{Lease, LeaseStore, StoreError};

fn lease_from(instance: &str, r: &Row) -> Result<Lease, tokio_postgres::Error> {
    Ok(Lease {
        instance: instance.to_string(),
        node: r.try_get(0)?,
        token: r.try_get(1)?,
        expires_at_ms: r.try_get(2)?,
    })
}

impl LeaseStore for PgStore {
    fn acquire_lease(
        &self,
        instance: &str,
        node: &str,
        ttl: std::time::Duration,
    ) -> Result<Option<Lease>, StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(self.on("taking a lease"))?;
            self.ensure_instance(&tx, instance).await?;
            let lease = self.acquire_in(&tx, instance, node, ttl_ms(ttl)).await?;
            tx.commit().await.map_err(self.on("taking a lease"))?;
            Ok(lease)
        })
    }

    fn renew_lease(&self, lease: &Lease, ttl: std::time::Duration) -> Result<Lease, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "renewing a lease",
                    "UPDATE leases SET expires_at_ms = plugboard_now_ms() + $4 \
                     WHERE instance_id = $1 AND owner = $2 AND token = $3 \
                     RETURNING owner, token, expires_at_ms",
                    &[&lease.instance, &lease.node, &lease.token, &ttl_ms(ttl)],
                )
                .await?;
            match row {
                Some(r) => lease_from(&lease.instance, &r).map_err(self.on("renewing a lease")),
                None => {
                    self.ensure_instance(&c, &lease.instance).await?;
                    Err(match self.check_fence(&c, lease, false).await {
                        Err(e) => e,
                        Ok(()) => StoreError::lease_lost(lease, Some(lease.node.clone())),
                    })
                }
            }
        })
    }

    fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.exec(
                &c,
                "releasing a lease",
                "UPDATE leases SET expires_at_ms = 0 \
                 WHERE instance_id = $1 AND owner = $2 AND token = $3",
                &[&lease.instance, &lease.node, &lease.token],
            )
            .await?;
            Ok(())
        })
    }

    fn leases(&self) -> Result<Vec<Lease>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing leases",
                    "SELECT owner, token, expires_at_ms, instance_id FROM leases \
                     ORDER BY instance_id",
                    &[],
                )
                .await?;
            self.decode("listing leases", &rows, |r| {
                let instance: String = r.try_get(3)?;
                lease_from(&instance, r)
            })
        })
    }
}

impl PgStore {
    /// Take the lease of `instance` for `node` for `ttl_ms` if it is free,
    /// expired, released or already `node`'s, inside the caller's transaction.
    pub(crate) async fn acquire_in(
        &self,
        tx: &impl GenericClient,
        instance: &str,
        node: &str,
        ttl_ms: i64,
    ) -> Result<Option<Lease>, StoreError> {
        let row = self
            .row(
                tx,
                "taking a lease",
                "INSERT INTO leases (instance_id, owner, token, expires_at_ms) \
                 VALUES ($1, $2, 1, plugboard_now_ms() + $3) \
                 ON CONFLICT (instance_id) DO UPDATE SET owner = excluded.owner, \
                 token = CASE WHEN leases.owner = excluded.owner THEN leases.token \
                 ELSE leases.token + 1 END, expires_at_ms = excluded.expires_at_ms \
                 WHERE leases.owner = excluded.owner \
                 OR leases.expires_at_ms <= plugboard_now_ms() \
                 RETURNING owner, token, expires_at_ms",
                &[&instance, &node, &ttl_ms],
            )
            .await?;
        row.map(|r| lease_from(instance, &r))
            .transpose()
            .map_err(self.on("taking a lease"))
    }

    /// `Ok(())` when `lease` is still the instance's current lease (same
    /// node, same token), else the error to return. With `hold`, inside a
    /// transaction, the lease row stays locked until it ends, so no takeover
    /// can slip in before the commit.
    pub(crate) async fn check_fence(
        &self,
        c: &impl GenericClient,
        lease: &Lease,
        hold: bool,
    ) -> Result<(), StoreError> {
        let sql = if hold {
            "SELECT owner, token FROM leases WHERE instance_id = $1 FOR SHARE"
        } else {
            "SELECT owner, token FROM leases WHERE instance_id = $1"
        };
        let row = self
            .row(c, "checking the lease", sql, &[&lease.instance])
            .await?;
        let current: Option<(String, i64)> = row
            .map(|r| Ok::<_, tokio_postgres::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()
            .map_err(self.on("checking the lease"))?;
        match current {
            Some((owner, token)) if owner == lease.node && token == lease.token => Ok(()),
            other => Err(StoreError::lease_lost(lease, other.map(|(owner, _)| owner))),
        }
    }
}
