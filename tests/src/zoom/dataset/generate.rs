//! Puts the generators together into a [`Dataset`].

use std::collections::HashMap;

use time::OffsetDateTime;

use super::events::{activities, operation_logs};
use super::model::Dataset;
use super::people::{self, Population};
use super::rng::SeededRng;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DatasetSpec {
    /// Users with status active.
    pub active: usize,
    /// Users with status inactive.
    pub inactive: usize,
    /// Users with status pending.
    pub pending: usize,
    /// Days of audit history before `now` (capped at about six months).
    pub activity_days: u32,
    /// The seed; the same seed and sizes give the same dataset.
    pub seed: u64,
    /// The simulator's start time, whole seconds.
    pub now: OffsetDateTime,
}

/// Generates the account's data.
pub(crate) fn generate(spec: DatasetSpec) -> Dataset {
    let mut rng = SeededRng::new(spec.seed);
    let population = Population {
        active: spec.active,
        inactive: spec.inactive,
        pending: spec.pending,
    };
    let (users, groups, roles) = people::generate(&mut rng, population, spec.now);
    let operators: Vec<String> = roles
        .iter()
        .take(2)
        .flat_map(|r| r.members.iter())
        .filter_map(|&i| users.get(i).map(|u| u.email.clone()))
        .collect();
    let activities = activities(&mut rng, &users, spec.activity_days, spec.now);
    let operation_logs = operation_logs(&mut rng, &operators, &users, spec.activity_days, spec.now);
    let by_id: HashMap<String, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.clone(), i))
        .collect();
    let by_email: HashMap<String, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.email.clone(), i))
        .collect();
    Dataset {
        users,
        groups,
        roles,
        activities,
        operation_logs,
        by_id,
        by_email,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::model::{MEMBER_ROLE, UserStatus};
    use super::super::summary::DatasetSummary;
    use super::*;

    fn spec() -> DatasetSpec {
        DatasetSpec {
            active: 1_000,
            inactive: 200,
            pending: 50,
            activity_days: 30,
            seed: 42,
            now: OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        }
    }

    #[test]
    fn the_default_population_has_the_documented_counts() {
        let d = generate(spec());
        let statuses: Vec<UserStatus> = d.users.iter().map(|u| u.initial_status).collect();
        let s = DatasetSummary::of(&d, &statuses);
        assert_eq!(
            (s.users, s.active, s.inactive, s.pending),
            (1_250, 1_000, 200, 50)
        );
        assert_eq!((s.groups, s.roles, s.admin_roles, s.admins), (15, 4, 3, 6));
        assert_eq!((s.sign_events, s.operation_logs), (6_000, 300));
        assert_eq!(s.activities, 6_300);
        assert!(s.group_memberships > 0, "{s:?}");
    }

    #[test]
    fn role_ids_agree_with_role_membership_and_admins_are_active() {
        let d = generate(spec());
        for (r, role) in d.roles.iter().enumerate() {
            for &m in &role.members {
                let user = &d.users[m];
                assert_eq!(user.role, r, "{}", user.email);
                if r != MEMBER_ROLE {
                    assert_eq!(user.initial_status, UserStatus::Active, "{}", user.email);
                }
            }
        }
        let members: usize = d.roles.iter().map(|r| r.members.len()).sum();
        assert_eq!(members, d.users.len());
    }

    #[test]
    fn events_are_unique_in_the_window_and_newest_first() {
        let spec = spec();
        let d = generate(spec);
        let start = spec.now - time::Duration::days(30);
        let keys: HashSet<_> = d
            .activities
            .iter()
            .map(|a| (a.email.clone(), a.time, a.sign_in))
            .collect();
        assert_eq!(keys.len(), d.activities.len());
        for pair in d.activities.windows(2) {
            assert!(
                pair[0].time > pair[1].time,
                "{:?} then {:?}",
                pair[0].time,
                pair[1].time
            );
        }
        for a in &d.activities {
            assert!(a.time > start && a.time < spec.now, "{:?}", a.time);
        }
        for log in &d.operation_logs {
            assert!(log.time > start && log.time < spec.now, "{:?}", log.time);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_dataset() {
        let a = generate(spec());
        let b = generate(spec());
        let ids = |d: &Dataset| d.users.iter().map(|u| u.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        let c = generate(DatasetSpec { seed: 43, ..spec() });
        assert_ne!(ids(&a), ids(&c));
    }
}
