//! Load: compiling a component cold against loading it from the disk cache.

use std::time::Instant;

use anyhow::Context as _;
use plugboard_host::runtime::{CacheOutcome, ComponentCache, Runtime};

use crate::measure::Samples;
use crate::report::Report;
use crate::setup::PluginFiles;

/// Time `cold` compilations (cache disabled) and `cached` loads of the Zoom
/// component from `cache` (read, authenticate, deserialize), plus `cached`
/// full loads (cache hit + link) through `runtime`, whose cache must be `cache`.
pub async fn run(
    report: &mut Report,
    runtime: &Runtime,
    cache: &ComponentCache,
    zoom: &PluginFiles,
    cold: usize,
    cached: usize,
) -> anyhow::Result<()> {
    let engine = runtime.engine().clone();
    let wasm = zoom.wasm.clone();
    let cache = cache.clone();
    // Compilation is CPU-bound: keep it off the async workers, as the host does.
    let (cold_s, hit_s) = tokio::task::spawn_blocking(move || {
        let disabled = ComponentCache::disabled();
        let mut cold_s = Samples::with_capacity(cold);
        for _ in 0..cold {
            let t = Instant::now();
            let (_c, outcome) = disabled.load(&engine, &wasm)?;
            cold_s.push(t.elapsed());
            anyhow::ensure!(outcome == CacheOutcome::Compiled, "expected a compile");
        }
        cache.load(&engine, &wasm)?; // fills the cache (or finds it filled)
        let mut hit_s = Samples::with_capacity(cached);
        for _ in 0..cached {
            let t = Instant::now();
            let (_c, outcome) = cache.load(&engine, &wasm)?;
            hit_s.push(t.elapsed());
            anyhow::ensure!(outcome == CacheOutcome::Hit, "expected a cache hit");
        }
        Ok::<_, anyhow::Error>((cold_s, hit_s))
    })
    .await
    .context("load benchmark task")??;

    let mut linked = Samples::with_capacity(cached);
    for _ in 0..cached {
        let t = Instant::now();
        let plugin = zoom.load(runtime).await?;
        linked.push(t.elapsed());
        anyhow::ensure!(
            plugin.cache_outcome() == CacheOutcome::Hit,
            "the runtime's cache should already hold the component"
        );
    }

    let (cold_ms, hit_ms) = (cold_s.median_s() * 1e3, hit_s.median_s() * 1e3);
    let kib = zoom.wasm.len() as f64 / 1024.0;
    report.metric(
        "load",
        format!(
            "cold compile, Zoom ({kib:.0} KiB), median of {}",
            cold_s.len()
        ),
        cold_ms,
        "ms",
        "Component::from_binary with cranelift, parallel compilation on all CPUs",
    );
    report.metric(
        "load",
        format!("load from disk cache, median of {}", hit_s.len()),
        hit_ms,
        "ms",
        "SHA-256 of the bytes + read the artefact, check its HMAC-SHA-256 tag, deserialize it from memory",
    );
    report.metric(
        "load",
        format!("load + link from cache, median of {}", linked.len()),
        linked.median_s() * 1e3,
        "ms",
        "Runtime::load: the above plus linking the contract's imports (InstancePre)",
    );
    let speedup = cold_ms / hit_ms;
    report.metric(
        "load",
        "cold compile / cached load",
        speedup,
        "x",
        "ratio of the two medians above",
    );
    report.target(
        "cached load >= 100x faster than cold compile",
        speedup,
        100.0,
        "x",
        true,
    );
    Ok(())
}
