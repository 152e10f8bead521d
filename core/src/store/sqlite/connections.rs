//! Consent-flow connections in SQLite: ciphertext only.

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, ensure_instance, now_sql, write_tx};
use crate::store::{
    ConnectionRow, ConnectionStatus, ConnectionStore, SealedConnection, StoreError,
};

type Raw = (String, String, Option<String>, String, Option<Vec<u8>>);

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode(store: &SqliteStore, raw: Raw) -> Result<SealedConnection, StoreError> {
    let (profile, status, detail, updated_at, sealed) = raw;
    let status = ConnectionStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
        path: store.label.clone(),
        what: "connection status",
        reason: format!("{status:?} is not a known status"),
    })?;
    Ok((
        ConnectionRow {
            profile,
            status,
            detail,
            updated_at,
        },
        sealed,
    ))
}

const COLUMNS: &str = "profile, status, detail, updated_at, sealed";

impl ConnectionStore for SqliteStore {
    fn put_connection_sealed(
        &self,
        instance: &str,
        profile: &str,
        sealed: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "storing a connection")?;
        ensure_instance(self, &tx, instance)?;
        tx.prepare_cached(concat!(
            "INSERT INTO connections (instance_id, profile, status, sealed, detail, updated_at) \
             VALUES (?1, ?2, 'connected', ?3, NULL, ",
            now_sql!(),
            ") ON CONFLICT (instance_id, profile) DO UPDATE SET status = excluded.status, \
             sealed = excluded.sealed, detail = NULL, updated_at = excluded.updated_at"
        ))
        .and_then(|mut s| s.execute(params![instance, profile, sealed]))
        .map_err(self.on("storing a connection"))?;
        tx.commit().map_err(self.on("storing a connection"))
    }

    fn connection_sealed(
        &self,
        instance: &str,
        profile: &str,
    ) -> Result<Option<SealedConnection>, StoreError> {
        let raw = {
            let conn = self.conn();
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM connections WHERE instance_id = ?1 AND profile = ?2"
            ))
            .and_then(|mut s| s.query_row([instance, profile], row_of).optional())
            .map_err(self.on("reading a connection"))?
        };
        raw.map(|r| decode(self, r)).transpose()
    }

    fn connections(&self, instance: &str) -> Result<Vec<ConnectionRow>, StoreError> {
        let raws: Vec<Raw> = {
            let conn = self.conn();
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM connections WHERE instance_id = ?1 ORDER BY profile"
            ))
            .and_then(|mut s| s.query_map([instance], row_of)?.collect())
            .map_err(self.on("listing connections"))?
        };
        raws.into_iter()
            .map(|r| decode(self, r).map(|(row, _)| row))
            .collect()
    }

    fn mark_reconnect_needed(
        &self,
        instance: &str,
        profile: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "marking a connection")?;
        ensure_instance(self, &tx, instance)?;
        tx.prepare_cached(concat!(
            "INSERT INTO connections (instance_id, profile, status, sealed, detail, updated_at) \
             VALUES (?1, ?2, 'reconnect-needed', NULL, ?3, ",
            now_sql!(),
            ") ON CONFLICT (instance_id, profile) DO UPDATE SET status = excluded.status, \
             sealed = NULL, detail = excluded.detail, updated_at = excluded.updated_at"
        ))
        .and_then(|mut s| s.execute(params![instance, profile, detail]))
        .map_err(self.on("marking a connection"))?;
        tx.commit().map_err(self.on("marking a connection"))
    }
}
