//! Sync runs: one row per scan of an instance, for history and health.

use rusqlite::{Row, params};

use super::open::{ensure_instance, now_sql};
use super::{Store, StoreError};
use crate::Blame;

/// How a sync run ended, or that it has not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Still going (or the process died during it).
    Running,
    /// Every stream finished.
    Succeeded,
    /// Nothing useful was stored.
    Failed,
    /// Some streams finished, some failed.
    Partial,
}

impl RunStatus {
    /// Stable label, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Partial => "partial",
        }
    }

    /// Parse a stored label.
    pub fn from_label(label: &str) -> Option<Self> {
        match label {
            "running" => Some(RunStatus::Running),
            "succeeded" => Some(RunStatus::Succeeded),
            "failed" => Some(RunStatus::Failed),
            "partial" => Some(RunStatus::Partial),
            _ => None,
        }
    }
}

/// One sync run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncRun {
    /// Run id.
    pub id: i64,
    /// The instance scanned.
    pub instance_id: String,
    /// Start, RFC 3339.
    pub started_at: String,
    /// End, RFC 3339; `None` while running.
    pub finished_at: Option<String>,
    /// How it ended.
    pub status: RunStatus,
    /// Who was to blame for its error, if any.
    pub error_blame: Option<Blame>,
    /// Its error message, if any (never holds secrets: callers pass error
    /// `Display` output, which is redacted by construction).
    pub error_message: Option<String>,
    /// Counters, JSON.
    pub stats_json: String,
}

impl Store {
    /// Record the start of a run of `instance`; returns its id.
    pub fn start_run(&self, instance: &str) -> Result<i64, StoreError> {
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
    pub fn finish_run(
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
    pub fn last_runs(&self, instance: &str, n: u32) -> Result<Vec<SyncRun>, StoreError> {
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
            .map(|(mut run, status, blame)| {
                let corrupt = |what, value: &str| StoreError::Corrupt {
                    path: self.label().to_string(),
                    what,
                    reason: format!("{value:?} is not a known label"),
                };
                run.status =
                    RunStatus::from_label(&status).ok_or_else(|| corrupt("run status", &status))?;
                run.error_blame = match blame {
                    Some(b) => Some(Blame::from_label(&b).ok_or_else(|| corrupt("run blame", &b))?),
                    None => None,
                };
                Ok(run)
            })
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
