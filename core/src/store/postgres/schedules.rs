//! Schedule state in PostgreSQL.

use super::PgStore;
use crate::Blame;
use crate::store::{ScheduleRow, ScheduleStore, StoreError};

impl ScheduleStore for PgStore {
    fn schedule(&self, instance: &str) -> Result<Vec<ScheduleRow>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "reading a schedule",
                    "SELECT phase, last_started_at, last_success_at, last_error_at, \
                     last_error_blame, last_error, next_run_at FROM schedules \
                     WHERE instance_id = $1 ORDER BY phase",
                    &[&instance],
                )
                .await?;
            self.decode("reading a schedule", &rows, |r| {
                let blame: Option<String> = r.try_get(4)?;
                Ok(ScheduleRow {
                    phase: r.try_get(0)?,
                    last_started_at: r.try_get(1)?,
                    last_success_at: r.try_get(2)?,
                    last_error_at: r.try_get(3)?,
                    last_error_blame: blame.as_deref().and_then(Blame::from_label),
                    last_error: r.try_get(5)?,
                    next_run_at: r.try_get(6)?,
                })
            })
        })
    }

    fn schedule_started(&self, instance: &str, phase: &str) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.row_for_instance(
                &c,
                "recording a phase start",
                instance,
                "INSERT INTO schedules (instance_id, phase, last_started_at, next_run_at) \
                 VALUES ($1, $2, plugboard_now(), plugboard_now()) \
                 ON CONFLICT (instance_id, phase) DO UPDATE SET \
                 last_started_at = plugboard_now(), next_run_at = plugboard_now()",
                &[&instance, &phase],
            )
            .await?;
            Ok(())
        })
    }

    fn schedule_finished(
        &self,
        instance: &str,
        phase: &str,
        error: Option<(Blame, &str)>,
        next_run_at: Option<&str>,
    ) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            match error {
                None => {
                    self.row_for_instance(
                        &c,
                        "recording a phase end",
                        instance,
                        "INSERT INTO schedules (instance_id, phase, last_success_at, next_run_at) \
                         VALUES ($1, $2, plugboard_now(), $3) \
                         ON CONFLICT (instance_id, phase) DO UPDATE SET \
                         last_success_at = plugboard_now(), last_error = NULL, \
                         last_error_blame = NULL, next_run_at = $3",
                        &[&instance, &phase, &next_run_at],
                    )
                    .await?
                }
                Some((blame, message)) => {
                    self.row_for_instance(
                        &c,
                        "recording a phase end",
                        instance,
                        "INSERT INTO schedules (instance_id, phase, last_error_at, \
                         last_error_blame, last_error, next_run_at) \
                         VALUES ($1, $2, plugboard_now(), $3, $4, $5) \
                         ON CONFLICT (instance_id, phase) DO UPDATE SET \
                         last_error_at = plugboard_now(), last_error_blame = $3, \
                         last_error = $4, next_run_at = $5",
                        &[&instance, &phase, &blame.as_str(), &message, &next_run_at],
                    )
                    .await?
                }
            };
            Ok(())
        })
    }

    fn schedule_next(
        &self,
        instance: &str,
        phase: &str,
        next_run_at: Option<&str>,
    ) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.row_for_instance(
                &c,
                "scheduling a phase",
                instance,
                "INSERT INTO schedules (instance_id, phase, next_run_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (instance_id, phase) DO UPDATE SET next_run_at = $3",
                &[&instance, &phase, &next_run_at],
            )
            .await?;
            Ok(())
        })
    }
}
