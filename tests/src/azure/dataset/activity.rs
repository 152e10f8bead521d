//! ARM activity-log events, per subscription, newest first.

use time::{Duration, OffsetDateTime};

use super::model::{Actor, App, Event, Subscription, User};
use super::rng::{Guids as _, SeededRng};

/// Events the disabled subscription holds (a correct connector never reads them).
pub(crate) const DISABLED_SUBSCRIPTION_EVENTS: usize = 150;

/// One management operation: `(operationName, localized name, HTTP method,
/// resource provider, resource type, resource name prefix)`.
pub(crate) type Operation = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The operations events are drawn from.
pub(crate) const OPERATIONS: [Operation; 10] = [
    (
        "Microsoft.Compute/virtualMachines/write",
        "Create or Update Virtual Machine",
        "PUT",
        "Microsoft.Compute",
        "virtualMachines",
        "vm",
    ),
    (
        "Microsoft.Compute/virtualMachines/delete",
        "Delete Virtual Machine",
        "DELETE",
        "Microsoft.Compute",
        "virtualMachines",
        "vm",
    ),
    (
        "Microsoft.Compute/virtualMachines/start/action",
        "Start Virtual Machine",
        "POST",
        "Microsoft.Compute",
        "virtualMachines",
        "vm",
    ),
    (
        "Microsoft.Storage/storageAccounts/listKeys/action",
        "List Storage Account Keys",
        "POST",
        "Microsoft.Storage",
        "storageAccounts",
        "st",
    ),
    (
        "Microsoft.Storage/storageAccounts/write",
        "Create/Update Storage Account",
        "PUT",
        "Microsoft.Storage",
        "storageAccounts",
        "st",
    ),
    (
        "Microsoft.Network/networkSecurityGroups/securityRules/write",
        "Create or Update Security Rule",
        "PUT",
        "Microsoft.Network",
        "networkSecurityGroups",
        "nsg",
    ),
    (
        "Microsoft.Authorization/roleAssignments/write",
        "Create role assignment",
        "PUT",
        "Microsoft.Authorization",
        "roleAssignments",
        "ra",
    ),
    (
        "Microsoft.KeyVault/vaults/write",
        "Update Key Vault",
        "PUT",
        "Microsoft.KeyVault",
        "vaults",
        "kv",
    ),
    (
        "Microsoft.Web/sites/restart/action",
        "Restart Web App",
        "POST",
        "Microsoft.Web",
        "sites",
        "app",
    ),
    (
        "Microsoft.Resources/deployments/write",
        "Create Deployment",
        "PUT",
        "Microsoft.Resources",
        "deployments",
        "deploy",
    ),
];

const RESOURCE_GROUPS: [&str; 5] = [
    "rg-web",
    "rg-data",
    "rg-network",
    "rg-identity",
    "rg-shared",
];
const ROLES: [&str; 3] = ["Owner", "Contributor", "User Access Administrator"];

/// How many of `total` events each subscription gets: the enabled ones share `total`
/// 5:3:2 (the last takes the remainder), the disabled ones hold
/// [`DISABLED_SUBSCRIPTION_EVENTS`] each.
pub(crate) fn shares(subscriptions: &[Subscription], total: usize) -> Vec<usize> {
    let enabled = subscriptions.iter().filter(|s| s.enabled).count();
    let weights = [5usize, 3, 2];
    let weight_sum: usize =
        weights.iter().take(enabled.min(3)).sum::<usize>() + enabled.saturating_sub(3);
    let mut left = total;
    let mut seen = 0;
    subscriptions
        .iter()
        .map(|s| {
            if !s.enabled {
                return DISABLED_SUBSCRIPTION_EVENTS;
            }
            seen += 1;
            let n = if seen == enabled {
                left
            } else {
                let w = weights.get(seen - 1).copied().unwrap_or(1);
                (total * w / weight_sum.max(1)).min(left)
            };
            left -= n;
            n
        })
        .collect()
}

/// `count` events for `subscription`, strictly inside
/// `(now - days + 1 h, now - 1 min)`, newest first. About one in ten is by an app.
pub(crate) fn events(
    rng: &mut SeededRng,
    count: usize,
    days: u32,
    now: OffsetDateTime,
    users: &[User],
    apps: &[App],
) -> Vec<Event> {
    let newest = now - Duration::minutes(1);
    let oldest = now - Duration::days(i64::from(days.max(1))) + Duration::hours(1);
    let span_ms = u64::try_from((newest - oldest).whole_milliseconds())
        .unwrap_or(1)
        .max(2);
    let members: Vec<usize> = (0..users.len()).filter(|&i| !users[i].guest).collect();
    let mut events: Vec<Event> = (0..count)
        .map(|_| {
            let offset = 1 + rng.below(span_ms - 1);
            let timestamp = oldest
                + Duration::milliseconds(i64::try_from(offset).unwrap_or(1))
                + Duration::nanoseconds(i64::try_from(rng.below(10_000) * 100).unwrap_or(0));
            let lag = Duration::seconds(i64::try_from(30 + rng.below(300)).unwrap_or(30));
            let actor = if members.is_empty() || (!apps.is_empty() && rng.chance(10)) {
                Actor::App(rng.index(apps.len()))
            } else {
                Actor::User(members[rng.index(members.len())])
            };
            let ip = match actor {
                Actor::User(i) => format!("203.0.113.{}", 10 + i % 40),
                Actor::App(i) => format!("20.42.{}.{}", 64 + i, 10 + rng.below(200)),
            };
            let roll = rng.below(100);
            let status = match roll {
                0..=84 => "Succeeded",
                85..=92 => "Failed",
                _ => "Accepted",
            };
            let operation = rng.index(OPERATIONS.len());
            let prefix = OPERATIONS.get(operation).map_or("res", |o| o.5);
            Event {
                event_data_id: rng.guid(),
                correlation_id: rng.guid(),
                operation_id: rng.guid(),
                client_request_id: rng.guid(),
                actor,
                operation,
                status,
                timestamp,
                submitted: (timestamp + lag).min(now),
                resource_group: rng.pick(&RESOURCE_GROUPS),
                resource_name: format!("{prefix}-{:02}", rng.below(12)),
                ip,
                role: rng.pick(&ROLES),
            }
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.timestamp));
    events
}
