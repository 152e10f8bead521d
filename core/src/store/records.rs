//! Committing pages of records with their stream checkpoint: the interface.

use super::{Lease, StoreError};
use crate::model::Page;

/// What committing one page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitStats {
    /// Records not stored before.
    pub inserted: usize,
    /// Records stored before whose content changed.
    pub updated: usize,
    /// Records stored before with the same content (replays, duplicate activities).
    pub unchanged: usize,
}

impl CommitStats {
    /// Add another page's numbers to these.
    pub fn add(&mut self, other: CommitStats) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
    }
}

/// Where a stream stopped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// The cursor to resume from (`None` = from the beginning).
    pub cursor: Option<String>,
    /// True when the stream stopped mid-way (the page said `more`): resume with
    /// `cursor`. False when it finished: `cursor` starts the next incremental run.
    pub in_progress: bool,
    /// When it was written, RFC 3339.
    pub updated_at: String,
}

/// The most one instance may store per UTC day; a page that would pass it
/// is refused whole (blame: plugin), and the stream's checkpoint stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyCap {
    /// Records per day.
    pub records: u64,
    /// Bytes of record text per day ([`Page::text_bytes`]).
    pub bytes: u64,
}

/// What one instance stored on one UTC day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DailyUsage {
    /// Records committed (replays included: each costs a write).
    pub records: u64,
    /// Bytes of record text committed.
    pub bytes: u64,
}

/// What a page's commit must respect besides its data, checked in the page's
/// own transaction: a daily write cap, and the lease of the node writing it.
/// `Default` is neither.
#[derive(Debug, Clone, Copy, Default)]
pub struct CommitTerms<'a> {
    /// Refuse the page (`DailyCapReached`) when it would take the instance
    /// past this cap today.
    pub cap: Option<DailyCap>,
    /// Refuse the page (`LeaseLost`) unless this is still the instance's
    /// current lease: the same node with the same fencing token.
    pub lease: Option<&'a Lease>,
}

impl DailyUsage {
    /// The first of records and bytes in which `page` would take this
    /// day's usage of `instance` past `cap`, as the error to return.
    pub(crate) fn refuse(
        self,
        instance: &str,
        page: &Page,
        cap: DailyCap,
    ) -> Result<(), StoreError> {
        for (what, used, page, cap) in [
            (
                "records",
                self.records,
                page.records.len() as u64,
                cap.records,
            ),
            ("bytes", self.bytes, page.text_bytes(), cap.bytes),
        ] {
            if used.saturating_add(page) > cap {
                return Err(StoreError::DailyCapReached {
                    instance: instance.to_string(),
                    what,
                    used,
                    page,
                    cap,
                });
            }
        }
        Ok(())
    }
}

/// Records and checkpoints.
pub trait RecordStore {
    /// Store every record of `page` for `instance` and set the checkpoint of
    /// `stream` to the page's cursor, in one transaction, under `terms`.
    ///
    /// Idempotent: accounts, groups, memberships and role assignments are
    /// upserted on their ids (accounts keep `first_seen` and move `last_seen`),
    /// activities de-duplicate on their id. Merging, never erasing: a field an
    /// account record leaves unset (or status `unknown`, or raw `''`) keeps
    /// what a richer source stored, and raw JSON objects merge (RFC 7396).
    /// Replaying a page changes no content. Every committed page counts
    /// towards the instance's usage of the day (UTC), capped or not. If any
    /// record fails, or the page breaks `terms`, nothing of the page is kept,
    /// its usage is not counted and the checkpoint stays where it was.
    /// `NotFound` when the instance does not exist; `LeaseLost` (naming the
    /// new holder) when `terms.lease` is no longer current;
    /// `DailyCapReached` (blame: plugin) when the page would pass `terms.cap`.
    fn commit_page_with(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
        terms: CommitTerms<'_>,
    ) -> Result<CommitStats, StoreError>;

    /// [`RecordStore::commit_page_with`] with no cap and no lease.
    fn commit_page(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
    ) -> Result<CommitStats, StoreError> {
        self.commit_page_with(instance, stream, page, CommitTerms::default())
    }

    /// [`RecordStore::commit_page`], refusing the page (nothing stored,
    /// checkpoint unchanged) when it would take `instance` past `cap` today.
    fn commit_page_capped(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
        cap: Option<DailyCap>,
    ) -> Result<CommitStats, StoreError> {
        let terms = CommitTerms { cap, lease: None };
        self.commit_page_with(instance, stream, page, terms)
    }

    /// [`RecordStore::commit_page`], only while `lease` is still the
    /// instance's current lease: the same node with the same fencing token,
    /// checked in the page's own transaction. Otherwise `LeaseLost` (naming
    /// the new holder) and nothing of the page is stored.
    fn commit_page_fenced(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
        lease: &Lease,
    ) -> Result<CommitStats, StoreError> {
        let terms = CommitTerms {
            cap: None,
            lease: Some(lease),
        };
        self.commit_page_with(instance, stream, page, terms)
    }

    /// What `instance` stored today (UTC): zero when nothing yet, or when
    /// there is no such instance.
    fn usage_today(&self, instance: &str) -> Result<DailyUsage, StoreError>;

    /// The checkpoint of `stream` of `instance`, if one was written.
    fn checkpoint(&self, instance: &str, stream: &str) -> Result<Option<Checkpoint>, StoreError>;

    /// Every checkpoint of `instance`, by stream name.
    fn checkpoints(&self, instance: &str) -> Result<Vec<(String, Checkpoint)>, StoreError>;

    /// Forget every checkpoint of `instance`, so the next scan starts from the
    /// beginning; returns how many were removed. Records are kept.
    fn reset_checkpoints(&self, instance: &str) -> Result<usize, StoreError>;

    /// Forget the checkpoint of `stream` of `instance` only (`scan --full
    /// --stream NAME`); true when there was one. Records are kept.
    fn reset_checkpoint(&self, instance: &str, stream: &str) -> Result<bool, StoreError>;
}
