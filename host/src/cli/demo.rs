//! `plugboard demo`: the whole product on built-in simulators.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, bail};
use plugboard_sim::zoom::ZoomSimBuilder;
use serde::Serialize;

use super::App;
use super::instance::{AddArgs, add as add_instance};
use super::progress::StreamBars;
use super::scan::scan_instance;
use crate::registry::{Grant, PluginSource, add_plugin};

/// The Zoom manifest, embedded so the demo needs only the component file.
const ZOOM_MANIFEST: &str = include_str!("../../../plugins/zoom/plugin.toml");

/// `demo` arguments.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Print one JSON object instead of tables and progress bars.
    #[arg(long)]
    pub json: bool,
    /// Directory holding the built plugin components (plugboard_zoom.wasm).
    /// Default: $PLUGBOARD_PLUGIN_DIR, else target/wasm32-wasip2/release
    /// next to this binary's target directory.
    #[arg(long, env = "PLUGBOARD_PLUGIN_DIR", value_name = "DIR")]
    pub plugin_dir: Option<PathBuf>,
    /// Keep the demo's data directory instead of deleting it (when --home is not given).
    #[arg(long)]
    pub keep: bool,
}

/// One instance's line of the summary.
#[derive(Debug, Serialize)]
pub struct InstanceSummary {
    /// Plugin id.
    pub plugin: String,
    /// Instance id.
    pub instance: String,
    /// Accounts stored.
    pub users: u64,
    /// Groups stored.
    pub groups: u64,
    /// Distinct accounts holding a privileged role.
    pub admins: u64,
    /// Activities stored (de-duplicated).
    pub activities: u64,
    /// Findings from the posture assessment.
    pub findings: u64,
    /// Findings that failed.
    pub failed_findings: u64,
    /// 429 answers the host received.
    pub rate_limited: u64,
    /// Requests the host sent.
    pub requests: u64,
    /// Wall time of the scan.
    pub elapsed_ms: u64,
}

/// The demo's JSON output.
#[derive(Debug, Serialize)]
pub struct DemoSummary {
    /// Where the data went.
    pub home: String,
    /// One entry per instance.
    pub instances: Vec<InstanceSummary>,
}

fn find_plugin_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(d) = explicit {
        return Ok(d);
    }
    let exe = std::env::current_exe().context("locating this binary")?;
    // target/{release,debug}/plugboard -> target/wasm32-wasip2/release
    let candidates = exe
        .ancestors()
        .skip(1)
        .take(4)
        .map(|d| d.join("wasm32-wasip2").join("release"))
        .collect::<Vec<_>>();
    candidates.iter().find(|d| d.join("plugboard_zoom.wasm").exists()).cloned().with_context(|| {
        format!(
            "cannot find plugboard_zoom.wasm (looked in {}); build the plugins with `cargo build --release --target wasm32-wasip2 -p plugboard-zoom` or pass --plugin-dir",
            candidates.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        )
    })
}

fn read_component(dir: &Path, file: &str) -> anyhow::Result<Vec<u8>> {
    let p = dir.join(file);
    std::fs::read(&p).with_context(|| {
        format!(
            "reading {}; build the plugins first (see README)",
            p.display()
        )
    })
}

/// Run the demo.
pub async fn run(args: DemoArgs, home: Option<PathBuf>) -> anyhow::Result<()> {
    let plugin_dir = find_plugin_dir(args.plugin_dir.clone())?;
    let temp_home = home.is_none();
    let home = match home {
        Some(h) => h,
        None => std::env::temp_dir().join(format!(
            "plugboard-demo-{}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        )),
    };
    let result = run_in(&args, &plugin_dir, home.clone()).await;
    if temp_home && !args.keep {
        let _ = std::fs::remove_dir_all(&home);
    }
    let summary = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(())
}

async fn run_in(args: &DemoArgs, plugin_dir: &Path, home: PathBuf) -> anyhow::Result<DemoSummary> {
    let app = App::new(Some(home.clone()));
    let sim = ZoomSimBuilder::new()
        .start(([127, 0, 0, 1], 0).into())
        .await
        .context("starting the Zoom simulator on loopback")?;
    let creds = sim.credentials();
    if !args.json {
        println!(
            "Zoom simulator on {} ({} users)",
            sim.base_url(),
            sim.summary().users
        );
    }
    let source = PluginSource::from_parts(
        ZOOM_MANIFEST,
        read_component(plugin_dir, "plugboard_zoom.wasm")?,
    )?;
    let grant = Grant::all_requested(&source.manifest, "demo");
    add_plugin(app.home()?, app.store()?, app.runtime()?, source, &grant).await?;
    let instance = "demo-zoom".to_string();
    if app.store()?.instance(&instance)?.is_none() {
        // SAFETY of secrets: the simulator's generated secret travels through
        // the same sealed path as an operator's would.
        add_instance_with_secrets(&app, &instance, &creds, &sim.base_url())?;
    }
    let hidden = args.json || !std::io::stderr().is_terminal();
    let bars = StreamBars::new(&instance, hidden);
    let report = scan_instance(&app, &instance, false, &bars).await?;
    drop(bars);
    let counts = app.store()?.counts(Some(&instance))?;
    let summary = InstanceSummary {
        plugin: "zoom".into(),
        instance: instance.clone(),
        users: counts.users,
        groups: counts.groups,
        admins: counts.admins,
        activities: counts.activities,
        findings: counts.findings,
        failed_findings: counts.failed_findings,
        rate_limited: report.http.throttled,
        requests: report.http.requests,
        elapsed_ms: report.elapsed.as_millis() as u64,
    };
    let expected = sim.summary();
    sim.shutdown().await;
    if let Some((stream, blame, err)) = report.first_failure() {
        bail!("the demo scan failed in stream {stream} (blame: {blame}): {err}");
    }
    if !args.json {
        print_failing_findings(&app, &instance)?;
        println!(
            "zoom: {} users, {} groups, {} admins, {} activities (simulator has {}), {} findings ({} failing), {} requests, {} throttled, {:.1}s",
            summary.users,
            summary.groups,
            summary.admins,
            summary.activities,
            expected.activities,
            summary.findings,
            summary.failed_findings,
            summary.requests,
            summary.rate_limited,
            report.elapsed.as_secs_f64()
        );
    }
    Ok(DemoSummary {
        home: home.display().to_string(),
        instances: vec![summary],
    })
}

fn add_instance_with_secrets(
    app: &App,
    instance: &str,
    creds: &plugboard_sim::zoom::ZoomCredentials,
    base: &str,
) -> anyhow::Result<()> {
    add_instance(
        app,
        AddArgs {
            name: instance.to_string(),
            plugin: "zoom".into(),
            config: vec![
                format!("account_id={}", creds.account_id),
                "plan=pro".into(),
            ],
            secret_env: vec![],
            secret: vec![
                format!("client_id={}", creds.client_id),
                format!("client_secret={}", creds.client_secret),
            ],
            upstream: vec![
                format!("https://api.zoom.us={base}"),
                format!("https://zoom.us={base}"),
            ],
        },
    )
}

/// Print the failing and partial findings of `instance` with their remediation.
fn print_failing_findings(app: &App, instance: &str) -> anyhow::Result<()> {
    use plugboard_core::model::FindingStatus;
    for (_, f) in app.store()?.findings(Some(instance))? {
        let label = match f.status {
            FindingStatus::Fail => "FAIL",
            FindingStatus::Partial => "PARTIAL",
            FindingStatus::Pass | FindingStatus::Unknown => continue,
        };
        println!(
            "{label} [{}] {}: {}\n    evidence: {}\n    fix: {}",
            f.severity.as_str(),
            instance,
            f.title,
            f.evidence,
            f.remediation
        );
    }
    Ok(())
}
