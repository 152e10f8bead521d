//! Consent-flow connections in PostgreSQL: ciphertext only.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::PgStore;
use crate::store::{
    ConnectionRow, ConnectionStatus, ConnectionStore, SealedConnection, StoreError,
};

const COLUMNS: &str = "profile, status, detail, updated_at, sealed";

type Raw = (String, String, Option<String>, String, Option<Vec<u8>>);

fn raw(r: &Row) -> Result<Raw, tokio_postgres::Error> {
    Ok((
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
    ))
}

impl PgStore {
    fn connection_of(&self, raw: Raw) -> Result<SealedConnection, StoreError> {
        let (profile, status, detail, updated_at, sealed) = raw;
        let status = ConnectionStatus::parse(&status).ok_or_else(|| StoreError::Corrupt {
            path: crate::store::Backend::label(self).to_string(),
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
}

impl ConnectionStore for PgStore {
    fn put_connection_sealed(
        &self,
        instance: &str,
        profile: &str,
        sealed: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("storing a connection"))?;
            self.ensure_instance(&tx, instance).await?;
            self.exec(
                &tx,
                "storing a connection",
                "INSERT INTO connections (instance_id, profile, status, sealed, detail, updated_at) \
                 VALUES ($1, $2, 'connected', $3, NULL, plugboard_now()) \
                 ON CONFLICT (instance_id, profile) DO UPDATE SET status = excluded.status, \
                 sealed = excluded.sealed, detail = NULL, updated_at = excluded.updated_at",
                &[&instance, &profile, &sealed],
            )
            .await?;
            tx.commit().await.map_err(self.on("storing a connection"))
        })
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
                        "SELECT {COLUMNS} FROM connections WHERE instance_id = $1 AND profile = $2"
                    ),
                    &[&instance, &profile],
                )
                .await?;
            row.map(|r| raw(&r))
                .transpose()
                .map_err(self.on("reading a connection"))
        })?;
        found.map(|r| self.connection_of(r)).transpose()
    }

    fn connections(&self, instance: &str) -> Result<Vec<ConnectionRow>, StoreError> {
        let raws = self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing connections",
                    &format!(
                        "SELECT {COLUMNS} FROM connections WHERE instance_id = $1 ORDER BY profile"
                    ),
                    &[&instance],
                )
                .await?;
            self.decode("listing connections", &rows, raw)
        })?;
        raws.into_iter()
            .map(|r| self.connection_of(r).map(|(row, _)| row))
            .collect()
    }

    fn mark_reconnect_needed(
        &self,
        instance: &str,
        profile: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("marking a connection"))?;
            self.ensure_instance(&tx, instance).await?;
            self.exec(
                &tx,
                "marking a connection",
                "INSERT INTO connections (instance_id, profile, status, sealed, detail, updated_at) \
                 VALUES ($1, $2, 'reconnect-needed', NULL, $3, plugboard_now()) \
                 ON CONFLICT (instance_id, profile) DO UPDATE SET status = excluded.status, \
                 sealed = NULL, detail = excluded.detail, updated_at = excluded.updated_at",
                &[&instance, &profile, &detail],
            )
            .await?;
            tx.commit().await.map_err(self.on("marking a connection"))
        })
    }
}
