//! Runtime fault injection: forced throttles, failures and token lifetime changes.
//!
//! Shared by every simulator. Most faults apply to authenticated API requests,
//! after the token check and before the rate limiters, in this order:
//! `throttle_next`, `fail_next`, then an active storm (`throttle_fraction`,
//! `throttle_requests`). `delay_tokens` and `fail_tokens` apply to the token
//! endpoints only.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::lock;

/// A deterministic "429 storm": `numerator` of every `denominator` requests are
/// throttled until it ends, spread evenly.
#[derive(Debug, Clone, Copy)]
struct Storm {
    numerator: u64,
    denominator: u64,
    end: StormEnd,
    seen: u64,
}

/// When a storm ends.
#[derive(Debug, Clone, Copy)]
enum StormEnd {
    /// At this instant, however many requests arrived.
    At(Instant),
    /// After this many API requests, however long they take to arrive.
    After(u64),
}

#[derive(Debug)]
struct FaultState {
    throttle_next: u64,
    fail_next: u64,
    fail_status: u16,
    storm: Option<Storm>,
    token_lifetime: Duration,
    token_delay: Duration,
    token_fail_next: u64,
    token_fail_status: u16,
    answer_delay: Duration,
    hold_prefix: Option<String>,
    held: u64,
    release: tokio::sync::watch::Sender<bool>,
}

/// The fault to apply to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Answer 429 whatever the rate, with the simulated API's headers.
    Throttle,
    /// Answer this status with the simulated API's error body.
    Fail(u16),
}

/// Runtime fault injection for a running simulator; cheap to clone and share.
#[derive(Debug, Clone)]
pub struct FaultHandle {
    inner: Arc<Mutex<FaultState>>,
}

impl FaultHandle {
    /// A handle with no faults and the given token lifetime.
    pub(crate) fn new(token_lifetime: Duration) -> Self {
        FaultHandle {
            inner: Arc::new(Mutex::new(FaultState {
                throttle_next: 0,
                fail_next: 0,
                fail_status: 500,
                storm: None,
                token_lifetime,
                token_delay: Duration::ZERO,
                token_fail_next: 0,
                token_fail_status: 503,
                answer_delay: Duration::ZERO,
                hold_prefix: None,
                held: 0,
                release: tokio::sync::watch::channel(false).0,
            })),
        }
    }

    /// The next `n` API requests get a 429 regardless of the rate.
    pub fn throttle_next(&self, n: u64) {
        lock(&self.inner).throttle_next = n;
    }

    /// For the next `for_`, throttle `numerator` out of every `denominator` API requests,
    /// deterministically and evenly spread. A zero denominator cancels the storm.
    pub fn throttle_fraction(&self, numerator: u32, denominator: u32, for_: Duration) {
        self.start_storm(numerator, denominator, StormEnd::At(Instant::now() + for_));
    }

    /// For the next `requests` API requests, throttle `numerator` out of every
    /// `denominator`, deterministically and evenly spread. Unlike
    /// [`throttle_fraction`](Self::throttle_fraction) the number of 429s does not
    /// depend on how fast the client retries, so tests can count them exactly.
    /// A zero denominator cancels the storm.
    pub fn throttle_requests(&self, numerator: u32, denominator: u32, requests: u64) {
        self.start_storm(numerator, denominator, StormEnd::After(requests));
    }

    fn start_storm(&self, numerator: u32, denominator: u32, end: StormEnd) {
        let storm = (denominator > 0).then(|| Storm {
            numerator: u64::from(numerator.min(denominator)),
            denominator: u64::from(denominator),
            end,
            seen: 0,
        });
        lock(&self.inner).storm = storm;
    }

    /// The next `n` API requests answer `status` with the simulated API's error
    /// body; an invalid status becomes 500.
    pub fn fail_next(&self, n: u64, status: u16) {
        let mut state = lock(&self.inner);
        state.fail_next = n;
        state.fail_status = status;
    }

    /// Tokens minted from now on live for `lifetime`; earlier tokens keep theirs.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        lock(&self.inner).token_lifetime = lifetime;
    }

    /// The token endpoint answers only after `delay` from now on (zero: at
    /// once), to play a slow or hung authorization server.
    pub fn delay_tokens(&self, delay: Duration) {
        lock(&self.inner).token_delay = delay;
    }

    /// The next `n` token requests answer `status` (e.g. 503 or 429) with
    /// the simulated authorization server's error body.
    pub fn fail_tokens(&self, n: u64, status: u16) {
        let mut state = lock(&self.inner);
        state.token_fail_next = n;
        state.token_fail_status = status;
    }

    /// The faults for one token request: waits out `delay_tokens`, then
    /// takes the status `fail_tokens` injected, if any (an invalid status
    /// becomes 500).
    pub(crate) async fn token_fault(&self) -> Option<StatusCode> {
        let delay = lock(&self.inner).token_delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let mut state = lock(&self.inner);
        (state.token_fail_next > 0).then(|| {
            state.token_fail_next -= 1;
            StatusCode::from_u16(state.token_fail_status)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        })
    }

    /// Every API answer is sent `delay` after it was computed, from now on
    /// (zero: at once), to play a slow upstream.
    pub fn delay_answers(&self, delay: Duration) {
        lock(&self.inner).answer_delay = delay;
    }

    /// The answer to the next API request whose path starts with `prefix` is
    /// computed on arrival (its token checked then) but held until
    /// [`release_held`](Self::release_held): a client waiting on it can be
    /// paused or cut off mid-page.
    pub fn hold_next_answer(&self, prefix: &str) {
        let mut state = lock(&self.inner);
        state.hold_prefix = Some(prefix.to_string());
        state.release.send_replace(false);
    }

    /// Answers held so far by [`hold_next_answer`](Self::hold_next_answer).
    pub fn held(&self) -> u64 {
        lock(&self.inner).held
    }

    /// Send every held answer.
    pub fn release_held(&self) {
        lock(&self.inner).release.send_replace(true);
    }

    /// Wait as `delay_answers` and `hold_next_answer` say before the answer
    /// to an API request for `path` is sent.
    pub(crate) async fn before_answer(&self, path: &str) {
        let (delay, hold) = {
            let mut state = lock(&self.inner);
            let hold = state
                .hold_prefix
                .as_deref()
                .is_some_and(|p| path.starts_with(p));
            let waiter = hold.then(|| {
                state.hold_prefix = None;
                state.held += 1;
                state.release.subscribe()
            });
            (state.answer_delay, waiter)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(mut released) = hold {
            // Ends when released, or when the simulator is dropped.
            let _ = released.wait_for(|r| *r).await;
        }
    }

    /// The lifetime of tokens minted now.
    pub(crate) fn token_lifetime(&self) -> Duration {
        lock(&self.inner).token_lifetime
    }

    /// Takes the fault (if any) for one API request arriving at `now`.
    pub(crate) fn take(&self, now: Instant) -> Option<Fault> {
        let mut state = lock(&self.inner);
        if state.throttle_next > 0 {
            state.throttle_next -= 1;
            return Some(Fault::Throttle);
        }
        if state.fail_next > 0 {
            state.fail_next -= 1;
            return Some(Fault::Fail(state.fail_status));
        }
        let storm = state.storm.as_mut()?;
        let over = match storm.end {
            StormEnd::At(until) => now >= until,
            StormEnd::After(requests) => storm.seen >= requests,
        };
        if over {
            state.storm = None;
            return None;
        }
        // Bresenham-style spread: throttle when the running share crosses an integer.
        let before = storm.seen * storm.numerator / storm.denominator;
        storm.seen += 1;
        let after = storm.seen * storm.numerator / storm.denominator;
        (after > before).then_some(Fault::Throttle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_next_then_fail_next_are_consumed_in_order() {
        let faults = FaultHandle::new(Duration::from_secs(60));
        faults.throttle_next(1);
        faults.fail_next(2, 503);
        let now = Instant::now();
        let taken: Vec<_> = (0..4).map(|_| faults.take(now)).collect();
        assert_eq!(
            taken,
            [
                Some(Fault::Throttle),
                Some(Fault::Fail(503)),
                Some(Fault::Fail(503)),
                None
            ]
        );
    }

    #[test]
    fn a_storm_throttles_exactly_its_fraction_until_it_ends() {
        let faults = FaultHandle::new(Duration::from_secs(60));
        faults.throttle_fraction(1, 3, Duration::from_secs(60));
        let now = Instant::now();
        let throttled = (0..30).filter(|_| faults.take(now).is_some()).count();
        assert_eq!(throttled, 10);
        let later = now + Duration::from_secs(120);
        assert_eq!(faults.take(later), None);
    }

    #[tokio::test]
    async fn a_held_answer_waits_for_its_release_and_only_the_next_matching_one_is_held() {
        let faults = FaultHandle::new(Duration::from_secs(60));
        faults.hold_next_answer("/v2/users");
        faults.before_answer("/v2/groups").await; // not matching: at once
        let f = faults.clone();
        let held = tokio::spawn(async move { f.before_answer("/v2/users?page=2").await });
        while faults.held() == 0 {
            tokio::task::yield_now().await;
        }
        faults.before_answer("/v2/users").await; // the hold was taken: at once
        assert!(!held.is_finished());
        faults.release_held();
        assert!(held.await.is_ok());
        assert_eq!(faults.held(), 1);
    }

    #[test]
    fn a_counted_storm_ends_after_its_requests_whatever_the_time() {
        let faults = FaultHandle::new(Duration::from_secs(60));
        faults.throttle_requests(3, 4, 8);
        let far = Instant::now() + Duration::from_secs(3600);
        let taken: Vec<_> = (0..10).map(|_| faults.take(far).is_some()).collect();
        assert_eq!(
            taken,
            [
                false, true, true, true, false, true, true, true, false, false
            ]
        );
    }
}
