#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::activity_log::parse_events_page;
use serde_json::Value;

const USER_EVENT: &str = r#"{
  "eventDataId":"e1","correlationId":"c1","caller":"ada@contoso.com",
  "claims":{"http://schemas.microsoft.com/identity/claims/objectidentifier":"6e7b768e-07e2-4810-8459-485f84f8f204","appid":"c44b4083"},
  "httpRequest":{"clientRequestId":"r","clientIpAddress":"203.0.113.7","method":"PUT"},
  "level":"Informational","operationName":{"value":"Microsoft.Compute/virtualMachines/write","localizedValue":"Create or Update Virtual Machine"},
  "status":{"value":"Succeeded"},"category":{"value":"Administrative"},
  "eventTimestamp":"2026-03-01T10:00:00.1234567Z",
  "resourceId":"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"}"#;

const APP_EVENT: &str = r#"{
  "eventDataId":"e2","caller":"0a1b2c3d-0000-4000-8000-000000000001",
  "operationName":{"value":"Microsoft.Storage/storageAccounts/listKeys/action"},
  "status":{"value":"Failed"},"eventTimestamp":"2026-03-01T11:00:00Z"}"#;

fn page(events: &[&str]) -> Vec<u8> {
    format!(r#"{{"value":[{}]}}"#, events.join(",")).into_bytes()
}

fn accounts(records: &[Record]) -> Vec<&Account> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .collect()
}

fn activities(records: &[Record]) -> Vec<&Activity> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Activity(a) => Some(a),
            _ => None,
        })
        .collect()
}

#[test]
fn an_event_becomes_an_activity_with_its_caller_ip_operation_and_status() {
    let (records, next) = parse_events_page(&page(&[USER_EVENT]), None).unwrap();
    assert_eq!(next, None);
    let [activity] = activities(&records)[..] else {
        panic!("{records:?}");
    };
    assert_eq!(activity.id, "e1");
    assert_eq!(activity.occurred_at, "2026-03-01T10:00:00.1234567Z");
    assert_eq!(activity.actor.as_deref(), Some("ada@contoso.com"));
    assert_eq!(activity.actor_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(activity.action, "Microsoft.Compute/virtualMachines/write");
    assert_eq!(activity.category, "administrative");
    assert_eq!(activity.outcome.as_deref(), Some("Succeeded"));
    assert!(
        activity
            .target
            .as_deref()
            .unwrap()
            .ends_with("virtualMachines/vm1")
    );
    let raw: Value = serde_json::from_str(&activity.raw).unwrap();
    assert_eq!(raw["correlationId"], "c1");
}

#[test]
fn a_user_caller_is_keyed_by_its_object_id_claim_and_keeps_its_email() {
    let (records, _) = parse_events_page(&page(&[USER_EVENT]), None).unwrap();
    let [account] = accounts(&records)[..] else {
        panic!("{records:?}");
    };
    assert_eq!(account.id, "6e7b768e-07e2-4810-8459-485f84f8f204");
    assert_eq!(account.email.as_deref(), Some("ada@contoso.com"));
    assert_eq!(account.status, AccountStatus::Unknown);
    assert_eq!(account.user_type, None);
    assert_eq!(
        account.raw,
        r#"{"caller":"ada@contoso.com","source":"arm-activity-caller"}"#
    );
}

#[test]
fn an_app_id_caller_without_claims_is_a_service_principal_keyed_by_the_app_id() {
    let (records, _) = parse_events_page(&page(&[APP_EVENT]), None).unwrap();
    let [account] = accounts(&records)[..] else {
        panic!("{records:?}");
    };
    assert_eq!(account.id, "0a1b2c3d-0000-4000-8000-000000000001");
    assert_eq!(account.email, None);
    assert_eq!(account.user_type.as_deref(), Some("service-principal"));
    let [activity] = activities(&records)[..] else {
        panic!("{records:?}");
    };
    assert_eq!(activity.category, DEFAULT_CATEGORY);
    assert_eq!(activity.actor_ip, None);
}

#[test]
fn each_caller_gives_one_account_per_page_however_many_events_it_has() {
    let again = USER_EVENT.replace("\"e1\"", "\"e3\"");
    let (records, _) = parse_events_page(&page(&[USER_EVENT, APP_EVENT, &again]), None).unwrap();
    assert_eq!(
        (accounts(&records).len(), activities(&records).len()),
        (2, 3)
    );
    assert!(
        matches!(records[0], Record::Account(_)),
        "accounts come first"
    );
}

#[test]
fn events_on_the_window_boundary_are_left_to_the_next_window() {
    // APP_EVENT is stamped exactly 11:00:00, USER_EVENT at 10:00.
    let boundary = parse_iso("2026-03-01T11:00:00Z");
    let (records, _) = parse_events_page(&page(&[USER_EVENT, APP_EVENT]), boundary).unwrap();
    let ids: Vec<_> = activities(&records).iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["e1"]);
    let (records, _) = parse_events_page(&page(&[USER_EVENT, APP_EVENT]), None).unwrap();
    assert_eq!(activities(&records).len(), 2, "the last window keeps them");
}

#[test]
fn events_without_an_id_or_time_are_skipped_and_odd_fields_do_not_fail_the_page() {
    let odd = r#"{"eventTimestamp":"2026-03-01T10:00:00Z"},{"eventDataId":"x"},
      {"eventDataId":"y","eventTimestamp":"2026-03-01T10:00:00Z","operationName":"flat","status":7,"claims":[]}"#;
    let (records, _) = parse_events_page(&page(&[odd]), None).unwrap();
    let ids: Vec<_> = activities(&records)
        .iter()
        .map(|a| (a.id.as_str(), a.action.as_str()))
        .collect();
    assert_eq!(ids, [("y", "unknown")]);
}

#[test]
fn a_next_link_to_another_host_is_refused() {
    let body = br#"{"value":[],"nextLink":"https://attacker.example/subscriptions/x"}"#;
    let kind = parse_events_page(body, None).err().map(|e| e.kind);
    assert_eq!(kind, Some(plugboard_sdk::ErrorKind::Upstream));
}
