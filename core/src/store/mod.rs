//! The embedded SQLite store: plugins, instances, sealed secrets, records,
//! checkpoints, findings, sync runs and the audit log.
//!
//! One connection behind a mutex, WAL journal, foreign keys on. Every write of
//! more than one row is one transaction; [`Store::commit_page`] stores a page's
//! records and its stream checkpoint together, so a crash never leaves a
//! cursor ahead of the data. The store holds only sealed secrets; see
//! [`crate::secrets`].

mod audit;
mod error;
mod findings;
mod instances;
mod open;
mod plugins;
mod queries;
mod records;
mod runs;
mod schedules;
mod schema;
mod secrets;
mod tokens;

pub use audit::{AuditEntry, MAX_AUDIT_LIMIT};
pub use error::StoreError;
pub use instances::InstanceRow;
pub use open::{DEFAULT_BUSY_TIMEOUT, STATEMENT_CACHE_CAPACITY, Store, StoreOptions};
pub use plugins::PluginRow;
pub use queries::{
    AccountQuery, AccountRow, ActivityQuery, DEFAULT_QUERY_LIMIT, InstanceCounts, MAX_QUERY_LIMIT,
};
pub use records::{Checkpoint, CommitStats};
pub use runs::{RunStatus, SyncRun};
pub use schedules::ScheduleRow;
pub use schema::{MIGRATIONS, latest_version};
pub use tokens::TokenRow;
