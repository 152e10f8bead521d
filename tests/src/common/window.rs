//! A sliding window of arrival instants, used by both simulators' counters and rate
//! limiters.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Arrival times within the trailing `length`.
#[derive(Debug, Clone)]
pub(crate) struct SlidingWindow {
    length: Duration,
    arrivals: VecDeque<Instant>,
}

impl SlidingWindow {
    /// An empty window of the given length.
    pub fn new(length: Duration) -> Self {
        SlidingWindow {
            length,
            arrivals: VecDeque::new(),
        }
    }

    /// Records an arrival at `now` and returns how many arrivals (this one included)
    /// fall in the trailing window ending at `now`.
    pub fn record(&mut self, now: Instant) -> u64 {
        self.prune(now);
        self.arrivals.push_back(now);
        self.len()
    }

    /// How many arrivals fall in the trailing window ending at `now`.
    pub fn count(&mut self, now: Instant) -> u64 {
        self.prune(now);
        self.len()
    }

    /// How long after `now` the oldest arrival leaves the window (zero if empty).
    pub fn frees_in(&mut self, now: Instant) -> Duration {
        self.prune(now);
        self.arrivals
            .front()
            .map(|&oldest| {
                self.length
                    .saturating_sub(now.saturating_duration_since(oldest))
            })
            .unwrap_or_default()
    }

    fn len(&self) -> u64 {
        u64::try_from(self.arrivals.len()).unwrap_or(u64::MAX)
    }

    fn prune(&mut self, now: Instant) {
        while let Some(&oldest) = self.arrivals.front() {
            if now.saturating_duration_since(oldest) >= self.length {
                self.arrivals.pop_front();
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrivals_older_than_the_window_drop_out() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut w = SlidingWindow::new(Duration::from_secs(1));
        for (ms, in_window) in [(0, 1), (500, 2), (999, 3), (1000, 3), (2000, 1)] {
            assert_eq!(w.record(at(ms)), in_window, "at {ms} ms");
        }
        assert_eq!(w.frees_in(at(2600)), Duration::from_millis(400));
        assert_eq!(w.count(at(2999)), 1);
        assert_eq!(w.count(at(3000)), 0);
        assert_eq!(w.frees_in(at(3000)), Duration::ZERO);
    }
}
