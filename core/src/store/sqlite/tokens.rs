//! API tokens in SQLite (their SHA-256 only).

use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, now_sql, write_tx};
use crate::store::{StoreError, TokenRow, TokenStore};

impl TokenStore for SqliteStore {
    /// Store a new token by id, name and the hex SHA-256 of its value.
    fn add_token(&self, id: &str, name: &str, sha256_hex: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "adding an API token")?;
        let taken: bool = tx
            .prepare_cached("SELECT EXISTS(SELECT 1 FROM api_tokens WHERE id = ?1)")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)))
            .map_err(self.on("adding an API token"))?;
        if taken {
            return Err(StoreError::AlreadyExists {
                what: "API token",
                id: id.to_string(),
            });
        }
        tx.prepare_cached(concat!(
            "INSERT INTO api_tokens (id, name, sha256, created_at) VALUES (?1, ?2, ?3, ",
            now_sql!(),
            ")"
        ))
        .and_then(|mut s| s.execute(params![id, name, sha256_hex]))
        .map_err(self.on("adding an API token"))?;
        tx.commit().map_err(self.on("adding an API token"))
    }

    /// The live (not revoked) token whose value hashes to `sha256_hex`,
    /// marking it used (to the minute).
    fn use_token(&self, sha256_hex: &str) -> Result<Option<TokenRow>, StoreError> {
        let conn = self.conn();
        let row = conn
            .prepare_cached(
                "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
                 WHERE sha256 = ?1 AND revoked_at IS NULL",
            )
            .and_then(|mut s| s.query_row([sha256_hex], from_row).optional())
            .map_err(self.on("checking an API token"))?;
        if let Some(r) = &row {
            // At most one write a minute per token, not one per API call.
            conn.prepare_cached(concat!(
                "UPDATE api_tokens SET last_used_at = ",
                now_sql!(),
                " WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < \
                 strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-60 seconds'))"
            ))
            .and_then(|mut s| s.execute([&r.id]))
            .map_err(self.on("recording an API token's use"))?;
        }
        Ok(row)
    }

    /// Every token, oldest first.
    fn tokens(&self) -> Result<Vec<TokenRow>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
             ORDER BY created_at, id",
        )
        .and_then(|mut s| s.query_map([], from_row)?.collect())
        .map_err(self.on("listing API tokens"))
    }

    /// Token `id`, revoked or not.
    fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        self.conn()
            .prepare_cached(
                "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
                 WHERE id = ?1",
            )
            .and_then(|mut s| s.query_row([id], from_row).optional())
            .map_err(self.on("reading an API token"))
    }

    /// Revoke token `id` and end its console sessions; `NotFound` when
    /// there is none.
    fn revoke_token(&self, id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "revoking an API token")?;
        let changed = tx
            .prepare_cached(concat!(
                "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ",
                now_sql!(),
                ") WHERE id = ?1"
            ))
            .and_then(|mut s| s.execute([id]))
            .map_err(self.on("revoking an API token"))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "API token",
                id: id.to_string(),
            });
        }
        tx.prepare_cached("DELETE FROM console_sessions WHERE token_id = ?1")
            .and_then(|mut s| s.execute([id]))
            .map_err(self.on("ending a revoked API token's console sessions"))?;
        tx.commit().map_err(self.on("revoking an API token"))
    }
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
        last_used_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}
