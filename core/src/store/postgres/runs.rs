//! Sync runs in PostgreSQL.

use super::PgStore;
use crate::Blame;
use crate::store::{Backend, RunStatus, RunStore, StoreError, SyncRun};

impl RunStore for PgStore {
    fn start_run(&self, instance: &str) -> Result<i64, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row_for_instance(
                    &c,
                    "starting a run",
                    instance,
                    "INSERT INTO sync_runs (instance_id, started_at, status) \
                     VALUES ($1, plugboard_now(), 'running') RETURNING id",
                    &[&instance],
                )
                .await?;
            match row {
                Some(r) => r.try_get(0).map_err(self.on("starting a run")),
                None => Err(self.fault("starting a run", "the insert returned no id")),
            }
        })
    }

    fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        blame: Option<Blame>,
        message: Option<&str>,
        stats_json: &str,
    ) -> Result<(), StoreError> {
        self.block(async {
            let c = self.client().await?;
            let changed = self
                .exec(
                    &c,
                    "finishing a run",
                    "UPDATE sync_runs SET finished_at = plugboard_now(), status = $2, \
                     error_blame = $3, error_message = $4, stats_json = $5 WHERE id = $1",
                    &[
                        &id,
                        &status.as_str(),
                        &blame.map(Blame::as_str),
                        &message,
                        &stats_json,
                    ],
                )
                .await?;
            if changed == 0 {
                return Err(StoreError::NotFound {
                    what: "sync run",
                    id: id.to_string(),
                });
            }
            Ok(())
        })
    }

    fn last_runs(&self, instance: &str, n: u32) -> Result<Vec<SyncRun>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing runs",
                    "SELECT id, instance_id, started_at, finished_at, status, error_blame, \
                     error_message, stats_json FROM sync_runs WHERE instance_id = $1 \
                     ORDER BY id DESC LIMIT $2",
                    &[&instance, &i64::from(n)],
                )
                .await?;
            let decoded = self.decode("listing runs", &rows, |r| {
                let run = SyncRun {
                    id: r.try_get(0)?,
                    instance_id: r.try_get(1)?,
                    started_at: r.try_get(2)?,
                    finished_at: r.try_get(3)?,
                    status: RunStatus::Running,
                    error_blame: None,
                    error_message: r.try_get(6)?,
                    stats_json: r.try_get(7)?,
                };
                let status: String = r.try_get(4)?;
                let blame: Option<String> = r.try_get(5)?;
                Ok((run, status, blame))
            })?;
            decoded
                .into_iter()
                .map(|(run, status, blame)| {
                    run.with_labels(self.label(), &status, blame.as_deref())
                })
                .collect()
        })
    }
}
