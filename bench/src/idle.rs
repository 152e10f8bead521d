//! An idle node holding many instances (issue 16): resident memory and the
//! scheduler's own CPU and store traffic when nothing is due.
//!
//! The instances are enabled Zoom instances on a PostgreSQL database, each
//! with its own credentials, whose three phases are next due in 24 hours
//! (as if each had just been scanned), and the node runs with 24-hour
//! periods: it claims every lease, starts a worker per instance, and then
//! only keeps its leases (a renew per lease every third of the TTL), its
//! heartbeat and its reconciler going. Nothing calls an upstream, so the
//! plugin is never loaded and the routes point at a closed loopback port.
//!
//! The instances are written by this process through the library
//! (`validate_new` for the first, then `store_new` for all), not through
//! the API: an add through the API checks the credentials against the app
//! and compares them with every stored instance's, which at this count would
//! measure the setup rather than the idle node. A baseline run of the same
//! node on the same database with no instance comes first.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use plugboard_core::secrets::SecretValue;
use plugboard_host::host::Host;
use plugboard_host::instance::{NewInstance, store_new, validate_new};
use plugboard_host::registry::{Grant, PluginSource, add_plugin};

use crate::node::{ClusterEnv, Node, node_dir};
use crate::pg::Db;
use crate::report::Report;
use crate::setup::PluginFiles;

/// Periods long enough that nothing is due while we watch.
const LONG: [&str; 6] = [
    "--accounts-every",
    "24h",
    "--activities-every",
    "24h",
    "--posture-every",
    "24h",
];

/// The size of the run.
#[derive(Debug, Clone, Copy)]
pub struct IdleSize {
    /// Instances the node holds.
    pub instances: usize,
    /// How long to watch the idle node.
    pub watch: Duration,
    /// How long to let it settle first (after it holds every lease).
    pub settle: Duration,
}

/// What an idle window showed.
struct Window {
    rss: u64,
    peak_rss: u64,
    cpu_per_min: f64,
    commits_per_min: f64,
}

async fn watch(node: &Node, db: &Db, size: &IdleSize) -> anyhow::Result<Window> {
    tokio::time::sleep(size.settle).await;
    let (u0, c0, t0) = (node.usage()?, db.commits()?, Instant::now());
    tokio::time::sleep(size.watch).await;
    let (u1, c1) = (node.usage()?, db.commits()?);
    let minutes = t0.elapsed().as_secs_f64() / 60.0;
    Ok(Window {
        rss: u1.rss,
        peak_rss: u1.peak_rss,
        cpu_per_min: (u1.cpu_s - u0.cpu_s) / minutes,
        commits_per_min: (c1 - c0) / minutes,
    })
}

/// Run the idle benchmark.
pub async fn run(
    report: &mut Report,
    bin: &std::path::Path,
    zoom: &PluginFiles,
    size: &IdleSize,
) -> anyhow::Result<()> {
    let db = Db::create("bench_idle")?;
    let dir = tempfile::tempdir()?;
    let (home, log) = node_dir(dir.path(), "node")?;
    let app = Host::new(Some(home.clone())).with_database(Some(db.url.clone()));
    let key = app.master_key()?;
    let env = ClusterEnv {
        bin: bin.to_path_buf(),
        url: db.url.clone(),
        master_key_hex: key.to_hex().to_string(),
    };
    let token = env.token(&home)?;
    let source = PluginSource::from_parts(&zoom.manifest_text, zoom.wasm.clone())?;
    let grant = Grant::all_requested(&source.manifest, "benchmark");
    add_plugin(app.home()?, app.store()?, app.runtime()?, source, &grant).await?;

    eprintln!("idle: baseline, a node holding no instance...");
    let mut node = env.start(&home, &log, &token, &LONG)?;
    node.ready().await?;
    let empty = watch(&node, &db, size).await?;
    node.stop()?;

    eprintln!("idle: storing {} instances...", size.instances);
    let store = app.store()?;
    let created = Instant::now();
    let due = plugboard_host::daemon::schedule::after(
        time::OffsetDateTime::now_utc(),
        Duration::from_secs(24 * 3600),
    );
    let mut row = None;
    for n in 0..size.instances {
        let new = idle_instance(n);
        let this = match &row {
            None => validate_new(store, &key, &zoom.manifest, &new)?,
            Some(first) => plugboard_core::store::InstanceRow {
                id: new.id.clone(),
                config_json: serde_json::to_string(&new.config)?,
                ..Clone::clone(first)
            },
        };
        store_new(store, &key, &this, &new)?;
        for phase in ["accounts", "activities", "posture"] {
            store.schedule_next(&new.id, phase, Some(&due))?;
        }
        row.get_or_insert(this);
    }
    let created = created.elapsed();

    eprintln!(
        "idle: a node holding {} instances, watched for {:?}...",
        size.instances, size.watch
    );
    let started = Instant::now();
    let mut node = env.start(&home, &log, &token, &LONG)?;
    let id = node.ready().await?;
    let all = size.instances as u64;
    loop {
        let held = tokio::task::block_in_place(|| db.live_leases(Some(&id)))?;
        if held >= all {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the node holds {held} of {all} leases after 10 minutes; its log:\n{}",
            crate::node::tail(&node.log)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let claimed = started.elapsed();
    let at_claim = node.usage()?;
    let full = watch(&node, &db, size).await?;
    let held_after = db.live_leases(Some(&id))?;
    let ran = db.number("SELECT count(*) FROM schedules WHERE last_started_at IS NOT NULL")?;
    anyhow::ensure!(
        ran == 0.0,
        "{ran} phases ran while the node was meant to be idle"
    );
    let stopping = Instant::now();
    node.stop()?;
    let stopped = stopping.elapsed();

    let b = "idle";
    let n = size.instances;
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    report.metric(
        b,
        format!("{n} instances stored (setup, in-process)"),
        created.as_secs_f64(),
        "s",
        "store_new + 3 x schedule_next each, one connection, sequentially",
    );
    report.metric(
        b,
        format!("node start to holding all {n} leases"),
        claimed.as_secs_f64(),
        "s",
        format!(
            "process start, readiness, claims up to the fair share; CPU by then {:.1} s",
            at_claim.cpu_s
        ),
    );
    report.metric(
        b,
        "RSS, node holding no instance",
        mib(empty.rss),
        "MiB",
        format!("VmRSS after {:?} idle", size.settle + size.watch),
    );
    report.metric(
        b,
        format!("RSS, node holding {n} instances"),
        mib(full.rss),
        "MiB",
        format!(
            "VmRSS after {:?} idle; peak (VmHWM) {:.0} MiB",
            size.settle + size.watch,
            mib(full.peak_rss)
        ),
    );
    report.metric(
        b,
        "RSS per held instance",
        (full.rss as f64 - empty.rss as f64) / n as f64 / 1024.0,
        "KiB",
        "(RSS with the instances - RSS with none) / instances",
    );
    report.metric(
        b,
        "CPU per minute, node holding no instance",
        empty.cpu_per_min,
        "s/min",
        "user + system over the watch window",
    );
    report.metric(
        b,
        format!("CPU per minute, node holding {n} instances"),
        full.cpu_per_min,
        "s/min",
        "user + system over the watch window: lease renewals, heartbeats, reconciling",
    );
    report.metric(
        b,
        format!("store commits per minute, {n} instances"),
        full.commits_per_min,
        "tx/min",
        format!(
            "pg_stat_database.xact_commit (with none: {:.0}/min); leases still held at the end: {held_after}",
            empty.commits_per_min
        ),
    );
    report.metric(
        b,
        format!("SIGTERM to exit, {n} leases held"),
        stopped.as_secs_f64(),
        "s",
        "drain (nothing in flight), then every lease released",
    );
    Ok(())
}

/// Idle instance `n`: its own account and credentials, routed to a closed
/// loopback port (nothing is due, so nothing is called).
fn idle_instance(n: usize) -> NewInstance {
    let closed = "http://127.0.0.1:9".to_string();
    NewInstance {
        id: format!("idle{n:05}"),
        plugin: "zoom".into(),
        config: BTreeMap::from([
            ("account_id".into(), format!("idle-acct-{n:05}")),
            ("plan".into(), "business".into()),
        ]),
        secrets: BTreeMap::from([
            (
                "client_id".into(),
                SecretValue::new(format!("idle-client-{n:05}")),
            ),
            (
                "client_secret".into(),
                SecretValue::new(format!("idle-secret-{n:05}-0123456789")),
            ),
        ]),
        upstreams: BTreeMap::from([
            ("https://api.zoom.us".into(), closed.clone()),
            ("https://zoom.us".into(), closed),
        ]),
    }
}
