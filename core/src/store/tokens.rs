//! API tokens of the daemon: the interface. Only their SHA-256 is stored, so
//! a copy of the database does not let anyone call the API.
//!
//! Tokens are 32 random bytes, so a plain SHA-256 (not a slow password hash)
//! is enough: there is nothing to guess.

use super::StoreError;

/// One API token, without its value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    /// Short public id (the first characters after the token prefix).
    pub id: String,
    /// What the operator called it.
    pub name: String,
    /// When it was created, RFC 3339.
    pub created_at: String,
    /// When it was last used, RFC 3339.
    pub last_used_at: Option<String>,
    /// When it was revoked, RFC 3339; a revoked token is refused.
    pub revoked_at: Option<String>,
}

/// API tokens.
pub trait TokenStore {
    /// Store a new token by id, name and the hex SHA-256 of its value.
    fn add_token(&self, id: &str, name: &str, sha256_hex: &str) -> Result<(), StoreError>;

    /// The live (not revoked) token whose value hashes to `sha256_hex`,
    /// marking it used (to the minute: at most one write a minute per token).
    fn use_token(&self, sha256_hex: &str) -> Result<Option<TokenRow>, StoreError>;

    /// Every token, oldest first.
    fn tokens(&self) -> Result<Vec<TokenRow>, StoreError>;

    /// Token `id` (revoked or not), or `None`: one row by its key, for
    /// callers that check one token (each console request) rather than list.
    fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError>;

    /// Revoke token `id` and end its console sessions (one transaction);
    /// `NotFound` when there is none.
    fn revoke_token(&self, id: &str) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use crate::store::StoreError;
    use crate::store::fixtures::stores;

    #[test]
    fn a_token_is_found_by_hash_until_revoked() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("a_token_is_found_by_hash_until_revoked")? {
            println!("backend: {backend}");
            store.add_token("abc", "ci", "00ff")?;
            assert!(matches!(
                store.add_token("abc", "again", "11ee"),
                Err(StoreError::AlreadyExists { .. })
            ));
            assert_eq!(store.use_token("00ff")?.map(|t| t.name), Some("ci".into()));
            assert!(store.use_token("1234")?.is_none());
            assert!(store.tokens()?[0].last_used_at.is_some());
            store.add_token("def", "ops", "22dd")?;
            let one = store.token("abc")?.ok_or("no token abc")?;
            assert_eq!((one.name.as_str(), one.revoked_at.is_none()), ("ci", true));
            assert_eq!(store.token("def")?.map(|t| t.name), Some("ops".into()));
            assert!(store.token("nope")?.is_none());
            store.revoke_token("abc")?;
            assert!(
                store
                    .token("abc")?
                    .ok_or("no token abc")?
                    .revoked_at
                    .is_some()
            );
            assert!(
                store
                    .token("def")?
                    .ok_or("no token def")?
                    .revoked_at
                    .is_none()
            );
            assert!(store.use_token("00ff")?.is_none());
            assert!(matches!(
                store.revoke_token("nope"),
                Err(StoreError::NotFound { .. })
            ));
        }
        Ok(())
    }
}
