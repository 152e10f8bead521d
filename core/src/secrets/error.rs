//! [`SecretError`]: why a key could not be loaded or a secret could not be opened.

use std::path::PathBuf;

use crate::Blame;

use super::KeyId;

/// Why a master key could not be loaded or a secret could not be sealed or opened.
///
/// No variant ever holds plaintext or key material.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// `PLUGBOARD_MASTER_KEY` is set but is not 64 hex characters.
    #[error(
        "PLUGBOARD_MASTER_KEY is set but is not a master key: {reason}; \
         it must be 64 hex characters (32 bytes), e.g. from `openssl rand -hex 32`"
    )]
    EnvKeyMalformed {
        /// What is wrong with it (never the value itself).
        reason: String,
    },
    /// The key file exists but does not hold a key.
    #[error(
        "master key file {path} is not a master key: {reason}; it must hold 64 hex characters \
         — restore it from backup, or set PLUGBOARD_MASTER_KEY"
    )]
    KeyFileMalformed {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it (never the content).
        reason: String,
    },
    /// The key file can be read or written by group or others.
    #[error(
        "refusing master key file {path}: its mode is {mode:04o}, so other users may read it; \
         run `chmod 600 {path}` (and consider rotating the key)"
    )]
    KeyFileTooOpen {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file or its directory could not be read or created.
    #[error("cannot {action} master key file {path}: {source}")]
    KeyFileIo {
        /// What was being done: "read", "create", "write".
        action: &'static str,
        /// The key file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The operating system's random source failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// The secret was sealed with another master key.
    #[error(
        "secrets were sealed with key {sealed_with}; the current key is {current} \
         — set PLUGBOARD_MASTER_KEY or restore {key_file}"
    )]
    WrongKey {
        /// Id of the key that sealed the secret.
        sealed_with: KeyId,
        /// Id of the key in use.
        current: KeyId,
        /// Where the key file is (or would be), for the hint.
        key_file: String,
    },
    /// The ciphertext was sealed for another instance or name and moved here.
    #[error(
        "secret {name:?} of instance {instance:?} was sealed for a different instance or name \
         and moved; refusing to open it — set the secret again"
    )]
    BoundElsewhere {
        /// The instance it was opened for.
        instance: String,
        /// The name it was opened for.
        name: String,
    },
    /// The sealed bytes are damaged or were tampered with.
    #[error(
        "secret {name:?} of instance {instance:?} is corrupted: {reason}; set the secret again"
    )]
    Corrupted {
        /// The instance it was opened for.
        instance: String,
        /// The name it was opened for.
        name: String,
        /// What is wrong (never the content).
        reason: String,
    },
    /// The sealed bytes use a format this binary does not know.
    #[error(
        "sealed secret format version {found} is unknown to this plugboard (it knows {known}); \
         was the store written by a newer plugboard?"
    )]
    UnknownFormat {
        /// The version byte found.
        found: u8,
        /// The version this binary writes.
        known: u8,
    },
    /// Encryption itself failed (a plaintext beyond AES-GCM's size limit).
    #[error("cannot seal secret {name:?} of instance {instance:?}: the cipher refused it")]
    SealFailed { instance: String, name: String },
}

impl SecretError {
    /// Who must act on this error.
    pub fn blame(&self) -> Blame {
        match self {
            SecretError::EnvKeyMalformed { .. }
            | SecretError::KeyFileMalformed { .. }
            | SecretError::KeyFileTooOpen { .. }
            | SecretError::WrongKey { .. }
            | SecretError::UnknownFormat { .. } => Blame::Operator,
            SecretError::KeyFileIo { source, .. } => match source.kind() {
                std::io::ErrorKind::PermissionDenied
                | std::io::ErrorKind::NotFound
                | std::io::ErrorKind::ReadOnlyFilesystem => Blame::Operator,
                _ => Blame::Host,
            },
            SecretError::Random(_)
            | SecretError::BoundElsewhere { .. }
            | SecretError::Corrupted { .. }
            | SecretError::SealFailed { .. } => Blame::Host,
        }
    }
}
