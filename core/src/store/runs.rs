//! Sync runs, one row per scan of an instance for history and health: the interface.

use super::StoreError;
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

impl SyncRun {
    /// Fill in `status` and `error_blame` from their stored labels; `Corrupt`
    /// (naming database `label`) for a label this binary does not know.
    pub(crate) fn with_labels(
        mut self,
        label: &str,
        status: &str,
        blame: Option<&str>,
    ) -> Result<SyncRun, StoreError> {
        let corrupt = |what, value: &str| StoreError::Corrupt {
            path: label.to_string(),
            what,
            reason: format!("{value:?} is not a known label"),
        };
        self.status = RunStatus::from_label(status).ok_or_else(|| corrupt("run status", status))?;
        self.error_blame = match blame {
            Some(b) => Some(Blame::from_label(b).ok_or_else(|| corrupt("run blame", b))?),
            None => None,
        };
        Ok(self)
    }
}

/// Sync runs.
pub trait RunStore {
    /// Record the start of a run of `instance`; returns its id.
    fn start_run(&self, instance: &str) -> Result<i64, StoreError>;

    /// Record how run `id` ended. `stats_json` must be JSON (`"{}"` for none).
    fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        blame: Option<Blame>,
        message: Option<&str>,
        stats_json: &str,
    ) -> Result<(), StoreError>;

    /// The newest `n` runs of `instance`, newest first.
    fn last_runs(&self, instance: &str, n: u32) -> Result<Vec<SyncRun>, StoreError>;
}
