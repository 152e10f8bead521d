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

/// Records and checkpoints.
pub trait RecordStore {
    /// Store every record of `page` for `instance` and set the checkpoint of
    /// `stream` to the page's cursor, in one transaction.
    ///
    /// Idempotent: accounts, groups, memberships and role assignments are
    /// upserted on their ids (accounts keep `first_seen` and move `last_seen`),
    /// activities de-duplicate on their id. Merging, never erasing: a field an
    /// account record leaves unset (or status `unknown`, or raw `''`) keeps
    /// what a richer source stored, and raw JSON objects merge (RFC 7396).
    /// Replaying a page changes no content. If any record fails, nothing of
    /// the page is kept and the checkpoint stays where it was. `NotFound` when
    /// the instance does not exist.
    fn commit_page(
        &self,
        instance: &str,
        stream: &str,
        page: &Page,
    ) -> Result<CommitStats, StoreError>;

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
    ) -> Result<CommitStats, StoreError>;

    /// The checkpoint of `stream` of `instance`, if one was written.
    fn checkpoint(&self, instance: &str, stream: &str) -> Result<Option<Checkpoint>, StoreError>;

    /// Every checkpoint of `instance`, by stream name.
    fn checkpoints(&self, instance: &str) -> Result<Vec<(String, Checkpoint)>, StoreError>;

    /// Forget every checkpoint of `instance`, so the next scan starts from the
    /// beginning; returns how many were removed. Records are kept.
    fn reset_checkpoints(&self, instance: &str) -> Result<usize, StoreError>;
}
