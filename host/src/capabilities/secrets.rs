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

use std::collections::BTreeMap;

use plugboard_core::secrets::SecretValue;

/// What replaces a secret value found in plugin-originated text.
pub const REDACTED: &str = "[redacted]";

/// Replace every occurrence of each of `values` in `text` by [`REDACTED`],
/// longest value first (so a value that contains another is replaced whole).
/// Empty values are skipped. Returns whether anything was replaced.
pub fn redact<'a>(text: &mut String, values: impl IntoIterator<Item = &'a str>) -> bool {
    let mut values: Vec<&str> = values.into_iter().filter(|v| !v.is_empty()).collect();
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut changed = false;
    for v in values {
        if text.contains(v) {
            *text = text.replace(v, REDACTED);
            changed = true;
        }
    }
    changed
}

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

    /// Whether the plugin was granted `secrets.reveal`.
    pub fn reveal_granted(&self) -> bool {
        self.reveal_granted
    }

    /// Replace every secret value of this instance found in `text` by
    /// [`REDACTED`]; returns whether anything was replaced.
    pub fn scrub(&self, text: &mut String) -> bool {
        redact(text, self.values.values().map(|v| v.expose()))
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
    fn every_value_is_replaced_wherever_it_appears() {
        let b = bag(&[("api_key", "k-123456"), ("client_secret", "s3cr3t")]);
        let mut text = "key k-123456, secret s3cr3t, again k-123456".to_string();
        assert!(b.scrub(&mut text));
        assert_eq!(text, "key [redacted], secret [redacted], again [redacted]");
        let mut clean = "nothing here".to_string();
        assert!(!b.scrub(&mut clean));
        assert_eq!(clean, "nothing here");
    }

    #[test]
    fn a_value_containing_another_is_replaced_whole_and_empty_values_are_ignored() {
        let b = bag(&[("short", "abc"), ("long", "xxabcxx"), ("empty", "")]);
        let mut text = "xxabcxx and abc".to_string();
        b.scrub(&mut text);
        assert_eq!(text, "[redacted] and [redacted]");
    }
}
