//! API bearer tokens: `pb_<id>_<secret>`, shown once at creation; only the
//! SHA-256 of the whole token is stored.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use plugboard_core::store::{Store, StoreError, TokenRow};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A freshly created token: its public row and its value (shown once).
pub struct NewToken {
    /// The stored row.
    pub id: String,
    /// The bearer value; never stored or logged.
    pub value: Zeroizing<String>,
}

impl std::fmt::Debug for NewToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewToken")
            .field("id", &self.id)
            .field("value", &"[redacted]")
            .finish()
    }
}

/// The hex SHA-256 a token value is stored and looked up under.
pub fn token_hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Create and store a token called `name`.
pub fn create_token(store: &Store, name: &str) -> Result<NewToken, StoreError> {
    let mut rng = rand::rng();
    let mut id = [0u8; 4];
    rng.fill_bytes(&mut id);
    let mut secret = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(secret.as_mut());
    let id = hex::encode(id);
    let value = Zeroizing::new(format!(
        "pb_{id}_{}",
        URL_SAFE_NO_PAD.encode(secret.as_ref())
    ));
    store.add_token(&id, name, &token_hash(&value))?;
    Ok(NewToken { id, value })
}

/// The live token a bearer value belongs to, if any.
pub fn verify_token(store: &Store, value: &str) -> Result<Option<TokenRow>, StoreError> {
    if !value.starts_with("pb_") || value.len() > 128 {
        return Ok(None);
    }
    store.use_token(&token_hash(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_token_verifies_and_only_its_hash_is_stored() -> Result<(), StoreError> {
        let store = Store::open_in_memory()?;
        let t = create_token(&store, "ci")?;
        assert!(t.value.starts_with(&format!("pb_{}_", t.id)));
        assert_eq!(
            verify_token(&store, &t.value)?.map(|r| r.id),
            Some(t.id.clone())
        );
        assert!(verify_token(&store, "pb_nope")?.is_none());
        assert!(verify_token(&store, &t.value[..t.value.len() - 1])?.is_none());
        assert!(!format!("{t:?}").contains(t.value.as_str()));
        store.revoke_token(&t.id)?;
        assert!(verify_token(&store, &t.value)?.is_none());
        Ok(())
    }
}
