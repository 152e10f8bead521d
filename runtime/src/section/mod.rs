//! What every manifest section's parser shares, and nothing else: the error
//! that names the field and quotes the value ([`ManifestError`]), the checks
//! on text shown to operators ([`text`]), values and URL templates drawn from
//! instance settings ([`value`]) and the name forms.
//!
//! A leaf: each capability's `section.rs` and the aggregate `manifest` use
//! it, and it uses neither (host/tests/architecture.rs), so a capability can
//! own its section without reaching the aggregate.

pub mod text;
pub mod value;

use plugboard_core::Blame;

pub use value::{Template, TemplatePart, ValueRef, is_field_name};

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not valid TOML or an unknown/missing field.
    #[error("plugin.toml is not valid: {0}")]
    Syntax(String),
    /// A field has a bad value.
    #[error("plugin.toml field `{field}` = {value:?} is not valid: {reason}")]
    Field {
        /// Dotted field path.
        field: String,
        /// The value as written.
        value: String,
        /// What is accepted.
        reason: String,
    },
    /// The contract version is not one this host supports.
    #[error(
        "plugin targets contract {found}, but this host supports {supported}; rebuild the plugin against a supported plugboard-sdk"
    )]
    UnsupportedContract {
        /// The manifest's contract.
        found: String,
        /// Supported versions.
        supported: String,
    },
}

impl ManifestError {
    /// A manifest is operator or vendor input: the operator must fix or replace it.
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }

    /// A field error; the value is quoted neutralised and cut short, so the
    /// error is safe to print whatever the manifest held.
    pub(crate) fn field(
        field: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        let mut shown = value.into();
        plugboard_core::text::clean_line(&mut shown, 120);
        let mut field = field.into();
        plugboard_core::text::clean_line(&mut field, 120);
        ManifestError::Field {
            field,
            value: shown,
            reason: reason.into(),
        }
    }
}

/// Whether `s` is an id: lowercase ASCII letters, digits and `-`, 1 to 64
/// bytes (plugin ids, action and bucket names).
pub fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Longest header (or query parameter) name a section may name.
pub const MAX_HEADER_NAME: usize = 64;
