//! Plugins in SQLite: every version ever added, and which version is current.

use rusqlite::{OptionalExtension, Row, params};

use super::{SqliteStore, now_sql, write_tx};
use crate::store::plugins::already_added;
use crate::store::{PluginOrigin, PluginRow, PluginStore, StoreError};

const SELECT: &str = "SELECT p.id, p.version, p.contract, p.manifest, p.wasm_sha256, \
     p.wasm_path, p.grant_json, p.info_json, p.added_at \
     FROM plugins p JOIN plugin_current c ON c.id = p.id AND c.version = p.version";

fn from_row(r: &Row<'_>) -> rusqlite::Result<PluginRow> {
    Ok(PluginRow {
        id: r.get(0)?,
        version: r.get(1)?,
        contract: r.get(2)?,
        manifest: r.get(3)?,
        wasm_sha256: r.get(4)?,
        wasm_path: r.get(5)?,
        grant_json: r.get(6)?,
        info_json: r.get(7)?,
        added_at: r.get(8)?,
    })
}

impl SqliteStore {
    /// Add a plugin version (with where it came from) and make it current;
    /// when `approving` (the version its diff was computed against), only as
    /// the approval of its pending upgrade, which goes.
    pub(super) fn put_plugin_with(
        &self,
        row: &PluginRow,
        origin: Option<&PluginOrigin>,
        approving: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "adding a plugin")?;
        if let Some(against) = approving {
            self.check_approval_in(&tx, row, against)?;
        }
        let added = tx
            .prepare_cached(concat!(
                "INSERT INTO plugins (id, version, contract, manifest, wasm_sha256, wasm_path, \
                 grant_json, info_json, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ",
                now_sql!(),
                ") ON CONFLICT (id, version) DO NOTHING"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    row.id,
                    row.version,
                    row.contract,
                    row.manifest,
                    row.wasm_sha256,
                    row.wasm_path,
                    row.grant_json,
                    row.info_json
                ])
            })
            .map_err(self.on("adding a plugin"))?;
        if added == 0 {
            return Err(already_added(row));
        }
        tx.prepare_cached(
            "INSERT INTO plugin_current (id, version) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        )
        .and_then(|mut s| s.execute(params![row.id, row.version]))
        .map_err(self.on("making a plugin version current"))?;
        if let Some(o) = origin {
            super::provenance::insert_origin(self, &tx, o)?;
        }
        if approving.is_some() {
            self.drop_approved_in(&tx, &row.id)?;
        }
        tx.commit().map_err(self.on("adding a plugin"))
    }
}

impl PluginStore for SqliteStore {
    /// Add a plugin version and make it current; never replaces one.
    fn put_plugin(&self, row: &PluginRow) -> Result<(), StoreError> {
        self.put_plugin_with(row, None, None)
    }

    /// The current version of plugin `id`.
    fn plugin(&self, id: &str) -> Result<Option<PluginRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("{SELECT} WHERE p.id = ?1");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], from_row).optional())
            .map_err(self.on("reading a plugin"))
    }

    /// The current version of every plugin, by id.
    fn plugins(&self) -> Result<Vec<PluginRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("{SELECT} ORDER BY p.id");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_map([], from_row)?.collect())
            .map_err(self.on("listing plugins"))
    }

    /// Every stored version of plugin `id`, oldest first.
    fn plugin_versions(&self, id: &str) -> Result<Vec<PluginRow>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT id, version, contract, manifest, wasm_sha256, wasm_path, grant_json, \
             info_json, added_at FROM plugins WHERE id = ?1 ORDER BY added_at, version",
        )
        .and_then(|mut s| s.query_map([id], from_row)?.collect())
        .map_err(self.on("listing plugin versions"))
    }

    /// Make stored `version` of plugin `id` current again (a rollback);
    /// `NotFound` when that version was never added.
    fn set_current_plugin(&self, id: &str, version: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "switching a plugin version")?;
        let known: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM plugins WHERE id = ?1 AND version = ?2)")
            .and_then(|mut s| s.query_row(params![id, version], |r| r.get(0)))
            .map_err(self.on("switching a plugin version"))?;
        if !known {
            return Err(StoreError::NotFound {
                what: "plugin version",
                id: format!("{id} {version}"),
            });
        }
        tx.prepare_cached(
            "INSERT INTO plugin_current (id, version) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        )
        .and_then(|mut s| s.execute(params![id, version]))
        .map_err(self.on("switching a plugin version"))?;
        tx.commit().map_err(self.on("switching a plugin version"))
    }

    /// Remove every version of plugin `id`. Refused while instances use it;
    /// `NotFound` when there is no such plugin.
    fn remove_plugin(&self, id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "removing a plugin")?;
        let users: Vec<String> = tx
            .prepare_cached("SELECT id FROM instances WHERE plugin_id = ?1 ORDER BY id")
            .and_then(|mut s| s.query_map([id], |r| r.get(0))?.collect())
            .map_err(self.on("finding a plugin's instances"))?;
        if !users.is_empty() {
            return Err(StoreError::PluginInUse {
                plugin: id.to_string(),
                instances: users,
            });
        }
        let removed = tx
            .prepare_cached("DELETE FROM plugins WHERE id = ?1")
            .and_then(|mut s| s.execute([id]))
            .map_err(self.on("removing a plugin"))?;
        if removed == 0 {
            return Err(StoreError::NotFound {
                what: "plugin",
                id: id.to_string(),
            });
        }
        tx.prepare_cached(crate::store::pending::UNUSED_COMPONENTS)
            .and_then(|mut s| s.execute([]))
            .map_err(self.on("removing unused components"))?;
        tx.commit().map_err(self.on("removing a plugin"))
    }

    fn put_component(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO plugin_components (sha256, bytes) VALUES (?1, ?2) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .and_then(|mut s| s.execute(params![sha256, bytes]))
        .map_err(self.on("keeping a component"))?;
        Ok(())
    }

    fn component(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("SELECT bytes FROM plugin_components WHERE sha256 = ?1")
            .and_then(|mut s| s.query_row([sha256], |r| r.get(0)).optional())
            .map_err(self.on("reading a component"))
    }
}
