//! Request paths an upstream may read differently than the egress check.
//!
//! Threat: under a path-prefix rule (`https://api.example.com/v2/`), a path
//! like `/v2/..;/admin`, `/v2/%2e%2e/admin`, `/v2/..%2fadmin` or
//! `/v2\..\admin` passes a check that compares decoded, normalised segments,
//! and then a server that decodes `%2f`, treats `;` as a parameter separator
//! or `\` as `/` serves `/admin`. Decision: do not trust every upstream to read
//! paths as we do; refuse, in the text the plugin wrote (before any URL
//! parser normalises it), backslashes, encoded separators and dots (also
//! double-encoded), encoded NULs, and dot segments (with or without `;`
//! parameters). Only requests whose every matching rule has a path prefix are
//! judged: under a rule for a whole origin such a path cannot leave the grant,
//! and some APIs legitimately encode `/` in ids (`group%2Fproject`).

/// Encoded sequences refused in a path, lower-cased, with what they are.
const ENCODED: &[(&str, &str)] = &[
    ("%2f", "an encoded `/` (%2F)"),
    ("%5c", "an encoded `\\` (%5C)"),
    ("%2e", "an encoded `.` (%2E)"),
    ("%00", "an encoded NUL (%00)"),
    ("%252f", "a double-encoded `/` (%252F)"),
    ("%255c", "a double-encoded `\\` (%255C)"),
    ("%252e", "a double-encoded `.` (%252E)"),
];

/// The path of `raw` (an absolute URL or a relative reference, as written),
/// without query or fragment.
fn raw_path(raw: &str) -> &str {
    let end = raw.find(['?', '#']).unwrap_or(raw.len());
    let mut rest = raw.get(..end).unwrap_or(raw);
    // Skip a scheme (`https:`), then an authority (`//host:port`).
    if let Some(colon) = rest.find(':')
        && rest.get(..colon).is_some_and(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
    {
        rest = rest.get(colon + 1..).unwrap_or("");
    }
    if let Some(after) = rest
        .strip_prefix("//")
        .or_else(|| rest.strip_prefix("\\\\"))
    {
        rest = after
            .find(['/', '\\'])
            .and_then(|i| after.get(i..))
            .unwrap_or("");
    }
    rest
}

/// What in `raw`'s path an upstream could read as another path, if anything.
pub fn path_trick(raw: &str) -> Option<&'static str> {
    let path = raw_path(raw);
    if path.contains('\\') {
        return Some("a backslash");
    }
    let lower = path.to_ascii_lowercase();
    if let Some((_, what)) = ENCODED.iter().find(|(seq, _)| lower.contains(seq)) {
        return Some(what);
    }
    let dot_segment = path.split('/').any(|segment| {
        let name = segment.split(';').next().unwrap_or(segment);
        name == "." || name == ".."
    });
    dot_segment.then_some("a dot segment (`.` or `..`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_separators_dots_and_backslashes_are_refused_in_any_spelling() {
        let refused = [
            ("https://api.example.com/v2/..;/admin", "dot segment"),
            ("https://api.example.com/v2/.;x=1/admin", "dot segment"),
            ("https://api.example.com/v2/../admin", "dot segment"),
            ("https://api.example.com/v2/./users", "dot segment"),
            ("https://api.example.com/v2/%2e%2e/admin", "encoded `.`"),
            ("https://api.example.com/v2/%2E./admin", "encoded `.`"),
            ("https://api.example.com/v2/..%2fadmin", "encoded `/`"),
            ("https://api.example.com/v2/..%2Fadmin", "encoded `/`"),
            ("https://api.example.com/v2/..%5cadmin", "encoded `\\`"),
            (
                "https://api.example.com/v2/%252e%252e/admin",
                "double-encoded",
            ),
            ("https://api.example.com/v2/x%00.json", "NUL"),
            ("https://api.example.com/v2\\..\\admin", "backslash"),
            ("/v2/..;/admin", "dot segment"),
            ("../admin", "dot segment"),
            ("//other.example/v2/%2e%2e/x", "encoded `.`"),
        ];
        for (raw, what) in refused {
            let got = path_trick(raw);
            assert!(got.is_some_and(|w| w.contains(what)), "{raw}: {got:?}");
        }
    }

    #[test]
    fn ordinary_paths_queries_and_fragments_pass() {
        let allowed = [
            "https://api.example.com/v2/users?page_token=a%2Fb..c",
            "https://api.example.com/v2/users/me@example.com",
            "https://api.example.com/v2/report/2026-11-01..2026-11-30",
            "https://api.example.com/v2/files/v1.2.json",
            "https://api.example.com/v2/users#..",
            "https://api.example.com/v2/a;b=c",
            "https://api.example.com/",
            "/v2/users?x=%2f",
            "https://user:pa%2fss@api.example.com/v2/users",
        ];
        for raw in allowed {
            assert_eq!(path_trick(raw), None, "{raw}");
        }
    }
}
