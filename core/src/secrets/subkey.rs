//! [`SubKey`]: a key derived from the master key for one purpose, to
//! authenticate data the host wrote and reads back (HMAC-SHA-256).
//!
//! The master key seals secrets; using it directly for anything else would
//! mix purposes. A sub-key is `HMAC-SHA-256(master key, purpose)`, so each
//! purpose string gets an independent key, and learning one sub-key reveals
//! neither the master key nor any other sub-key.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::MasterKey;
use super::key::KEY_LEN;

/// Length of a tag in bytes (a full HMAC-SHA-256 output).
pub const MAC_TAG_LEN: usize = 32;

/// HMAC-SHA-256 block size: HMAC pads a shorter key with zeros to this
/// length, so keying with the zero-padded block is the same function, and
/// that constructor cannot fail.
const BLOCK_LEN: usize = 64;

/// A 256-bit key for one purpose. Zeroized on drop; `Debug` shows nothing.
#[derive(Clone)]
pub struct SubKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl MasterKey {
    /// The sub-key for `purpose` (a fixed, versioned label such as
    /// `"plugboard component cache v1"`): `HMAC-SHA-256(master, purpose)`.
    pub fn subkey(&self, purpose: &str) -> SubKey {
        let mut mac = hmac_with(self.bytes());
        mac.update(purpose.as_bytes());
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&mac.finalize().into_bytes());
        SubKey { bytes }
    }
}

impl SubKey {
    /// The tag of `parts`. Each part is preceded by its length (8 bytes, big
    /// endian), so no two different lists of parts feed the same bytes.
    pub fn tag(&self, parts: &[&[u8]]) -> [u8; MAC_TAG_LEN] {
        let mut out = [0u8; MAC_TAG_LEN];
        out.copy_from_slice(&self.mac_of(parts).finalize().into_bytes());
        out
    }

    /// Whether `tag` is the tag of `parts`, compared in constant time.
    pub fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        self.mac_of(parts).verify_slice(tag).is_ok()
    }

    fn mac_of(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = hmac_with(&self.bytes);
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac
    }
}

impl std::fmt::Debug for SubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubKey(<redacted>)")
    }
}

/// HMAC-SHA-256 keyed with a 32-byte key, through the infallible
/// block-sized constructor (see [`BLOCK_LEN`]).
fn hmac_with(key: &[u8; KEY_LEN]) -> Hmac<Sha256> {
    let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
    block[..KEY_LEN].copy_from_slice(key);
    <Hmac<Sha256> as Mac>::new(&(*block).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_hex(&hex::encode([byte; KEY_LEN]))
            .unwrap_or_else(|e| panic!("test key: {e}"))
    }

    #[test]
    fn the_padded_key_computes_standard_hmac() {
        // RFC 4231 test case 2 has a 4-byte key; ours are 32 bytes, so check
        // against the variable-length constructor instead.
        let master = [7u8; KEY_LEN];
        let mut standard =
            <Hmac<Sha256> as Mac>::new_from_slice(&master).unwrap_or_else(|e| panic!("hmac: {e}"));
        standard.update(b"purpose");
        let mut padded = hmac_with(&master);
        padded.update(b"purpose");
        assert_eq!(
            standard.finalize().into_bytes(),
            padded.finalize().into_bytes()
        );
    }

    #[test]
    fn a_subkey_depends_on_the_master_key_and_the_purpose() {
        let parts: &[&[u8]] = &[b"data"];
        let a = key(1).subkey("one").tag(parts);
        assert_eq!(a, key(1).subkey("one").tag(parts), "not deterministic");
        assert_ne!(
            a,
            key(2).subkey("one").tag(parts),
            "same for two master keys"
        );
        assert_ne!(a, key(1).subkey("two").tag(parts), "same for two purposes");
        assert_ne!(
            key(1).subkey("one").bytes.as_slice(),
            key(1).bytes().as_slice(),
            "the sub-key is the master key"
        );
    }

    #[test]
    fn a_tag_verifies_only_for_the_same_parts() {
        let k = key(3).subkey("test");
        let tag = k.tag(&[b"ab", b"c"]);
        assert!(k.verify(&[b"ab", b"c"], &tag));
        assert!(!k.verify(&[b"a", b"bc"], &tag), "parts can be re-split");
        assert!(!k.verify(&[b"abc"], &tag), "parts can be joined");
        assert!(!k.verify(&[b"ab", b"c"], &tag[..MAC_TAG_LEN - 1]));
        let mut flipped = tag;
        flipped[0] ^= 1;
        assert!(!k.verify(&[b"ab", b"c"], &flipped));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let k = key(0xab).subkey("test");
        let shown = format!("{k:?}");
        assert_eq!(shown, "SubKey(<redacted>)");
        assert!(!shown.contains(&hex::encode(&k.bytes[..4])), "{shown}");
    }
}
