//! Store: opening, migrations, locking, plugins, instances, secrets, runs, audit.

mod common;

use std::time::Duration;

use common::{TestResult, account, instance, page, plugin, store_with, stores};
use plugboard_core::Blame;
use plugboard_core::model::AccountStatus;
use plugboard_core::secrets::{MasterKey, SecretError, SecretValue};
use plugboard_core::store::{
    AuditEntry, RunStatus, Store, StoreError, StoreOptions, latest_version,
};
use rusqlite::Connection;

#[test]
fn a_store_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
}

#[test]
fn migrations_apply_to_a_fresh_database_and_reopening_keeps_data() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    let store = store_with(Store::open(&path)?, &["acme"])?;
    assert_eq!(store.schema_version()?, latest_version());
    drop(store);
    let store = Store::open(&path)?;
    assert_eq!(store.schema_version()?, latest_version());
    assert_eq!(store.instances()?.len(), 1);
    let mode: String =
        Connection::open(&path)?.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_new_database_and_its_wal_and_shm_files_are_readable_by_the_owner_only() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    let store = store_with(Store::open(&path)?, &["acme"])?;
    // While the store is open, WAL mode keeps both side files.
    for name in ["plugboard.db", "plugboard.db-wal", "plugboard.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name))?
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name} has mode {mode:o}");
    }
    drop(store);
    Ok(())
}

#[test]
fn peeking_at_the_schema_version_creates_and_migrates_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    assert_eq!(Store::peek_sqlite_version(&path)?, None);
    assert!(!path.exists(), "peeking created the database");
    Connection::open(&path)?.pragma_update(None, "user_version", 2)?;
    assert_eq!(Store::peek_sqlite_version(&path)?, Some(2));
    let version: i64 =
        Connection::open(&path)?.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(version, 2, "peeking migrated the database");
    drop(Store::open(&path)?);
    assert_eq!(Store::peek_sqlite_version(&path)?, Some(latest_version()));
    let not_db = dir.path().join("not-a-db");
    std::fs::write(&not_db, b"just text, long enough to be read as a header")?;
    let err = Store::peek_sqlite_version(&not_db)
        .err()
        .ok_or("a text file has a schema version")?;
    assert_eq!(err.blame(), Blame::Operator, "{err}");
    Ok(())
}

#[test]
fn a_database_from_a_newer_plugboard_is_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    Connection::open(&path)?.pragma_update(None, "user_version", latest_version() + 1)?;
    let err = Store::open(&path).err().ok_or("newer schema opened")?;
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("upgrade"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_database_locked_by_another_process_gives_an_operator_busy_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    store_with(Store::open(&path)?, &["acme"])?;
    let short = StoreOptions::default().busy_timeout(Duration::from_millis(50));
    let store = Store::open_with(&path, short)?;
    let other = Connection::open(&path)?;
    other.execute_batch("BEGIN EXCLUSIVE; DELETE FROM audit_log;")?;
    let err = store
        .commit_page(
            "acme",
            "users",
            &page(vec![account("u1", AccountStatus::Active)], None, false),
        )
        .err()
        .ok_or("committed while locked")?;
    assert!(matches!(err, StoreError::Busy { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()) && text.contains("--home"),
        "{text}"
    );
    other.execute_batch("ROLLBACK")?;
    store.commit_page("acme", "users", &page(vec![], None, false))?;
    Ok(())
}

#[test]
fn opening_a_database_held_exclusively_gives_an_operator_busy_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    let other = Connection::open(&path)?;
    other.execute_batch("BEGIN EXCLUSIVE; CREATE TABLE t (x); ")?;
    let short = StoreOptions::default().busy_timeout(Duration::from_millis(50));
    let err = Store::open_with(&path, short)
        .err()
        .ok_or("opened while locked")?;
    assert!(matches!(err, StoreError::Busy { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    Ok(())
}

#[test]
fn a_missing_directory_is_an_operator_error_naming_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nope").join("plugboard.db");
    let err = Store::open(&path).err().ok_or("opened in a missing dir")?;
    assert!(matches!(err, StoreError::CannotOpen { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    assert!(err.to_string().contains("nope"), "{err}");
    Ok(())
}

#[test]
fn a_file_that_is_not_a_database_is_an_operator_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    std::fs::write(&path, vec![7u8; 4096])?;
    let err = Store::open(&path).err().ok_or("opened garbage")?;
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    Ok(())
}

#[test]
fn a_truncated_database_is_an_operator_error_that_says_what_to_do() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    {
        let store = Store::open(&path)?;
        for i in 0..50 {
            store.put_plugin(&plugin(&format!("p{i}"), "1.0.0"))?;
        }
    }
    let len = std::fs::metadata(&path)?.len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)?
        .set_len(len / 2)?;
    // SQLite notices on open or on the first read, depending on which page was cut.
    let err = match Store::open(&path) {
        Err(e) => e,
        Ok(store) => store.plugins().err().ok_or("read a truncated database")?,
    };
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    assert!(err.to_string().contains("move it aside"), "{err}");
    Ok(())
}

#[test]
fn adding_a_plugin_version_makes_it_current() -> TestResult {
    for (backend, store) in stores("adding_a_plugin_version_makes_it_current")? {
        println!("backend: {backend}");
        store.put_plugin(&plugin("zoom", "1.0.0"))?;
        store.put_plugin(&plugin("zoom", "1.1.0"))?;
        store.put_plugin(&plugin("azure", "0.1.0"))?;
        assert_eq!(store.plugin("zoom")?.ok_or("no zoom")?.version, "1.1.0");
        let ids: Vec<_> = store
            .plugins()?
            .into_iter()
            .map(|p| (p.id, p.version))
            .collect();
        assert_eq!(
            ids,
            [
                ("azure".into(), "0.1.0".into()),
                ("zoom".to_string(), "1.1.0".to_string())
            ]
        );
        assert!(!store.plugin("zoom")?.ok_or("no zoom")?.added_at.is_empty());
    }
    Ok(())
}

#[test]
fn a_plugin_in_use_cannot_be_removed_until_its_instances_are() -> TestResult {
    for (backend, store) in stores("a_plugin_in_use_cannot_be_removed_until_its_instances_are")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let err = store.remove_plugin("zoom").err().ok_or("removed in use")?;
        assert!(matches!(err, StoreError::PluginInUse { .. }), "{err:?}");
        assert!(err.to_string().contains("acme"), "{err}");
        store.remove_instance("acme")?;
        store.remove_plugin("zoom")?;
        assert_eq!(store.plugin("zoom")?, None);
        let err = store.remove_plugin("zoom").err().ok_or("removed twice")?;
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
    }
    Ok(())
}

#[test]
fn an_instance_id_cannot_be_taken_twice() -> TestResult {
    for (backend, store) in stores("an_instance_id_cannot_be_taken_twice")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme-zoom"])?;
        let err = store
            .add_instance(&instance("acme-zoom", "zoom"))
            .err()
            .ok_or("added twice")?;
        assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
        assert_eq!(err.blame(), Blame::Operator);
        assert!(err.to_string().contains("acme-zoom"), "{err}");
        let err = store
            .add_instance(&instance("x", "nosuch"))
            .err()
            .ok_or("unknown plugin")?;
        assert!(
            matches!(err, StoreError::NotFound { what: "plugin", .. }),
            "{err:?}"
        );
    }
    Ok(())
}

#[test]
fn disabling_an_instance_keeps_it_and_its_data() -> TestResult {
    for (backend, store) in stores("disabling_an_instance_keeps_it_and_its_data")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        store.commit_page(
            "acme",
            "users",
            &page(vec![account("u1", AccountStatus::Active)], None, false),
        )?;
        store.set_instance_enabled("acme", false)?;
        assert!(!store.instance("acme")?.ok_or("gone")?.enabled);
        assert_eq!(store.counts(Some("acme"))?.users, 1);
        assert!(store.set_instance_enabled("nosuch", true).is_err());
    }
    Ok(())
}

#[test]
fn removing_an_instance_deletes_its_records_secrets_and_checkpoints() -> TestResult {
    for (backend, store) in
        stores("removing_an_instance_deletes_its_records_secrets_and_checkpoints")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        let key = MasterKey::generate()?;
        for id in ["acme", "beta"] {
            store.commit_page(
                id,
                "users",
                &page(vec![account("u1", AccountStatus::Active)], Some("c"), true),
            )?;
            store.put_secret(&key, id, "client_secret", &SecretValue::new("s".into()))?;
            store.start_run(id)?;
        }
        store.remove_instance("acme")?;
        assert_eq!(store.instance("acme")?, None);
        assert_eq!(store.counts(Some("acme"))?.users, 0);
        assert!(store.secret_names("acme")?.is_empty());
        assert_eq!(store.checkpoint("acme", "users")?, None);
        assert!(store.last_runs("acme", 10)?.is_empty());
        assert_eq!(
            store.counts(Some("beta"))?.users,
            1,
            "another instance keeps its data"
        );
        assert_eq!(store.secret_names("beta")?, ["client_secret"]);
    }
    Ok(())
}

#[test]
fn secrets_round_trip_and_the_database_file_never_holds_the_plaintext() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugboard.db");
    let key = MasterKey::load_or_create_with(dir.path(), None)?;
    let plaintext = "zoom-client-secret-4f9c2a7e1b";
    {
        let store = store_with(Store::open(&path)?, &["acme"])?;
        store.put_secret(
            &key,
            "acme",
            "client_secret",
            &SecretValue::new(plaintext.into()),
        )?;
        let back = store
            .secret(&key, "acme", "client_secret")?
            .ok_or("no secret")?;
        assert_eq!(back.expose(), plaintext);
        assert_eq!(store.secret_names("acme")?, ["client_secret"]);
        assert!(store.secret(&key, "acme", "other")?.is_none());
        assert!(
            store
                .put_secret(&key, "nosuch", "x", &SecretValue::new("v".into()))
                .is_err()
        );
    }
    assert!(
        !dir_contains(dir.path(), plaintext.as_bytes())?,
        "plaintext on disk"
    );
    // Control: the same search does find bytes stored unsealed.
    let control = tempfile::tempdir()?;
    {
        let store = store_with(
            Store::open(&control.path().join("plugboard.db"))?,
            &["acme"],
        )?;
        store.put_sealed_secret("acme", "client_secret", plaintext.as_bytes())?;
    }
    assert!(
        dir_contains(control.path(), plaintext.as_bytes())?,
        "search is blind"
    );
    Ok(())
}

/// True when any file in `dir` (database, WAL, key file) contains `needle`.
fn dir_contains(dir: &std::path::Path, needle: &[u8]) -> Result<bool, std::io::Error> {
    for entry in std::fs::read_dir(dir)? {
        let bytes = std::fs::read(entry?.path())?;
        if bytes.windows(needle.len()).any(|w| w == needle) {
            return Ok(true);
        }
    }
    Ok(false)
}

#[test]
fn a_sealed_secret_copied_to_another_instance_does_not_open_there() -> TestResult {
    for (backend, store) in
        stores("a_sealed_secret_copied_to_another_instance_does_not_open_there")?
    {
        println!("backend: {backend}");
        let store = store_with(store, &["tenant-a", "tenant-b"])?;
        let key = MasterKey::generate()?;
        store.put_secret(
            &key,
            "tenant-a",
            "client_secret",
            &SecretValue::new("a".into()),
        )?;
        let bytes = store
            .sealed_secret("tenant-a", "client_secret")?
            .ok_or("none")?;
        store.put_sealed_secret("tenant-b", "client_secret", &bytes)?;
        let err = store
            .secret(&key, "tenant-b", "client_secret")
            .err()
            .ok_or("opened")?;
        assert!(
            matches!(err, StoreError::Secret(SecretError::BoundElsewhere { .. })),
            "{err:?}"
        );
    }
    Ok(())
}

#[test]
fn rotating_the_master_key_reseals_every_secret_once() -> TestResult {
    for (backend, store) in stores("rotating_the_master_key_reseals_every_secret_once")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme", "beta"])?;
        let (old, new) = (MasterKey::generate()?, MasterKey::generate()?);
        store.put_secret(&old, "acme", "a", &SecretValue::new("one".into()))?;
        store.put_secret(&old, "beta", "b", &SecretValue::new("two".into()))?;
        assert_eq!(store.rotate_master_key(&old, &new)?, 2);
        assert_eq!(store.rotate_master_key(&old, &new)?, 0, "already rotated");
        assert_eq!(
            store.secret(&new, "beta", "b")?.ok_or("none")?.expose(),
            "two"
        );
        let err = store
            .secret(&old, "acme", "a")
            .err()
            .ok_or("old key opened")?;
        assert_eq!(err.blame(), Blame::Operator, "{err}");
        assert!(err.to_string().contains(&new.id().to_string()), "{err}");
    }
    Ok(())
}

#[test]
fn runs_record_their_outcome_newest_first() -> TestResult {
    for (backend, store) in stores("runs_record_their_outcome_newest_first")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let first = store.start_run("acme")?;
        store.finish_run(first, RunStatus::Succeeded, None, None, r#"{"accounts":3}"#)?;
        let second = store.start_run("acme")?;
        store.finish_run(
            second,
            RunStatus::Failed,
            Some(Blame::Upstream),
            Some("auth: 401"),
            "{}",
        )?;
        store.start_run("acme")?;
        let runs = store.last_runs("acme", 2)?;
        let summary: Vec<_> = runs.iter().map(|r| (r.status, r.error_blame)).collect();
        assert_eq!(
            summary,
            [
                (RunStatus::Running, None),
                (RunStatus::Failed, Some(Blame::Upstream))
            ]
        );
        assert!(runs.iter().all(|r| r.id != first));
        assert!(
            store
                .finish_run(9999, RunStatus::Failed, None, None, "{}")
                .is_err()
        );
    }
    Ok(())
}

#[test]
fn the_audit_log_outlives_the_instance_it_mentions() -> TestResult {
    for (backend, store) in stores("the_audit_log_outlives_the_instance_it_mentions")? {
        println!("backend: {backend}");
        let store = store_with(store, &["acme"])?;
        let entry = |action: &str| AuditEntry {
            id: 0,
            at: String::new(),
            actor: "ops@example.com".into(),
            instance_id: Some("acme".into()),
            action: action.into(),
            target: Some("u1".into()),
            outcome: "ok".into(),
            detail: None,
        };
        store.append_audit(&entry("suspend-user"))?;
        store.append_audit(&entry("instance-remove"))?;
        store.remove_instance("acme")?;
        let log = store.audit(Some("acme"), 10)?;
        let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["instance-remove", "suspend-user"]);
        assert!(log.iter().all(|e| !e.at.is_empty() && e.id > 0));
        assert_eq!(store.audit(None, 1)?.len(), 1);
    }
    Ok(())
}

#[test]
fn an_instance_is_added_with_its_secrets_in_one_transaction_or_not_at_all() -> TestResult {
    let dir = tempfile::tempdir()?;
    let key = MasterKey::load_or_create_with(dir.path(), None)?;
    let value = |v: &str| SecretValue::new(v.to_string());
    for (backend, store) in stores("add_with_secrets")? {
        println!("backend: {backend}");
        store.put_plugin(&plugin("p", "1.0.0"))?;
        let first = value("first-secret");
        store.add_instance_with_secrets(
            &key,
            &instance("acme", "p"),
            &[("client_secret", &first)],
        )?;
        let back = store
            .secret(&key, "acme", "client_secret")?
            .ok_or("no secret")?;
        assert_eq!(back.expose(), "first-secret", "{backend}");
        // A taken id: refused, and the existing instance's secret is kept.
        let second = value("second-secret");
        let err = store
            .add_instance_with_secrets(&key, &instance("acme", "p"), &[("client_secret", &second)])
            .err()
            .ok_or("a taken id was added")?;
        assert!(
            matches!(err, StoreError::AlreadyExists { .. }),
            "{backend}: {err:?}"
        );
        let kept = store
            .secret(&key, "acme", "client_secret")?
            .ok_or("secret gone")?;
        assert_eq!(kept.expose(), "first-secret", "{backend}");
        // An unknown plugin: neither the instance nor its secrets are stored.
        let err = store
            .add_instance_with_secrets(
                &key,
                &instance("beta", "nosuch"),
                &[("client_secret", &second)],
            )
            .err()
            .ok_or("an instance of an unknown plugin was added")?;
        assert!(
            matches!(err, StoreError::NotFound { .. }),
            "{backend}: {err:?}"
        );
        assert!(store.instance("beta")?.is_none(), "{backend}");
        assert!(store.secret_names("beta")?.is_empty(), "{backend}");
    }
    Ok(())
}
