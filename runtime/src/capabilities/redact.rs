//! Finding secret values and tokens in text and bytes, all at once.
//!
//! Threat: a secret or token reaches somewhere the operator did not send it —
//! an upstream echoes a header into a body the plugin reads and then stores,
//! a plugin granted `secrets.reveal` writes a value into a record, a token
//! endpoint quotes the client secret in its error. Decision: one
//! multi-pattern matcher (Aho–Corasick, leftmost-longest, so a value that
//! contains another is replaced whole) per set of values, built once when the
//! set changes, so scrubbing a 16 MiB body or every record of a page costs one
//! linear pass whatever the number of secrets.
//!
//! Values shorter than [`MIN_REDACTED_LEN`] bytes are not looked for: such a
//! value is no secret, and replacing every occurrence of, say, `1234` would
//! erase ordinary data.

use aho_corasick::{AhoCorasick, MatchKind};

/// What replaces a secret value or token.
pub const REDACTED: &str = "[redacted]";

/// Shortest value looked for.
pub const MIN_REDACTED_LEN: usize = 6;

/// A matcher for one set of secret values. Its `Debug` never shows them.
#[derive(Clone, Default)]
pub struct Redactor {
    matcher: Option<AhoCorasick>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field(
                "values",
                &self.matcher.as_ref().map_or(0, |m| m.patterns_len()),
            )
            .finish()
    }
}

impl Redactor {
    /// A matcher for `values` (those of at least [`MIN_REDACTED_LEN`] bytes).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let patterns: Vec<&str> = values
            .into_iter()
            .filter(|v| v.len() >= MIN_REDACTED_LEN)
            .collect();
        if patterns.is_empty() {
            return Redactor::default();
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns);
        match matcher {
            Ok(m) => Redactor { matcher: Some(m) },
            Err(e) => {
                // Only a pattern set millions of times larger than any
                // instance's secrets fails to build.
                tracing::error!(error = %e, "cannot build the secret matcher");
                Redactor::default()
            }
        }
    }

    /// Replace every value found in `text` by [`REDACTED`]; returns whether
    /// anything was replaced.
    pub fn redact(&self, text: &mut String) -> bool {
        let Some(m) = &self.matcher else {
            return false;
        };
        if !m.is_match(text.as_str()) {
            return false;
        }
        let mut out = String::with_capacity(text.len());
        m.replace_all_with(text, &mut out, |_, _, dst| {
            dst.push_str(REDACTED);
            true
        });
        *text = out;
        true
    }

    /// [`Redactor::redact`] for bytes (a response body, which may not be UTF-8).
    pub fn redact_bytes(&self, bytes: &mut Vec<u8>) -> bool {
        let Some(m) = &self.matcher else {
            return false;
        };
        if !m.is_match(bytes.as_slice()) {
            return false;
        }
        let mut out = Vec::with_capacity(bytes.len());
        m.replace_all_with_bytes(bytes, &mut out, |_, _, dst| {
            dst.extend_from_slice(REDACTED.as_bytes());
            true
        });
        *bytes = out;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_replaced_wherever_it_appears() {
        let r = Redactor::new(["k-123456", "s3cr3t-value"]);
        let mut text = "key k-123456, secret s3cr3t-value, again k-123456".to_string();
        assert!(r.redact(&mut text));
        assert_eq!(text, "key [redacted], secret [redacted], again [redacted]");
        let mut clean = "nothing here".to_string();
        assert!(!r.redact(&mut clean));
        assert_eq!(clean, "nothing here");
    }

    #[test]
    fn a_value_containing_another_is_replaced_whole() {
        let r = Redactor::new(["abcdef", "xxabcdefxx"]);
        let mut text = "xxabcdefxx and abcdef".to_string();
        r.redact(&mut text);
        assert_eq!(text, "[redacted] and [redacted]");
    }

    #[test]
    fn short_and_empty_values_are_not_looked_for() {
        let r = Redactor::new(["", "12345", "123456"]);
        let mut text = "12345 and 123456".to_string();
        r.redact(&mut text);
        assert_eq!(text, "12345 and [redacted]");
        let none = Redactor::new(["", "abc"]);
        let mut text = "abc".to_string();
        assert!(!none.redact(&mut text));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_scrubbed_too() {
        let r = Redactor::new(["token-abcdef"]);
        let mut body = b"\xff\xfe{\"echo\":\"token-abcdef\"}".to_vec();
        assert!(r.redact_bytes(&mut body));
        assert_eq!(body, b"\xff\xfe{\"echo\":\"[redacted]\"}".to_vec());
    }

    #[test]
    fn debug_never_shows_a_value() {
        let r = Redactor::new(["very-secret-value"]);
        let shown = format!("{r:?}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
    }
}
