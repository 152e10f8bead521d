//! Recorded-looking Zoom pages (`tests/fixtures/`) through the page parsers.

#![allow(clippy::unwrap_used, reason = "tests")]

use plugboard_sdk::{AccountStatus, Record};
use plugboard_zoom::{parse_activities_page, parse_operation_logs_page, parse_users_page};
use std::collections::HashSet;

const USERS: &[u8] = include_bytes!("fixtures/users_page_300.json");
const ACTIVITIES: &[u8] = include_bytes!("fixtures/activities_page_300.json");
const OPERATION_LOGS: &[u8] = include_bytes!("fixtures/operation_logs_page.json");

#[test]
fn a_full_users_page_gives_300_accounts_and_the_next_token() {
    let (records, token) = parse_users_page(USERS).unwrap();
    assert_eq!(records.len(), 300);
    assert_eq!(
        token.as_deref(),
        Some("Tva2CuIdTgsv8wAnhyAdU3m06Y2HuLQtlh3")
    );
    let mut ids = HashSet::new();
    for record in &records {
        let Record::Account(account) = record else {
            panic!("not an account: {record:?}");
        };
        assert!(
            ids.insert(account.id.clone()),
            "duplicate id {}",
            account.id
        );
        assert_eq!(account.status, AccountStatus::Active);
        assert!(
            account
                .email
                .as_deref()
                .is_some_and(|e| e.ends_with("@example.com"))
        );
        assert!(account.user_type.is_some() && account.created_at.is_some());
    }
}

#[test]
fn a_full_activity_page_gives_one_id_per_distinct_event() {
    let (records, token) = parse_activities_page(ACTIVITIES).unwrap();
    assert_eq!(records.len(), 300);
    assert!(token.is_some());
    let raw: serde_json::Value = serde_json::from_slice(ACTIVITIES).unwrap();
    let events: HashSet<String> = raw["activity_logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}|{}|{}|{}",
                l["email"], l["time"], l["type"], l["ip_address"]
            )
        })
        .collect();
    let ids: HashSet<&str> = records
        .iter()
        .filter_map(|r| match r {
            Record::Activity(a) => Some(a.id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(ids.len(), events.len());
    // Parsing again gives the same ids: they are stable.
    let (again, _) = parse_activities_page(ACTIVITIES).unwrap();
    assert_eq!(again, records);
}

#[test]
fn an_operation_log_page_with_an_empty_token_is_the_last_page() {
    let (records, token) = parse_operation_logs_page(OPERATION_LOGS).unwrap();
    assert_eq!((records.len(), token), (40, None));
}
