//! End to end: a full Zoom scan against the simulator, wall time against the
//! rate-limit floor.
//!
//! The floor is what pacing alone forces: for each API category, the
//! requests the simulator received ÷ the pace the host keeps for it
//! (`DEFAULT_SAFETY_FRACTION` × the plan's documented limit). Streams run
//! concurrently, so the slowest category sets the floor.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use plugboard_core::secrets::SecretValue;
use plugboard_host::capabilities::ratelimit::DEFAULT_SAFETY_FRACTION;
use plugboard_host::host::Host;
use plugboard_host::instance::{NewInstance, create_instance};
use plugboard_host::registry::{Grant, PluginSource, add_plugin};
use plugboard_host::scan::{ScanObserver, StreamStatus, run_scan};
use plugboard_sim::zoom::{Plan, ZoomSimBuilder};

use crate::report::Report;
use crate::setup::PluginFiles;

/// The simulated account.
#[derive(Debug, Clone, Copy)]
pub struct ScanSize {
    /// Active users.
    pub active: usize,
    /// Inactive users.
    pub inactive: usize,
    /// Pending users.
    pub pending: usize,
    /// Days of sign-in and operation logs.
    pub activity_days: u32,
}

/// When the first stream started and the last one finished.
#[derive(Default)]
struct SyncPhase {
    started: Mutex<Option<Instant>>,
    finished: Mutex<Option<Instant>>,
}

impl ScanObserver for SyncPhase {
    fn stream_started(&self, _: &str) {
        if let Ok(mut s) = self.started.lock() {
            s.get_or_insert_with(Instant::now);
        }
    }
    fn page(&self, _: &str, _: u64) {}
    fn stream_finished(&self, _: &str, _: &StreamStatus) {
        if let Ok(mut f) = self.finished.lock() {
            *f = Some(Instant::now());
        }
    }
}

impl SyncPhase {
    fn elapsed(&self) -> Option<Duration> {
        let s = (*self.started.lock().ok()?)?;
        let f = (*self.finished.lock().ok()?)?;
        Some(f.saturating_duration_since(s))
    }
}

/// Scan a Business-plan account of `size` once and judge it against the floor.
pub async fn run(report: &mut Report, zoom: &PluginFiles, size: ScanSize) -> anyhow::Result<()> {
    let plan = Plan::Business;
    let sim = ZoomSimBuilder::new()
        .plan(plan)
        .users(size.active, size.inactive, size.pending)
        .activity_days(size.activity_days)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .context("starting the Zoom simulator")?;
    let home = tempfile::tempdir()?;
    // A home the host creates itself (0700): the temporary directory follows
    // the umask, and an existing home others can enter is refused.
    let app = Host::new(Some(home.path().join("home")));
    let source = PluginSource::from_parts(&zoom.manifest_text, zoom.wasm.clone())?;
    let grant = Grant::all_requested(&source.manifest, "benchmark");
    add_plugin(app.home()?, app.store()?, app.runtime()?, source, &grant).await?;
    let creds = sim.credentials();
    let new = NewInstance {
        id: "bench".into(),
        plugin: "zoom".into(),
        config: BTreeMap::from([
            ("account_id".into(), creds.account_id.clone()),
            ("plan".into(), plan.to_string()),
            ("activity_days".into(), size.activity_days.to_string()),
        ]),
        secrets: BTreeMap::from([
            (
                "client_id".into(),
                SecretValue::new(creds.client_id.clone()),
            ),
            (
                "client_secret".into(),
                SecretValue::new(creds.client_secret.clone()),
            ),
        ]),
        upstreams: BTreeMap::from([
            ("https://api.zoom.us".into(), sim.base_url()),
            ("https://zoom.us".into(), sim.base_url()),
        ]),
    };
    create_instance(app.store()?, &app.master_key()?, &zoom.manifest, &new)?;
    let (plugin, ctx) = app.open_instance("bench").await?;
    let phase = SyncPhase::default();
    let scan = run_scan(&plugin, &ctx, app.store()?, &phase).await?;
    if let Some((stream, blame, error)) = scan.first_failure() {
        anyhow::bail!("stream {stream} failed (blame {blame}): {error}");
    }
    let counts = app.store()?.counts(Some("bench"))?;
    let want = sim.summary();
    anyhow::ensure!(
        counts.users == want.users as u64 && counts.activities == want.activities as u64,
        "the scan stored {} users and {} activities, the simulator has {} and {}",
        counts.users,
        counts.activities,
        want.users,
        want.activities
    );
    let counters = sim.counters();
    sim.shutdown().await;

    let mut floor = (0.0f64, String::new());
    for (category, &requests) in &counters.requests {
        let limit = plan.rate_limit(*category);
        let pace = DEFAULT_SAFETY_FRACTION * limit.limit as f64 / limit.window.as_secs_f64();
        let seconds = requests as f64 / pace;
        report.metric(
            "scan",
            format!("{category} requests"),
            requests as f64,
            "count",
            format!("paced at {pace:.1}/s: {seconds:.2} s of pacing"),
        );
        if seconds > floor.0 {
            floor = (seconds, category.to_string());
        }
    }
    for bucket in ctx.http.buckets().snapshot() {
        let stats = bucket.stats();
        report.metric(
            "scan",
            format!("host bucket `{}` granted", bucket.name()),
            stats.granted as f64,
            "count",
            format!(
                "at {:.1}/s, {} throttled",
                stats.rate_per_second.unwrap_or(f64::INFINITY),
                stats.throttled
            ),
        );
    }
    let wall = scan.elapsed.as_secs_f64();
    let sync_wall = phase.elapsed().map_or(f64::NAN, |d| d.as_secs_f64());
    let users = want.users;
    let days = size.activity_days;
    report.metric(
        "scan",
        format!(
            "records stored ({users} users, {} activities, {days} days)",
            want.activities
        ),
        (counts.users + counts.activities + counts.groups + counts.group_members) as f64,
        "count",
        "users + activities + groups + memberships",
    );
    report.metric(
        "scan",
        format!("rate-limit floor (slowest: {})", floor.1),
        floor.0,
        "s",
        "max over categories of requests / (0.8 x plan limit per second)",
    );
    report.metric(
        "scan",
        "wall time, whole scan",
        wall,
        "s",
        "run_scan: describe + check + all streams concurrently + assess + commits",
    );
    report.metric(
        "scan",
        "wall time, sync phase",
        sync_wall,
        "s",
        "first stream start to last stream end",
    );
    report.metric(
        "scan",
        "429 answers",
        counters.throttled as f64,
        "count",
        format!("simulator count; the host saw {}", scan.http.throttled),
    );
    let ratio = wall / floor.0;
    report.metric("scan", "wall / floor", ratio, "x", "");
    report.target(
        "full scan wall time <= 1.10 x the rate-limit floor",
        ratio,
        1.10,
        "x",
        false,
    );
    report.target(
        "full scan receives 0 429s",
        counters.throttled as f64,
        0.0,
        "count",
        false,
    );
    Ok(())
}
