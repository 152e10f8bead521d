//! Posture findings in PostgreSQL.

use super::PgStore;
use crate::model::{Finding, FindingStatus, Severity};
use crate::store::{Backend, FindingStore, StoreError};

impl FindingStore for PgStore {
    fn replace_findings(&self, instance: &str, findings: &[Finding]) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("replacing findings"))?;
            self.ensure_instance(&tx, instance).await?;
            self.exec(
                &tx,
                "clearing old findings",
                "DELETE FROM findings WHERE instance_id = $1",
                &[&instance],
            )
            .await?;
            for f in findings {
                self.exec(
                    &tx,
                    "storing findings",
                    "INSERT INTO findings (instance_id, id, title, severity, status, evidence, \
                     remediation, assessed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, plugboard_now()) \
                     ON CONFLICT (instance_id, id) DO UPDATE SET title = excluded.title, \
                     severity = excluded.severity, status = excluded.status, \
                     evidence = excluded.evidence, remediation = excluded.remediation",
                    &[
                        &instance,
                        &f.id,
                        &f.title,
                        &f.severity.as_str(),
                        &f.status.as_str(),
                        &f.evidence,
                        &f.remediation,
                    ],
                )
                .await?;
            }
            tx.commit().await.map_err(self.on("replacing findings"))
        })
    }

    fn findings(&self, instance: Option<&str>) -> Result<Vec<(String, Finding)>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing findings",
                    "SELECT instance_id, id, title, severity, status, evidence, remediation \
                     FROM findings WHERE ($1::text IS NULL OR instance_id = $1) \
                     ORDER BY instance_id, id",
                    &[&instance],
                )
                .await?;
            let decoded = self.decode("listing findings", &rows, |r| {
                let status: String = r.try_get(4)?;
                let finding = Finding {
                    id: r.try_get(1)?,
                    title: r.try_get(2)?,
                    severity: Severity::Info,
                    status: FindingStatus::from_label(&status),
                    evidence: r.try_get(5)?,
                    remediation: r.try_get(6)?,
                };
                Ok((
                    r.try_get::<_, String>(0)?,
                    finding,
                    r.try_get::<_, String>(3)?,
                ))
            })?;
            decoded
                .into_iter()
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
        })
    }
}
