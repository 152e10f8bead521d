//! Why an API description could not be loaded.

use std::path::PathBuf;

/// A failure to load or compile an OpenAPI description.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("reading API description {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("parsing API description {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The document has no `paths` object.
    #[error("API description {0} has no `paths` object")]
    NoPaths(PathBuf),
    /// A `$ref` points nowhere, or refs nest too deeply (a cycle).
    #[error("unresolvable $ref {reference}")]
    BadRef {
        /// The reference as written.
        reference: String,
    },
    /// A schema does not compile as JSON Schema.
    #[error("schema at {location} does not compile: {message}")]
    Schema {
        /// Operation and place of the schema.
        location: String,
        /// The compiler's message.
        message: String,
    },
}
