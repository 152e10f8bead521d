#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::time::parse_date;
use plugboard_sdk::{ErrorKind, Page};

type Report = Stream;

fn sync(
    report: &Report,
    cursor: Option<&str>,
    today: i64,
    days: u32,
    net: &mut dyn Transport,
) -> Result<Page, Error> {
    let env = Env {
        now_ms: u64::try_from(today).unwrap() * DAY_MS,
        lookback_days: days,
    };
    report.sync(cursor, env, net)
}

mod activities {
    pub use crate::reports::{SIGN_INS as REPORT, parse_activities_page};
}

mod oplogs {
    pub use crate::reports::{OPERATION_LOGS as REPORT, parse_operation_logs_page};
}

/// 2026-03-01 as days since the epoch.
const TODAY: i64 = 20_513;

fn empty_page(token: &str) -> Vec<u8> {
    format!(r#"{{"next_page_token":"{token}","activity_logs":[],"operation_logs":[]}}"#)
        .into_bytes()
}

/// Runs `report` to the end from `cursor`; returns the URLs and the final cursor.
fn run(
    report: &Report,
    cursor: Option<&str>,
    days: u32,
    paged: bool,
) -> (Vec<String>, Option<String>) {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        let first_of_window = !url.contains("next_page_token");
        Ok(empty_page(if paged && first_of_window { "p2" } else { "" }))
    };
    let mut cursor = cursor.map(str::to_string);
    for _ in 0..100 {
        let page = sync(report, cursor.as_deref(), TODAY, days, &mut fetch).unwrap();
        cursor = page.cursor;
        if !page.more {
            return (urls, cursor);
        }
    }
    panic!("the stream never finished");
}

#[test]
fn thirty_days_are_read_oldest_window_first_in_windows_of_at_most_28_days() {
    let (urls, cursor) = run(&activities::REPORT, None, 30, false);
    let base = "https://api.zoom.us/v2/report/activities";
    assert_eq!(
        urls,
        [
            format!("{base}?from=2026-01-30&to=2026-02-26&page_size=300"),
            format!("{base}?from=2026-02-27&to=2026-03-01&page_size=300"),
        ]
    );
    assert_eq!(
        cursor.as_deref(),
        Some(r#"{"state":"done","watermark":"2026-03-01"}"#)
    );
}

#[test]
fn each_window_is_paged_by_its_token_before_the_next_window() {
    let (urls, _) = run(&oplogs::REPORT, None, 30, true);
    let base = "https://api.zoom.us/v2/report/operationlogs";
    assert_eq!(
        urls,
        [
            format!("{base}?from=2026-01-30&to=2026-02-26&page_size=300&category_type=all"),
            format!(
                "{base}?from=2026-01-30&to=2026-02-26&page_size=300&category_type=all&next_page_token=p2"
            ),
            format!("{base}?from=2026-02-27&to=2026-03-01&page_size=300&category_type=all"),
            format!(
                "{base}?from=2026-02-27&to=2026-03-01&page_size=300&category_type=all&next_page_token=p2"
            ),
        ]
    );
}

#[test]
fn an_incremental_run_restarts_one_day_before_the_watermark() {
    let done = r#"{"state":"done","watermark":"2026-02-27"}"#;
    let (urls, cursor) = run(&activities::REPORT, Some(done), 30, false);
    assert_eq!(
        urls,
        ["https://api.zoom.us/v2/report/activities?from=2026-02-26&to=2026-03-01&page_size=300"]
    );
    assert_eq!(
        cursor.as_deref(),
        Some(r#"{"state":"done","watermark":"2026-03-01"}"#)
    );
}

#[test]
fn no_window_reaches_further_back_than_180_days_or_spans_more_than_28() {
    let ancient = r#"{"state":"done","watermark":"2020-01-01"}"#;
    for (cursor, days) in [(None, 180), (Some(ancient), 30)] {
        let (urls, _) = run(&activities::REPORT, cursor, days, false);
        assert_eq!(urls.len(), 7, "{urls:?}");
        let mut previous_to = None;
        for url in &urls {
            let from = parse_date(url.split("from=").nth(1).unwrap().get(..10).unwrap()).unwrap();
            let to = parse_date(url.split("to=").nth(1).unwrap().get(..10).unwrap()).unwrap();
            assert!(from >= TODAY - MAX_DAYS && to <= TODAY, "{url}");
            assert!(to - from < WINDOW_DAYS, "{url}");
            if let Some(previous) = previous_to {
                assert_eq!(from, previous + 1, "windows must be contiguous: {url}");
            }
            previous_to = Some(to);
        }
        assert_eq!(previous_to, Some(TODAY));
    }
}

#[test]
fn a_watermark_in_the_future_still_reads_today() {
    let future = r#"{"state":"done","watermark":"2030-01-01"}"#;
    let (urls, _) = run(&activities::REPORT, Some(future), 30, false);
    assert_eq!(
        urls,
        ["https://api.zoom.us/v2/report/activities?from=2026-03-01&to=2026-03-01&page_size=300"]
    );
}

#[test]
fn a_cursor_with_a_bad_date_is_a_plugin_error() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(empty_page("")) };
    let bad = r#"{"state":"done","watermark":"yesterday"}"#;
    let kind = sync(&activities::REPORT, Some(bad), TODAY, 30, &mut fetch)
        .err()
        .map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::Plugin));
}

#[test]
fn event_ids_are_stable_prefixed_hex_and_sensitive_to_every_part() {
    let id = event_id(
        "signin",
        &[
            Some("a@x.com"),
            Some("2026-01-01T00:00:00Z"),
            Some("Sign in"),
            Some("1.2.3.4"),
        ],
    );
    assert_eq!(
        id,
        event_id(
            "signin",
            &[
                Some("a@x.com"),
                Some("2026-01-01T00:00:00Z"),
                Some("Sign in"),
                Some("1.2.3.4")
            ]
        )
    );
    assert!(
        id.starts_with("signin:") && id.len() == "signin:".len() + 16,
        "{id}"
    );
    let other_ip = event_id(
        "signin",
        &[
            Some("a@x.com"),
            Some("2026-01-01T00:00:00Z"),
            Some("Sign in"),
            Some("1.2.3.5"),
        ],
    );
    assert_ne!(id, other_ip);
    // The separator keeps ("ab","c") and ("a","bc") apart.
    assert_ne!(
        event_id("x", &[Some("ab"), Some("c")]),
        event_id("x", &[Some("a"), Some("bc")])
    );
}

#[test]
fn sign_in_and_sign_out_logs_become_activities() {
    let body = br#"{"next_page_token":"","activity_logs":[
      {"email":"ada@example.com","time":"2026-02-01T10:00:00Z","type":"Sign in","ip_address":"203.0.113.7","client_type":"Browser","version":"-"},
      {"email":"ada@example.com","time":"2026-02-01T18:00:00Z","type":"Sign out","ip_address":"203.0.113.7"},
      {"email":"no-time@example.com","type":"Sign in"}]}"#;
    let (records, token) = activities::parse_activities_page(body).unwrap();
    assert_eq!(token, None);
    let seen: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Activity(a) => Some((
                a.action.as_str(),
                a.category.as_str(),
                a.occurred_at.as_str(),
                a.actor_ip.as_deref(),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "sign-in",
                "sign-in",
                "2026-02-01T10:00:00Z",
                Some("203.0.113.7")
            ),
            (
                "sign-out",
                "sign-out",
                "2026-02-01T18:00:00Z",
                Some("203.0.113.7")
            ),
        ]
    );
}

#[test]
fn operation_logs_become_admin_operations_by_their_operator() {
    let body = br#"{"next_page_token":"n","operation_logs":[
      {"time":"2026-02-01T10:00:00Z","operator":"admin@example.com","category_type":"User","action":"Delete","operation_detail":"Delete User bob@example.com"}]}"#;
    let (records, token) = oplogs::parse_operation_logs_page(body).unwrap();
    assert_eq!(token.as_deref(), Some("n"));
    let [Record::Activity(a)] = records.as_slice() else {
        panic!("expected one activity, got {records:?}");
    };
    assert!(a.id.starts_with("oplog:"), "{}", a.id);
    assert_eq!(
        (a.category.as_str(), a.action.as_str()),
        ("admin-operation", "Delete")
    );
    assert_eq!(a.actor.as_deref(), Some("admin@example.com"));
    assert_eq!(a.target.as_deref(), Some("Delete User bob@example.com"));
}
