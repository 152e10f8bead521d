//! Sealed secrets per instance. The store keeps only ciphertext; the
//! convenience methods seal and open with a [`MasterKey`] on the caller's side
//! of the database.

use rusqlite::{OptionalExtension, params};

use super::open::{ensure_instance, now_sql, write_tx};
use super::{Store, StoreError};
use crate::secrets::{self, MasterKey, Sealed, SecretValue};

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

impl Store {
    /// Store sealed bytes for secret `name` of `instance`, replacing any
    /// previous value. `NotFound` when the instance does not exist.
    pub fn put_sealed_secret(
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
    pub fn sealed_secret(&self, instance: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("SELECT sealed FROM secrets WHERE instance_id = ?1 AND name = ?2")
            .and_then(|mut s| s.query_row([instance, name], |r| r.get(0)).optional())
            .map_err(self.on("reading a secret"))
    }

    /// Names of `instance`'s secrets, sorted. Never the values.
    pub fn secret_names(&self, instance: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("SELECT name FROM secrets WHERE instance_id = ?1 ORDER BY name")
            .and_then(|mut s| s.query_map([instance], |r| r.get(0))?.collect())
            .map_err(self.on("listing secrets"))
    }

    /// Delete secret `name` of `instance`; true when it existed.
    pub fn remove_secret(&self, instance: &str, name: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("DELETE FROM secrets WHERE instance_id = ?1 AND name = ?2")
            .and_then(|mut s| s.execute([instance, name]))
            .map(|n| n > 0)
            .map_err(self.on("removing a secret"))
    }

    /// Change instance `id`'s settings and upstream routes (JSON) and set the
    /// `secrets` given (sealed with `key`), all in one transaction: either
    /// everything changes or nothing does. `NotFound` for an unknown instance.
    pub fn update_instance(
        &self,
        key: &MasterKey,
        id: &str,
        config_json: &str,
        upstreams_json: &str,
        secrets: &[(&str, &SecretValue)],
    ) -> Result<(), StoreError> {
        let sealed: Vec<(&str, Vec<u8>)> = secrets
            .iter()
            .map(|(name, value)| Ok((*name, secrets::seal(key, id, name, value)?.to_bytes())))
            .collect::<Result<_, StoreError>>()?;
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
        for (name, bytes) in &sealed {
            upsert_sealed(&tx, id, name, bytes).map_err(self.on("updating an instance"))?;
        }
        tx.commit().map_err(self.on("updating an instance"))
    }

    /// Seal `value` with `key` (bound to `instance` and `name`) and store it.
    pub fn put_secret(
        &self,
        key: &MasterKey,
        instance: &str,
        name: &str,
        value: &SecretValue,
    ) -> Result<(), StoreError> {
        let sealed = secrets::seal(key, instance, name, value)?;
        self.put_sealed_secret(instance, name, &sealed.to_bytes())
    }

    /// Read and open secret `name` of `instance` with `key`.
    pub fn secret(
        &self,
        key: &MasterKey,
        instance: &str,
        name: &str,
    ) -> Result<Option<SecretValue>, StoreError> {
        let Some(bytes) = self.sealed_secret(instance, name)? else {
            return Ok(None);
        };
        let sealed = Sealed::from_bytes(&bytes, instance, name)?;
        Ok(Some(secrets::open(key, instance, name, &sealed)?))
    }

    /// Re-seal every secret from `old` to `new` in one transaction; returns how
    /// many were re-sealed. Secrets already sealed with `new` are left alone,
    /// so an interrupted rotation can simply be run again.
    pub fn rotate_master_key(&self, old: &MasterKey, new: &MasterKey) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "rotating the master key")?;
        let rows: Vec<(String, String, Vec<u8>)> = tx
            .prepare("SELECT instance_id, name, sealed FROM secrets ORDER BY instance_id, name")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .map_err(self.on("reading secrets to rotate"))?;
        let mut rotated = 0;
        for (instance, name, bytes) in rows {
            let sealed = Sealed::from_bytes(&bytes, &instance, &name)?;
            if sealed.key_id == new.id() {
                continue;
            }
            let value = secrets::open(old, &instance, &name, &sealed)?;
            let resealed = secrets::seal(new, &instance, &name, &value)?.to_bytes();
            tx.prepare_cached(concat!(
                "UPDATE secrets SET sealed = ?3, updated_at = ",
                now_sql!(),
                " WHERE instance_id = ?1 AND name = ?2"
            ))
            .and_then(|mut s| s.execute(params![instance, name, resealed]))
            .map_err(self.on("re-sealing a secret"))?;
            rotated += 1;
        }
        tx.commit().map_err(self.on("rotating the master key"))?;
        Ok(rotated)
    }
}
