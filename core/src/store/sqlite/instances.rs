//! Connector instances in SQLite.

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, now_sql, write_tx};
use crate::store::{InstanceRow, InstanceStore, StoreError};

const SELECT: &str = "SELECT id, plugin_id, config_json, upstreams_json, enabled, \
     created_at, updated_at FROM instances";

fn from_row(r: &Row<'_>) -> rusqlite::Result<InstanceRow> {
    Ok(InstanceRow {
        id: r.get(0)?,
        plugin_id: r.get(1)?,
        config_json: r.get(2)?,
        upstreams_json: r.get(3)?,
        enabled: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// Insert `row` inside the caller's transaction: `AlreadyExists` when its id
/// is taken, `NotFound` when its plugin is not added.
pub(super) fn insert_instance(
    store: &SqliteStore,
    tx: &rusqlite::Connection,
    row: &InstanceRow,
) -> Result<(), StoreError> {
    let taken: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM instances WHERE id = ?1)")
        .and_then(|mut s| s.query_row([&row.id], |r| r.get(0)))
        .map_err(store.on("adding an instance"))?;
    if taken {
        return Err(StoreError::AlreadyExists {
            what: "instance",
            id: row.id.clone(),
        });
    }
    let plugin_known: bool = tx
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM plugin_current WHERE id = ?1)")
        .and_then(|mut s| s.query_row([&row.plugin_id], |r| r.get(0)))
        .map_err(store.on("adding an instance"))?;
    if !plugin_known {
        return Err(StoreError::NotFound {
            what: "plugin",
            id: row.plugin_id.clone(),
        });
    }
    tx.prepare_cached(concat!(
        "INSERT INTO instances (id, plugin_id, config_json, upstreams_json, enabled, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ",
        now_sql!(),
        ", ",
        now_sql!(),
        ")"
    ))
    .and_then(|mut s| {
        s.execute(params![
            row.id,
            row.plugin_id,
            row.config_json,
            row.upstreams_json,
            row.enabled
        ])
    })
    .map_err(store.on("adding an instance"))?;
    Ok(())
}

impl InstanceStore for SqliteStore {
    /// Add an instance. Fails with `AlreadyExists` naming the id when taken,
    /// and `NotFound` when its plugin is not added.
    fn add_instance(&self, row: &InstanceRow) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "adding an instance")?;
        insert_instance(self, &tx, row)?;
        tx.commit().map_err(self.on("adding an instance"))
    }

    /// Instance `id`, if it exists.
    fn instance(&self, id: &str) -> Result<Option<InstanceRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("{SELECT} WHERE id = ?1");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], from_row).optional())
            .map_err(self.on("reading an instance"))
    }

    /// Every instance, by id.
    fn instances(&self) -> Result<Vec<InstanceRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("{SELECT} ORDER BY id");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_map([], from_row)?.collect())
            .map_err(self.on("listing instances"))
    }

    /// Enable or disable instance `id`; its data is kept either way.
    fn set_instance_enabled(&self, id: &str, enabled: bool) -> Result<(), StoreError> {
        let conn = self.conn();
        let changed = conn
            .prepare_cached(concat!(
                "UPDATE instances SET enabled = ?2, updated_at = ",
                now_sql!(),
                " WHERE id = ?1"
            ))
            .and_then(|mut s| s.execute(params![id, enabled]))
            .map_err(self.on("enabling or disabling an instance"))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "instance",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// Remove instance `id` with its records, secrets, checkpoints, findings
    /// and runs (one transaction). The audit log keeps its entries.
    fn remove_instance(&self, id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "removing an instance")?;
        // Foreign keys cascade from `instances` to every per-instance table.
        let removed = tx
            .prepare_cached("DELETE FROM instances WHERE id = ?1")
            .and_then(|mut s| s.execute([id]))
            .map_err(self.on("removing an instance"))?;
        if removed == 0 {
            return Err(StoreError::NotFound {
                what: "instance",
                id: id.to_string(),
            });
        }
        tx.commit().map_err(self.on("removing an instance"))
    }
}
