//! A progress bar per stream while a scan runs.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use plugboard_host::scan::{ScanObserver, StreamStatus};

/// Spinners with record counts, one per stream; hidden when not a terminal.
pub struct StreamBars {
    multi: MultiProgress,
    bars: Mutex<BTreeMap<String, ProgressBar>>,
    prefix: String,
}

impl StreamBars {
    /// Bars for `prefix` drawn in an existing `multi` (several instances at
    /// once, as the demo scans them).
    #[cfg(feature = "demo")]
    pub fn in_multi(multi: &MultiProgress, prefix: &str) -> Self {
        StreamBars {
            multi: multi.clone(),
            bars: Mutex::new(BTreeMap::new()),
            prefix: prefix.to_string(),
        }
    }

    /// A shared drawing area, hidden when `hidden`.
    #[cfg(feature = "demo")]
    pub fn multi(hidden: bool) -> MultiProgress {
        MultiProgress::with_draw_target(if hidden {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        })
    }

    pub fn new(prefix: &str, hidden: bool) -> Self {
        let target = if hidden {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        StreamBars {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(BTreeMap::new()),
            prefix: prefix.to_string(),
        }
    }
}

impl ScanObserver for StreamBars {
    fn stream_started(&self, stream: &str) {
        let style = ProgressStyle::with_template(
            "{spinner} {prefix:>12} {msg:<16} {pos:>7} records  {elapsed}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(style);
        bar.set_prefix(self.prefix.clone());
        bar.set_message(stream.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(stream.to_string(), bar);
        }
    }

    fn page(&self, stream: &str, records: u64) {
        if let Ok(bars) = self.bars.lock()
            && let Some(b) = bars.get(stream)
        {
            b.inc(records);
        }
    }

    fn stream_finished(&self, stream: &str, status: &StreamStatus) {
        if let Ok(bars) = self.bars.lock()
            && let Some(b) = bars.get(stream)
        {
            let msg = match status {
                StreamStatus::Completed => format!("{stream} ✓"),
                StreamStatus::Unavailable { .. } => format!("{stream} (unavailable)"),
                StreamStatus::Stopped => format!("{stream} (stopped)"),
                StreamStatus::Failed { blame, .. } => format!("{stream} ✗ ({blame})"),
            };
            b.finish_with_message(msg);
        }
    }
}
