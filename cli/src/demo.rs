//! `plugboard demo`: the whole product on built-in simulators — the Zoom,
//! Azure and GitHub simulators on loopback, the three plugins, an instance of
//! each, a scan.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use plugboard_core::model::FindingStatus;
use plugboard_sim::azure::{AzureSim, AzureSimBuilder};
use plugboard_sim::github::{GithubSim, GithubSimBuilder};
use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};
use serde::Serialize;

use super::instance::{AddArgs, SettingArgs, add as add_instance};
use super::progress::StreamBars;
use super::scan::scan_instance;
use plugboard_host::home::OpenHome;
use plugboard_host::host::Host;
use plugboard_host::registry::{Grant, PluginSource, add_plugin};
use plugboard_host::scan::ScanReport;

/// The manifests, embedded so the demo needs only the component files.
const ZOOM_MANIFEST: &str = include_str!("../../plugins/zoom/plugin.toml");
const AZURE_MANIFEST: &str = include_str!("../../plugins/azure/plugin.toml");
const GITHUB_MANIFEST: &str = include_str!("../../plugins/github/plugin.toml");

/// `demo` arguments.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Print one JSON object instead of tables and progress bars.
    #[arg(long)]
    pub json: bool,
    /// Directory holding the built plugin components (plugboard_zoom.wasm,
    /// plugboard_azure.wasm, plugboard_github.wasm). Default: $PLUGBOARD_PLUGIN_DIR, else
    /// target/wasm32-wasip2/release next to this binary's target directory.
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
    /// The app's activity events (de-duplicated): for Zoom every audit event
    /// (sign-in/out and operation logs); for Azure the ARM activity log of
    /// every enabled subscription, i.e. everything but the `sign-in` and
    /// `directory-audit` categories (those are in `audit_events` and
    /// `activity_categories`); for GitHub the organization's audit log.
    pub activities: u64,
    /// Every audit record stored for the instance, all categories.
    pub audit_events: u64,
    /// Audit records per category.
    pub activity_categories: std::collections::BTreeMap<String, u64>,
    /// Enabled subscriptions read (Azure only, from the plugin's `check`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<u64>,
    /// Findings from the posture assessment.
    pub findings: u64,
    /// Findings that failed.
    pub failed_findings: u64,
    /// Streams the upstream could not provide (e.g. no licence).
    pub unavailable_streams: Vec<String>,
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
    let candidates: Vec<PathBuf> = exe
        .ancestors()
        .skip(1)
        .take(4)
        .map(|d| d.join("wasm32-wasip2").join("release"))
        .collect();
    candidates.iter().find(|d| d.join("plugboard_zoom.wasm").exists()).cloned().with_context(|| {
        format!(
            "cannot find plugboard_zoom.wasm (looked in {}); build the plugins with `scripts/build-plugins.sh` or pass --plugin-dir",
            candidates.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
        )
    })
}

fn read_component(dir: &Path, file: &str) -> anyhow::Result<Vec<u8>> {
    let p = dir.join(file);
    std::fs::read(&p).with_context(|| {
        format!(
            "reading {}; build the plugins first with scripts/build-plugins.sh",
            p.display()
        )
    })
}

/// Run the demo.
pub async fn run(args: DemoArgs, home: Option<PathBuf>, open: OpenHome) -> anyhow::Result<()> {
    let plugin_dir = find_plugin_dir(args.plugin_dir.clone())?;
    let temp_home = home.is_none();
    let home = match home {
        Some(h) => h,
        None => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            std::env::temp_dir().join(format!("plugboard-demo-{}-{nanos}", std::process::id()))
        }
    };
    let result = run_in(&args, &plugin_dir, home.clone(), open).await;
    if temp_home && !args.keep {
        let _ = std::fs::remove_dir_all(&home);
    }
    let summary = result?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    }
    Ok(())
}

async fn add(app: &Host, manifest: &str, wasm: Vec<u8>) -> anyhow::Result<()> {
    let source = PluginSource::from_parts(manifest, wasm)?;
    let grant = Grant::all_requested(&source.manifest, "demo");
    add_plugin(app.home()?, app.store()?, app.runtime()?, source, &grant).await?;
    Ok(())
}

fn zoom_instance(app: &Host, sim: &ZoomSim) -> anyhow::Result<()> {
    let c = sim.credentials();
    let base = sim.base_url();
    add_instance(
        app,
        AddArgs {
            name: "demo-zoom".into(),
            plugin: "zoom".into(),
            settings: SettingArgs {
                config: vec![format!("account_id={}", c.account_id), "plan=pro".into()],
                secret_env: vec![],
                secret: vec![
                    format!("client_id={}", c.client_id),
                    format!("client_secret={}", c.client_secret),
                ],
                upstream: vec![
                    format!("https://api.zoom.us={base}"),
                    format!("https://zoom.us={base}"),
                ],
            },
        },
    )
}

fn azure_instance(app: &Host, sim: &AzureSim) -> anyhow::Result<()> {
    let c = sim.credentials();
    let base = sim.base_url();
    add_instance(
        app,
        AddArgs {
            name: "demo-azure".into(),
            plugin: "azure".into(),
            settings: SettingArgs {
                config: vec![format!("tenant_id={}", c.tenant_id)],
                secret_env: vec![],
                secret: vec![
                    format!("client_id={}", c.client_id),
                    format!("client_secret={}", c.client_secret),
                ],
                upstream: vec![
                    format!("https://login.microsoftonline.com={base}"),
                    format!("https://management.azure.com={base}"),
                    format!("https://graph.microsoft.com={base}"),
                ],
            },
        },
    )
}

fn github_instance(app: &Host, sim: &GithubSim) -> anyhow::Result<()> {
    let c = sim.credentials();
    add_instance(
        app,
        AddArgs {
            name: "demo-github".into(),
            plugin: "github".into(),
            settings: SettingArgs {
                config: vec![
                    "auth=github-app".into(),
                    format!("org={}", c.org),
                    format!("app_id={}", c.client_id),
                    format!("installation_id={}", c.installation_id),
                ],
                secret_env: vec![],
                secret: vec![format!("app_private_key={}", c.private_key_pem)],
                upstream: vec![format!("https://api.github.com={}", sim.base_url())],
            },
        },
    )
}

async fn run_in(
    args: &DemoArgs,
    plugin_dir: &Path,
    home: PathBuf,
    open: OpenHome,
) -> anyhow::Result<DemoSummary> {
    let app = Host::new(Some(home.clone())).allow_open_home(open);
    let loopback = ([127, 0, 0, 1], 0).into();
    let zoom = ZoomSimBuilder::new()
        .start(loopback)
        .await
        .context("starting the Zoom simulator on loopback")?;
    let azure = AzureSimBuilder::new()
        .start(loopback)
        .await
        .context("starting the Azure simulator on loopback")?;
    let github = GithubSimBuilder::new()
        .start(loopback)
        .await
        .context("starting the GitHub simulator on loopback")?;
    if !args.json {
        println!(
            "Zoom simulator on {}, Azure simulator on {}, GitHub simulator on {}",
            zoom.base_url(),
            azure.base_url(),
            github.base_url()
        );
    }
    add(
        &app,
        ZOOM_MANIFEST,
        read_component(plugin_dir, "plugboard_zoom.wasm")?,
    )
    .await?;
    add(
        &app,
        AZURE_MANIFEST,
        read_component(plugin_dir, "plugboard_azure.wasm")?,
    )
    .await?;
    add(
        &app,
        GITHUB_MANIFEST,
        read_component(plugin_dir, "plugboard_github.wasm")?,
    )
    .await?;
    let store = app.store()?;
    if store.instance("demo-zoom")?.is_none() {
        zoom_instance(&app, &zoom)?;
    }
    if store.instance("demo-azure")?.is_none() {
        azure_instance(&app, &azure)?;
    }
    if store.instance("demo-github")?.is_none() {
        github_instance(&app, &github)?;
    }
    let hidden = args.json || !std::io::stderr().is_terminal();
    let multi = StreamBars::multi(hidden);
    let (zoom_bars, azure_bars, github_bars) = (
        StreamBars::in_multi(&multi, "demo-zoom"),
        StreamBars::in_multi(&multi, "demo-azure"),
        StreamBars::in_multi(&multi, "demo-github"),
    );
    let (zoom_report, azure_report, github_report) = tokio::join!(
        scan_instance(&app, "demo-zoom", false, &zoom_bars),
        scan_instance(&app, "demo-azure", false, &azure_bars),
        scan_instance(&app, "demo-github", false, &github_bars)
    );
    drop((zoom_bars, azure_bars, github_bars, multi));
    let (zoom_report, azure_report, github_report) = (zoom_report?, azure_report?, github_report?);
    zoom.shutdown().await;
    azure.shutdown().await;
    github.shutdown().await;
    let mut instances = Vec::new();
    for (plugin, report) in [
        ("zoom", &zoom_report),
        ("azure", &azure_report),
        ("github", &github_report),
    ] {
        super::scan::StreamFailed::check(report, &report.instance)?;
        instances.push(summarise(&app, plugin, report)?);
    }
    if !args.json {
        for s in &instances {
            print_failing_findings(&app, &s.instance)?;
        }
        for s in &instances {
            let subs = s
                .subscriptions
                .map(|n| format!(", {n} subscriptions"))
                .unwrap_or_default();
            let unavailable = if s.unavailable_streams.is_empty() {
                String::new()
            } else {
                format!(", unavailable: {}", s.unavailable_streams.join(", "))
            };
            println!(
                "{}: {} users, {} groups, {} admins, {} activities ({} audit events){subs}, {} findings ({} failing), {} requests, {} throttled, {:.1}s{unavailable}",
                s.plugin,
                s.users,
                s.groups,
                s.admins,
                s.activities,
                s.audit_events,
                s.findings,
                s.failed_findings,
                s.requests,
                s.rate_limited,
                s.elapsed_ms as f64 / 1000.0
            );
        }
    }
    Ok(DemoSummary {
        home: home.display().to_string(),
        instances,
    })
}

fn summarise(app: &Host, plugin: &str, report: &ScanReport) -> anyhow::Result<InstanceSummary> {
    let counts = app.store()?.counts(Some(&report.instance))?;
    let categories = app.store()?.activity_categories(&report.instance)?;
    // Demo wiring: which categories the summary calls the app's "activities".
    let activities = match plugin {
        "azure" => categories
            .iter()
            .filter(|(c, _)| !matches!(c.as_str(), "sign-in" | "directory-audit"))
            .map(|(_, n)| n)
            .sum(),
        _ => counts.activities,
    };
    let subscriptions = report
        .account
        .as_ref()
        .and_then(|a| serde_json::from_str::<serde_json::Value>(&a.raw).ok())
        .and_then(|raw| raw.get("subscriptions")?.get("enabled")?.as_u64());
    Ok(InstanceSummary {
        plugin: plugin.into(),
        instance: report.instance.clone(),
        users: counts.users,
        groups: counts.groups,
        admins: counts.admins,
        activities,
        audit_events: counts.activities,
        activity_categories: categories,
        subscriptions,
        findings: counts.findings,
        failed_findings: counts.failed_findings,
        unavailable_streams: report
            .streams
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    plugboard_host::scan::StreamStatus::Unavailable { .. }
                )
            })
            .map(|s| s.name.clone())
            .collect(),
        rate_limited: report.http.throttled,
        requests: report.http.requests,
        elapsed_ms: report.elapsed.as_millis() as u64,
    })
}

/// Print the failing and partial findings of `instance` with their remediation.
fn print_failing_findings(app: &Host, instance: &str) -> anyhow::Result<()> {
    for (_, f) in app.store()?.findings(Some(instance))? {
        let label = match f.status {
            FindingStatus::Fail => "FAIL",
            FindingStatus::Partial => "PARTIAL",
            FindingStatus::Pass | FindingStatus::Unknown => continue,
        };
        println!(
            "{label} [{}] {instance}: {}\n    evidence: {}\n    fix: {}",
            f.severity.as_str(),
            f.title,
            f.evidence,
            f.remediation
        );
    }
    Ok(())
}
