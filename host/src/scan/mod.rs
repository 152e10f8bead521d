//! A scan: check the credentials, sync every stream page by page (accounts
//! first, activities last; or only a [`StreamSelection`]), then assess
//! posture. Each stream reports what it cost: its calls' requests and 429s
//! and its elapsed time.
//!
//! The host drives the loop. Each page and its cursor are committed in one
//! transaction, so an interrupted scan resumes from the last committed page
//! and a replayed page changes nothing.

mod observer;
mod record;

pub use observer::{NoProgress, ScanObserver};
pub use record::{run_outcome, scan_recorded, scan_recorded_until};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use plugboard_core::Blame;
use plugboard_core::model::{ConnectorErrorKind, StreamInfo, StreamKind};
use plugboard_core::store::{CommitTerms, DailyCap, Store, StoreError};
use serde::Serialize;
use tracing::Instrument as _;

use crate::capabilities::http::HttpStatsSnapshot;
use crate::limits::{MAX_CONCURRENT_CALLS, WriteCaps};
use crate::runtime::{CallError, InstanceContext, LoadedPlugin};

/// Pages one stream may take in one scan; a plugin whose cursor never ends
/// is stopped here instead of looping forever.
pub const MAX_PAGES_PER_STREAM: u64 = 100_000;

/// How one stream ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum StreamStatus {
    /// Every page committed.
    Completed,
    /// The upstream lacks the licence or permission for this data.
    Unavailable {
        /// Why.
        reason: String,
    },
    /// The scan was asked to stop (shutdown or disable) between two pages;
    /// the next scan resumes from the last committed page.
    Stopped,
    /// The stream failed; committed pages stay.
    Failed {
        /// Who is to blame.
        blame: Blame,
        /// What happened.
        error: String,
    },
}

/// What one stream did.
#[derive(Debug, Clone, Serialize)]
pub struct StreamReport {
    /// Stream name.
    pub name: String,
    /// Pages committed.
    pub pages: u64,
    /// Records committed (before de-duplication).
    pub records: u64,
    /// Requests its `sync` calls put on the wire (retries and redirect hops
    /// included).
    pub requests: u64,
    /// 429 answers its `sync` calls received.
    pub throttled: u64,
    /// Wall time from its checkpoint read to its last commit, waits for a
    /// free plugin call and for rate buckets included.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
    /// How it ended (in JSON, `status` and its fields beside the others).
    #[serde(flatten)]
    pub status: StreamStatus,
}

/// A duration as whole milliseconds, as every JSON output writes them.
fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What a scan did.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// Instance id.
    pub instance: String,
    /// What `check` said about the upstream account or tenant.
    pub account: Option<plugboard_core::model::AccountInfo>,
    /// Per stream.
    pub streams: Vec<StreamReport>,
    /// Findings from `assess`, when it ran.
    pub findings: Option<usize>,
    /// HTTP counters for this instance.
    pub http: HttpStatsSnapshot,
    /// Tokens minted.
    pub token_mints: u64,
    /// What each rate bucket did during this scan (buckets it did not use
    /// are left out). Stored with the run, for the console's chart of
    /// requests and 429 answers per bucket over time.
    pub buckets: std::collections::BTreeMap<String, BucketTraffic>,
    /// Wall time.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
}

/// One rate bucket's traffic during one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BucketTraffic {
    /// Requests paced through the bucket.
    pub requests: u64,
    /// 429 answers to them.
    pub throttled: u64,
}

/// Every bucket of `ctx` by name: (requests paced, 429 answers) so far.
fn bucket_counts(ctx: &InstanceContext) -> std::collections::BTreeMap<String, (u64, u64)> {
    let mut out = std::collections::BTreeMap::new();
    for b in ctx.http.buckets().snapshot() {
        let s = b.stats();
        let e: &mut (u64, u64) = out.entry(b.name().to_string()).or_default();
        e.0 = e.0.saturating_add(s.granted);
        e.1 = e.1.saturating_add(s.throttled);
    }
    out
}

/// What each bucket did between the counts `before` and now.
fn bucket_traffic(
    ctx: &InstanceContext,
    before: &std::collections::BTreeMap<String, (u64, u64)>,
) -> std::collections::BTreeMap<String, BucketTraffic> {
    bucket_counts(ctx)
        .into_iter()
        .filter_map(|(name, (granted, throttled))| {
            let (g0, t0) = before.get(&name).copied().unwrap_or_default();
            let t = BucketTraffic {
                requests: granted.saturating_sub(g0),
                throttled: throttled.saturating_sub(t0),
            };
            (t != BucketTraffic::default()).then_some((name, t))
        })
        .collect()
}

impl ScanReport {
    /// The first failure, if any stream failed.
    pub fn first_failure(&self) -> Option<(&str, Blame, &str)> {
        self.streams.iter().find_map(|s| match &s.status {
            StreamStatus::Failed { blame, error } => {
                Some((s.name.as_str(), *blame, error.as_str()))
            }
            _ => None,
        })
    }
}

/// Why a scan could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// `describe` or `check` failed.
    #[error("{stage} failed: {cause}")]
    Call {
        /// `describe` or `check`.
        stage: &'static str,
        /// The failure.
        cause: CallError,
    },
    /// The store failed.
    #[error("{0}")]
    Store(#[from] plugboard_core::store::StoreError),
    /// A blocking task panicked or was cancelled.
    #[error("host task failed: {0}")]
    Task(String),
    /// The operator interrupted the scan (Ctrl-C); committed pages are kept.
    #[error("interrupted by the operator; every page committed before is kept")]
    Interrupted,
    /// The operator named streams the plugin does not have.
    #[error(transparent)]
    UnknownStreams(#[from] UnknownStreams),
    /// A consent-flow profile is not connected, or needs a reconnect: the
    /// scan asks the app nothing.
    #[error(transparent)]
    Auth(#[from] crate::capabilities::auth::AuthError),
}

impl ScanError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            ScanError::Call { cause, .. } => cause.blame(),
            ScanError::Store(e) => e.blame(),
            ScanError::Auth(e) => e.blame(),
            ScanError::Task(_) => Blame::Host,
            ScanError::Interrupted | ScanError::UnknownStreams(_) => Blame::Operator,
        }
    }
}

/// Streams in sync order: accounts, groups, roles, activities.
pub fn ordered_streams(mut streams: Vec<StreamInfo>) -> Vec<StreamInfo> {
    streams.sort_by_key(|s| s.kind);
    streams
}

/// Which parts of a scan to run. The daemon runs them as separate phases on
/// their own schedules (accounts every few hours, activities every few
/// minutes, posture after accounts); `plugboard scan` runs everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanPlan {
    /// Sync the directory streams (accounts, groups, roles).
    pub directory: bool,
    /// Sync the activity streams.
    pub activities: bool,
    /// Run `assess` and replace the findings.
    pub posture: bool,
}

impl ScanPlan {
    /// Everything: directory, activities, posture.
    pub const FULL: ScanPlan = ScanPlan {
        directory: true,
        activities: true,
        posture: true,
    };

    /// The plan's name in traces: the daemon phase it is (`accounts`,
    /// `activities`, `posture`), `full`, or `partial`.
    pub fn label(&self) -> &'static str {
        match (self.directory, self.activities, self.posture) {
            (true, true, true) => "full",
            (true, false, false) => "accounts",
            (false, true, false) => "activities",
            (false, false, true) => "posture",
            _ => "partial",
        }
    }

    /// Whether streams of `kind` are part of this plan.
    pub fn includes(&self, kind: StreamKind) -> bool {
        match kind {
            StreamKind::Activities => self.activities,
            StreamKind::Accounts | StreamKind::Groups | StreamKind::Roles => self.directory,
        }
    }
}

/// Which of a plugin's streams a scan syncs (`plugboard scan --stream`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StreamSelection {
    /// Every stream the plan includes.
    #[default]
    All,
    /// Only these, by name (each must be one of the plugin's streams).
    Only(Vec<String>),
}

/// Streams the operator named that the plugin does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "plugin {plugin} has no stream {}; its streams are {}",
    self.unknown.join(", "),
    self.known.join(", ")
)]
pub struct UnknownStreams {
    pub plugin: String,
    /// The names given that it lacks, quoted for display.
    pub unknown: Vec<String>,
    /// Its streams, in sync order, neutralised for display.
    pub known: Vec<String>,
}

impl StreamSelection {
    /// The selection of `names`: `All` when empty, repeats dropped.
    pub fn of(names: &[String]) -> Self {
        let mut only: Vec<String> = Vec::with_capacity(names.len());
        for n in names {
            if !only.contains(n) {
                only.push(n.clone());
            }
        }
        if only.is_empty() {
            StreamSelection::All
        } else {
            StreamSelection::Only(only)
        }
    }

    /// Whether stream `name` is selected.
    pub fn includes(&self, name: &str) -> bool {
        match self {
            StreamSelection::All => true,
            StreamSelection::Only(names) => names.iter().any(|n| n == name),
        }
    }

    /// Refuse names that are not among `streams` (plugin `plugin`'s), listing
    /// the streams it has.
    pub fn check(&self, plugin: &str, streams: &[StreamInfo]) -> Result<(), UnknownStreams> {
        let StreamSelection::Only(names) = self else {
            return Ok(());
        };
        let unknown: Vec<String> = names
            .iter()
            .filter(|n| !streams.iter().any(|s| &s.name == *n))
            .map(|n| plugboard_core::text::quoted(n))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(UnknownStreams {
            plugin: plugin.to_string(),
            unknown,
            known: ordered_streams(streams.to_vec())
                .iter()
                .map(|s| plugboard_core::text::neutralize(&s.name).into_owned())
                .collect(),
        })
    }
}

/// Run one scan of `ctx` with `plugin`, committing into `store`.
pub async fn run_scan(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
    observer: &dyn ScanObserver,
) -> Result<ScanReport, ScanError> {
    run_scan_plan(plugin, ctx, store, observer, ScanPlan::FULL).await
}

/// Run the parts of a scan in `plan`: `describe` and `check` always, then the
/// planned streams concurrently, then `assess` when planned.
pub async fn run_scan_plan(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
    observer: &dyn ScanObserver,
    plan: ScanPlan,
) -> Result<ScanReport, ScanError> {
    run_scan_selected(plugin, ctx, store, observer, plan, &StreamSelection::All).await
}

/// [`run_scan_plan`], syncing only the planned streams in `selection`
/// (names it lacks are refused after `describe`, before any request).
pub async fn run_scan_selected(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
    observer: &dyn ScanObserver,
    plan: ScanPlan,
    selection: &StreamSelection,
) -> Result<ScanReport, ScanError> {
    let span = scan_span(plugin, ctx, plan, None);
    scan_in(plugin, ctx, store, observer, plan, selection)
        .instrument(span)
        .await
}

/// The `scan` span: the root of a scan's trace, with the instance, the
/// plugin, the phase and (for a recorded scan) its run id. Every page,
/// plugin call and host call of the scan is below it.
pub fn scan_span(
    plugin: &LoadedPlugin,
    ctx: &InstanceContext,
    plan: ScanPlan,
    run: Option<i64>,
) -> tracing::Span {
    let span = tracing::info_span!(
        "scan",
        plugboard.instance = tracing::field::Empty,
        plugboard.plugin = tracing::field::Empty,
        plugboard.plugin.version = tracing::field::Empty,
        plugboard.phase = plan.label(),
        plugboard.run.id = run,
        error.type = tracing::field::Empty,
    );
    if !span.is_disabled() {
        let m = plugin.manifest();
        span.record("plugboard.instance", ctx.instance_id.as_str());
        span.record("plugboard.plugin", m.id.as_str());
        span.record("plugboard.plugin.version", m.version.as_str());
    }
    span
}

/// The scan itself, inside its span.
pub(crate) async fn scan_in(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
    observer: &dyn ScanObserver,
    plan: ScanPlan,
    selection: &StreamSelection,
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let buckets_before = bucket_counts(ctx);
    if let Some(blocked) = ctx.http.broker().consent_blocker(&ctx.http.sections().auth) {
        return Err(ScanError::Auth(blocked));
    }
    let info = plugin
        .describe(ctx)
        .await
        .map_err(|cause| ScanError::Call {
            stage: "describe",
            cause,
        })?;
    selection.check(&plugin.manifest().id, &info.streams)?;
    let account = plugin.check(ctx).await.map_err(|cause| ScanError::Call {
        stage: "check",
        cause,
    })?;
    // Streams are independent (each has its own checkpoint and usually its
    // own rate bucket), so they run concurrently: the scan then takes as long
    // as its slowest bucket, not the sum of all streams.
    let mut ordered = ordered_streams(info.streams);
    ordered.retain(|s| plan.includes(s.kind) && selection.includes(&s.name));
    let budget = ScanBudget::default();
    let calls = tokio::sync::Semaphore::new(MAX_CONCURRENT_CALLS);
    let runs = ordered
        .iter()
        .map(|s| sync_stream(plugin, ctx, store, &s.name, observer, &budget, &calls));
    let mut streams = Vec::with_capacity(ordered.len());
    for r in futures::future::join_all(runs).await {
        streams.push(r?);
    }
    let findings = match plan.posture {
        false => None,
        true => assess(plugin, ctx, store).await?,
    };
    Ok(ScanReport {
        instance: ctx.instance_id.clone(),
        account: Some(account),
        streams,
        findings,
        http: ctx.http.stats(),
        token_mints: ctx.http.broker().mints(),
        buckets: bucket_traffic(ctx, &buckets_before),
        elapsed: started.elapsed(),
    })
}

/// Run `assess` and replace the findings; `None` when the plugin failed.
async fn assess(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
) -> Result<Option<usize>, ScanError> {
    Ok(match plugin.assess(ctx).await {
        Ok(f) => {
            let n = f.len();
            let (s, id) = (store.clone(), ctx.instance_id.clone());
            blocking(move || s.replace_findings(&id, &f))
                .instrument(store_span(store, "replace_findings", n as u64))
                .await??;
            Some(n)
        }
        Err(e) => {
            tracing::warn!(instance = %ctx.instance_id, blame = %e.blame(), error = %e, "assess failed");
            None
        }
    })
}

/// The `store.write` span of one write of `records` records.
fn store_span(store: &Store, operation: &'static str, records: u64) -> tracing::Span {
    tracing::info_span!(
        "store.write",
        db.system.name = db_system(store),
        db.operation.name = operation,
        plugboard.records = attr_int(records),
    )
}

/// A count as a span attribute (OpenTelemetry has no unsigned integers: a
/// `u64` would be recorded as text).
fn attr_int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// OpenTelemetry's `db.system.name` of `store`'s backend.
fn db_system(store: &Store) -> &'static str {
    match store.kind() {
        plugboard_core::store::BackendKind::Sqlite => "sqlite",
        plugboard_core::store::BackendKind::Postgres => "postgresql",
    }
}

async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ScanError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ScanError::Task(e.to_string()))
}

/// What one scan stored so far, over all its streams, against
/// [`WriteCaps`]'s per-scan caps.
#[derive(Debug, Default)]
struct ScanBudget {
    records: AtomicU64,
    bytes: AtomicU64,
}

impl ScanBudget {
    /// Take `records` and `bytes` for one page, or say which cap it would pass
    /// (then nothing is taken).
    fn take(&self, records: u64, bytes: u64, caps: &WriteCaps) -> Result<(), String> {
        let r = self.records.fetch_add(records, Ordering::SeqCst);
        let b = self.bytes.fetch_add(bytes, Ordering::SeqCst);
        let over = [
            ("records", r, records, caps.records_per_scan),
            ("bytes", b, bytes, caps.bytes_per_scan),
        ]
        .into_iter()
        .find(|(_, used, page, cap)| used.saturating_add(*page) > *cap);
        match over {
            None => Ok(()),
            Some((what, used, page, cap)) => {
                self.records.fetch_sub(records, Ordering::SeqCst);
                self.bytes.fetch_sub(bytes, Ordering::SeqCst);
                Err(format!(
                    "this scan has stored {used} {what}, and a page of {page} would pass the cap of {cap} per scan; the page was not stored. The plugin writes far more than expected: check it, or raise the cap (--max-{what}-per-scan)"
                ))
            }
        }
    }
}

async fn sync_stream(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
    stream: &str,
    observer: &dyn ScanObserver,
    budget: &ScanBudget,
    calls: &tokio::sync::Semaphore,
) -> Result<StreamReport, ScanError> {
    let started = Instant::now();
    let (s, id, name) = (store.clone(), ctx.instance_id.clone(), stream.to_string());
    let checkpoint = blocking(move || s.checkpoint(&id, &name)).await??;
    // An unfinished stream resumes at its cursor; a finished one starts its
    // next incremental run where the plugin said (or from scratch).
    let mut cursor = checkpoint.and_then(|c| c.cursor);
    let mut report = StreamReport {
        name: stream.to_string(),
        pages: 0,
        records: 0,
        requests: 0,
        throttled: 0,
        elapsed: Duration::ZERO,
        status: StreamStatus::Completed,
    };
    observer.stream_started(stream);
    loop {
        if observer.stop_requested() {
            report.status = StreamStatus::Stopped;
            break;
        }
        if report.pages >= MAX_PAGES_PER_STREAM {
            report.status = StreamStatus::Failed {
                blame: Blame::Plugin,
                error: format!("stream did not end after {MAX_PAGES_PER_STREAM} pages"),
            };
            break;
        }
        // One span per page: its plugin call (and the host calls in it)
        // and its commit are below it.
        let page_span = tracing::info_span!(
            "page",
            plugboard.stream = tracing::field::Empty,
            plugboard.page = attr_int(report.pages + 1),
            plugboard.records = tracing::field::Empty,
        );
        if !page_span.is_disabled() {
            // The stream's name is the plugin's: shown to operators.
            let mut name = stream.to_string();
            plugboard_core::text::clean_line(&mut name, 128);
            page_span.record("plugboard.stream", name.as_str());
        }
        // The semaphore is never closed; without a permit, run unbounded
        // rather than stop the scan.
        let permit = calls.acquire().instrument(page_span.clone()).await.ok();
        let (synced, http) = plugin
            .sync_counted(ctx, stream, cursor.clone())
            .instrument(page_span.clone())
            .await;
        drop(permit);
        report.requests += http.requests;
        report.throttled += http.throttled;
        let page = match synced {
            Ok(p) => p,
            Err(CallError::Connector(e))
                if matches!(
                    e.kind,
                    ConnectorErrorKind::Unavailable | ConnectorErrorKind::Permission
                ) =>
            {
                report.status = StreamStatus::Unavailable { reason: e.message };
                break;
            }
            Err(e) => {
                report.status = StreamStatus::Failed {
                    blame: e.blame(),
                    error: e.to_string(),
                };
                break;
            }
        };
        let n = page.records.len() as u64;
        page_span.record("plugboard.records", attr_int(n));
        let more = page.more;
        let next = page.cursor.clone();
        // The cursor is stored too: an empty page with a 64 KiB cursor costs.
        let bytes = page.text_bytes() + page.cursor.as_ref().map_or(0, |c| c.len() as u64);
        if let Err(error) = budget.take(n, bytes, &ctx.caps) {
            report.status = StreamStatus::Failed {
                blame: Blame::Plugin,
                error,
            };
            break;
        }
        let (s, id, name) = (store.clone(), ctx.instance_id.clone(), stream.to_string());
        let cap = DailyCap {
            records: ctx.caps.records_per_day,
            bytes: ctx.caps.bytes_per_day,
        };
        let lease = observer.lease();
        let commit = move || {
            let terms = CommitTerms {
                cap: Some(cap),
                lease: lease.as_ref(),
            };
            s.commit_page_with(&id, &name, &page, terms)
        };
        let write = tracing::info_span!(parent: &page_span, "store.write", db.system.name = tracing::field::Empty, db.operation.name = "commit_page", plugboard.records = attr_int(n));
        if !write.is_disabled() {
            write.record("db.system.name", db_system(store));
        }
        match blocking(commit).instrument(write).await? {
            Ok(_) => {}
            Err(e @ StoreError::DailyCapReached { .. }) => {
                report.status = StreamStatus::Failed {
                    blame: e.blame(),
                    error: e.to_string(),
                };
                break;
            }
            Err(e) => return Err(e.into()),
        }
        report.pages += 1;
        report.records += n;
        observer.page(stream, n);
        if !more {
            break;
        }
        if next.is_none() {
            report.status = StreamStatus::Failed {
                blame: Blame::Plugin,
                error: "the plugin said there are more pages but gave no cursor".into(),
            };
            break;
        }
        if next == cursor {
            // The same cursor again would loop forever (one upstream request
            // per page) until the page bound; stop at once.
            report.status = StreamStatus::Failed {
                blame: Blame::Plugin,
                error: "the stream did not end: the plugin returned the cursor it was given and said there are more pages".into(),
            };
            break;
        }
        cursor = next;
    }
    report.elapsed = started.elapsed();
    observer.stream_finished(stream, &report.status);
    Ok(report)
}
