//! Progress reporting hooks for scans (progress bars, logs, metrics).

use plugboard_core::store::Lease;

use super::StreamStatus;

/// Told about scan progress. Implementations must be cheap.
pub trait ScanObserver: Send + Sync {
    /// A stream begins.
    fn stream_started(&self, stream: &str);
    /// A page with `records` records was committed.
    fn page(&self, stream: &str, records: u64);
    /// A stream ended.
    fn stream_finished(&self, stream: &str, status: &StreamStatus);
    /// Whether the scan should stop before its next page (shutdown, disable).
    /// Pages already committed stay; the next scan resumes from them.
    fn stop_requested(&self) -> bool {
        false
    }
    /// The lease under which pages are committed (a cluster node's), checked
    /// with each page in its own transaction: a page committed after another
    /// node took the instance over is refused (`LeaseLost`) and nothing of it
    /// is stored. `None`: no lease (one node, the CLI).
    fn lease(&self) -> Option<Lease> {
        None
    }
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl ScanObserver for NoProgress {
    fn stream_started(&self, _: &str) {}
    fn page(&self, _: &str, _: u64) {}
    fn stream_finished(&self, _: &str, _: &StreamStatus) {}
}
