//! Pending plugin upgrades in PostgreSQL.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use crate::store::pending::{
    COLUMNS, Stored, UNUSED_COMPONENTS, check_approval, encode, encode_changes, other_version,
};
use crate::store::{PendingStore, PendingUpgrade, PluginOrigin, PluginRow, StoreError};

fn stored(r: &Row) -> Result<Stored, tokio_postgres::Error> {
    Ok(Stored {
        id: r.try_get(0)?,
        version: r.try_get(1)?,
        contract: r.try_get(2)?,
        manifest: r.try_get(3)?,
        wasm_sha256: r.try_get(4)?,
        info_json: r.try_get(5)?,
        origin_json: r.try_get(6)?,
        changes_json: r.try_get(7)?,
        against: r.try_get(8)?,
        grant_reveal: r.try_get(9)?,
        submitted_by: r.try_get(10)?,
        submitted_at: r.try_get(11)?,
    })
}

impl PgStore {
    /// The pending upgrade of `id`, locked for update when `c` is a
    /// transaction.
    async fn pending_in(
        &self,
        c: &impl GenericClient,
        id: &str,
        lock: bool,
    ) -> Result<Option<PendingUpgrade>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM plugin_pending WHERE id = $1{}",
            if lock { " FOR UPDATE" } else { "" }
        );
        let row = self
            .row(c, "reading a pending upgrade", &sql, &[&id])
            .await?;
        row.map(|r| stored(&r))
            .transpose()
            .map_err(self.on("reading a pending upgrade"))?
            .map(|s| s.decode(&self.label))
            .transpose()
    }

    /// The current version of `id`, its row locked (`FOR UPDATE` or `FOR
    /// KEY SHARE`, as `mode` says) so it cannot change or go until commit.
    async fn current_in(
        &self,
        c: &impl GenericClient,
        id: &str,
        mode: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = format!("SELECT version FROM plugin_current WHERE id = $1 FOR {mode}");
        let row = self
            .row(c, "reading a plugin's current version", &sql, &[&id])
            .await?;
        row.map(|r| r.try_get(0))
            .transpose()
            .map_err(self.on("reading a plugin's current version"))
    }

    /// Inside the transaction adding `row`: refuse unless its pending
    /// upgrade may be approved against `against`.
    pub(super) async fn check_approval_in(
        &self,
        tx: &impl GenericClient,
        row: &PluginRow,
        against: &str,
    ) -> Result<(), StoreError> {
        let current = self.current_in(tx, &row.id, "UPDATE").await?;
        let pending = self.pending_in(tx, &row.id, true).await?;
        check_approval(
            row,
            against,
            pending
                .as_ref()
                .map(|p| (p.version.as_str(), p.against.as_str())),
            current.as_deref(),
        )
    }

    /// Inside the transaction that added its version: the approved pending
    /// upgrade of `id` goes.
    pub(super) async fn drop_approved_in(
        &self,
        tx: &impl GenericClient,
        id: &str,
    ) -> Result<(), StoreError> {
        self.exec(
            tx,
            "dropping an approved pending upgrade",
            "DELETE FROM plugin_pending WHERE id = $1",
            &[&id],
        )
        .await?;
        Ok(())
    }
}

impl PendingStore for PgStore {
    fn put_pending(&self, p: &PendingUpgrade) -> Result<Option<String>, StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("keeping a pending upgrade"))?;
            if self.current_in(&tx, &p.id, "KEY SHARE").await?.is_none() {
                return Err(StoreError::NotFound {
                    what: "plugin",
                    id: p.id.clone(),
                });
            }
            let replaced = self.pending_in(&tx, &p.id, true).await?.map(|o| o.version);
            let (origin_json, changes_json) = encode(p);
            self.exec(
                &tx,
                "keeping a pending upgrade",
                "INSERT INTO plugin_pending (id, version, contract, manifest, wasm_sha256, \
                 info_json, origin_json, changes_json, against, grant_reveal, submitted_by, \
                 submitted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
                 plugboard_now()) ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
                 contract = excluded.contract, manifest = excluded.manifest, \
                 wasm_sha256 = excluded.wasm_sha256, info_json = excluded.info_json, \
                 origin_json = excluded.origin_json, changes_json = excluded.changes_json, \
                 against = excluded.against, grant_reveal = excluded.grant_reveal, \
                 submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at",
                &[
                    &p.id,
                    &p.version,
                    &p.contract,
                    &p.manifest,
                    &p.wasm_sha256,
                    &p.info_json,
                    &origin_json,
                    &changes_json,
                    &p.against,
                    &p.grant_reveal,
                    &p.submitted_by,
                ],
            )
            .await?;
            self.exec(&tx, "removing unused components", UNUSED_COMPONENTS, &[])
                .await?;
            tx.commit()
                .await
                .map_err(self.on("keeping a pending upgrade"))?;
            Ok(replaced)
        })
    }

    fn pending(&self, id: &str) -> Result<Option<PendingUpgrade>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.pending_in(&c, id, false).await
        })
    }

    fn pendings(&self) -> Result<Vec<PendingUpgrade>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let sql = format!("SELECT {COLUMNS} FROM plugin_pending ORDER BY id");
            let rows = self.rows(&c, "listing pending upgrades", &sql, &[]).await?;
            self.decode("listing pending upgrades", &rows, stored)?
                .into_iter()
                .map(|s| s.decode(&self.label))
                .collect()
        })
    }

    fn rediff_pending(
        &self,
        id: &str,
        version: &str,
        against: &str,
        changes: &[String],
    ) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            let changes_json = encode_changes(changes);
            let updated = self
                .exec(
                    &c,
                    "recomputing a pending upgrade's diff",
                    "UPDATE plugin_pending SET against = $3, changes_json = $4 \
                     WHERE id = $1 AND version = $2",
                    &[&id, &version, &against, &changes_json],
                )
                .await?;
            if updated == 0 {
                return Err(StoreError::NotFound {
                    what: "pending upgrade",
                    id: format!("{id} {version}"),
                });
            }
            Ok(())
        })
    }

    fn remove_pending(
        &self,
        id: &str,
        version: Option<&str>,
    ) -> Result<PendingUpgrade, StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("dropping a pending upgrade"))?;
            let Some(p) = self.pending_in(&tx, id, true).await? else {
                return Err(StoreError::NotFound {
                    what: "pending upgrade",
                    id: id.to_string(),
                });
            };
            if let Some(v) = version.filter(|v| *v != p.version) {
                return Err(other_version(id, &p.version, v));
            }
            self.drop_approved_in(&tx, id).await?;
            self.exec(&tx, "removing unused components", UNUSED_COMPONENTS, &[])
                .await?;
            tx.commit()
                .await
                .map_err(self.on("dropping a pending upgrade"))?;
            Ok(p)
        })
    }

    fn approve_pending(
        &self,
        row: &PluginRow,
        origin: Option<&PluginOrigin>,
        against: &str,
    ) -> Result<(), StoreError> {
        self.put_plugin_with(row, origin, Some(against))
    }
}
