//! Consent-flow connections in SQLite: ciphertext only.

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, ensure_instance, now_sql, write_tx};
use crate::store::connections::{CONNECTION_COLUMNS, RawConnection, decode_connection};
use crate::store::{
    ConnectionRow, ConnectionStatus, ConnectionStore, SealedConnection, StoreError,
};

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawConnection> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

impl SqliteStore {
    /// Insert or replace the connection of `profile`: status, token and
    /// detail in one statement.
    fn upsert_connection(
        &self,
        what: &'static str,
        (instance, profile): (&str, &str),
        status: ConnectionStatus,
        sealed: Option<&[u8]>,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, what)?;
        ensure_instance(self, &tx, instance)?;
        tx.prepare_cached(concat!(
            "INSERT INTO connections (instance_id, profile, status, sealed, detail, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ",
            now_sql!(),
            ") ON CONFLICT (instance_id, profile) DO UPDATE SET status = excluded.status, \
             sealed = excluded.sealed, detail = excluded.detail, updated_at = excluded.updated_at"
        ))
        .and_then(|mut s| s.execute(params![instance, profile, status.as_str(), sealed, detail]))
        .map_err(self.on(what))?;
        tx.commit().map_err(self.on(what))
    }
}

impl ConnectionStore for SqliteStore {
    fn put_connection_sealed(
        &self,
        instance: &str,
        profile: &str,
        sealed: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.upsert_connection(
            "storing a connection",
            (instance, profile),
            ConnectionStatus::Connected,
            sealed,
            None,
        )
    }

    fn connection_sealed(
        &self,
        instance: &str,
        profile: &str,
    ) -> Result<Option<SealedConnection>, StoreError> {
        let raw = {
            let conn = self.conn();
            conn.prepare_cached(&format!(
                "SELECT {CONNECTION_COLUMNS} FROM connections WHERE instance_id = ?1 AND profile = ?2"
            ))
            .and_then(|mut s| s.query_row([instance, profile], row_of).optional())
            .map_err(self.on("reading a connection"))?
        };
        raw.map(|r| decode_connection(&self.label, r)).transpose()
    }

    fn connections(&self, instance: &str) -> Result<Vec<ConnectionRow>, StoreError> {
        let raws: Vec<RawConnection> = {
            let conn = self.conn();
            conn.prepare_cached(&format!(
                "SELECT {CONNECTION_COLUMNS} FROM connections WHERE instance_id = ?1 ORDER BY profile"
            ))
            .and_then(|mut s| s.query_map([instance], row_of)?.collect())
            .map_err(self.on("listing connections"))?
        };
        raws.into_iter()
            .map(|r| decode_connection(&self.label, r).map(|(row, _)| row))
            .collect()
    }

    fn mark_reconnect_needed(
        &self,
        instance: &str,
        profile: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.upsert_connection(
            "marking a connection",
            (instance, profile),
            ConnectionStatus::ReconnectNeeded,
            None,
            Some(detail),
        )
    }
}
