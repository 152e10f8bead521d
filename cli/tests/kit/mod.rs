//! The author kit (issue 15): `plugboard record` and `plugboard plugin test
//! --cassette` against the Zoom simulator, and `plugboard plugin new`.

mod scaffold;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plugboard_sim::zoom::ZoomSimBuilder;
use serde_json::Value;
use tempfile::TempDir;

use crate::support::assert_matches_schema;
use crate::{Sim, add_zoom, add_zoom_instance, assert_one_line_error, json, ok, private_dir, run};

/// Exit code of a plugin's failure (see `cli::exit`).
const PLUGIN: i32 = 4;

/// A home with the Zoom plugin and instance `z` on a simulator, and a
/// cassette of a full scan of it.
struct Recorded {
    sim: Sim,
    home: TempDir,
    cassette: PathBuf,
    /// What `record --json` printed.
    report: Value,
}

fn record() -> Recorded {
    record_with(ZoomSimBuilder::new())
}

fn record_with(builder: ZoomSimBuilder) -> Recorded {
    let sim = Sim::start(builder.users(6, 1, 1).activity_days(2));
    let home = private_dir();
    add_zoom(home.path());
    add_zoom_instance(home.path(), "z", &sim.sim, "pro", "2");
    let cassette = home.path().join("zoom.cassette.json");
    let report = json(&ok(
        home.path(),
        &[
            "record",
            "z",
            "--out",
            &cassette.to_string_lossy(),
            "--json",
        ],
    ));
    assert_matches_schema("record", "record --json", &report);
    Recorded {
        sim,
        home,
        cassette,
        report,
    }
}

/// Each stream's record count in a scan report.
fn counts(scan: &Value) -> BTreeMap<String, u64> {
    scan["streams"]
        .as_array()
        .unwrap_or_else(|| panic!("no streams in {scan}"))
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_string(),
                s["records"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

fn zoom_dir() -> PathBuf {
    crate::support::repo_root().join("plugins/zoom")
}

fn plugin_test(home: &Path, dir: &Path, cassette: &Path) -> std::process::Output {
    run(
        home,
        &[
            "plugin",
            "test",
            &dir.to_string_lossy(),
            "--cassette",
            &cassette.to_string_lossy(),
            "--json",
        ],
    )
}

#[test]
fn a_recorded_zoom_scan_replays_offline_to_the_same_per_stream_counts() {
    let r = record();
    let recorded = counts(&r.report["scan"]);
    assert!(
        recorded.values().sum::<u64>() > 0 && recorded.contains_key("users"),
        "{recorded:?}"
    );
    assert!(r.report["interactions"].as_u64().is_some_and(|n| n > 0));
    let before = r.sim.sim.counters();
    // Another home: the replay needs nothing of the recording one.
    let other = private_dir();
    let out = plugin_test(other.path(), &zoom_dir(), &r.cassette);
    assert!(
        out.status.success(),
        "plugin test failed: {}",
        crate::text(&out.stderr)
    );
    let replay = json(&crate::text(&out.stdout));
    assert_matches_schema("plugin-test", "plugin test --json", &replay);
    assert_eq!(counts(&replay["scan"]), recorded, "per-stream records");
    assert_eq!(
        replay["scan"]["findings"], r.report["scan"]["findings"],
        "findings"
    );
    assert_eq!(replay["unanswered"], serde_json::json!([]));
    assert_eq!(replay["unused"], 0, "every recorded exchange was asked for");
    assert_eq!(replay["scan"]["token_mints"], 0, "a replay mints nothing");
    let after = r.sim.sim.counters();
    assert_eq!(
        (after.total_requests(), after.tokens_minted),
        (before.total_requests(), before.tokens_minted),
        "the replay reached the simulator"
    );
    // The throw-away home is gone; the operator's home was not touched.
    assert!(
        std::fs::read_dir(other.path()).is_ok_and(|mut d| d.next().is_none()),
        "plugin test wrote into the home"
    );
}

#[test]
fn the_cassette_holds_no_secret_value_no_token_and_no_credential_header() {
    // The client id is a word Zoom's answers carry (the rate-limit
    // category header), so the host's scrub has something to replace.
    let r =
        record_with(ZoomSimBuilder::new().credentials("acct-kit", "Medium", "kit-client-secret-1"));
    let text = std::fs::read_to_string(&r.cassette).unwrap_or_default();
    assert!(text.contains("[redacted]"), "nothing was scrubbed");
    let c = r.sim.sim.credentials();
    let counters = r.sim.sim.counters();
    assert!(
        !counters.issued_tokens.is_empty(),
        "the scan minted no token"
    );
    for secret in [&c.client_id, &c.client_secret] {
        assert!(
            !text.contains(secret.as_str()),
            "a secret value is in the cassette"
        );
    }
    for token in &counters.issued_tokens {
        assert!(!text.contains(token.as_str()), "a token is in the cassette");
    }
    let lower = text.to_ascii_lowercase();
    for header in ["authorization", "cookie", "bearer "] {
        assert!(!lower.contains(header), "{header:?} is in the cassette");
    }
    // The settings are there (a replay renders the same URLs), the secret names only.
    assert!(
        text.contains(&c.account_id),
        "the account setting is missing"
    );
    #[cfg(unix)]
    assert_eq!(crate::mode(&r.cassette) & 0o777, 0o600, "cassette mode");
}

#[test]
fn a_request_missing_from_the_cassette_fails_with_blame_plugin_and_names_it() {
    let r = record();
    let mut cassette: Value =
        serde_json::from_str(&std::fs::read_to_string(&r.cassette).unwrap_or_default())
            .unwrap_or_default();
    let all = cassette["http_interactions"]
        .as_array_mut()
        .unwrap_or_else(|| panic!("no interactions"));
    let at = all
        .iter()
        .position(|i| {
            i["request"]["uri"]
                .as_str()
                .is_some_and(|u| u.contains("/v2/users?"))
        })
        .unwrap_or_else(|| panic!("no users request recorded"));
    let removed = all.remove(at);
    let uri = removed["request"]["uri"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let cut = r.home.path().join("cut.cassette.json");
    std::fs::write(&cut, cassette.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let other = private_dir();
    let out = plugin_test(other.path(), &zoom_dir(), &cut);
    assert_one_line_error(
        &out,
        PLUGIN,
        &["no answer for", &format!("GET {uri}"), "plugboard record"],
    );
}

#[test]
fn the_replay_clock_is_the_recorded_one_so_date_windows_ask_for_the_recorded_urls() {
    let r = record();
    let mut cassette: Value =
        serde_json::from_str(&std::fs::read_to_string(&r.cassette).unwrap_or_default())
            .unwrap_or_default();
    // As recorded, the same report windows; three days later, others.
    let at = cassette["recorded_at_ms"].as_u64().unwrap_or_default();
    cassette["recorded_at_ms"] = (at + 3 * 86_400_000).into();
    let later = r.home.path().join("later.cassette.json");
    std::fs::write(&later, cassette.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let other = private_dir();
    let out = plugin_test(other.path(), &zoom_dir(), &later);
    assert_one_line_error(&out, PLUGIN, &["no answer for", "/v2/report/"]);
}

#[test]
fn a_cassette_of_another_plugin_or_no_cassette_is_refused_as_the_operators() {
    let home = private_dir();
    let missing = home.path().join("none.json");
    let out = plugin_test(home.path(), &zoom_dir(), &missing);
    assert_one_line_error(&out, crate::OPERATOR, &["none.json", "cannot read"]);
    let other = home.path().join("other.json");
    std::fs::write(
        &other,
        r#"{"format":"plugboard-cassette/1","plugin":"azure","version":"1.0.0","recorded_at_ms":0,"settings":{},"secrets":[],"http_interactions":[]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = plugin_test(home.path(), &zoom_dir(), &other);
    assert_one_line_error(&out, crate::OPERATOR, &["recorded with plugin `azure`"]);
    // A cassette is a file from outside: its plugin field reaches the
    // terminal neutralised, never as an escape sequence or a second line.
    let forged = home.path().join("forged.json");
    std::fs::write(
        &forged,
        r#"{"format":"plugboard-cassette/1","plugin":"azure\u001b[2J\nerror (host): forged","version":"1.0.0","recorded_at_ms":0,"settings":{},"secrets":[],"http_interactions":[]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = plugin_test(home.path(), &zoom_dir(), &forged);
    assert_one_line_error(&out, crate::OPERATOR, &["recorded with plugin `azure"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}
