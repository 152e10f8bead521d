//! One paced bucket: GCRA pacing (governor), a pause after 429 or a spent
//! window, spacing while the upstream's window is nearly spent, a daily cap,
//! and an optional cap on requests in flight.
//!
//! Every wait runs on tokio's clock — the pacer's clock included — so a
//! paused runtime (`start_paused` in tests) paces exactly as a real one, and
//! a bucket's waits are tokio timers rather than a timer thread of its own.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota as GovQuota, RateLimiter};
use plugboard_core::Blame;
use serde::Serialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::section::Quota;
use super::window::Pace;

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

/// Spacing while the upstream's window is nearly spent.
#[derive(Debug, Clone, Copy)]
struct Spread {
    interval: Duration,
    until: Instant,
    next: Instant,
}

/// A place on the wire in a bucket with `max_in_flight`; dropping it frees
/// the place. Buckets without a cap hand out empty slots.
#[derive(Debug)]
pub struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
}

/// The pacer's clock: tokio's, as a std instant (which governor can measure).
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

impl Clock for TokioClock {
    type Instant = std::time::Instant;

    fn now(&self) -> Self::Instant {
        Instant::now().into_std()
    }
}

type Pacer = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<std::time::Instant>>;

/// One instance's bucket.
#[derive(Debug)]
pub struct RateBucket {
    name: String,
    limiter: Option<Pacer>,
    rate: Option<f64>,
    daily_cap: Option<u64>,
    day: Mutex<(u64, u64)>,
    paused_until: Mutex<Option<Instant>>,
    spread: Mutex<Option<Spread>>,
    in_flight: Option<Arc<Semaphore>>,
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
    /// A bucket pacing at `safety` × `quota` (unlimited when `quota` is
    /// `None`), with at most `max_in_flight` requests on the wire.
    pub fn new(name: &str, quota: Option<Quota>, safety: f64, max_in_flight: Option<u32>) -> Self {
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
            GovQuota::with_period(period)
                .map(|q| RateLimiter::direct_with_clock(q.allow_burst(burst), TokioClock))
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
            spread: Mutex::new(None),
            in_flight: max_in_flight
                .map(|n| Arc::new(Semaphore::new(usize::try_from(n).unwrap_or(1).max(1)))),
            granted: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Wait for a place on the wire (at once without `max_in_flight`); hold
    /// it until the answer is in.
    pub async fn enter(&self) -> Slot {
        match &self.in_flight {
            // The semaphore is never closed; were it, the request goes
            // uncapped rather than failing.
            Some(s) => Slot {
                _permit: s.clone().acquire_owned().await.ok(),
            },
            None => Slot { _permit: None },
        }
    }

    /// Places on the wire free now (`None` without a cap).
    pub fn free_slots(&self) -> Option<usize> {
        self.in_flight.as_ref().map(|s| s.available_permits())
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
            while let Err(not_yet) = limiter.check() {
                tokio::time::sleep(not_yet.wait_time_from(TokioClock.now())).await;
            }
        }
        let spaced = self.spread.lock().ok().and_then(|mut s| {
            let now = Instant::now();
            match *s {
                Some(sp) if now < sp.until => {
                    let at = sp.next.max(now);
                    *s = Some(Spread {
                        next: at + sp.interval,
                        ..sp
                    });
                    at.checked_duration_since(now)
                }
                _ => {
                    *s = None;
                    None
                }
            }
        });
        if let Some(d) = spaced.filter(|d| !d.is_zero()) {
            tokio::time::sleep(d).await;
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
        self.pause(wait);
    }

    fn pause(&self, wait: Duration) {
        let Some(until) = Instant::now().checked_add(wait) else {
            return;
        };
        if let Ok(mut p) = self.paused_until.lock() {
            *p = Some(p.map_or(until, |old| old.max(until)));
        }
    }

    /// Carry out what an answer's window says ([`super::window::after_success`]):
    /// pause until a spent window resets, space requests while it is nearly
    /// spent, or stop spacing once it has room again.
    pub fn observe(&self, pace: Pace) {
        match pace {
            Pace::Pause(d) => self.pause(d),
            Pace::Spread { interval, until } => {
                let now = Instant::now();
                let (Some(until), Ok(mut s)) = (now.checked_add(until), self.spread.lock()) else {
                    return;
                };
                // The next request keeps the spacing from the last one sent.
                let next = s.map_or(now, |old| old.next.min(now + interval));
                *s = Some(Spread {
                    interval,
                    until,
                    next,
                });
            }
            Pace::Free => {
                if let Ok(mut s) = self.spread.lock() {
                    *s = None;
                }
            }
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
    //! On tokio's paused clock: time moves only when every task waits, so
    //! these tests measure the pacing exactly and never wait for real.

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
            let b = RateBucket::new("b", Some(quota(rate)), 0.8, None);
            assert!(b.limiter.is_some(), "rate {rate} must still pace");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_never_exceeds_the_safety_rate_in_any_second() {
        let bucket = RateBucket::new("t", Some(quota(50.0)), 0.8, None);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..120 {
            bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 40,
                "{in_window} requests in one second from {t:?}"
            );
        }
        // ... and paces no slower than it may: 120 requests at 40/s.
        let last = times.last().copied().unwrap_or_default();
        assert!(
            last <= Duration::from_millis(2_975) + Duration::from_millis(10),
            "120 requests at 40/s took {last:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_daily_cap_refuses_once_used_up() {
        let q = Quota {
            per_second: None,
            per_minute: None,
            per_day: Some(2),
            burst: None,
        };
        let bucket = RateBucket::new("t", Some(q), 1.0, None);
        assert!(bucket.acquire().await.is_ok());
        assert!(bucket.acquire().await.is_ok());
        assert!(matches!(
            bucket.acquire().await,
            Err(RateLimitError::DailyCapReached { cap: 2, .. })
        ));
        assert_eq!(bucket.stats().refused, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_the_whole_bucket_for_exactly_its_wait() {
        let bucket = RateBucket::new("t", None, 1.0, None);
        bucket.throttled(Duration::from_secs(90));
        let start = Instant::now();
        bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            start.elapsed().as_secs(),
            90,
            "waited {:?}",
            start.elapsed()
        );
        assert_eq!(bucket.stats().throttled, 1);
        // A shorter pause while a longer one runs does not cut it short.
        bucket.throttled(Duration::from_secs(60));
        bucket.throttled(Duration::from_secs(5));
        let start = Instant::now();
        bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(start.elapsed().as_secs(), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn max_in_flight_hands_out_that_many_slots_and_frees_them_on_drop() {
        let bucket = RateBucket::new("t", None, 1.0, Some(2));
        let a = bucket.enter().await;
        let b = bucket.enter().await;
        assert_eq!(bucket.free_slots(), Some(0));
        let third = tokio::time::timeout(Duration::from_secs(3600), bucket.enter()).await;
        assert!(third.is_err(), "a third request waits for a slot");
        drop(a);
        let c = tokio::time::timeout(Duration::from_secs(30), bucket.enter()).await;
        assert!(c.is_ok(), "a freed slot is handed on");
        drop((b, c));
        assert_eq!(bucket.free_slots(), Some(2));
        assert_eq!(RateBucket::new("u", None, 1.0, None).free_slots(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_window_pauses_and_a_window_with_room_stops_the_spacing() {
        let bucket = RateBucket::new("t", None, 1.0, None);
        bucket.observe(Pace::Pause(Duration::from_secs(30)));
        let start = Instant::now();
        bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(start.elapsed().as_secs(), 30);
        assert_eq!(bucket.stats().throttled, 0, "no 429 was seen");

        bucket.observe(Pace::Spread {
            interval: Duration::from_secs(2),
            until: Duration::from_secs(60),
        });
        let start = Instant::now();
        for _ in 0..3 {
            bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(
            start.elapsed().as_secs(),
            4,
            "three requests spaced 2 s apart: the first at once"
        );
        bucket.observe(Pace::Free);
        let start = Instant::now();
        for _ in 0..3 {
            bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "room again: no spacing");
    }

    #[tokio::test(start_paused = true)]
    async fn spacing_ends_when_its_window_does() {
        let bucket = RateBucket::new("t", None, 1.0, None);
        bucket.observe(Pace::Spread {
            interval: Duration::from_secs(10),
            until: Duration::from_secs(15),
        });
        let start = Instant::now();
        for _ in 0..4 {
            bucket.acquire().await.unwrap_or_else(|e| panic!("{e}"));
        }
        // At 0 and 10 s inside the window, then free from 20 s on.
        assert_eq!(start.elapsed().as_secs(), 20);
    }
}
