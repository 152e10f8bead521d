//! Committing a page of records and its checkpoint in PostgreSQL, atomically
//! and idempotently, with the same merge rules as SQLite.
//!
//! Pages of one instance commit one at a time (a transaction-level advisory
//! lock on the instance): two streams of an instance may upsert the same
//! accounts, and without it their row locks could be taken in opposite orders
//! and deadlock. Pages of different instances commit in parallel.

use deadpool_postgres::{GenericClient, Transaction};
use tokio_postgres::Row;

use super::PgStore;
use crate::model::{Account, Activity, Group, GroupMember, Page, Record, RoleAssignment};
use crate::store::{Checkpoint, CommitStats, CommitTerms, DailyUsage, RecordStore, StoreError};

/// Class of the advisory locks that serialise one instance's page commits
/// (two-key form: class, hash of the instance id).
pub(crate) const INSTANCE_LOCK_CLASS: i32 = 0x706c_6763;

/// How one record's upsert went.
enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

impl RecordStore for PgStore {
    fn commit_page_with(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
        terms: CommitTerms<'_>,
    ) -> Result<CommitStats, StoreError> {
        self.commit(instance, stream, page, terms)
    }

    fn usage_today(&self, instance: &str) -> Result<DailyUsage, StoreError> {
        self.block(async {
            let c = self.client().await?;
            self.usage_on(&c, instance, None).await
        })
    }

    fn checkpoint(&self, instance: &str, stream: &str) -> Result<Option<Checkpoint>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let row = self
                .row(
                    &c,
                    "reading a checkpoint",
                    "SELECT cursor, in_progress, updated_at FROM checkpoints \
                     WHERE instance_id = $1 AND stream = $2",
                    &[&instance, &stream],
                )
                .await?;
            row.map(|r| checkpoint(&r, 0))
                .transpose()
                .map_err(self.on("reading a checkpoint"))
        })
    }

    fn checkpoints(&self, instance: &str) -> Result<Vec<(String, Checkpoint)>, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let rows = self
                .rows(
                    &c,
                    "listing checkpoints",
                    "SELECT cursor, in_progress, updated_at, stream FROM checkpoints \
                     WHERE instance_id = $1 ORDER BY stream",
                    &[&instance],
                )
                .await?;
            self.decode("listing checkpoints", &rows, |r| {
                Ok((r.try_get(3)?, checkpoint(r, 0)?))
            })
        })
    }

    fn reset_checkpoints(&self, instance: &str) -> Result<usize, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let n = self
                .exec(
                    &c,
                    "resetting checkpoints",
                    "DELETE FROM checkpoints WHERE instance_id = $1",
                    &[&instance],
                )
                .await?;
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        })
    }

    fn reset_checkpoint(&self, instance: &str, stream: &str) -> Result<bool, StoreError> {
        self.block(async {
            let c = self.client().await?;
            let n = self
                .exec(
                    &c,
                    "resetting a checkpoint",
                    "DELETE FROM checkpoints WHERE instance_id = $1 AND stream = $2",
                    &[&instance, &stream],
                )
                .await?;
            Ok(n > 0)
        })
    }
}

impl PgStore {
    /// Commit `page` under `terms`: the one path of every page commit.
    fn commit(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
        terms: CommitTerms<'_>,
    ) -> Result<CommitStats, StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c
                .transaction()
                .await
                .map_err(self.on("committing a page"))?;
            self.ensure_instance(&tx, instance).await?;
            // Also what makes reading and then adding to the day's usage
            // safe: no other page of this instance commits meanwhile.
            self.exec(
                &tx,
                "waiting for the instance's previous page",
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                &[&INSTANCE_LOCK_CLASS, &instance],
            )
            .await?;
            if let Some(lease) = terms.lease {
                if lease.instance != instance {
                    return Err(StoreError::lease_lost(lease, None));
                }
                self.check_fence(&tx, lease, true).await?;
            }
            let now: String = self
                .row(&tx, "reading the clock", "SELECT plugboard_now()", &[])
                .await?
                .map(|r| r.try_get(0))
                .transpose()
                .map_err(self.on("reading the clock"))?
                .unwrap_or_default();
            let day = now.get(..10).unwrap_or(&now);
            if let Some(cap) = terms.cap {
                self.usage_on(&tx, instance, Some(day))
                    .await?
                    .refuse(instance, page, cap)?;
            }
            let records = i64::try_from(page.records.len()).unwrap_or(i64::MAX);
            let bytes = i64::try_from(page.text_bytes()).unwrap_or(i64::MAX);
            self.exec(
                &tx,
                "counting the day's usage",
                "INSERT INTO usage_daily (instance_id, day, records, bytes) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (instance_id, day) DO UPDATE SET \
                 records = usage_daily.records + excluded.records, \
                 bytes = usage_daily.bytes + excluded.bytes",
                &[&instance, &day, &records, &bytes],
            )
            .await?;
            let mut stats = CommitStats::default();
            for record in &page.records {
                let outcome = match record {
                    Record::Account(a) => self.upsert_account(&tx, instance, a, &now).await,
                    Record::Group(g) => self.upsert_group(&tx, instance, g).await,
                    Record::GroupMember(m) => self.upsert_member(&tx, instance, m).await,
                    Record::RoleAssignment(r) => self.upsert_role(&tx, instance, r).await,
                    Record::Activity(a) => self.insert_activity(&tx, instance, a).await,
                }?;
                match outcome {
                    Outcome::Inserted => stats.inserted += 1,
                    Outcome::Updated => stats.updated += 1,
                    Outcome::Unchanged => stats.unchanged += 1,
                }
            }
            self.exec(
                &tx,
                "writing the checkpoint",
                "INSERT INTO checkpoints (instance_id, stream, cursor, in_progress, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instance_id, stream) DO UPDATE SET \
                 cursor = excluded.cursor, in_progress = excluded.in_progress, \
                 updated_at = excluded.updated_at",
                &[&instance, &stream, &page.cursor, &page.more, &now],
            )
            .await?;
            tx.commit().await.map_err(self.on("committing a page"))?;
            Ok(stats)
        })
    }
}

impl PgStore {
    /// What `instance` stored on `day` (`YYYY-MM-DD`, UTC; `None`: today by
    /// the database's clock).
    async fn usage_on(
        &self,
        c: &impl GenericClient,
        instance: &str,
        day: Option<&str>,
    ) -> Result<DailyUsage, StoreError> {
        let row = self
            .row(
                c,
                "reading the day's usage",
                "SELECT records, bytes FROM usage_daily \
                 WHERE instance_id = $1 AND day = COALESCE($2, left(plugboard_now(), 10))",
                &[&instance, &day],
            )
            .await?;
        let Some(row) = row else {
            return Ok(DailyUsage::default());
        };
        let n = |at: usize| {
            row.try_get::<_, i64>(at)
                .map(|v| u64::try_from(v).unwrap_or(0))
        };
        Ok(DailyUsage {
            records: n(0).map_err(self.on("reading the day's usage"))?,
            bytes: n(1).map_err(self.on("reading the day's usage"))?,
        })
    }
}

/// A checkpoint from columns `at`, `at + 1`, `at + 2`.
fn checkpoint(r: &Row, at: usize) -> Result<Checkpoint, tokio_postgres::Error> {
    Ok(Checkpoint {
        cursor: r.try_get(at)?,
        in_progress: r.try_get(at + 1)?,
        updated_at: r.try_get(at + 2)?,
    })
}

impl PgStore {
    /// Insert-or-nothing, then update-if-different: tells the three outcomes
    /// apart with at most two primary-key lookups.
    async fn upsert(
        &self,
        tx: &Transaction<'_>,
        insert: &str,
        update: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Outcome, StoreError> {
        if self.exec(tx, "storing a record", insert, params).await? > 0 {
            return Ok(Outcome::Inserted);
        }
        if self.exec(tx, "storing a record", update, params).await? > 0 {
            return Ok(Outcome::Updated);
        }
        Ok(Outcome::Unchanged)
    }

    async fn upsert_account(
        &self,
        tx: &Transaction<'_>,
        instance: &str,
        a: &Account,
        now: &str,
    ) -> Result<Outcome, StoreError> {
        let outcome = self
            .upsert(
                tx,
                "INSERT INTO accounts (instance_id, id, email, display_name, status, user_type, \
                 created_at, last_login_at, raw, first_seen, last_seen) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) ON CONFLICT DO NOTHING",
                // Merge, never erase, as in SQLite: unset fields (status
                // `unknown`, raw '') keep what is stored, raw objects merge,
                // and a merge that could pass 256 KiB keeps the newest raw
                // (the same rule on the same lengths as SQLite). Raw compares
                // as JSON, so a re-serialised equal object is no change.
                // NULLIF keeps '' from being cast even when the planner folds
                // a constant branch.
                "UPDATE accounts SET email = COALESCE($3, email), \
                 display_name = COALESCE($4, display_name), \
                 status = CASE WHEN $5 = 'unknown' THEN status ELSE $5 END, \
                 user_type = COALESCE($6, user_type), created_at = COALESCE($7, created_at), \
                 last_login_at = COALESCE($8, last_login_at), \
                 raw = CASE WHEN $9 = '' THEN raw \
                       WHEN raw = '' OR length(raw) + length($9) > 262144 THEN $9 \
                       ELSE plugboard_merge_patch(NULLIF(raw, '')::jsonb, NULLIF($9, '')::jsonb)::text \
                       END, \
                 last_seen = $10 \
                 WHERE instance_id = $1 AND id = $2 AND (email IS DISTINCT FROM COALESCE($3, email) \
                 OR display_name IS DISTINCT FROM COALESCE($4, display_name) \
                 OR status IS DISTINCT FROM (CASE WHEN $5 = 'unknown' THEN status ELSE $5 END) \
                 OR user_type IS DISTINCT FROM COALESCE($6, user_type) \
                 OR created_at IS DISTINCT FROM COALESCE($7, created_at) \
                 OR last_login_at IS DISTINCT FROM COALESCE($8, last_login_at) \
                 OR (CASE WHEN $9 = '' THEN FALSE WHEN raw = '' THEN TRUE \
                     WHEN length(raw) + length($9) > 262144 \
                     THEN NULLIF(raw, '')::jsonb IS DISTINCT FROM NULLIF($9, '')::jsonb \
                     ELSE NULLIF(raw, '')::jsonb IS DISTINCT FROM \
                     plugboard_merge_patch(NULLIF(raw, '')::jsonb, NULLIF($9, '')::jsonb) END))",
                &[
                    &instance,
                    &a.id,
                    &a.email,
                    &a.display_name,
                    &a.status.as_str(),
                    &a.user_type,
                    &a.created_at,
                    &a.last_login_at,
                    &a.raw,
                    &now,
                ],
            )
            .await?;
        if let Outcome::Unchanged = outcome {
            self.exec(
                tx,
                "storing a record",
                "UPDATE accounts SET last_seen = $3 WHERE instance_id = $1 AND id = $2",
                &[&instance, &a.id, &now],
            )
            .await?;
        }
        Ok(outcome)
    }

    async fn upsert_group(
        &self,
        tx: &Transaction<'_>,
        instance: &str,
        g: &Group,
    ) -> Result<Outcome, StoreError> {
        let count = g.member_count.map(i64::from);
        self.upsert(
            tx,
            "INSERT INTO groups (instance_id, id, name, member_count, raw) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            "UPDATE groups SET name = $3, member_count = $4, raw = $5 \
             WHERE instance_id = $1 AND id = $2 AND (name IS DISTINCT FROM $3 \
             OR member_count IS DISTINCT FROM $4 OR raw IS DISTINCT FROM $5)",
            &[&instance, &g.id, &g.name, &count, &g.raw],
        )
        .await
    }

    async fn upsert_member(
        &self,
        tx: &Transaction<'_>,
        instance: &str,
        m: &GroupMember,
    ) -> Result<Outcome, StoreError> {
        self.upsert(
            tx,
            "INSERT INTO group_members (instance_id, group_id, account_id, email) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            "UPDATE group_members SET email = $4 WHERE instance_id = $1 AND group_id = $2 \
             AND account_id = $3 AND email IS DISTINCT FROM $4",
            &[&instance, &m.group_id, &m.account_id, &m.email],
        )
        .await
    }

    async fn upsert_role(
        &self,
        tx: &Transaction<'_>,
        instance: &str,
        r: &RoleAssignment,
    ) -> Result<Outcome, StoreError> {
        self.upsert(
            tx,
            "INSERT INTO role_assignments (instance_id, role_id, account_id, role_name, email, \
             privileged, raw) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            "UPDATE role_assignments SET role_name = $4, email = $5, privileged = $6, raw = $7 \
             WHERE instance_id = $1 AND role_id = $2 AND account_id = $3 \
             AND (role_name IS DISTINCT FROM $4 OR email IS DISTINCT FROM $5 \
             OR privileged IS DISTINCT FROM $6 OR raw IS DISTINCT FROM $7)",
            &[
                &instance,
                &r.role_id,
                &r.account_id,
                &r.role_name,
                &r.email,
                &r.privileged,
                &r.raw,
            ],
        )
        .await
    }

    async fn insert_activity(
        &self,
        tx: &impl GenericClient,
        instance: &str,
        a: &Activity,
    ) -> Result<Outcome, StoreError> {
        let inserted = self
            .exec(
                tx,
                "storing a record",
                "INSERT INTO activities (instance_id, id, occurred_at, actor, actor_ip, action, \
                 category, target, outcome, raw) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                &[
                    &instance,
                    &a.id,
                    &a.occurred_at,
                    &a.actor,
                    &a.actor_ip,
                    &a.action,
                    &a.category,
                    &a.target,
                    &a.outcome,
                    &a.raw,
                ],
            )
            .await?;
        Ok(if inserted > 0 {
            Outcome::Inserted
        } else {
            Outcome::Unchanged
        })
    }
}
