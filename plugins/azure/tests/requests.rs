//! Every request the plugin builds is valid against the official OpenAPI
//! descriptions (`api-specs/arm.json`, `api-specs/graph.json`): known path,
//! known query parameters, required ones present, bounds kept. Page links the
//! upstream sends (`nextLink`, `@odata.nextLink`) are used as-is and not
//! checked here.

#![allow(clippy::unwrap_used, reason = "tests")]

use plugboard_azure::streams::{self, SyncEnv};
use plugboard_azure::{posture, subscriptions};
use plugboard_sdk::time::{DAY_MS, parse_iso};
use plugboard_sdk::{Error, ErrorKind};

const ARM: &str = "https://management.azure.com";
const GRAPH: &str = "https://graph.microsoft.com";

/// (path pattern, allowed query parameters, required ones), from the specs.
const SPEC: &[(&str, &[&str], &[&str])] = &[
    ("/subscriptions", &["api-version"], &["api-version"]),
    (
        "/subscriptions/*/providers/microsoft.insights/eventtypes/management/values",
        &["api-version", "$filter", "$select"],
        &["api-version", "$filter"],
    ),
    ("/v1.0/users", GRAPH_LIST, &[]),
    ("/v1.0/groups", GRAPH_LIST, &[]),
    ("/v1.0/groups/*/members", GRAPH_LIST, &[]),
    ("/v1.0/directoryRoles", GRAPH_LIST, &[]),
    ("/v1.0/directoryRoles/*/members", GRAPH_LIST, &[]),
    ("/v1.0/auditLogs/signIns", GRAPH_LIST, &[]),
    ("/v1.0/auditLogs/directoryAudits", GRAPH_LIST, &[]),
];

/// The OData options Graph's list operations declare.
const GRAPH_LIST: &[&str] = &[
    "$top", "$skip", "$search", "$filter", "$count", "$orderby", "$select", "$expand",
];

/// 2026-03-01T12:00:00Z.
const NOW: u64 = 20_513 * DAY_MS + 12 * 3_600_000;

fn matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len() && p.iter().zip(&q).all(|(a, b)| *a == "*" || a == b)
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The largest `$top` Graph serves per list.
fn top_limit(path: &str) -> u32 {
    if path.starts_with("/v1.0/auditLogs/") {
        1000
    } else {
        999
    }
}

fn assert_valid(url: &str) {
    let rest = url
        .strip_prefix(ARM)
        .or_else(|| url.strip_prefix(GRAPH))
        .unwrap_or_else(|| panic!("unknown origin {url}"));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (_, allowed, required) = SPEC
        .iter()
        .find(|(p, _, _)| matches(p, path))
        .unwrap_or_else(|| panic!("unknown path {url}"));
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (decode(k), decode(v))
        })
        .collect();
    for name in *required {
        assert!(
            pairs.iter().any(|(k, _)| k == name),
            "{name} missing on {url}"
        );
    }
    for (key, value) in &pairs {
        assert!(
            allowed.contains(&key.as_str()),
            "{key} not allowed on {url}"
        );
        match key.as_str() {
            "api-version" if path == "/subscriptions" => assert_eq!(value, "2022-12-01", "{url}"),
            "api-version" => assert_eq!(value, "2015-04-01", "{url}"),
            "$top" => {
                let top: u32 = value.parse().unwrap();
                assert!((1..=top_limit(path)).contains(&top), "{url}");
            }
            "$select" => assert!(
                value
                    .split(',')
                    .all(|p| !p.is_empty() && p.chars().all(char::is_alphanumeric)),
                "{url}"
            ),
            "$filter" if path.starts_with("/subscriptions/") => assert_arm_filter(value, url),
            "$filter" => assert_graph_filter(path, value, url),
            _ => {}
        }
    }
}

/// `eventTimestamp ge '<t1>' and eventTimestamp le '<t2>'`, t1 <= t2, at most
/// a day apart, within 90 days.
fn assert_arm_filter(filter: &str, url: &str) {
    let parts: Vec<&str> = filter.split('\'').collect();
    assert_eq!(parts.len(), 5, "{url}");
    assert_eq!(parts[0], "eventTimestamp ge ", "{url}");
    assert_eq!(parts[2], " and eventTimestamp le ", "{url}");
    assert_eq!(parts[4], "", "{url}");
    let (from, to) = (parse_iso(parts[1]).unwrap(), parse_iso(parts[3]).unwrap());
    assert!(parts[1].ends_with('Z') && parts[1].len() == 20, "{url}");
    assert!(from <= to && to - from <= DAY_MS, "{url}");
    assert!(from >= NOW - 90 * DAY_MS && to <= NOW, "{url}");
}

/// `<createdDateTime|activityDateTime> ge <t>` with an unquoted UTC time.
fn assert_graph_filter(path: &str, filter: &str, url: &str) {
    let field = if path.ends_with("signIns") {
        "createdDateTime"
    } else {
        "activityDateTime"
    };
    let time = filter
        .strip_prefix(&format!("{field} ge "))
        .unwrap_or_else(|| panic!("{url}"));
    let at = parse_iso(time).unwrap();
    assert!((NOW - 30 * DAY_MS..=NOW).contains(&at), "{url}");
}

/// A fake Azure: every list has two pages (the second reached by a link the
/// plugin must follow as-is), subscriptions include a disabled one.
fn fake_azure(url: &str) -> Vec<u8> {
    let second = url.contains("skiptoken=2");
    let link = |base: &str| {
        if second {
            String::new()
        } else {
            let joiner = if base.contains('?') { '&' } else { '?' };
            format!(
                r#","nextLink":"{base}{joiner}$skiptoken=2","@odata.nextLink":"{base}{joiner}$skiptoken=2""#
            )
        }
    };
    let path = url.split('?').next().unwrap();
    let value = if path == format!("{ARM}/subscriptions") {
        r#"[{"subscriptionId":"s1","state":"Enabled"},{"subscriptionId":"s2","state":"Disabled"}]"#
    } else if path.ends_with("/directoryRoles") || path == format!("{GRAPH}/v1.0/groups") {
        r#"[{"id":"p1","displayName":"P"}]"#
    } else {
        r##"[{"@odata.type":"#microsoft.graph.user","id":"u1","userPrincipalName":"a@contoso.com"}]"##
    };
    format!(r#"{{"value":{value}{}}}"#, link(path)).into_bytes()
}

fn is_upstream_link(url: &str) -> bool {
    url.contains("skiptoken")
}

#[test]
fn every_stream_makes_one_spec_valid_request_per_call() {
    let env = SyncEnv {
        now_ms: NOW,
        activity_days: 90,
        signin_days: 30,
    };
    for info in streams::CATALOG.infos() {
        let mut cursor: Option<String> = None;
        let mut calls = 0;
        loop {
            let mut urls = Vec::new();
            let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
                urls.push(url.to_string());
                Ok(fake_azure(url))
            };
            let page = streams::sync(&info.name, cursor.as_deref(), env, &mut fetch).unwrap();
            assert_eq!(urls.len(), 1, "{}: {urls:?}", info.name);
            urls.iter()
                .filter(|u| !is_upstream_link(u))
                .for_each(|u| assert_valid(u));
            calls += 1;
            assert!(calls < 1000, "{} never finished", info.name);
            if !page.more {
                break;
            }
            cursor = page.cursor;
        }
        assert!(calls >= 2, "{} read only {calls} pages", info.name);
    }
}

#[test]
fn the_activity_log_reads_ninety_one_day_windows_per_page_of_each_enabled_subscription() {
    let env = SyncEnv {
        now_ms: NOW,
        activity_days: 90,
        signin_days: 7,
    };
    let mut cursor: Option<String> = None;
    let mut urls = Vec::new();
    loop {
        let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
            urls.push(url.to_string());
            Ok(fake_azure(url))
        };
        let page = streams::sync("activity-log", cursor.as_deref(), env, &mut fetch).unwrap();
        if !page.more {
            break;
        }
        cursor = page.cursor;
    }
    // Two listing pages, then 90 windows of s1, each with two pages; s2 is disabled.
    assert_eq!(urls.len(), 2 + 90 * 2);
    assert!(urls.iter().all(|u| !u.contains("/s2/")));
}

#[test]
fn check_and_assess_requests_are_spec_valid() {
    assert_valid(&subscriptions::subscriptions_url());
    assert_valid("https://graph.microsoft.com/v1.0/users?$top=1");
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(fake_azure(url))
    };
    posture::assess(&mut fetch).unwrap();
    assert_eq!(
        urls.len(),
        6,
        "two role pages, two members pages per role: {urls:?}"
    );
    urls.iter()
        .filter(|u| !is_upstream_link(u))
        .for_each(|u| assert_valid(u));
}

#[test]
fn an_unknown_stream_is_an_invalid_config_error() {
    let env = SyncEnv {
        now_ms: NOW,
        activity_days: 14,
        signin_days: 7,
    };
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(Vec::new()) };
    let kind = streams::sync("meetings", None, env, &mut fetch)
        .err()
        .map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::InvalidConfig));
}

#[test]
fn upstream_errors_from_fetch_reach_the_caller_unchanged() {
    let env = SyncEnv {
        now_ms: NOW,
        activity_days: 14,
        signin_days: 7,
    };
    for stream in [
        "users",
        "groups",
        "group-members",
        "directory-roles",
        "activity-log",
    ] {
        let mut fetch =
            |_: &str| -> Result<Vec<u8>, Error> { Err(Error::rate_limited("slow down")) };
        let error = streams::sync(stream, None, env, &mut fetch).err();
        assert_eq!(error, Some(Error::rate_limited("slow down")), "{stream}");
    }
}

#[test]
fn malformed_bodies_are_upstream_errors_on_every_stream() {
    let env = SyncEnv {
        now_ms: NOW,
        activity_days: 14,
        signin_days: 7,
    };
    for info in streams::CATALOG.infos() {
        for body in [&b"<html>"[..], b"[]", br#"{"value":5}"#] {
            let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(body.to_vec()) };
            let kind = streams::sync(&info.name, None, env, &mut fetch)
                .err()
                .map(|e| e.kind);
            assert_eq!(kind, Some(ErrorKind::Upstream), "{} {body:?}", info.name);
        }
    }
}
