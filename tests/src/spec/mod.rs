//! OpenAPI conformance checks against the official descriptions in `shared/api-specs/`
//! (cargo feature `spec`).
//!
//! [`SpecValidator`] proves two things in tests: every response a simulator sends is
//! valid against the operation's response schema, and every request a plugin sends is
//! valid against the operation's parameters (known query parameters, types, enums,
//! bounds, required parameters) and request body.
//!
//! ```no_run
//! use plugboard_sim::spec::{SpecValidator, api_specs_dir};
//! let spec = SpecValidator::load(api_specs_dir().join("zoom.json"))?;
//! let pairs = vec![("page_size".to_owned(), "300".to_owned())];
//! assert!(spec.validate_request("GET", "/v2/users", &pairs, None).is_ok());
//! # Ok::<(), plugboard_sim::spec::SpecError>(())
//! ```

mod error;
mod inline;
mod operation;
mod params;
mod validator;

use std::path::PathBuf;

pub use error::SpecError;
pub use validator::SpecValidator;

/// Environment variable naming the folder with the API descriptions.
pub const API_SPECS_ENV: &str = "PLUGBOARD_API_SPECS";

/// The folder with the API descriptions: `$PLUGBOARD_API_SPECS`, else `shared/api-specs`
/// next to the repository (as laid out for developers and CI).
pub fn api_specs_dir() -> PathBuf {
    std::env::var_os(API_SPECS_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/api-specs"
            ))
        })
}
