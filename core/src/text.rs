//! Text from outside — manifests, plugins, upstream apps — on its way to a
//! terminal, a log line or the API.
//!
//! Threat: a string with terminal escape sequences moves the cursor and
//! rewrites the lines above it (an approval prompt that hides a network
//! grant); a carriage return or newline forges a log line; bidirectional
//! overrides and invisible characters make `evil.example` read as something
//! else. Decision: such characters never pass through raw. Manifests refuse
//! them outright ([`first_unsafe`]); everything a plugin or an upstream
//! says is neutralised — each such character becomes a visible `\u{…}`
//! escape — and cut to a bound ([`neutralize`], [`bounded`]).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` may not reach a terminal raw: a control character (C0, DEL,
/// C1) or an invisible character that reorders, hides or joins text
/// (bidirectional marks and overrides, zero-width characters, line and
/// paragraph separators, the byte-order mark, interlinear annotations,
/// Unicode tag characters).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// The first unsafe character of `s` and its character index, if any.
pub fn first_unsafe(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|(_, c)| is_unsafe(*c))
}

fn escape_into(out: &mut String, s: &str, keep_newlines: bool) {
    for c in s.chars() {
        if is_unsafe(c) && !(keep_newlines && c == '\n') {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// `s` with every unsafe character (newlines included) replaced by a
/// visible `\u{…}` escape: safe to print on one line.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s, false);
    Cow::Owned(out)
}

/// [`neutralize`], keeping `\n` (for multi-line text such as a finding's
/// evidence; a `\r` is still escaped, so no line can be overwritten).
pub fn neutralize_multiline(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(&mut out, s, true);
    Cow::Owned(out)
}

/// `s` cut to at most `max` bytes at a character boundary, with `…` at the
/// end when anything was cut.
pub fn bounded(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    let ellipsis = '…';
    let mut end = max.saturating_sub(ellipsis.len_utf8());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + ellipsis.len_utf8());
    out.push_str(s.get(..end).unwrap_or(""));
    out.push(ellipsis);
    Cow::Owned(out)
}

/// Neutralise `text` in place (one line), then cut it to `max` bytes.
pub fn clean_line(text: &mut String, max: usize) {
    if let Cow::Owned(n) = neutralize(text) {
        *text = n;
    }
    if let Cow::Owned(b) = bounded(text, max) {
        *text = b;
    }
}

/// Neutralise `text` in place keeping newlines, then cut it to `max` bytes.
pub fn clean_multiline(text: &mut String, max: usize) {
    if let Cow::Owned(n) = neutralize_multiline(text) {
        *text = n;
    }
    if let Cow::Owned(b) = bounded(text, max) {
        *text = b;
    }
}

/// The most bytes of an outside value [`quoted`] shows.
pub const QUOTED_MAX: usize = 120;

/// An outside value named in a message: neutralised, cut to [`QUOTED_MAX`]
/// bytes and quoted (`{:?}`, as manifest errors quote values).
pub fn quoted(s: &str) -> String {
    let mut shown = s.to_string();
    clean_line(&mut shown, QUOTED_MAX);
    format!("{shown:?}")
}

/// `d` in seconds for messages: whole seconds when exact, else one decimal.
pub fn seconds(d: std::time::Duration) -> String {
    if d.subsec_millis() == 0 {
        d.as_secs().to_string()
    } else {
        format!("{:.1}", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_invisible_characters_are_made_visible() {
        let cases = [
            ("plain text", "plain text"),
            (
                "\u{1b}[2A\u{1b}[Knetwork none",
                "\\u{1b}[2A\\u{1b}[Knetwork none",
            ),
            ("line\rover", "line\\u{d}over"),
            ("two\nlines", "two\\u{a}lines"),
            ("bell\u{7}", "bell\\u{7}"),
            ("csi\u{9b}2A", "csi\\u{9b}2A"),
            ("evil\u{202e}moc.elpmaxe", "evil\\u{202e}moc.elpmaxe"),
            ("zero\u{200b}width", "zero\\u{200b}width"),
            ("tag\u{e0041}", "tag\\u{e0041}"),
            ("bom\u{feff}", "bom\\u{feff}"),
            ("ünïcödé 日本", "ünïcödé 日本"),
        ];
        for (raw, want) in cases {
            assert_eq!(neutralize(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn multiline_text_keeps_newlines_but_not_carriage_returns() {
        assert_eq!(
            neutralize_multiline("a\nb\r\u{1b}[1Ac"),
            "a\nb\\u{d}\\u{1b}[1Ac"
        );
    }

    #[test]
    fn bounded_text_is_cut_at_a_character_boundary_with_an_ellipsis() {
        assert_eq!(bounded("short", 10), "short");
        assert_eq!(bounded("0123456789abc", 10), "0123456…");
        let cut = bounded("ééééé", 6);
        assert!(cut.len() <= 6 && cut.ends_with('…'), "{cut}");
        let mut line = format!("{}\u{1b}", "x".repeat(100));
        clean_line(&mut line, 50);
        assert!(line.len() <= 50 && !line.contains('\u{1b}'), "{line}");
    }

    #[test]
    fn a_quoted_value_is_neutralised_cut_and_in_quotes() {
        assert_eq!(quoted("../.."), "\"../..\"");
        assert_eq!(quoted("a\u{1b}[2Jb\nc"), "\"a\\\\u{1b}[2Jb\\\\u{a}c\"");
        let long = quoted(&"9".repeat(100_000));
        assert!(
            long.len() <= QUOTED_MAX + 2 && long.ends_with("…\""),
            "{long}"
        );
    }

    #[test]
    fn the_first_unsafe_character_is_found_with_its_index() {
        assert_eq!(first_unsafe("ok"), None);
        assert_eq!(first_unsafe("ab\u{1b}c"), Some((2, '\u{1b}')));
    }
}
