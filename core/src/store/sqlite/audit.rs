//! The audit log in SQLite.

use rusqlite::{Row, params, params_from_iter};

use super::{SqliteStore, now_sql};
use crate::store::{AuditEntry, AuditStore, MAX_AUDIT_LIMIT, StoreError};

impl AuditStore for SqliteStore {
    /// Append an entry; returns its id.
    fn append_audit(&self, entry: &AuditEntry) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(concat!(
            "INSERT INTO audit_log (at, actor, instance_id, action, target, outcome, detail) \
             VALUES (",
            now_sql!(),
            ", ?1, ?2, ?3, ?4, ?5, ?6)"
        ))
        .and_then(|mut s| {
            s.insert(params![
                entry.actor,
                entry.instance_id,
                entry.action,
                entry.target,
                entry.outcome,
                entry.detail
            ])
        })
        .map_err(self.on("appending to the audit log"))
    }

    /// The newest `limit` entries (at most [`MAX_AUDIT_LIMIT`]), for one
    /// instance or all, newest first.
    fn audit(&self, instance: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let scope = if instance.is_some() {
            " WHERE instance_id = ?1"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, at, actor, instance_id, action, target, outcome, detail FROM audit_log\
             {scope} ORDER BY id DESC LIMIT {}",
            limit.min(MAX_AUDIT_LIMIT)
        );
        let conn = self.conn();
        conn.prepare_cached(&sql)
            .and_then(|mut s| s.query_map(params_from_iter(instance), from_row)?.collect())
            .map_err(self.on("reading the audit log"))
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        instance_id: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        outcome: r.get(6)?,
        detail: r.get(7)?,
    })
}
