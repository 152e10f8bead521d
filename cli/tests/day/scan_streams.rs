//! `plugboard scan --stream NAME`, and what each stream cost.

use plugboard_sim::zoom::ZoomSimBuilder;
use serde_json::Value;

use super::Setup;
use crate::support::assert_matches_schema;
use crate::{OPERATOR, assert_one_line_error, count_rows, json, ok, run};

/// The simulator's log entries a stream's requests made: `groups` asks
/// `/v2/groups`, `roles` asks `/v2/roles` and `/v2/roles/{id}/members`.
fn is_streams(stream: &str, path: &str) -> bool {
    match stream {
        "groups" => path == "/v2/groups",
        "roles" => path == "/v2/roles" || path.starts_with("/v2/roles/"),
        other => panic!("no paths known for stream {other}"),
    }
}

#[test]
fn scan_stream_syncs_only_the_named_streams_and_reports_each_streams_requests_and_429s() {
    let s = Setup::new(ZoomSimBuilder::new().users(6, 1, 0).activity_days(1));
    let home = s.home();
    // Every second one of the first four API requests is throttled: they land on
    // the streams (or `check`); the simulator's log says which.
    s.sim.sim.faults().throttle_requests(1, 2, 4);
    let report = json(&ok(
        home,
        &[
            "scan", "z", "--stream", "roles", "--stream", "groups", "--stream", "roles", "--json",
        ],
    ));
    assert_matches_schema("scan", "scan --stream --json", &report);
    let streams = report["streams"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = streams.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(
        names,
        ["groups", "roles"],
        "sync order, each once: {report}"
    );
    assert_eq!(
        report["findings"],
        Value::Null,
        "posture is not assessed: {report}"
    );

    let log = s.sim.sim.request_log();
    let mut throttled_on_streams = 0;
    for stream in &streams {
        let name = stream["name"].as_str().unwrap_or_default();
        let sent = log.iter().filter(|r| is_streams(name, &r.path));
        let (requests, throttled) = sent.fold((0u64, 0u64), |(n, t), r| {
            (n + 1, t + u64::from(r.status == 429))
        });
        assert_eq!(stream["requests"], requests, "{name}: {stream}");
        assert_eq!(stream["throttled"], throttled, "{name}: {stream}");
        assert!(stream["elapsed_ms"].is_u64(), "{stream}");
        assert_eq!(stream["status"], "completed", "{stream}");
        throttled_on_streams += throttled;
    }
    assert!(throttled_on_streams > 0, "no 429 reached a stream: {log:?}");
    assert_eq!(report["http"]["requests"], log.len() as u64, "{report}");
    // The other streams did not run: only `check`'s one-user page of
    // /v2/users, no report, no group members.
    for r in &log {
        let checks =
            r.path == "/v2/users" && r.query.iter().any(|(k, v)| k == "page_size" && v == "1");
        assert!(
            checks || is_streams("groups", &r.path) || is_streams("roles", &r.path),
            "a request of another stream: {r:?}"
        );
    }
    assert_eq!(
        count_rows(
            home,
            "SELECT COUNT(*) FROM checkpoints WHERE stream IN ('groups', 'roles')"
        ),
        2
    );
    assert_eq!(count_rows(home, "SELECT COUNT(*) FROM checkpoints"), 2);
    assert_eq!(count_rows(home, "SELECT COUNT(*) FROM findings"), 0);

    // The table says the same per stream, and that posture was left alone.
    let shown = ok(home, &["scan", "z", "--stream", "groups"]);
    for want in [
        "stream",
        "requests",
        "429s",
        "elapsed",
        "groups",
        "posture not assessed",
    ] {
        assert!(shown.contains(want), "{want:?} not in\n{shown}");
    }
    assert!(!shown.contains("roles"), "{shown}");
}

#[test]
fn an_unknown_stream_is_an_operators_error_that_lists_the_plugins_streams() {
    let s = Setup::new(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1));
    let home = s.home();
    let out = run(
        home,
        &[
            "scan", "z", "--stream", "groups", "--stream", "userz", "--full",
        ],
    );
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "error (operator): plugin zoom has no stream \"userz\"",
            "its streams are users, groups, group-members, roles, sign-ins, operation-logs",
        ],
    );
    let stderr = crate::text(&out.stderr);
    assert_eq!(
        stderr.matches("has no stream").count(),
        1,
        "said twice: {stderr}"
    );
    assert!(s.sim.sim.request_log().is_empty(), "a request was sent");
    assert_eq!(s.sim.sim.counters().tokens_minted, 0, "a token was minted");
    assert_eq!(
        count_rows(home, "SELECT COUNT(*) FROM sync_runs"),
        0,
        "a run was recorded"
    );
}
