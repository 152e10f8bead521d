//! Plugin origins and trusted publisher keys in SQLite.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::{SqliteStore, now_sql};
use crate::store::{PluginOrigin, PluginRow, ProvenanceStore, StoreError, TrustedKey};

/// Record `o` inside the transaction adding its version.
pub(super) fn insert_origin(
    store: &SqliteStore,
    tx: &Transaction<'_>,
    o: &PluginOrigin,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO plugin_origins (id, version, reference, repository, tag, digest, \
         publisher, allowed_unsigned) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .and_then(|mut s| {
        s.execute(params![
            o.id,
            o.version,
            o.reference,
            o.repository,
            o.tag,
            o.digest,
            o.publisher,
            o.allowed_unsigned
        ])
    })
    .map_err(store.on("recording where a plugin came from"))?;
    Ok(())
}

fn origin_from(r: &Row<'_>) -> rusqlite::Result<PluginOrigin> {
    Ok(PluginOrigin {
        id: r.get(0)?,
        version: r.get(1)?,
        reference: r.get(2)?,
        repository: r.get(3)?,
        tag: r.get(4)?,
        digest: r.get(5)?,
        publisher: r.get(6)?,
        allowed_unsigned: r.get(7)?,
    })
}

fn key_from(r: &Row<'_>) -> rusqlite::Result<TrustedKey> {
    Ok(TrustedKey {
        name: r.get(0)?,
        public_key_pem: r.get(1)?,
        fingerprint: r.get(2)?,
        added_at: r.get(3)?,
    })
}

impl ProvenanceStore for SqliteStore {
    fn put_plugin_from(&self, row: &PluginRow, origin: &PluginOrigin) -> Result<(), StoreError> {
        self.put_plugin_with(row, Some(origin), None)
    }

    fn plugin_origin(&self, id: &str, version: &str) -> Result<Option<PluginOrigin>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT id, version, reference, repository, tag, digest, publisher, allowed_unsigned \
             FROM plugin_origins WHERE id = ?1 AND version = ?2",
        )
        .and_then(|mut s| s.query_row(params![id, version], origin_from).optional())
        .map_err(self.on("reading where a plugin came from"))
    }

    fn put_trusted_key(&self, key: &TrustedKey) -> Result<(), StoreError> {
        let conn = self.conn();
        let added = conn
            .prepare_cached(concat!(
                "INSERT INTO trusted_keys (name, public_key_pem, fingerprint, added_at) \
                 VALUES (?1, ?2, ?3, ",
                now_sql!(),
                ") ON CONFLICT (name) DO NOTHING"
            ))
            .and_then(|mut s| s.execute(params![key.name, key.public_key_pem, key.fingerprint]))
            .map_err(self.on("trusting a key"))?;
        if added == 0 {
            return Err(StoreError::AlreadyExists {
                what: "trusted key",
                id: key.name.clone(),
            });
        }
        Ok(())
    }

    fn trusted_keys(&self) -> Result<Vec<TrustedKey>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT name, public_key_pem, fingerprint, added_at FROM trusted_keys ORDER BY name",
        )
        .and_then(|mut s| s.query_map([], key_from)?.collect())
        .map_err(self.on("listing trusted keys"))
    }

    fn remove_trusted_key(&self, name: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        let removed = conn
            .prepare_cached("DELETE FROM trusted_keys WHERE name = ?1")
            .and_then(|mut s| s.execute([name]))
            .map_err(self.on("removing a trusted key"))?;
        if removed == 0 {
            return Err(StoreError::NotFound {
                what: "trusted key",
                id: name.to_string(),
            });
        }
        Ok(())
    }
}
