//! Many tenants on a cluster: N Zoom accounts scanned by 1 node, then by 3
//! nodes, on one PostgreSQL database each run (issue 16's scale benchmark).
//!
//! Tenants: one Zoom simulator per tenant, each on its own loopback port,
//! all in this process (the simulator serves one account; many instances of
//! it are simpler than a multi-tenant mode and exercise the same host path:
//! one upstream, token and set of rate buckets per tenant). Each has its own
//! account id, credentials, seed and a small dataset.
//!
//! A run: a fresh database, K `plugboard serve` nodes (the release binary,
//! default periods and lease TTL), the Zoom plugin uploaded through one
//! node, then every tenant added through the API (`POST /v1/instances`,
//! spread over the nodes, a few in flight), which checks it against its
//! simulator and stores it; each node claims its share and scans at once.
//! The clock starts before the first add and stops when the store shows
//! every tenant's directory phase succeeded once (and, separately, all three
//! phases). CPU and memory are read from `/proc` for each node and for this
//! process (the simulators); store writes are PostgreSQL's committed
//! transactions (`pg_stat_database.xact_commit`) and the records stored,
//! each divided by the time until every directory scan was complete.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use plugboard_core::secrets::MasterKey;
use plugboard_sim::zoom::{Plan, ZoomSim, ZoomSimBuilder};
use serde_json::json;

use crate::measure::Samples;
use crate::node::{ClusterEnv, Node, Usage, node_dir};
use crate::pg::Db;
use crate::report::Report;
use crate::setup::PluginFiles;

/// The size of a run.
#[derive(Debug, Clone)]
pub struct ClusterSize {
    /// Tenants (Zoom accounts, one instance each).
    pub tenants: usize,
    /// Node counts to run with, one run each.
    pub nodes: Vec<usize>,
    /// Users per tenant.
    pub users: usize,
    /// Days of activity per tenant.
    pub activity_days: u32,
    /// Adds in flight at once.
    pub add_concurrency: usize,
    /// Give up on a run after this long.
    pub timeout: Duration,
}

/// Run every node count in `size.nodes` against the same simulated tenants.
pub async fn run(
    report: &mut Report,
    bin: &std::path::Path,
    zoom: &PluginFiles,
    size: &ClusterSize,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut sims = Vec::with_capacity(size.tenants);
    for n in 0..size.tenants {
        sims.push(tenant_sim(n, size).await?);
    }
    eprintln!(
        "cluster: {} simulators up in {:.1} s",
        sims.len(),
        started.elapsed().as_secs_f64()
    );
    let sims = Arc::new(sims);
    let users: usize = sims.iter().map(|s| s.summary().users).sum();
    for &k in &size.nodes {
        run_one(report, bin, zoom, size, &sims, k, users).await?;
    }
    if let Ok(sims) = Arc::try_unwrap(sims) {
        for sim in sims {
            sim.shutdown().await;
        }
    }
    Ok(())
}

async fn tenant_sim(n: usize, size: &ClusterSize) -> anyhow::Result<ZoomSim> {
    let active = size.users - size.users / 10;
    ZoomSimBuilder::new()
        .plan(Plan::Business)
        .credentials(
            &format!("acct-{n:05}"),
            &format!("client-{n:05}"),
            &format!("secret-{n:05}-bench-0123456789"),
        )
        .users(active, size.users / 10, 0)
        .activity_days(size.activity_days)
        .seed(n as u64 + 1)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .with_context(|| format!("starting simulator {n}"))
}

/// What one tenant's add sends.
fn add_body(n: usize, sim: &ZoomSim, days: u32) -> serde_json::Value {
    let c = sim.credentials();
    let base = sim.base_url();
    json!({
        "id": format!("t{n:05}"),
        "plugin": "zoom",
        "config": {
            "account_id": c.account_id,
            "plan": "business",
            "activity_days": days.to_string(),
        },
        "secrets": { "client_id": c.client_id, "client_secret": c.client_secret },
        "upstreams": { "https://api.zoom.us": base, "https://zoom.us": base },
    })
}

async fn run_one(
    report: &mut Report,
    bin: &std::path::Path,
    zoom: &PluginFiles,
    size: &ClusterSize,
    sims: &Arc<Vec<ZoomSim>>,
    k: usize,
    users: usize,
) -> anyhow::Result<()> {
    let label = format!("{k} node{}", if k == 1 { "" } else { "s" });
    eprintln!(
        "cluster: {} tenants on {label} ({} users, {} days each)...",
        size.tenants, size.users, size.activity_days
    );
    let db = Db::create(&format!("bench_cluster_{k}"))?;
    let dir = tempfile::tempdir()?;
    let env = ClusterEnv {
        bin: bin.to_path_buf(),
        url: db.url.clone(),
        master_key_hex: MasterKey::generate()?.to_hex().to_string(),
    };
    let (token_home, _) = node_dir(dir.path(), "token")?;
    let token = env.token(&token_home)?;
    let mut nodes: Vec<Node> = Vec::with_capacity(k);
    for i in 0..k {
        let (home, log) = node_dir(dir.path(), &format!("node{i}"))?;
        nodes.push(env.start(&home, &log, &token, &[])?);
    }
    for node in &nodes {
        node.ready().await?;
    }
    nodes
        .first()
        .context("no node")?
        .api
        .add_plugin(zoom)
        .await?;
    // Every node hears of the new plugin and compiles it in the background;
    // let that finish before the clock starts.
    tokio::time::sleep(Duration::from_secs(5)).await;

    let before: Vec<Usage> = nodes.iter().map(Node::usage).collect::<Result<_, _>>()?;
    let self_before = Usage::of("/proc/self")?;
    let commits_before = db.commits()?;
    let t0 = Instant::now();

    // Add every tenant through the API, round-robin over the nodes.
    let next = Arc::new(AtomicUsize::new(0));
    let apis: Arc<Vec<_>> = Arc::new(nodes.iter().map(|n| n.api.clone()).collect());
    let mut adders = tokio::task::JoinSet::new();
    for _ in 0..size.add_concurrency.max(1) {
        let (next, apis, sims) = (next.clone(), apis.clone(), sims.clone());
        let days = size.activity_days;
        adders.spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some(sim) = sims.get(n) else {
                    return Ok::<_, anyhow::Error>(latencies);
                };
                let api = apis.get(n % apis.len()).context("no node")?;
                let sent = Instant::now();
                let (status, body) = api.post("/v1/instances", add_body(n, sim, days)).await?;
                anyhow::ensure!(status == 201, "adding tenant {n} answered {status}: {body}");
                latencies.push((n, sent.elapsed()));
            }
        });
    }

    // Meanwhile, watch the store until every tenant's scans are done.
    let tenants = size.tenants as u64;
    let (mut added_at, mut directory_at, mut full_at) = (None, None, None);
    let mut latencies = Vec::new();
    let mut at_directory = None;
    loop {
        while let Some(done) = adders.try_join_next() {
            latencies.extend(done.context("an adder panicked")??);
            if adders.is_empty() {
                added_at = Some(t0.elapsed());
            }
        }
        let (dir_done, full_done) = poll(&db).await?;
        if directory_at.is_none() && dir_done >= tenants {
            directory_at = Some(t0.elapsed());
            let usage: Vec<Usage> = nodes.iter().map(Node::usage).collect::<Result<_, _>>()?;
            at_directory = Some((
                usage,
                Usage::of("/proc/self")?,
                db.commits()?,
                db.records()?,
            ));
        }
        if full_at.is_none() && full_done >= tenants {
            full_at = Some(t0.elapsed());
        }
        if directory_at.is_some() && full_at.is_some() && added_at.is_some() {
            break;
        }
        if t0.elapsed() > size.timeout {
            let logs: Vec<String> = nodes.iter().map(|n| crate::node::tail(&n.log)).collect();
            anyhow::bail!(
                "{label}: after {:?}, {dir_done} of {tenants} directory scans and {full_done} full scans were complete; node logs:\n{}",
                size.timeout,
                logs.join("\n---\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (Some(added_at), Some(directory_at), Some(full_at), Some(at_dir)) =
        (added_at, directory_at, full_at, at_directory)
    else {
        anyhow::bail!("unreachable: the loop ends only when all are set");
    };
    let (usage_dir, self_dir, commits_dir, records_dir) = at_dir;
    let stored_users = db.number("SELECT count(*) FROM accounts")? as usize;
    anyhow::ensure!(
        stored_users == users,
        "{label}: the scans stored {stored_users} users, the simulators have {users}"
    );
    let failed_phases =
        db.number("SELECT count(*) FROM schedules WHERE last_error_at IS NOT NULL")?;
    let peaks: Vec<Usage> = nodes.iter().map(Node::usage).collect::<Result<_, _>>()?;
    for node in &mut nodes {
        node.stop()?;
    }

    let b = "cluster";
    let window = directory_at.as_secs_f64();
    report.metric(
        b,
        format!("{label}: every tenant's first directory scan complete"),
        window,
        "s",
        format!(
            "{} tenants x {} users: from the first add to the last accounts phase succeeded",
            size.tenants, size.users
        ),
    );
    report.metric(
        b,
        format!("{label}: every tenant's first full scan complete"),
        full_at.as_secs_f64(),
        "s",
        "accounts, activities and posture phases all succeeded once",
    );
    report.metric(
        b,
        format!("{label}: all tenants added through the API"),
        added_at.as_secs_f64(),
        "s",
        format!(
            "POST /v1/instances, {} in flight, round-robin over the nodes (each add runs the plugin's check)",
            size.add_concurrency
        ),
    );
    latencies.sort_by_key(|(n, _)| *n);
    let tenth = (latencies.len() / 10).max(1);
    for (which, part) in [
        ("first", latencies.iter().take(tenth).collect::<Vec<_>>()),
        (
            "last",
            latencies.iter().rev().take(tenth).collect::<Vec<_>>(),
        ),
    ] {
        let mut s = Samples::with_capacity(part.len());
        for (_, d) in part {
            s.push(*d);
        }
        report.metric(
            b,
            format!("{label}: add latency, median of the {which} {tenth} tenants"),
            s.median_s() * 1e3,
            "ms",
            "one POST /v1/instances: validate, check against the simulator, store",
        );
    }
    report.metric(
        b,
        format!("{label}: phases that failed at least once"),
        failed_phases,
        "count",
        "schedules with a last error (retried by the scheduler)",
    );
    let commits = commits_dir - commits_before;
    report.metric(
        b,
        format!("{label}: store commits per second"),
        commits / window,
        "tx/s",
        format!(
            "pg_stat_database.xact_commit: {commits:.0} transactions until every directory scan was complete, all nodes and the bench's polls"
        ),
    );
    report.metric(
        b,
        format!("{label}: records stored per second"),
        records_dir / window,
        "records/s",
        format!("{records_dir:.0} accounts, groups, memberships, roles, activities, findings stored by then"),
    );
    for (i, ((b0, bd), peak)) in before.iter().zip(&usage_dir).zip(&peaks).enumerate() {
        report.metric(
            b,
            format!("{label}: node {i} CPU"),
            bd.cpu_s - b0.cpu_s,
            "s",
            format!(
                "user + system, first add to every directory scan complete ({:.0}% of one core)",
                (bd.cpu_s - b0.cpu_s) / window * 100.0
            ),
        );
        report.metric(
            b,
            format!("{label}: node {i} peak RSS"),
            peak.peak_rss as f64 / (1024.0 * 1024.0),
            "MiB",
            format!(
                "VmHWM at the end (RSS then {:.0} MiB, before the first add {:.0} MiB)",
                peak.rss as f64 / (1024.0 * 1024.0),
                b0.rss as f64 / (1024.0 * 1024.0)
            ),
        );
    }
    report.metric(
        b,
        format!("{label}: benchmark process CPU"),
        self_dir.cpu_s - self_before.cpu_s,
        "s",
        "the simulators, the adds and the polls, in the same window",
    );
    Ok(())
}

/// Directory scans and full scans done (`psql` blocks: the runtime's other
/// worker keeps serving the simulators meanwhile).
async fn poll(db: &Db) -> anyhow::Result<(u64, u64)> {
    tokio::task::block_in_place(|| Ok((db.directory_scans_done()?, db.full_scans_done()?)))
}
