//! `plugboard scan INSTANCE`.

use std::io::IsTerminal;

use plugboard_core::Blame;

use super::progress::StreamBars;
use super::table::{emit, print_json, table};
use plugboard_host::host::Host;
use plugboard_host::scan::{
    ScanError, ScanObserver, ScanPlan, ScanReport, StreamSelection, StreamStatus,
    scan_recorded_until,
};

/// `scan` arguments.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The instance to scan.
    pub instance: String,
    /// Forget checkpoints and read everything again (records are upserted,
    /// so nothing is duplicated). With --stream, only those streams'.
    #[arg(long)]
    pub full: bool,
    /// Sync only this stream (repeatable; `plugboard plugin list` shows a
    /// plugin's streams). The credentials are checked first as always;
    /// posture is not assessed, so the findings stay those of the last
    /// scan that assessed it.
    #[arg(long = "stream", value_name = "NAME")]
    pub streams: Vec<String>,
    /// Print the report as JSON (no progress bars).
    #[arg(long)]
    pub json: bool,
}

/// The plan of a scan of `selection`: everything, but no posture
/// assessment when only some streams are synced. `assess` reads the app's
/// settings itself rather than the stored records, so a partial scan would
/// not make it more accurate; it would only cost requests and replace the
/// findings of the last full scan.
pub fn plan_for(selection: &StreamSelection) -> ScanPlan {
    match selection {
        StreamSelection::All => ScanPlan::FULL,
        StreamSelection::Only(_) => ScanPlan {
            posture: false,
            ..ScanPlan::FULL
        },
    }
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

    /// `Ok` when every stream of `report` ran to its end, else the first
    /// failed stream as this error, naming `instance`.
    pub fn check(report: &ScanReport, instance: &str) -> Result<(), StreamFailed> {
        match report.first_failure() {
            Some((stream, blame, error)) => Err(StreamFailed {
                instance: instance.to_string(),
                stream: stream.to_string(),
                blame,
                error: error.to_string(),
            }),
            None => Ok(()),
        }
    }
}

/// Scan `id`, recording a sync run; returns the report (the demo's scan).
#[cfg(feature = "demo")]
pub async fn scan_instance(
    app: &Host,
    id: &str,
    full: bool,
    observer: &dyn ScanObserver,
) -> anyhow::Result<ScanReport> {
    let all = StreamSelection::All;
    scan_instance_until(app, id, full, &all, observer, std::future::pending()).await
}

/// [`scan_instance`] of the streams in `selection`, stopped when
/// `interrupt` completes: the sync run is then recorded as failed (blame
/// operator) and [`Interrupted`] returned. Stream names the plugin lacks are
/// refused before any checkpoint is reset, run recorded or request sent.
pub async fn scan_instance_until(
    app: &Host,
    id: &str,
    full: bool,
    selection: &StreamSelection,
    observer: &dyn ScanObserver,
    interrupt: impl Future<Output = ()>,
) -> anyhow::Result<ScanReport> {
    let (plugin, ctx) = app.open_instance(id).await?;
    let store = app.store()?;
    if let StreamSelection::Only(names) = selection {
        // `describe` runs offline; the scan checks again after its own.
        let info = plugin
            .describe(&ctx)
            .await
            .map_err(|cause| ScanError::Call {
                stage: "describe",
                cause,
            })?;
        selection
            .check(&plugin.manifest().id, &info.streams)
            .map_err(ScanError::from)?;
        if full {
            for name in names {
                store.reset_checkpoint(id, name)?;
            }
        }
    } else if full {
        store.reset_checkpoints(id)?;
    }
    let plan = plan_for(selection);
    match scan_recorded_until(&plugin, &ctx, store, observer, plan, selection, interrupt).await {
        Err(ScanError::Interrupted) => Err(Interrupted {
            instance: id.to_string(),
        }
        .into()),
        r => Ok(r?),
    }
}

/// Run `scan`.
pub async fn run(app: &Host, args: ScanArgs) -> anyhow::Result<()> {
    let hidden = args.json || !std::io::stderr().is_terminal();
    let bars = StreamBars::new(&args.instance, hidden);
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No signal handler: never interrupt.
            std::future::pending::<()>().await;
        }
    };
    let selection = StreamSelection::of(&args.streams);
    let scanned =
        scan_instance_until(app, &args.instance, args.full, &selection, &bars, ctrl_c).await;
    let report = match scanned {
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
        print_report(&report, &selection)?;
    }
    StreamFailed::check(&report, &args.instance)?;
    Ok(())
}

/// The report as a table of streams and a summary line.
pub(crate) fn print_report(report: &ScanReport, selection: &StreamSelection) -> anyhow::Result<()> {
    let mut t = table(&[
        "stream", "pages", "records", "requests", "429s", "elapsed", "status",
    ]);
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
            s.requests.to_string(),
            s.throttled.to_string(),
            format!("{:.1}s", s.elapsed.as_secs_f64()),
            status,
        ]);
    }
    t.print()?;
    let findings = match (report.findings, selection) {
        (Some(n), _) => format!("{n} findings"),
        (None, StreamSelection::Only(_)) => {
            "posture not assessed (--stream: the findings of the last full scan stay)".into()
        }
        (None, StreamSelection::All) => "posture assessment failed (see the log)".into(),
    };
    emit(&format!(
        "{} requests, {} throttled (429), {} tokens minted, {findings}, {:.1}s",
        report.http.requests,
        report.http.throttled,
        report.token_mints,
        report.elapsed.as_secs_f64()
    ))
}
