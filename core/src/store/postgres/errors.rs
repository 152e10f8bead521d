//! PostgreSQL failures as [`StoreError`]s: who must act, and what to do.
//!
//! Only the server's primary message is kept, never its DETAIL or CONTEXT,
//! which may quote the values of a row (a sealed secret, a record).

use std::error::Error as _;

use deadpool_postgres::PoolError;
use deadpool_postgres::TimeoutType;

use crate::store::StoreError;

/// What the operator does about a connection that failed, by SQLSTATE class.
fn fix_for(code: &str) -> Option<&'static str> {
    let fix = match code {
        c if c.starts_with("28") => {
            "check the user and password in --database (or PLUGBOARD_DATABASE)"
        }
        "3D000" => "create the database first (createdb) or fix its name in --database",
        "53300" => "raise the server's max_connections, or run fewer nodes",
        "42501" => "let this user create tables in the database (make it the database's owner)",
        c if c.starts_with("08") || c.starts_with("57P") => {
            "check that PostgreSQL is running and reachable at that address"
        }
        _ => return None,
    };
    Some(fix)
}

/// Classify a `tokio-postgres` error raised while doing `action` on `database`.
pub(crate) fn from_pg(
    database: &str,
    action: &'static str,
    e: tokio_postgres::Error,
) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        let reason = db.message().to_string();
        return match fix_for(code) {
            Some(fix) => StoreError::CannotConnect {
                database: database.to_string(),
                reason,
                fix,
            },
            None => StoreError::Postgres {
                database: database.to_string(),
                action,
                code: Some(code.to_string()),
                reason,
            },
        };
    }
    let reason = match e.source() {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    };
    let connection = e.is_closed()
        || e.source()
            .is_some_and(|c| c.downcast_ref::<std::io::Error>().is_some())
        || matches!(
            e.to_string().as_str(),
            "timeout waiting for server" | "authentication error" | "error connecting to server"
        );
    if connection {
        StoreError::CannotConnect {
            database: database.to_string(),
            reason,
            fix: "check that PostgreSQL is running and reachable at that address",
        }
    } else {
        StoreError::Postgres {
            database: database.to_string(),
            action,
            code: None,
            reason,
        }
    }
}

/// Classify a failure to get a connection from the pool.
pub(crate) fn from_pool(database: &str, e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => from_pg(database, "connecting", e),
        PoolError::Timeout(TimeoutType::Create | TimeoutType::Recycle) => {
            StoreError::CannotConnect {
                database: database.to_string(),
                reason: "no answer within the connect timeout".into(),
                fix: "check that PostgreSQL is running and reachable at that address",
            }
        }
        PoolError::Timeout(TimeoutType::Wait) => StoreError::Postgres {
            database: database.to_string(),
            action: "waiting for a free connection",
            code: None,
            reason: "every pooled connection stayed busy past the wait timeout".into(),
        },
        other => StoreError::Postgres {
            database: database.to_string(),
            action: "getting a connection",
            code: None,
            reason: other.to_string(),
        },
    }
}
