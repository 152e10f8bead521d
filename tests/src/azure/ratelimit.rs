//! ARM token buckets and Graph sliding windows.
//!
//! ARM: one bucket per subscription (250 reads, refilled 25/s) and one for tenant reads
//! (100, refilled 10/s); an empty bucket answers 429 with an integer `Retry-After`.
//! Every admitted ARM answer carries the bucket's remainder in
//! `x-ms-ratelimit-remaining-subscription-reads` or `-tenant-reads`.
//! Graph: the reports APIs (`/auditLogs/*`) admit 5 requests per sliding 10 s per
//! tenant, the directory APIs 100 per sliding second; beyond that 429 with a
//! fractional `Retry-After` (seconds until the window frees, rounded up to 0.5 s).
//! Throttled requests do not use up the allowance.

use std::time::{Duration, Instant};

use super::error::{Api, ApiError};
use crate::common::window::SlidingWindow;

/// Subscription bucket: capacity and refill per second.
pub(crate) const SUBSCRIPTION_BUCKET: (f64, f64) = (250.0, 25.0);
/// Tenant bucket: capacity and refill per second.
pub(crate) const TENANT_BUCKET: (f64, f64) = (100.0, 10.0);
/// Graph reports: requests per window.
pub(crate) const REPORTS_LIMIT: (u64, Duration) = (5, Duration::from_secs(10));
/// Graph directory: requests per window.
pub(crate) const DIRECTORY_LIMIT: (u64, Duration) = (100, Duration::from_secs(1));

/// Which allowance a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// ARM tenant reads.
    ArmTenant,
    /// ARM reads of one subscription, by index.
    ArmSubscription(usize),
    /// ARM requests for unknown subscriptions: answered 404 without a bucket.
    Unmetered,
    /// Graph directory APIs.
    Graph,
    /// Graph reports APIs.
    GraphReports,
}

#[derive(Debug, Clone)]
struct Bucket {
    capacity: f64,
    refill: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new((capacity, refill): (f64, f64), now: Instant) -> Self {
        Bucket {
            capacity,
            refill,
            tokens: capacity,
            last: now,
        }
    }

    /// Takes one token: the remainder, or the whole seconds until one is available.
    fn take(&mut self, now: Instant) -> Result<u64, u64> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.refill).min(self.capacity);
        self.last = now.max(self.last);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(self.tokens.floor() as u64)
        } else {
            let wait = ((1.0 - self.tokens) / self.refill).ceil().max(1.0);
            Err(wait as u64)
        }
    }
}

/// The limiter's state.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    tenant: Bucket,
    subscriptions: Vec<Bucket>,
    reports: SlidingWindow,
    directory: SlidingWindow,
}

/// What an admitted request adds to its answer: an ARM remainder header.
pub(crate) type Allowance = Option<(&'static str, u64)>;

impl RateLimiter {
    /// Full buckets for `subscriptions` subscriptions (refilled
    /// `subscription_refill` per second) and empty windows.
    pub fn new(subscriptions: usize, subscription_refill: f64, now: Instant) -> Self {
        RateLimiter {
            tenant: Bucket::new(TENANT_BUCKET, now),
            subscriptions: (0..subscriptions)
                .map(|_| Bucket::new((SUBSCRIPTION_BUCKET.0, subscription_refill), now))
                .collect(),
            reports: SlidingWindow::new(REPORTS_LIMIT.1),
            directory: SlidingWindow::new(DIRECTORY_LIMIT.1),
        }
    }

    /// Admits or throttles one request.
    pub fn check(&mut self, limit: Limit, now: Instant) -> Result<Allowance, ApiError> {
        match limit {
            Limit::Unmetered => Ok(None),
            Limit::ArmTenant => match self.tenant.take(now) {
                Ok(left) => Ok(Some(("x-ms-ratelimit-remaining-tenant-reads", left))),
                Err(wait) => Err(arm_throttle("TenantRequestsThrottled", wait)
                    .with_header("x-ms-ratelimit-remaining-tenant-reads", "0".into())),
            },
            Limit::ArmSubscription(i) => match self.subscriptions.get_mut(i) {
                None => Ok(None),
                Some(bucket) => match bucket.take(now) {
                    Ok(left) => Ok(Some(("x-ms-ratelimit-remaining-subscription-reads", left))),
                    Err(wait) => Err(arm_throttle("SubscriptionRequestsThrottled", wait)
                        .with_header("x-ms-ratelimit-remaining-subscription-reads", "0".into())),
                },
            },
            Limit::Graph => graph_window(&mut self.directory, DIRECTORY_LIMIT.0, now),
            Limit::GraphReports => graph_window(&mut self.reports, REPORTS_LIMIT.0, now),
        }
    }
}

fn graph_window(
    window: &mut SlidingWindow,
    limit: u64,
    now: Instant,
) -> Result<Allowance, ApiError> {
    if window.count(now) >= limit {
        return Err(graph_throttle(window.frees_in(now)));
    }
    window.record(now);
    Ok(None)
}

/// ARM's 429: `Retry-After` in whole seconds.
pub(crate) fn arm_throttle(code: &str, wait_seconds: u64) -> ApiError {
    ApiError::throttled(
        Api::Arm,
        code,
        "Number of read requests for this subscription exceeded the limit. Please try again after a while.",
        wait_seconds.max(1).to_string(),
    )
}

/// Graph's 429: `Retry-After` in seconds with one decimal, rounded up to 0.5 s.
pub(crate) fn graph_throttle(wait: Duration) -> ApiError {
    let halves = (wait.as_secs_f64() * 2.0).ceil().max(1.0);
    ApiError::throttled(
        Api::Graph,
        "TooManyRequests",
        "Too many requests. Please retry after the time given in the Retry-After header.",
        format!("{:.1}", halves / 2.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_bucket_admits_its_capacity_then_refills() {
        let now = Instant::now();
        let mut limiter = RateLimiter::new(2, SUBSCRIPTION_BUCKET.1, now);
        for _ in 0..250 {
            assert!(limiter.check(Limit::ArmSubscription(0), now).is_ok());
        }
        let throttled = limiter.check(Limit::ArmSubscription(0), now);
        assert_eq!(
            throttled.map_err(|e| e.retry_after),
            Err(Some("1".to_owned()))
        );
        assert!(limiter.check(Limit::ArmSubscription(1), now).is_ok());
        let later = now + Duration::from_millis(200);
        assert!(limiter.check(Limit::ArmSubscription(0), later).is_ok());
    }

    #[test]
    fn graph_reports_admit_five_per_ten_seconds_with_a_fractional_retry_after() {
        let now = Instant::now();
        let mut limiter = RateLimiter::new(0, SUBSCRIPTION_BUCKET.1, now);
        for i in 0..5 {
            let at = now + Duration::from_millis(i * 100);
            assert!(limiter.check(Limit::GraphReports, at).is_ok());
        }
        let at = now + Duration::from_millis(8_600);
        let retry = limiter
            .check(Limit::GraphReports, at)
            .map_err(|e| e.retry_after);
        assert_eq!(retry, Err(Some("1.5".to_owned())));
        assert!(
            limiter
                .check(Limit::GraphReports, now + Duration::from_secs(10))
                .is_ok()
        );
    }
}
