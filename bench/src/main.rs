//! `plugboard-bench`: what the sandbox costs, measured side by side with
//! native code and with the rate-limit floor, in one run.
//!
//! Prints a table of figures and ratios and writes them as JSON. Nothing
//! here passes or fails on time: the targets are judged and reported, and
//! the exit status only says whether every benchmark ran. See BENCHMARKS.md.

mod calls;
mod cluster;
mod idle;
mod instances;
mod load;
mod measure;
mod node;
mod parse;
mod pg;
mod polyglot;
mod report;
mod scan;
mod setup;
mod throughput;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, ValueEnum};
use plugboard_core::secrets::MasterKey;
use plugboard_host::runtime::{ComponentCache, Runtime};

use report::Report;
use scan::ScanSize;
use setup::PluginFiles;

/// One benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Bench {
    /// Cold compile vs cached load.
    Load,
    /// Per-instance cost with the pooling allocator.
    Instantiate,
    /// Resident memory per idle instance.
    Memory,
    /// Host→guest and guest→host round trips.
    Calls,
    /// Zoom plugin parsing vs native.
    Throughput,
    /// Full Zoom scan vs the rate-limit floor.
    Scan,
    /// Many tenants scanned by 1 and by 3 `plugboard serve` nodes on one
    /// PostgreSQL (needs PostgreSQL and a release `plugboard`; only with --only).
    Cluster,
    /// An idle node holding many instances (needs PostgreSQL and a release
    /// `plugboard`; only with --only).
    Idle,
    /// The GitHub sample in Rust, TypeScript and Python side by side: size,
    /// compile, cache load, one call, and parse throughput of one list page
    /// (needs their components; only with --only).
    Polyglot,
}

impl Bench {
    /// Whether a run without `--only` includes it: not the ones that start
    /// PostgreSQL and `plugboard serve` nodes and take minutes.
    fn by_default(self) -> bool {
        !matches!(self, Bench::Cluster | Bench::Idle | Bench::Polyglot)
    }
}

/// Measure Plugboard's sandbox overhead.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Tiny iteration counts and a small account: proves every bench runs,
    /// the numbers mean little.
    #[arg(long)]
    quick: bool,
    /// Run only these benchmarks (comma-separated; default all).
    #[arg(long, value_delimiter = ',')]
    only: Vec<Bench>,
    /// Where the built components are (default: $PLUGBOARD_PLUGIN_DIR, else
    /// $CARGO_TARGET_DIR/wasm32-wasip2/release, else target/wasm32-wasip2/release).
    #[arg(long)]
    wasm_dir: Option<PathBuf>,
    /// Write the JSON report here (default: target/plugboard-bench.json in
    /// the checkout).
    #[arg(long)]
    json: Option<PathBuf>,
    /// Users in the scanned account (split 85% active, 12% inactive, 3% pending).
    #[arg(long, default_value_t = 10_000)]
    scan_users: usize,
    /// Days of activity in the scanned account.
    #[arg(long, default_value_t = 30)]
    activity_days: u32,
    /// The `plugboard` binary the cluster and idle benchmarks start (default:
    /// $CARGO_TARGET_DIR/release/plugboard, else target/release/plugboard).
    #[arg(long)]
    plugboard: Option<PathBuf>,
    /// cluster: tenants (Zoom accounts, one simulator each) [--quick: 10].
    #[arg(long, default_value_t = 1_000)]
    tenants: usize,
    /// cluster: node counts, one run each.
    #[arg(long, value_delimiter = ',', default_value = "1,3")]
    nodes: Vec<usize>,
    /// cluster: users per tenant (90% active, 10% inactive) [--quick: 10].
    #[arg(long, default_value_t = 20)]
    tenant_users: usize,
    /// cluster: days of activity per tenant [--quick: 1].
    #[arg(long, default_value_t = 2)]
    tenant_days: u32,
    /// cluster: tenant adds in flight at once.
    #[arg(long, default_value_t = 8)]
    add_concurrency: usize,
    /// cluster: give up on a run after this many seconds.
    #[arg(long, default_value_t = 1_800)]
    cluster_timeout: u64,
    /// idle: instances the idle node holds [--quick: 100].
    #[arg(long, default_value_t = 10_000)]
    idle_instances: usize,
    /// idle: seconds to watch the idle node [--quick: 3].
    #[arg(long, default_value_t = 60)]
    idle_seconds: u64,
}

/// Iteration counts.
struct Counts {
    cold: usize,
    cached: usize,
    instantiate: usize,
    idle: usize,
    calls: usize,
    imports: u64,
    pages: usize,
}

impl Counts {
    fn new(quick: bool) -> Counts {
        if quick {
            Counts {
                cold: 1,
                cached: 3,
                instantiate: 20,
                idle: 20,
                calls: 30,
                imports: 1_000,
                pages: 5,
            }
        } else {
            Counts {
                cold: 5,
                cached: 50,
                instantiate: 5_000,
                idle: 1_000,
                calls: 20_000,
                imports: 100_000,
                pages: 200,
            }
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let wants = |b: Bench| {
        if args.only.is_empty() {
            b.by_default()
        } else {
            args.only.contains(&b)
        }
    };
    let counts = Counts::new(args.quick);
    let wasm_dir = args
        .wasm_dir
        .clone()
        .unwrap_or_else(setup::default_wasm_dir);
    let zoom = PluginFiles::zoom(&wasm_dir)?;
    let mut report = Report::new(args.quick);

    {
        // One runtime (one engine, one pool) for the micro-benchmarks, with
        // its component cache in a temporary directory.
        // (a throwaway master key authenticates the artefacts).
        let cache_dir = tempfile::tempdir()?;
        let cache = ComponentCache::at(cache_dir.path()).with_key(&MasterKey::generate()?);
        let runtime = Runtime::new(cache.clone())?;
        if wants(Bench::Polyglot) {
            let (cold, cached, calls) = if args.quick { (1, 2, 5) } else { (2, 5, 50) };
            polyglot::run(
                &mut report,
                &runtime,
                &cache,
                &wasm_dir,
                cold,
                cached,
                calls,
            )
            .await?;
            let rounds = if args.quick { 5 } else { 40 };
            eprintln!("parse: {rounds} rounds of one GitHub page per language...");
            parse::run(&mut report, &runtime, &wasm_dir, rounds).await?;
        }
        if wants(Bench::Load) {
            eprintln!(
                "load: compiling the Zoom component {} times...",
                counts.cold
            );
            load::run(
                &mut report,
                &runtime,
                &cache,
                &zoom,
                counts.cold,
                counts.cached,
            )
            .await?;
        }
        let zoom_plugin = zoom.load(&runtime).await?;
        if wants(Bench::Instantiate) || wants(Bench::Calls) {
            let probe = PluginFiles::probe(&wasm_dir)?.load(&runtime).await?;
            if wants(Bench::Instantiate) {
                eprintln!("instantiate: {} instances each...", counts.instantiate);
                let us =
                    instances::instantiate(&mut report, &zoom_plugin, "Zoom", counts.instantiate)
                        .await?;
                instances::instantiate(&mut report, &probe, "probe", counts.instantiate).await?;
                report.target("instantiate <= 20 us (Zoom)", us, 20.0, "us", false);
            }
            if wants(Bench::Calls) {
                eprintln!("calls: {} round trips...", counts.calls);
                calls::run(&mut report, &probe, counts.calls, counts.imports).await?;
            }
        }
        if wants(Bench::Memory) {
            eprintln!("memory: {} idle instances...", counts.idle);
            instances::idle_memory(&mut report, &zoom_plugin, counts.idle).await?;
        }
        if wants(Bench::Throughput) {
            eprintln!("throughput: {} rounds...", counts.pages);
            throughput::run(&mut report, &zoom_plugin, counts.pages).await?;
        }
    }
    if wants(Bench::Scan) {
        let users = if args.quick { 100 } else { args.scan_users };
        let size = ScanSize {
            active: users * 85 / 100,
            inactive: users * 12 / 100,
            pending: users - users * 85 / 100 - users * 12 / 100,
            activity_days: if args.quick { 2 } else { args.activity_days },
        };
        eprintln!(
            "scan: {users} users, {} days, Business plan...",
            size.activity_days
        );
        scan::run(&mut report, &zoom, size).await?;
    }

    if wants(Bench::Cluster) {
        let bin = node::plugboard_bin(args.plugboard.clone())?;
        let size = cluster::ClusterSize {
            tenants: if args.quick { 10 } else { args.tenants },
            nodes: args.nodes.clone(),
            users: if args.quick { 10 } else { args.tenant_users },
            activity_days: if args.quick { 1 } else { args.tenant_days },
            add_concurrency: args.add_concurrency,
            timeout: std::time::Duration::from_secs(args.cluster_timeout),
        };
        cluster::run(&mut report, &bin, &zoom, &size).await?;
    }
    if wants(Bench::Idle) {
        let bin = node::plugboard_bin(args.plugboard.clone())?;
        let size = idle::IdleSize {
            instances: if args.quick { 100 } else { args.idle_instances },
            watch: std::time::Duration::from_secs(if args.quick { 3 } else { args.idle_seconds }),
            settle: std::time::Duration::from_secs(if args.quick { 1 } else { 10 }),
        };
        idle::run(&mut report, &bin, &zoom, &size).await?;
    }

    println!("{}", report.tables());
    let json = args
        .json
        .unwrap_or_else(|| setup::repo_root().join("target/plugboard-bench.json"));
    if let Some(dir) = json.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&json, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", json.display()))?;
    eprintln!("wrote {}", json.display());
    Ok(())
}
