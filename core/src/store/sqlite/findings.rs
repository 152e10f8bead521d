//! Posture findings in SQLite.

use rusqlite::{Row, params};

use super::{SqliteStore, ensure_instance, now_sql, write_tx};
use crate::model::{Finding, FindingStatus, Severity};
use crate::store::{Backend, FindingStore, StoreError};

impl FindingStore for SqliteStore {
    /// Replace `instance`'s findings with `findings` in one transaction.
    fn replace_findings(&self, instance: &str, findings: &[Finding]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "replacing findings")?;
        ensure_instance(self, &tx, instance)?;
        tx.prepare_cached("DELETE FROM findings WHERE instance_id = ?1")
            .and_then(|mut s| s.execute([instance]))
            .map_err(self.on("clearing old findings"))?;
        {
            let mut insert = tx
                .prepare_cached(concat!(
                    "INSERT INTO findings (instance_id, id, title, severity, status, evidence, \
                     remediation, assessed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ",
                    now_sql!(),
                    ") ON CONFLICT (instance_id, id) DO UPDATE SET title = excluded.title, \
                     severity = excluded.severity, status = excluded.status, \
                     evidence = excluded.evidence, remediation = excluded.remediation"
                ))
                .map_err(self.on("storing findings"))?;
            for f in findings {
                insert
                    .execute(params![
                        instance,
                        f.id,
                        f.title,
                        f.severity.as_str(),
                        f.status.as_str(),
                        f.evidence,
                        f.remediation
                    ])
                    .map_err(self.on("storing findings"))?;
            }
        }
        tx.commit().map_err(self.on("replacing findings"))
    }

    /// Findings of `instance`, or of every instance, as `(instance, finding)`
    /// ordered by instance and finding id.
    fn findings(&self, instance: Option<&str>) -> Result<Vec<(String, Finding)>, StoreError> {
        let conn = self.conn();
        let rows: Vec<(String, Finding, String)> = conn
            .prepare_cached(
                "SELECT instance_id, id, title, severity, status, evidence, remediation \
                 FROM findings WHERE (?1 IS NULL OR instance_id = ?1) ORDER BY instance_id, id",
            )
            .and_then(|mut s| s.query_map([instance], from_row)?.collect())
            .map_err(self.on("listing findings"))?;
        rows.into_iter()
            .map(|(inst, mut finding, severity)| {
                finding.severity =
                    Severity::from_label(&severity).ok_or_else(|| StoreError::Corrupt {
                        path: self.label().to_string(),
                        what: "finding severity",
                        reason: format!("{severity:?} is not a severity"),
                    })?;
                Ok((inst, finding))
            })
            .collect()
    }
}

/// A finding with a placeholder severity, plus the stored severity label to
/// decode outside the row closure (whose error type is SQLite's).
fn from_row(r: &Row<'_>) -> rusqlite::Result<(String, Finding, String)> {
    let status: String = r.get(4)?;
    Ok((
        r.get(0)?,
        Finding {
            id: r.get(1)?,
            title: r.get(2)?,
            severity: Severity::Info,
            status: FindingStatus::from_label(&status),
            evidence: r.get(5)?,
            remediation: r.get(6)?,
        },
        r.get(3)?,
    ))
}
