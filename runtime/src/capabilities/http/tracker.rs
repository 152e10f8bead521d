//! What one plugin call's host HTTP requests are doing, so the host can say
//! who kept the call waiting, and what they cost ([`CallHttpCounts`], which
//! a scan sums per stream: streams share one instance's counters).
//!
//! Threat to blame, not to safety: a call cut off at its deadline while the
//! host waits on an upstream is not the plugin's fault, and an operator told
//! "the plugin timed out" looks in the wrong place. Decision: each call's
//! store holds a [`CallHttpState`]; the HTTP capability writes what it is
//! waiting on before every await and clears it when the request ends. A
//! request whose future is dropped at the deadline leaves its entry behind,
//! which is exactly what the runtime reads to blame the upstream and name it.

use std::fmt;
use std::time::Duration;

/// What the host is waiting on for a plugin's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// A request, or the token it needs, is with the upstream.
    Upstream {
        /// The origin as the plugin sees it, plus the route when one applies.
        origin: String,
        /// What was asked, e.g. `GET https://api.zoom.us/v2/users`.
        request: String,
    },
    /// Backing off before a retry, after the upstream answered 429 or 5xx.
    Backoff {
        /// The origin as the plugin sees it, plus the route when one applies.
        origin: String,
        /// What was asked.
        request: String,
        /// The status that caused the wait.
        status: u16,
    },
    /// Pacing the plugin's own requests through a rate bucket.
    Pacing {
        bucket: String,
        /// What is waiting to go out.
        request: String,
    },
}

impl Waiting {
    /// Whether the wait is the upstream's doing (an answer or a throttle),
    /// not the plugin's (its own request rate).
    pub fn is_upstream(&self) -> bool {
        !matches!(self, Waiting::Pacing { .. })
    }
}

impl fmt::Display for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Waiting::Upstream { origin, request } => {
                write!(f, "upstream {origin} had not answered {request}")
            }
            Waiting::Backoff {
                origin,
                request,
                status,
            } => write!(
                f,
                "upstream {origin} answered {request} with HTTP {status} and the host was waiting to retry"
            ),
            Waiting::Pacing { bucket, request } => {
                write!(f, "{request} was waiting for rate bucket `{bucket}`")
            }
        }
    }
}

/// A request that ran out of its own (per-request) timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamTimeout {
    /// The origin as the plugin sees it, plus the route when one applies.
    pub origin: String,
    /// What was asked.
    pub request: String,
    /// The per-request timeout.
    pub timeout: Duration,
}

impl fmt::Display for UpstreamTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "upstream {} did not answer {} within {} s",
            self.origin,
            self.request,
            plugboard_core::text::seconds(self.timeout)
        )
    }
}

/// The HTTP state of one plugin call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallHttpState {
    /// What the host is waiting on now; left set when the request's future
    /// is dropped (the call's deadline fired while it waited).
    pub waiting: Option<Waiting>,
    /// Set when the call's last request ran out of its per-request timeout;
    /// cleared when the next request starts.
    pub last_timeout: Option<UpstreamTimeout>,
    /// What this call's requests put on the wire and got back, so a scan
    /// can say per stream what the instance-wide counters cannot (streams
    /// run concurrently on one instance context).
    pub counts: CallHttpCounts,
}

/// HTTP counters of one plugin call: the same events as the instance's
/// `HttpStats`, counted where they are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallHttpCounts {
    /// Requests put on the wire (retries and redirect hops included).
    pub requests: u64,
    /// 429 answers received.
    pub throttled: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_origin_the_request_and_the_wait() {
        let t = UpstreamTimeout {
            origin: "https://api.zoom.us".into(),
            request: "GET https://api.zoom.us/v2/users".into(),
            timeout: Duration::from_millis(1500),
        };
        assert_eq!(
            t.to_string(),
            "upstream https://api.zoom.us did not answer GET https://api.zoom.us/v2/users within 1.5 s"
        );
        assert_eq!(plugboard_core::text::seconds(Duration::from_secs(30)), "30");
        let pacing = Waiting::Pacing {
            bucket: "heavy".into(),
            request: "GET x".into(),
        };
        assert!(!pacing.is_upstream());
        assert!(
            Waiting::Backoff {
                origin: "o".into(),
                request: "r".into(),
                status: 429
            }
            .is_upstream()
        );
    }
}
