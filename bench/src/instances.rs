//! Instantiate: per-instance cost with the pooling allocator, and the memory
//! an idle instance keeps resident.

use std::time::Instant;

use plugboard_host::runtime::LoadedPlugin;

use crate::measure::{Samples, resident_bytes};
use crate::report::Report;
use crate::setup::inert_context;

/// Instantiations made before timing, so pool slots and caches are warm.
const WARMUP: usize = 50;

/// Time `n` instantiations of `plugin` (each dropped at once, so its pool
/// slot is reused), as `label`.
pub async fn instantiate(
    report: &mut Report,
    plugin: &LoadedPlugin,
    label: &str,
    n: usize,
) -> anyhow::Result<f64> {
    let ctx = inert_context(plugin);
    for _ in 0..WARMUP.min(n) {
        drop(plugin.instantiate_idle(&ctx).await?);
    }
    let mut samples = Samples::with_capacity(n);
    let mut with_drop = Samples::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let instance = plugin.instantiate_idle(&ctx).await?;
        samples.push(t.elapsed());
        drop(instance);
        with_drop.push(t.elapsed());
    }
    let us = samples.median_s() * 1e6;
    report.metric(
        "instantiate",
        format!("instantiate {label}, median of {n}"),
        us,
        "us",
        "new Store (WASI ctx, limits, deadline) + instantiate from the pooling allocator; no export called",
    );
    report.metric(
        "instantiate",
        format!("instantiate + drop {label}, median of {n}"),
        with_drop.median_s() * 1e6,
        "us",
        "as above, plus dropping the store and returning the slot to the pool",
    );
    Ok(us)
}

/// Keep `n` idle instances of `plugin` alive and measure the resident memory
/// they add, per instance, next to their linear memory.
pub async fn idle_memory(
    report: &mut Report,
    plugin: &LoadedPlugin,
    n: usize,
) -> anyhow::Result<()> {
    let ctx = inert_context(plugin);
    // One instance first, so code pages and lazily built host state are resident already.
    drop(plugin.instantiate_idle(&ctx).await?);
    let before = resident_bytes()?;
    let mut alive = Vec::with_capacity(n);
    for _ in 0..n {
        alive.push(plugin.instantiate_idle(&ctx).await?);
    }
    let after = resident_bytes()?;
    let linear: usize = alive.iter().map(|i| i.linear_memory_bytes()).sum();
    drop(alive);
    let per_instance_kib = after.saturating_sub(before) as f64 / n as f64 / 1024.0;
    let linear_kib = linear as f64 / n as f64 / 1024.0;
    report.metric(
        "memory",
        format!("resident per idle Zoom instance ({n} alive)"),
        per_instance_kib,
        "KiB",
        "VmRSS growth / instances: host store + wasmtime instance state + every guest page touched",
    );
    report.metric(
        "memory",
        "linear memory per idle Zoom instance",
        linear_kib,
        "KiB",
        "sum of the guest's memory sizes (reserved, mostly not resident: copy-on-write, touched on use)",
    );
    report.target(
        "idle instance <= 1 MiB resident beyond its linear memory",
        per_instance_kib / 1024.0,
        1.0,
        "MiB",
        false,
    );
    Ok(())
}
