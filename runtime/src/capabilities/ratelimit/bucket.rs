//! One paced bucket: GCRA pacing (governor), a pause after 429, a daily cap.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use governor::{DefaultDirectRateLimiter, Quota as GovQuota, RateLimiter};
use plugboard_core::Blame;
use serde::Serialize;

use crate::manifest::Quota;

/// Why a bucket refused to pace a request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RateLimitError {
    /// The bucket's daily cap is used up.
    #[error("the `{bucket}` bucket used its daily cap of {cap} requests; it resets at 00:00 UTC")]
    DailyCapReached {
        /// Bucket name.
        bucket: String,
        cap: u64,
    },
}

impl RateLimitError {
    /// Exhausted quotas are the upstream's limits.
    pub fn blame(&self) -> Blame {
        Blame::Upstream
    }
}

/// Counters of one bucket.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BucketStats {
    /// Requests paced through the bucket.
    pub granted: u64,
    /// 429 answers received for the bucket's requests.
    pub throttled: u64,
    /// Requests refused by the daily cap.
    pub refused: u64,
    /// The pacing rate in requests per second, if limited.
    pub rate_per_second: Option<f64>,
}

/// One instance's bucket.
#[derive(Debug)]
pub struct RateBucket {
    name: String,
    limiter: Option<DefaultDirectRateLimiter>,
    rate: Option<f64>,
    daily_cap: Option<u64>,
    day: Mutex<(u64, u64)>,
    paused_until: Mutex<Option<Instant>>,
    granted: AtomicU64,
    throttled: AtomicU64,
    refused: AtomicU64,
}

/// The slowest pacing a bucket uses: one request a day.
const MAX_PERIOD: Duration = Duration::from_secs(86_400);

fn utc_day(now: SystemTime) -> u64 {
    now.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0)
}

impl RateBucket {
    /// A bucket pacing at `safety` × `quota` (unlimited when `quota` is `None`).
    pub fn new(name: &str, quota: Option<Quota>, safety: f64) -> Self {
        let safety = if safety.is_finite() {
            safety.clamp(0.01, 1.0)
        } else {
            0.8
        };
        let rate = quota.and_then(|q| q.rate_per_second()).map(|r| r * safety);
        let limiter = rate.and_then(|r| {
            // Manifests bound quotas; whatever slips through paces at most
            // one request a day rather than panicking or pacing nothing.
            let period = Duration::try_from_secs_f64(1.0 / r)
                .unwrap_or(MAX_PERIOD)
                .clamp(Duration::from_nanos(1), MAX_PERIOD);
            let burst = quota
                .and_then(|q| q.burst)
                .map(|b| ((f64::from(b) * safety).floor() as u32).max(1))
                .and_then(NonZeroU32::new)
                .unwrap_or(NonZeroU32::MIN);
            GovQuota::with_period(period).map(|q| RateLimiter::direct(q.allow_burst(burst)))
        });
        let daily_cap = quota
            .and_then(|q| q.per_day)
            .map(|d| (((d as f64) * safety).floor() as u64).max(1));
        RateBucket {
            name: name.to_string(),
            limiter,
            rate,
            daily_cap,
            day: Mutex::new((0, 0)),
            paused_until: Mutex::new(None),
            granted: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Wait until one request may go out.
    pub async fn acquire(&self) -> Result<(), RateLimitError> {
        loop {
            let pause = self
                .paused_until
                .lock()
                .ok()
                .and_then(|p| *p)
                .and_then(|until| until.checked_duration_since(Instant::now()));
            match pause {
                Some(d) if !d.is_zero() => tokio::time::sleep(d).await,
                _ => break,
            }
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        if let Some(cap) = self.daily_cap {
            let today = utc_day(SystemTime::now());
            if let Ok(mut day) = self.day.lock() {
                if day.0 != today {
                    *day = (today, 0);
                }
                if day.1 >= cap {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    return Err(RateLimitError::DailyCapReached {
                        bucket: self.name.clone(),
                        cap,
                    });
                }
                day.1 += 1;
            }
        }
        self.granted.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Record a 429 and pause the whole bucket for `wait`.
    pub fn throttled(&self, wait: Duration) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        let until = Instant::now() + wait;
        if let Ok(mut p) = self.paused_until.lock() {
            *p = Some(p.map_or(until, |old| old.max(until)));
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> BucketStats {
        BucketStats {
            granted: self.granted.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
            rate_per_second: self.rate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(per_second: f64) -> Quota {
        Quota {
            per_second: Some(per_second),
            per_minute: None,
            per_day: None,
            burst: None,
        }
    }

    #[test]
    fn an_absurd_rate_neither_panics_nor_stops_pacing() {
        for rate in [1e-20, 1e-300, f64::MIN_POSITIVE, 1e300] {
            let b = RateBucket::new("b", Some(quota(rate)), 0.8);
            assert!(b.limiter.is_some(), "rate {rate} must still pace");
        }
    }

    #[tokio::test]
    async fn pacing_never_exceeds_the_safety_rate_in_any_second() {
        let bucket = RateBucket::new("t", Some(quota(50.0)), 0.8);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..60 {
            bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 41,
                "{in_window} requests in one second from {t:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_daily_cap_refuses_once_used_up() {
        let q = Quota {
            per_second: None,
            per_minute: None,
            per_day: Some(2),
            burst: None,
        };
        let bucket = RateBucket::new("t", Some(q), 1.0);
        assert!(bucket.acquire().await.is_ok());
        assert!(bucket.acquire().await.is_ok());
        assert!(matches!(
            bucket.acquire().await,
            Err(RateLimitError::DailyCapReached { cap: 2, .. })
        ));
        assert_eq!(bucket.stats().refused, 1);
    }

    #[tokio::test]
    async fn a_429_pauses_the_whole_bucket() {
        let bucket = RateBucket::new("t", None, 1.0);
        bucket.throttled(Duration::from_millis(150));
        let start = Instant::now();
        bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(
            start.elapsed() >= Duration::from_millis(140),
            "waited {:?}",
            start.elapsed()
        );
        assert_eq!(bucket.stats().throttled, 1);
    }
}
