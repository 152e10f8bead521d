//! What can go wrong fetching, verifying or publishing a plugin in a
//! registry, and who must act.

use plugboard_core::Blame;

/// A registry operation or a signature check failed.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The reference is not `oci://HOST/REPO[:TAG|@sha256:HEX]`.
    #[error(
        "{reference} is not a registry reference: {reason}; write oci://HOST/REPO:TAG or oci://HOST/REPO@sha256:HEX"
    )]
    BadReference {
        /// The reference, quoted.
        reference: String,
        /// Why.
        reason: String,
    },
    /// The registry could not be reached.
    #[error(
        "registry {registry} is unreachable ({reason}); check that it is up and the address is right; nothing was changed"
    )]
    Unreachable {
        /// HOST[:PORT].
        registry: String,
        /// Why (no credentials in it).
        reason: String,
    },
    /// The registry answered with an error status.
    #[error("registry {registry} answered {status} to {what}; nothing was changed")]
    Status {
        /// HOST[:PORT].
        registry: String,
        /// What was asked.
        what: String,
        /// The HTTP status.
        status: u16,
    },
    /// The registry refused the credentials (or their absence).
    #[error(
        "registry {registry} refused access to {what} ({status}); pass --username and --password-stdin, or log in with `docker login {registry}`"
    )]
    Denied {
        /// HOST[:PORT].
        registry: String,
        /// What was asked.
        what: String,
        /// 401 or 403.
        status: u16,
    },
    /// No such tag, digest or repository.
    #[error(
        "registry {registry} has no {what}; check the reference (`plugboard plugin add oci://…`)"
    )]
    NotFound {
        /// HOST[:PORT].
        registry: String,
        /// What was asked.
        what: String,
    },
    /// The registry sent more than a limit allows.
    #[error("registry {registry} sent {what} larger than {limit} bytes; refused")]
    TooLarge {
        /// HOST[:PORT].
        registry: String,
        /// What.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// Content does not hash to the digest that names it.
    #[error(
        "registry {registry} sent {what} whose sha256 is {actual}, not the {expected} that names it; refused, nothing was changed"
    )]
    DigestMismatch {
        /// HOST[:PORT].
        registry: String,
        /// What.
        what: String,
        /// The digest asked for.
        expected: String,
        /// The digest of what came.
        actual: String,
    },
    /// The artifact is not a Plugboard plugin.
    #[error("{reference} is not a Plugboard plugin artifact: {reason}")]
    Layout {
        /// The reference, shown.
        reference: String,
        /// Why.
        reason: String,
    },
    /// No signature.
    #[error(
        "{subject} is unsigned; ask its publisher to sign it (`plugboard plugin sign DIR --key` or `plugboard plugin push --key`), or pass --allow-unsigned to install it anyway"
    )]
    Unsigned {
        /// What (reference and digest).
        subject: String,
    },
    /// Signed, but by no key the operator trusts.
    #[error(
        "{subject} is signed, but by no trusted key ({found}); trust its publisher with `plugboard trust add NAME KEY.pub`, or pass --allow-unsigned"
    )]
    Untrusted {
        /// What.
        subject: String,
        /// How many signatures were found.
        found: String,
    },
    /// A trusted key signed other content: the package changed after signing.
    #[error(
        "{subject}: {what} changed after it was signed by {publisher} (the signature names {signed}); refused, nothing was changed"
    )]
    ChangedAfterSigning {
        /// What.
        subject: String,
        /// Which part changed: "the component", "plugin.toml", "the artifact".
        what: String,
        /// The key that signed.
        publisher: String,
        /// The digest the signature names.
        signed: String,
    },
    /// A key or signature file is unusable.
    #[error("{path}: {reason}")]
    Key {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The registry client failed in a way not listed above.
    #[error("registry {registry}: {reason}")]
    Client {
        /// HOST[:PORT].
        registry: String,
        /// Why (no credentials in it).
        reason: String,
    },
    /// The operator's credentials could not be read.
    #[error("registry credentials: {0}")]
    Credentials(String),
}

impl OciError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            OciError::BadReference { .. }
            | OciError::Denied { .. }
            | OciError::NotFound { .. }
            | OciError::Untrusted { .. }
            | OciError::Key { .. }
            | OciError::Credentials(_) => Blame::Operator,
            OciError::Unreachable { .. }
            | OciError::Status { .. }
            | OciError::TooLarge { .. }
            | OciError::DigestMismatch { .. }
            | OciError::Client { .. } => Blame::Upstream,
            OciError::Layout { .. }
            | OciError::Unsigned { .. }
            | OciError::ChangedAfterSigning { .. } => Blame::Plugin,
        }
    }
}
