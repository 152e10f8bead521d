//! The auth broker: mints, caches and renews the credentials of a plugin's
//! auth profiles (OAuth tokens, GitHub installation tokens) and presents
//! them, or a static API key, to each profile's audience.
//!
//! Threat: a plugin that saw a token or client secret could exfiltrate it or
//! use it outside its grant. Decision: tokens are minted by the host with the
//! instance's secrets, held in memory only, injected on requests to the
//! profile's audience, and never handed to the plugin, logged or stored.

mod broker;
pub mod connections;
pub mod consent;
pub mod grant;
mod mint;
pub mod section;
mod sign;

pub use broker::{AuthError, MintGate, Token, TokenBroker};

use std::collections::BTreeMap;

use crate::capabilities::secrets::SecretBag;
use crate::section::ValueRef;
use section::AuthProfile;

/// Check every private key the `profiles` sign with that `secrets`
/// holds (parse it and sign a probe), so a bad key is refused when the
/// instance is added or the secret set rather than at the first token
/// request. A key not given is skipped (the mint reports it missing).
pub fn check_keys(
    profiles: &[AuthProfile],
    config: &BTreeMap<String, String>,
    secrets: &SecretBag,
) -> Result<(), AuthError> {
    for profile in profiles {
        if let Some((key, alg)) = profile.kind.signing_key()
            && let ValueRef::Secret(name) = key
            && secrets.get(name).is_some()
        {
            mint::signing_key(key, alg, &profile.name, config, secrets)?;
        }
    }
    Ok(())
}
pub use connections::{Connections, Stored};
