//! Console sessions in PostgreSQL (the SHA-256 of their id only). Times are
//! the database's clock (`plugboard_now_ms()`), the same for every node.

use super::PgStore;
use crate::store::sessions::{TouchRow, cap_offset};
use crate::store::{SessionRow, SessionRules, SessionStore, StoreError};

const SWEEP: &str = "DELETE FROM console_sessions \
     WHERE expires_at_ms <= plugboard_now_ms() OR seen_at_ms <= plugboard_now_ms() - $1";

impl SessionStore for PgStore {
    fn start_session(
        &self,
        id_sha256: &str,
        token_id: &str,
        rules: &SessionRules,
    ) -> Result<(), StoreError> {
        const DOING: &str = "starting a console session";
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await.map_err(self.on(DOING))?;
            self.exec(&tx, DOING, SWEEP, &[&rules.idle_ms]).await?;
            self.exec(
                &tx,
                DOING,
                "DELETE FROM console_sessions WHERE id_sha256 IN (SELECT id_sha256 \
                 FROM console_sessions ORDER BY seen_at_ms DESC, created_at_ms DESC, \
                 id_sha256 DESC OFFSET $1)",
                &[&cap_offset(rules)],
            )
            .await?;
            let added = self
                .exec(
                    &tx,
                    DOING,
                    "INSERT INTO console_sessions \
                     (id_sha256, token_id, created_at_ms, seen_at_ms, expires_at_ms) \
                     SELECT $1, id, n, n, n + $2 \
                     FROM api_tokens, (SELECT plugboard_now_ms() AS n) AS now \
                     WHERE id = $3 AND revoked_at IS NULL",
                    &[&id_sha256, &rules.lifetime_ms, &token_id],
                )
                .await?;
            if added == 0 {
                return Err(StoreError::NotFound {
                    what: "API token",
                    id: token_id.to_string(),
                });
            }
            tx.commit().await.map_err(self.on(DOING))
        })
    }

    fn touch_session(
        &self,
        id_sha256: &str,
        rules: &SessionRules,
    ) -> Result<Option<SessionRow>, StoreError> {
        const DOING: &str = "checking a console session";
        self.block(async {
            let c = self.client().await?;
            let Some(r) = self
                .row(
                    &c,
                    DOING,
                    "SELECT token_id, created_at_ms, seen_at_ms, expires_at_ms, \
                     plugboard_now_ms() FROM console_sessions WHERE id_sha256 = $1",
                    &[&id_sha256],
                )
                .await?
            else {
                return Ok(None);
            };
            let decode = |r: &tokio_postgres::Row| -> Result<TouchRow, tokio_postgres::Error> {
                Ok(TouchRow {
                    row: SessionRow {
                        token_id: r.try_get(0)?,
                        created_at_ms: r.try_get(1)?,
                        seen_at_ms: r.try_get(2)?,
                        expires_at_ms: r.try_get(3)?,
                    },
                    now_ms: r.try_get(4)?,
                })
            };
            let mut t = decode(&r).map_err(self.on(DOING))?;
            if !t.live(rules) {
                self.exec(
                    &c,
                    "ending an expired console session",
                    "DELETE FROM console_sessions WHERE id_sha256 = $1",
                    &[&id_sha256],
                )
                .await?;
                return Ok(None);
            }
            if t.stale(rules) {
                self.exec(
                    &c,
                    "recording a console session's use",
                    "UPDATE console_sessions SET seen_at_ms = $2 \
                     WHERE id_sha256 = $1 AND seen_at_ms < $2",
                    &[&id_sha256, &t.now_ms],
                )
                .await?;
                t.row.seen_at_ms = t.now_ms;
            }
            Ok(Some(t.row))
        })
    }

    fn end_session(&self, id_sha256: &str) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.exec(
                &c,
                "ending a console session",
                "DELETE FROM console_sessions WHERE id_sha256 = $1",
                &[&id_sha256],
            )
            .await?;
            Ok(())
        })
    }

    fn sweep_sessions(&self, rules: &SessionRules) -> Result<u64, StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.exec(
                &c,
                "sweeping expired console sessions",
                SWEEP,
                &[&rules.idle_ms],
            )
            .await
        })
    }
}
