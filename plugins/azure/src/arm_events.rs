//! Activity log pages (`GET …/eventtypes/management/values`) into activities,
//! plus one account per distinct caller.
//!
//! ARM has no user list, so callers seen in the log are accounts too: keyed by
//! the caller's object id (the `objectidentifier` claim) so the host merges
//! them with the Graph user or service principal of the same id. They carry
//! only what the log knows; the host never lets an empty or `unknown` field
//! overwrite what Graph said.

use crate::iso_time::parse_iso;
use crate::{client, json, subscriptions};
use plugboard_sdk::{Account, AccountStatus, Activity, Error, Record};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The claim holding the caller's Entra ID object id.
pub const OBJECT_ID_CLAIM: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/// Category used when an event names none.
pub const DEFAULT_CATEGORY: &str = "management";

/// Parses one activity log page into records (caller accounts first, then
/// activities) and the next link.
///
/// `boundary_ms`, when given, is the `le` end of a window that the next window
/// starts at (`ge`): events stamped exactly there are left to the next window,
/// so one event is not returned twice. Events without an `eventDataId` or a
/// timestamp are skipped.
pub fn parse_events_page(
    body: &[u8],
    boundary_ms: Option<u64>,
) -> Result<(Vec<Record>, Option<String>), Error> {
    let page = json::page(body, "activity log page")?;
    let next = client::next_link(&page, subscriptions::NEXT_LINK, &subscriptions::origin())?;
    let events: Vec<&Value> = json::items(&page, "activity log page")?
        .iter()
        .filter(|event| !on_boundary(event, boundary_ms))
        .collect();
    let mut seen = BTreeSet::new();
    let accounts = events
        .iter()
        .filter_map(|event| caller_account(event))
        .filter(|account| seen.insert(account.id.clone()))
        .map(Record::Account);
    let activities = events
        .iter()
        .filter_map(|event| activity(event))
        .map(Record::Activity);
    Ok((accounts.chain(activities).collect(), next))
}

fn on_boundary(event: &Value, boundary_ms: Option<u64>) -> bool {
    let stamp = json::text(event, "eventTimestamp").and_then(|t| parse_iso(&t));
    matches!((stamp, boundary_ms), (Some(stamp), Some(boundary)) if stamp >= boundary)
}

/// Maps one event; `None` without an `eventDataId` or `eventTimestamp`.
pub fn activity(event: &Value) -> Option<Activity> {
    let action = json::text_at(event, &["operationName", "value"])
        .or_else(|| json::text_at(event, &["eventName", "value"]))
        .unwrap_or_else(|| "unknown".into());
    Some(Activity {
        id: json::text(event, "eventDataId")?,
        occurred_at: json::text(event, "eventTimestamp")?,
        actor: json::text(event, "caller"),
        actor_ip: json::text_at(event, &["httpRequest", "clientIpAddress"]),
        action,
        category: json::text_at(event, &["category", "value"])
            .map(|c| c.to_ascii_lowercase())
            .unwrap_or_else(|| DEFAULT_CATEGORY.into()),
        target: json::text(event, "resourceId"),
        outcome: json::text_at(event, &["status", "value"]),
        raw: event.to_string(),
    })
}

/// The account behind an event's `caller`: id = the object id claim, else the
/// caller itself; email = the caller when it is one; a caller that is not an
/// email is an application id, so a service principal.
pub fn caller_account(event: &Value) -> Option<Account> {
    let caller = json::text(event, "caller")?;
    let object_id = event
        .get("claims")
        .and_then(|claims| json::text(claims, OBJECT_ID_CLAIM));
    let is_email = caller.contains('@');
    Some(Account {
        id: object_id.unwrap_or_else(|| caller.clone()),
        email: is_email.then(|| caller.clone()),
        display_name: None,
        status: AccountStatus::Unknown,
        user_type: (!is_email).then(|| "service-principal".to_string()),
        created_at: None,
        last_login_at: None,
        raw: json!({"source": "arm-activity-caller", "caller": caller}).to_string(),
    })
}

#[cfg(test)]
#[path = "arm_events_tests.rs"]
mod tests;
