//! [`AzureSummary`]: what the simulated tenant contains.

use std::collections::BTreeSet;

use super::{Actor, Dataset};

/// The numbers a correct connector's results are checked against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AzureSummary {
    /// Subscriptions `GET /subscriptions` lists (4).
    pub subscriptions_total: usize,
    /// Of those, `Enabled` ones (3).
    pub subscriptions_enabled: usize,
    /// Activity events in the enabled subscriptions: what a correct connector stores.
    pub activity_events: usize,
    /// Activity events in the disabled subscription (a connector must not read them).
    pub disabled_subscription_events: usize,
    /// Graph users.
    pub users: usize,
    /// Distinct activity callers (in enabled subscriptions) that are not Graph users:
    /// the service principals, whose `caller` is an application id.
    pub callers_not_in_graph: usize,
    /// Graph groups.
    pub groups: usize,
    /// Group memberships, summed over groups.
    pub group_memberships: usize,
    /// Activated directory roles (3).
    pub directory_roles: usize,
    /// Distinct users holding a directory role (9 with the default sizes).
    pub admins: usize,
    /// Sign-in records.
    pub signins: usize,
    /// Directory-audit records.
    pub directory_audits: usize,
}

impl AzureSummary {
    /// Counts `dataset`.
    pub(crate) fn of(dataset: &Dataset) -> Self {
        let mut enabled_events = 0;
        let mut disabled_events = 0;
        let mut apps = BTreeSet::new();
        for (sub, events) in dataset.subscriptions.iter().zip(&dataset.events) {
            if sub.enabled {
                enabled_events += events.len();
                apps.extend(events.iter().filter_map(|e| match e.actor {
                    Actor::App(i) => Some(i),
                    Actor::User(_) => None,
                }));
            } else {
                disabled_events += events.len();
            }
        }
        let admins: BTreeSet<usize> = dataset
            .roles
            .iter()
            .flat_map(|r| r.members.iter().copied())
            .collect();
        AzureSummary {
            subscriptions_total: dataset.subscriptions.len(),
            subscriptions_enabled: dataset.subscriptions.iter().filter(|s| s.enabled).count(),
            activity_events: enabled_events,
            disabled_subscription_events: disabled_events,
            users: dataset.users.len(),
            callers_not_in_graph: apps.len(),
            groups: dataset.groups.len(),
            group_memberships: dataset.groups.iter().map(|g| g.members.len()).sum(),
            directory_roles: dataset.roles.len(),
            admins: admins.len(),
            signins: dataset.signins.len(),
            directory_audits: dataset.audits.len(),
        }
    }
}
