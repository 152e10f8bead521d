//! API tokens in PostgreSQL (their SHA-256 only).

use tokio_postgres::Row;
use tokio_postgres::error::SqlState;

use super::PgStore;
use crate::store::{StoreError, TokenRow, TokenStore};

fn from_row(r: &Row) -> Result<TokenRow, tokio_postgres::Error> {
    Ok(TokenRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        created_at: r.try_get(2)?,
        last_used_at: r.try_get(3)?,
        revoked_at: r.try_get(4)?,
    })
}

impl TokenStore for PgStore {
    fn add_token(&self, id: &str, name: &str, sha256_hex: &str) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            let added = c
                .execute(
                    "INSERT INTO api_tokens (id, name, sha256, created_at) \
                     VALUES ($1, $2, $3, plugboard_now())",
                    &[&id, &name, &sha256_hex],
                )
                .await;
            match added {
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    Err(StoreError::AlreadyExists {
                        what: "API token",
                        id: id.to_string(),
                    })
                }
                other => other.map(drop).map_err(self.on("adding an API token")),
            }
        })
    }

    fn use_token(&self, sha256_hex: &str) -> Result<Option<TokenRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "checking an API token",
                    "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
                     WHERE sha256 = $1 AND revoked_at IS NULL",
                    &[&sha256_hex],
                )
                .await?;
            let token = row
                .map(|r| from_row(&r))
                .transpose()
                .map_err(self.on("checking an API token"))?;
            if let Some(t) = &token {
                // At most one write a minute per token, not one per API call.
                self.exec(
                    &c,
                    "recording an API token's use",
                    "UPDATE api_tokens SET last_used_at = plugboard_now() WHERE id = $1 \
                     AND (last_used_at IS NULL OR last_used_at < \
                     plugboard_time(clock_timestamp() - interval '60 seconds'))",
                    &[&t.id],
                )
                .await?;
            }
            Ok(token)
        })
    }

    fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing API tokens",
                    "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
                     ORDER BY created_at, id",
                    &[],
                )
                .await?;
            self.decode("listing API tokens", &rows, from_row)
        })
    }

    fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.row(
                &c,
                "reading an API token",
                "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
                 WHERE id = $1",
                &[&id],
            )
            .await?
            .map(|r| from_row(&r))
            .transpose()
            .map_err(self.on("reading an API token"))
        })
    }

    fn revoke_token(&self, id: &str) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("revoking an API token"))?;
            let changed = self
                .exec(
                    &tx,
                    "revoking an API token",
                    "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, plugboard_now()) \
                     WHERE id = $1",
                    &[&id],
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "API token",
                    id: id.to_string(),
                });
            }
            self.exec(
                &tx,
                "ending a revoked API token's console sessions",
                "DELETE FROM console_sessions WHERE token_id = $1",
                &[&id],
            )
            .await?;
            tx.commit().await.map_err(self.on("revoking an API token"))
        })
    }
}
