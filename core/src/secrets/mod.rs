//! Secrets at rest: a master key, and AES-256-GCM sealing bound to an instance and a name.
//!
//! # Threat
//! The store file (`plugboard.db`) is the asset most likely to leak: copied into a
//! backup, attached to a support ticket, left readable on a shared host. Whoever
//! reads it must not learn any credential. A second threat is a confused or hostile
//! caller moving a ciphertext from one instance to another (say, sealing tenant A's
//! client secret under tenant B's name) so that a plugin granted B receives A's
//! credential.
//!
//! # Decisions
//! - **AES-256-GCM** (`aes-gcm`), a fresh random 96-bit nonce for every seal. A
//!   master key seals at most a few thousand values in its life, far below the
//!   2^32 random-nonce bound for GCM.
//! - **AAD binds each ciphertext to where it lives**:
//!   `b"plugboard:secret:v1\0" + instance + "\0" + name`. A ciphertext copied to
//!   another instance or name fails authentication. [`Sealed`] also carries a short
//!   hash of that binding so the failure is reported as "moved", not "corrupted".
//! - **The master key** comes from `PLUGBOARD_MASTER_KEY` (64 hex characters) when
//!   set, else from `<home>/master.key` (64 hex characters and a newline), which is
//!   created on first use with mode 0600. An existing key file that group or others
//!   can access is refused, not silently used.
//! - **Key ids**: every [`Sealed`] records the first 4 bytes (8 hex characters) of
//!   SHA-256 of the key that sealed it, so opening with the wrong key says which key
//!   is needed instead of reporting a generic authentication failure.
//! - **Plaintext handling**: [`SecretValue`] and [`MasterKey`] zeroize on drop, have
//!   a redacted `Debug`, no `Display` and no `Serialize`. Errors never contain
//!   plaintext or key bytes.
//! - **Sub-keys** ([`SubKey`]): data the host writes and later trusts (compiled
//!   components) is authenticated with `HMAC-SHA-256(master key, purpose)`, never
//!   with the master key itself.

mod cipher;
mod error;
mod key;
mod subkey;
mod value;

pub use cipher::{AAD_PREFIX, SEALED_FORMAT_VERSION, Sealed, open, seal};
pub use error::SecretError;
pub use key::{KEY_FILE_NAME, KEY_LEN, KeyId, MASTER_KEY_ENV, MasterKey};
pub use subkey::{MAC_TAG_LEN, SubKey};
pub use value::SecretValue;
