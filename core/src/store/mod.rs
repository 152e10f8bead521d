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
pub use records::{Checkpoint, CommitStats, DailyCap, DailyUsage};
pub use runs::{RunStatus, SyncRun};
pub use schedules::ScheduleRow;
pub use schema::{MIGRATIONS, latest_version};
pub use tokens::TokenRow;

/// Fixtures for the store's unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{InstanceRow, PluginRow, Store, StoreError};

    /// A plugin row of plugin `id` at `version`, with empty contents.
    pub fn plugin_row(id: &str, version: &str) -> PluginRow {
        PluginRow {
            id: id.into(),
            version: version.into(),
            contract: "0.1.0".into(),
            manifest: String::new(),
            wasm_sha256: String::new(),
            wasm_path: String::new(),
            grant_json: "{}".into(),
            info_json: "{}".into(),
            added_at: String::new(),
        }
    }

    /// An in-memory store with plugin `p` and its instance `i`.
    pub fn store_with_instance() -> Result<Store, StoreError> {
        let store = Store::open_in_memory()?;
        store.put_plugin(&plugin_row("p", "1"))?;
        store.add_instance(&InstanceRow {
            id: "i".into(),
            plugin_id: "p".into(),
            config_json: "{}".into(),
            upstreams_json: "{}".into(),
            enabled: true,
            created_at: String::new(),
            updated_at: String::new(),
        })?;
        Ok(store)
    }
}
