//! Sync runs in SQLite.

use rusqlite::{Row, params};

use super::{SqliteStore, ensure_instance, now_sql};
use crate::Blame;
use crate::store::{Backend, RunStatus, RunStore, StoreError, SyncRun};

impl RunStore for SqliteStore {
    /// Record the start of a run of `instance`; returns its id.
    fn start_run(&self, instance: &str) -> Result<i64, StoreError> {
        let conn = self.conn();
        ensure_instance(self, &conn, instance)?;
        conn.prepare_cached(concat!(
            "INSERT INTO sync_runs (instance_id, started_at, status) VALUES (?1, ",
            now_sql!(),
            ", 'running')"
        ))
        .and_then(|mut s| s.insert([instance]))
        .map_err(self.on("starting a run"))
    }

    /// Record how run `id` ended. `stats_json` must be JSON (`"{}"` for none).
    fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        blame: Option<Blame>,
        message: Option<&str>,
        stats_json: &str,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let changed = conn
            .prepare_cached(concat!(
                "UPDATE sync_runs SET finished_at = ",
                now_sql!(),
                ", status = ?2, error_blame = ?3, error_message = ?4, stats_json = ?5 \
                 WHERE id = ?1"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    status.as_str(),
                    blame.map(Blame::as_str),
                    message,
                    stats_json
                ])
            })
            .map_err(self.on("finishing a run"))?;
        if changed == 0 {
            return Err(StoreError::NotFound {
                what: "sync run",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// The newest `n` runs of `instance`, newest first.
    fn last_runs(&self, instance: &str, n: u32) -> Result<Vec<SyncRun>, StoreError> {
        let conn = self.conn();
        let rows: Vec<(SyncRun, String, Option<String>)> = conn
            .prepare_cached(
                "SELECT id, instance_id, started_at, finished_at, status, error_blame, \
                 error_message, stats_json FROM sync_runs WHERE instance_id = ?1 \
                 ORDER BY id DESC LIMIT ?2",
            )
            .and_then(|mut s| s.query_map(params![instance, n], from_row)?.collect())
            .map_err(self.on("listing runs"))?;
        rows.into_iter()
            .map(|(run, status, blame)| run.with_labels(self.label(), &status, blame.as_deref()))
            .collect()
    }
}

/// A run with placeholder labels, plus the stored labels to decode outside the
/// row closure.
fn from_row(r: &Row<'_>) -> rusqlite::Result<(SyncRun, String, Option<String>)> {
    Ok((
        SyncRun {
            id: r.get(0)?,
            instance_id: r.get(1)?,
            started_at: r.get(2)?,
            finished_at: r.get(3)?,
            status: RunStatus::Running,
            error_blame: None,
            error_message: r.get(6)?,
            stats_json: r.get(7)?,
        },
        r.get(4)?,
        r.get(5)?,
    ))
}
