//! Plugins in PostgreSQL: every version ever added, and which version is current.

use tokio_postgres::Row;

use super::PgStore;
use crate::store::plugins::already_added;
use crate::store::{PluginOrigin, PluginRow, PluginStore, StoreError};

const SELECT: &str = "SELECT p.id, p.version, p.contract, p.manifest, p.wasm_sha256, \
     p.wasm_path, p.grant_json, p.info_json, p.added_at \
     FROM plugins p JOIN plugin_current c ON c.id = p.id AND c.version = p.version";

fn from_row(r: &Row) -> Result<PluginRow, tokio_postgres::Error> {
    Ok(PluginRow {
        id: r.try_get(0)?,
        version: r.try_get(1)?,
        contract: r.try_get(2)?,
        manifest: r.try_get(3)?,
        wasm_sha256: r.try_get(4)?,
        wasm_path: r.try_get(5)?,
        grant_json: r.try_get(6)?,
        info_json: r.try_get(7)?,
        added_at: r.try_get(8)?,
    })
}

/// Make `version` the current version of plugin `id`.
const SET_CURRENT: &str = "INSERT INTO plugin_current (id, version) VALUES ($1, $2) \
     ON CONFLICT (id) DO UPDATE SET version = excluded.version";

impl PgStore {
    /// Add a plugin version (with where it came from) and make it current;
    /// when `approving` (the version its diff was computed against), only as
    /// the approval of its pending upgrade, which goes.
    pub(super) fn put_plugin_with(
        &self,
        row: &PluginRow,
        origin: Option<&PluginOrigin>,
        approving: Option<&str>,
    ) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(self.on("adding a plugin"))?;
            if let Some(against) = approving {
                self.check_approval_in(&tx, row, against).await?;
            }
            // A version added before (or by a writer racing this one, whose
            // insert this waits for) is refused, never replaced.
            let added = self
                .exec(
                    &tx,
                    "adding a plugin",
                    "INSERT INTO plugins (id, version, contract, manifest, wasm_sha256, wasm_path, \
                 grant_json, info_json, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, plugboard_now()) \
                 ON CONFLICT (id, version) DO NOTHING",
                    &[
                        &row.id,
                        &row.version,
                        &row.contract,
                        &row.manifest,
                        &row.wasm_sha256,
                        &row.wasm_path,
                        &row.grant_json,
                        &row.info_json,
                    ],
                )
                .await?;
            if added == 0 {
                return Err(already_added(row));
            }
            self.exec(
                &tx,
                "making a plugin version current",
                SET_CURRENT,
                &[&row.id, &row.version],
            )
            .await?;
            if let Some(o) = origin {
                super::provenance::insert_origin(self, &tx, o).await?;
            }
            if approving.is_some() {
                self.drop_approved_in(&tx, &row.id).await?;
            }
            tx.commit().await.map_err(self.on("adding a plugin"))
        })
    }
}

impl PluginStore for PgStore {
    fn put_plugin(&self, row: &PluginRow) -> Result<(), StoreError> {
        self.put_plugin_with(row, None, None)
    }

    fn plugin(&self, id: &str) -> Result<Option<PluginRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let sql = format!("{SELECT} WHERE p.id = $1");
            let row = self.row(&c, "reading a plugin", &sql, &[&id]).await?;
            row.map(|r| from_row(&r))
                .transpose()
                .map_err(self.on("reading a plugin"))
        })
    }

    fn plugins(&self) -> Result<Vec<PluginRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let sql = format!("{SELECT} ORDER BY p.id");
            let rows = self.rows(&c, "listing plugins", &sql, &[]).await?;
            self.decode("listing plugins", &rows, from_row)
        })
    }

    fn plugin_versions(&self, id: &str) -> Result<Vec<PluginRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing plugin versions",
                    "SELECT id, version, contract, manifest, wasm_sha256, wasm_path, grant_json, \
                     info_json, added_at FROM plugins WHERE id = $1 ORDER BY added_at, version",
                    &[&id],
                )
                .await?;
            self.decode("listing plugin versions", &rows, from_row)
        })
    }

    fn set_current_plugin(&self, id: &str, version: &str) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("switching a plugin version"))?;
            let known = self
                .row(
                    &tx,
                    "switching a plugin version",
                    "SELECT 1 FROM plugins WHERE id = $1 AND version = $2 FOR KEY SHARE",
                    &[&id, &version],
                )
                .await?;
            if known.is_none() {
                return Err(StoreError::NotFound {
                    what: "plugin version",
                    id: format!("{id} {version}"),
                });
            }
            self.exec(
                &tx,
                "switching a plugin version",
                SET_CURRENT,
                &[&id, &version],
            )
            .await?;
            tx.commit()
                .await
                .map_err(self.on("switching a plugin version"))
        })
    }

    fn remove_plugin(&self, id: &str) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("removing a plugin"))?;
            // Lock the current-version row first: an instance being added
            // for this plugin holds it in key-share mode until it commits.
            self.exec(
                &tx,
                "removing a plugin",
                "SELECT 1 FROM plugin_current WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await?;
            let rows = self
                .rows(
                    &tx,
                    "finding a plugin's instances",
                    "SELECT id FROM instances WHERE plugin_id = $1 ORDER BY id",
                    &[&id],
                )
                .await?;
            let users: Vec<String> =
                self.decode("finding a plugin's instances", &rows, |r| r.try_get(0))?;
            if !users.is_empty() {
                return Err(StoreError::PluginInUse {
                    plugin: id.to_string(),
                    instances: users,
                });
            }
            let removed = self
                .exec(
                    &tx,
                    "removing a plugin",
                    "DELETE FROM plugins WHERE id = $1",
                    &[&id],
                )
                .await?;
            if removed == 0 {
                return Err(StoreError::NotFound {
                    what: "plugin",
                    id: id.to_string(),
                });
            }
            self.exec(
                &tx,
                "removing unused components",
                crate::store::pending::UNUSED_COMPONENTS,
                &[],
            )
            .await?;
            tx.commit().await.map_err(self.on("removing a plugin"))
        })
    }

    fn put_component(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.exec(
                &c,
                "keeping a component",
                "INSERT INTO plugin_components (sha256, bytes) VALUES ($1, $2) \
                 ON CONFLICT (sha256) DO NOTHING",
                &[&sha256, &bytes],
            )
            .await?;
            Ok(())
        })
    }

    fn component(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "reading a component",
                    "SELECT bytes FROM plugin_components WHERE sha256 = $1",
                    &[&sha256],
                )
                .await?;
            row.map(|r| r.try_get::<_, Vec<u8>>(0))
                .transpose()
                .map_err(self.on("reading a component"))
        })
    }
}
