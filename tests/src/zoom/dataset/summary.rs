//! Counts of what the simulator holds, for tests and the demo to compare with.

use super::model::{Dataset, MEMBER_ROLE, UserStatus};

/// What the simulated account contains. Status counts are current: they follow
/// `PUT /users/{id}/status` changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatasetSummary {
    /// All users, whatever their status.
    pub users: usize,
    /// Users with status `active`.
    pub active: usize,
    /// Users with status `inactive`.
    pub inactive: usize,
    /// Users with status `pending`.
    pub pending: usize,
    /// Groups.
    pub groups: usize,
    /// Sum of all groups' member counts.
    pub group_memberships: usize,
    /// Roles, the custom role without members included.
    pub roles: usize,
    /// Roles other than Member (Owner, Admin, and the custom role).
    pub admin_roles: usize,
    /// Users holding a role other than Member (privileged accounts).
    pub admins: usize,
    /// Sign-in/sign-out events in the activity report.
    pub sign_events: usize,
    /// Entries in the operation-log report.
    pub operation_logs: usize,
    /// `sign_events + operation_logs`.
    pub activities: usize,
}

impl DatasetSummary {
    /// Summarises `dataset` with the users' current `statuses`.
    pub(crate) fn of(dataset: &Dataset, statuses: &[UserStatus]) -> Self {
        let count = |s: UserStatus| statuses.iter().filter(|&&x| x == s).count();
        let privileged = dataset
            .roles
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != MEMBER_ROLE);
        DatasetSummary {
            users: dataset.users.len(),
            active: count(UserStatus::Active),
            inactive: count(UserStatus::Inactive),
            pending: count(UserStatus::Pending),
            groups: dataset.groups.len(),
            group_memberships: dataset.groups.iter().map(|g| g.members.len()).sum(),
            roles: dataset.roles.len(),
            admin_roles: privileged.clone().count(),
            admins: privileged.map(|(_, r)| r.members.len()).sum(),
            sign_events: dataset.activities.len(),
            operation_logs: dataset.operation_logs.len(),
            activities: dataset.activities.len() + dataset.operation_logs.len(),
        }
    }
}
