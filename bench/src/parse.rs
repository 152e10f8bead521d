//! Parse throughput per language: the same GitHub list page parsed by the
//! Rust, TypeScript and Python samples through the host, side by side.
//!
//! One page of outside collaborators, at GitHub's maximum of 100 users a
//! page (each the full `simple-user` object, ~1 KB), served by the GitHub
//! simulator on loopback with no pacing. Per sample, interleaved round after
//! round so machine noise hits them alike:
//!
//! - **http**: the host fetching the page alone (`HttpCapability::send`);
//! - **fresh**: `LoadedPlugin::sync` as a scan calls it (fresh store and
//!   instance, the fetch, the guest's parsing and mapping, records lifted
//!   into host types);
//! - **live**: the same `sync` on an instance kept alive (no instantiation).
//!
//! Parse throughput is the page's bytes over `live - http`: what the
//! language's JSON parsing and record mapping cost, without the fetch or the
//! instantiation.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use plugboard_host::capabilities::http::OutboundRequest;
use plugboard_host::manifest::Method;
use plugboard_host::runtime::Runtime;
use plugboard_sim::github::GithubSimBuilder;

use crate::measure::Samples;
use crate::polyglot::samples;
use crate::report::Report;
use crate::setup::unpaced_context;

/// Users on the page: GitHub's `per_page` maximum.
const PAGE_USERS: usize = 100;
/// Rounds before timing (token, connections, guest heaps).
const WARMUP: usize = 5;
/// The stream read: one list, no partitions, in every sample.
const STREAM: &str = "outside-collaborators";

/// `rounds` interleaved rounds of fetch, fresh sync and live sync for each
/// sample found in `wasm_dir` (a missing one is said and skipped).
pub async fn run(
    report: &mut Report,
    runtime: &Runtime,
    wasm_dir: &Path,
    rounds: usize,
) -> anyhow::Result<()> {
    let sim = GithubSimBuilder::new()
        .org("bench")
        .members(1, 1)
        .outside_collaborators(PAGE_USERS)
        .teams(0)
        .audit_events(0, 1)
        .rate_limit(u64::MAX, std::time::Duration::from_secs(3_600))
        .token("github_pat_bench")
        .start(([127, 0, 0, 1], 0).into())
        .await
        .context("starting the GitHub simulator")?;
    let page_url =
        format!("https://api.github.com/orgs/bench/outside_collaborators?per_page={PAGE_USERS}");
    let mut subjects = Vec::new();
    for (label, _, files) in samples("parse", wasm_dir) {
        eprintln!("parse: loading {label}...");
        let plugin = files.load(runtime).await?;
        let ctx = unpaced_context(
            &plugin,
            &["https://api.github.com"],
            &sim.base_url(),
            &[("auth", "token"), ("org", "bench")],
            &[("token", "github_pat_bench")],
        )?;
        let live = plugin.instantiate_idle(&ctx).await?;
        subjects.push((
            label,
            plugin,
            ctx,
            live,
            [(); 3].map(|_| Samples::with_capacity(rounds)),
        ));
    }
    let mut bytes = 0usize;
    for round in 0..WARMUP + rounds {
        for (label, plugin, ctx, live, samples) in subjects.iter_mut() {
            let request = OutboundRequest {
                method: Method::Get,
                url: page_url.clone(),
                headers: vec![("Accept".into(), "application/vnd.github+json".into())],
                secret_headers: Vec::new(),
                body: None,
            };
            let t = Instant::now();
            let response = ctx.http.send(request, false).await?;
            let http_t = t.elapsed();
            bytes = response.body.len();

            let t = Instant::now();
            let fresh = plugin.sync(ctx, STREAM, None).await?;
            let fresh_t = t.elapsed();
            let t = Instant::now();
            let again = live.sync(STREAM, None).await?;
            let live_t = t.elapsed();
            anyhow::ensure!(
                fresh.records.len() == PAGE_USERS && again.records.len() == PAGE_USERS,
                "{label}: {} and {} records from a page of {PAGE_USERS} users",
                fresh.records.len(),
                again.records.len()
            );
            if round >= WARMUP {
                let [http, fresh, live] = samples;
                http.push(http_t);
                fresh.push(fresh_t);
                live.push(live_t);
            }
        }
    }
    for (label, _, _, _, [http, fresh, live]) in &subjects {
        let parse_s = (live.median_s() - http.median_s()).max(1e-9);
        report.metric(
            "parse",
            format!("{label}: sync of one page ({PAGE_USERS} users, {} KB), fresh instance, median of {rounds}", bytes / 1000),
            fresh.median_s() * 1e3,
            "ms",
            "what a scan pays per page: instantiate + fetch + parse + map + lift",
        );
        report.metric(
            "parse",
            format!("{label}: the same sync on a live instance"),
            live.median_s() * 1e3,
            "ms",
            "no instantiation; guest heap already grown",
        );
        report.metric(
            "parse",
            format!("{label}: of which the host's fetch"),
            http.median_s() * 1e3,
            "ms",
            "HttpCapability::send of the same request over loopback",
        );
        report.metric(
            "parse",
            format!("{label}: parse throughput"),
            bytes as f64 / parse_s / 1e6,
            "MB/s",
            "page bytes / (live sync - fetch): JSON parsing, record mapping, lifting",
        );
    }
    sim.shutdown().await;
    Ok(())
}
