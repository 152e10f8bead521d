//! JWT checks as an authorization server makes them: the signature with the client's
//! registered public key and algorithm (nothing else: no `none`, no algorithm the
//! client did not register), then each claim the grant requires.

use std::collections::HashSet;

use jsonwebtoken::{Validation, decode};
use serde_json::Value;

use super::TestKey;

/// Clock skew tolerated, in seconds.
pub(crate) const LEEWAY: i64 = 60;

/// What a token must say.
pub(crate) struct Expect<'a> {
    /// `iss`.
    pub iss: &'a str,
    /// `sub`: `Some(Some(v))` must equal `v`; `Some(None)` must be absent; `None`
    /// is not checked.
    pub sub: Option<Option<&'a str>>,
    /// `aud` (a string, or an array holding it), when checked.
    pub aud: Option<&'a str>,
    /// Longest `exp - now` accepted, in seconds.
    pub max_ahead: i64,
    /// `jti` required and never seen before (added to the set).
    pub jti: Option<&'a mut HashSet<String>>,
    /// `iat` required, not in the future beyond the leeway.
    pub iat: bool,
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The verified claims of `token`, or why it is refused.
pub(crate) fn verify(token: &str, key: &TestKey, expect: Expect<'_>) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| format!("bad JWT header: {e}"))?;
    if header.alg != key.alg().jose() {
        return Err(format!(
            "alg {:?} is not the registered {:?}",
            header.alg,
            key.alg().jose()
        ));
    }
    let mut validation = Validation::new(key.alg().jose());
    validation.leeway = LEEWAY as u64;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp"]);
    let claims = decode::<Value>(token, key.public(), &validation)
        .map_err(|e| format!("JWT refused: {e}"))?
        .claims;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let number = |name: &str| claims.get(name).and_then(Value::as_i64);
    let now = now();
    if text("iss") != Some(expect.iss) {
        return Err(format!(
            "iss {:?} is not {:?}",
            claims.get("iss"),
            expect.iss
        ));
    }
    match expect.sub {
        Some(Some(sub)) if text("sub") != Some(sub) => {
            return Err(format!("sub {:?} is not {sub:?}", claims.get("sub")));
        }
        Some(None) if claims.get("sub").is_some() => {
            return Err("sub given, but no delegation is allowed".into());
        }
        _ => {}
    }
    if let Some(aud) = expect.aud {
        let ok = match claims.get("aud") {
            Some(Value::String(s)) => s == aud,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(aud)),
            _ => false,
        };
        if !ok {
            return Err(format!("aud {:?} is not {aud:?}", claims.get("aud")));
        }
    }
    let exp = number("exp").ok_or("exp missing")?;
    if exp - now > expect.max_ahead + LEEWAY {
        return Err(format!(
            "exp is {} s ahead; at most {} s",
            exp - now,
            expect.max_ahead
        ));
    }
    if expect.iat {
        let iat = number("iat").ok_or("iat missing")?;
        if iat > now + LEEWAY {
            return Err("iat is in the future".into());
        }
        if exp - iat > expect.max_ahead + LEEWAY {
            return Err(format!(
                "exp - iat is {} s; at most {}",
                exp - iat,
                expect.max_ahead
            ));
        }
    }
    if let Some(seen) = expect.jti {
        let jti = text("jti").ok_or("jti missing")?;
        if !seen.insert(jti.to_string()) {
            return Err(format!("jti {jti:?} was used before"));
        }
    }
    Ok(claims)
}
