//! The primary rate limit: `limit` requests per window, counted from the
//! window's first request; the window ends at a whole Unix second, which
//! `x-ratelimit-reset` names.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One primary window.
#[derive(Debug, Clone)]
pub(crate) struct Primary {
    limit: u64,
    window: Duration,
    used: u64,
    /// Unix seconds at which the current window ends (0: none yet).
    reset: u64,
    /// Windows begun.
    pub begun: u64,
    /// The next metered request finds a fresh window already spent.
    exhaust_next: bool,
}

/// The `x-ratelimit-*` values of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Headers {
    pub limit: u64,
    pub remaining: u64,
    pub used: u64,
    pub reset: u64,
}

impl Primary {
    pub fn new(limit: u64, window: Duration) -> Self {
        Primary {
            limit,
            window,
            used: 0,
            reset: 0,
            begun: 0,
            exhaust_next: false,
        }
    }

    fn roll(&mut self, now: SystemTime) {
        let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
        if now.as_secs_f64() >= self.reset as f64 {
            self.used = 0;
            self.reset = now.as_secs() + self.window.as_secs().max(1);
            self.begun += 1;
        }
    }

    /// The headers now, without spending.
    pub fn peek(&mut self, now: SystemTime) -> Headers {
        self.roll(now);
        self.headers()
    }

    /// Spends one request: `Ok` with the headers, `Err` with them when the
    /// window is spent.
    pub fn take(&mut self, now: SystemTime) -> Result<Headers, Headers> {
        if std::mem::take(&mut self.exhaust_next) {
            self.reset = 0;
            self.roll(now);
            self.used = self.limit;
        }
        self.roll(now);
        if self.used >= self.limit {
            return Err(self.headers());
        }
        self.used += 1;
        Ok(self.headers())
    }

    /// Someone else spends a fresh window just before the next metered
    /// request, which is refused until that window's reset.
    pub fn exhaust(&mut self) {
        self.exhaust_next = true;
    }

    fn headers(&self) -> Headers {
        Headers {
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.used),
            used: self.used,
            reset: self.reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_refuses_past_its_limit_until_its_reset_second() {
        let t0 = UNIX_EPOCH + Duration::from_millis(1_000_000_400);
        let mut p = Primary::new(2, Duration::from_secs(3));
        assert_eq!(p.take(t0).map(|h| h.remaining), Ok(1));
        assert_eq!(p.take(t0).map(|h| h.remaining), Ok(0));
        let refused = p.take(t0 + Duration::from_secs(2));
        assert_eq!(
            refused.map_err(|h| (h.remaining, h.reset)),
            Err((0, 1_000_003))
        );
        assert!(p.take(UNIX_EPOCH + Duration::from_secs(1_000_003)).is_ok());
        assert_eq!(p.begun, 2);
        p.exhaust();
        let spent = p.take(UNIX_EPOCH + Duration::from_millis(1_000_003_500));
        assert_eq!(
            spent.map_err(|h| (h.remaining, h.reset)),
            Err((0, 1_000_006)),
            "a fresh window, spent"
        );
        assert_eq!(p.begun, 3);
    }
}
