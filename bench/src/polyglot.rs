//! The same GitHub connector in Rust, TypeScript (StarlingMonkey through
//! componentize-js, and QuickJS through componentize-qjs) and Python
//! (componentize-py), side by side: component size, cold compile, load from
//! the disk cache, and one call (a fresh instance, `describe`, dropped: what
//! every call of the host costs). Only with `--only polyglot`: it compiles
//! ~30 MB of components.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use plugboard_host::runtime::{CacheOutcome, ComponentCache, Runtime};

use crate::measure::Samples;
use crate::report::Report;
use crate::setup::{PluginFiles, inert_context, repo_root};

/// The samples: label, plugin directory, component file.
const SAMPLES: &[(&str, &str, &str)] = &[
    ("Rust", "plugins/github", "plugboard_github.wasm"),
    (
        "TypeScript",
        "plugins/github-ts",
        "plugboard_github_ts.wasm",
    ),
    (
        "TypeScript on QuickJS",
        "plugins/github-ts",
        "plugboard_github_ts_qjs.wasm",
    ),
    ("Python", "plugins/github-py", "plugboard_github_py.wasm"),
];

/// The samples whose components are in `wasm_dir`: label, plugin directory,
/// files. A missing one is said (for `bench`) and left out.
pub fn samples(bench: &str, wasm_dir: &Path) -> Vec<(&'static str, &'static str, PluginFiles)> {
    let mut found = Vec::new();
    for (label, dir, file) in SAMPLES {
        let manifest = repo_root().join(dir).join("plugin.toml");
        match PluginFiles::read(&manifest, &wasm_dir.join(file)) {
            Ok(files) => found.push((*label, *dir, files)),
            Err(e) => eprintln!("{bench}: {label} skipped: {e:#}"),
        }
    }
    found
}

/// `cold` compiles, `cached` cache loads and `calls` calls of each sample
/// found in `wasm_dir` (a missing one is said and skipped).
pub async fn run(
    report: &mut Report,
    runtime: &Runtime,
    cache: &ComponentCache,
    wasm_dir: &Path,
    cold: usize,
    cached: usize,
    calls: usize,
) -> anyhow::Result<()> {
    for (label, dir, files) in samples("polyglot", wasm_dir) {
        eprintln!("polyglot: {label} ({} bytes)...", files.wasm.len());
        let engine = runtime.engine().clone();
        let (wasm, cache) = (files.wasm.clone(), cache.clone());
        let (cold_s, hit_s) = tokio::task::spawn_blocking(move || {
            let disabled = ComponentCache::disabled();
            let mut cold_s = Samples::with_capacity(cold);
            for _ in 0..cold {
                let t = Instant::now();
                disabled.load(&engine, &wasm)?;
                cold_s.push(t.elapsed());
            }
            cache.load(&engine, &wasm)?;
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
        .context("polyglot compile task")??;
        let plugin = files.load(runtime).await?;
        let ctx = inert_context(&plugin);
        plugin.describe(&ctx).await?; // warm
        let mut call_s = Samples::with_capacity(calls);
        for _ in 0..calls {
            let t = Instant::now();
            plugin.describe(&ctx).await?;
            call_s.push(t.elapsed());
        }
        report.metric(
            "polyglot",
            format!("{label}: component size"),
            files.wasm.len() as f64 / 1e6,
            "MB",
            format!("{dir}, built by scripts/build-plugins.sh"),
        );
        report.metric(
            "polyglot",
            format!("{label}: cold compile, median of {}", cold_s.len()),
            cold_s.median_s() * 1e3,
            "ms",
            "Component::from_binary, parallel compilation on all CPUs",
        );
        report.metric(
            "polyglot",
            format!("{label}: load from disk cache, median of {}", hit_s.len()),
            hit_s.median_s() * 1e3,
            "ms",
            "read + HMAC check + deserialize the artefact",
        );
        report.metric(
            "polyglot",
            format!(
                "{label}: one call (instantiate + describe), median of {}",
                call_s.len()
            ),
            call_s.median_s() * 1e6,
            "µs",
            "fresh store and instance from the pooling allocator, one export call, dropped",
        );
    }
    Ok(())
}
