//! Committing a page of records and its checkpoint, atomically and idempotently.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::leases::check_fence;
use super::{SqliteStore, ensure_instance, now_sql, write_tx};
use crate::model::{Account, Activity, Group, GroupMember, Page, Record, RoleAssignment};
use crate::store::{Checkpoint, CommitStats, CommitTerms, DailyUsage, RecordStore, StoreError};

/// How one record's upsert went.
enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

impl RecordStore for SqliteStore {
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
        let conn = self.conn();
        let day: String = conn
            .query_row("SELECT date('now')", [], |r| r.get(0))
            .map_err(self.on("reading the clock"))?;
        usage_on(&conn, instance, &day).map_err(self.on("reading the day's usage"))
    }

    /// The checkpoint of `stream` of `instance`, if one was written.
    fn checkpoint(&self, instance: &str, stream: &str) -> Result<Option<Checkpoint>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT cursor, in_progress, updated_at FROM checkpoints \
             WHERE instance_id = ?1 AND stream = ?2",
        )
        .and_then(|mut s| {
            s.query_row([instance, stream], |r| {
                Ok(Checkpoint {
                    cursor: r.get(0)?,
                    in_progress: r.get(1)?,
                    updated_at: r.get(2)?,
                })
            })
            .optional()
        })
        .map_err(self.on("reading a checkpoint"))
    }

    /// Every checkpoint of `instance`, by stream name.
    fn checkpoints(&self, instance: &str) -> Result<Vec<(String, Checkpoint)>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(
            "SELECT stream, cursor, in_progress, updated_at FROM checkpoints \
             WHERE instance_id = ?1 ORDER BY stream",
        )
        .and_then(|mut s| {
            s.query_map([instance], |r| {
                let cp = Checkpoint {
                    cursor: r.get(1)?,
                    in_progress: r.get(2)?,
                    updated_at: r.get(3)?,
                };
                Ok((r.get(0)?, cp))
            })?
            .collect()
        })
        .map_err(self.on("listing checkpoints"))
    }

    /// Forget every checkpoint of `instance`, so the next scan starts from the
    /// beginning; returns how many were removed. Records are kept.
    fn reset_checkpoints(&self, instance: &str) -> Result<usize, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("DELETE FROM checkpoints WHERE instance_id = ?1")
            .and_then(|mut s| s.execute([instance]))
            .map_err(self.on("resetting checkpoints"))
    }

    fn reset_checkpoint(&self, instance: &str, stream: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        conn.prepare_cached("DELETE FROM checkpoints WHERE instance_id = ?1 AND stream = ?2")
            .and_then(|mut s| s.execute([instance, stream]))
            .map(|n| n > 0)
            .map_err(self.on("resetting a checkpoint"))
    }
}

impl SqliteStore {
    /// Commit `page` under `terms`: the one path of every page commit.
    fn commit(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
        terms: CommitTerms<'_>,
    ) -> Result<CommitStats, StoreError> {
        let mut conn = self.conn();
        let tx = write_tx(self, &mut conn, "committing a page")?;
        ensure_instance(self, &tx, instance)?;
        if let Some(lease) = terms.lease {
            if lease.instance != instance {
                return Err(StoreError::lease_lost(lease, None));
            }
            check_fence(self, &tx, lease)?;
        }
        let now: String = tx
            .query_row(concat!("SELECT ", now_sql!()), [], |r| r.get(0))
            .map_err(self.on("reading the clock"))?;
        let day = now.get(..10).unwrap_or(&now);
        if let Some(cap) = terms.cap {
            usage_on(&tx, instance, day)
                .map_err(self.on("reading the day's usage"))?
                .refuse(instance, page, cap)?;
        }
        tx.prepare_cached(
            "INSERT INTO usage_daily (instance_id, day, records, bytes) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (instance_id, day) DO UPDATE SET \
             records = records + excluded.records, bytes = bytes + excluded.bytes",
        )
        .and_then(|mut s| {
            s.execute(params![
                instance,
                day,
                i64::try_from(page.records.len()).unwrap_or(i64::MAX),
                i64::try_from(page.text_bytes()).unwrap_or(i64::MAX)
            ])
        })
        .map_err(self.on("counting the day's usage"))?;
        let mut stats = CommitStats::default();
        for record in &page.records {
            let outcome = match record {
                Record::Account(a) => upsert_account(&tx, instance, a, &now),
                Record::Group(g) => upsert_group(&tx, instance, g),
                Record::GroupMember(m) => upsert_member(&tx, instance, m),
                Record::RoleAssignment(r) => upsert_role(&tx, instance, r),
                Record::Activity(a) => insert_activity(&tx, instance, a),
            }
            .map_err(self.on("storing a record"))?;
            match outcome {
                Outcome::Inserted => stats.inserted += 1,
                Outcome::Updated => stats.updated += 1,
                Outcome::Unchanged => stats.unchanged += 1,
            }
        }
        tx.prepare_cached(
            "INSERT INTO checkpoints (instance_id, stream, cursor, in_progress, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (instance_id, stream) DO UPDATE SET \
             cursor = excluded.cursor, in_progress = excluded.in_progress, \
             updated_at = excluded.updated_at",
        )
        .and_then(|mut s| s.execute(params![instance, stream, page.cursor, page.more, now]))
        .map_err(self.on("writing the checkpoint"))?;
        tx.commit().map_err(self.on("committing a page"))?;
        Ok(stats)
    }
}

/// What `instance` stored on `day` (`YYYY-MM-DD`, UTC).
fn usage_on(conn: &Connection, instance: &str, day: &str) -> rusqlite::Result<DailyUsage> {
    conn.prepare_cached(
        "SELECT records, bytes FROM usage_daily WHERE instance_id = ?1 AND day = ?2",
    )?
    .query_row(params![instance, day], |r| {
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(DailyUsage {
            records: n(r.get(0)?),
            bytes: n(r.get(1)?),
        })
    })
    .optional()
    .map(Option::unwrap_or_default)
}

/// Insert-or-nothing, then update-if-different: tells the three outcomes apart
/// with at most two primary-key lookups.
fn upsert(
    tx: &Transaction<'_>,
    insert: &str,
    update: &str,
    params: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<Outcome> {
    if tx.prepare_cached(insert)?.execute(params)? > 0 {
        return Ok(Outcome::Inserted);
    }
    if tx.prepare_cached(update)?.execute(params)? > 0 {
        return Ok(Outcome::Updated);
    }
    Ok(Outcome::Unchanged)
}

fn upsert_account(
    tx: &Transaction<'_>,
    instance: &str,
    a: &Account,
    now: &str,
) -> rusqlite::Result<Outcome> {
    let outcome = upsert(
        tx,
        "INSERT INTO accounts (instance_id, id, email, display_name, status, user_type, \
         created_at, last_login_at, raw, first_seen, last_seen) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10) ON CONFLICT DO NOTHING",
        // Merge, never erase: a field the new record leaves unset (or status
        // `unknown`, or raw `''`) keeps what a richer source stored, and raw
        // JSON objects are merged (RFC 7396). Accounts seen in two streams
        // (a directory listing and activity callers) thus combine. A merge
        // that could pass 256 KiB (the host's limit on one record's raw)
        // keeps the newest raw instead, so a plugin cannot grow one row
        // without bound by sending new keys page after page.
        "UPDATE accounts SET email = COALESCE(?3, email), display_name = COALESCE(?4, display_name), \
         status = CASE WHEN ?5 = 'unknown' THEN status ELSE ?5 END, \
         user_type = COALESCE(?6, user_type), created_at = COALESCE(?7, created_at), \
         last_login_at = COALESCE(?8, last_login_at), \
         raw = CASE WHEN ?9 = '' THEN raw WHEN raw = '' OR length(raw) + length(?9) > 262144 THEN ?9 ELSE json_patch(raw, ?9) END, \
         last_seen = ?10 \
         WHERE instance_id = ?1 AND id = ?2 AND (email IS NOT COALESCE(?3, email) \
         OR display_name IS NOT COALESCE(?4, display_name) \
         OR status IS NOT (CASE WHEN ?5 = 'unknown' THEN status ELSE ?5 END) \
         OR user_type IS NOT COALESCE(?6, user_type) OR created_at IS NOT COALESCE(?7, created_at) \
         OR last_login_at IS NOT COALESCE(?8, last_login_at) \
         OR raw IS NOT (CASE WHEN ?9 = '' THEN raw WHEN raw = '' OR length(raw) + length(?9) > 262144 THEN ?9 ELSE json_patch(raw, ?9) END))",
        params![
            instance,
            a.id,
            a.email,
            a.display_name,
            a.status.as_str(),
            a.user_type,
            a.created_at,
            a.last_login_at,
            a.raw,
            now
        ],
    )?;
    if let Outcome::Unchanged = outcome {
        tx.prepare_cached("UPDATE accounts SET last_seen = ?3 WHERE instance_id = ?1 AND id = ?2")?
            .execute(params![instance, a.id, now])?;
    }
    Ok(outcome)
}

fn upsert_group(tx: &Transaction<'_>, instance: &str, g: &Group) -> rusqlite::Result<Outcome> {
    upsert(
        tx,
        "INSERT INTO groups (instance_id, id, name, member_count, raw) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        "UPDATE groups SET name = ?3, member_count = ?4, raw = ?5 \
         WHERE instance_id = ?1 AND id = ?2 \
         AND (name IS NOT ?3 OR member_count IS NOT ?4 OR raw IS NOT ?5)",
        params![instance, g.id, g.name, g.member_count, g.raw],
    )
}

fn upsert_member(
    tx: &Transaction<'_>,
    instance: &str,
    m: &GroupMember,
) -> rusqlite::Result<Outcome> {
    upsert(
        tx,
        "INSERT INTO group_members (instance_id, group_id, account_id, email) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        "UPDATE group_members SET email = ?4 \
         WHERE instance_id = ?1 AND group_id = ?2 AND account_id = ?3 AND email IS NOT ?4",
        params![instance, m.group_id, m.account_id, m.email],
    )
}

fn upsert_role(
    tx: &Transaction<'_>,
    instance: &str,
    r: &RoleAssignment,
) -> rusqlite::Result<Outcome> {
    upsert(
        tx,
        "INSERT INTO role_assignments (instance_id, role_id, account_id, role_name, email, \
         privileged, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        "UPDATE role_assignments SET role_name = ?4, email = ?5, privileged = ?6, raw = ?7 \
         WHERE instance_id = ?1 AND role_id = ?2 AND account_id = ?3 \
         AND (role_name IS NOT ?4 OR email IS NOT ?5 OR privileged IS NOT ?6 OR raw IS NOT ?7)",
        params![
            instance,
            r.role_id,
            r.account_id,
            r.role_name,
            r.email,
            r.privileged,
            r.raw
        ],
    )
}

fn insert_activity(
    tx: &Transaction<'_>,
    instance: &str,
    a: &Activity,
) -> rusqlite::Result<Outcome> {
    let inserted = tx
        .prepare_cached(
            "INSERT INTO activities (instance_id, id, occurred_at, actor, actor_ip, action, \
             category, target, outcome, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            instance,
            a.id,
            a.occurred_at,
            a.actor,
            a.actor_ip,
            a.action,
            a.category,
            a.target,
            a.outcome,
            a.raw
        ])?;
    Ok(if inserted > 0 {
        Outcome::Inserted
    } else {
        Outcome::Unchanged
    })
}
