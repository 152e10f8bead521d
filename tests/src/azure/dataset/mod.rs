//! The simulated tenant: subscriptions, activity events, Graph directory and reports,
//! all generated deterministically from a seed and relative to the start time.

mod activity;
mod model;
mod people;
mod reports;
mod rng;
mod summary;

use rand::Rng as _;
use time::OffsetDateTime;
use time::macros::format_description;

pub(crate) use activity::{OPERATIONS, Operation};
pub(crate) use model::{Actor, App, Audit, Event, Group, Role, SignIn, Subscription, User};
pub(crate) use people::DOMAIN;
pub use summary::AzureSummary;

use rng::{Guids as _, SeededRng, format_guid};

/// The subscriptions: display name, enabled, quota id. The disabled one is second, so
/// the first page of `GET /subscriptions` mixes states.
const SUBSCRIPTIONS: [(&str, bool, &str); 4] = [
    ("Production", true, "EnterpriseAgreement_2014-09-01"),
    ("Legacy (cancelled)", false, "PayAsYouGo_2014-09-01"),
    ("Staging", true, "EnterpriseAgreement_2014-09-01"),
    ("Development", true, "MSDN_2014-09-01"),
];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DatasetSpec {
    /// Seed.
    pub seed: u64,
    /// Start time: every timestamp is before it.
    pub now: OffsetDateTime,
    /// Graph users.
    pub users: usize,
    /// Activity events across the enabled subscriptions.
    pub activity_events: usize,
    /// Days of activity history.
    pub activity_days: u32,
    /// Sign-ins.
    pub signins: usize,
    /// Directory audits.
    pub directory_audits: usize,
}

/// Everything the simulator serves.
#[derive(Debug)]
pub(crate) struct Dataset {
    /// The tenant's subscriptions, in listing order.
    pub subscriptions: Vec<Subscription>,
    /// Activity events of each subscription (same index), newest first.
    pub events: Vec<Vec<Event>>,
    /// Graph users.
    pub users: Vec<User>,
    /// Service principals that call ARM.
    pub apps: Vec<App>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Activated directory roles.
    pub roles: Vec<Role>,
    /// Sign-ins, newest first.
    pub signins: Vec<SignIn>,
    /// Directory audits, newest first.
    pub audits: Vec<Audit>,
}

/// Generates the dataset for `spec`.
pub(crate) fn generate(spec: DatasetSpec) -> Dataset {
    let mut rng = SeededRng::new(spec.seed);
    let subscriptions: Vec<Subscription> = SUBSCRIPTIONS
        .iter()
        .map(|&(name, enabled, quota_id)| Subscription {
            id: rng.guid(),
            display_name: name.to_owned(),
            enabled,
            quota_id,
        })
        .collect();
    let users = people::users(&mut rng, spec.users, spec.now);
    let apps = people::apps(&mut rng);
    let groups = people::groups(&mut rng, &users, spec.now);
    let roles = people::roles(&mut rng, &users);
    let events = activity::shares(&subscriptions, spec.activity_events)
        .into_iter()
        .map(|count| activity::events(&mut rng, count, spec.activity_days, spec.now, &users, &apps))
        .collect();
    let signins = reports::signins(&mut rng, spec.signins, &users, spec.now);
    let audits = reports::audits(&mut rng, spec.directory_audits, &users, &apps, spec.now);
    Dataset {
        subscriptions,
        events,
        users,
        apps,
        groups,
        roles,
        signins,
        audits,
    }
}

impl Dataset {
    /// The index of the subscription with this id (case-insensitive GUID).
    pub fn find_subscription(&self, id: &str) -> Option<usize> {
        self.subscriptions
            .iter()
            .position(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// The index of the user with this object id or user principal name.
    pub fn find_user(&self, key: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.id.eq_ignore_ascii_case(key) || u.upn.eq_ignore_ascii_case(key))
    }
}

/// A fresh random GUID (request ids, correlation ids of answers).
pub(crate) fn random_guid() -> String {
    let mut rng = rand::rng();
    format_guid(rng.random(), rng.random())
}

/// `2026-11-01T10:22:33Z`: Graph's timestamps.
pub(crate) fn iso_seconds(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
    ))
    .unwrap_or_default()
}

/// `2026-11-01T10:22:33.1234567Z`: ARM's timestamps, in 100 ns ticks.
pub(crate) fn iso_ticks(t: OffsetDateTime) -> String {
    t.format(format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]Z"
    ))
    .unwrap_or_default()
}
