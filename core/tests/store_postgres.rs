//! Store, PostgreSQL only: connecting, migrations, errors without passwords,
//! several nodes on one database, calls from inside async runtimes.
//! (Everything both backends do alike is tested on both in the other files.)

mod common;

use std::time::Duration;

use common::{TestResult, account, instance, page, plugin, store_with};
use plugboard_core::Blame;
use plugboard_core::model::AccountStatus;
use plugboard_core::secrets::{MasterKey, SecretValue};
use plugboard_core::store::{BackendKind, Change, PgOptions, Store, StoreError, latest_version};

/// Options that give up fast on a server that is not there.
fn impatient() -> PgOptions {
    PgOptions {
        connect_timeout: Duration::from_secs(5),
        ..PgOptions::default()
    }
}

#[test]
fn migrations_apply_once_and_reconnecting_keeps_data() -> TestResult {
    let url = plugboard_pgcluster::database("migrations")?;
    let store = store_with(Store::connect(&url)?, &["acme"])?;
    assert_eq!(store.kind(), BackendKind::Postgres);
    assert_eq!(store.schema_version()?, latest_version());
    drop(store);
    let again = Store::connect(&url)?;
    assert_eq!(again.schema_version()?, latest_version());
    assert_eq!(again.instances()?.len(), 1);
    Ok(())
}

#[test]
fn peeking_at_the_schema_version_migrates_nothing() -> TestResult {
    let url = plugboard_pgcluster::database("peek")?;
    assert_eq!(Store::peek_postgres_version(&url)?, 0);
    assert_eq!(Store::peek_postgres_version(&url)?, 0, "peeking migrated");
    drop(Store::connect(&url)?);
    assert_eq!(Store::peek_postgres_version(&url)?, latest_version());
    Ok(())
}

#[test]
fn a_database_from_a_newer_plugboard_is_refused() -> TestResult {
    let url = plugboard_pgcluster::database("newer")?;
    drop(Store::connect(&url)?);
    let cluster = plugboard_pgcluster::shared()?;
    cluster.sql(
        &url,
        &format!(
            "UPDATE plugboard_schema SET version = {}",
            latest_version() + 1
        ),
    )?;
    let err = Store::connect(&url).err().ok_or("newer schema opened")?;
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Operator);
    let text = err.to_string();
    assert!(
        text.contains("upgrade") && text.contains("--database"),
        "{text}"
    );
    assert!(!text.contains(cluster.password()), "{text}");
    Ok(())
}

#[test]
fn connection_failures_are_the_operators_and_never_show_the_password() -> TestResult {
    let cluster = plugboard_pgcluster::shared()?;
    let password = cluster.password().to_string();
    // A port nothing listens on: bind one, note it, let it go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let existing = plugboard_pgcluster::database("login")?;
    let cases = [
        (
            "server down",
            format!("postgres://postgres:{password}@127.0.0.1:{closed}/x"),
            "running and reachable",
        ),
        (
            "wrong password",
            existing.replace(&password, "not-the-password"),
            "user and password",
        ),
        (
            "no such database",
            cluster.url("no_such_database"),
            "createdb",
        ),
    ];
    for (case, url, fix) in cases {
        let err = Store::connect_with(&url, impatient())
            .err()
            .ok_or(format!("{case}: connected"))?;
        let (text, debug) = (err.to_string(), format!("{err:?}"));
        assert!(
            matches!(err, StoreError::CannotConnect { .. }),
            "{case}: {debug}"
        );
        assert_eq!(err.blame(), Blame::Operator, "{case}");
        assert!(text.contains(fix), "{case}: {text}");
        assert!(
            text.contains("postgres://"),
            "{case} names the database: {text}"
        );
        for shown in [&text, &debug] {
            assert!(!shown.contains(&password), "{case}: {shown}");
            assert!(!shown.contains("not-the-password"), "{case}: {shown}");
        }
    }
    Ok(())
}

#[test]
fn a_stores_debug_output_names_the_database_without_its_password() -> TestResult {
    let url = plugboard_pgcluster::database("debug")?;
    let store = Store::connect(&url)?;
    let password = plugboard_pgcluster::shared()?.password();
    let debug = format!("{store:?}");
    assert!(debug.contains("postgres://postgres@127.0.0.1"), "{debug}");
    assert!(!debug.contains(password), "{debug}");
    assert!(!store.label().contains(password));
    Ok(())
}

#[test]
fn secrets_reach_the_database_only_sealed() -> TestResult {
    let cluster = plugboard_pgcluster::shared()?;
    let plaintext = "zoom-client-secret-4f9c2a7e1b";
    let hex_plaintext: String = plaintext.bytes().map(|b| format!("{b:02x}")).collect();
    let contains = |dump: &str| dump.contains(plaintext) || dump.contains(&hex_plaintext);
    let url = plugboard_pgcluster::database("sealed")?;
    let store = store_with(Store::connect(&url)?, &["acme"])?;
    let key = MasterKey::generate()?;
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
    assert!(!contains(&cluster.dump(&url)?), "plaintext in the database");
    // Control: the same search finds bytes stored unsealed.
    let control = plugboard_pgcluster::database("sealed_control")?;
    let store = store_with(Store::connect(&control)?, &["acme"])?;
    store.put_sealed_secret("acme", "client_secret", plaintext.as_bytes())?;
    assert!(contains(&cluster.dump(&control)?), "search is blind");
    Ok(())
}

#[test]
fn two_nodes_committing_the_same_accounts_in_opposite_orders_both_succeed() -> TestResult {
    let url = plugboard_pgcluster::database("two_nodes")?;
    let first = store_with(Store::connect(&url)?, &["acme"])?;
    let second = Store::connect(&url)?;
    let forward: Vec<_> = (0..200)
        .map(|i| account(&format!("u{i}"), AccountStatus::Active))
        .collect();
    let backward: Vec<_> = forward.iter().rev().cloned().collect();
    let rounds = 10;
    std::thread::scope(|s| -> TestResult {
        let a = s.spawn(|| -> Result<(), StoreError> {
            for _ in 0..rounds {
                first.commit_page("acme", "users", &page(forward.clone(), None, false))?;
            }
            Ok(())
        });
        let b = s.spawn(|| -> Result<(), StoreError> {
            for _ in 0..rounds {
                second.commit_page("acme", "callers", &page(backward.clone(), None, false))?;
            }
            Ok(())
        });
        a.join().map_err(|_| "first node panicked")??;
        b.join().map_err(|_| "second node panicked")??;
        Ok(())
    })?;
    assert_eq!(first.counts(Some("acme"))?.users, 200);
    assert_eq!(second.checkpoints("acme")?.len(), 2);
    Ok(())
}

#[test]
fn an_instance_added_on_one_node_is_seen_by_another() -> TestResult {
    let url = plugboard_pgcluster::database("shared")?;
    let one = Store::connect(&url)?;
    let other = Store::connect(&url)?;
    store_with(one, &["acme"])?;
    let ids: Vec<_> = other.instances()?.into_iter().map(|i| i.id).collect();
    assert_eq!(ids, ["acme"]);
    Ok(())
}

#[test]
fn the_store_can_be_called_and_dropped_inside_async_runtimes() -> TestResult {
    let url = plugboard_pgcluster::database("async")?;
    for flavour in ["current-thread", "multi-thread"] {
        let rt = match flavour {
            "current-thread" => tokio::runtime::Builder::new_current_thread().build()?,
            _ => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()?,
        };
        let url = url.clone();
        let found: Result<usize, StoreError> = rt.block_on(async move {
            let store = Store::connect(&url)?;
            let n = store.instances()?.len();
            drop(store);
            Ok(n)
        });
        assert_eq!(found?, 0, "{flavour}");
    }
    Ok(())
}

#[test]
fn nodes_racing_for_one_lease_leave_exactly_one_holder() -> TestResult {
    let url = plugboard_pgcluster::database("lease_race")?;
    store_with(Store::connect(&url)?, &["acme"])?;
    let nodes: Vec<Store> = (0..4)
        .map(|_| Store::connect(&url))
        .collect::<Result<_, _>>()?;
    let ttl = Duration::from_secs(3600);
    let won: Vec<Option<_>> = std::thread::scope(|s| {
        let racers: Vec<_> = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| s.spawn(move || node.acquire_lease("acme", &format!("node-{i}"), ttl)))
            .collect();
        racers
            .into_iter()
            .map(|r| r.join().unwrap_or_else(|_| panic!("a racer panicked")))
            .collect::<Result<_, StoreError>>()
    })?;
    let holders: Vec<_> = won.into_iter().flatten().collect();
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_eq!(nodes[0].leases()?, holders);
    Ok(())
}

#[test]
fn nodes_claiming_at_once_take_different_instances_within_their_share() -> TestResult {
    let url = plugboard_pgcluster::database("claims")?;
    let ids: Vec<String> = (0..8).map(|i| format!("i{i}")).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    store_with(Store::connect(&url)?, &id_refs)?;
    let nodes: Vec<(String, Store)> = (0..4)
        .map(|i| Ok((format!("node-{i}"), Store::connect(&url)?)))
        .collect::<Result<_, StoreError>>()?;
    for (name, store) in &nodes {
        store.heartbeat(name)?;
    }
    let ttl = Duration::from_secs(3600);
    let claim_all = || -> Result<Vec<Vec<String>>, StoreError> {
        std::thread::scope(|s| {
            let claims: Vec<_> = nodes
                .iter()
                .map(|(name, store)| s.spawn(move || store.claim_leases(name, ttl, ttl)))
                .collect();
            claims
                .into_iter()
                .map(|c| c.join().unwrap_or_else(|_| panic!("a claim panicked")))
                .map(|r| r.map(|leases| leases.into_iter().map(|l| l.instance).collect()))
                .collect()
        })
    };
    // Claims that ran at once skip each other's locked rows; a second round
    // picks up what the first left.
    let first = claim_all()?;
    let second = claim_all()?;
    let mut taken: Vec<&String> = first.iter().chain(&second).flatten().collect();
    let total = taken.len();
    taken.sort();
    taken.dedup();
    assert_eq!(
        taken.len(),
        total,
        "an instance claimed twice: {first:?} {second:?}"
    );
    assert_eq!(total, 8, "every instance claimed: {first:?} {second:?}");
    for node in nodes[0].1.live_nodes(ttl)? {
        assert_eq!(node.leases, 2, "{node:?} holds its share of 8 over 4");
    }
    Ok(())
}

#[test]
fn a_change_made_through_one_node_is_announced_to_the_others() -> TestResult {
    let url = plugboard_pgcluster::database("changes")?;
    let listener = Store::connect(&url)?;
    let writer = Store::connect(&url)?;
    let mut changes = listener
        .subscribe_changes()?
        .ok_or("no subscription on PostgreSQL")?;
    writer.put_plugin(&plugin("zoom", "1.0.0"))?;
    writer.add_instance(&instance("acme", "zoom"))?;
    writer.set_instance_enabled("acme", false)?;
    writer.announce_scan("acme")?;
    writer.remove_instance("acme")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    let mut seen = Vec::new();
    while seen.len() < 5 {
        // A hang guard, not a latency claim.
        let next = rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(60), changes.receiver.recv()).await
        });
        match next {
            Ok(Some(change)) => seen.push(change),
            other => return Err(format!("after {seen:?}: {other:?}").into()),
        }
    }
    let acme = || Change::Instance("acme".into());
    assert_eq!(
        seen,
        [
            Change::Plugin("zoom".into()),
            acme(),
            acme(),
            Change::Scan("acme".into()),
            acme()
        ]
    );
    let sqlite = Store::open_in_memory()?;
    assert!(
        sqlite.subscribe_changes()?.is_none(),
        "SQLite serves one node: nothing to subscribe to"
    );
    sqlite.announce_scan("acme")?;
    Ok(())
}
