//! Sealed secrets per instance: the interface. Backends keep only ciphertext;
//! the provided methods seal and open with a [`MasterKey`] here, on the
//! caller's side of the database, so neither backend ever sees a plaintext.

use super::{InstanceRow, StoreError};
use crate::secrets::{self, MasterKey, Sealed, SecretValue};

/// What [`SecretStore::reseal_secrets`] asks of each stored secret:
/// `(instance, name, sealed bytes)` → new sealed bytes, or `None` to keep it.
pub type Reseal<'a> = &'a mut dyn FnMut(&str, &str, &[u8]) -> Result<Option<Vec<u8>>, StoreError>;

/// Sealed secrets.
pub trait SecretStore {
    /// Store sealed bytes for secret `name` of `instance`, replacing any
    /// previous value. `NotFound` when the instance does not exist.
    fn put_sealed_secret(
        &self,
        instance: &str,
        name: &str,
        sealed: &[u8],
    ) -> Result<(), StoreError>;

    /// The sealed bytes of secret `name` of `instance`.
    fn sealed_secret(&self, instance: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Names of `instance`'s secrets, sorted. Never the values.
    fn secret_names(&self, instance: &str) -> Result<Vec<String>, StoreError>;

    /// Delete secret `name` of `instance`; true when it existed.
    fn remove_secret(&self, instance: &str, name: &str) -> Result<bool, StoreError>;

    /// Change instance `id`'s settings and upstream routes (JSON) and set the
    /// already sealed `secrets` given, all in one transaction. `NotFound` for
    /// an unknown instance.
    fn update_instance_sealed(
        &self,
        id: &str,
        config_json: &str,
        upstreams_json: &str,
        secrets: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError>;

    /// Add instance `row` with its already sealed `secrets`, in one
    /// transaction: no reader (no node claiming leases) ever sees the
    /// instance without its secrets. `AlreadyExists` when the id is taken,
    /// `NotFound` when its plugin is not added; either way nothing is stored.
    fn add_instance_sealed(
        &self,
        row: &InstanceRow,
        secrets: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError>;

    /// Pass every stored secret, in order of instance and name, to `reseal`
    /// and store what it returns, in one transaction; returns how many were
    /// replaced. An error from `reseal` rolls everything back.
    fn reseal_secrets(&self, reseal: Reseal<'_>) -> Result<usize, StoreError>;

    /// Change instance `id`'s settings and upstream routes (JSON) and set the
    /// `secrets` given (sealed with `key`), all in one transaction: either
    /// everything changes or nothing does. `NotFound` for an unknown instance.
    fn update_instance(
        &self,
        key: &MasterKey,
        id: &str,
        config_json: &str,
        upstreams_json: &str,
        secrets: &[(&str, &SecretValue)],
    ) -> Result<(), StoreError> {
        let sealed = secrets
            .iter()
            .map(|(name, value)| Ok((*name, secrets::seal(key, id, name, value)?.to_bytes())))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.update_instance_sealed(id, config_json, upstreams_json, &sealed)
    }

    /// Add instance `row` with its `secrets` (sealed with `key`) in one
    /// transaction; see [`SecretStore::add_instance_sealed`].
    fn add_instance_with_secrets(
        &self,
        key: &MasterKey,
        row: &InstanceRow,
        secrets: &[(&str, &SecretValue)],
    ) -> Result<(), StoreError> {
        let sealed = secrets
            .iter()
            .map(|(name, value)| Ok((*name, secrets::seal(key, &row.id, name, value)?.to_bytes())))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.add_instance_sealed(row, &sealed)
    }

    /// Seal `value` with `key` (bound to `instance` and `name`) and store it.
    fn put_secret(
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
    fn secret(
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
    fn rotate_master_key(&self, old: &MasterKey, new: &MasterKey) -> Result<usize, StoreError> {
        self.reseal_secrets(&mut |instance, name, bytes| {
            let sealed = Sealed::from_bytes(bytes, instance, name)?;
            if sealed.key_id == new.id() {
                return Ok(None);
            }
            let value = secrets::open(old, instance, name, &sealed)?;
            Ok(Some(secrets::seal(new, instance, name, &value)?.to_bytes()))
        })
    }
}
