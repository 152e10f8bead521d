//! The store: plugins (and their pending upgrades), instances, sealed secrets, consent-flow connections, records, checkpoints,
//! findings, sync runs, schedules, API tokens, console sessions and the audit log.
//!
//! Two backends behind one interface ([`Backend`], reached through [`Store`]):
//! - **SQLite** (`sqlite/`), the embedded default: one file under
//!   `$PLUGBOARD_HOME`, one connection behind a mutex, WAL journal.
//! - **PostgreSQL** (`postgres/`), chosen with `--database postgres://…`, so
//!   several `plugboard serve` nodes can share one database.
//!
//! Both keep the same promises, and the same test suite holds them to it:
//! every write of more than one row is one transaction;
//! [`RecordStore::commit_page`] stores a page's records and its stream
//! checkpoint together, so a crash never leaves a cursor ahead of the data;
//! every page commit goes through [`RecordStore::commit_page_with`], which
//! checks the writer's lease and the instance's daily write cap in the
//! page's own transaction and counts what it stores towards the day;
//! an added plugin version is never replaced; upserts are idempotent and merge rather than erase; activities
//! de-duplicate on their id; migrations are numbered the same in both and are
//! applied in one transaction, refusing a database newer than the binary.
//!
//! Threat: the database is where credentials rest, and a PostgreSQL database
//! is often shared and backed up elsewhere. Decision: backends only ever see
//! sealed secrets ([`SecretStore`] seals and opens on the caller's side, see
//! [`crate::secrets`]), and no error, `Debug` output or label names a
//! database password: a PostgreSQL database is shown as
//! `postgres://user@host:port/name`.

mod audit;
mod connections;
mod error;
mod findings;
mod instances;
mod leases;
mod nodes;
mod pending;
mod plugins;
mod postgres;
mod provenance;
mod queries;
mod records;
mod runs;
mod schedules;
mod secrets;
mod sessions;
mod sqlite;
mod tokens;

use std::ops::Deref;
use std::path::Path;

pub use audit::{AuditEntry, AuditStore, MAX_AUDIT_LIMIT};
pub use connections::{
    ConnectionRow, ConnectionStatus, ConnectionStore, SealedConnection, refresh_token_name,
};
pub use error::StoreError;
pub use findings::FindingStore;
pub use instances::{InstanceRow, InstanceStore};
pub use leases::{Lease, LeaseStore};
pub use nodes::{Change, Changes, NodeRow, NodeStore};
pub use pending::{PendingStore, PendingUpgrade};
pub use plugins::{PluginRow, PluginStore};
pub use postgres::{DEFAULT_POOL_SIZE, PgOptions};
pub use provenance::{PluginOrigin, ProvenanceStore, TrustedKey};
pub use queries::{
    AccountQuery, AccountRow, ActivityQuery, DEFAULT_QUERY_LIMIT, GroupQuery, GroupRow,
    InstanceCounts, MAX_QUERY_LIMIT, MemberQuery, MemberRow, QueryStore, RoleQuery, RoleRow,
};
pub use records::{Checkpoint, CommitStats, CommitTerms, DailyCap, DailyUsage, RecordStore};
pub use runs::{RunStatus, RunStore, SyncRun};
pub use schedules::{ScheduleRow, ScheduleStore};
pub use secrets::{Reseal, SecretStore};
pub use sessions::{SessionRow, SessionRules, SessionStore};
pub use sqlite::{DEFAULT_BUSY_TIMEOUT, STATEMENT_CACHE_CAPACITY, StoreOptions, latest_version};
pub use tokens::{TokenRow, TokenStore};

/// Which database a store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl BackendKind {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Sqlite => "sqlite",
            BackendKind::Postgres => "postgres",
        }
    }
}

/// Everything a store backend does. Each part is its own trait, documented
/// where its row types live; callers use them through [`Store`] without
/// importing any.
pub trait Backend:
    RecordStore
    + InstanceStore
    + PluginStore
    + ProvenanceStore
    + PendingStore
    + RunStore
    + ScheduleStore
    + SecretStore
    + ConnectionStore
    + TokenStore
    + SessionStore
    + AuditStore
    + FindingStore
    + QueryStore
    + LeaseStore
    + NodeStore
    + Send
    + Sync
    + std::fmt::Debug
{
    /// Which database this is.
    fn kind(&self) -> BackendKind;

    /// The database as shown in messages: the SQLite file's path, or
    /// `postgres://user@host:port/name` (never the password).
    fn label(&self) -> &str;

    /// The SQLite database file, or `None` (in memory, or PostgreSQL).
    fn path(&self) -> Option<&Path>;

    /// The schema version the database is at.
    fn schema_version(&self) -> Result<i64, StoreError>;
}

/// The store, whichever backend holds it. Every operation of [`Backend`] is
/// called on it directly (`store.commit_page(…)`).
///
/// Calls are blocking and short; async callers may call directly (a call
/// blocks the calling thread like any short lock) or through `spawn_blocking`.
/// The PostgreSQL backend drives its connections on a small runtime of its
/// own, so it may be called from inside any Tokio runtime.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.backend.fmt(f)
    }
}

impl Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.backend
    }
}

impl Store {
    /// Open (creating if needed) the SQLite database at `path` with default
    /// [`StoreOptions`], and migrate it to the newest schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Self::open_with(path, StoreOptions::default())
    }

    /// Open the SQLite database at `path` with explicit options. WAL journal,
    /// foreign keys on, and a busy timeout; refuses a database whose schema is
    /// newer than this binary's. A new database file is created with mode
    /// 0600 (on Unix), and so are its `-wal` and `-shm` files.
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Store, StoreError> {
        Ok(Store::from_backend(sqlite::SqliteStore::open_with(
            path, options,
        )?))
    }

    /// A private in-memory SQLite database, migrated; for tests and dry runs.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        Ok(Store::from_backend(sqlite::SqliteStore::open_in_memory()?))
    }

    /// Connect to the PostgreSQL database at `url` (`postgres://…` or
    /// `postgresql://…`) with default [`PgOptions`], and migrate it to the
    /// newest schema. Fails at once when the server cannot be reached.
    pub fn connect(url: &str) -> Result<Store, StoreError> {
        Self::connect_with(url, PgOptions::default())
    }

    /// Connect to PostgreSQL with explicit options.
    pub fn connect_with(url: &str, options: PgOptions) -> Result<Store, StoreError> {
        Ok(Store::from_backend(postgres::PgStore::connect(
            url, options,
        )?))
    }

    /// The schema version of the SQLite database at `path`, read without
    /// creating, changing or migrating it (`plugboard doctor`): `None` when
    /// there is no database file. Compare with [`latest_version`].
    pub fn peek_sqlite_version(path: &Path) -> Result<Option<i64>, StoreError> {
        sqlite::SqliteStore::peek_version(path)
    }

    /// The schema version of the PostgreSQL database at `url`, read without
    /// migrating it: 0 when no Plugboard schema was ever applied.
    pub fn peek_postgres_version(url: &str) -> Result<i64, StoreError> {
        postgres::PgStore::peek_version(url, PgOptions::default())
    }

    fn from_backend(backend: impl Backend + 'static) -> Store {
        Store {
            backend: Box::new(backend),
        }
    }
}

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

    /// An empty store of each backend, named: in-memory SQLite, and a fresh
    /// database of this test binary's PostgreSQL cluster (named after `test`).
    pub fn stores(test: &str) -> Result<Vec<(&'static str, Store)>, Box<dyn std::error::Error>> {
        let url = plugboard_pgcluster::database(test)?;
        Ok(vec![
            ("sqlite", Store::open_in_memory()?),
            ("postgres", Store::connect(&url)?),
        ])
    }

    /// Each store of [`stores`] with plugin `p` and its instance `i`.
    pub fn stores_with_instance(
        test: &str,
    ) -> Result<Vec<(&'static str, Store)>, Box<dyn std::error::Error>> {
        let stores = stores(test)?;
        for (_, store) in &stores {
            with_instance(store)?;
        }
        Ok(stores)
    }

    fn with_instance(store: &Store) -> Result<(), StoreError> {
        store.put_plugin(&plugin_row("p", "1"))?;
        store.add_instance(&InstanceRow {
            id: "i".into(),
            plugin_id: "p".into(),
            config_json: "{}".into(),
            upstreams_json: "{}".into(),
            enabled: true,
            created_at: String::new(),
            updated_at: String::new(),
        })
    }
}
