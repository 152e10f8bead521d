//! Cosign-compatible keyed signatures: ECDSA P-256 with SHA-256 (ASN.1 DER)
//! over a cosign "simple signing" payload that names the artifact manifest
//! digest. In a registry the signature is where cosign puts it: tag
//! `sha256-<hex>.sig` of the same repository, one layer of media type
//! [`SIMPLE_SIGNING_MEDIA_TYPE`] holding the payload, the base64 signature
//! in its [`SIGNATURE_ANNOTATION`] annotation. Beside local files it is
//! [`SIGNATURE_FILE`], the same payload and signature in one JSON file.
//!
//! Implemented with aws-lc-rs (already built for rustls) rather than the
//! `sigstore` crate, whose cosign verification pulls in its Fulcio, Rekor,
//! OAuth and TUF clients; see docs/distribution.md.

use std::path::Path;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _,
    ParsedPublicKey,
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::OciError;

/// The media type of a cosign signature layer.
pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The `type` of a cosign payload.
pub const PAYLOAD_TYPE: &str = "cosign container image signature";
/// A local package's detached signature, beside its plugin.toml.
pub const SIGNATURE_FILE: &str = "plugin.sig";
/// Optional payload entries naming the two parts, so a refusal can say which changed.
pub const COMPONENT_ANNOTATION: &str = "dev.plugboard/component-sha256";
/// See [`COMPONENT_ANNOTATION`].
pub const MANIFEST_ANNOTATION: &str = "dev.plugboard/manifest-sha256";
/// The largest payload or key file read.
pub const MAX_PAYLOAD_BYTES: u64 = 16 << 10;

/// The tag cosign keeps the signatures of `digest` under.
pub fn signature_tag(digest: &str) -> String {
    digest.replacen(':', "-", 1) + ".sig"
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The DER inside the first PEM block labelled `label`.
fn pem_block(text: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text.get(start..)?.find(&end)?;
    let body: String = text
        .get(start..stop)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    b64().decode(body).ok()
}

fn key_err(path: &str, reason: impl Into<String>) -> OciError {
    OciError::Key {
        path: path.to_string(),
        reason: reason.into(),
    }
}

/// A publisher's public key (ECDSA P-256, as `cosign generate-key-pair`
/// and `openssl` write it).
#[derive(Debug, Clone)]
pub struct PublicKey {
    der: Vec<u8>,
    /// SHA-256 of the DER, hex.
    pub fingerprint: String,
}

impl PublicKey {
    /// Parse a `-----BEGIN PUBLIC KEY-----` PEM; `source` names it in errors.
    pub fn from_pem(text: &str, source: &str) -> Result<Self, OciError> {
        let der = pem_block(text, "PUBLIC KEY").ok_or_else(|| {
            key_err(
                source,
                "no -----BEGIN PUBLIC KEY----- block (an ECDSA P-256 public key, e.g. cosign.pub)",
            )
        })?;
        ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &der)
            .map_err(|_| key_err(source, "not an ECDSA P-256 public key"))?;
        Ok(PublicKey {
            fingerprint: hex::encode(Sha256::digest(&der)),
            der,
        })
    }

    /// The key as PEM.
    pub fn to_pem(&self) -> String {
        let body = b64().encode(&self.der);
        let mut out = String::from("-----BEGIN PUBLIC KEY-----\n");
        for chunk in body.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END PUBLIC KEY-----\n");
        out
    }

    /// Whether `signature` (DER) signs `payload` with this key.
    pub fn verifies(&self, payload: &[u8], signature: &[u8]) -> bool {
        ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &self.der)
            .is_ok_and(|k| k.verify_sig(payload, signature).is_ok())
    }
}

/// A publisher's private key. `Debug` shows nothing of it.
pub struct SigningKey {
    pair: EcdsaKeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// Read an unencrypted PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`)
    /// ECDSA P-256 key from `path`.
    pub fn read(path: &Path) -> Result<Self, OciError> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| key_err(&shown, e.to_string()))?;
        if meta.len() > MAX_PAYLOAD_BYTES {
            return Err(key_err(&shown, "too large to be a key"));
        }
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(path).map_err(|e| key_err(&shown, e.to_string()))?,
        );
        Self::from_pem(&text, &shown)
    }

    /// Parse a private key PEM; `source` names it in errors.
    pub fn from_pem(text: &str, source: &str) -> Result<Self, OciError> {
        if text.contains("ENCRYPTED SIGSTORE PRIVATE KEY") || text.contains("ENCRYPTED PRIVATE KEY")
        {
            return Err(key_err(
                source,
                "an encrypted key; decrypt it first (e.g. `openssl pkcs8 -in KEY -out plain.pem`), or create one with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`",
            ));
        }
        let der = zeroize::Zeroizing::new(
            pem_block(text, "PRIVATE KEY")
                .or_else(|| pem_block(text, "EC PRIVATE KEY"))
                .ok_or_else(|| key_err(source, "no -----BEGIN PRIVATE KEY----- block"))?,
        );
        let pair = EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, &der)
            .map_err(|_| key_err(source, "not an ECDSA P-256 private key"))?;
        Ok(SigningKey { pair })
    }

    /// A new key, PKCS#8 PEM (for tests and `openssl`-less setups).
    pub fn generate_pem() -> Result<zeroize::Zeroizing<String>, OciError> {
        let doc = EcdsaKeyPair::generate_pkcs8(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            &aws_lc_rs::rand::SystemRandom::new(),
        )
        .map_err(|_| key_err("<new key>", "key generation failed"))?;
        let body = b64().encode(doc.as_ref());
        let mut out = String::from("-----BEGIN PRIVATE KEY-----\n");
        for chunk in body.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(chunk));
            out.push('\n');
        }
        out.push_str("-----END PRIVATE KEY-----\n");
        Ok(zeroize::Zeroizing::new(out))
    }

    /// The public half.
    pub fn public_key(&self) -> Result<PublicKey, OciError> {
        let der = self
            .pair
            .public_key()
            .as_der()
            .map_err(|_| key_err("<key>", "cannot encode the public key"))?;
        Ok(PublicKey {
            fingerprint: hex::encode(Sha256::digest(der.as_ref())),
            der: der.as_ref().to_vec(),
        })
    }

    /// The signature (DER) of `payload`.
    pub fn sign(&self, payload: &[u8]) -> Result<Vec<u8>, OciError> {
        self.pair
            .sign(&aws_lc_rs::rand::SystemRandom::new(), payload)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| key_err("<key>", "signing failed"))
    }
}

/// A payload and its signature.
#[derive(Debug, Clone)]
pub struct SignedPayload {
    /// The simple-signing JSON.
    pub payload: Vec<u8>,
    /// DER ECDSA signature.
    pub signature: Vec<u8>,
}

/// The simple-signing payload naming `digest` in `identity` (HOST/REPO),
/// with the SHA-256 (hex) of the component and the manifest text.
pub fn payload(identity: &str, digest: &str, component: &str, manifest: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "critical": {
            "identity": { "docker-reference": identity },
            "image": { "docker-manifest-digest": digest },
            "type": PAYLOAD_TYPE,
        },
        "optional": {
            COMPONENT_ANNOTATION: component,
            MANIFEST_ANNOTATION: manifest,
        },
    }))
    .unwrap_or_default()
}

#[derive(Deserialize)]
struct Payload {
    critical: Critical,
    #[serde(default)]
    optional: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct Critical {
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    digest: String,
}

/// A local package's detached signature file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DetachedSignature {
    /// The payload, base64.
    pub payload: String,
    /// The signature, base64.
    pub signature: String,
}

impl DetachedSignature {
    /// From a signed payload.
    pub fn of(s: &SignedPayload) -> Self {
        DetachedSignature {
            payload: b64().encode(&s.payload),
            signature: b64().encode(&s.signature),
        }
    }

    /// Back to bytes; `None` when not base64.
    pub fn decode(&self) -> Option<SignedPayload> {
        Some(SignedPayload {
            payload: b64().decode(&self.payload).ok()?,
            signature: b64().decode(&self.signature).ok()?,
        })
    }
}

/// How a package's signatures were judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A trusted key signed this very digest.
    Verified {
        /// The trusted key's name.
        publisher: String,
        /// Its fingerprint.
        fingerprint: String,
    },
    /// No signature at all.
    Unsigned,
    /// Signatures, none by a trusted key.
    Untrusted {
        /// How many.
        found: usize,
    },
    /// A trusted key signed another digest: the package changed since.
    Changed {
        /// The trusted key's name.
        publisher: String,
        /// The digest it signed.
        signed: String,
        /// What differs: "the component", "plugin.toml", "the artifact".
        what: String,
    },
}

impl Verdict {
    /// The refusal this verdict is, for `subject`; `None` when verified.
    pub fn refusal(&self, subject: &str) -> Option<OciError> {
        let subject = subject.to_string();
        match self {
            Verdict::Verified { .. } => None,
            Verdict::Unsigned => Some(OciError::Unsigned { subject }),
            Verdict::Untrusted { found } => Some(OciError::Untrusted {
                subject,
                found: match found {
                    1 => "1 signature".into(),
                    n => format!("{n} signatures"),
                },
            }),
            Verdict::Changed {
                publisher,
                signed,
                what,
            } => Some(OciError::ChangedAfterSigning {
                subject,
                what: what.clone(),
                publisher: publisher.clone(),
                signed: signed.clone(),
            }),
        }
    }

    /// One word for the store and `plugin list`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Verified { .. } => "verified",
            Verdict::Unsigned => "unsigned",
            Verdict::Untrusted { .. } => "signed by an untrusted key",
            Verdict::Changed { .. } => "changed after signing",
        }
    }
}

/// Judge `signatures` of the artifact with manifest digest `digest` (and
/// parts hashing to `component` and `manifest`, hex) against the trusted
/// `keys` (name, key).
pub fn judge(
    signatures: &[SignedPayload],
    keys: &[(String, PublicKey)],
    digest: &str,
    component: &str,
    manifest: &str,
) -> Verdict {
    let mut changed = None;
    for sig in signatures {
        for (name, key) in keys {
            if !key.verifies(&sig.payload, &sig.signature) {
                continue;
            }
            let Ok(p) = serde_json::from_slice::<Payload>(&sig.payload) else {
                continue;
            };
            if p.critical.kind != PAYLOAD_TYPE {
                continue;
            }
            if p.critical.image.digest == digest {
                return Verdict::Verified {
                    publisher: name.clone(),
                    fingerprint: key.fingerprint.clone(),
                };
            }
            let signed_part = |k: &str| {
                p.optional
                    .as_ref()
                    .and_then(|o| o.get(k))
                    .and_then(|v| v.as_str().map(str::to_string))
            };
            let parts = (
                signed_part(COMPONENT_ANNOTATION).map(|c| c != component),
                signed_part(MANIFEST_ANNOTATION).map(|m| m != manifest),
            );
            let what = match parts {
                (Some(true), Some(true)) => "the component and plugin.toml",
                (Some(true), _) => "the component",
                (_, Some(true)) => "plugin.toml",
                _ => "the artifact",
            };
            changed = Some(Verdict::Changed {
                publisher: name.clone(),
                signed: plugboard_core::text::quoted(&p.critical.image.digest),
                what: what.into(),
            });
        }
    }
    changed.unwrap_or(match signatures.len() {
        0 => Verdict::Unsigned,
        found => Verdict::Untrusted { found },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Result<SigningKey, OciError> {
        SigningKey::from_pem(&SigningKey::generate_pem()?, "test")
    }

    #[test]
    fn a_signature_verifies_only_with_its_key_and_only_for_the_digest_it_names()
    -> Result<(), OciError> {
        let (vendor, other) = (key()?, key()?);
        let pk = PublicKey::from_pem(&vendor.public_key()?.to_pem(), "vendor.pub")?;
        let keys = vec![("vendor".to_string(), pk.clone())];
        let d = format!("sha256:{}", "1".repeat(64));
        let p = payload("h/r", &d, "c1", "m1");
        let signed = SignedPayload {
            signature: vendor.sign(&p)?,
            payload: p,
        };
        assert_eq!(
            judge(std::slice::from_ref(&signed), &keys, &d, "c1", "m1"),
            Verdict::Verified {
                publisher: "vendor".into(),
                fingerprint: pk.fingerprint.clone()
            }
        );
        assert_eq!(judge(&[], &keys, &d, "c1", "m1"), Verdict::Unsigned);
        let by_other = SignedPayload {
            signature: other.sign(&signed.payload)?,
            payload: signed.payload.clone(),
        };
        assert_eq!(
            judge(&[by_other], &keys, &d, "c1", "m1"),
            Verdict::Untrusted { found: 1 }
        );
        let d2 = format!("sha256:{}", "2".repeat(64));
        for (c, m, what) in [
            ("c2", "m1", "the component"),
            ("c1", "m2", "plugin.toml"),
            ("c2", "m2", "the component and plugin.toml"),
        ] {
            let v = judge(std::slice::from_ref(&signed), &keys, &d2, c, m);
            assert!(
                matches!(&v, Verdict::Changed { what: w, .. } if w == what),
                "{what}: {v:?}"
            );
        }
        // A payload edited after signing verifies with no key.
        let mut edited = signed.clone();
        edited.payload = payload("h/r", &d2, "c1", "m1");
        assert_eq!(
            judge(&[edited], &keys, &d2, "c1", "m1"),
            Verdict::Untrusted { found: 1 }
        );
        Ok(())
    }

    #[test]
    fn keys_that_are_not_ecdsa_p256_pem_are_refused_and_never_printed() -> Result<(), OciError> {
        for bad in [
            "",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
        ] {
            assert!(PublicKey::from_pem(bad, "k.pub").is_err());
        }
        let pem = SigningKey::generate_pem()?;
        assert!(PublicKey::from_pem(&pem, "k").is_err());
        let k = SigningKey::from_pem(&pem, "k")?;
        assert_eq!(format!("{k:?}"), "SigningKey(..)");
        let enc = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nx\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----";
        let err = SigningKey::from_pem(enc, "cosign.key").err();
        assert!(
            matches!(&err, Some(e) if e.to_string().contains("encrypted key")),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn the_signature_tag_is_the_one_cosign_uses() {
        assert_eq!(
            signature_tag(&format!("sha256:{}", "ab".repeat(32))),
            format!("sha256-{}.sig", "ab".repeat(32))
        );
    }
}
