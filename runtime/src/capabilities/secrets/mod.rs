//! Instance secrets as the plugin sees them: names, never values.
//!
//! Secrets are decrypted from the store when an instance starts and held in
//! zeroize-on-drop values. The plugin may ask whether a secret exists or
//! attach one to a request header by name; it reads a raw value only with the
//! operator's explicit `secrets.reveal` grant, which is off by default.
//!
//! Whatever a plugin writes (error messages, log lines, panic text, findings)
//! passes [`SecretBag::scrub`] before it reaches logs, errors, the store or
//! the command line: a plugin granted `secrets.reveal` — or one that got a
//! value echoed back by an upstream — cannot leak it through the host.

pub mod grant;
pub mod section;
use std::collections::BTreeMap;

use plugboard_core::secrets::SecretValue;

pub use super::redact::REDACTED;
use super::redact::Redactor;

/// The decrypted secrets of one instance.
#[derive(Default)]
pub struct SecretBag {
    values: BTreeMap<String, SecretValue>,
    redactor: Redactor,
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
        let redactor = Redactor::new(values.values().map(|v| v.expose()));
        SecretBag {
            values,
            redactor,
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

    /// Whether the plugin was granted `secrets.reveal`.
    pub fn reveal_granted(&self) -> bool {
        self.reveal_granted
    }

    /// Replace every secret value of this instance found in `text` by
    /// [`REDACTED`]; returns whether anything was replaced.
    pub fn scrub(&self, text: &mut String) -> bool {
        self.redactor.redact(text)
    }

    /// The matcher [`SecretBag::scrub`] uses (cheap to clone: it is shared).
    pub fn redactor(&self) -> crate::capabilities::redact::Redactor {
        self.redactor.clone()
    }

    /// [`SecretBag::scrub`] for bytes (an upstream body).
    pub fn scrub_bytes(&self, bytes: &mut Vec<u8>) -> bool {
        self.redactor.redact_bytes(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(pairs: &[(&str, &str)]) -> SecretBag {
        SecretBag::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), SecretValue::new(v.to_string())))
                .collect(),
            true,
        )
    }

    #[test]
    fn every_value_of_the_instance_is_scrubbed_from_text_and_bytes() {
        let b = bag(&[("api_key", "k-123456"), ("client_secret", "s3cr3t-value")]);
        let mut text = "key k-123456, secret s3cr3t-value".to_string();
        assert!(b.scrub(&mut text));
        assert_eq!(text, "key [redacted], secret [redacted]");
        let mut body = b"{\"echo\":\"k-123456\"}".to_vec();
        assert!(b.scrub_bytes(&mut body));
        assert_eq!(body, b"{\"echo\":\"[redacted]\"}".to_vec());
    }

    #[test]
    fn debug_shows_names_never_values() {
        let b = bag(&[("api_key", "k-123456")]);
        let shown = format!("{b:?}");
        assert!(
            shown.contains("api_key") && !shown.contains("k-123456"),
            "{shown}"
        );
    }
}
