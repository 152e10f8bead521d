//! Counters that tests and the demo assert on: what the simulator received and answered.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::plan::Category;
use crate::common::window::SlidingWindow;

/// A copy of the simulator's counters at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CounterSnapshot {
    /// API requests received per category, every one counted: throttled, unauthorized
    /// and failed requests included. All four categories are present.
    pub requests: BTreeMap<Category, u64>,
    /// Per category, the highest number of requests received in any sliding one-second
    /// window (also for Resource-intensive, whose limit is per minute).
    pub max_per_second: BTreeMap<Category, u64>,
    /// 429 answers sent (rate limits and injected throttles).
    pub throttled: u64,
    /// Access tokens minted by `/oauth/token`.
    pub tokens_minted: u64,
    /// 401 answers sent, by the API or the token endpoint.
    pub unauthorized: u64,
    /// Every access token ever issued, oldest first (for leak tests).
    pub issued_tokens: Vec<String>,
    /// 4xx answers other than 401 and 429, from any endpoint.
    pub client_errors: u64,
    /// Server-to-Server token requests (`account_credentials`), every outcome.
    pub s2s_token_requests: u64,
    /// OAuth app token requests (`authorization_code` and `refresh_token`),
    /// every outcome.
    pub oauth_app_token_requests: u64,
    /// Every refresh token issued, oldest first (for leak tests).
    pub issued_refresh_tokens: Vec<String>,
}

impl CounterSnapshot {
    /// API requests received in all categories together.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// The live counters behind [`CounterSnapshot`].
#[derive(Debug)]
pub(crate) struct Counters {
    requests: [u64; 4],
    windows: [SlidingWindow; 4],
    max_per_second: [u64; 4],
    throttled: u64,
    tokens_minted: u64,
    unauthorized: u64,
    issued_tokens: Vec<String>,
    client_errors: u64,
    s2s_token_requests: u64,
    oauth_app_token_requests: u64,
    issued_refresh_tokens: Vec<String>,
}

impl Default for Counters {
    fn default() -> Self {
        let window = SlidingWindow::new(Duration::from_secs(1));
        Counters {
            requests: [0; 4],
            windows: [window.clone(), window.clone(), window.clone(), window],
            max_per_second: [0; 4],
            throttled: 0,
            tokens_minted: 0,
            unauthorized: 0,
            issued_tokens: Vec::new(),
            client_errors: 0,
            s2s_token_requests: 0,
            oauth_app_token_requests: 0,
            issued_refresh_tokens: Vec::new(),
        }
    }
}

impl Counters {
    /// Counts an API request of `category` received at `now`.
    pub fn record_arrival(&mut self, category: Category, now: Instant) {
        let i = category.index();
        if let (Some(total), Some(window), Some(max)) = (
            self.requests.get_mut(i),
            self.windows.get_mut(i),
            self.max_per_second.get_mut(i),
        ) {
            *total += 1;
            *max = (*max).max(window.record(now));
        }
    }

    /// Counts an answer by its status: 401, 429 and other 4xx are tallied.
    pub fn record_status(&mut self, status: u16) {
        match status {
            401 => self.unauthorized += 1,
            429 => self.throttled += 1,
            400..=499 => self.client_errors += 1,
            _ => {}
        }
    }

    /// Counts a minted token and remembers it.
    pub fn record_token(&mut self, token: &str) {
        self.tokens_minted += 1;
        self.issued_tokens.push(token.to_owned());
    }

    /// Counts a Server-to-Server token request.
    pub fn record_s2s_request(&mut self) {
        self.s2s_token_requests += 1;
    }

    /// Counts an OAuth app token request.
    pub fn record_oauth_app_request(&mut self) {
        self.oauth_app_token_requests += 1;
    }

    /// Remembers an issued refresh token.
    pub fn record_refresh_token(&mut self, token: &str) {
        self.issued_refresh_tokens.push(token.to_owned());
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> CounterSnapshot {
        let table = |values: &[u64; 4]| -> BTreeMap<Category, u64> {
            Category::ALL
                .iter()
                .copied()
                .zip(values.iter().copied())
                .collect()
        };
        CounterSnapshot {
            requests: table(&self.requests),
            max_per_second: table(&self.max_per_second),
            throttled: self.throttled,
            tokens_minted: self.tokens_minted,
            unauthorized: self.unauthorized,
            issued_tokens: self.issued_tokens.clone(),
            client_errors: self.client_errors,
            s2s_token_requests: self.s2s_token_requests,
            oauth_app_token_requests: self.oauth_app_token_requests,
            issued_refresh_tokens: self.issued_refresh_tokens.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_per_second_is_the_busiest_sliding_second() {
        let mut c = Counters::default();
        let t = Instant::now();
        for ms in [0, 100, 200, 1500, 1600, 1700, 1800, 3000] {
            c.record_arrival(Category::Medium, t + Duration::from_millis(ms));
        }
        let snap = c.snapshot();
        assert_eq!(snap.requests[&Category::Medium], 8);
        assert_eq!(snap.max_per_second[&Category::Medium], 4);
        assert_eq!(snap.requests[&Category::Heavy], 0);
        assert_eq!(snap.total_requests(), 8);
    }

    #[test]
    fn statuses_are_tallied_by_kind() {
        let mut c = Counters::default();
        for status in [200, 204, 400, 401, 401, 404, 429, 500] {
            c.record_status(status);
        }
        let snap = c.snapshot();
        assert_eq!(
            (snap.unauthorized, snap.throttled, snap.client_errors),
            (2, 1, 2)
        );
    }
}
