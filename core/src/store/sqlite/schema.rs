//! Schema migrations, tracked in `PRAGMA user_version`.
//!
//! [`MIGRATIONS`]`[i]` takes the database from version `i` to `i + 1`. All
//! pending ones are applied in one immediate transaction together with the
//! version bump, so a crash leaves the database where it was. Released migrations are never
//! edited; a change is a new entry.

use rusqlite::{Connection, TransactionBehavior};

use crate::store::StoreError;

/// Version 1: the whole initial schema.
const V1: &str = r#"
CREATE TABLE plugins (
    id          TEXT NOT NULL,
    version     TEXT NOT NULL,
    contract    TEXT NOT NULL,
    manifest    TEXT NOT NULL,
    wasm_sha256 TEXT NOT NULL,
    wasm_path   TEXT NOT NULL,
    grant_json  TEXT NOT NULL CHECK (json_valid(grant_json)),
    info_json   TEXT NOT NULL CHECK (json_valid(info_json)),
    added_at    TEXT NOT NULL,
    PRIMARY KEY (id, version)
);

-- The version of each plugin that instances run.
CREATE TABLE plugin_current (
    id      TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    FOREIGN KEY (id, version) REFERENCES plugins (id, version) ON DELETE CASCADE
);

CREATE TABLE instances (
    id             TEXT PRIMARY KEY,
    plugin_id      TEXT NOT NULL REFERENCES plugin_current (id),
    config_json    TEXT NOT NULL CHECK (json_valid(config_json)),
    upstreams_json TEXT NOT NULL CHECK (json_valid(upstreams_json)),
    enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX instances_by_plugin ON instances (plugin_id);

CREATE TABLE secrets (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    sealed      BLOB NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (instance_id, name)
);

CREATE TABLE accounts (
    instance_id   TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    email         TEXT,
    display_name  TEXT,
    status        TEXT NOT NULL,
    user_type     TEXT,
    created_at    TEXT,
    last_login_at TEXT,
    raw           TEXT NOT NULL CHECK (raw = '' OR json_valid(raw)),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    PRIMARY KEY (instance_id, id)
);
CREATE INDEX accounts_by_status ON accounts (instance_id, status);
CREATE INDEX accounts_by_email ON accounts (instance_id, email);

CREATE TABLE groups (
    instance_id  TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    member_count INTEGER,
    raw          TEXT NOT NULL CHECK (raw = '' OR json_valid(raw)),
    PRIMARY KEY (instance_id, id)
);

CREATE TABLE group_members (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    group_id    TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    email       TEXT,
    PRIMARY KEY (instance_id, group_id, account_id)
);
CREATE INDEX group_members_by_account ON group_members (instance_id, account_id);

CREATE TABLE role_assignments (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    role_id     TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    role_name   TEXT NOT NULL,
    email       TEXT,
    privileged  INTEGER NOT NULL CHECK (privileged IN (0, 1)),
    raw         TEXT NOT NULL CHECK (raw = '' OR json_valid(raw)),
    PRIMARY KEY (instance_id, role_id, account_id)
);
CREATE INDEX role_assignments_by_account
    ON role_assignments (instance_id, account_id, privileged);

CREATE TABLE activities (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    actor       TEXT,
    actor_ip    TEXT,
    action      TEXT NOT NULL,
    category    TEXT NOT NULL,
    target      TEXT,
    outcome     TEXT,
    raw         TEXT NOT NULL CHECK (raw = '' OR json_valid(raw)),
    PRIMARY KEY (instance_id, id)
);
CREATE INDEX activities_by_time ON activities (occurred_at);
CREATE INDEX activities_by_instance_time ON activities (instance_id, occurred_at);
CREATE INDEX activities_by_actor_time ON activities (actor, occurred_at);

CREATE TABLE findings (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    title       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    status      TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    remediation TEXT NOT NULL,
    assessed_at TEXT NOT NULL,
    PRIMARY KEY (instance_id, id)
);

CREATE TABLE checkpoints (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    stream      TEXT NOT NULL,
    cursor      TEXT,
    in_progress INTEGER NOT NULL CHECK (in_progress IN (0, 1)),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (instance_id, stream)
);

CREATE TABLE sync_runs (
    id            INTEGER PRIMARY KEY,
    instance_id   TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    status        TEXT NOT NULL
                  CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
    error_blame   TEXT,
    error_message TEXT,
    stats_json    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(stats_json))
);
CREATE INDEX sync_runs_by_instance ON sync_runs (instance_id, id);

-- No foreign key: the audit trail outlives the instances it mentions.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    instance_id TEXT,
    action      TEXT NOT NULL,
    target      TEXT,
    outcome     TEXT NOT NULL,
    detail      TEXT
);
CREATE INDEX audit_log_by_instance ON audit_log (instance_id, id);
"#;

/// Version 2: the daemon's API tokens (hashed) and per-instance schedule state.
const V2: &str = r#"
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    sha256       TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE schedules (
    instance_id      TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    phase            TEXT NOT NULL,
    last_started_at  TEXT,
    last_success_at  TEXT,
    last_error_at    TEXT,
    last_error_blame TEXT,
    last_error       TEXT,
    next_run_at      TEXT,
    PRIMARY KEY (instance_id, phase)
);
"#;

/// Version 3: what each instance stored per UTC day, for the daily write caps.
const V3: &str = r#"
CREATE TABLE usage_daily (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    day         TEXT NOT NULL,
    records     INTEGER NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (instance_id, day)
);
"#;

/// Version 4: leases with fencing tokens (which node works on which instance).
const V4: &str = r#"
CREATE TABLE leases (
    instance_id   TEXT PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    owner         TEXT NOT NULL,
    token         INTEGER NOT NULL CHECK (token > 0),
    expires_at_ms INTEGER NOT NULL
);
"#;

/// Version 5: the nodes of a cluster and their heartbeats.
const V5: &str = r#"
CREATE TABLE nodes (
    id              TEXT PRIMARY KEY,
    started_at_ms   INTEGER NOT NULL,
    heartbeat_at_ms INTEGER NOT NULL
);
CREATE INDEX leases_by_owner ON leases (owner, expires_at_ms);
"#;

/// Version 6: plugin components kept in the database by SHA-256, so every
/// node of a cluster can load a version added through any of them.
const V6: &str = r#"
CREATE TABLE plugin_components (
    sha256 TEXT PRIMARY KEY,
    bytes  BLOB NOT NULL
);
"#;

/// Version 7: consent-flow connections (a sealed refresh token per instance
/// and auth profile, and whether a reconnect is needed).
const V7: &str = r#"
CREATE TABLE connections (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    profile     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('connected', 'reconnect-needed')),
    sealed      BLOB,
    detail      TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (instance_id, profile)
);
"#;

/// Version 8: where each plugin version came from (the registry reference
/// and the manifest digest it was installed from, who signed it) and the
/// publishers' keys the operator trusts.
const V8: &str = r#"
CREATE TABLE plugin_origins (
    id               TEXT NOT NULL,
    version          TEXT NOT NULL,
    reference        TEXT NOT NULL,
    repository       TEXT,
    tag              TEXT,
    digest           TEXT NOT NULL,
    publisher        TEXT,
    allowed_unsigned TEXT,
    PRIMARY KEY (id, version),
    FOREIGN KEY (id, version) REFERENCES plugins (id, version) ON DELETE CASCADE
);

CREATE TABLE trusted_keys (
    name           TEXT PRIMARY KEY,
    public_key_pem TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    added_at       TEXT NOT NULL
);
"#;

/// Version 9: a pending upgrade per plugin (a verified version waiting for
/// an operator's approval, its component in `plugin_components`); it goes
/// with its plugin.
const V9: &str = r#"
CREATE TABLE plugin_pending (
    id           TEXT PRIMARY KEY REFERENCES plugin_current (id) ON DELETE CASCADE,
    version      TEXT NOT NULL,
    contract     TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    wasm_sha256  TEXT NOT NULL,
    info_json    TEXT NOT NULL CHECK (json_valid(info_json)),
    origin_json  TEXT CHECK (origin_json IS NULL OR json_valid(origin_json)),
    changes_json TEXT NOT NULL CHECK (json_valid(changes_json)),
    against      TEXT NOT NULL,
    grant_reveal INTEGER NOT NULL CHECK (grant_reveal IN (0, 1)),
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL
);
"#;

/// Version 10: console sessions, by the SHA-256 of their id (shared by every
/// node of a cluster, kept across restarts).
const V10: &str = r#"
CREATE TABLE console_sessions (
    id_sha256     TEXT PRIMARY KEY,
    token_id      TEXT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    seen_at_ms    INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX console_sessions_by_token ON console_sessions (token_id);
CREATE INDEX console_sessions_by_seen ON console_sessions (seen_at_ms);
"#;

/// Every migration, in order; the schema version is the number applied.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8, V9, V10];

/// The schema version this binary migrates to, the same in both backends.
pub fn latest_version() -> i64 {
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

/// Bring the database to [`latest_version`], refusing one that is newer.
pub(crate) fn migrate(conn: &mut Connection, path: &str) -> Result<(), StoreError> {
    let known = latest_version();
    let found = user_version(conn)
        .map_err(|e| StoreError::sqlite(path, "reading the schema version", e))?;
    if found > known {
        return Err(StoreError::NewerSchema {
            path: path.to_string(),
            elsewhere: "--home",
            found,
            known,
        });
    }
    if found < 0 {
        return Err(StoreError::Corrupt {
            path: path.to_string(),
            what: "schema version",
            reason: format!("user_version is {found}"),
        });
    }
    if found == known {
        return Ok(());
    }
    let on = |action| move |e| StoreError::sqlite(path, action, e);
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(on("starting the migration"))?;
    // Re-read under the write lock: another process may have migrated meanwhile.
    let mut version = user_version(&tx).map_err(on("reading the schema version"))?;
    if version > known {
        return Err(StoreError::NewerSchema {
            path: path.to_string(),
            elsewhere: "--home",
            found: version,
            known,
        });
    }
    for sql in MIGRATIONS
        .iter()
        .skip(usize::try_from(version).unwrap_or(usize::MAX))
    {
        tx.execute_batch(sql).map_err(on("applying a migration"))?;
        version += 1;
        tx.pragma_update(None, "user_version", version)
            .map_err(on("recording the schema version"))?;
    }
    tx.commit().map_err(on("committing the migration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_9_database_gains_console_sessions_and_keeps_its_tokens()
    -> Result<(), Box<dyn std::error::Error>> {
        let mut conn = Connection::open_in_memory()?;
        for sql in &MIGRATIONS[..9] {
            conn.execute_batch(sql)?;
        }
        conn.pragma_update(None, "user_version", 9)?;
        conn.execute(
            "INSERT INTO api_tokens (id, name, sha256, created_at) VALUES ('t', 'ops', '00', 'x')",
            [],
        )?;
        migrate(&mut conn, ":memory:")?;
        assert_eq!(user_version(&conn)?, latest_version());
        conn.execute(
            "INSERT INTO console_sessions VALUES ('h', 't', 1, 1, 2)",
            [],
        )?;
        let n: i64 = conn.query_row(
            "SELECT COUNT(*) FROM console_sessions JOIN api_tokens ON api_tokens.id = token_id",
            [],
            |r| r.get(0),
        )?;
        assert_eq!(n, 1);
        // A session of a token that does not exist is refused.
        assert!(
            conn.execute("PRAGMA foreign_keys = ON", []).is_ok()
                && conn
                    .execute(
                        "INSERT INTO console_sessions VALUES ('i', 'nope', 1, 1, 2)",
                        []
                    )
                    .is_err()
        );
        Ok(())
    }
}
