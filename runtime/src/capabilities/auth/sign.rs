//! JWTs the host signs for an auth profile with a private key from the
//! instance's secrets: client assertions (RFC 7523 §2.2, `private_key_jwt`),
//! JWT-bearer grant assertions (RFC 7523 §2.1, Google service accounts) and
//! GitHub App JWTs. The key never leaves the host: only the signed JWT goes
//! to the token endpoint.
//!
//! Threat: a key that does not parse would surface only at the first token
//! request, mid-scan, as a vague failure; a long-lived or replayable
//! assertion is worth stealing. Decision: a key is parsed (and a probe
//! signed) when the instance is added or its secret set, and refused naming
//! the secret (never its value); each assertion lives minutes and carries a
//! fresh `jti`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use plugboard_core::secrets::SecretValue;
use rand::Rng as _;
use serde_json::{Map, Value, json};

use super::section::JwtAlg;

/// How long a client assertion or JWT-bearer assertion is valid: used at
/// once, so minutes (some servers refuse more than three).
pub(super) const ASSERTION_LIFETIME: Duration = Duration::from_secs(180);
/// A GitHub App JWT: issued 60 s in the past against clock drift (GitHub's
/// advice), expiring within GitHub's ten-minute limit.
pub(super) const APP_JWT_BACKDATE: Duration = Duration::from_secs(60);
/// See [`APP_JWT_BACKDATE`].
pub(super) const APP_JWT_LIFETIME: Duration = Duration::from_secs(540);

/// Why a private key is unusable. Names what is expected, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not {expected}")]
pub struct BadKey {
    /// What the key should be.
    pub expected: String,
}

fn jose(alg: JwtAlg) -> Algorithm {
    match alg {
        JwtAlg::Rs256 => Algorithm::RS256,
        JwtAlg::Es256 => Algorithm::ES256,
    }
}

/// A parsed signing key.
pub(super) struct SigningKey {
    key: EncodingKey,
    alg: JwtAlg,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

/// Whether the JWT crate has its crypto provider (it would panic without
/// one; the build enables exactly one backend, so this is a safeguard).
fn has_provider() -> bool {
    jsonwebtoken::crypto::CryptoProvider::try_get_default().is_some()
        || jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
            .install_default()
            .is_ok()
}

/// Parse `pem` as a private key for `alg` and sign a probe with it, so a key
/// that parses but cannot sign is refused too.
pub(super) fn parse_key(pem: &SecretValue, alg: JwtAlg) -> Result<SigningKey, BadKey> {
    if !has_provider() {
        return Err(BadKey {
            expected: "usable: this build has no JWT signing backend".into(),
        });
    }
    let bad = || {
        BadKey {
        expected: match alg {
            JwtAlg::Rs256 => "a PEM RSA private key (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----`) for RS256".into(),
            JwtAlg::Es256 => "a PEM P-256 EC private key (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----`) for ES256".into(),
        },
    }
    };
    let bytes = pem.expose().trim().as_bytes();
    let key = match alg {
        JwtAlg::Rs256 => EncodingKey::from_rsa_pem(bytes),
        JwtAlg::Es256 => EncodingKey::from_ec_pem(bytes),
    }
    .map_err(|_| bad())?;
    jsonwebtoken::crypto::sign(b"plugboard key probe", &key, jose(alg)).map_err(|_| bad())?;
    Ok(SigningKey { key, alg })
}

/// Seconds since the Unix epoch.
fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A fresh `jti`: 128 random bits, hex.
fn jti() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SigningKey {
    fn sign(&self, claims: &Map<String, Value>) -> Result<SecretValue, BadKey> {
        jsonwebtoken::encode(&Header::new(jose(self.alg)), claims, &self.key)
            .map(SecretValue::new)
            .map_err(|e| BadKey {
                expected: format!("a key that signs ({e})"),
            })
    }

    /// A client assertion (RFC 7523 §2.2): `iss` = `sub` = the client id,
    /// `aud` = the token endpoint, a fresh `jti`, a short `exp`.
    pub(super) fn client_assertion(
        &self,
        client_id: &str,
        token_url: &str,
        now: SystemTime,
    ) -> Result<SecretValue, BadKey> {
        let iat = unix(now);
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(client_id));
        claims.insert("sub".into(), json!(client_id));
        claims.insert("aud".into(), json!(token_url));
        claims.insert("jti".into(), json!(jti()));
        claims.insert("iat".into(), json!(iat));
        claims.insert("exp".into(), json!(iat + ASSERTION_LIFETIME.as_secs()));
        self.sign(&claims)
    }

    /// A JWT-bearer grant assertion (RFC 7523 §2.1; Google service
    /// accounts): `iss` = the account, `scope`, `aud` = the token endpoint,
    /// `iat`/`exp` minutes apart, `sub` for delegation when given.
    pub(super) fn grant_assertion(
        &self,
        issuer: &str,
        scope: Option<&str>,
        subject: Option<&str>,
        token_url: &str,
        now: SystemTime,
    ) -> Result<SecretValue, BadKey> {
        let iat = unix(now);
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(issuer));
        if let Some(scope) = scope {
            claims.insert("scope".into(), json!(scope));
        }
        if let Some(sub) = subject {
            claims.insert("sub".into(), json!(sub));
        }
        claims.insert("aud".into(), json!(token_url));
        claims.insert("jti".into(), json!(jti()));
        claims.insert("iat".into(), json!(iat));
        claims.insert("exp".into(), json!(iat + ASSERTION_LIFETIME.as_secs()));
        self.sign(&claims)
    }

    /// A GitHub App JWT: `iss` = the app id (or client id), `iat` a minute
    /// back, `exp` within ten minutes.
    pub(super) fn app_jwt(&self, app_id: &str, now: SystemTime) -> Result<SecretValue, BadKey> {
        let now = unix(now);
        let mut claims = Map::new();
        claims.insert("iss".into(), json!(app_id));
        claims.insert(
            "iat".into(),
            json!(now.saturating_sub(APP_JWT_BACKDATE.as_secs())),
        );
        claims.insert("exp".into(), json!(now + APP_JWT_LIFETIME.as_secs()));
        self.sign(&claims)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use aws_lc_rs::encoding::AsDer as _;
    use aws_lc_rs::signature::KeyPair as _;
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    use jsonwebtoken::{DecodingKey, Validation};

    fn pem(label: &str, der: &[u8]) -> String {
        let body: Vec<String> = STANDARD
            .encode(der)
            .as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            body.join("\n")
        )
    }

    /// A test RSA key: its PKCS#8 PEM and its verifier.
    pub(crate) fn rsa() -> (SecretValue, DecodingKey) {
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .unwrap_or_else(|e| panic!("{e}"));
        let der = pair.as_der().unwrap_or_else(|e| panic!("{e}"));
        let c = aws_lc_rs::signature::RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        (
            SecretValue::new(pem("PRIVATE KEY", der.as_ref())),
            DecodingKey::from_rsa_raw_components(&c.n, &c.e),
        )
    }

    /// A test P-256 key: its PKCS#8 PEM and its verifier.
    fn ec() -> (SecretValue, DecodingKey) {
        let pair = aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let der = pair.to_pkcs8v1().unwrap_or_else(|e| panic!("{e}"));
        let point = pair.public_key().as_ref();
        let verifier = DecodingKey::from_ec_components(
            &URL_SAFE_NO_PAD.encode(&point[1..33]),
            &URL_SAFE_NO_PAD.encode(&point[33..65]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        (SecretValue::new(pem("PRIVATE KEY", der.as_ref())), verifier)
    }

    fn claims(token: &SecretValue, key: &DecodingKey, alg: Algorithm) -> Value {
        let mut v = Validation::new(alg);
        v.validate_aud = false;
        jsonwebtoken::decode::<Value>(token.expose(), key, &v)
            .unwrap_or_else(|e| panic!("{e}"))
            .claims
    }

    #[test]
    fn assertions_carry_the_claims_their_grant_requires_and_verify_with_the_public_key() {
        let now = SystemTime::now();
        let t = unix(now);
        let (pem, public) = rsa();
        let key = parse_key(&pem, JwtAlg::Rs256).unwrap_or_else(|e| panic!("{e}"));
        let a = key
            .client_assertion("cid", "https://as.example/token", now)
            .unwrap_or_else(|e| panic!("{e}"));
        let c = claims(&a, &public, Algorithm::RS256);
        assert_eq!(c["iss"], "cid");
        assert_eq!(c["sub"], "cid");
        assert_eq!(c["aud"], "https://as.example/token");
        assert_eq!(c["exp"], t + 180);
        let b = key
            .client_assertion("cid", "https://as.example/token", now)
            .unwrap_or_else(|e| panic!("{e}"));
        let d = claims(&b, &public, Algorithm::RS256);
        assert_ne!(c["jti"], d["jti"], "a jti is never reused");

        let g = key
            .grant_assertion(
                "svc@p",
                Some("s1 s2"),
                Some("admin@x"),
                "https://as.example/t",
                now,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let c = claims(&g, &public, Algorithm::RS256);
        assert_eq!(
            (&c["iss"], &c["scope"], &c["sub"], &c["aud"]),
            (
                &json!("svc@p"),
                &json!("s1 s2"),
                &json!("admin@x"),
                &json!("https://as.example/t")
            )
        );
        assert!(c["exp"].as_u64().unwrap_or(u64::MAX) - c["iat"].as_u64().unwrap_or(0) <= 3600);
        let g = key
            .grant_assertion("svc@p", None, None, "https://as.example/t", now)
            .unwrap_or_else(|e| panic!("{e}"));
        let c = claims(&g, &public, Algorithm::RS256);
        assert!(c.get("sub").is_none() && c.get("scope").is_none(), "{c}");

        let app = key.app_jwt("123", now).unwrap_or_else(|e| panic!("{e}"));
        let c = claims(&app, &public, Algorithm::RS256);
        assert_eq!(
            (&c["iss"], &c["iat"], &c["exp"]),
            (&json!("123"), &json!(t - 60), &json!(t + 540))
        );

        let (pem, public) = ec();
        let key = parse_key(&pem, JwtAlg::Es256).unwrap_or_else(|e| panic!("{e}"));
        let a = key
            .client_assertion("cid", "https://as.example/token", now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(claims(&a, &public, Algorithm::ES256)["iss"], "cid");
    }

    #[test]
    fn a_key_of_another_algorithm_or_no_key_is_refused_without_quoting_it() {
        let (rsa_pem, _) = rsa();
        let (ec_pem, _) = ec();
        let cases = [
            (rsa_pem.expose().to_string(), JwtAlg::Es256, "ES256"),
            (ec_pem.expose().to_string(), JwtAlg::Rs256, "RS256"),
            ("hunter2".to_string(), JwtAlg::Rs256, "RS256"),
            (
                "-----BEGIN PRIVATE KEY-----\naHVudGVyMg==\n-----END PRIVATE KEY-----\n".into(),
                JwtAlg::Rs256,
                "RS256",
            ),
            (String::new(), JwtAlg::Es256, "ES256"),
        ];
        for (text, alg, named) in cases {
            let err = parse_key(&SecretValue::new(text.clone()), alg)
                .err()
                .unwrap_or_else(|| panic!("{alg:?} accepted {text:.40}"));
            let msg = err.to_string();
            assert!(msg.contains(named), "{msg}");
            assert!(
                !msg.contains("hunter2") && !msg.contains("aHVudGVy"),
                "{msg}"
            );
        }
    }
}
