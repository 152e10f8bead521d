//! `plugboard scan INSTANCE`.

use std::io::IsTerminal;

use plugboard_core::Blame;

use super::App;
use super::progress::StreamBars;
use super::table::{print_json, table};
use crate::scan::{
    ScanError, ScanObserver, ScanPlan, ScanReport, StreamStatus, scan_recorded_until,
};

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

/// A scan stopped by the operator (Ctrl-C) before its end. Every page
/// committed so far is kept, and the next scan resumes from the checkpoints.
#[derive(Debug, thiserror::Error)]
#[error(
    "interrupted: every page committed so far is kept; `plugboard scan {instance}` resumes from the last checkpoint"
)]
pub struct Interrupted {
    /// The instance whose scan was stopped.
    pub instance: String,
}

/// A scan that ran to its end with a failed stream; the other streams'
/// pages are committed.
#[derive(Debug, thiserror::Error)]
#[error("scan of {instance} failed in stream {stream}: {error}")]
pub struct StreamFailed {
    /// The instance scanned.
    pub instance: String,
    /// The first stream that failed.
    pub stream: String,
    /// Who is to blame for it.
    pub blame: Blame,
    /// What happened.
    pub error: String,
}

impl StreamFailed {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        self.blame
    }
}

/// Scan `id`, recording a sync run; returns the report.
pub async fn scan_instance(
    app: &App,
    id: &str,
    full: bool,
    observer: &dyn ScanObserver,
) -> anyhow::Result<ScanReport> {
    scan_instance_until(app, id, full, observer, std::future::pending()).await
}

/// [`scan_instance`], stopped when `interrupt` completes: the sync run is
/// then recorded as failed (blame operator) and [`Interrupted`] returned.
pub async fn scan_instance_until(
    app: &App,
    id: &str,
    full: bool,
    observer: &dyn ScanObserver,
    interrupt: impl Future<Output = ()>,
) -> anyhow::Result<ScanReport> {
    let (plugin, ctx) = app.open_instance(id).await?;
    let store = app.store()?;
    if full {
        store.reset_checkpoints(id)?;
    }
    match scan_recorded_until(&plugin, &ctx, store, observer, ScanPlan::FULL, interrupt).await {
        Err(ScanError::Interrupted) => Err(Interrupted {
            instance: id.to_string(),
        }
        .into()),
        r => Ok(r?),
    }
}

/// Run `scan`.
pub async fn run(app: &App, args: ScanArgs) -> anyhow::Result<()> {
    let hidden = args.json || !std::io::stderr().is_terminal();
    let bars = StreamBars::new(&args.instance, hidden);
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler: never interrupt.
            std::future::pending::<()>().await;
        }
    };
    let report = match scan_instance_until(app, &args.instance, args.full, &bars, ctrl_c).await {
        Ok(r) => r,
        Err(e) => {
            // Clear the bars before the error line.
            drop(bars);
            return Err(e);
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
        return Err(StreamFailed {
            instance: args.instance.clone(),
            stream: stream.to_string(),
            blame,
            error: err.to_string(),
        }
        .into());
    }
    Ok(())
}
