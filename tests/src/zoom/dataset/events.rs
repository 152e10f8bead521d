//! Generates the audit events: sign-in/sign-out activity and admin operation logs.
//!
//! Events lie strictly inside the last `days` days before `now` (none in the future),
//! each at its own second, so `(email, time, type)` and `(operator, time, action)` are
//! unique. Both lists are newest first, as Zoom returns them.

use time::{Duration, OffsetDateTime};

use super::model::{Activity, OperationLog, User, UserStatus};
use super::people::CLIENT_VERSIONS;
use super::rng::SeededRng;

/// Sign-in/sign-out events generated per day.
pub(crate) const SIGN_EVENTS_PER_DAY: u64 = 200;
/// Operation-log entries generated per day (300 over 30 days).
pub(crate) const OPERATION_LOGS_PER_DAY: u64 = 10;
/// The longest activity history generated: Zoom keeps six months of reports.
pub(crate) const MAX_ACTIVITY_DAYS: u32 = 183;

const CLIENT_TYPES: [&str; 5] = ["Browser", "Windows", "Mac", "iOS", "Android"];
const OPERATIONS: [(&str, &str, &str); 6] = [
    ("User", "Add", "Add User"),
    ("User", "Update", "Update User"),
    ("User", "Deactivate", "Deactivate User"),
    ("User Settings", "Update", "Update User Settings for"),
    ("Role", "Update", "Assign Role Member to"),
    (
        "Account",
        "Update",
        "Update Account Settings - Security changed by",
    ),
];

/// Evenly spread, distinct offsets (in seconds before `now`) for `count` events over
/// `days`, newest first; every offset is in `1..days * 86_400`.
fn offsets(rng: &mut SeededRng, count: u64, days: u32) -> Vec<i64> {
    let span = u64::from(days) * 86_400;
    let step = span
        .saturating_sub(2)
        .checked_div(count)
        .unwrap_or(0)
        .max(1);
    (0..count)
        .map(|i| {
            let offset = 1 + i * step + rng.below(step);
            i64::try_from(offset).unwrap_or(i64::MAX)
        })
        .collect()
}

/// Sign-in/sign-out events by initially active users.
pub(crate) fn activities(
    rng: &mut SeededRng,
    users: &[User],
    days: u32,
    now: OffsetDateTime,
) -> Vec<Activity> {
    let days = days.min(MAX_ACTIVITY_DAYS);
    let active: Vec<&User> = users
        .iter()
        .filter(|u| u.initial_status == UserStatus::Active)
        .collect();
    if active.is_empty() {
        return Vec::new();
    }
    let count = SIGN_EVENTS_PER_DAY * u64::from(days);
    offsets(rng, count, days)
        .into_iter()
        .filter_map(|offset| {
            let user = active.get(rng.index(active.len()))?;
            let client_type = rng.pick(&CLIENT_TYPES);
            Some(Activity {
                email: user.email.clone(),
                time: now - Duration::seconds(offset),
                sign_in: rng.below(10) < 6,
                ip_address: format!("198.51.100.{}", 1 + rng.below(254)),
                client_type,
                version: if client_type == "Browser" {
                    "-"
                } else {
                    rng.pick(&CLIENT_VERSIONS)
                },
            })
        })
        .collect()
}

/// Operation-log entries by the Owner and Admins (`operators` are their emails).
pub(crate) fn operation_logs(
    rng: &mut SeededRng,
    operators: &[String],
    users: &[User],
    days: u32,
    now: OffsetDateTime,
) -> Vec<OperationLog> {
    let days = days.min(MAX_ACTIVITY_DAYS);
    if operators.is_empty() || users.is_empty() {
        return Vec::new();
    }
    let count = OPERATION_LOGS_PER_DAY * u64::from(days);
    offsets(rng, count, days)
        .into_iter()
        .filter_map(|offset| {
            let operator = operators.get(rng.index(operators.len()))?;
            let (category_type, action, text) = rng.pick(&OPERATIONS);
            let target = users.get(rng.index(users.len()))?;
            Some(OperationLog {
                time: now - Duration::seconds(offset),
                operator: operator.clone(),
                category_type,
                action,
                operation_detail: format!("{text} {}", target.email),
            })
        })
        .collect()
}
