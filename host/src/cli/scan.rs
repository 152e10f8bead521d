//! `plugboard scan INSTANCE`.

use std::io::IsTerminal;

use anyhow::bail;

use super::App;
use super::progress::StreamBars;
use super::table::{print_json, table};
use crate::scan::{ScanObserver, ScanPlan, ScanReport, StreamStatus, scan_recorded};

/// `scan` arguments.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The instance to scan.
    pub instance: String,
    /// Forget checkpoints and read everything again (records are upserted,
    /// so nothing is duplicated).
    #[arg(long)]
    pub full: bool,
    /// Print the report as JSON (no progress bars).
    #[arg(long)]
    pub json: bool,
}

/// Scan `id`, recording a sync run; returns the report.
pub async fn scan_instance(
    app: &App,
    id: &str,
    full: bool,
    observer: &dyn ScanObserver,
) -> anyhow::Result<ScanReport> {
    let (plugin, ctx) = app.open_instance(id).await?;
    let store = app.store()?;
    if full {
        store.reset_checkpoints(id)?;
    }
    Ok(scan_recorded(&plugin, &ctx, store, observer, ScanPlan::FULL).await?)
}

/// Run `scan`.
pub async fn run(app: &App, args: ScanArgs) -> anyhow::Result<()> {
    let hidden = args.json || !std::io::stderr().is_terminal();
    let bars = StreamBars::new(&args.instance, hidden);
    let report = tokio::select! {
        r = scan_instance(app, &args.instance, args.full, &bars) => r?,
        _ = tokio::signal::ctrl_c() => {
            drop(bars);
            bail!(
                "interrupted: every page committed so far is kept; `plugboard scan {}` resumes from the last checkpoint",
                args.instance
            );
        }
    };
    if args.json {
        print_json(&report)?;
    } else {
        let mut t = table(&["stream", "pages", "records", "status"]);
        for s in &report.streams {
            let status = match &s.status {
                StreamStatus::Completed => "completed".to_string(),
                StreamStatus::Unavailable { reason } => format!("unavailable: {reason}"),
                StreamStatus::Stopped => "stopped".to_string(),
                StreamStatus::Failed { blame, error } => format!("failed ({blame}): {error}"),
            };
            t.add_row(vec![
                s.name.clone(),
                s.pages.to_string(),
                s.records.to_string(),
                status,
            ]);
        }
        println!("{t}");
        println!(
            "{} requests, {} throttled (429), {} tokens minted, {} findings, {:.1}s",
            report.http.requests,
            report.http.throttled,
            report.token_mints,
            report
                .findings
                .map(|n| n.to_string())
                .unwrap_or_else(|| "no".into()),
            report.elapsed.as_secs_f64()
        );
    }
    if let Some((stream, blame, err)) = report.first_failure() {
        bail!(
            "scan of {} failed in stream {stream} (blame: {blame}): {err}",
            args.instance
        );
    }
    Ok(())
}
