//! [`StoreError`]: what went wrong with the database, whose fault it is, and what to do.

use rusqlite::ErrorCode;

use crate::Blame;
use crate::secrets::SecretError;

/// A store failure. Messages name the database (a file, or a PostgreSQL URL
/// without its password) and say what to do; they never contain secret
/// values or database passwords.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another connection holds the write lock past the busy timeout.
    #[error(
        "another plugboard process holds {path} (database is locked); \
         stop it or use a different --home"
    )]
    Busy {
        /// The database file.
        path: String,
    },
    /// The database was written by a newer plugboard.
    #[error(
        "{path} has schema version {found}, but this plugboard knows only up to {known}; \
         upgrade plugboard or use a different {elsewhere}"
    )]
    NewerSchema {
        /// The database file or URL.
        path: String,
        /// The option that picks another database (`--home`, `--database`).
        elsewhere: &'static str,
        /// Its `user_version`.
        found: i64,
        /// The newest version this binary can migrate to.
        known: i64,
    },
    /// The database file or its directory cannot be opened or created.
    #[error(
        "cannot open database {path}: {reason}; check that the directory exists and is \
         writable by this user, or use a different --home"
    )]
    CannotOpen {
        /// The database file.
        path: String,
        /// Why, in words.
        reason: String,
    },
    /// The file is not an SQLite database, or it is damaged (truncated,
    /// overwritten): SQLite's "not a database" and "malformed" errors.
    #[error(
        "{path} is not a plugboard database (or it is damaged); \
         move it aside or use a different --home"
    )]
    NotADatabase {
        /// The database file.
        path: String,
    },
    /// Something with this id already exists.
    #[error("{what} {id:?} already exists; choose another id or remove the existing one first")]
    AlreadyExists {
        /// What kind of thing ("instance", "plugin").
        what: &'static str,
        id: String,
    },
    /// Something with this id does not exist.
    #[error("{what} {id:?} does not exist")]
    NotFound {
        /// What kind of thing ("instance", "plugin", "sync run").
        what: &'static str,
        id: String,
    },
    /// What an operator acted on changed since they looked (a pending
    /// upgrade replaced, the version its diff was computed against no longer
    /// current); nothing was written.
    #[error("{what} of {id:?} changed meanwhile: {detail}; nothing was changed, look at it again")]
    Changed {
        /// What changed ("pending upgrade").
        what: &'static str,
        id: String,
        /// What is different now.
        detail: String,
    },
    /// A plugin cannot be removed while instances use it.
    #[error("plugin {plugin:?} is used by instances {instances:?}; remove those instances first")]
    PluginInUse {
        /// The plugin id.
        plugin: String,
        /// The instances using it.
        instances: Vec<String>,
    },
    /// A page would take an instance past its daily write cap; it was not
    /// stored.
    #[error(
        "instance {instance:?} has stored {used} {what} today (UTC), and this page of {page} would pass the daily cap of {cap}; the page was not stored. The plugin writes far more than expected: check it, or raise the cap (--max-{what}-per-day)"
    )]
    DailyCapReached {
        instance: String,
        /// `records` or `bytes`.
        what: &'static str,
        /// Used today before this page.
        used: u64,
        /// This page's amount.
        page: u64,
        cap: u64,
    },
    /// A stored value cannot be decoded (a bug or a hand-edited database).
    #[error("{path}: stored {what} is invalid: {reason}")]
    Corrupt {
        /// The database file.
        path: String,
        /// What was being decoded.
        what: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// Sealing or opening a secret failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The `--database` value is not a PostgreSQL URL this binary can use.
    #[error(
        "--database {shown} cannot be used: {reason}; give a URL like \
         postgres://USER:PASSWORD@HOST:5432/DBNAME (or leave --database out for the \
         embedded SQLite store in --home)"
    )]
    BadDatabaseUrl {
        /// The value as given, without any password.
        shown: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// PostgreSQL cannot be reached, refused the login, or has no such database.
    #[error("cannot use PostgreSQL database {database}: {reason}; {fix}")]
    CannotConnect {
        /// The database, without its password.
        database: String,
        /// What went wrong.
        reason: String,
        /// What the operator should do.
        fix: &'static str,
    },
    /// Any other PostgreSQL failure.
    #[error("database {database}: {action} failed: {reason}")]
    Postgres {
        /// The database, without its password.
        database: String,
        /// What the store was doing.
        action: &'static str,
        /// The SQLSTATE code, when the server answered with one.
        code: Option<String>,
        /// The server's message (never its DETAIL, which may quote row values).
        reason: String,
    },
    /// This node's lease of an instance changed hands (or ended) since it took
    /// it: the node must stop working on that instance.
    #[error(
        "this node ({node}) lost the lease of instance {instance} to node {}; it stops \
         working on {instance} and nothing of its page in flight was stored (the holder \
         resumes from the last committed page)",
        .holder.as_deref().unwrap_or("none")
    )]
    LeaseLost {
        instance: String,
        node: String,
        /// Who holds the lease now, if anyone.
        holder: Option<String>,
    },
    /// Any other SQLite failure.
    #[error("database {path}: {action} failed: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What the store was doing.
        action: &'static str,
        /// The SQLite error.
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Who must act on this error.
    pub fn blame(&self) -> Blame {
        match self {
            StoreError::Busy { .. }
            | StoreError::NewerSchema { .. }
            | StoreError::CannotOpen { .. }
            | StoreError::NotADatabase { .. }
            | StoreError::BadDatabaseUrl { .. }
            | StoreError::CannotConnect { .. }
            | StoreError::AlreadyExists { .. }
            | StoreError::NotFound { .. }
            | StoreError::Changed { .. }
            | StoreError::PluginInUse { .. } => Blame::Operator,
            StoreError::Secret(e) => e.blame(),
            StoreError::DailyCapReached { .. } => Blame::Plugin,
            StoreError::Corrupt { .. }
            | StoreError::Sqlite { .. }
            | StoreError::Postgres { .. }
            | StoreError::LeaseLost { .. } => Blame::Host,
        }
    }

    /// `lease` was lost to `holder`.
    pub(crate) fn lease_lost(lease: &crate::store::Lease, holder: Option<String>) -> StoreError {
        StoreError::LeaseLost {
            instance: lease.instance.clone(),
            node: lease.node.clone(),
            holder,
        }
    }

    /// Classify a SQLite error raised while doing `action` on the database at `path`.
    pub(crate) fn sqlite(path: &str, action: &'static str, source: rusqlite::Error) -> StoreError {
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
                path: path.to_string(),
            },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::NotADatabase {
                    path: path.to_string(),
                }
            }
            Some(ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
                StoreError::CannotOpen {
                    path: path.to_string(),
                    reason: source.to_string(),
                }
            }
            _ => StoreError::Sqlite {
                path: path.to_string(),
                action,
                source,
            },
        }
    }
}
