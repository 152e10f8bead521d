//! Generates the users, groups and roles of the simulated account.
//!
//! User `n` (1-based) has the email `user{n:04}@example.com`. Users come in status
//! order: active first, then inactive, then pending. The first active user is the
//! Owner (role "0"), the next five active users are Admins (role "1"), everyone else
//! is a Member (role "2"); the custom role "Billing Admin" has no members.

use time::{Duration, OffsetDateTime};

use super::model::{Group, MEMBER_ROLE, Role, User, UserStatus};
use super::rng::{SeededRng, ZoomIds as _};

/// How many Admins (besides the Owner) the account has.
const ADMIN_COUNT: usize = 5;
/// How many groups the account has.
pub(crate) const GROUP_NAMES: [&str; 15] = [
    "Engineering",
    "Sales",
    "Marketing",
    "Support",
    "Finance",
    "Legal",
    "People Ops",
    "Product",
    "Design",
    "IT",
    "Security",
    "Operations",
    "Research",
    "Partnerships",
    "Executive",
];
const FIRST_NAMES: [&str; 24] = [
    "Ada", "Ben", "Chloé", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kiri", "Lena",
    "Mateo", "Nia", "Oskar", "Priya", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Viktor", "Wen",
    "Yara",
];
const LAST_NAMES: [&str; 20] = [
    "Okafor",
    "Lindqvist",
    "García",
    "Nakamura",
    "Smith",
    "Kowalski",
    "Haddad",
    "Müller",
    "O'Brien",
    "Rossi",
    "Chen",
    "Dubois",
    "Novak",
    "Patel",
    "Silva",
    "Jensen",
    "Kim",
    "Moreau",
    "Ivanova",
    "Bauer",
];
const DEPARTMENTS: [&str; 8] = [
    "Engineering",
    "Sales",
    "Marketing",
    "Support",
    "Finance",
    "Legal",
    "Product",
    "",
];
const JOB_TITLES: [&str; 6] = ["Engineer", "Manager", "Analyst", "Designer", "Director", ""];
const TIMEZONES: [&str; 6] = [
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
];
const LANGUAGES: [&str; 4] = ["en-US", "en-US", "de-DE", "ja-JP"];
/// Zoom client versions seen on users and in sign-in events.
pub(crate) const CLIENT_VERSIONS: [&str; 4] = [
    "5.17.11.34827",
    "6.0.2.33403",
    "6.1.0.35100",
    "5.16.10.26186",
];

/// How many users of each status to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Population {
    pub active: usize,
    pub inactive: usize,
    pub pending: usize,
}

/// Generates users, groups and roles.
pub(crate) fn generate(
    rng: &mut SeededRng,
    population: Population,
    now: OffsetDateTime,
) -> (Vec<User>, Vec<Group>, Vec<Role>) {
    let mut roles = base_roles(rng);
    let mut groups: Vec<Group> = GROUP_NAMES
        .iter()
        .map(|name| Group {
            id: rng.zoom_id(),
            name,
            members: Vec::new(),
        })
        .collect();
    let total = population.active + population.inactive + population.pending;
    let mut users = Vec::with_capacity(total);
    for index in 0..total {
        let status = if index < population.active {
            UserStatus::Active
        } else if index < population.active + population.inactive {
            UserStatus::Inactive
        } else {
            UserStatus::Pending
        };
        let role = match index {
            0 if status == UserStatus::Active => 0,
            1..=ADMIN_COUNT if status == UserStatus::Active => 1,
            _ => MEMBER_ROLE,
        };
        let user = generate_user(rng, index, status, role, now);
        for &g in &user.groups {
            if let Some(group) = groups.get_mut(g) {
                group.members.push(index);
            }
        }
        if let Some(r) = roles.get_mut(role) {
            r.members.push(index);
        }
        users.push(user);
    }
    // Keep the group list stable but drop nothing: every group exists even if empty.
    groups.iter_mut().for_each(|g| g.members.sort_unstable());
    (users, groups, roles)
}

fn base_roles(rng: &mut SeededRng) -> Vec<Role> {
    let role = |id: String, name, description| Role {
        id,
        name,
        description,
        members: Vec::new(),
    };
    vec![
        role(
            "0".into(),
            "Owner",
            "Account owner has full privileges to access and manage a Zoom account.",
        ),
        role(
            "1".into(),
            "Admin",
            "Admins have wide-ranging privileges to manage a Zoom account and its users.",
        ),
        role(
            "2".into(),
            "Member",
            "Members have access to basic Zoom video meeting functions but no account management privileges.",
        ),
        role(
            rng.zoom_id(),
            "Billing Admin",
            "Manages billing and subscriptions.",
        ),
    ]
}

fn generate_user(
    rng: &mut SeededRng,
    index: usize,
    status: UserStatus,
    role: usize,
    now: OffsetDateTime,
) -> User {
    let id = rng.zoom_id();
    let user_type = match (status, role, rng.below(100)) {
        (UserStatus::Pending, _, _) => 1,
        (_, 0 | 1, _) => 2,
        (_, _, 0..65) => 2,
        (_, _, 65..95) => 1,
        _ => 4,
    };
    let days_old = i64::try_from(60 + rng.below(1_400)).unwrap_or(60);
    let created_at = now - Duration::days(days_old) - Duration::seconds(secs(rng, 86_400));
    let last_login_time = match status {
        UserStatus::Pending => None,
        UserStatus::Active => Some(now - Duration::seconds(3_600 + secs(rng, 20 * 86_400))),
        UserStatus::Inactive => {
            Some(now - Duration::days(30) - Duration::seconds(secs(rng, 86_400 * 25)))
        }
    };
    let mut groups = Vec::new();
    for _ in 0..rng.below(3) {
        let g = rng.index(GROUP_NAMES.len());
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    groups.sort_unstable();
    User {
        id,
        first_name: rng.pick(&FIRST_NAMES),
        last_name: rng.pick(&LAST_NAMES),
        email: format!("user{:04}@example.com", index + 1),
        user_type,
        initial_status: status,
        pmi: 1_000_000_000 + rng.below(9_000_000_000),
        timezone: rng.pick(&TIMEZONES),
        dept: rng.pick(&DEPARTMENTS),
        job_title: rng.pick(&JOB_TITLES),
        language: rng.pick(&LANGUAGES),
        created_at,
        last_client_version: last_login_time.map(|_| rng.pick(&CLIENT_VERSIONS).to_owned()),
        last_login_time,
        role,
        groups,
        verified: status != UserStatus::Pending,
    }
}

/// A random number of seconds in `0..bound`, as `i64`.
fn secs(rng: &mut SeededRng, bound: u64) -> i64 {
    i64::try_from(rng.below(bound)).unwrap_or(0)
}
