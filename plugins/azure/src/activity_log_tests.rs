#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::time::{DAY_MS, HOUR_MS};
use plugboard_sdk::{Activity, Error, Page, Record};

fn sync(
    cursor: Option<&str>,
    now_ms: u64,
    days: u32,
    net: &mut dyn Transport,
) -> Result<Page, Error> {
    ACTIVITY_LOG.sync(
        cursor,
        Env {
            now_ms,
            lookback_days: days,
        },
        net,
    )
}

/// 2026-03-01T12:00:00.400Z.
const NOW: u64 = 20_513 * DAY_MS + 12 * HOUR_MS + 400;

const SUB_A: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const SUB_B: &str = "bbbbbbbb-0000-4000-8000-000000000002";
const SUB_C: &str = "cccccccc-0000-4000-8000-000000000003";
const SUB_OFF: &str = "dddddddd-0000-4000-8000-000000000004";

const LIST_PAGE_2: &str =
    "https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=p2";
const EVENTS_PAGE_2: &str = "https://management.azure.com/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01&$skiptoken=e2";

/// A fake ARM: subscriptions on two pages (A, B, disabled / C), and the first
/// window of A on two pages; one event per page, stamped at its window start.
fn fake_arm(url: &str) -> Result<Vec<u8>, Error> {
    let body = if url.starts_with("https://management.azure.com/subscriptions?") {
        if url.contains("skiptoken") {
            format!(r#"{{"value":[{{"subscriptionId":"{SUB_C}","state":"Enabled"}}]}}"#)
        } else {
            format!(
                r#"{{"value":[{{"subscriptionId":"{SUB_A}","state":"Enabled"}},{{"subscriptionId":"{SUB_B}","state":"Enabled"}},{{"subscriptionId":"{SUB_OFF}","state":"Disabled"}}],"nextLink":"{LIST_PAGE_2}"}}"#
            )
        }
    } else if url == EVENTS_PAGE_2 {
        event_page(&[("a-page2", "2026-02-27T13:00:00Z")], None)
    } else {
        let bound = |marker: &str| {
            url.split(marker)
                .nth(1)
                .and_then(|rest| rest.split("%27").next())
                .unwrap()
                .replace("%3A", ":")
        };
        let (from, to) = (bound("ge%20%27"), bound("le%20%27"));
        let sub = [SUB_A, SUB_B, SUB_C]
            .into_iter()
            .find(|s| url.contains(s))
            .unwrap();
        let first_of_a = sub == SUB_A && from == "2026-02-27T12:00:00Z";
        // One event at each end of the window: the one at `to` is also the
        // next window's event at `from`.
        event_page(
            &[
                (&format!("{sub}@{from}"), &from),
                (&format!("{sub}@{to}"), &to),
            ],
            first_of_a.then_some(EVENTS_PAGE_2),
        )
    };
    Ok(body.into_bytes())
}

fn event_page(events: &[(&str, &str)], next: Option<&str>) -> String {
    let next = next.map_or(String::new(), |n| format!(r#","nextLink":"{n}""#));
    let events: Vec<String> = events
        .iter()
        .map(|(id, at)| {
            format!(
                r#"{{"eventDataId":"{id}","eventTimestamp":"{at}","caller":"ada@contoso.com","operationName":{{"value":"Microsoft.Resources/deployments/write"}}}}"#
            )
        })
        .collect();
    format!(r#"{{"value":[{}]{next}}}"#, events.join(","))
}

struct Run {
    urls: Vec<String>,
    cursors: Vec<String>,
    activities: Vec<Activity>,
}

fn run_to_end(
    cursor: Option<&str>,
    days: u32,
    fetch: &mut dyn FnMut(&str) -> Result<Vec<u8>, Error>,
) -> Result<Run, Error> {
    let mut out = Run {
        urls: Vec::new(),
        cursors: Vec::new(),
        activities: Vec::new(),
    };
    let mut cursor = cursor.map(str::to_string);
    for _ in 0..200 {
        let mut calls = 0;
        let mut counting = |url: &str| {
            calls += 1;
            out.urls.push(url.to_string());
            fetch(url)
        };
        let page = sync(cursor.as_deref(), NOW, days, &mut counting)?;
        assert_eq!(calls, 1, "one request per sync call");
        out.activities
            .extend(page.records.into_iter().filter_map(|r| match r {
                Record::Activity(a) => Some(a),
                _ => None,
            }));
        cursor = page.cursor;
        out.cursors.push(cursor.clone().unwrap());
        if !page.more {
            return Ok(out);
        }
    }
    panic!("the stream never finished");
}

fn window_url(sub: &str, from: &str, to: &str) -> String {
    format!(
        "https://management.azure.com/subscriptions/{sub}/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01&$filter=eventTimestamp%20ge%20%27{}%27%20and%20eventTimestamp%20le%20%27{}%27",
        from.replace(':', "%3A"),
        to.replace(':', "%3A")
    )
}

#[test]
fn a_first_run_lists_subscriptions_then_reads_each_enabled_one_window_by_window() {
    let run = run_to_end(None, 2, &mut fake_arm).unwrap();
    let (d1, d2, d3) = (
        "2026-02-27T12:00:00Z",
        "2026-02-28T12:00:00Z",
        "2026-03-01T12:00:00Z",
    );
    assert_eq!(
        run.urls,
        [
            "https://management.azure.com/subscriptions?api-version=2022-12-01".to_string(),
            LIST_PAGE_2.to_string(),
            window_url(SUB_A, d1, d2),
            EVENTS_PAGE_2.to_string(),
            window_url(SUB_A, d2, d3),
            window_url(SUB_B, d1, d2),
            window_url(SUB_B, d2, d3),
            window_url(SUB_C, d1, d2),
            window_url(SUB_C, d2, d3),
        ]
    );
    assert!(
        !run.urls.iter().any(|u| u.contains(SUB_OFF)),
        "disabled is skipped"
    );
    assert_eq!(
        run.cursors[0],
        format!(
            r#"{{"state":"reading","parents":["{SUB_A}","{SUB_B}"],"listing":"{LIST_PAGE_2}","start":"{d1}","end":"{d3}","window":"{d1}","total":2}}"#
        )
    );
    assert_eq!(
        run.cursors[1],
        format!(
            r#"{{"state":"reading","parents":["{SUB_A}","{SUB_B}","{SUB_C}"],"start":"{d1}","end":"{d3}","window":"{d1}","total":3}}"#
        )
    );
    assert!(
        run.cursors[2].contains(&format!(r#""next":"{EVENTS_PAGE_2}""#)),
        "{}",
        run.cursors[2]
    );
    assert!(
        run.cursors[3].contains(&format!(r#""window":"{d2}""#)),
        "{}",
        run.cursors[3]
    );
    assert!(
        run.cursors[4].contains(&format!(r#""parents":["{SUB_B}","{SUB_C}"]"#)),
        "{}",
        run.cursors[4]
    );
    assert_eq!(
        run.cursors.last().unwrap(),
        &format!(r#"{{"state":"done","watermark":"{d3}"}}"#)
    );
}

#[test]
fn events_on_a_window_boundary_are_emitted_once_per_run() {
    let run = run_to_end(None, 2, &mut fake_arm).unwrap();
    let mut ids: Vec<&str> = run.activities.iter().map(|a| a.id.as_str()).collect();
    let total = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "{ids:?}");
    // 3 subscriptions x 3 distinct stamps (two windows share one) + A's second page.
    assert_eq!(total, 10);
}

#[test]
fn an_incremental_run_starts_one_hour_before_the_watermark() {
    let done = r#"{"state":"done","watermark":"2026-03-01T11:30:00Z"}"#;
    let run = run_to_end(Some(done), 14, &mut fake_arm).unwrap();
    assert_eq!(
        run.urls.len(),
        2 + 3,
        "listing pages and one window per subscription"
    );
    assert_eq!(
        run.urls[2],
        window_url(SUB_A, "2026-03-01T10:30:00Z", "2026-03-01T12:00:00Z")
    );
}

#[test]
fn no_run_reaches_past_ninety_days_of_retention() {
    let ancient = r#"{"state":"done","watermark":"2025-01-01T00:00:00Z"}"#;
    let mut fetch = fake_arm;
    let page = sync(Some(ancient), NOW, 14, &mut fetch).unwrap();
    assert!(
        page.cursor
            .unwrap()
            .contains(r#""start":"2025-12-01T12:00:00Z""#),
        "90 days before now"
    );
}

#[test]
fn a_tenant_without_readable_subscriptions_is_done_after_the_listing() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> {
        Ok(br#"{"value":[{"subscriptionId":"x","state":"Disabled"}]}"#.to_vec())
    };
    let page = sync(None, NOW, 14, &mut fetch).unwrap();
    assert!(!page.more);
    assert_eq!(
        page.cursor.as_deref(),
        Some(r#"{"state":"done","watermark":"2026-03-01T12:00:00Z"}"#)
    );
}

#[test]
fn a_subscription_that_refuses_its_log_is_skipped_and_named_in_the_cursor() {
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        if url.contains(SUB_B) {
            Err(crate::client::status_error(
                403,
                br#"{"error":{"code":"AuthorizationFailed","message":"no access"}}"#,
            ))
        } else {
            fake_arm(url)
        }
    };
    let run = run_to_end(None, 2, &mut fetch).unwrap();
    assert_eq!(run.urls.iter().filter(|u| u.contains(SUB_B)).count(), 1);
    let done = run.cursors.last().unwrap();
    assert!(done.contains(r#""state":"done""#), "{done}");
    assert!(
        done.contains(SUB_B) && done.contains("AuthorizationFailed"),
        "{done}"
    );
}

#[test]
fn when_every_subscription_refuses_the_stream_fails_with_permission() {
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        if url.contains("/providers/") {
            Err(Error::permission(
                "HTTP 403 from the upstream: AuthorizationFailed",
            ))
        } else {
            fake_arm(url)
        }
    };
    let error = run_to_end(None, 2, &mut fetch).err().unwrap();
    assert_eq!(error.kind, ErrorKind::Permission);
    assert!(error.message.contains("Reader"), "{}", error.message);
}

#[test]
fn throttling_and_server_errors_fail_the_call_without_skipping() {
    for error in [Error::rate_limited("429"), Error::upstream("HTTP 500")] {
        let kind = error.kind;
        let cursor = format!(
            r#"{{"state":"reading","start":"2026-03-01T00:00:00Z","end":"2026-03-01T12:00:00Z","parents":["{SUB_A}"],"total":1,"window":"2026-03-01T00:00:00Z"}}"#
        );
        let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Err(error.clone()) };
        let got = sync(Some(&cursor), NOW, 14, &mut fetch)
            .err()
            .map(|e| e.kind);
        assert_eq!(got, Some(kind));
    }
}

#[test]
fn a_cursor_with_a_bad_time_is_a_plugin_error() {
    let bad = r#"{"state":"done","watermark":"last tuesday"}"#;
    let mut fetch = fake_arm;
    let kind = sync(Some(bad), NOW, 14, &mut fetch).err().map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::Plugin));
}

#[test]
fn the_cursor_names_at_most_ten_skipped_subscriptions_but_counts_them_all() {
    let subscriptions: Vec<String> = (0..30).map(|i| format!("sub-{i:02}")).collect();
    let cursor = serde_json::json!({
        "state": "reading", "start": "2026-03-01T11:00:00Z", "end": "2026-03-01T12:00:00Z",
        "parents": subscriptions, "total": 31, "window": "2026-03-01T11:00:00Z",
    })
    .to_string();
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Err(Error::not_found("gone")) };
    let mut cursor = Some(cursor);
    for _ in 0..29 {
        let page = sync(cursor.as_deref(), NOW, 14, &mut fetch).unwrap();
        cursor = page.cursor;
    }
    let last: serde_json::Value = serde_json::from_str(cursor.as_deref().unwrap()).unwrap();
    assert_eq!(last["skipped_count"], 29);
    assert_eq!(last["skipped"].as_array().unwrap().len(), MAX_SKIP_NOTES);
    // The last subscription fails too, but one of the 31 was read: done, not an error.
    let page = sync(cursor.as_deref(), NOW, 14, &mut fetch).unwrap();
    assert!(!page.more);
}
