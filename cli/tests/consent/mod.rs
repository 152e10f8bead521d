//! `plugboard instance connect` (issue 14 B, the consent flow): the binary
//! prints the authorize URL and waits on loopback; a test acting as the
//! admin's browser submits the simulator's consent form and follows the
//! redirect to the callback. Then scans in separate processes rotate the
//! refresh token, and a revoked one leaves the instance "reconnect needed".

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use plugboard_sim::browser::{Decision, consent, follow, form_body};
use plugboard_sim::zoom::ZoomSim;
use plugboard_sim::zoom::ZoomSimBuilder;
use serde_json::Value;

use crate::{
    OPERATOR, Sim, add_zoom, assert_one_line_error, command, json, ok, private_dir, run, text,
};

/// Add Zoom instance `name` that authenticates with `sim`'s OAuth app.
fn add_oauth_instance(home: &Path, name: &str, sim: &ZoomSim) {
    let app = sim.oauth_app();
    let base = sim.base_url();
    let out = command(
        home,
        &[
            "instance",
            "add",
            name,
            "--plugin",
            "zoom",
            "--config",
            "auth=oauth-app",
            "--config",
            &format!("account_id={}", sim.credentials().account_id),
            "--config",
            "activity_days=1",
            "--secret",
            &format!("client_id={}", app.client_id),
            "--secret-env",
            "client_secret=CLI_TEST_OAUTH_SECRET",
            "--upstream",
            &format!("https://api.zoom.us={base}"),
            "--upstream",
            &format!("https://zoom.us={base}"),
        ],
    )
    .env("CLI_TEST_OAUTH_SECRET", &app.client_secret)
    .output()
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "instance add: {}", text(&out.stderr));
}

/// `instance connect NAME` started; returns the child and the authorize URL
/// it printed (read line by line as it is written).
fn start_connect(home: &Path, name: &str, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["instance", "connect", name, "--no-browser"];
    args.extend_from_slice(extra);
    let mut child = command(home, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) if line.trim_start().starts_with("http") => {
                break line.trim().to_string();
            }
            Some(Ok(_)) => {}
            other => panic!("connect printed no authorize URL: {other:?}"),
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn connection(home: &Path, name: &str) -> Value {
    let list = json(&ok(home, &["instance", "list", "--json"]));
    list.as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == name))
        .map(|i| i["connections"][0].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn connect_then_scans_in_new_processes_rotate_the_refresh_token_until_it_is_revoked() {
    let sim = Sim::start(ZoomSimBuilder::new().users(12, 2, 1).activity_days(1));
    let home = private_dir();
    add_zoom(home.path());
    add_oauth_instance(home.path(), "z", &sim.sim);
    assert_eq!(connection(home.path(), "z")["status"], "not-connected");
    let refused = run(home.path(), &["scan", "z"]);
    assert_one_line_error(
        &refused,
        OPERATOR,
        &["not connected", "plugboard instance connect z"],
    );

    let (child, url) = start_connect(home.path(), "z", &["--timeout", "120"]);
    let (status, page) = sim._runtime.block_on(async {
        let location = consent(&url, Decision::Allow)
            .await
            .unwrap_or_else(|e| panic!("the consent page: {e}"));
        assert!(location.starts_with("http://127.0.0.1:"), "{location}");
        follow(&location)
            .await
            .unwrap_or_else(|e| panic!("the callback: {e}"))
    });
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Connected"), "{page}");
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "connect: {}", text(&out.stderr));
    assert_eq!(connection(home.path(), "z")["status"], "connected");

    // Two scans, two processes: each refreshes once with the token the
    // previous one stored.
    let mut shown = String::new();
    for n in 2..=3 {
        let out = run(home.path(), &["scan", "z"]);
        assert!(out.status.success(), "scan: {}", text(&out.stderr));
        shown.push_str(&text(&out.stdout));
        shown.push_str(&text(&out.stderr));
        assert_eq!(sim.sim.counters().issued_refresh_tokens.len(), n);
    }
    let issued = sim.sim.counters().issued_refresh_tokens;
    assert!(sim.sim.refresh_token_is_live(&issued[2]));
    let app = sim.sim.oauth_app();
    let old = sim._runtime.block_on(async {
        reqwest::Client::new()
            .post(format!("{}/oauth/token", sim.sim.base_url()))
            .basic_auth(&app.client_id, Some(&app.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", issued[1].as_str()),
            ]))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or_else(|e| panic!("{e}"))
    });
    assert_eq!(old, 400, "the rotated-away token still works");

    // Revoked: the next scan fails on it and marks the instance; later
    // scans ask the token endpoint nothing.
    assert_eq!(sim.sim.revoke_refresh_tokens(), 1);
    let failed = run(home.path(), &["scan", "z"]);
    assert_eq!(
        failed.status.code(),
        Some(OPERATOR),
        "{}",
        text(&failed.stderr)
    );
    let marked = connection(home.path(), "z");
    assert_eq!(marked["status"], "reconnect-needed", "{marked}");
    let asked = sim.sim.counters().oauth_app_token_requests;
    let again = run(home.path(), &["scan", "z"]);
    assert_one_line_error(
        &again,
        OPERATOR,
        &["must be connected again", "plugboard instance connect z"],
    );
    assert_eq!(sim.sim.counters().oauth_app_token_requests, asked);
    let show = ok(home.path(), &["instance", "show", "z"]);
    assert!(show.contains("reconnect needed"), "{show}");
    for out in [&failed, &again] {
        shown.push_str(&text(&out.stdout));
        shown.push_str(&text(&out.stderr));
    }
    shown.push_str(&show);
    shown.push_str(&ok(home.path(), &["instance", "show", "z", "--json"]));
    for token in &issued {
        assert!(!shown.contains(token.as_str()), "a refresh token was shown");
    }
}

#[test]
fn a_forged_callback_or_no_callback_ends_connect_with_an_operators_error() {
    let sim = Sim::start(ZoomSimBuilder::new().users(1, 0, 0).activity_days(1));
    let home = private_dir();
    add_zoom(home.path());
    add_oauth_instance(home.path(), "z", &sim.sim);

    let (child, url) = start_connect(home.path(), "z", &["--timeout", "120"]);
    let redirect = url
        .split('&')
        .find_map(|p| p.strip_prefix("redirect_uri="))
        .map(|r| r.replace("%3A", ":").replace("%2F", "/"))
        .unwrap_or_else(|| panic!("no redirect_uri in {url}"));
    let (status, page) = sim._runtime.block_on(async {
        follow(&format!("{redirect}?code=stolen&state=not-the-one"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    });
    assert_eq!(status, 200);
    assert!(page.contains("Not connected"), "{page}");
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_one_line_error(
        &out,
        OPERATOR,
        &["another state", "start the connect again"],
    );
    assert_eq!(sim.sim.counters().oauth_app_token_requests, 0);

    let (child, _) = start_connect(home.path(), "z", &["--timeout", "1"]);
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_one_line_error(&out, OPERATOR, &["no consent callback", "within 1 s"]);
    assert_eq!(connection(home.path(), "z")["status"], "not-connected");

    let out = run(
        home.path(),
        &["instance", "connect", "z", "--listen", "0.0.0.0:0"],
    );
    assert_one_line_error(&out, OPERATOR, &["not a loopback address"]);
}
