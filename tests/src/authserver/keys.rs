//! Test-only signing keys, generated at test time (nothing secret is checked in):
//! the private half as the PEM an operator would store as an instance secret, the
//! public half as the verifier the simulated authorization server checks with.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey};

/// A signature algorithm a test key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (2048-bit key).
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
}

impl KeyAlg {
    /// The JOSE algorithm.
    pub fn jose(self) -> Algorithm {
        match self {
            KeyAlg::Rs256 => Algorithm::RS256,
            KeyAlg::Es256 => Algorithm::ES256,
        }
    }
}

/// Why a test key could not be made.
#[derive(Debug, thiserror::Error)]
#[error("generating a test key failed: {0}")]
pub struct KeyError(String);

/// A freshly generated key pair. Test material only.
#[derive(Clone)]
pub struct TestKey {
    alg: KeyAlg,
    pkcs8_pem: String,
    pkcs1_pem: Option<String>,
    public: DecodingKey,
    der: Vec<u8>,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// `der` as PEM with `label` (`PRIVATE KEY`, `RSA PRIVATE KEY`).
fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A DER element's header at `at`: (content start, content length).
fn der_element(der: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *der.get(at + 1)?;
    if first < 0x80 {
        return Some((at + 2, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*der.get(at + 2 + i)?);
    }
    Some((at + 2 + n, len))
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo` (the form GitHub
/// hands out app keys in): SEQUENCE { INTEGER, SEQUENCE alg, OCTET STRING key }.
fn pkcs1_of(pkcs8: &[u8]) -> Option<Vec<u8>> {
    let (body, _) = der_element(pkcs8, 0)?;
    let (v_start, v_len) = der_element(pkcs8, body)?;
    let alg_at = v_start + v_len;
    let (a_start, a_len) = der_element(pkcs8, alg_at)?;
    let key_at = a_start + a_len;
    if *pkcs8.get(key_at)? != 0x04 {
        return None;
    }
    let (k_start, k_len) = der_element(pkcs8, key_at)?;
    pkcs8.get(k_start..k_start + k_len).map(<[u8]>::to_vec)
}

impl TestKey {
    /// A new key for `alg`.
    pub fn generate(alg: KeyAlg) -> Result<TestKey, KeyError> {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        let err = |e: &dyn std::fmt::Display| KeyError(e.to_string());
        match alg {
            KeyAlg::Rs256 => {
                let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(|e| err(&e))?;
                let der = pair.as_der().map_err(|e| err(&e))?.as_ref().to_vec();
                let components = aws_lc_rs::signature::RsaPublicKeyComponents::<Vec<u8>>::from(
                    pair.public_key(),
                );
                let public = DecodingKey::from_rsa_raw_components(&components.n, &components.e);
                let pkcs1 =
                    pkcs1_of(&der).ok_or_else(|| KeyError("no PKCS#1 key inside".into()))?;
                Ok(TestKey {
                    alg,
                    pkcs8_pem: pem("PRIVATE KEY", &der),
                    pkcs1_pem: Some(pem("RSA PRIVATE KEY", &pkcs1)),
                    public,
                    der,
                })
            }
            KeyAlg::Es256 => {
                let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
                    &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                )
                .map_err(|e| err(&e))?;
                let der = pair.to_pkcs8v1().map_err(|e| err(&e))?.as_ref().to_vec();
                // Uncompressed point: 0x04 || x || y.
                let point = pair.public_key().as_ref();
                let (x, y) = point
                    .get(1..33)
                    .zip(point.get(33..65))
                    .ok_or_else(|| KeyError("a P-256 point is 65 bytes".into()))?;
                let public = DecodingKey::from_ec_components(
                    &URL_SAFE_NO_PAD.encode(x),
                    &URL_SAFE_NO_PAD.encode(y),
                )
                .map_err(|e| err(&e))?;
                Ok(TestKey {
                    alg,
                    pkcs8_pem: pem("PRIVATE KEY", &der),
                    pkcs1_pem: None,
                    public,
                    der,
                })
            }
        }
    }

    /// The algorithm.
    pub fn alg(&self) -> KeyAlg {
        self.alg
    }

    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`; Google
    /// service-account keys look so).
    pub fn private_pem(&self) -> &str {
        &self.pkcs8_pem
    }

    /// An RSA private key as PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`; GitHub
    /// App keys look so); `None` for EC keys.
    pub fn private_pkcs1_pem(&self) -> Option<&str> {
        self.pkcs1_pem.as_deref()
    }

    /// Base64 of the private key's DER (the body of the PEM), to check that no
    /// request ever carried it.
    pub fn private_base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    /// The verifier for signatures made with this key.
    pub fn public(&self) -> &DecodingKey {
        &self.public
    }
}
