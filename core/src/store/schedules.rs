//! The daemon's schedule state per instance and phase (accounts, activities,
//! posture): last start, last success, last error with its blame, next run.
//! Kept in the store so a restarted daemon keeps its rhythm and `status`
//! survives restarts. This is the interface.

use super::StoreError;
use crate::Blame;

/// Schedule state of one phase of one instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScheduleRow {
    /// Phase name (`accounts`, `activities`, `posture`).
    pub phase: String,
    /// When the phase last started, RFC 3339.
    pub last_started_at: Option<String>,
    /// When it last ended without error, RFC 3339.
    pub last_success_at: Option<String>,
    /// When it last failed, RFC 3339.
    pub last_error_at: Option<String>,
    /// Who was to blame for the last failure.
    pub last_error_blame: Option<Blame>,
    /// The last failure (cleared by a success).
    pub last_error: Option<String>,
    /// When it runs next, RFC 3339.
    pub next_run_at: Option<String>,
}

/// Schedule state.
pub trait ScheduleStore {
    /// Every phase's schedule state of `instance`, by phase name.
    fn schedule(&self, instance: &str) -> Result<Vec<ScheduleRow>, StoreError>;

    /// Record that `phase` of `instance` started now. Its next run is set to
    /// now as well, so a phase cut short by a crash is due at once when the
    /// daemon starts again.
    fn schedule_started(&self, instance: &str, phase: &str) -> Result<(), StoreError>;

    /// Record how `phase` of `instance` ended (`error`: blame and message of
    /// a failure) and when it runs next.
    fn schedule_finished(
        &self,
        instance: &str,
        phase: &str,
        error: Option<(Blame, &str)>,
        next_run_at: Option<&str>,
    ) -> Result<(), StoreError>;

    /// Set when `phase` of `instance` runs next (`None`: not scheduled).
    fn schedule_next(
        &self,
        instance: &str,
        phase: &str,
        next_run_at: Option<&str>,
    ) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use crate::Blame;
    use crate::store::StoreError;
    use crate::store::fixtures::stores_with_instance;

    #[test]
    fn a_success_clears_the_last_error_and_keeps_its_time() -> Result<(), Box<dyn std::error::Error>>
    {
        for (backend, store) in
            stores_with_instance("a_success_clears_the_last_error_and_keeps_its_time")?
        {
            println!("backend: {backend}");
            store.schedule_started("i", "accounts")?;
            store.schedule_finished(
                "i",
                "accounts",
                Some((Blame::Upstream, "503")),
                Some("2030-01-01T00:00:00Z"),
            )?;
            let row = &store.schedule("i")?[0];
            assert_eq!(row.last_error_blame, Some(Blame::Upstream));
            assert_eq!(row.last_error.as_deref(), Some("503"));
            assert!(row.last_success_at.is_none());
            store.schedule_finished("i", "accounts", None, Some("2030-01-02T00:00:00Z"))?;
            let row = &store.schedule("i")?[0];
            assert!(row.last_error.is_none() && row.last_error_blame.is_none());
            assert!(row.last_error_at.is_some() && row.last_success_at.is_some());
            assert_eq!(row.next_run_at.as_deref(), Some("2030-01-02T00:00:00Z"));
            assert!(matches!(
                store.schedule_started("nope", "accounts"),
                Err(StoreError::NotFound { .. })
            ));
        }
        Ok(())
    }
}
