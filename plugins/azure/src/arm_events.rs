//! Activity log events (`GET …/eventtypes/management/values`) into
//! activities, plus one account per distinct caller.
//!
//! ARM has no user list, so callers seen in the log are accounts too: keyed by
//! the caller's object id (the `objectidentifier` claim) so the host merges
//! them with the Graph user or service principal of the same id. They carry
//! only what the log knows; the host never lets an empty or `unknown` field
//! overwrite what Graph said.

use plugboard_sdk::json::{Lenient, Text, compact, item};
use plugboard_sdk::stream::Slice;
use plugboard_sdk::time::parse_iso;
use plugboard_sdk::{Account, AccountStatus, Activity, Record};
use serde::Deserialize;
use serde_json::json;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet};

/// The claim holding the caller's Entra ID object id.
pub const OBJECT_ID_CLAIM: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/// Category used when an event names none.
pub const DEFAULT_CATEGORY: &str = "management";

/// An event's fields we read.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Event {
    event_data_id: Text,
    event_timestamp: Text,
    caller: Text,
    claims: Lenient<BTreeMap<String, Text>>,
    http_request: Lenient<Fields>,
    operation_name: Lenient<Fields>,
    event_name: Lenient<Fields>,
    category: Lenient<Fields>,
    status: Lenient<Fields>,
    resource_id: Text,
}

/// `{"value": …}` and `httpRequest`'s `clientIpAddress`.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Fields {
    value: Text,
    client_ip_address: Text,
}

fn value(fields: Lenient<Fields>) -> Option<String> {
    fields.0.and_then(|f| f.value.0)
}

/// Maps one event to its caller's account and an activity; skipped without
/// an `eventDataId` or `eventTimestamp`, or when stamped at the end of a
/// window that is not the run's last (the next window returns it).
pub fn event(slice: &Slice<'_, String>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(event) = item::<Event>(raw) else {
        return;
    };
    let stamp = event.event_timestamp.get().and_then(parse_iso);
    if let (Some(stamp), Some(window)) = (stamp, slice.window)
        && !window.last
        && stamp >= window.to_ms
    {
        return;
    }
    if let Some(caller) = event.caller.0.clone() {
        let object_id = event
            .claims
            .0
            .and_then(|mut c| c.remove(OBJECT_ID_CLAIM)?.0);
        let is_email = caller.contains('@');
        out.push(Record::Account(Account {
            id: object_id.unwrap_or_else(|| caller.clone()),
            email: is_email.then(|| caller.clone()),
            display_name: None,
            status: AccountStatus::Unknown,
            user_type: (!is_email).then(|| "service-principal".to_string()),
            created_at: None,
            last_login_at: None,
            raw: json!({"source": "arm-activity-caller", "caller": caller}).to_string(),
        }));
    }
    let (Some(id), Some(occurred_at)) = (event.event_data_id.0, event.event_timestamp.0) else {
        return;
    };
    out.push(Record::Activity(Activity {
        id,
        occurred_at,
        actor: event.caller.0,
        actor_ip: event.http_request.0.and_then(|r| r.client_ip_address.0),
        action: value(event.operation_name)
            .or_else(|| value(event.event_name))
            .unwrap_or_else(|| "unknown".into()),
        category: value(event.category)
            .map(|c| c.to_ascii_lowercase())
            .unwrap_or_else(|| DEFAULT_CATEGORY.into()),
        target: event.resource_id.0,
        outcome: value(event.status),
        raw: compact(raw),
    }));
}

/// Puts a page's caller accounts first, each once.
pub fn callers_first(records: &mut Vec<Record>) {
    let mut seen = BTreeSet::new();
    let (accounts, activities): (Vec<_>, Vec<_>) = records
        .drain(..)
        .partition(|r| matches!(r, Record::Account(_)));
    records.extend(
        accounts
            .into_iter()
            .filter(|r| matches!(r, Record::Account(a) if seen.insert(a.id.clone()))),
    );
    records.extend(activities);
}

#[cfg(test)]
#[path = "arm_events_tests.rs"]
mod tests;
