//! Console sessions: the interface. A session is kept as the hex SHA-256 of
//! its id (the cookie value), the id of the API token it was started with,
//! and its times in milliseconds since the Unix epoch by the database's
//! clock (one clock for every node of a cluster). Like API tokens, a copy of
//! the database holds no usable cookie: the id is 32 random bytes, so a plain
//! SHA-256 leaves nothing to guess.
//!
//! No CSRF token is stored: the console derives it from the session id
//! (a domain-separated SHA-256, see the host's `console::session`), so a
//! database reader, who has only the id's plain SHA-256, can neither sign in
//! nor forge a form, and no node needs a column, a key or a write to know it.

use super::StoreError;

/// How long sessions last and how many there may be. Times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionRules {
    /// A session ends this long after its last (recorded) request.
    pub idle_ms: i64,
    /// A session ends this long after it started, however busy.
    pub lifetime_ms: i64,
    /// `last_seen` is written at most this often per session (a read-only
    /// page is then not a database write each time); the idle timeout is
    /// thus judged to within this much.
    pub touch_every_ms: i64,
    /// Sessions kept at most; starting one more drops the least recently
    /// seen.
    pub max_sessions: u32,
}

/// One live session, without its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The API token it was started with (its id, never its value).
    pub token_id: String,
    /// When it started (ms since the epoch).
    pub created_at_ms: i64,
    /// Its last recorded request (ms since the epoch, coarsened to
    /// [`SessionRules::touch_every_ms`]).
    pub seen_at_ms: i64,
    /// When it ends however busy (ms since the epoch).
    pub expires_at_ms: i64,
}

/// A session row read together with the database's clock.
pub(crate) struct TouchRow {
    pub row: SessionRow,
    pub now_ms: i64,
}

impl TouchRow {
    /// Neither past its lifetime nor idle too long.
    pub fn live(&self, rules: &SessionRules) -> bool {
        self.row.expires_at_ms > self.now_ms
            && self.row.seen_at_ms > self.now_ms.saturating_sub(rules.idle_ms)
    }

    /// Its `last_seen` is due to be written.
    pub fn stale(&self, rules: &SessionRules) -> bool {
        self.now_ms.saturating_sub(self.row.seen_at_ms) >= rules.touch_every_ms
            && self.now_ms > self.row.seen_at_ms
    }
}

/// How many of the most recently seen sessions to keep before adding one.
pub(crate) fn cap_offset(rules: &SessionRules) -> i64 {
    i64::from(rules.max_sessions.saturating_sub(1))
}

/// Console sessions, by the hex SHA-256 of their id.
pub trait SessionStore {
    /// Start a session of API token `token_id`. In the same transaction,
    /// sweep every expired session and drop the least recently seen ones
    /// beyond `rules.max_sessions`. `NotFound` when there is no such token.
    fn start_session(
        &self,
        id_sha256: &str,
        token_id: &str,
        rules: &SessionRules,
    ) -> Result<(), StoreError>;

    /// The live session whose id hashes to `id_sha256`, its `last_seen`
    /// moved to now when it is older than `rules.touch_every_ms`; `None`
    /// when unknown or expired (an expired one is deleted).
    fn touch_session(
        &self,
        id_sha256: &str,
        rules: &SessionRules,
    ) -> Result<Option<SessionRow>, StoreError>;

    /// End (delete) the session whose id hashes to `id_sha256`, if any.
    fn end_session(&self, id_sha256: &str) -> Result<(), StoreError>;

    /// Delete every expired session; returns how many.
    fn sweep_sessions(&self, rules: &SessionRules) -> Result<u64, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::SessionRules;
    use crate::store::StoreError;
    use crate::store::fixtures::stores;

    const RULES: SessionRules = SessionRules {
        idle_ms: 3_600_000,
        lifetime_ms: 7_200_000,
        touch_every_ms: 60_000,
        max_sessions: 3,
    };

    #[test]
    fn a_session_is_found_by_its_hash_until_it_ends_or_its_token_is_revoked()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("a_session_is_found_by_its_hash_until_it_ends")? {
            println!("backend: {backend}");
            store.add_token("t1", "ops", "00ff")?;
            store.add_token("t2", "ci", "11ee")?;
            assert!(matches!(
                store.start_session("aa", "nope", &RULES),
                Err(StoreError::NotFound { .. })
            ));
            store.start_session("aa", "t1", &RULES)?;
            store.start_session("bb", "t1", &RULES)?;
            store.start_session("cc", "t2", &RULES)?;
            let s = store.touch_session("aa", &RULES)?.ok_or("no session aa")?;
            assert_eq!(s.token_id, "t1");
            assert_eq!(s.expires_at_ms - s.created_at_ms, RULES.lifetime_ms);
            assert!(s.seen_at_ms >= s.created_at_ms);
            assert!(store.touch_session("zz", &RULES)?.is_none());
            // Sign-out deletes the row.
            store.end_session("aa")?;
            assert!(store.touch_session("aa", &RULES)?.is_none());
            store.end_session("aa")?;
            // Revoking a token ends its sessions, and only its.
            store.revoke_token("t1")?;
            assert!(store.touch_session("bb", &RULES)?.is_none());
            assert!(store.touch_session("cc", &RULES)?.is_some());
            // A revoked token starts none.
            assert!(matches!(
                store.start_session("dd", "t1", &RULES),
                Err(StoreError::NotFound { .. })
            ));
        }
        Ok(())
    }

    #[test]
    fn an_idle_or_old_session_is_refused_and_swept() -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("an_idle_or_old_session_is_refused_and_swept")? {
            println!("backend: {backend}");
            store.add_token("t1", "ops", "00ff")?;
            store.start_session("idle", "t1", &RULES)?;
            // An idle timeout of 0 makes any session idle too long.
            let idle = SessionRules {
                idle_ms: 0,
                ..RULES
            };
            assert!(store.touch_session("idle", &idle)?.is_none());
            // ...and it is gone, not only refused.
            assert!(store.touch_session("idle", &RULES)?.is_none());
            // A lifetime of 0 ends a session at once, however busy.
            let brief = SessionRules {
                lifetime_ms: 0,
                ..RULES
            };
            store.start_session("old", "t1", &brief)?;
            assert!(store.touch_session("old", &RULES)?.is_none());
            // A sweep deletes every expired session and keeps live ones.
            store.start_session("a", "t1", &RULES)?;
            store.start_session("b", "t1", &RULES)?;
            assert_eq!(store.sweep_sessions(&RULES)?, 0);
            assert_eq!(store.sweep_sessions(&idle)?, 2);
            assert!(store.touch_session("a", &RULES)?.is_none());
        }
        Ok(())
    }

    #[test]
    fn sessions_beyond_the_cap_drop_the_least_recently_seen()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("sessions_beyond_the_cap_drop_the_least_recently_seen")? {
            println!("backend: {backend}");
            store.add_token("t1", "ops", "00ff")?;
            // Touch with touch_every 0 so each touch records its moment.
            let eager = SessionRules {
                touch_every_ms: 0,
                ..RULES
            };
            for id in ["a", "b", "c"] {
                store.start_session(id, "t1", &RULES)?;
                std::thread::sleep(std::time::Duration::from_millis(3));
            }
            // "a" seen last: "b" is now the least recently seen.
            store.touch_session("a", &eager)?;
            store.start_session("d", "t1", &RULES)?;
            let live: Vec<bool> = ["a", "b", "c", "d"]
                .iter()
                .map(|id| store.touch_session(id, &RULES).map(|s| s.is_some()))
                .collect::<Result<_, _>>()?;
            assert_eq!(live, [true, false, true, true]);
        }
        Ok(())
    }
}
