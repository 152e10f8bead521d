//! Schedule state in SQLite.

use rusqlite::params;

use super::{SqliteStore, ensure_instance, now_sql};
use crate::Blame;
use crate::store::{ScheduleRow, ScheduleStore, StoreError};

impl ScheduleStore for SqliteStore {
    /// Every phase's schedule state of `instance`, by phase name.
    fn schedule(&self, instance: &str) -> Result<Vec<ScheduleRow>, StoreError> {
        let conn = self.conn();
        let rows: Vec<(ScheduleRow, Option<String>)> = conn
            .prepare_cached(
                "SELECT phase, last_started_at, last_success_at, last_error_at, \
                 last_error_blame, last_error, next_run_at FROM schedules \
                 WHERE instance_id = ?1 ORDER BY phase",
            )
            .and_then(|mut s| {
                s.query_map([instance], |r| {
                    Ok((
                        ScheduleRow {
                            phase: r.get(0)?,
                            last_started_at: r.get(1)?,
                            last_success_at: r.get(2)?,
                            last_error_at: r.get(3)?,
                            last_error_blame: None,
                            last_error: r.get(5)?,
                            next_run_at: r.get(6)?,
                        },
                        r.get(4)?,
                    ))
                })?
                .collect()
            })
            .map_err(self.on("reading a schedule"))?;
        Ok(rows
            .into_iter()
            .map(|(mut row, blame)| {
                row.last_error_blame = blame.as_deref().and_then(Blame::from_label);
                row
            })
            .collect())
    }

    /// Record that `phase` of `instance` started now. Its next run is set to
    /// now as well, so a phase cut short by a crash is due at once when the
    /// daemon starts again.
    fn schedule_started(&self, instance: &str, phase: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        ensure_instance(self, &conn, instance)?;
        conn.prepare_cached(concat!(
            "INSERT INTO schedules (instance_id, phase, last_started_at, next_run_at) VALUES (?1, ?2, ",
            now_sql!(),
            ", ",
            now_sql!(),
            ") ON CONFLICT (instance_id, phase) DO UPDATE SET last_started_at = ",
            now_sql!(),
            ", next_run_at = ",
            now_sql!()
        ))
        .and_then(|mut s| s.execute(params![instance, phase]))
        .map_err(self.on("recording a phase start"))?;
        Ok(())
    }

    /// Record how `phase` of `instance` ended (`error`: blame and message of
    /// a failure) and when it runs next.
    fn schedule_finished(
        &self,
        instance: &str,
        phase: &str,
        error: Option<(Blame, &str)>,
        next_run_at: Option<&str>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        ensure_instance(self, &conn, instance)?;
        let done = match error {
            None => conn
                .prepare_cached(concat!(
                    "INSERT INTO schedules (instance_id, phase, last_success_at, next_run_at) \
                     VALUES (?1, ?2, ",
                    now_sql!(),
                    ", ?3) ON CONFLICT (instance_id, phase) DO UPDATE SET last_success_at = ",
                    now_sql!(),
                    ", last_error = NULL, last_error_blame = NULL, next_run_at = ?3"
                ))
                .and_then(|mut s| s.execute(params![instance, phase, next_run_at])),
            Some((blame, message)) => conn
                .prepare_cached(concat!(
                    "INSERT INTO schedules (instance_id, phase, last_error_at, \
                     last_error_blame, last_error, next_run_at) VALUES (?1, ?2, ",
                    now_sql!(),
                    ", ?3, ?4, ?5) ON CONFLICT (instance_id, phase) DO UPDATE SET \
                     last_error_at = ",
                    now_sql!(),
                    ", last_error_blame = ?3, last_error = ?4, next_run_at = ?5"
                ))
                .and_then(|mut s| {
                    s.execute(params![
                        instance,
                        phase,
                        blame.as_str(),
                        message,
                        next_run_at
                    ])
                }),
        };
        done.map_err(self.on("recording a phase end"))?;
        Ok(())
    }

    /// Set when `phase` of `instance` runs next (`None`: not scheduled).
    fn schedule_next(
        &self,
        instance: &str,
        phase: &str,
        next_run_at: Option<&str>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        ensure_instance(self, &conn, instance)?;
        conn.prepare_cached(
            "INSERT INTO schedules (instance_id, phase, next_run_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (instance_id, phase) DO UPDATE SET next_run_at = ?3",
        )
        .and_then(|mut s| s.execute(params![instance, phase, next_run_at]))
        .map_err(self.on("scheduling a phase"))?;
        Ok(())
    }
}
