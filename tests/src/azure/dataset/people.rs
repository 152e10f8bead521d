//! Graph users, service principals, groups and directory roles.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};

use super::model::{App, Group, Role, User};
use super::rng::{Guids as _, SeededRng};

/// The tenant's verified domain.
pub(crate) const DOMAIN: &str = "plugboardsim.onmicrosoft.com";
/// Every `GUEST_EVERY`-th user (offset 7) is a Guest.
const GUEST_EVERY: usize = 40;
/// Every `DISABLED_EVERY`-th user (offset 3) starts disabled.
const DISABLED_EVERY: usize = 25;
/// Every `NO_MAIL_EVERY`-th member (offset 11) has no mailbox (`mail: null`).
const NO_MAIL_EVERY: usize = 50;

const FIRST: [&str; 20] = [
    "Ava", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jonas", "Kemi",
    "Liam", "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
];
const LAST: [&str; 16] = [
    "Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Patel",
];

/// The service principals that call ARM.
const APPS: [&str; 4] = [
    "Terraform Deployer",
    "GitHub Actions OIDC",
    "Backup Automation",
    "Cost Export Function",
];

const GROUPS: [(&str, bool); 20] = [
    ("All Employees", true),
    ("Engineering", true),
    ("Finance", true),
    ("Sales", true),
    ("Cloud Platform Admins", false),
    ("Security Operations", false),
    ("VPN Users", false),
    ("Break Glass Accounts", false),
    ("Contractors", false),
    ("Data Science", true),
    ("Help Desk", false),
    ("Marketing", true),
    ("Human Resources", true),
    ("Legal", true),
    ("Customer Success", true),
    ("Product Management", true),
    ("Site Reliability", false),
    ("Identity Admins", false),
    ("Auditors", false),
    ("Interns", false),
];

/// The three activated roles: name, description, built-in template id, member count.
const ROLES: [(&str, &str, &str, usize); 3] = [
    (
        "Global Administrator",
        "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
        "62e90394-69f5-4237-9190-012177145e10",
        2,
    ),
    (
        "Security Administrator",
        "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        3,
    ),
    (
        "User Administrator",
        "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        4,
    ),
];

/// `n` users, created over the two years before `now`.
pub(crate) fn users(rng: &mut SeededRng, n: usize, now: OffsetDateTime) -> Vec<User> {
    (0..n)
        .map(|i| {
            let first = rng.pick(&FIRST);
            let last = rng.pick(&LAST);
            let local = format!("{}.{}{}", first.to_lowercase(), last.to_lowercase(), i + 1);
            let guest = i % GUEST_EVERY == 7;
            let (upn, mail) = if guest {
                (
                    format!("{local}_fabrikam.com#EXT#@{DOMAIN}"),
                    Some(format!("{local}@fabrikam.com")),
                )
            } else {
                let mail = (i % NO_MAIL_EVERY != 11).then(|| format!("{local}@{DOMAIN}"));
                (format!("{local}@{DOMAIN}"), mail)
            };
            let age_minutes = i64::try_from(rng.below(2 * 365 * 24 * 60)).unwrap_or(0);
            User {
                id: rng.guid(),
                display_name: format!("{first} {last}"),
                upn,
                mail,
                initially_enabled: i % DISABLED_EVERY != 3,
                guest,
                created: now - Duration::days(7) - Duration::minutes(age_minutes),
            }
        })
        .collect()
}

/// The service principals.
pub(crate) fn apps(rng: &mut SeededRng) -> Vec<App> {
    APPS.iter()
        .map(|&display_name| App {
            app_id: rng.guid(),
            object_id: rng.guid(),
            display_name,
        })
        .collect()
}

/// The groups: "All Employees" holds every Member user; the others random subsets.
pub(crate) fn groups(rng: &mut SeededRng, users: &[User], now: OffsetDateTime) -> Vec<Group> {
    GROUPS
        .iter()
        .enumerate()
        .map(|(g, &(display_name, unified))| {
            let members: Vec<usize> = if g == 0 {
                (0..users.len()).filter(|&i| !users[i].guest).collect()
            } else {
                let want = (5 + rng.index(36)).min(users.len());
                let mut set = BTreeSet::new();
                for _ in 0..want.saturating_mul(3) {
                    if set.len() >= want {
                        break;
                    }
                    set.insert(rng.index(users.len()));
                }
                set.into_iter().collect()
            };
            let age_days = i64::try_from(rng.below(700)).unwrap_or(0);
            Group {
                id: rng.guid(),
                display_name,
                unified,
                created: now - Duration::days(30 + age_days),
                members,
            }
        })
        .collect()
}

/// The activated roles and their nine distinct members: the first eight Member users
/// and the first Guest (for posture checks). Fewer when the tenant is smaller.
pub(crate) fn roles(rng: &mut SeededRng, users: &[User]) -> Vec<Role> {
    let mut admins: Vec<usize> = (0..users.len())
        .filter(|&i| !users[i].guest)
        .take(8)
        .collect();
    if let Some(guest) = (0..users.len()).find(|&i| users[i].guest) {
        admins.push(guest);
    }
    let mut next = admins.into_iter();
    ROLES
        .iter()
        .map(|&(display_name, description, template_id, count)| Role {
            id: rng.guid(),
            display_name,
            description,
            template_id,
            members: next.by_ref().take(count).collect(),
        })
        .collect()
}
