#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::{ErrorKind, Page};
use serde_json::Value;

fn sync(cursor: Option<&str>, net: &mut dyn Transport) -> Result<Page, Error> {
    let env = Env {
        now_ms: 0,
        lookback_days: 0,
    };
    USERS.sync(cursor, env, net)
}

fn page(token: &str, users: &str) -> Vec<u8> {
    format!(
        r#"{{"page_size":300,"total_records":2,"next_page_token":"{token}","users":[{users}]}}"#
    )
    .into_bytes()
}

const ADA: &str = r#"{"id":"z8yAAAAA8bbbQ","first_name":"Ada","last_name":"Lovelace",
  "email":"ada@example.com","type":2,"status":"active","role_id":"1","dept":"Eng",
  "group_ids":["g1"],"created_at":"2021-01-02T03:04:05Z",
  "last_login_time":"2026-05-01T10:00:00Z","host_key":"123456"}"#;

#[test]
fn a_zoom_user_becomes_an_account_with_its_raw_json_minus_the_host_key() {
    let (records, token) = parse_users_page(&page("", ADA)).unwrap();
    assert_eq!(token, None);
    let [Record::Account(account)] = records.as_slice() else {
        panic!("expected one account, got {records:?}");
    };
    assert_eq!(account.id, "z8yAAAAA8bbbQ");
    assert_eq!(account.email.as_deref(), Some("ada@example.com"));
    assert_eq!(account.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(account.status, AccountStatus::Active);
    assert_eq!(account.user_type.as_deref(), Some("licensed"));
    assert_eq!(account.created_at.as_deref(), Some("2021-01-02T03:04:05Z"));
    assert_eq!(
        account.last_login_at.as_deref(),
        Some("2026-05-01T10:00:00Z")
    );
    let raw: Value = serde_json::from_str(&account.raw).unwrap();
    assert_eq!(raw["role_id"], "1");
    assert_eq!(raw["dept"], "Eng");
    assert_eq!(raw["group_ids"][0], "g1");
    assert!(raw.get("host_key").is_none(), "{raw}");
}

#[test]
fn user_types_and_statuses_map_to_names() {
    for (code, name) in [
        (1, "basic"),
        (2, "licensed"),
        (4, "unassigned-without-meetings-basic"),
        (99, "none"),
        (7, "7"),
    ] {
        assert_eq!(user_type(code), name, "type {code}");
    }
    assert_eq!(status(Some("inactive")), AccountStatus::Inactive);
    assert_eq!(status(Some("pending")), AccountStatus::Pending);
    assert_eq!(status(Some("deleted")), AccountStatus::Unknown);
    assert_eq!(status(None), AccountStatus::Unknown);
}

#[test]
fn users_without_an_id_are_skipped_and_odd_fields_do_not_fail_the_page() {
    let users =
        r#"{"email":"ghost@example.com"},{"id":"u2","type":"2","status":7,"first_name":null}"#;
    let (records, _) = parse_users_page(&page("", users)).unwrap();
    let [Record::Account(account)] = records.as_slice() else {
        panic!("expected one account, got {records:?}");
    };
    assert_eq!(
        (account.id.as_str(), account.user_type.as_deref()),
        ("u2", None)
    );
    assert_eq!(
        (account.status, account.display_name.as_deref()),
        (AccountStatus::Unknown, None)
    );
}

#[test]
fn a_malformed_users_page_is_an_upstream_error() {
    for body in [
        &b"{\"users\": 5}"[..],
        b"<html>502</html>",
        b"{\"users\":[{\"id\":\"u1\"",
    ] {
        let kind = parse_users_page(body).err().map(|e| e.kind);
        assert_eq!(
            kind,
            Some(ErrorKind::Upstream),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn the_stream_walks_active_inactive_and_pending_following_page_tokens() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        let token = if url.contains("status=active") && !url.contains("next_page_token") {
            "t2"
        } else {
            ""
        };
        Ok(page(token, ADA))
    };
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = sync(cursor.as_deref(), &mut fetch).unwrap();
        pages += 1;
        assert_eq!(page.records.len(), 1);
        if !page.more {
            assert_eq!(page.cursor, None);
            break;
        }
        cursor = page.cursor;
    }
    assert_eq!(pages, 4);
    let base = "https://api.zoom.us/v2/users?status=";
    assert_eq!(
        urls,
        [
            format!("{base}active&page_size=300"),
            format!("{base}active&page_size=300&next_page_token=t2"),
            format!("{base}inactive&page_size=300"),
            format!("{base}pending&page_size=300"),
        ]
    );
}

#[test]
fn the_cursor_is_readable_json_holding_status_and_token() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(page("abc", ADA)) };
    let page = sync(None, &mut fetch).unwrap();
    assert_eq!(
        page.cursor.as_deref(),
        Some(r#"{"parents":["active","inactive","pending"],"next":"abc"}"#)
    );
}

#[test]
fn an_unreadable_cursor_is_a_plugin_error() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(page("", ADA)) };
    for cursor in ["not json", r#"{"status":"deleted"}"#] {
        let kind = sync(Some(cursor), &mut fetch).err().map(|e| e.kind);
        assert_eq!(kind, Some(ErrorKind::Plugin), "{cursor}");
    }
}

#[test]
fn malformed_pages_name_zoom() {
    let message = parse_users_page(b"<html>").err().map(|e| e.message);
    assert!(message.is_some_and(|m| m.starts_with("Zoom answered a malformed users page")));
}

#[test]
fn an_empty_or_missing_page_token_means_the_last_page() {
    for body in [page("", ADA), format!("{{\"users\":[{ADA}]}}").into_bytes()] {
        assert_eq!(parse_users_page(&body).unwrap().1, None);
    }
    assert_eq!(
        parse_users_page(&page("abc", ADA)).unwrap().1.as_deref(),
        Some("abc")
    );
}
