//! Instance secrets as the plugin sees them: names, never values.
//!
//! Secrets are decrypted from the store when an instance starts and held in
//! zeroize-on-drop values. The plugin may ask whether a secret exists or
//! attach one to a request header by name; it reads a raw value only with the
//! operator's explicit `secrets.reveal` grant, which is off by default.

use std::collections::BTreeMap;

use plugboard_core::secrets::SecretValue;

/// The decrypted secrets of one instance.
#[derive(Default)]
pub struct SecretBag {
    values: BTreeMap<String, SecretValue>,
    reveal_granted: bool,
}

impl std::fmt::Debug for SecretBag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBag")
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .field("reveal_granted", &self.reveal_granted)
            .finish()
    }
}

impl SecretBag {
    /// A bag holding `values`; `reveal_granted` enables `secrets.reveal`.
    pub fn new(values: BTreeMap<String, SecretValue>, reveal_granted: bool) -> Self {
        SecretBag {
            values,
            reveal_granted,
        }
    }

    /// The value of `name`, for host-side use (token minting, secret headers).
    pub fn get(&self, name: &str) -> Option<&SecretValue> {
        self.values.get(name)
    }

    /// Whether `name` has a value.
    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The raw value for the plugin, only with the reveal grant.
    pub fn reveal(&self, name: &str) -> Result<String, String> {
        if !self.reveal_granted {
            return Err(format!(
                "secrets.reveal is not granted to this plugin; it may attach `{name}` to a request with a secret header instead"
            ));
        }
        self.values
            .get(name)
            .map(|v| v.expose().to_string())
            .ok_or_else(|| format!("this instance has no secret named `{name}`"))
    }
}
