//! Zoom's per-account rate limits: a rolling window per category plus daily quotas.
//!
//! A request is throttled when, counting it, more than the plan's limit of requests of
//! its category arrived in the trailing window (one second; one minute for
//! Resource-intensive). Throttled requests still count as arrivals, as at Zoom, so a
//! client that keeps hammering stays throttled. Daily quotas count only admitted
//! requests and reset at midnight UTC.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use super::plan::{Category, DailyBucket, Plan};
use crate::common::window::SlidingWindow;

/// The 429 message for a per-second (QPS) throttle, as Zoom words it.
const QPS_MESSAGE: &str =
    "You have reached the maximum per-second rate limit for this API. Try again later.";
/// The 429 message for an exhausted daily quota, as Zoom words it.
const DAILY_MESSAGE: &str = "You have reached the maximum daily rate limit for this API. \
     Refer to the response header for details on when you can make another request.";

/// A request that was let through, with the numbers for the rate-limit headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Allowance {
    /// The request's category.
    pub category: Category,
    /// The window limit.
    pub limit: u64,
    /// Requests left in the current window.
    pub remaining: u64,
}

impl Allowance {
    /// Adds `X-RateLimit-Category`, `-Limit` and `-Remaining` to a response.
    pub fn apply(&self, headers: &mut HeaderMap) {
        insert(headers, "x-ratelimit-category", self.category.as_str());
        insert(headers, "x-ratelimit-limit", &self.limit.to_string());
        insert(
            headers,
            "x-ratelimit-remaining",
            &self.remaining.to_string(),
        );
    }
}

/// Why a request was refused with 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThrottleKind {
    /// Too many requests in the window; `retry_after` says whether `Retry-After: 1` is
    /// sent (Zoom sometimes omits it, so the simulator alternates).
    Qps {
        /// Whether to send `Retry-After: 1`.
        retry_after: bool,
    },
    /// The daily quota is spent until `resets_at` (next midnight UTC).
    Daily {
        /// When the quota resets.
        resets_at: OffsetDateTime,
    },
}

/// A 429 answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Throttle {
    /// The request's category.
    pub category: Category,
    /// The limit that was hit.
    pub limit: u64,
    /// Which limit and how to retry.
    pub kind: ThrottleKind,
}

impl IntoResponse for Throttle {
    fn into_response(self) -> Response {
        let message = match self.kind {
            ThrottleKind::Qps { .. } => QPS_MESSAGE,
            ThrottleKind::Daily { .. } => DAILY_MESSAGE,
        };
        let body = json!({"code": 429, "message": message});
        let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        insert(headers, "x-ratelimit-category", self.category.as_str());
        insert(headers, "x-ratelimit-limit", &self.limit.to_string());
        insert(headers, "x-ratelimit-remaining", "0");
        match self.kind {
            ThrottleKind::Qps { retry_after } => {
                insert(headers, "x-ratelimit-type", "QPS");
                if retry_after {
                    insert(headers, "retry-after", "1");
                }
            }
            ThrottleKind::Daily { resets_at } => {
                insert(headers, "x-ratelimit-type", "Daily-limit");
                if let Ok(when) = resets_at.format(&Rfc3339) {
                    insert(headers, "retry-after", &when);
                }
            }
        }
        response
    }
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// The outcome of [`RateLimiter::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Let the request through.
    Allowed(Allowance),
    /// Answer 429.
    Throttled(Throttle),
}

#[derive(Debug, Clone, Copy)]
struct DailyUse {
    day: Date,
    used: u64,
}

/// The account's rate-limit state.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    plan: Plan,
    windows: [SlidingWindow; 4],
    daily: HashMap<DailyBucket, DailyUse>,
    qps_throttles: u64,
}

impl RateLimiter {
    /// Fresh limits for `plan`.
    pub fn new(plan: Plan) -> Self {
        let window = |c: Category| SlidingWindow::new(plan.rate_limit(c).window);
        RateLimiter {
            plan,
            windows: Category::ALL.map(window),
            daily: HashMap::new(),
            qps_throttles: 0,
        }
    }

    /// Records a request of `category` arriving at `now` (`utc` is the wall clock, for
    /// daily quotas) and decides whether it may go through.
    pub fn check(&mut self, category: Category, now: Instant, utc: OffsetDateTime) -> Verdict {
        let limit = self.plan.rate_limit(category).limit;
        let seen = self
            .windows
            .get_mut(category.index())
            .map_or(0, |w| w.record(now));
        if seen > limit {
            return Verdict::Throttled(self.qps_throttle(category));
        }
        if let Some(daily) = self.plan.daily_limit(category) {
            let today = utc.date();
            let usage = self.daily.entry(daily.bucket).or_insert(DailyUse {
                day: today,
                used: 0,
            });
            if usage.day != today {
                *usage = DailyUse {
                    day: today,
                    used: 0,
                };
            }
            if usage.used >= daily.limit {
                return Verdict::Throttled(Throttle {
                    category,
                    limit: daily.limit,
                    kind: ThrottleKind::Daily {
                        resets_at: next_midnight(utc),
                    },
                });
            }
            usage.used += 1;
        }
        Verdict::Allowed(Allowance {
            category,
            limit,
            remaining: limit.saturating_sub(seen),
        })
    }

    /// A QPS throttle regardless of the rate (fault injection); it alternates
    /// `Retry-After` with the real throttles.
    pub fn qps_throttle(&mut self, category: Category) -> Throttle {
        self.qps_throttles += 1;
        Throttle {
            category,
            limit: self.plan.rate_limit(category).limit,
            kind: ThrottleKind::Qps {
                retry_after: self.qps_throttles % 2 == 1,
            },
        }
    }
}

/// The next midnight UTC after `utc`.
fn next_midnight(utc: OffsetDateTime) -> OffsetDateTime {
    let day = utc.date().next_day().unwrap_or(utc.date());
    day.with_time(Time::MIDNIGHT).assume_utc()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn throttled_count(limiter: &mut RateLimiter, category: Category, n: u64) -> u64 {
        let now = Instant::now();
        let utc = OffsetDateTime::now_utc();
        (0..n)
            .filter(|_| matches!(limiter.check(category, now, utc), Verdict::Throttled(_)))
            .count() as u64
    }

    #[test]
    fn a_burst_above_the_pro_medium_limit_is_throttled() {
        let mut limiter = RateLimiter::new(Plan::Pro);
        assert_eq!(throttled_count(&mut limiter, Category::Medium, 25), 5);
    }

    #[test]
    fn requests_spread_over_time_are_not_throttled() {
        let mut limiter = RateLimiter::new(Plan::Free);
        let start = Instant::now();
        let utc = OffsetDateTime::now_utc();
        for i in 0..20 {
            let at = start + Duration::from_millis(500 * i);
            let verdict = limiter.check(Category::Medium, at, utc);
            assert!(
                matches!(verdict, Verdict::Allowed(_)),
                "request {i}: {verdict:?}"
            );
        }
    }

    #[test]
    fn qps_throttles_alternate_retry_after() {
        let mut limiter = RateLimiter::new(Plan::Pro);
        let kinds: Vec<ThrottleKind> = (0..4)
            .map(|_| limiter.qps_throttle(Category::Light).kind)
            .collect();
        assert_eq!(
            kinds,
            [true, false, true, false].map(|retry_after| ThrottleKind::Qps { retry_after })
        );
    }

    #[test]
    fn free_light_daily_quota_runs_out_and_names_next_midnight() {
        let mut limiter = RateLimiter::new(Plan::Free);
        let start = Instant::now();
        let utc = OffsetDateTime::now_utc();
        let mut verdict = None;
        for i in 0..=6_000 {
            verdict = Some(limiter.check(Category::Light, start + Duration::from_secs(i), utc));
        }
        let Some(Verdict::Throttled(throttle)) = verdict else {
            panic!("request 6,001 of the day was let through: {verdict:?}");
        };
        assert_eq!(
            throttle.kind,
            ThrottleKind::Daily {
                resets_at: next_midnight(utc)
            }
        );
        let tomorrow = next_midnight(utc) + time::Duration::seconds(1);
        let next = limiter.check(
            Category::Light,
            start + Duration::from_secs(9_000),
            tomorrow,
        );
        assert!(matches!(next, Verdict::Allowed(_)), "{next:?}");
    }
}
