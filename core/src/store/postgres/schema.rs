//! Schema migrations for PostgreSQL, tracked in the one-row table
//! `plugboard_schema`.
//!
//! Numbered like SQLite's (`sqlite/schema.rs`): version N
//! means the same tables and rules in both backends. All pending migrations
//! are applied in one transaction together with the version bump, under a
//! transaction-level advisory lock, so nodes starting at once migrate once
//! and a crash leaves the database where it was. A database newer than this
//! binary is refused. Released migrations are never edited; a change is a new
//! entry in both backends.
//!
//! Differences from SQLite, each for the same behaviour: `BOOLEAN` instead of
//! 0/1 integers, `BYTEA` for sealed secrets, identity columns for ids, JSON
//! checked by a cast, every text column `COLLATE "C"` (byte order, like
//! SQLite), and `plugboard_merge_patch` for SQLite's `json_patch` (RFC 7396).

use deadpool_postgres::GenericClient;

use super::PgStore;
use crate::store::StoreError;

/// Key of the advisory lock held while migrating (two-key form: class, id).
const MIGRATION_LOCK: (i32, i32) = (0x706c_6762, 1);

/// Version 1: the whole initial schema, and the helper functions.
const V1: &str = r#"
-- Now as RFC 3339 UTC text with milliseconds, e.g. 2026-05-01T12:00:00.123Z,
-- the same text SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') gives.
CREATE FUNCTION plugboard_time(t TIMESTAMPTZ) RETURNS TEXT LANGUAGE sql STABLE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
CREATE FUNCTION plugboard_now() RETURNS TEXT LANGUAGE sql VOLATILE
    AS $$ SELECT plugboard_time(clock_timestamp()) $$;

-- RFC 7396 JSON merge patch, as SQLite's json_patch: objects merge key by
-- key (recursively), a null removes a key, anything else replaces.
CREATE FUNCTION plugboard_merge_patch(target JSONB, patch JSONB) RETURNS JSONB
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k TEXT;
    v JSONB;
    result JSONB;
BEGIN
    IF jsonb_typeof(patch) IS DISTINCT FROM 'object' THEN
        RETURN patch;
    END IF;
    IF jsonb_typeof(target) IS DISTINCT FROM 'object' THEN
        result := '{}'::jsonb;
    ELSE
        result := target;
    END IF;
    FOR k, v IN SELECT key, value FROM jsonb_each(patch) LOOP
        IF jsonb_typeof(v) = 'null' THEN
            result := result - k;
        ELSE
            result := jsonb_set(result, ARRAY[k], plugboard_merge_patch(result -> k, v));
        END IF;
    END LOOP;
    RETURN result;
END $$;

CREATE TABLE plugins (
    id          TEXT COLLATE "C" NOT NULL,
    version     TEXT COLLATE "C" NOT NULL,
    contract    TEXT COLLATE "C" NOT NULL,
    manifest    TEXT COLLATE "C" NOT NULL,
    wasm_sha256 TEXT COLLATE "C" NOT NULL,
    wasm_path   TEXT COLLATE "C" NOT NULL,
    grant_json  TEXT COLLATE "C" NOT NULL CHECK (grant_json::json IS NOT NULL),
    info_json   TEXT COLLATE "C" NOT NULL CHECK (info_json::json IS NOT NULL),
    added_at    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (id, version)
);

-- The version of each plugin that instances run.
CREATE TABLE plugin_current (
    id      TEXT COLLATE "C" PRIMARY KEY,
    version TEXT COLLATE "C" NOT NULL,
    FOREIGN KEY (id, version) REFERENCES plugins (id, version) ON DELETE CASCADE
);

CREATE TABLE instances (
    id             TEXT COLLATE "C" PRIMARY KEY,
    plugin_id      TEXT COLLATE "C" NOT NULL REFERENCES plugin_current (id),
    config_json    TEXT COLLATE "C" NOT NULL CHECK (config_json::json IS NOT NULL),
    upstreams_json TEXT COLLATE "C" NOT NULL CHECK (upstreams_json::json IS NOT NULL),
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TEXT COLLATE "C" NOT NULL,
    updated_at     TEXT COLLATE "C" NOT NULL
);
CREATE INDEX instances_by_plugin ON instances (plugin_id);

CREATE TABLE secrets (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    sealed      BYTEA NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (instance_id, name)
);

CREATE TABLE accounts (
    instance_id   TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id            TEXT COLLATE "C" NOT NULL,
    email         TEXT COLLATE "C",
    display_name  TEXT COLLATE "C",
    status        TEXT COLLATE "C" NOT NULL,
    user_type     TEXT COLLATE "C",
    created_at    TEXT COLLATE "C",
    last_login_at TEXT COLLATE "C",
    raw           TEXT COLLATE "C" NOT NULL CHECK (raw = '' OR NULLIF(raw, '')::json IS NOT NULL),
    first_seen    TEXT COLLATE "C" NOT NULL,
    last_seen     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (instance_id, id)
);
CREATE INDEX accounts_by_status ON accounts (instance_id, status);
CREATE INDEX accounts_by_email ON accounts (instance_id, email);

CREATE TABLE groups (
    instance_id  TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id           TEXT COLLATE "C" NOT NULL,
    name         TEXT COLLATE "C" NOT NULL,
    member_count BIGINT,
    raw          TEXT COLLATE "C" NOT NULL CHECK (raw = '' OR NULLIF(raw, '')::json IS NOT NULL),
    PRIMARY KEY (instance_id, id)
);

CREATE TABLE group_members (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    group_id    TEXT COLLATE "C" NOT NULL,
    account_id  TEXT COLLATE "C" NOT NULL,
    email       TEXT COLLATE "C",
    PRIMARY KEY (instance_id, group_id, account_id)
);
CREATE INDEX group_members_by_account ON group_members (instance_id, account_id);

CREATE TABLE role_assignments (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    role_id     TEXT COLLATE "C" NOT NULL,
    account_id  TEXT COLLATE "C" NOT NULL,
    role_name   TEXT COLLATE "C" NOT NULL,
    email       TEXT COLLATE "C",
    privileged  BOOLEAN NOT NULL,
    raw         TEXT COLLATE "C" NOT NULL CHECK (raw = '' OR NULLIF(raw, '')::json IS NOT NULL),
    PRIMARY KEY (instance_id, role_id, account_id)
);
CREATE INDEX role_assignments_by_account
    ON role_assignments (instance_id, account_id, privileged);

CREATE TABLE activities (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    occurred_at TEXT COLLATE "C" NOT NULL,
    actor       TEXT COLLATE "C",
    actor_ip    TEXT COLLATE "C",
    action      TEXT COLLATE "C" NOT NULL,
    category    TEXT COLLATE "C" NOT NULL,
    target      TEXT COLLATE "C",
    outcome     TEXT COLLATE "C",
    raw         TEXT COLLATE "C" NOT NULL CHECK (raw = '' OR NULLIF(raw, '')::json IS NOT NULL),
    PRIMARY KEY (instance_id, id)
);
CREATE INDEX activities_by_time ON activities (occurred_at);
CREATE INDEX activities_by_instance_time ON activities (instance_id, occurred_at);
CREATE INDEX activities_by_actor_time ON activities (actor, occurred_at);

CREATE TABLE findings (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    id          TEXT COLLATE "C" NOT NULL,
    title       TEXT COLLATE "C" NOT NULL,
    severity    TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    evidence    TEXT COLLATE "C" NOT NULL,
    remediation TEXT COLLATE "C" NOT NULL,
    assessed_at TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (instance_id, id)
);

CREATE TABLE checkpoints (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    stream      TEXT COLLATE "C" NOT NULL,
    cursor      TEXT COLLATE "C",
    in_progress BOOLEAN NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (instance_id, stream)
);

CREATE TABLE sync_runs (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    instance_id   TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    started_at    TEXT COLLATE "C" NOT NULL,
    finished_at   TEXT COLLATE "C",
    status        TEXT COLLATE "C" NOT NULL
                  CHECK (status IN ('running', 'succeeded', 'failed', 'partial')),
    error_blame   TEXT COLLATE "C",
    error_message TEXT COLLATE "C",
    stats_json    TEXT COLLATE "C" NOT NULL DEFAULT '{}' CHECK (stats_json::json IS NOT NULL)
);
CREATE INDEX sync_runs_by_instance ON sync_runs (instance_id, id);

-- No foreign key: the audit trail outlives the instances it mentions.
CREATE TABLE audit_log (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at          TEXT COLLATE "C" NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,
    instance_id TEXT COLLATE "C",
    action      TEXT COLLATE "C" NOT NULL,
    target      TEXT COLLATE "C",
    outcome     TEXT COLLATE "C" NOT NULL,
    detail      TEXT COLLATE "C"
);
CREATE INDEX audit_log_by_instance ON audit_log (instance_id, id);
"#;

/// Version 2: the daemon's API tokens (hashed) and per-instance schedule state.
const V2: &str = r#"
CREATE TABLE api_tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT COLLATE "C" NOT NULL,
    sha256       TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at   TEXT COLLATE "C" NOT NULL,
    last_used_at TEXT COLLATE "C",
    revoked_at   TEXT COLLATE "C"
);

CREATE TABLE schedules (
    instance_id      TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    phase            TEXT COLLATE "C" NOT NULL,
    last_started_at  TEXT COLLATE "C",
    last_success_at  TEXT COLLATE "C",
    last_error_at    TEXT COLLATE "C",
    last_error_blame TEXT COLLATE "C",
    last_error       TEXT COLLATE "C",
    next_run_at      TEXT COLLATE "C",
    PRIMARY KEY (instance_id, phase)
);
"#;

/// Version 3: what each instance stored per UTC day, for the daily write caps.
const V3: &str = r#"
CREATE TABLE usage_daily (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    day         TEXT COLLATE "C" NOT NULL,
    records     BIGINT NOT NULL DEFAULT 0,
    bytes       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (instance_id, day)
);
"#;

/// Version 4: leases with fencing tokens (which node works on which
/// instance), judged by the database's clock in milliseconds.
const V4: &str = r#"
CREATE FUNCTION plugboard_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE
    AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;

CREATE TABLE leases (
    instance_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES instances (id) ON DELETE CASCADE,
    owner         TEXT COLLATE "C" NOT NULL,
    token         BIGINT NOT NULL CHECK (token > 0),
    expires_at_ms BIGINT NOT NULL
);
"#;

/// Version 5: the nodes of a cluster and their heartbeats; a notification on
/// channel `plugboard_changes` ("instance ID" or "plugin ID") whenever an
/// instance or a plugin's current version changes, so every node hears of
/// it at once (SQLite serves one node and has no equivalent).
const V5: &str = r#"
CREATE TABLE nodes (
    id              TEXT COLLATE "C" PRIMARY KEY,
    started_at_ms   BIGINT NOT NULL,
    heartbeat_at_ms BIGINT NOT NULL
);
CREATE INDEX leases_by_owner ON leases (owner, expires_at_ms);

CREATE FUNCTION plugboard_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kind TEXT := CASE TG_TABLE_NAME WHEN 'instances' THEN 'instance' ELSE 'plugin' END;
    id   TEXT := CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END;
BEGIN
    PERFORM pg_notify('plugboard_changes', kind || ' ' || id);
    RETURN NULL;
END $$;
CREATE TRIGGER instances_notify AFTER INSERT OR UPDATE OR DELETE ON instances
    FOR EACH ROW EXECUTE FUNCTION plugboard_notify_change();
CREATE TRIGGER plugin_current_notify AFTER INSERT OR UPDATE OR DELETE ON plugin_current
    FOR EACH ROW EXECUTE FUNCTION plugboard_notify_change();
"#;

/// Version 6: plugin components kept in the database by SHA-256, so every
/// node of a cluster can load a version added through any of them.
const V6: &str = r#"
CREATE TABLE plugin_components (
    sha256 TEXT COLLATE "C" PRIMARY KEY,
    bytes  BYTEA NOT NULL
);
"#;

/// Version 7: consent-flow connections (a sealed refresh token per instance
/// and auth profile, and whether a reconnect is needed).
const V7: &str = r#"
CREATE TABLE connections (
    instance_id TEXT COLLATE "C" NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    profile     TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL CHECK (status IN ('connected', 'reconnect-needed')),
    sealed      BYTEA,
    detail      TEXT COLLATE "C",
    updated_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (instance_id, profile)
);
"#;

/// Version 8: where each plugin version came from (the registry reference
/// and the manifest digest it was installed from, who signed it) and the
/// publishers' keys the operator trusts.
const V8: &str = r#"
CREATE TABLE plugin_origins (
    id               TEXT COLLATE "C" NOT NULL,
    version          TEXT COLLATE "C" NOT NULL,
    reference        TEXT COLLATE "C" NOT NULL,
    repository       TEXT COLLATE "C",
    tag              TEXT COLLATE "C",
    digest           TEXT COLLATE "C" NOT NULL,
    publisher        TEXT COLLATE "C",
    allowed_unsigned TEXT COLLATE "C",
    PRIMARY KEY (id, version),
    FOREIGN KEY (id, version) REFERENCES plugins (id, version) ON DELETE CASCADE
);

CREATE TABLE trusted_keys (
    name           TEXT COLLATE "C" PRIMARY KEY,
    public_key_pem TEXT COLLATE "C" NOT NULL,
    fingerprint    TEXT COLLATE "C" NOT NULL,
    added_at       TEXT COLLATE "C" NOT NULL
);
"#;

/// Version 9: a pending upgrade per plugin (a verified version waiting for
/// an operator's approval, its component in `plugin_components`); it goes
/// with its plugin.
const V9: &str = r#"
CREATE TABLE plugin_pending (
    id           TEXT COLLATE "C" PRIMARY KEY REFERENCES plugin_current (id) ON DELETE CASCADE,
    version      TEXT COLLATE "C" NOT NULL,
    contract     TEXT COLLATE "C" NOT NULL,
    manifest     TEXT COLLATE "C" NOT NULL,
    wasm_sha256  TEXT COLLATE "C" NOT NULL,
    info_json    TEXT COLLATE "C" NOT NULL CHECK (info_json::json IS NOT NULL),
    origin_json  TEXT COLLATE "C" CHECK (origin_json IS NULL OR origin_json::json IS NOT NULL),
    changes_json TEXT COLLATE "C" NOT NULL CHECK (changes_json::json IS NOT NULL),
    against      TEXT COLLATE "C" NOT NULL,
    grant_reveal BOOLEAN NOT NULL,
    submitted_by TEXT COLLATE "C" NOT NULL,
    submitted_at TEXT COLLATE "C" NOT NULL
);
"#;

/// Version 10: console sessions, by the SHA-256 of their id (shared by every
/// node of a cluster, kept across restarts).
const V10: &str = r#"
CREATE TABLE console_sessions (
    id_sha256     TEXT COLLATE "C" PRIMARY KEY,
    token_id      TEXT COLLATE "C" NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    created_at_ms BIGINT NOT NULL,
    seen_at_ms    BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_token ON console_sessions (token_id);
CREATE INDEX console_sessions_by_seen ON console_sessions (seen_at_ms);
"#;

/// Every migration, in order; the schema version is the number applied.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8, V9, V10];

/// The table that records the version. Created before the first migration.
const VERSION_TABLE: &str = "CREATE TABLE IF NOT EXISTS plugboard_schema (\
     one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), version BIGINT NOT NULL)";

/// The schema version `c`'s database is at (0 when never migrated).
pub(crate) async fn version(store: &PgStore, c: &impl GenericClient) -> Result<i64, StoreError> {
    let exists = store
        .row(
            c,
            "reading the schema version",
            "SELECT to_regclass('plugboard_schema') IS NOT NULL",
            &[],
        )
        .await?
        .map(|r| r.try_get::<_, bool>(0))
        .transpose()
        .map_err(store.on("reading the schema version"))?;
    if exists != Some(true) {
        return Ok(0);
    }
    let row = store
        .row(
            c,
            "reading the schema version",
            "SELECT version FROM plugboard_schema",
            &[],
        )
        .await?;
    match row {
        Some(r) => r.try_get(0).map_err(store.on("reading the schema version")),
        None => Ok(0),
    }
}

/// Bring the database to the latest version, refusing one that is newer.
pub(crate) async fn migrate(store: &PgStore) -> Result<(), StoreError> {
    let known = crate::store::latest_version();
    let mut c = store.client().await?;
    let found = version(store, &c).await?;
    check(store, found, known)?;
    if found == known {
        return Ok(());
    }
    let tx = c
        .transaction()
        .await
        .map_err(store.on("starting the migration"))?;
    store
        .exec(
            &tx,
            "waiting for another node's migration",
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&MIGRATION_LOCK.0, &MIGRATION_LOCK.1],
        )
        .await?;
    // Re-read under the lock: another node may have migrated meanwhile.
    let mut version = version(store, &tx).await?;
    check(store, version, known)?;
    tx.batch_execute(VERSION_TABLE)
        .await
        .map_err(store.on("creating the schema version table"))?;
    for sql in MIGRATIONS
        .iter()
        .skip(usize::try_from(version).unwrap_or(usize::MAX))
    {
        tx.batch_execute(sql)
            .await
            .map_err(store.on("applying a migration"))?;
        version += 1;
    }
    store
        .exec(
            &tx,
            "recording the schema version",
            "INSERT INTO plugboard_schema (one, version) VALUES (TRUE, $1) \
             ON CONFLICT (one) DO UPDATE SET version = excluded.version",
            &[&version],
        )
        .await?;
    tx.commit()
        .await
        .map_err(store.on("committing the migration"))
}

fn check(store: &PgStore, found: i64, known: i64) -> Result<(), StoreError> {
    use crate::store::Backend;
    if found > known {
        return Err(StoreError::NewerSchema {
            path: store.label().to_string(),
            elsewhere: "--database",
            found,
            known,
        });
    }
    if found < 0 {
        return Err(StoreError::Corrupt {
            path: store.label().to_string(),
            what: "schema version",
            reason: format!("plugboard_schema.version is {found}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_number_their_migrations_alike() {
        assert_eq!(MIGRATIONS.len(), crate::store::sqlite::MIGRATIONS.len());
    }
}
