//! Sealing and opening: AES-256-GCM with a fresh nonce and an AAD naming the
//! instance and the secret.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::key::KEY_ID_LEN;
use super::{KeyId, MasterKey, SecretError, SecretValue};

/// Prefix of the associated data; the instance id and the secret name follow,
/// each after a NUL separator.
pub const AAD_PREFIX: &[u8] = b"plugboard:secret:v1\0";

/// Version byte of the [`Sealed::to_bytes`] format this binary writes and reads.
pub const SEALED_FORMAT_VERSION: u8 = 1;

/// Nonce length in bytes: GCM's standard 96 bits.
const NONCE_LEN: usize = 12;

/// Length of the binding hash in bytes: enough to tell "moved" from "damaged"
/// in an error message; authenticity comes from the AAD, not from this.
const BINDING_LEN: usize = 8;

/// GCM authentication tag length in bytes; every ciphertext is at least this long.
const TAG_LEN: usize = 16;

/// Length of the fixed header of the byte form: version, key id, binding, nonce.
const HEADER_LEN: usize = 1 + KEY_ID_LEN + BINDING_LEN + NONCE_LEN;

/// A sealed secret: everything needed to open it with the right key, at the
/// right instance and name.
///
/// Byte form (version 1): `version (1) | key id (4) | binding (8) | nonce (12) |
/// ciphertext with tag (≥16)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Which master key sealed it.
    pub key_id: KeyId,
    /// First bytes of SHA-256 of the AAD, to report a moved ciphertext clearly.
    pub binding: [u8; BINDING_LEN],
    /// The random nonce used for this seal.
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl Sealed {
    /// The versioned byte form, as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.ciphertext.len());
        out.push(SEALED_FORMAT_VERSION);
        out.extend_from_slice(self.key_id.as_bytes());
        out.extend_from_slice(&self.binding);
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parse the byte form. `instance` and `name` only label errors.
    pub fn from_bytes(bytes: &[u8], instance: &str, name: &str) -> Result<Sealed, SecretError> {
        let corrupted = |reason: &str| SecretError::Corrupted {
            instance: instance.to_string(),
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let (&version, rest) = bytes
            .split_first()
            .ok_or_else(|| corrupted("it is empty"))?;
        if version != SEALED_FORMAT_VERSION {
            return Err(SecretError::UnknownFormat {
                found: version,
                known: SEALED_FORMAT_VERSION,
            });
        }
        let (key_id, rest) =
            split_array::<KEY_ID_LEN>(rest).ok_or_else(|| corrupted("truncated key id"))?;
        let (binding, rest) =
            split_array::<BINDING_LEN>(rest).ok_or_else(|| corrupted("truncated binding"))?;
        let (nonce, ciphertext) =
            split_array::<NONCE_LEN>(rest).ok_or_else(|| corrupted("truncated nonce"))?;
        if ciphertext.len() < TAG_LEN {
            return Err(corrupted("ciphertext shorter than the authentication tag"));
        }
        Ok(Sealed {
            key_id: KeyId(key_id),
            binding,
            nonce,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// Seal `plaintext` for secret `name` of instance `instance` under `key`, with a
/// fresh random nonce.
pub fn seal(
    key: &MasterKey,
    instance: &str,
    name: &str,
    plaintext: &SecretValue,
) -> Result<Sealed, SecretError> {
    let aad = aad(instance, name);
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.bytes()));
    let ciphertext = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext.expose().as_bytes(),
                aad: &aad,
            },
        )
        .map_err(|_| SecretError::SealFailed {
            instance: instance.to_string(),
            name: name.to_string(),
        })?;
    Ok(Sealed {
        key_id: key.id(),
        binding: binding(&aad),
        nonce,
        ciphertext,
    })
}

/// Open a secret sealed for `name` of `instance`.
///
/// Fails with [`SecretError::WrongKey`] when another key sealed it,
/// [`SecretError::BoundElsewhere`] when it was sealed for another instance or
/// name, and [`SecretError::Corrupted`] when it fails authentication otherwise.
pub fn open(
    key: &MasterKey,
    instance: &str,
    name: &str,
    sealed: &Sealed,
) -> Result<SecretValue, SecretError> {
    if sealed.key_id != key.id() {
        return Err(SecretError::WrongKey {
            sealed_with: sealed.key_id,
            current: key.id(),
            key_file: key.key_file().map_or_else(
                || format!("the {} file that sealed them", super::KEY_FILE_NAME),
                |p| p.display().to_string(),
            ),
        });
    }
    let aad = aad(instance, name);
    if sealed.binding != binding(&aad) {
        return Err(SecretError::BoundElsewhere {
            instance: instance.to_string(),
            name: name.to_string(),
        });
    }
    let corrupted = |reason: &str| SecretError::Corrupted {
        instance: instance.to_string(),
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.bytes()));
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| corrupted("it failed authentication (damaged or tampered with)"))?;
    let text = std::str::from_utf8(&plain).map_err(|_| corrupted("it is not UTF-8"))?;
    Ok(SecretValue::new(text.to_owned()))
}

/// The associated data binding a ciphertext to its instance and name.
fn aad(instance: &str, name: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + instance.len() + 1 + name.len());
    aad.extend_from_slice(AAD_PREFIX);
    aad.extend_from_slice(instance.as_bytes());
    aad.push(0);
    aad.extend_from_slice(name.as_bytes());
    aad
}

fn binding(aad: &[u8]) -> [u8; BINDING_LEN] {
    let digest = Sha256::digest(aad);
    let mut out = [0u8; BINDING_LEN];
    out.copy_from_slice(&digest[..BINDING_LEN]);
    out
}

/// Split off the first `N` bytes as an array, or `None` when too short.
fn split_array<const N: usize>(bytes: &[u8]) -> Option<([u8; N], &[u8])> {
    let (head, rest) = bytes.split_at_checked(N)?;
    let head: [u8; N] = head.try_into().ok()?;
    Some((head, rest))
}
