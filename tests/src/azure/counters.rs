//! Counters that tests and the demo assert on: what the simulator received and answered.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::window::SlidingWindow;

/// The window of [`AzureCounterSnapshot::max_per_10s`].
const PEAK_WINDOW: Duration = Duration::from_secs(10);

/// A copy of the simulator's counters at one moment.
///
/// Categories: `token` (the token endpoint), `arm-tenant` (`/subscriptions` and
/// `/subscriptions/{id}`), `arm-subscription:<id>` (one per subscription's activity
/// log; `arm-subscription:unknown` for ids the tenant does not have), `graph`
/// (directory endpoints) and `graph-reports` (`/auditLogs/*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AzureCounterSnapshot {
    /// Requests received per category, every one counted: throttled, unauthorized and
    /// failed requests included. Every category of the tenant is present, zero or not.
    pub requests: BTreeMap<String, u64>,
    /// 429 answers sent (rate limits and injected throttles).
    pub throttled: u64,
    /// 429 answers per category.
    pub throttled_by: BTreeMap<String, u64>,
    /// Access tokens minted, per resource (`https://management.azure.com`,
    /// `https://graph.microsoft.com`).
    pub tokens_minted: BTreeMap<String, u64>,
    /// Every access token ever issued, oldest first (for leak tests).
    pub issued_tokens: Vec<String>,
    /// 401 answers sent, by the APIs or the token endpoint.
    pub unauthorized: u64,
    /// 403 answers sent.
    pub forbidden: u64,
    /// 4xx answers other than 401, 403 and 429, from any endpoint.
    pub client_errors: u64,
    /// Per category, the highest number of requests received in any sliding 10 s window.
    pub max_per_10s: BTreeMap<String, u64>,
}

impl AzureCounterSnapshot {
    /// Requests received in all categories together.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: BTreeMap<String, u64>,
    windows: BTreeMap<String, SlidingWindow>,
    max_per_10s: BTreeMap<String, u64>,
    throttled: u64,
    throttled_by: BTreeMap<String, u64>,
    tokens_minted: BTreeMap<String, u64>,
    issued_tokens: Vec<String>,
    unauthorized: u64,
    forbidden: u64,
    client_errors: u64,
}

impl Counters {
    /// Counters with `categories` present at zero.
    pub fn new<'a>(categories: impl IntoIterator<Item = &'a str>) -> Self {
        let mut counters = Counters::default();
        for category in categories {
            counters.requests.insert(category.to_owned(), 0);
            counters.max_per_10s.insert(category.to_owned(), 0);
        }
        counters
    }

    /// Counts a request of `category` arriving at `now`.
    pub fn record_arrival(&mut self, category: &str, now: Instant) {
        *self.requests.entry(category.to_owned()).or_default() += 1;
        let in_window = self
            .windows
            .entry(category.to_owned())
            .or_insert_with(|| SlidingWindow::new(PEAK_WINDOW))
            .record(now);
        let peak = self.max_per_10s.entry(category.to_owned()).or_default();
        *peak = (*peak).max(in_window);
    }

    /// Tallies an answer's status (`category` is `None` for unrouted requests).
    pub fn record_status(&mut self, category: Option<&str>, status: u16) {
        match status {
            401 => self.unauthorized += 1,
            403 => self.forbidden += 1,
            429 => {
                self.throttled += 1;
                if let Some(category) = category {
                    *self.throttled_by.entry(category.to_owned()).or_default() += 1;
                }
            }
            400..=499 => self.client_errors += 1,
            _ => {}
        }
    }

    /// Records a minted token for `resource`.
    pub fn record_token(&mut self, resource: &str, token: &str) {
        *self.tokens_minted.entry(resource.to_owned()).or_default() += 1;
        self.issued_tokens.push(token.to_owned());
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> AzureCounterSnapshot {
        AzureCounterSnapshot {
            requests: self.requests.clone(),
            throttled: self.throttled,
            throttled_by: self.throttled_by.clone(),
            tokens_minted: self.tokens_minted.clone(),
            issued_tokens: self.issued_tokens.clone(),
            unauthorized: self.unauthorized,
            forbidden: self.forbidden,
            client_errors: self.client_errors,
            max_per_10s: self.max_per_10s.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_is_the_busiest_sliding_ten_seconds() {
        let mut c = Counters::new(["graph", "token"]);
        let t = Instant::now();
        for s in [0, 1, 2, 15, 16, 17, 18, 30] {
            c.record_arrival("graph", t + Duration::from_secs(s));
        }
        let snap = c.snapshot();
        assert_eq!(snap.requests["graph"], 8);
        assert_eq!(snap.max_per_10s["graph"], 4);
        assert_eq!(snap.requests["token"], 0);
    }

    #[test]
    fn statuses_are_tallied_by_kind_and_throttles_by_category() {
        let mut c = Counters::default();
        for status in [200, 400, 401, 403, 404, 429] {
            c.record_status(Some("graph-reports"), status);
        }
        let snap = c.snapshot();
        assert_eq!(
            (snap.unauthorized, snap.forbidden, snap.throttled),
            (1, 1, 1)
        );
        assert_eq!(snap.client_errors, 2);
        assert_eq!(snap.throttled_by["graph-reports"], 1);
    }
}
