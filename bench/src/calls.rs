//! Call overhead: host→guest export and guest→host import round trips,
//! measured on the probe fixture (`tests/fixtures/probe`) kept instantiated.

use std::time::Instant;

use plugboard_host::runtime::LoadedPlugin;

use crate::measure::Samples;
use crate::report::Report;
use crate::setup::inert_context;

/// Round trips before timing.
const WARMUP: usize = 100;

/// `n` export calls on one live instance, `n / 10` calls that each make
/// `imports` import calls, and `n / 10` calls that instantiate afresh (what a
/// scan pays per page).
pub async fn run(
    report: &mut Report,
    probe: &LoadedPlugin,
    n: usize,
    imports: u64,
) -> anyhow::Result<()> {
    let ctx = inert_context(probe);
    let mut live = probe.instantiate_idle(&ctx).await?;
    for _ in 0..WARMUP.min(n) {
        live.sync("empty", None).await?;
    }
    let mut empty = Samples::with_capacity(n);
    let mut describe = Samples::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        live.sync("empty", None).await?;
        empty.push(t.elapsed());
        let t = Instant::now();
        live.describe().await?;
        describe.push(t.elapsed());
    }
    let rounds = (n / 10).max(3);
    let cursor = imports.to_string();
    let mut looped = Samples::with_capacity(rounds);
    let mut fresh = Samples::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        live.sync("imports", Some(cursor.clone())).await?;
        looped.push(t.elapsed());
        let t = Instant::now();
        probe.sync(&ctx, "empty", None).await?;
        fresh.push(t.elapsed());
    }
    let empty_us = empty.median_s() * 1e6;
    let per_import_ns = (looped.median_s() - empty.median_s()) / imports.max(1) as f64 * 1e9;
    report.metric(
        "calls",
        format!("host->guest: sync(\"empty\") on a live instance, median of {n}"),
        empty_us,
        "us",
        "arm deadline + lower args + guest call + lift an empty page + post-return",
    );
    report.metric(
        "calls",
        format!("host->guest: describe() on a live instance, median of {n}"),
        describe.median_s() * 1e6,
        "us",
        "as above, lifting a small record with two streams",
    );
    report.metric(
        "calls",
        format!("guest->host: clock.now-ms import, {imports} per call"),
        per_import_ns,
        "ns",
        "(median call with N imports - median empty call) / N; async host function",
    );
    report.metric(
        "calls",
        format!("fresh store + instantiate + sync(\"empty\"), median of {rounds}"),
        fresh.median_s() * 1e6,
        "us",
        "what each scan page pays besides its own work (one store per call)",
    );
    Ok(())
}
