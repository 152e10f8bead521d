//! Pending plugin upgrades in SQLite.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{SqliteStore, now_sql, write_tx};
use crate::store::pending::{
    COLUMNS, Stored, UNUSED_COMPONENTS, check_approval, encode, encode_changes, other_version,
};
use crate::store::{PendingStore, PendingUpgrade, PluginOrigin, PluginRow, StoreError};

fn stored(r: &Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        version: r.get(1)?,
        contract: r.get(2)?,
        manifest: r.get(3)?,
        wasm_sha256: r.get(4)?,
        info_json: r.get(5)?,
        origin_json: r.get(6)?,
        changes_json: r.get(7)?,
        against: r.get(8)?,
        grant_reveal: r.get(9)?,
        submitted_by: r.get(10)?,
        submitted_at: r.get(11)?,
    })
}

impl SqliteStore {
    fn pending_in(
        &self,
        tx: &Transaction<'_>,
        id: &str,
    ) -> Result<Option<PendingUpgrade>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM plugin_pending WHERE id = ?1");
        tx.prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], stored).optional())
            .map_err(self.on("reading a pending upgrade"))?
            .map(|s| s.decode(&self.label))
            .transpose()
    }

    fn current_in(&self, tx: &Transaction<'_>, id: &str) -> Result<Option<String>, StoreError> {
        tx.prepare_cached("SELECT version FROM plugin_current WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map_err(self.on("reading a plugin's current version"))
    }

    /// Inside the transaction adding `row`: refuse unless its pending
    /// upgrade may be approved against `against`.
    pub(super) fn check_approval_in(
        &self,
        tx: &Transaction<'_>,
        row: &PluginRow,
        against: &str,
    ) -> Result<(), StoreError> {
        let pending = self.pending_in(tx, &row.id)?;
        let current = self.current_in(tx, &row.id)?;
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
    pub(super) fn drop_approved_in(
        &self,
        tx: &Transaction<'_>,
        id: &str,
    ) -> Result<(), StoreError> {
        tx.prepare_cached("DELETE FROM plugin_pending WHERE id = ?1")
            .and_then(|mut s| s.execute([id]))
            .map_err(self.on("dropping an approved pending upgrade"))?;
        Ok(())
    }
}

impl PendingStore for SqliteStore {
    fn put_pending(&self, p: &PendingUpgrade) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "keeping a pending upgrade")?;
        if self.current_in(&tx, &p.id)?.is_none() {
            return Err(StoreError::NotFound {
                what: "plugin",
                id: p.id.clone(),
            });
        }
        let replaced = self.pending_in(&tx, &p.id)?.map(|old| old.version);
        let (origin_json, changes_json) = encode(p);
        tx.prepare_cached(concat!(
            "INSERT INTO plugin_pending (id, version, contract, manifest, wasm_sha256, info_json, \
             origin_json, changes_json, against, grant_reveal, submitted_by, submitted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ",
            now_sql!(),
            ") ON CONFLICT (id) DO UPDATE SET version = excluded.version, \
             contract = excluded.contract, manifest = excluded.manifest, \
             wasm_sha256 = excluded.wasm_sha256, info_json = excluded.info_json, \
             origin_json = excluded.origin_json, changes_json = excluded.changes_json, \
             against = excluded.against, grant_reveal = excluded.grant_reveal, \
             submitted_by = excluded.submitted_by, submitted_at = excluded.submitted_at"
        ))
        .and_then(|mut s| {
            s.execute(params![
                p.id,
                p.version,
                p.contract,
                p.manifest,
                p.wasm_sha256,
                p.info_json,
                origin_json,
                changes_json,
                p.against,
                p.grant_reveal,
                p.submitted_by
            ])
        })
        .map_err(self.on("keeping a pending upgrade"))?;
        tx.prepare_cached(UNUSED_COMPONENTS)
            .and_then(|mut s| s.execute([]))
            .map_err(self.on("removing unused components"))?;
        tx.commit().map_err(self.on("keeping a pending upgrade"))?;
        Ok(replaced)
    }

    fn pending(&self, id: &str) -> Result<Option<PendingUpgrade>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM plugin_pending WHERE id = ?1");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], stored).optional())
            .map_err(self.on("reading a pending upgrade"))?
            .map(|s| s.decode(&self.label))
            .transpose()
    }

    fn pendings(&self) -> Result<Vec<PendingUpgrade>, StoreError> {
        let conn = self.conn();
        let sql = format!("SELECT {COLUMNS} FROM plugin_pending ORDER BY id");
        let rows: Vec<Stored> = conn
            .prepare_cached(&sql)
            .and_then(|mut s| s.query_map([], stored)?.collect())
            .map_err(self.on("listing pending upgrades"))?;
        rows.into_iter().map(|s| s.decode(&self.label)).collect()
    }

    fn rediff_pending(
        &self,
        id: &str,
        version: &str,
        against: &str,
        changes: &[String],
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let updated = conn
            .prepare_cached(
                "UPDATE plugin_pending SET against = ?3, changes_json = ?4 \
                 WHERE id = ?1 AND version = ?2",
            )
            .and_then(|mut s| s.execute(params![id, version, against, encode_changes(changes)]))
            .map_err(self.on("recomputing a pending upgrade's diff"))?;
        if updated == 0 {
            return Err(StoreError::NotFound {
                what: "pending upgrade",
                id: format!("{id} {version}"),
            });
        }
        Ok(())
    }

    fn remove_pending(
        &self,
        id: &str,
        version: Option<&str>,
    ) -> Result<PendingUpgrade, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "dropping a pending upgrade")?;
        let Some(p) = self.pending_in(&tx, id)? else {
            return Err(StoreError::NotFound {
                what: "pending upgrade",
                id: id.to_string(),
            });
        };
        if let Some(v) = version.filter(|v| *v != p.version) {
            return Err(other_version(id, &p.version, v));
        }
        self.drop_approved_in(&tx, id)?;
        tx.prepare_cached(UNUSED_COMPONENTS)
            .and_then(|mut s| s.execute([]))
            .map_err(self.on("removing unused components"))?;
        tx.commit().map_err(self.on("dropping a pending upgrade"))?;
        Ok(p)
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
