//! Scan phases and when they run.
//!
//! An instance's work is split into phases with their own rhythm, like an
//! app connector framework: the directory (accounts, groups, roles) every
//! 12 hours, activities every few minutes (incrementally: plugins resume
//! from their watermark with an overlap window and the store de-duplicates
//! by id), posture after the directory. A new instance runs all three in
//! that order at once.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::scan::ScanPlan;

/// One phase of an instance's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Accounts, groups, memberships, roles.
    Accounts,
    /// Audit activity.
    Activities,
    /// Security posture (`assess`).
    Posture,
}

impl Phase {
    /// Every phase, in the order they run when due together.
    pub const ALL: [Phase; 3] = [Phase::Accounts, Phase::Activities, Phase::Posture];

    /// Stable name (store key, metrics label, API field).
    pub fn name(self) -> &'static str {
        match self {
            Phase::Accounts => "accounts",
            Phase::Activities => "activities",
            Phase::Posture => "posture",
        }
    }

    /// The part of a scan this phase runs.
    pub fn plan(self) -> ScanPlan {
        ScanPlan {
            directory: self == Phase::Accounts,
            activities: self == Phase::Activities,
            posture: self == Phase::Posture,
        }
    }
}

/// How often phases run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intervals {
    /// Directory phase period (default 12 h).
    pub accounts: Duration,
    /// Activity phase period (default 5 min).
    pub activities: Duration,
    /// Posture phase period (default 12 h).
    pub posture: Duration,
    /// First retry delay after a failure; doubles per consecutive failure up
    /// to the phase's period (default 1 min).
    pub retry: Duration,
}

impl Default for Intervals {
    fn default() -> Self {
        Intervals {
            accounts: Duration::from_secs(12 * 3600),
            activities: Duration::from_secs(5 * 60),
            posture: Duration::from_secs(12 * 3600),
            retry: Duration::from_secs(60),
        }
    }
}

impl Intervals {
    /// The period of `phase`.
    pub fn every(&self, phase: Phase) -> Duration {
        match phase {
            Phase::Accounts => self.accounts,
            Phase::Activities => self.activities,
            Phase::Posture => self.posture,
        }
    }

    /// Delay before the next run after `failures` consecutive failures
    /// (0: success → the period).
    pub fn delay(&self, phase: Phase, failures: u32) -> Duration {
        let every = self.every(phase);
        if failures == 0 {
            return every;
        }
        let factor = 1u32 << failures.saturating_sub(1).min(16);
        self.retry.saturating_mul(factor).min(every)
    }
}

/// `now + d` as RFC 3339 UTC.
pub fn after(now: OffsetDateTime, d: Duration) -> String {
    let at = now + time::Duration::try_from(d).unwrap_or(time::Duration::DAY);
    format_time(at)
}

/// RFC 3339 text of `t`.
pub fn format_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// Parse a stored RFC 3339 time; `None` if unreadable.
pub fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// The phase to run next and when: the earliest `next_run_at` (a phase with
/// none, or an unreadable one, is due now); ties go in [`Phase::ALL`] order.
pub fn next_due(
    next_runs: &[(Phase, Option<String>)],
    now: OffsetDateTime,
) -> Option<(Phase, OffsetDateTime)> {
    Phase::ALL
        .iter()
        .map(|p| {
            let at = next_runs
                .iter()
                .find(|(q, _)| q == p)
                .and_then(|(_, t)| t.as_deref().and_then(parse_time))
                .unwrap_or(now);
            (*p, at)
        })
        .min_by_key(|(p, at)| (*at, *p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> OffsetDateTime {
        parse_time(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    #[test]
    fn a_new_instance_runs_accounts_first_then_the_rest_in_order() {
        let now = t("2026-01-01T00:00:00Z");
        assert_eq!(next_due(&[], now), Some((Phase::Accounts, now)));
        let done = vec![(Phase::Accounts, Some("2026-01-01T12:00:00Z".to_string()))];
        assert_eq!(next_due(&done, now), Some((Phase::Activities, now)));
    }

    #[test]
    fn the_earliest_next_run_wins() {
        let now = t("2026-01-01T00:00:00Z");
        let runs = vec![
            (Phase::Accounts, Some("2026-01-01T12:00:00Z".to_string())),
            (Phase::Activities, Some("2026-01-01T00:05:00Z".to_string())),
            (Phase::Posture, Some("2026-01-01T12:00:00Z".to_string())),
        ];
        assert_eq!(
            next_due(&runs, now),
            Some((Phase::Activities, t("2026-01-01T00:05:00Z")))
        );
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_period() {
        let i = Intervals::default();
        assert_eq!(i.delay(Phase::Activities, 0), Duration::from_secs(300));
        assert_eq!(i.delay(Phase::Activities, 1), Duration::from_secs(60));
        assert_eq!(i.delay(Phase::Activities, 2), Duration::from_secs(120));
        assert_eq!(i.delay(Phase::Activities, 9), Duration::from_secs(300));
        assert_eq!(i.delay(Phase::Accounts, 40), Duration::from_secs(12 * 3600));
    }

    #[test]
    fn phases_plan_disjoint_parts() {
        assert!(Phase::Accounts.plan().directory && !Phase::Accounts.plan().activities);
        assert!(Phase::Activities.plan().activities && !Phase::Activities.plan().posture);
        assert!(Phase::Posture.plan().posture && !Phase::Posture.plan().directory);
    }
}
