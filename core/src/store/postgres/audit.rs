//! The audit log in PostgreSQL.

use tokio_postgres::Row;

use super::PgStore;
use crate::store::{AuditEntry, AuditStore, MAX_AUDIT_LIMIT, StoreError};

fn from_row(r: &Row) -> Result<AuditEntry, tokio_postgres::Error> {
    Ok(AuditEntry {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        actor: r.try_get(2)?,
        instance_id: r.try_get(3)?,
        action: r.try_get(4)?,
        target: r.try_get(5)?,
        outcome: r.try_get(6)?,
        detail: r.try_get(7)?,
    })
}

impl AuditStore for PgStore {
    fn append_audit(&self, entry: &AuditEntry) -> Result<i64, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "appending to the audit log",
                    "INSERT INTO audit_log (at, actor, instance_id, action, target, outcome, \
                     detail) VALUES (plugboard_now(), $1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        &entry.actor,
                        &entry.instance_id,
                        &entry.action,
                        &entry.target,
                        &entry.outcome,
                        &entry.detail,
                    ],
                )
                .await?;
            match row {
                Some(r) => r.try_get(0).map_err(self.on("appending to the audit log")),
                None => Err(self.fault("appending to the audit log", "the insert returned no id")),
            }
        })
    }

    fn audit(&self, instance: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let limit = i64::from(limit.min(MAX_AUDIT_LIMIT));
            let rows = match instance {
                Some(id) => {
                    self.rows(
                        &c,
                        "reading the audit log",
                        "SELECT id, at, actor, instance_id, action, target, outcome, detail \
                         FROM audit_log WHERE instance_id = $1 ORDER BY id DESC LIMIT $2",
                        &[&id, &limit],
                    )
                    .await?
                }
                None => {
                    self.rows(
                        &c,
                        "reading the audit log",
                        "SELECT id, at, actor, instance_id, action, target, outcome, detail \
                         FROM audit_log ORDER BY id DESC LIMIT $1",
                        &[&limit],
                    )
                    .await?
                }
            };
            self.decode("reading the audit log", &rows, from_row)
        })
    }
}
