//! Console sessions in SQLite (the SHA-256 of their id only).

use rusqlite::{OptionalExtension, params};

use super::leases::now_ms_sql;
use super::{SqliteStore, write_tx};
use crate::store::sessions::{TouchRow, cap_offset};
use crate::store::{SessionRow, SessionRules, SessionStore, StoreError};

/// Delete the expired sessions at `now` (ms); returns how many.
fn sweep_at(
    conn: &rusqlite::Connection,
    now: i64,
    rules: &SessionRules,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM console_sessions WHERE expires_at_ms <= ?1 OR seen_at_ms <= ?1 - ?2",
    )
    .and_then(|mut s| s.execute(params![now, rules.idle_ms]))
}

fn now_ms(conn: &rusqlite::Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(concat!("SELECT ", now_ms_sql!()))
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
}

impl SessionStore for SqliteStore {
    fn start_session(
        &self,
        id_sha256: &str,
        token_id: &str,
        rules: &SessionRules,
    ) -> Result<(), StoreError> {
        const DOING: &str = "starting a console session";
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, DOING)?;
        let now = now_ms(&tx).map_err(self.on(DOING))?;
        sweep_at(&tx, now, rules).map_err(self.on(DOING))?;
        tx.prepare_cached(
            "DELETE FROM console_sessions WHERE id_sha256 IN (SELECT id_sha256 \
             FROM console_sessions ORDER BY seen_at_ms DESC, created_at_ms DESC, \
             id_sha256 DESC LIMIT -1 OFFSET ?1)",
        )
        .and_then(|mut s| s.execute([cap_offset(rules)]))
        .map_err(self.on(DOING))?;
        let added = tx
            .prepare_cached(
                "INSERT INTO console_sessions \
                 (id_sha256, token_id, created_at_ms, seen_at_ms, expires_at_ms) \
                 SELECT ?1, id, ?2, ?2, ?2 + ?3 FROM api_tokens \
                 WHERE id = ?4 AND revoked_at IS NULL",
            )
            .and_then(|mut s| s.execute(params![id_sha256, now, rules.lifetime_ms, token_id]))
            .map_err(self.on(DOING))?;
        if added == 0 {
            return Err(StoreError::NotFound {
                what: "API token",
                id: token_id.to_string(),
            });
        }
        tx.commit().map_err(self.on(DOING))
    }

    fn touch_session(
        &self,
        id_sha256: &str,
        rules: &SessionRules,
    ) -> Result<Option<SessionRow>, StoreError> {
        const DOING: &str = "checking a console session";
        let conn = self.conn();
        let found = conn
            .prepare_cached(concat!(
                "SELECT token_id, created_at_ms, seen_at_ms, expires_at_ms, ",
                now_ms_sql!(),
                " FROM console_sessions WHERE id_sha256 = ?1"
            ))
            .and_then(|mut s| {
                s.query_row([id_sha256], |r| {
                    Ok(TouchRow {
                        row: SessionRow {
                            token_id: r.get(0)?,
                            created_at_ms: r.get(1)?,
                            seen_at_ms: r.get(2)?,
                            expires_at_ms: r.get(3)?,
                        },
                        now_ms: r.get(4)?,
                    })
                })
                .optional()
            })
            .map_err(self.on(DOING))?;
        let Some(mut t) = found else {
            return Ok(None);
        };
        if !t.live(rules) {
            conn.prepare_cached("DELETE FROM console_sessions WHERE id_sha256 = ?1")
                .and_then(|mut s| s.execute([id_sha256]))
                .map_err(self.on("ending an expired console session"))?;
            return Ok(None);
        }
        if t.stale(rules) {
            conn.prepare_cached(
                "UPDATE console_sessions SET seen_at_ms = ?2 \
                 WHERE id_sha256 = ?1 AND seen_at_ms < ?2",
            )
            .and_then(|mut s| s.execute(params![id_sha256, t.now_ms]))
            .map_err(self.on("recording a console session's use"))?;
            t.row.seen_at_ms = t.now_ms;
        }
        Ok(Some(t.row))
    }

    fn end_session(&self, id_sha256: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("DELETE FROM console_sessions WHERE id_sha256 = ?1")
            .and_then(|mut s| s.execute([id_sha256]))
            .map_err(self.on("ending a console session"))?;
        Ok(())
    }

    fn sweep_sessions(&self, rules: &SessionRules) -> Result<u64, StoreError> {
        const DOING: &str = "sweeping expired console sessions";
        let conn = self.conn();
        let now = now_ms(&conn).map_err(self.on(DOING))?;
        let n = sweep_at(&conn, now, rules).map_err(self.on(DOING))?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }
}
