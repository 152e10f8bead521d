//! The embedded SQLite backend: opening the database, its connection
//! settings, and shared helpers. One connection behind a mutex, WAL journal,
//! foreign keys on; every multi-row write is an immediate transaction, so a
//! busy database fails at the start rather than midway.

mod audit;
mod connections;
mod findings;
mod instances;
mod leases;
mod nodes;
mod pending;
mod plugins;
mod provenance;
mod queries;
mod records;
mod runs;
mod schedules;
mod schema;
mod secrets;
mod sessions;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

#[cfg(test)]
pub(crate) use schema::MIGRATIONS;
pub use schema::latest_version;

use crate::store::{Backend, BackendKind, StoreError};

/// How long a statement waits for another connection's lock before failing
/// with [`StoreError::Busy`]. Our own writes are short (one page, a few ms), so
/// five seconds only runs out when another process holds the database.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection. `commit_page` alone uses about a
/// dozen; the queries another dozen or so. Beyond this, the least recently used
/// is re-prepared.
pub const STATEMENT_CACHE_CAPACITY: usize = 64;

/// Label used in messages for an in-memory database.
const IN_MEMORY_LABEL: &str = ":memory:";

/// Settings for [`crate::store::Store::open_with`]. `Default` is the production setting:
/// busy timeout [`DEFAULT_BUSY_TIMEOUT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// How long to wait for another connection's lock.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: DEFAULT_BUSY_TIMEOUT,
        }
    }
}

impl StoreOptions {
    /// Set the busy timeout.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }
}

/// The embedded SQLite store: one connection behind a mutex.
pub(crate) struct SqliteStore {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    label: String,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.label)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Open with explicit options. WAL journal, foreign keys on, and a busy
    /// timeout; refuses a database whose schema is newer than this binary's.
    /// A new database file is created with mode 0600 (on Unix), and so are
    /// its `-wal` and `-shm` files.
    pub(crate) fn open_with(path: &Path, options: StoreOptions) -> Result<SqliteStore, StoreError> {
        let label = path.display().to_string();
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = dir
            && !dir.is_dir()
        {
            return Err(StoreError::CannotOpen {
                path: label,
                reason: format!("directory {} does not exist", dir.display()),
            });
        }
        create_private(path).map_err(|e| StoreError::CannotOpen {
            path: label.clone(),
            reason: e.to_string(),
        })?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::sqlite(&label, "opening", e))?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
            path: Some(path.to_path_buf()),
            label,
        };
        store.configure(options, true)?;
        Ok(store)
    }

    /// The schema version of the database file at `path`, read through a
    /// read-only connection that neither creates nor migrates it: `None`
    /// when there is no file.
    pub(crate) fn peek_version(path: &Path) -> Result<Option<i64>, StoreError> {
        let label = path.display().to_string();
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::CannotOpen {
                    path: label,
                    reason: e.to_string(),
                });
            }
            Ok(_) => {}
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| StoreError::sqlite(&label, "opening", e))?;
        schema::user_version(&conn)
            .map(Some)
            .map_err(|e| StoreError::sqlite(&label, "reading the schema version", e))
    }

    /// A private in-memory database, migrated; for tests and dry runs.
    pub(crate) fn open_in_memory() -> Result<SqliteStore, StoreError> {
        let conn = Connection::open_in_memory()
            .map_err(|e| StoreError::sqlite(IN_MEMORY_LABEL, "opening", e))?;
        let store = SqliteStore {
            conn: Mutex::new(conn),
            path: None,
            label: IN_MEMORY_LABEL.to_string(),
        };
        store.configure(StoreOptions::default(), false)?;
        Ok(store)
    }

    fn configure(&self, options: StoreOptions, wal: bool) -> Result<(), StoreError> {
        let mut conn = self.conn();
        conn.busy_timeout(options.busy_timeout)
            .map_err(|e| self.err("setting the busy timeout", e))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        if wal {
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(|e| self.err("enabling WAL", e))?;
            // In WAL mode NORMAL is durable against application crashes and
            // avoids an fsync per commit.
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(|e| self.err("setting synchronous", e))?;
        }
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| self.err("enabling foreign keys", e))?;
        schema::migrate(&mut conn, &self.label)
    }

    /// The connection. A poisoned lock is recovered: any transaction the
    /// panicking thread held was rolled back when it dropped.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Classify a SQLite error for this database.
    pub(crate) fn err(&self, action: &'static str, e: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.label, action, e)
    }

    /// An error-mapping closure for `map_err`.
    pub(crate) fn on(&self, action: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| self.err(action, e)
    }
}

impl Backend for SqliteStore {
    fn kind(&self) -> BackendKind {
        BackendKind::Sqlite
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn schema_version(&self) -> Result<i64, StoreError> {
        let conn = self.conn();
        schema::user_version(&conn).map_err(|e| self.err("reading the schema version", e))
    }
}

/// Create the database file empty with mode 0600 when it does not exist, so
/// that SQLite, which gives its `-wal` and `-shm` files the mode of the
/// database file, never creates any of them readable by other users. An
/// existing file is left as it is.
#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn create_private(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Begin a write transaction that takes the write lock at once, so a busy
/// database fails at the start rather than midway.
pub(crate) fn write_tx<'c>(
    store: &SqliteStore,
    conn: &'c mut Connection,
    action: &'static str,
) -> Result<Transaction<'c>, StoreError> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(store.on(action))
}

/// Fail with [`StoreError::NotFound`] unless instance `id` exists.
pub(crate) fn ensure_instance(
    store: &SqliteStore,
    conn: &Connection,
    id: &str,
) -> Result<(), StoreError> {
    let exists: bool = conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM instances WHERE id = ?1)")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .map_err(store.on("looking up the instance"))?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            what: "instance",
            id: id.to_string(),
        })
    }
}

/// SQL expression for "now" as RFC 3339 UTC with milliseconds, e.g.
/// `2026-05-01T12:00:00.123Z`; a macro so `concat!` can splice it into
/// statement text.
macro_rules! now_sql {
    () => {
        "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    };
}
pub(crate) use now_sql;
