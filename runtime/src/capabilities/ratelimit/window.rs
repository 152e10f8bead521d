//! What an answer's rate-limit headers say about the upstream's window, and
//! what the bucket does about it — pure functions, tested as tables.
//!
//! Threat: the headers come from the upstream (or whoever answers in its
//! name) and are hostile input: a huge or malformed value must cost bounded
//! work and be ignored, never panic or pause a bucket for a year. Decision:
//! the manifest's [`HeaderProfile`] names the headers (data, no app names
//! here); each value is bounded before it is parsed, a bad one is dropped
//! with a debug log, and every pause is capped by [`MAX_RETRY_AFTER`].

use std::time::{Duration, SystemTime};

use super::section::{HeaderProfile, ResetKind};

use super::retry_after::MAX_RETRY_AFTER;

/// Longest simple header value read (a number).
const MAX_NUMBER_BYTES: usize = 32;
/// Longest IETF structured field read (all lines of it together).
pub const MAX_FIELD_BYTES: usize = 1024;
/// Policies read from one IETF field; more is hostile.
pub const MAX_POLICIES: usize = 16;
/// Farthest reset a header may name; later ones count as this far (and
/// then exceed the host's patience anyway).
const FAR: Duration = Duration::from_secs(1_000_000_000);
/// Without a known limit, a window with at most this many requests left is
/// nearly spent.
pub const NEAR_EMPTY_REQUESTS: u64 = 10;
/// With a known limit, a window with at most this fraction left is nearly
/// spent (the share the host leaves to the customer's other apps).
pub const NEAR_EMPTY_FRACTION: f64 = 0.2;
/// Added to every reset-derived wait: resets are whole seconds, and the two
/// clocks are not the same clock.
pub const RESET_MARGIN: Duration = Duration::from_millis(250);

/// One window an answer describes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Window {
    /// Requests left in it.
    pub remaining: Option<u64>,
    /// Its size in requests.
    pub limit: Option<u64>,
    /// Time until it resets (zero: at or before now).
    pub reset: Option<Duration>,
}

/// What the bucket does after an answer that was not a 429.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// Nothing: the window has room.
    Free,
    /// Space requests `interval` apart for `until` (the rest of the window).
    Spread {
        /// Between two requests.
        interval: Duration,
        /// How long the spacing lasts.
        until: Duration,
    },
    /// The window is spent: pause the bucket for this long.
    Pause(Duration),
}

fn number(name: &str, value: &str) -> Option<f64> {
    let v = value.trim();
    let n = (v.len() <= MAX_NUMBER_BYTES)
        .then(|| v.parse::<f64>().ok())
        .flatten()
        .filter(|n| n.is_finite() && *n >= 0.0);
    if n.is_none() {
        tracing::debug!(
            header = name,
            value = %plugboard_core::text::bounded(value, 40),
            "ignoring a rate-limit header that is not a non-negative number"
        );
    }
    n
}

fn count(name: &str, value: &str) -> Option<u64> {
    number(name, value).map(|n| n.min(u64::MAX as f64) as u64)
}

/// Every value of header `name`, joined as one field line (bounded).
fn field(headers: &[(String, String)], name: &str) -> Option<String> {
    let mut out: Option<String> = None;
    for (_, v) in headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)) {
        let joined = out.get_or_insert_with(String::new);
        if !joined.is_empty() {
            joined.push_str(", ");
        }
        joined.push_str(v);
        if joined.len() > MAX_FIELD_BYTES {
            tracing::debug!(
                header = name,
                "ignoring a rate-limit field over {MAX_FIELD_BYTES} bytes"
            );
            return None;
        }
    }
    out
}

fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The time until a reset header's value, given its kind.
pub fn reset_in(kind: ResetKind, name: &str, value: &str, now: SystemTime) -> Option<Duration> {
    let n = number(name, value)?;
    // Past any epoch second this century, and far below Duration's range.
    let secs = Duration::try_from_secs_f64(n.min(1e15)).unwrap_or(FAR);
    Some(match kind {
        ResetKind::DeltaSeconds => secs.min(FAR),
        ResetKind::EpochSeconds => match SystemTime::UNIX_EPOCH.checked_add(secs) {
            Some(at) => at.duration_since(now).unwrap_or(Duration::ZERO).min(FAR),
            None => FAR,
        },
    })
}

/// One IETF policy: its name and integer parameters.
type Policy = (String, Vec<(String, u64)>);

/// The policies of an IETF structured-field list, each with its
/// non-negative integer parameters; `None` when the field is malformed.
fn policies(name: &str, value: &str) -> Option<Vec<Policy>> {
    let list: sfv::List = match sfv::Parser::new(value).parse() {
        Ok(l) => l,
        Err(e) => {
            tracing::debug!(header = name, error = %e, "ignoring a malformed rate-limit field");
            return None;
        }
    };
    if list.len() > MAX_POLICIES {
        tracing::debug!(
            header = name,
            "ignoring a rate-limit field with more than {MAX_POLICIES} policies"
        );
        return None;
    }
    let out = list
        .iter()
        .filter_map(|entry| match entry {
            sfv::ListEntry::Item(item) => {
                let policy = match &item.bare_item {
                    sfv::BareItem::String(s) => s.as_str().to_string(),
                    sfv::BareItem::Token(t) => t.as_str().to_string(),
                    _ => return None,
                };
                let params = item
                    .params
                    .iter()
                    .filter_map(|(k, v)| {
                        let n = i64::from(v.as_integer()?);
                        Some((k.as_str().to_string(), u64::try_from(n).ok()?))
                    })
                    .collect();
                Some((policy, params))
            }
            sfv::ListEntry::InnerList(_) => None,
        })
        .collect();
    Some(out)
}

fn param(p: &Policy, key: &str) -> Option<u64> {
    p.1.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
}

/// The windows the IETF `RateLimit` field describes; a policy without `t`
/// takes its window `w` from `RateLimit-Policy` as the longest it may last.
fn ietf_windows(headers: &[(String, String)]) -> Vec<Window> {
    let Some(state) = field(headers, "ratelimit").and_then(|v| policies("RateLimit", &v)) else {
        return Vec::new();
    };
    let declared = field(headers, "ratelimit-policy")
        .and_then(|v| policies("RateLimit-Policy", &v))
        .unwrap_or_default();
    state
        .iter()
        .filter_map(|p| {
            let remaining = param(p, "r");
            remaining?;
            let policy = declared.iter().find(|d| d.0 == p.0);
            let reset = param(p, "t").or_else(|| policy.and_then(|d| param(d, "w")));
            Some(Window {
                remaining,
                limit: policy.and_then(|d| param(d, "q")),
                reset: reset.map(|s| Duration::from_secs(s).min(FAR)),
            })
        })
        .collect()
}

/// Every window the answer's headers describe under `profile`.
pub fn windows(
    profile: &HeaderProfile,
    headers: &[(String, String)],
    now: SystemTime,
) -> Vec<Window> {
    let mut out = Vec::new();
    if let Some(r) = &profile.reset {
        let reset = first(headers, &r.name).and_then(|v| reset_in(r.kind, &r.name, v, now));
        let remaining = profile
            .remaining
            .as_deref()
            .and_then(|n| first(headers, n).and_then(|v| count(n, v)));
        let limit = profile
            .limit
            .as_deref()
            .and_then(|n| first(headers, n).and_then(|v| count(n, v)));
        if reset.is_some() || remaining.is_some() {
            out.push(Window {
                remaining,
                limit,
                reset,
            });
        }
    }
    if profile.ietf {
        out.extend(ietf_windows(headers));
    }
    out
}

/// After a 429 without `Retry-After`: how long until the spent window
/// resets (plus [`RESET_MARGIN`]), from the windows with nothing (or an
/// unknown count) left. `None` — back off as without headers — when no
/// window names a reset in the future, or every window still has room (a
/// secondary limit the window does not describe).
pub fn reset_after_429(windows: &[Window]) -> Option<Duration> {
    windows
        .iter()
        .filter(|w| w.remaining.is_none_or(|r| r == 0))
        .filter_map(|w| w.reset)
        .filter(|d| !d.is_zero())
        .max()
        .map(|d| d.saturating_add(RESET_MARGIN))
}

/// Whether a window with `remaining` of `limit` left is nearly spent.
fn nearly_spent(remaining: u64, limit: Option<u64>) -> bool {
    match limit.filter(|l| *l > 0) {
        Some(l) => (remaining as f64) <= (l as f64) * NEAR_EMPTY_FRACTION,
        None => remaining <= NEAR_EMPTY_REQUESTS,
    }
}

/// After an answer that was not a 429: pause until a spent window resets,
/// spread the rest of a nearly spent one until its reset, or nothing. The
/// strictest window wins: any pause (the longest), else the widest spacing.
pub fn after_success(windows: &[Window]) -> Pace {
    let mut pace = Pace::Free;
    for w in windows {
        let (Some(remaining), Some(reset)) = (w.remaining, w.reset) else {
            continue;
        };
        if reset.is_zero() {
            continue;
        }
        let reset = reset.min(MAX_RETRY_AFTER);
        let this = if remaining == 0 {
            Pace::Pause(reset.saturating_add(RESET_MARGIN))
        } else if nearly_spent(remaining, w.limit) {
            Pace::Spread {
                interval: reset / u32::try_from(remaining).unwrap_or(u32::MAX),
                until: reset,
            }
        } else {
            Pace::Free
        };
        pace = match (pace, this) {
            (Pace::Pause(a), Pace::Pause(b)) => Pace::Pause(a.max(b)),
            (p @ Pace::Pause(_), _) | (_, p @ Pace::Pause(_)) => p,
            (
                Pace::Spread {
                    interval: a,
                    until: ua,
                },
                Pace::Spread {
                    interval: b,
                    until: ub,
                },
            ) => {
                if b > a {
                    Pace::Spread {
                        interval: b,
                        until: ub,
                    }
                } else {
                    Pace::Spread {
                        interval: a,
                        until: ua,
                    }
                }
            }
            (p @ Pace::Spread { .. }, Pace::Free) | (Pace::Free, p) => p,
        };
    }
    pace
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::ratelimit::section::ResetHeader;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn github() -> HeaderProfile {
        HeaderProfile {
            reset: Some(ResetHeader {
                name: "x-ratelimit-reset".into(),
                kind: ResetKind::EpochSeconds,
            }),
            remaining: Some("x-ratelimit-remaining".into()),
            limit: Some("x-ratelimit-limit".into()),
            ietf: false,
            throttle_statuses: Vec::new(),
        }
    }

    fn ietf() -> HeaderProfile {
        HeaderProfile {
            ietf: true,
            ..HeaderProfile::default()
        }
    }

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn reset_values_of_each_kind_and_hostile_ones() {
        use ResetKind::{DeltaSeconds, EpochSeconds};
        let cases: &[(ResetKind, &str, Option<Duration>)] = &[
            (EpochSeconds, "1700000030", Some(secs(30))),
            (EpochSeconds, " 1700000030 ", Some(secs(30))),
            (EpochSeconds, "1699999990", Some(Duration::ZERO)),
            (EpochSeconds, "30", Some(Duration::ZERO)),
            (EpochSeconds, "99999999999999999999999", Some(FAR)),
            (EpochSeconds, "1e308", Some(FAR)),
            (DeltaSeconds, "30", Some(secs(30))),
            (DeltaSeconds, "0.5", Some(Duration::from_millis(500))),
            (DeltaSeconds, "1e308", Some(FAR)),
            (DeltaSeconds, "-1", None),
            (DeltaSeconds, "NaN", None),
            (DeltaSeconds, "inf", None),
            (DeltaSeconds, "soon", None),
            (DeltaSeconds, "", None),
            (DeltaSeconds, &"9".repeat(33), None),
        ];
        for (kind, value, want) in cases {
            assert_eq!(
                reset_in(*kind, "h", value, now()),
                *want,
                "{kind:?} {value:?}"
            );
        }
    }

    #[test]
    fn a_profile_reads_its_own_headers_only() {
        let answer = h(&[
            ("X-RateLimit-Reset", "1700000060"),
            ("x-ratelimit-remaining", "7"),
            ("x-ratelimit-limit", "5000"),
            ("RateLimit", "\"default\";r=0;t=30"),
        ]);
        assert_eq!(
            windows(&github(), &answer, now()),
            [Window {
                remaining: Some(7),
                limit: Some(5000),
                reset: Some(secs(60))
            }]
        );
        assert_eq!(
            windows(&HeaderProfile::default(), &answer, now()),
            [],
            "no profile: only Retry-After counts"
        );
        assert_eq!(
            windows(&ietf(), &answer, now()),
            [Window {
                remaining: Some(0),
                limit: None,
                reset: Some(secs(30))
            }]
        );
    }

    #[test]
    fn ietf_fields_are_parsed_strictly_and_boundedly() {
        let w = |remaining, limit, reset: Option<u64>| Window {
            remaining: Some(remaining),
            limit,
            reset: reset.map(secs),
        };
        let many = vec!["\"p\";r=1;t=1"; MAX_POLICIES + 1].join(", ");
        let huge = format!("\"default\";r=0;t=30;x=\"{}\"", "a".repeat(MAX_FIELD_BYTES));
        type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<Window>);
        let cases: Vec<Case> = vec![
            (
                "the draft's example",
                vec![
                    ("RateLimit", "\"default\";r=0;t=30"),
                    ("RateLimit-Policy", "\"default\";q=100;w=60"),
                ],
                vec![w(0, Some(100), Some(30))],
            ),
            (
                "no t: the policy's window bounds the reset",
                vec![
                    ("RateLimit", "\"default\";r=5"),
                    ("RateLimit-Policy", "\"default\";q=100;w=60"),
                ],
                vec![w(5, Some(100), Some(60))],
            ),
            (
                "two policies, a partition key and a token name",
                vec![(
                    "RateLimit",
                    "\"hour\";r=10;t=300;pk=:cGsx:, day;r=100;t=30000",
                )],
                vec![w(10, None, Some(300)), w(100, None, Some(30000))],
            ),
            (
                "two field lines are one list",
                vec![
                    ("RateLimit", "\"a\";r=1;t=2"),
                    ("RateLimit", "\"b\";r=3;t=4"),
                ],
                vec![w(1, None, Some(2)), w(3, None, Some(4))],
            ),
            (
                "a policy without r says nothing",
                vec![("RateLimit", "\"default\";t=30")],
                vec![],
            ),
            (
                "negative and decimal counts are not counts",
                vec![("RateLimit", "\"a\";r=-1;t=30, \"b\";r=1.5;t=30")],
                vec![],
            ),
            ("malformed", vec![("RateLimit", "default;r=;t=30")], vec![]),
            ("not a list", vec![("RateLimit", "\"x")], vec![]),
            (
                "too many policies",
                vec![("RateLimit", many.as_str())],
                vec![],
            ),
            ("too long", vec![("RateLimit", huge.as_str())], vec![]),
            (
                "a malformed policy field leaves the state",
                vec![
                    ("RateLimit", "\"default\";r=2;t=9"),
                    ("RateLimit-Policy", "((("),
                ],
                vec![w(2, None, Some(9))],
            ),
        ];
        for (what, headers, want) in cases {
            assert_eq!(windows(&ietf(), &h(&headers), now()), want, "{what}");
        }
    }

    #[test]
    fn after_a_429_the_spent_window_s_reset_is_waited_once() {
        let w = |remaining: Option<u64>, reset: Option<u64>| Window {
            remaining,
            limit: None,
            reset: reset.map(secs),
        };
        let m = RESET_MARGIN;
        let cases: Vec<(&str, Vec<Window>, Option<Duration>)> = vec![
            ("no headers", vec![], None),
            ("reset only", vec![w(None, Some(30))], Some(secs(30) + m)),
            ("spent", vec![w(Some(0), Some(30))], Some(secs(30) + m)),
            (
                "room left: not this window",
                vec![w(Some(3), Some(30))],
                None,
            ),
            ("reset in the past", vec![w(Some(0), Some(0))], None),
            ("no reset", vec![w(Some(0), None)], None),
            (
                "the longest spent window",
                vec![
                    w(Some(0), Some(5)),
                    w(Some(0), Some(60)),
                    w(Some(9), Some(600)),
                ],
                Some(secs(60) + m),
            ),
            (
                "absurdly far: the retry rule gives up",
                vec![w(Some(0), Some(1_000_000_000))],
                Some(FAR + m),
            ),
        ];
        for (what, ws, want) in cases {
            assert_eq!(reset_after_429(&ws), want, "{what}");
        }
    }

    #[test]
    fn a_nearly_spent_window_spreads_and_a_spent_one_pauses() {
        let w = |remaining: u64, limit: Option<u64>, reset: u64| Window {
            remaining: Some(remaining),
            limit,
            reset: Some(secs(reset)),
        };
        let spread = |ms: u64, until: u64| Pace::Spread {
            interval: Duration::from_millis(ms),
            until: secs(until),
        };
        let cases: Vec<(&str, Vec<Window>, Pace)> = vec![
            ("nothing known", vec![], Pace::Free),
            ("plenty left", vec![w(4000, Some(5000), 600)], Pace::Free),
            ("20% left", vec![w(1000, Some(5000), 600)], spread(600, 600)),
            ("no limit, 11 left", vec![w(11, None, 10)], Pace::Free),
            ("no limit, 10 left", vec![w(10, None, 10)], spread(1000, 10)),
            (
                "spent",
                vec![w(0, Some(100), 30)],
                Pace::Pause(secs(30) + RESET_MARGIN),
            ),
            (
                "spent, far: capped",
                vec![w(0, None, 86_400)],
                Pace::Pause(MAX_RETRY_AFTER + RESET_MARGIN),
            ),
            ("reset now", vec![w(0, None, 0)], Pace::Free),
            (
                "a spent window beats a spread",
                vec![w(2, None, 10), w(0, None, 5)],
                Pace::Pause(secs(5) + RESET_MARGIN),
            ),
            (
                "the widest spacing",
                vec![w(5, None, 10), w(2, None, 10)],
                spread(5000, 10),
            ),
            (
                "no remaining count",
                vec![Window {
                    remaining: None,
                    limit: None,
                    reset: Some(secs(5)),
                }],
                Pace::Free,
            ),
        ];
        for (what, ws, want) in cases {
            assert_eq!(after_success(&ws), want, "{what}");
        }
    }
}
