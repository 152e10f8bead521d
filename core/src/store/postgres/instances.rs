//! Connector instances in PostgreSQL.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::PgStore;
use crate::store::{InstanceRow, InstanceStore, StoreError};

const SELECT: &str = "SELECT id, plugin_id, config_json, upstreams_json, enabled, \
     created_at, updated_at FROM instances";

fn from_row(r: &Row) -> Result<InstanceRow, tokio_postgres::Error> {
    Ok(InstanceRow {
        id: r.try_get(0)?,
        plugin_id: r.try_get(1)?,
        config_json: r.try_get(2)?,
        upstreams_json: r.try_get(3)?,
        enabled: r.try_get(4)?,
        created_at: r.try_get(5)?,
        updated_at: r.try_get(6)?,
    })
}

impl PgStore {
    /// Insert `row` inside the caller's transaction: `AlreadyExists` when
    /// its id is taken, `NotFound` when its plugin is not added.
    pub(crate) async fn insert_instance(
        &self,
        tx: &impl GenericClient,
        row: &InstanceRow,
    ) -> Result<(), StoreError> {
        let taken = || StoreError::AlreadyExists {
            what: "instance",
            id: row.id.clone(),
        };
        let exists = self
            .row(
                tx,
                "adding an instance",
                "SELECT 1 FROM instances WHERE id = $1",
                &[&row.id],
            )
            .await?;
        if exists.is_some() {
            return Err(taken());
        }
        // Lock the plugin's current row so it cannot go before we commit.
        let plugin = self
            .row(
                tx,
                "adding an instance",
                "SELECT 1 FROM plugin_current WHERE id = $1 FOR KEY SHARE",
                &[&row.plugin_id],
            )
            .await?;
        if plugin.is_none() {
            return Err(StoreError::NotFound {
                what: "plugin",
                id: row.plugin_id.clone(),
            });
        }
        let inserted = tx
            .execute(
                "INSERT INTO instances (id, plugin_id, config_json, upstreams_json, enabled, \
                 created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, plugboard_now(), plugboard_now())",
                &[
                    &row.id,
                    &row.plugin_id,
                    &row.config_json,
                    &row.upstreams_json,
                    &row.enabled,
                ],
            )
            .await;
        match inserted {
            // Another node added the same id since our check.
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Err(taken()),
            other => other.map(|_| ()).map_err(self.on("adding an instance")),
        }
    }
}

impl InstanceStore for PgStore {
    fn add_instance(&self, row: &InstanceRow) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("adding an instance"))?;
            self.insert_instance(&tx, row).await?;
            tx.commit().await.map_err(self.on("adding an instance"))
        })
    }

    fn instance(&self, id: &str) -> Result<Option<InstanceRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let sql = format!("{SELECT} WHERE id = $1");
            let row = self.row(&c, "reading an instance", &sql, &[&id]).await?;
            row.map(|r| from_row(&r))
                .transpose()
                .map_err(self.on("reading an instance"))
        })
    }

    fn instances(&self) -> Result<Vec<InstanceRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let sql = format!("{SELECT} ORDER BY id");
            let rows = self.rows(&c, "listing instances", &sql, &[]).await?;
            self.decode("listing instances", &rows, from_row)
        })
    }

    fn set_instance_enabled(&self, id: &str, enabled: bool) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            let changed = self
                .exec(
                    &c,
                    "enabling or disabling an instance",
                    "UPDATE instances SET enabled = $2, updated_at = plugboard_now() WHERE id = $1",
                    &[&id, &enabled],
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "instance",
                    id: id.to_string(),
                });
            }
            Ok(())
        })
    }

    fn remove_instance(&self, id: &str) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            // Foreign keys cascade from `instances` to every per-instance
            // table, in this one statement's transaction.
            let removed = self
                .exec(
                    &c,
                    "removing an instance",
                    "DELETE FROM instances WHERE id = $1",
                    &[&id],
                )
                .await?;
            if removed == 0 {
                return Err(StoreError::NotFound {
                    what: "instance",
                    id: id.to_string(),
                });
            }
            Ok(())
        })
    }
}
