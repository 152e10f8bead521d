//! What to do after an upstream answered one attempt: deliver it, wait and
//! retry, re-mint the token, or give up.
//!
//! Threat: retries that ignore `Retry-After` hammer a throttled upstream
//! (and on Zoom, a second token revokes the first); retries without a bound
//! keep a call waiting forever; retrying a non-idempotent write twice does
//! it twice; guessing with exponential backoff when the upstream said when
//! its window resets costs a 429 per guess. Decision: one pure function
//! decides from the status, the `Retry-After` the answer carried, else the
//! reset its rate-limit headers named (`ratelimit::window`), the method and
//! the attempt count, so the rules are tested as a table; the send loop only
//! waits and counts.

use std::time::Duration;

use crate::capabilities::network::section::Method;
use crate::capabilities::ratelimit::MAX_RETRY_AFTER;

/// Attempts per request across 429 and 5xx retries.
pub const MAX_ATTEMPTS: u32 = 8;
/// Attempts of an idempotent request that met 502-504.
const MAX_GATEWAY_ATTEMPTS: u32 = 3;
/// First backoff when an upstream throttles without `Retry-After`.
const BASE_BACKOFF: Duration = Duration::from_millis(500);
/// Longest backoff between attempts without `Retry-After`.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The next step after an answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Next {
    /// Hand the answer to the plugin.
    Deliver,
    /// 429: pause the request's bucket (or wait, without one) for `wait`,
    /// then retry.
    Throttled {
        /// How long.
        wait: Duration,
    },
    /// 429 past the retry budget or with a `Retry-After` past the host's
    /// patience: pause the bucket for `pause` and fail the request.
    GiveUp {
        /// What the upstream asked for.
        wait: Duration,
        /// How long the bucket is paused (at most [`MAX_RETRY_AFTER`]).
        pause: Duration,
    },
    /// 401 on a brokered request, the first time: forget the token, mint a
    /// new one, retry.
    Remint,
    /// 502-504 on an idempotent method: wait `wait`, retry.
    Retry {
        /// How long.
        wait: Duration,
    },
}

/// What the loop knows when an answer arrives.
#[derive(Debug, Clone, Copy)]
pub struct Answer {
    pub status: u16,
    /// The answer's `Retry-After`, parsed.
    pub retry_after: Option<Duration>,
    /// Until the spent window resets, from the manifest's header profile
    /// (`ratelimit::window::reset_after_429`).
    pub reset: Option<Duration>,
    /// The request's method.
    pub method: Method,
    /// Which attempt this was (1-based).
    pub attempt: u32,
    /// Whether the request carried a brokered token.
    pub had_token: bool,
    /// Whether a 401 already led to a re-mint.
    pub retried_401: bool,
}

/// The status the rules below see. A status the manifest's header profile
/// lists in `throttle_statuses` (GitHub answers an exhausted limit with 403)
/// is a throttle, treated as 429, when the answer carries `Retry-After`
/// (`retry_after`) or a window with nothing left (`spent`); otherwise, and
/// any other status, is itself (a 403 without either is a permission error
/// for the plugin).
pub fn effective_status(
    status: u16,
    throttle_statuses: &[u16],
    retry_after: bool,
    spent: bool,
) -> u16 {
    if throttle_statuses.contains(&status) && (retry_after || spent) {
        429
    } else {
        status
    }
}

/// Exponential backoff for `attempt`, scaled by `jitter` (0.5–1.0 in use).
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    BASE_BACKOFF
        .saturating_mul(1u32 << attempt.min(6))
        .min(MAX_BACKOFF)
        .mul_f64(jitter.clamp(0.0, 1.0))
}

/// Decide the next step; `jitter` scales backoffs (random in use, fixed in
/// tests).
pub fn after_answer(a: Answer, jitter: f64) -> Next {
    match a.status {
        429 => {
            let wait = a
                .retry_after
                .or(a.reset)
                .unwrap_or_else(|| backoff(a.attempt, jitter));
            if wait > MAX_RETRY_AFTER || a.attempt >= MAX_ATTEMPTS {
                Next::GiveUp {
                    wait,
                    pause: wait.min(MAX_RETRY_AFTER),
                }
            } else {
                Next::Throttled { wait }
            }
        }
        401 if a.had_token && !a.retried_401 => Next::Remint,
        502..=504
            if matches!(a.method, Method::Get | Method::Put | Method::Delete)
                && a.attempt < MAX_GATEWAY_ATTEMPTS =>
        {
            Next::Retry {
                wait: backoff(a.attempt, jitter),
            }
        }
        _ => Next::Deliver,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, attempt: u32) -> Answer {
        Answer {
            status,
            retry_after: None,
            reset: None,
            method: Method::Get,
            attempt,
            had_token: false,
            retried_401: false,
        }
    }

    #[test]
    fn a_listed_status_is_a_throttle_only_with_retry_after_or_a_spent_window() {
        let listed = [403];
        assert_eq!(
            effective_status(403, &listed, false, true),
            429,
            "remaining 0"
        );
        assert_eq!(
            effective_status(403, &listed, true, false),
            429,
            "Retry-After"
        );
        assert_eq!(
            effective_status(403, &listed, false, false),
            403,
            "a plain 403"
        );
        assert_eq!(effective_status(403, &[], true, true), 403, "not listed");
        assert_eq!(
            effective_status(404, &listed, true, true),
            404,
            "another status"
        );
        assert_eq!(effective_status(429, &[], false, false), 429);
    }

    #[test]
    fn each_answer_leads_to_one_step() {
        let secs = Duration::from_secs;
        let cases: Vec<(&str, Answer, Next)> = vec![
            ("200", answer(200, 1), Next::Deliver),
            ("404", answer(404, 1), Next::Deliver),
            (
                "429 with Retry-After",
                Answer {
                    retry_after: Some(secs(3)),
                    ..answer(429, 1)
                },
                Next::Throttled { wait: secs(3) },
            ),
            (
                "429 with a reset: wait once until it",
                Answer {
                    reset: Some(secs(7)),
                    ..answer(429, 1)
                },
                Next::Throttled { wait: secs(7) },
            ),
            (
                "429 with both: Retry-After wins",
                Answer {
                    retry_after: Some(secs(3)),
                    reset: Some(secs(7)),
                    ..answer(429, 1)
                },
                Next::Throttled { wait: secs(3) },
            ),
            (
                "429 with a reset past the patience",
                Answer {
                    reset: Some(MAX_RETRY_AFTER + secs(1)),
                    ..answer(429, 1)
                },
                Next::GiveUp {
                    wait: MAX_RETRY_AFTER + secs(1),
                    pause: MAX_RETRY_AFTER,
                },
            ),
            (
                "a reset on a 200 is not a reason to wait",
                Answer {
                    reset: Some(secs(7)),
                    ..answer(200, 1)
                },
                Next::Deliver,
            ),
            (
                "429 without: exponential backoff",
                answer(429, 2),
                Next::Throttled {
                    wait: Duration::from_millis(2000),
                },
            ),
            (
                "429 past the patience",
                Answer {
                    retry_after: Some(MAX_RETRY_AFTER + secs(1)),
                    ..answer(429, 1)
                },
                Next::GiveUp {
                    wait: MAX_RETRY_AFTER + secs(1),
                    pause: MAX_RETRY_AFTER,
                },
            ),
            (
                "429 past the attempts",
                Answer {
                    retry_after: Some(secs(1)),
                    ..answer(429, MAX_ATTEMPTS)
                },
                Next::GiveUp {
                    wait: secs(1),
                    pause: secs(1),
                },
            ),
            ("401 without a token", answer(401, 1), Next::Deliver),
            (
                "401 with a token",
                Answer {
                    had_token: true,
                    ..answer(401, 1)
                },
                Next::Remint,
            ),
            (
                "401 again after a re-mint",
                Answer {
                    had_token: true,
                    retried_401: true,
                    ..answer(401, 2)
                },
                Next::Deliver,
            ),
            (
                "503 on GET",
                answer(503, 1),
                Next::Retry {
                    wait: Duration::from_secs(1),
                },
            ),
            ("503 on GET, third attempt", answer(503, 3), Next::Deliver),
            (
                "502 on POST",
                Answer {
                    method: Method::Post,
                    ..answer(502, 1)
                },
                Next::Deliver,
            ),
            ("500", answer(500, 1), Next::Deliver),
        ];
        for (what, a, want) in cases {
            assert_eq!(after_answer(a, 1.0), want, "{what}");
        }
    }

    #[test]
    fn backoff_grows_to_a_cap_and_jitter_only_shortens_it() {
        assert_eq!(backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(10, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(backoff(1, 7.0), Duration::from_secs(1));
    }
}
