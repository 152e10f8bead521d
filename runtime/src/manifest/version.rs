//! Plugin versions.
//!
//! Threat: a version names a directory in the home (`plugins/ID/VERSION`)
//! and is shown by the CLI, the API and the log. When it was only
//! length-checked, `version = "../.."` or `"/some/dir"` made `plugin add`
//! write, and `plugin remove` delete, outside the home. Decision: a version
//! is a semantic version (the `semver` crate's grammar: digits, ASCII
//! letters, `.`, `-` and `+`, no empty part, so never a separator or `..`),
//! at most [`MAX_VERSION_BYTES`], checked wherever one enters: the manifest,
//! `plugin rollback --version` and the API's version arguments. The home
//! checks every path component again (see [`crate::home`]).

use plugboard_core::Blame;

/// The longest version accepted.
pub const MAX_VERSION_BYTES: usize = 64;

/// What a version must look like, for messages.
pub const VERSION_FORM: &str = "a semantic version such as 1.2.0 or 2.0.0-beta.1, at most 64 bytes";

/// A version argument is not a semantic version.
#[derive(Debug, thiserror::Error)]
#[error("version {shown} is not valid: use {VERSION_FORM}")]
pub struct BadVersion {
    /// The value, quoted and cut for display.
    shown: String,
}

impl BadVersion {
    /// Versions are given by the operator (or the package they chose).
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }
}

/// Whether `text` may be a plugin version.
pub fn check_version(text: &str) -> Result<(), BadVersion> {
    if text.len() <= MAX_VERSION_BYTES && semver::Version::parse(text).is_ok() {
        Ok(())
    } else {
        Err(BadVersion {
            shown: plugboard_core::text::quoted(text),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Manifest, ManifestError};

    const ZOOM: &str = include_str!("../../testdata/zoom.toml");

    fn with_version(version: &str) -> Result<Manifest, ManifestError> {
        let line = format!("version = {}", toml::Value::String(version.into()));
        let text = ZOOM.replacen("version = \"0.1.0\"", &line, 1);
        assert_ne!(text, ZOOM, "the Zoom manifest no longer has version 0.1.0");
        Manifest::parse(&text)
    }

    #[test]
    fn a_version_that_is_not_a_semantic_version_is_refused_naming_the_field_and_the_form() {
        let long = format!("1.0.0-{}", "a".repeat(MAX_VERSION_BYTES + 1 - 6));
        assert_eq!(long.len(), MAX_VERSION_BYTES + 1);
        let cases = [
            "/some/dir",
            "../..",
            "..",
            ".",
            "1.0",
            "v1.0.0",
            "1.0.0/../x",
            "1.0.0\\x",
            "01.0.0",
            " 1.0.0",
            "1.0.0-a..b",
            "",
            long.as_str(),
        ];
        for version in cases {
            let err = match with_version(version) {
                Ok(m) => panic!("version {version:?} was accepted as {:?}", m.version),
                Err(e) => e,
            };
            assert_eq!(err.blame(), Blame::Operator, "version {version:?}");
            let message = err.to_string();
            let want = format!(
                "plugin.toml field `version` = {} is not valid: a semantic version such as 1.2.0 or 2.0.0-beta.1, at most 64 bytes",
                plugboard_core::text::quoted(version)
            );
            assert_eq!(message, want, "version {version:?}");
            assert!(!message.contains('\0'), "version {version:?}");
            assert!(check_version(version).is_err(), "argument {version:?}");
        }
    }

    #[test]
    fn a_version_argument_with_a_control_character_is_refused() {
        // (A manifest refuses control characters in any string first.)
        for version in ["1.0.0\0", "1.0.0\n", "1.0.0-\u{1b}"] {
            assert!(check_version(version).is_err(), "{version:?}");
        }
    }

    #[test]
    fn semantic_versions_with_pre_release_and_build_parts_are_accepted() {
        let at_limit = format!("1.0.0-{}", "a".repeat(MAX_VERSION_BYTES - 6));
        for version in ["1.0.0", "2.0.0-beta.1", "1.0.0+build.5", at_limit.as_str()] {
            let m = with_version(version).unwrap_or_else(|e| panic!("{version:?}: {e}"));
            assert_eq!(m.version, version);
            assert!(check_version(version).is_ok(), "argument {version:?}");
        }
    }

    #[test]
    fn a_bad_version_argument_is_the_operators_and_is_shown_escaped_and_cut() {
        let err = check_version("../..\u{1b}[2J")
            .err()
            .map(|e| (e.blame(), e.to_string()));
        assert_eq!(
            err,
            Some((
                Blame::Operator,
                "version \"../..\\\\u{1b}[2J\" is not valid: use a semantic version such as 1.2.0 or 2.0.0-beta.1, at most 64 bytes".to_string()
            ))
        );
        let huge = "9".repeat(100_000);
        let shown = check_version(&huge)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(shown.len() < 300, "{} bytes", shown.len());
    }
}
