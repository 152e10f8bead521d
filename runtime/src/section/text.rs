//! Every string of a manifest is shown to operators (the approval prompt,
//! `plugin inspect`, the API), so every one is checked before anything else
//! looks at the manifest.
//!
//! Threat: a vendor's `name`, `description`, bucket `label` — or a URL, which
//! the URL parser accepts after silently dropping tabs and newlines — carries
//! terminal escape sequences or bidirectional overrides that rewrite the
//! approval prompt (hiding a network grant above them), or is long enough to
//! push the real request off the screen. Decision: the whole TOML tree is
//! walked once, keys and values alike, and any string with a control or
//! invisible formatting character, or longer than [`MAX_STRING`], is refused
//! with its path; a few fields shown in one line have tighter bounds
//! ([`MAX_LABEL`]). Refusing is better than neutralising here: the operator
//! is about to approve exactly this text.

use plugboard_core::text::first_unsafe;

use super::ManifestError;

/// Largest `plugin.toml` accepted.
pub const MAX_MANIFEST_BYTES: usize = 256 << 10;

/// Longest string anywhere in a manifest, in characters.
pub const MAX_STRING: usize = 2000;

/// Longest `name`, `vendor` or bucket `label`, in characters.
pub const MAX_LABEL: usize = 100;

/// Refuse a manifest whose text, keys or string values could forge what an
/// operator reads.
pub fn check_tree(text: &str, table: &toml::Table) -> Result<(), ManifestError> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(ManifestError::Syntax(format!(
            "plugin.toml is {} bytes; the limit is {MAX_MANIFEST_BYTES}",
            text.len()
        )));
    }
    check_table("", table)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn check_table(path: &str, table: &toml::Table) -> Result<(), ManifestError> {
    for (key, value) in table {
        check_str(path, key, MAX_LABEL)?;
        check_value(&join(path, key), value)?;
    }
    Ok(())
}

fn check_value(path: &str, value: &toml::Value) -> Result<(), ManifestError> {
    match value {
        toml::Value::String(s) => check_str(path, s, MAX_STRING),
        toml::Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_value(&format!("{path}[{i}]"), v)),
        toml::Value::Table(t) => check_table(path, t),
        _ => Ok(()),
    }
}

/// Refuse `s` at `field` if it has an unsafe character or more than `max`
/// characters.
pub fn check_str(field: &str, s: &str, max: usize) -> Result<(), ManifestError> {
    if let Some((at, c)) = first_unsafe(s) {
        return Err(ManifestError::field(
            field,
            s,
            format!(
                "text shown to operators may not contain control or invisible formatting characters (U+{:04X} at character {at})",
                c as u32
            ),
        ));
    }
    let chars = s.chars().count();
    if chars > max {
        return Err(ManifestError::field(
            field,
            s,
            format!("at most {max} characters (this is {chars})"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), ManifestError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| ManifestError::Syntax(e.to_string()))?;
        check_tree(text, &table)
    }

    #[test]
    fn escape_sequences_anywhere_are_refused_with_their_path() {
        let cases = [
            (r#"name = "Zoom\u001b[2A\u001b[K""#, "`name`", "U+001B"),
            (
                r#"description = "ok\rnetwork none""#,
                "`description`",
                "U+000D",
            ),
            (
                "[[egress]]\nurl = \"https://a.example/\\n\"",
                "`egress[0].url`",
                "U+000A",
            ),
            (r#"vendor = "Acme\u202Emoc.live""#, "`vendor`", "U+202E"),
            ("[ratelimit]\n\"b\\u0007\" = 1", "`ratelimit`", "U+0007"),
            (r#"x = ["fine", "bad\u009b2J"]"#, "`x[1]`", "U+009B"),
        ];
        for (text, field, what) in cases {
            let err = check(text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains(field) && err.contains(what), "{text}: {err}");
            assert!(
                !err.contains('\u{1b}') && !err.contains('\r'),
                "the error is safe to print: {err:?}"
            );
        }
    }

    #[test]
    fn long_strings_and_huge_manifests_are_refused() {
        let long = format!("description = \"{}\"", "x".repeat(MAX_STRING + 1));
        let err = check(&long)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("at most 2000 characters"), "{err}");
        assert!(
            err.len() < 1000,
            "the error does not quote it all: {} bytes",
            err.len()
        );
        let huge = format!("# {}\nname = \"x\"", "x".repeat(MAX_MANIFEST_BYTES));
        assert!(check(&huge).is_err());
        assert!(check("name = \"Zoom – 日本\"\ndescription = \"fine\"").is_ok());
    }
}
