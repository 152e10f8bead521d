//! Console sessions: an API token, checked once at sign-in, is exchanged for
//! a random session id kept only in this process (a restart signs everyone
//! out). The id travels in an `HttpOnly; SameSite=Strict` cookie; each
//! session has its own CSRF token, put in every form and checked on every
//! POST. A session ends at sign-out, after [`IDLE`] without a request,
//! [`LIFETIME`] after sign-in, or when its API token is revoked.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

/// A session ends after this long without a request.
pub const IDLE: Duration = Duration::from_secs(30 * 60);
/// A session ends this long after sign-in, however busy.
pub const LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at most (the oldest are dropped first).
const MAX_SESSIONS: usize = 1_024;

/// The session cookie's name.
pub const COOKIE: &str = "pb_console";
/// The sign-in form's own cookie (a double-submit token against login CSRF).
pub const SIGNIN_COOKIE: &str = "pb_console_signin";

/// A signed-in operator.
#[derive(Clone)]
pub struct Session {
    /// The cookie value.
    pub id: String,
    /// The synchronizer token every form carries.
    pub csrf: String,
    /// The API token the operator signed in with (its id, never its value).
    pub token_id: String,
    /// That token's name, shown and audited as the actor.
    pub token_name: String,
    started: Instant,
    seen: Instant,
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

/// The live sessions.
#[derive(Default)]
pub struct Sessions(Mutex<HashMap<String, Session>>);

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Start a session for API token `token_id` called `token_name`.
    pub fn start(&self, token_id: &str, token_name: &str) -> Session {
        let now = Instant::now();
        let session = Session {
            id: random_token(),
            csrf: random_token(),
            token_id: token_id.to_string(),
            token_name: token_name.to_string(),
            started: now,
            seen: now,
        };
        let mut map = self.lock();
        map.retain(|_, s| live(s, now));
        while map.len() >= MAX_SESSIONS {
            let Some(oldest) = map.values().min_by_key(|s| s.seen).map(|s| s.id.clone()) else {
                break;
            };
            map.remove(&oldest);
        }
        map.insert(session.id.clone(), session.clone());
        session
    }

    /// The live session `id`, marked as seen now; an expired one is ended.
    pub fn touch(&self, id: &str) -> Option<Session> {
        let now = Instant::now();
        let mut map = self.lock();
        let s = map.get_mut(id)?;
        if !live(s, now) {
            map.remove(id);
            return None;
        }
        s.seen = now;
        Some(s.clone())
    }

    /// End session `id`.
    pub fn end(&self, id: &str) {
        self.lock().remove(id);
    }
}

fn live(s: &Session, now: Instant) -> bool {
    now.duration_since(s.seen) < IDLE && now.duration_since(s.started) < LIFETIME
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
    fn a_session_is_found_by_its_id_until_it_ends() {
        let sessions = Sessions::default();
        let s = sessions.start("t1", "ops");
        assert_ne!(s.id, s.csrf);
        assert_eq!(sessions.touch(&s.id).map(|t| t.token_id), Some("t1".into()));
        assert!(sessions.touch("nope").is_none());
        sessions.end(&s.id);
        assert!(sessions.touch(&s.id).is_none());
        assert!(!format!("{s:?}").contains(&s.id));
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
