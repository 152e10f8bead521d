//! Scans recorded as sync runs: the run row is opened before the scan and
//! closed with its status, blame and counters whatever happens.

use std::sync::Arc;

use plugboard_core::Blame;
use plugboard_core::store::{RunStatus, Store};

use tracing::Instrument as _;

use super::{
    ScanError, ScanObserver, ScanPlan, ScanReport, StreamSelection, StreamStatus, scan_in,
    scan_span,
};
use crate::runtime::{InstanceContext, LoadedPlugin};

/// How a finished scan is summarised in its run row: status and, when a
/// stream failed, its blame and `stream: error`.
pub fn run_outcome(report: &ScanReport) -> (RunStatus, Option<(Blame, String)>) {
    match report.first_failure() {
        Some((stream, blame, err)) => {
            (RunStatus::Failed, Some((blame, format!("{stream}: {err}"))))
        }
        None if report.streams.iter().any(|s| {
            matches!(
                s.status,
                StreamStatus::Unavailable { .. } | StreamStatus::Stopped
            )
        }) =>
        {
            (RunStatus::Partial, None)
        }
        None => (RunStatus::Succeeded, None),
    }
}

/// Run the `plan` parts of a scan of `ctx`, recorded as a sync run.
pub async fn scan_recorded(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
    observer: &dyn ScanObserver,
    plan: ScanPlan,
) -> Result<ScanReport, ScanError> {
    let all = StreamSelection::All;
    scan_recorded_until(
        plugin,
        ctx,
        store,
        observer,
        plan,
        &all,
        std::future::pending(),
    )
    .await
}

/// [`scan_recorded`] of the streams in `selection`, abandoned at once when
/// `interrupt` completes (Ctrl-C): the page in flight is dropped (it was not
/// committed), the run is recorded as failed by the operator, and
/// [`ScanError::Interrupted`] returned.
pub async fn scan_recorded_until(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    store: &Arc<Store>,
    observer: &dyn ScanObserver,
    plan: ScanPlan,
    selection: &StreamSelection,
    interrupt: impl Future<Output = ()>,
) -> Result<ScanReport, ScanError> {
    let id = ctx.instance_id.clone();
    let run = store.start_run(&id)?;
    let span = scan_span(plugin, ctx, plan, Some(run));
    let scan = scan_in(plugin, ctx, store, observer, plan, selection).instrument(span.clone());
    let outcome = tokio::select! {
        r = scan => r,
        () = interrupt => {
            store.finish_run(
                run,
                RunStatus::Failed,
                Some(Blame::Operator),
                Some("interrupted by the operator; every page committed before is kept"),
                "{}",
            )?;
            return Err(ScanError::Interrupted);
        }
    };
    match outcome {
        Ok(report) => {
            let (status, failure) = run_outcome(&report);
            if let Some((blame, _)) = &failure {
                span.record("error.type", blame.as_str());
            }
            let stats = serde_json::to_string(&report).unwrap_or_else(|_| "{}".into());
            store.finish_run(
                run,
                status,
                failure.as_ref().map(|f| f.0),
                failure.as_ref().map(|f| f.1.as_str()),
                &stats,
            )?;
            Ok(report)
        }
        Err(e) => {
            span.record("error.type", e.blame().as_str());
            store.finish_run(
                run,
                RunStatus::Failed,
                Some(e.blame()),
                Some(&e.to_string()),
                "{}",
            )?;
            Err(e)
        }
    }
}
