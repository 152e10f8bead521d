//! Consent-flow connections in PostgreSQL: ciphertext only.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use crate::store::connections::{CONNECTION_COLUMNS, RawConnection, decode_connection};
use crate::store::{
    ConnectionRow, ConnectionStatus, ConnectionStore, SealedConnection, StoreError,
};

fn raw(r: &Row) -> Result<RawConnection, tokio_postgres::Error> {
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
    ))
}

impl PgStore {
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
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(self.on(what))?;
            self.ensure_instance(&tx, instance).await?;
            self.exec(
                &tx,
                what,
                "INSERT INTO connections (instance_id, profile, status, sealed, detail, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, plugboard_now()) \
                 ON CONFLICT (instance_id, profile) DO UPDATE SET status = excluded.status, \
                 sealed = excluded.sealed, detail = excluded.detail, updated_at = excluded.updated_at",
                &[&instance, &profile, &status.as_str(), &sealed, &detail],
            )
            .await?;
            tx.commit().await.map_err(self.on(what))
        })
    }
}

impl ConnectionStore for PgStore {
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
        let found = self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "reading a connection",
                    &format!(
                        "SELECT {CONNECTION_COLUMNS} FROM connections WHERE instance_id = $1 AND profile = $2"
                    ),
                    &[&instance, &profile],
                )
                .await?;
            row.map(|r| raw(&r))
                .transpose()
                .map_err(self.on("reading a connection"))
        })?;
        found
            .map(|r| decode_connection(crate::store::Backend::label(self), r))
            .transpose()
    }

    fn connections(&self, instance: &str) -> Result<Vec<ConnectionRow>, StoreError> {
        let raws = self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing connections",
                    &format!(
                        "SELECT {CONNECTION_COLUMNS} FROM connections WHERE instance_id = $1 ORDER BY profile"
                    ),
                    &[&instance],
                )
                .await?;
            self.decode("listing connections", &rows, raw)
        })?;
        raws.into_iter()
            .map(|r| decode_connection(crate::store::Backend::label(self), r).map(|(row, _)| row))
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
