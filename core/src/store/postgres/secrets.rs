//! Sealed secrets in PostgreSQL: ciphertext only.

use deadpool_postgres::GenericClient;

use super::PgStore;
use crate::store::{InstanceRow, Reseal, SecretStore, StoreError, refresh_token_name};

/// Insert or replace the sealed bytes of secret `name` of `instance`.
const UPSERT: &str = "INSERT INTO secrets (instance_id, name, sealed, updated_at) \
     VALUES ($1, $2, $3, plugboard_now()) ON CONFLICT (instance_id, name) DO UPDATE SET \
     sealed = excluded.sealed, updated_at = excluded.updated_at";

impl SecretStore for PgStore {
    fn put_sealed_secret(
        &self,
        instance: &str,
        name: &str,
        sealed: &[u8],
    ) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(self.on("storing a secret"))?;
            self.ensure_instance(&tx, instance).await?;
            self.exec(
                &tx,
                "storing a secret",
                UPSERT,
                &[&instance, &name, &sealed],
            )
            .await?;
            tx.commit().await.map_err(self.on("storing a secret"))
        })
    }

    fn sealed_secret(&self, instance: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "reading a secret",
                    "SELECT sealed FROM secrets WHERE instance_id = $1 AND name = $2",
                    &[&instance, &name],
                )
                .await?;
            row.map(|r| r.try_get(0))
                .transpose()
                .map_err(self.on("reading a secret"))
        })
    }

    fn secret_names(&self, instance: &str) -> Result<Vec<String>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing secrets",
                    "SELECT name FROM secrets WHERE instance_id = $1 ORDER BY name",
                    &[&instance],
                )
                .await?;
            self.decode("listing secrets", &rows, |r| r.try_get(0))
        })
    }

    fn remove_secret(&self, instance: &str, name: &str) -> Result<bool, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let n = self
                .exec(
                    &c,
                    "removing a secret",
                    "DELETE FROM secrets WHERE instance_id = $1 AND name = $2",
                    &[&instance, &name],
                )
                .await?;
            Ok(n > 0)
        })
    }

    fn update_instance_sealed(
        &self,
        id: &str,
        config_json: &str,
        upstreams_json: &str,
        secrets: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("updating an instance"))?;
            self.ensure_instance(&tx, id).await?;
            self.exec(
                &tx,
                "updating an instance",
                "UPDATE instances SET config_json = $2, upstreams_json = $3, \
                 updated_at = plugboard_now() WHERE id = $1",
                &[&id, &config_json, &upstreams_json],
            )
            .await?;
            for (name, bytes) in secrets {
                self.exec(&tx, "updating an instance", UPSERT, &[&id, name, bytes])
                    .await?;
            }
            tx.commit().await.map_err(self.on("updating an instance"))
        })
    }

    fn add_instance_sealed(
        &self,
        row: &InstanceRow,
        secrets: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("adding an instance"))?;
            self.insert_instance(&tx, row).await?;
            for (name, bytes) in secrets {
                self.exec(&tx, "adding an instance", UPSERT, &[&row.id, name, bytes])
                    .await?;
            }
            tx.commit().await.map_err(self.on("adding an instance"))
        })
    }

    fn reseal_secrets(&self, reseal: Reseal<'_>) -> Result<usize, StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("re-sealing secrets"))?;
            // Lock the rows re-sealed, so a concurrent change of one of them
            // waits for the rotation instead of being overwritten by it.
            let rows = tx
                .query(
                    "SELECT instance_id, name, sealed FROM secrets \
                     ORDER BY instance_id, name FOR UPDATE",
                    &[],
                )
                .await
                .map_err(self.on("reading secrets to re-seal"))?;
            let rows: Vec<(String, String, Vec<u8>)> =
                self.decode("reading secrets to re-seal", &rows, |r| {
                    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
                })?;
            let mut resealed = 0;
            for (instance, name, bytes) in rows {
                let Some(new) = reseal(&instance, &name, &bytes)? else {
                    continue;
                };
                self.exec(
                    &tx,
                    "re-sealing a secret",
                    "UPDATE secrets SET sealed = $3, updated_at = plugboard_now() \
                     WHERE instance_id = $1 AND name = $2",
                    &[&instance, &name, &new],
                )
                .await?;
                resealed += 1;
            }
            // Refresh tokens of consent-flow connections are sealed the same way.
            let rows = tx
                .query(
                    "SELECT instance_id, profile, sealed FROM connections \
                     WHERE sealed IS NOT NULL ORDER BY instance_id, profile FOR UPDATE",
                    &[],
                )
                .await
                .map_err(self.on("reading refresh tokens to re-seal"))?;
            let rows: Vec<(String, String, Vec<u8>)> =
                self.decode("reading refresh tokens to re-seal", &rows, |r| {
                    Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
                })?;
            for (instance, profile, bytes) in rows {
                let Some(new) = reseal(&instance, &refresh_token_name(&profile), &bytes)? else {
                    continue;
                };
                self.exec(
                    &tx,
                    "re-sealing a refresh token",
                    "UPDATE connections SET sealed = $3 WHERE instance_id = $1 AND profile = $2",
                    &[&instance, &profile, &new],
                )
                .await?;
                resealed += 1;
            }
            tx.commit().await.map_err(self.on("re-sealing secrets"))?;
            Ok(resealed)
        })
    }
}
