//! Sealed secrets in SQLite: ciphertext only.

use rusqlite::{OptionalExtension, params};

use super::instances::insert_instance;
use super::{SqliteStore, ensure_instance, now_sql, write_tx};
use crate::store::{InstanceRow, Reseal, SecretStore, StoreError, refresh_token_name};

/// Insert or replace the sealed bytes of secret `name` of `instance`, inside
/// the caller's transaction.
fn upsert_sealed(
    conn: &rusqlite::Connection,
    instance: &str,
    name: &str,
    sealed: &[u8],
) -> rusqlite::Result<usize> {
    conn.prepare_cached(concat!(
        "INSERT INTO secrets (instance_id, name, sealed, updated_at) VALUES (?1, ?2, ?3, ",
        now_sql!(),
        ") ON CONFLICT (instance_id, name) DO UPDATE SET sealed = excluded.sealed, \
         updated_at = excluded.updated_at"
    ))
    .and_then(|mut s| s.execute(params![instance, name, sealed]))
}

impl SecretStore for SqliteStore {
    /// Store sealed bytes for secret `name` of `instance`, replacing any
    /// previous value. `NotFound` when the instance does not exist.
    fn put_sealed_secret(
        &self,
        instance: &str,
        name: &str,
        sealed: &[u8],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "storing a secret")?;
        ensure_instance(self, &tx, instance)?;
        upsert_sealed(&tx, instance, name, sealed).map_err(self.on("storing a secret"))?;
        tx.commit().map_err(self.on("storing a secret"))
    }

    /// The sealed bytes of secret `name` of `instance`.
    fn sealed_secret(&self, instance: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("SELECT sealed FROM secrets WHERE instance_id = ?1 AND name = ?2")
            .and_then(|mut s| s.query_row([instance, name], |r| r.get(0)).optional())
            .map_err(self.on("reading a secret"))
    }

    /// Names of `instance`'s secrets, sorted. Never the values.
    fn secret_names(&self, instance: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("SELECT name FROM secrets WHERE instance_id = ?1 ORDER BY name")
            .and_then(|mut s| s.query_map([instance], |r| r.get(0))?.collect())
            .map_err(self.on("listing secrets"))
    }

    /// Delete secret `name` of `instance`; true when it existed.
    fn remove_secret(&self, instance: &str, name: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("DELETE FROM secrets WHERE instance_id = ?1 AND name = ?2")
            .and_then(|mut s| s.execute([instance, name]))
            .map(|n| n > 0)
            .map_err(self.on("removing a secret"))
    }

    fn update_instance_sealed(
        &self,
        id: &str,
        config_json: &str,
        upstreams_json: &str,
        secrets: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "updating an instance")?;
        ensure_instance(self, &tx, id)?;
        tx.prepare_cached(concat!(
            "UPDATE instances SET config_json = ?2, upstreams_json = ?3, updated_at = ",
            now_sql!(),
            " WHERE id = ?1"
        ))
        .and_then(|mut s| s.execute(params![id, config_json, upstreams_json]))
        .map_err(self.on("updating an instance"))?;
        for (name, bytes) in secrets {
            upsert_sealed(&tx, id, name, bytes).map_err(self.on("updating an instance"))?;
        }
        tx.commit().map_err(self.on("updating an instance"))
    }

    fn add_instance_sealed(
        &self,
        row: &InstanceRow,
        secrets: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "adding an instance")?;
        insert_instance(self, &tx, row)?;
        for (name, bytes) in secrets {
            upsert_sealed(&tx, &row.id, name, bytes).map_err(self.on("adding an instance"))?;
        }
        tx.commit().map_err(self.on("adding an instance"))
    }

    fn reseal_secrets(&self, reseal: Reseal<'_>) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "re-sealing secrets")?;
        let rows: Vec<(String, String, Vec<u8>)> = tx
            .prepare("SELECT instance_id, name, sealed FROM secrets ORDER BY instance_id, name")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(self.on("reading secrets to re-seal"))?;
        let mut resealed = 0;
        for (instance, name, bytes) in rows {
            let Some(new) = reseal(&instance, &name, &bytes)? else {
                continue;
            };
            tx.prepare_cached(concat!(
                "UPDATE secrets SET sealed = ?3, updated_at = ",
                now_sql!(),
                " WHERE instance_id = ?1 AND name = ?2"
            ))
            .and_then(|mut s| s.execute(params![instance, name, new]))
            .map_err(self.on("re-sealing a secret"))?;
            resealed += 1;
        }
        // Refresh tokens of consent-flow connections are sealed the same way.
        let tokens: Vec<(String, String, Vec<u8>)> = tx
            .prepare(
                "SELECT instance_id, profile, sealed FROM connections \
                 WHERE sealed IS NOT NULL ORDER BY instance_id, profile",
            )
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(self.on("reading refresh tokens to re-seal"))?;
        for (instance, profile, bytes) in tokens {
            let Some(new) = reseal(&instance, &refresh_token_name(&profile), &bytes)? else {
                continue;
            };
            tx.prepare_cached(
                "UPDATE connections SET sealed = ?3 WHERE instance_id = ?1 AND profile = ?2",
            )
            .and_then(|mut s| s.execute(params![instance, profile, new]))
            .map_err(self.on("re-sealing a refresh token"))?;
            resealed += 1;
        }
        tx.commit().map_err(self.on("re-sealing secrets"))?;
        Ok(resealed)
    }
}
