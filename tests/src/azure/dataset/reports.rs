//! Graph sign-in and directory-audit records over the last six days, newest first.

use time::{Duration, OffsetDateTime};

use super::model::{Actor, App, Audit, SignIn, User};
use super::rng::{Guids as _, SeededRng};

/// How far back sign-ins and directory audits reach.
pub(crate) const REPORT_DAYS: i64 = 6;

const SIGNIN_APPS: [(&str, &str); 5] = [
    ("Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"),
    ("Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264"),
    (
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
    ),
    (
        "Microsoft Azure CLI",
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
    ),
    ("OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca"),
];
const CLIENT_APPS: [&str; 3] = [
    "Browser",
    "Mobile Apps and Desktop clients",
    "Exchange ActiveSync",
];
const FAILURES: [(i64, &str); 3] = [
    (
        50126,
        "Error validating credentials due to invalid username or password.",
    ),
    (50074, "Strong Authentication is required."),
    (
        53003,
        "Access has been blocked by Conditional Access policies.",
    ),
];
const PLACES: [(&str, &str); 6] = [
    ("Seattle", "US"),
    ("London", "GB"),
    ("Berlin", "DE"),
    ("Bengaluru", "IN"),
    ("Sao Paulo", "BR"),
    ("Lagos", "NG"),
];
/// `(activityDisplayName, category, operationType)`.
const ACTIVITIES: [(&str, &str, &str); 6] = [
    ("Update user", "UserManagement", "Update"),
    ("Add member to group", "GroupManagement", "Assign"),
    ("Reset user password", "UserManagement", "Update"),
    ("Add member to role", "RoleManagement", "Assign"),
    ("Disable account", "UserManagement", "Update"),
    (
        "Add service principal credentials",
        "ApplicationManagement",
        "Update",
    ),
];

/// A time strictly inside `(now - REPORT_DAYS, now - 1 min)`.
fn recent(rng: &mut SeededRng, now: OffsetDateTime) -> OffsetDateTime {
    let span = u64::try_from(REPORT_DAYS * 86_400 - 120).unwrap_or(1);
    now - Duration::seconds(60 + i64::try_from(1 + rng.below(span)).unwrap_or(1))
}

/// `n` sign-ins by random users, newest first (none when there are no users).
pub(crate) fn signins(
    rng: &mut SeededRng,
    n: usize,
    users: &[User],
    now: OffsetDateTime,
) -> Vec<SignIn> {
    if users.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<SignIn> = (0..n)
        .map(|_| {
            let user = rng.index(users.len());
            let outcome = if rng.chance(12) {
                rng.pick(&FAILURES)
            } else {
                (0, "")
            };
            let foreign = rng.chance(5);
            SignIn {
                id: rng.guid(),
                created: recent(rng, now),
                user,
                app: rng.pick(&SIGNIN_APPS),
                ip: if foreign {
                    format!("198.51.100.{}", rng.below(250))
                } else {
                    format!("203.0.113.{}", 10 + user % 40)
                },
                client_app: rng.pick(&CLIENT_APPS),
                outcome,
                location: if foreign {
                    rng.pick(&PLACES)
                } else {
                    ("Seattle", "US")
                },
                correlation_id: rng.guid(),
            }
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.created));
    out
}

/// `n` directory audits, one in five initiated by an app, newest first.
pub(crate) fn audits(
    rng: &mut SeededRng,
    n: usize,
    users: &[User],
    apps: &[App],
    now: OffsetDateTime,
) -> Vec<Audit> {
    let mut out: Vec<Audit> = (0..n)
        .map(|_| {
            let actor = if users.is_empty() || (!apps.is_empty() && rng.chance(20)) {
                Actor::App(rng.index(apps.len()))
            } else {
                Actor::User(rng.index(users.len().min(20)))
            };
            Audit {
                id: format!("Directory_{}", rng.guid()),
                time: recent(rng, now),
                activity: rng.pick(&ACTIVITIES),
                actor,
                ip: format!("203.0.113.{}", 10 + rng.below(40)),
                target: (!users.is_empty()).then(|| rng.index(users.len())),
                success: !rng.chance(4),
                correlation_id: rng.guid(),
            }
        })
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.time));
    out
}
