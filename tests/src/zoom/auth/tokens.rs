//! Issued access tokens: minting, revocation and expiry.
//!
//! As at Zoom, minting a token for a client revokes every earlier token of that client,
//! so two connectors sharing one app's credentials knock each other out (401 code 124).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rand::Rng as _;

use crate::zoom::error::ZoomError;

/// Random bytes in an access token (256 bits: not guessable).
const TOKEN_BYTES: usize = 32;

#[derive(Debug, Clone)]
struct IssuedToken {
    client_id: String,
    expires_at: Instant,
    revoked: bool,
}

/// Every token the simulator has issued.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, IssuedToken>,
}

impl TokenStore {
    /// Mints a token for `client_id` living `lifetime` from `now`, revoking the client's
    /// earlier tokens.
    pub fn mint(&mut self, client_id: &str, lifetime: Duration, now: Instant) -> String {
        for token in self.tokens.values_mut() {
            if token.client_id == client_id {
                token.revoked = true;
            }
        }
        // Drop long-dead tokens so the map does not grow without bound; revoked ones
        // stay (for the 401 test) until they would have expired anyway.
        self.tokens.retain(|_, t| t.expires_at > now);
        let bytes: [u8; TOKEN_BYTES] = rand::rng().random();
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                client_id: client_id.to_owned(),
                expires_at: now + lifetime,
                revoked: false,
            },
        );
        token
    }

    /// Checks a presented token: unknown or revoked → "Invalid access token.", past its
    /// lifetime → "Access token is expired." (both 401 code 124).
    pub fn verify(&self, token: &str, now: Instant) -> Result<(), ZoomError> {
        match self.tokens.get(token) {
            None => Err(ZoomError::invalid_token()),
            Some(t) if t.revoked => Err(ZoomError::invalid_token()),
            Some(t) if now >= t.expires_at => Err(ZoomError::expired_token()),
            Some(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_mint_revokes_the_first_token_of_the_same_client() {
        let mut store = TokenStore::default();
        let now = Instant::now();
        let hour = Duration::from_secs(3_600);
        let first = store.mint("client", hour, now);
        let other = store.mint("other-client", hour, now);
        let second = store.mint("client", hour, now);
        assert_ne!(first, second);
        assert_eq!(store.verify(&first, now), Err(ZoomError::invalid_token()));
        assert_eq!(store.verify(&second, now), Ok(()));
        assert_eq!(store.verify(&other, now), Ok(()));
    }

    #[test]
    fn a_token_expires_after_its_lifetime() {
        let mut store = TokenStore::default();
        let now = Instant::now();
        let token = store.mint("client", Duration::from_secs(2), now);
        assert_eq!(store.verify(&token, now + Duration::from_secs(1)), Ok(()));
        assert_eq!(
            store.verify(&token, now + Duration::from_secs(2)),
            Err(ZoomError::expired_token())
        );
        assert_eq!(store.verify("guess", now), Err(ZoomError::invalid_token()));
    }
}
