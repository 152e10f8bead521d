//! The on-disk form of a compiled component: a header that authenticates it,
//! then wasmtime's serialized bytes.
//!
//! # Threat
//! A serialized component is native code that wasmtime loads without
//! checking it (`Component::deserialize` is `unsafe` for that reason).
//! Whoever can put a file in the cache directory could make the host run
//! their machine code, and an artefact copied to another component's name
//! runs under that plugin's identity, manifest and grants.
//!
//! # Decision
//! Layout: `MAGIC (8) | tag (32) | serialized bytes`. The tag is
//! HMAC-SHA-256, under the cache's sub-key of the master key, of the
//! component's SHA-256, the engine hash and the serialized bytes (each
//! length-framed, see [`SubKey::tag`]). Only a holder of the master key can
//! make a tag, and a tag is valid for one component on one engine only. The
//! whole file is read into memory, checked, and deserialized from that same
//! buffer, so what was checked is what runs.

use plugboard_core::secrets::{MAC_TAG_LEN, SubKey};

/// First bytes of every artefact this host writes (format version 1).
const MAGIC: [u8; 8] = *b"PBCWASM1";

/// Length of the header before the serialized bytes.
const HEADER_LEN: usize = MAGIC.len() + MAC_TAG_LEN;

/// What an artefact is compiled from and for.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    /// SHA-256 of the component's bytes.
    pub component_sha256: &'a [u8],
    /// The engine's compatibility hash, as in the file name.
    pub engine: u64,
}

/// Why an artefact was refused. The text says what it means for the
/// operator; it never holds key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No header of ours: written by something else (or an older Plugboard).
    #[error("it has no Plugboard header, so this host did not write it")]
    NotOurs,
    /// The tag does not match the bytes, the component or the engine.
    #[error(
        "its authentication tag does not match: it was changed, copied from another component, or written under another master key"
    )]
    BadTag,
}

/// The artefact file for `serialized`, tagged for `binding`.
pub fn seal(key: &SubKey, binding: Binding<'_>, serialized: &[u8]) -> Vec<u8> {
    let engine = binding.engine.to_be_bytes();
    let tag = key.tag(&[binding.component_sha256, &engine, serialized]);
    let mut out = Vec::with_capacity(HEADER_LEN + serialized.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&tag);
    out.extend_from_slice(serialized);
    out
}

/// The serialized bytes inside `file`, if its tag is valid for `binding`.
pub fn open<'f>(key: &SubKey, binding: Binding<'_>, file: &'f [u8]) -> Result<&'f [u8], Refusal> {
    if file.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(Refusal::NotOurs);
    }
    let (tag, serialized) = file
        .get(MAGIC.len()..HEADER_LEN)
        .zip(file.get(HEADER_LEN..))
        .ok_or(Refusal::BadTag)?;
    let engine = binding.engine.to_be_bytes();
    if key.verify(&[binding.component_sha256, &engine, serialized], tag) {
        Ok(serialized)
    } else {
        Err(Refusal::BadTag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugboard_core::secrets::MasterKey;

    const PURPOSE: &str = "test";

    fn key(byte: u8) -> SubKey {
        MasterKey::from_hex(&hex::encode([byte; 32]))
            .unwrap_or_else(|e| panic!("test key: {e}"))
            .subkey(PURPOSE)
    }

    const A: Binding<'static> = Binding {
        component_sha256: &[0xaa; 32],
        engine: 7,
    };

    #[test]
    fn a_sealed_artefact_opens_to_its_bytes() {
        let file = seal(&key(1), A, b"native code");
        assert_eq!(open(&key(1), A, &file), Ok(&b"native code"[..]));
        assert_eq!(open(&key(1), A, &seal(&key(1), A, b"")), Ok(&b""[..]));
    }

    #[test]
    fn every_kind_of_damage_or_substitution_is_refused() {
        let good = seal(&key(1), A, b"native code");
        let other_component = Binding {
            component_sha256: &[0xbb; 32],
            ..A
        };
        let other_engine = Binding { engine: 8, ..A };
        let flipped = |i: usize| {
            let mut f = good.clone();
            f[i] ^= 1;
            f
        };
        let cases: Vec<(&str, SubKey, Binding<'_>, Vec<u8>, Refusal)> = vec![
            (
                "a flipped byte in the code",
                key(1),
                A,
                flipped(good.len() - 1),
                Refusal::BadTag,
            ),
            (
                "a flipped byte in the tag",
                key(1),
                A,
                flipped(MAGIC.len()),
                Refusal::BadTag,
            ),
            (
                "a flipped byte in the magic",
                key(1),
                A,
                flipped(0),
                Refusal::NotOurs,
            ),
            (
                "truncated code",
                key(1),
                A,
                good[..good.len() - 1].to_vec(),
                Refusal::BadTag,
            ),
            (
                "truncated tag",
                key(1),
                A,
                good[..HEADER_LEN - 1].to_vec(),
                Refusal::BadTag,
            ),
            (
                "no header",
                key(1),
                A,
                b"ELF native code".to_vec(),
                Refusal::NotOurs,
            ),
            ("empty", key(1), A, Vec::new(), Refusal::NotOurs),
            (
                "another component's name",
                key(1),
                other_component,
                good.clone(),
                Refusal::BadTag,
            ),
            (
                "another engine",
                key(1),
                other_engine,
                good.clone(),
                Refusal::BadTag,
            ),
            (
                "another master key",
                key(2),
                A,
                good.clone(),
                Refusal::BadTag,
            ),
        ];
        for (case, k, binding, file, want) in cases {
            assert_eq!(open(&k, binding, &file), Err(want), "{case}");
        }
    }
}
