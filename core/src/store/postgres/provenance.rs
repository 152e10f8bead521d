//! Plugin origins and trusted publisher keys in PostgreSQL.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use crate::store::{PluginOrigin, PluginRow, ProvenanceStore, StoreError, TrustedKey};

/// Record `o` inside the transaction adding its version.
pub(super) async fn insert_origin(
    store: &PgStore,
    tx: &impl GenericClient,
    o: &PluginOrigin,
) -> Result<(), StoreError> {
    store
        .exec(
            tx,
            "recording where a plugin came from",
            "INSERT INTO plugin_origins (id, version, reference, repository, tag, digest, \
             publisher, allowed_unsigned) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &o.id,
                &o.version,
                &o.reference,
                &o.repository,
                &o.tag,
                &o.digest,
                &o.publisher,
                &o.allowed_unsigned,
            ],
        )
        .await?;
    Ok(())
}

fn origin_from(r: &Row) -> Result<PluginOrigin, tokio_postgres::Error> {
    Ok(PluginOrigin {
        id: r.try_get(0)?,
        version: r.try_get(1)?,
        reference: r.try_get(2)?,
        repository: r.try_get(3)?,
        tag: r.try_get(4)?,
        digest: r.try_get(5)?,
        publisher: r.try_get(6)?,
        allowed_unsigned: r.try_get(7)?,
    })
}

fn key_from(r: &Row) -> Result<TrustedKey, tokio_postgres::Error> {
    Ok(TrustedKey {
        name: r.try_get(0)?,
        public_key_pem: r.try_get(1)?,
        fingerprint: r.try_get(2)?,
        added_at: r.try_get(3)?,
    })
}

impl ProvenanceStore for PgStore {
    fn put_plugin_from(&self, row: &PluginRow, origin: &PluginOrigin) -> Result<(), StoreError> {
        self.put_plugin_with(row, Some(origin), None)
    }

    fn plugin_origin(&self, id: &str, version: &str) -> Result<Option<PluginOrigin>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "reading where a plugin came from",
                    "SELECT id, version, reference, repository, tag, digest, publisher, \
                     allowed_unsigned FROM plugin_origins WHERE id = $1 AND version = $2",
                    &[&id, &version],
                )
                .await?;
            row.map(|r| origin_from(&r))
                .transpose()
                .map_err(self.on("reading where a plugin came from"))
        })
    }

    fn put_trusted_key(&self, key: &TrustedKey) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            let added = self
                .exec(
                    &c,
                    "trusting a key",
                    "INSERT INTO trusted_keys (name, public_key_pem, fingerprint, added_at) \
                     VALUES ($1, $2, $3, plugboard_now()) ON CONFLICT (name) DO NOTHING",
                    &[&key.name, &key.public_key_pem, &key.fingerprint],
                )
                .await?;
            if added == 0 {
                return Err(StoreError::AlreadyExists {
                    what: "trusted key",
                    id: key.name.clone(),
                });
            }
            Ok(())
        })
    }

    fn trusted_keys(&self) -> Result<Vec<TrustedKey>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing trusted keys",
                    "SELECT name, public_key_pem, fingerprint, added_at FROM trusted_keys \
                     ORDER BY name",
                    &[],
                )
                .await?;
            self.decode("listing trusted keys", &rows, key_from)
        })
    }

    fn remove_trusted_key(&self, name: &str) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            let removed = self
                .exec(
                    &c,
                    "removing a trusted key",
                    "DELETE FROM trusted_keys WHERE name = $1",
                    &[&name],
                )
                .await?;
            if removed == 0 {
                return Err(StoreError::NotFound {
                    what: "trusted key",
                    id: name.to_string(),
                });
            }
            Ok(())
        })
    }
}
