//! Showing strings that came from outside (a manifest, a plugin, an
//! upstream, an API body, a store row written by an older host) in messages.
//!
//! Threat: such a string may carry terminal escape sequences, line breaks
//! that forge log lines, or megabytes of text. Decision: every message shows
//! it quoted and escaped (Rust's `Debug` form: control characters become
//! `\u{1b}`, `\n`, …) and cut to [`MAX_SHOWN_CHARS`] characters.

/// The most characters of an outside string a message shows.
pub const MAX_SHOWN_CHARS: usize = 80;

/// `s` cut to [`MAX_SHOWN_CHARS`] characters, `…` marking a cut; for a
/// message that quotes it itself (e.g. with `{:?}`).
pub fn clipped(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

/// `s` quoted and escaped, cut to [`MAX_SHOWN_CHARS`] characters.
pub fn quoted(s: &str) -> String {
    format!("{:?}", clipped(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outside_string_is_quoted_escaped_and_cut() {
        let cases = [
            ("1.0.0", "\"1.0.0\""),
            ("../..", "\"../..\""),
            ("a\u{1b}[31mred\nforged", "\"a\\u{1b}[31mred\\nforged\""),
        ];
        for (input, want) in cases {
            assert_eq!(quoted(input), want, "input {input:?}");
        }
        let long = "é".repeat(MAX_SHOWN_CHARS + 10);
        let shown = quoted(&long);
        assert_eq!(
            shown,
            format!("\"{}…\"", "é".repeat(MAX_SHOWN_CHARS)),
            "a long string is cut at a character boundary"
        );
    }
}
