//! Plugins: every version ever added, and which version is current.

use rusqlite::{OptionalExtension, Row, params};

use super::open::{now_sql, write_tx};
use super::{Store, StoreError};
use crate::model::PluginInfo;

/// One stored plugin version.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PluginRow {
    /// Plugin id (from its manifest).
    pub id: String,
    /// Plugin version.
    pub version: String,
    /// The WIT contract version it targets.
    pub contract: String,
    /// The `plugin.toml` text as added.
    pub manifest: String,
    /// SHA-256 of the `.wasm`, hex.
    pub wasm_sha256: String,
    /// Where the host keeps the `.wasm`.
    pub wasm_path: String,
    /// The operator's grant, JSON.
    pub grant_json: String,
    /// The plugin's `describe()` output ([`PluginInfo`]), JSON.
    pub info_json: String,
    /// When this version was added, RFC 3339. Set by the store; ignored by
    /// [`Store::put_plugin`].
    pub added_at: String,
}

impl PluginRow {
    /// Decode [`PluginRow::info_json`].
    pub fn info(&self) -> Result<PluginInfo, serde_json::Error> {
        serde_json::from_str(&self.info_json)
    }
}

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

impl Store {
    /// Add a plugin version and make it the current version of its id. An
    /// added version is never replaced: `AlreadyExists` when `id` already
    /// has `version`, and nothing changes (the insert itself refuses a
    /// duplicate, so two writers racing cannot replace one either).
    pub fn put_plugin(&self, row: &PluginRow) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "adding a plugin")?;
        let taken: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM plugins WHERE id = ?1 AND version = ?2)")
            .and_then(|mut s| s.query_row(params![row.id, row.version], |r| r.get(0)))
            .map_err(self.on("adding a plugin"))?;
        if taken {
            return Err(StoreError::AlreadyExists {
                what: "plugin version",
                id: format!("{} {}", row.id, row.version),
            });
        }
        tx.prepare_cached(concat!(
            "INSERT INTO plugins (id, version, contract, manifest, wasm_sha256, wasm_path, \
             grant_json, info_json, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ",
            now_sql!(),
            ")"
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
        tx.prepare_cached(
            "INSERT INTO plugin_current (id, version) VALUES (?1, ?2) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        )
        .and_then(|mut s| s.execute(params![row.id, row.version]))
        .map_err(self.on("making a plugin version current"))?;
        tx.commit().map_err(self.on("adding a plugin"))
    }

    /// The current version of plugin `id`.
    pub fn plugin(&self, id: &str) -> Result<Option<PluginRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("{SELECT} WHERE p.id = ?1");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_row([id], from_row).optional())
            .map_err(self.on("reading a plugin"))
    }

    /// The current version of every plugin, by id.
    pub fn plugins(&self) -> Result<Vec<PluginRow>, StoreError> {
        let conn = self.conn();
        let sql = format!("{SELECT} ORDER BY p.id");
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_map([], from_row)?.collect())
            .map_err(self.on("listing plugins"))
    }

    /// Every stored version of plugin `id`, oldest first.
    pub fn plugin_versions(&self, id: &str) -> Result<Vec<PluginRow>, StoreError> {
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
    pub fn set_current_plugin(&self, id: &str, version: &str) -> Result<(), StoreError> {
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
    pub fn remove_plugin(&self, id: &str) -> Result<(), StoreError> {
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
        tx.commit().map_err(self.on("removing a plugin"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(version: &str) -> PluginRow {
        crate::store::fixtures::plugin_row("p", version)
    }

    #[test]
    fn a_rollback_makes_an_older_version_current() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        store.put_plugin(&row("1.0.0"))?;
        store.put_plugin(&row("2.0.0"))?;
        assert_eq!(store.plugin("p")?.map(|r| r.version), Some("2.0.0".into()));
        let versions: Vec<_> = store
            .plugin_versions("p")?
            .into_iter()
            .map(|r| r.version)
            .collect();
        assert_eq!(versions, ["1.0.0", "2.0.0"]);
        store.set_current_plugin("p", "1.0.0")?;
        assert_eq!(store.plugin("p")?.map(|r| r.version), Some("1.0.0".into()));
        assert!(matches!(
            store.set_current_plugin("p", "3.0.0"),
            Err(StoreError::NotFound { .. })
        ));
        Ok(())
    }

    #[test]
    fn an_added_version_is_never_replaced() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let approved = PluginRow {
            wasm_sha256: "aa11".into(),
            manifest: "approved".into(),
            ..row("1.0.0")
        };
        store.put_plugin(&approved)?;
        store.put_plugin(&row("2.0.0"))?;
        let other = PluginRow {
            wasm_sha256: "bb22".into(),
            manifest: "other".into(),
            ..row("1.0.0")
        };
        let err = store.put_plugin(&other).err();
        assert!(
            matches!(&err, Some(e @ StoreError::AlreadyExists { what: "plugin version", id }) if id == "p 1.0.0" && e.blame() == crate::Blame::Operator),
            "{err:?}"
        );
        let stored = store.plugin_versions("p")?;
        assert_eq!(stored.len(), 2);
        assert_eq!(
            (stored[0].wasm_sha256.as_str(), stored[0].manifest.as_str()),
            ("aa11", "approved")
        );
        assert_eq!(
            store.plugin("p")?.map(|r| r.version).as_deref(),
            Some("2.0.0"),
            "a refused add does not change the current version"
        );
        Ok(())
    }
}
