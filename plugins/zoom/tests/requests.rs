//! Every request the plugin builds is valid against Zoom's OpenAPI document
//! (`api-specs/zoom.json`): known path, known query parameters, bounds kept.

#![allow(clippy::unwrap_used, reason = "tests")]

use plugboard_sdk::stream::Env;
use plugboard_sdk::time::DAY_MS;
use plugboard_sdk::{Error, ErrorKind};
use plugboard_zoom::streams::CATALOG;

/// (path pattern, allowed query parameters), from the OpenAPI document.
const SPEC: &[(&str, &[&str])] = &[
    (
        "/v2/users",
        &[
            "status",
            "page_size",
            "role_id",
            "page_number",
            "include_fields",
            "next_page_token",
        ],
    ),
    ("/v2/groups", &[]),
    (
        "/v2/groups/*/members",
        &["page_size", "page_number", "next_page_token"],
    ),
    ("/v2/roles", &[]),
    (
        "/v2/roles/*/members",
        &["page_count", "page_number", "next_page_token", "page_size"],
    ),
    (
        "/v2/report/activities",
        &["from", "to", "page_size", "next_page_token"],
    ),
    (
        "/v2/report/operationlogs",
        &[
            "from",
            "to",
            "page_size",
            "next_page_token",
            "category_type",
        ],
    ),
    (
        "/v2/accounts/*/settings",
        &["option", "custom_query_fields"],
    ),
];

fn matches(pattern: &str, path: &str) -> bool {
    let (p, q): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == q.len() && p.iter().zip(&q).all(|(a, b)| *a == "*" || a == b)
}

fn assert_valid(url: &str) {
    let rest = url.strip_prefix("https://api.zoom.us").unwrap();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (_, allowed) = SPEC
        .iter()
        .find(|(p, _)| matches(p, path))
        .unwrap_or_else(|| panic!("unknown path {url}"));
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap();
        assert!(allowed.contains(&key), "{key} not allowed on {url}");
        match key {
            "page_size" => assert!((1..=300).contains(&value.parse::<u32>().unwrap()), "{url}"),
            "status" => assert!(["active", "inactive", "pending"].contains(&value), "{url}"),
            "category_type" => assert_eq!(value, "all", "{url}"),
            "from" | "to" => assert!(plugboard_sdk::time::parse_date(value).is_some(), "{url}"),
            _ => {}
        }
    }
    if let (Some(from), Some(to)) = (param(query, "from"), param(query, "to")) {
        let span = plugboard_sdk::time::parse_date(to).unwrap()
            - plugboard_sdk::time::parse_date(from).unwrap();
        assert!((0..28).contains(&span), "window over a month: {url}");
    }
}

fn param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|p| p.strip_prefix(key)?.strip_prefix('='))
}

/// A fake Zoom: two pages everywhere, a couple of groups and roles.
fn fake_zoom(url: &str) -> Vec<u8> {
    let token = if url.contains("next_page_token") {
        ""
    } else {
        "next"
    };
    let body = if url.ends_with("/groups") {
        r#"{"groups":[{"id":"g1","name":"A"},{"id":"g/2","name":"B"}]}"#.to_string()
    } else if url.ends_with("/roles") {
        r#"{"roles":[{"id":"1","name":"Admin"},{"id":"2","name":"Member"}]}"#.to_string()
    } else {
        format!(
            r#"{{"next_page_token":"{token}","users":[{{"id":"u"}}],"members":[{{"id":"u"}}],"activity_logs":[],"operation_logs":[]}}"#
        )
    };
    body.into_bytes()
}

#[test]
fn every_stream_makes_one_spec_valid_request_per_call() {
    let env = Env {
        now_ms: 20_513 * DAY_MS,
        lookback_days: 180,
    };
    for info in CATALOG.infos() {
        let mut cursor: Option<String> = None;
        let mut calls = 0;
        loop {
            let mut urls = Vec::new();
            let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
                urls.push(url.to_string());
                Ok(fake_zoom(url))
            };
            let page = CATALOG
                .sync(&info.name, cursor.as_deref(), env, &mut fetch)
                .unwrap();
            assert_eq!(urls.len(), 1, "{}: {urls:?}", info.name);
            urls.iter().for_each(|u| assert_valid(u));
            calls += 1;
            assert!(calls < 100, "{} never finished", info.name);
            if !page.more {
                break;
            }
            cursor = page.cursor;
        }
    }
}

#[test]
fn an_unknown_stream_is_an_invalid_config_error() {
    let env = Env {
        now_ms: 20_513 * DAY_MS,
        lookback_days: 30,
    };
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(Vec::new()) };
    let kind = CATALOG
        .sync("meetings", None, env, &mut fetch)
        .err()
        .map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::InvalidConfig));
}

#[test]
fn upstream_errors_from_fetch_reach_the_caller_unchanged() {
    let env = Env {
        now_ms: 20_513 * DAY_MS,
        lookback_days: 30,
    };
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Err(Error::rate_limited("slow down")) };
    let error = CATALOG.sync("users", None, env, &mut fetch).err();
    assert_eq!(error, Some(Error::rate_limited("slow down")));
}
