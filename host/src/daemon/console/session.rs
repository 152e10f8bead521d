//! Console sessions: an API token, checked once at sign-in, is exchanged for
//! a random session id. The id travels in an `HttpOnly; SameSite=Strict`
//! cookie; the store keeps only its SHA-256 (with the API token's id and the
//! session's times), so every node of a cluster knows every session, a
//! restart signs no one out, and a copy of the database holds no usable
//! cookie. A session ends at sign-out (its row is deleted), after [`IDLE`]
//! without a request, [`LIFETIME`] after sign-in, or when its API token is
//! revoked (the revocation deletes its rows; each request also checks the
//! token by id). At most [`MAX_SESSIONS`] are kept; a sign-in beyond drops
//! the least recently seen, and sweeps the expired ones.
//!
//! `last_seen` is written at most once a [`TOUCH_EVERY`] per session, so a
//! page view is a read (the session's row and its token's), not a write;
//! the idle timeout is judged to within that minute.
//!
//! Each session has its own CSRF token, put in every form and checked on
//! every POST: the base64 of a domain-separated SHA-256 of the session id
//! ([`csrf_for`]). It is derived, not stored: the page needs it in clear to
//! put it in forms, so a stored copy would have to be sealed, yet a database
//! reader holds only the id's plain SHA-256, from which neither the id nor
//! the CSRF token follows; deriving it needs no column, no key and no write,
//! and ends with the session.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use plugboard_core::store::{SessionRules, Store, StoreError};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use std::time::Duration;

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// A session ends this long after sign-in, however busy.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// A session's `last_seen` is written at most this often.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Sessions kept at most (the least recently seen are dropped first).
pub const MAX_SESSIONS: u32 = 1_024;

/// The store's terms for sessions.
pub const RULES: SessionRules = SessionRules {
    idle_ms: millis(IDLE),
    lifetime_ms: millis(LIFETIME),
    touch_every_ms: millis(TOUCH_EVERY),
    max_sessions: MAX_SESSIONS,
};

const fn millis(d: Duration) -> i64 {
    // Every duration above is far below i64::MAX milliseconds.
    d.as_secs() as i64 * 1_000
}

/// The session cookie's name.
pub const COOKIE: &str = "pb_console";
/// The sign-in form's own cookie (a double-submit token against login CSRF).
pub const SIGNIN_COOKIE: &str = "pb_console_signin";

/// A signed-in operator.
#[derive(Clone)]
pub struct Session {
    /// The cookie value.
    pub id: String,
    /// The synchronizer token every form carries ([`csrf_for`] the id).
    pub csrf: String,
    /// The API token the operator signed in with (its id, never its value).
    pub token_id: String,
    /// That token's name, shown and audited as the actor.
    pub token_name: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("token_id", &self.token_id)
            .field("token_name", &self.token_name)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The actor recorded in the audit log for this session's actions.
    pub fn actor(&self) -> String {
        format!("console:{}", self.token_name)
    }
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `a` and `b` are equal, in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// How the store knows session `id`: its hex SHA-256.
fn id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The CSRF token of session `id`: URL-safe base64 of SHA-256 over a fixed
/// label and the id (never equal to [`id_hash`], which the store holds).
pub fn csrf_for(id: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"plugboard console csrf v1\0");
    h.update(id.as_bytes());
    URL_SAFE_NO_PAD.encode(h.finalize())
}

/// Whether `id` has the shape of a session id (43 URL-safe base64
/// characters): anything else is refused without asking the store.
fn well_formed(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Start a session for API token `token_id` called `token_name`.
/// `NotFound` when the token was revoked meanwhile.
pub fn start(store: &Store, token_id: &str, token_name: &str) -> Result<Session, StoreError> {
    let id = random_token();
    store.start_session(&id_hash(&id), token_id, &RULES)?;
    Ok(Session {
        csrf: csrf_for(&id),
        id,
        token_id: token_id.to_string(),
        token_name: token_name.to_string(),
    })
}

/// The live session whose cookie value is `id`: known to the store, neither
/// idle nor too old, and its API token not revoked; `None` otherwise (an
/// expired row is deleted on the way).
pub fn resolve(store: &Store, id: &str) -> Result<Option<Session>, StoreError> {
    if !well_formed(id) {
        return Ok(None);
    }
    let Some(row) = store.touch_session(&id_hash(id), &RULES)? else {
        return Ok(None);
    };
    let Some(token) = store
        .token(&row.token_id)?
        .filter(|t| t.revoked_at.is_none())
    else {
        return Ok(None);
    };
    Ok(Some(Session {
        id: id.to_string(),
        csrf: csrf_for(id),
        token_id: token.id,
        token_name: token.name,
    }))
}

/// End session `id` (sign-out): its row is deleted.
pub fn end(store: &Store, id: &str) -> Result<(), StoreError> {
    store.end_session(&id_hash(id))
}

/// The value of cookie `name` in `headers`.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_by_its_cookie_until_it_ends() -> Result<(), Box<dyn std::error::Error>> {
        let store = Store::open_in_memory()?;
        store.add_token("t1", "ops", "00ff")?;
        let s = start(&store, "t1", "ops")?;
        assert_ne!(s.id, s.csrf);
        assert_ne!(id_hash(&s.id), s.csrf);
        let found = resolve(&store, &s.id)?.ok_or("no session")?;
        assert_eq!(
            (found.token_name.as_str(), found.csrf),
            ("ops", s.csrf.clone())
        );
        assert!(resolve(&store, &random_token())?.is_none());
        end(&store, &s.id)?;
        assert!(resolve(&store, &s.id)?.is_none());
        assert!(!format!("{s:?}").contains(&s.id));
        Ok(())
    }

    #[test]
    fn a_tampered_or_malformed_cookie_finds_no_session() -> Result<(), Box<dyn std::error::Error>> {
        let store = Store::open_in_memory()?;
        store.add_token("t1", "ops", "00ff")?;
        let s = start(&store, "t1", "ops")?;
        let mut flipped = s.id.clone().into_bytes();
        flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped)?;
        for bad in [
            flipped.as_str(),
            &s.id[1..],
            "",
            "x' OR 1=1 --",
            &format!("{}=", s.id),
        ] {
            assert!(resolve(&store, bad)?.is_none(), "{bad:?} was accepted");
        }
        assert!(resolve(&store, &s.id)?.is_some());
        Ok(())
    }

    #[test]
    fn a_revoked_token_ends_its_sessions() -> Result<(), Box<dyn std::error::Error>> {
        let store = Store::open_in_memory()?;
        store.add_token("t1", "ops", "00ff")?;
        let s = start(&store, "t1", "ops")?;
        store.revoke_token("t1")?;
        assert!(resolve(&store, &s.id)?.is_none());
        assert!(start(&store, "t1", "ops").is_err());
        Ok(())
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }

    #[test]
    fn a_cookie_is_read_from_any_cookie_header() {
        let mut h = axum::http::HeaderMap::new();
        h.append(
            axum::http::header::COOKIE,
            "a=1; pb_console=xyz"
                .parse()
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("")),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "b"), None);
    }
}
