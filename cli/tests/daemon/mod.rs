//! End-to-end tests of `plugboard serve`: instances added over the API are
//! scanned on their own, can be disabled and re-enabled, plugins upgrade and
//! roll back at runtime, and the API refuses calls without a valid token.

#![allow(
    clippy::expect_used,
    reason = "tests: a failed step should stop the test with its message"
)]

use crate::support;

use std::time::Duration;

use plugboard_sim::azure::AzureSimBuilder;
use plugboard_sim::zoom::ZoomSimBuilder;
use reqwest::Method;
use serde_json::{Value, json};
use support::{Daemon, create_token, manifest, private_dir, wasm};

const WAIT: Duration = Duration::from_secs(120);

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_runs_two_zoom_accounts_and_an_azure_tenant_through_the_api() {
    let home = private_dir();
    let token = create_token(home.path());
    let loopback = ([127, 0, 0, 1], 0).into();
    let zoom_a = ZoomSimBuilder::new()
        .credentials("acct-a", "client-a", "secret-a-0123456789")
        .users(120, 10, 5)
        .activity_days(5)
        .start(loopback)
        .await
        .expect("zoom a");
    let zoom_b = ZoomSimBuilder::new()
        .credentials("acct-b", "client-b", "secret-b-0123456789")
        .users(80, 5, 5)
        .activity_days(5)
        .seed(7)
        .start(loopback)
        .await
        .expect("zoom b");
    let azure = AzureSimBuilder::new().start(loopback).await.expect("azure");
    let mut d = Daemon::start(home.path(), &token, &["--activities-every", "2s"]);

    // Plugins: approval is required, then added at runtime.
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"x");
    let (status, body) = d
        .post(
            "/v1/plugins",
            json!({ "manifest": manifest("zoom"), "wasm_base64": b64, "allow_unsigned": true }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("approve"),
        "{body}"
    );
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let (status, body) = d.add_plugin(&manifest("zoom"), &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
    // The Azure plugin goes through the CLI's remote mode (the same API).
    let azure_dir = support::repo_root().join("plugins/azure");
    let cli = |yes: bool| {
        let mut c = support::plugboard(home.path());
        c.args(["plugin", "add", "--allow-unsigned"])
            .arg(&azure_dir)
            .arg("--wasm")
            .arg(support::wasm_path("plugboard_azure.wasm"))
            .args(["--server", &d.base])
            .env("PLUGBOARD_TOKEN", &token);
        if yes {
            c.arg("--yes");
        }
        c.output().expect("plugboard plugin add --server")
    };
    let refused = cli(false);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    let added = cli(true);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(String::from_utf8_lossy(&added.stdout).contains("added plugin azure"));

    // Three instances, two of the same plugin.
    let (status, body) = d
        .add_zoom("zoom-a", &zoom_a, "pro", json!({ "activity_days": "5" }))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = d
        .add_zoom("zoom-b", &zoom_b, "pro", json!({ "activity_days": "5" }))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = d.add_azure("azure-1", &azure).await;
    assert_eq!(status, 201, "{body}");

    // The same Zoom client and account twice would revoke each other's tokens.
    let (status, body) = d.add_zoom("zoom-a-again", &zoom_a, "pro", json!({})).await;
    assert_eq!(status, 409, "{body}");
    let msg = body["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("zoom-a") && msg.contains("revoke"), "{msg}");
    assert_eq!(body["error"]["blame"], "operator");
    // Wrong credentials are refused at add, and nothing is kept.
    let (status, body) = d
        .post(
            "/v1/instances",
            json!({
                "id": "zoom-bad", "plugin": "zoom",
                "config": { "account_id": "acct-a" },
                "secrets": { "client_id": "client-x", "client_secret": "wrong-secret" },
                "upstreams": { "https://api.zoom.us": zoom_a.base_url(), "https://zoom.us": zoom_a.base_url() },
            }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("credentials check"),
        "{body}"
    );
    let (status, _) = d.call(Method::GET, "/v1/instances/zoom-bad", None).await;
    assert_eq!(status, 404);

    // First scans: accounts, then activities, then posture, on their own.
    for id in ["zoom-a", "zoom-b", "azure-1"] {
        for phase in ["accounts", "activities", "posture"] {
            d.wait_phase(id, phase, "", WAIT).await;
        }
    }
    for (id, sim) in [("zoom-a", &zoom_a), ("zoom-b", &zoom_b)] {
        let summary = sim.summary();
        let accounts = d.all(&format!("/v1/instances/{id}/accounts")).await;
        assert_eq!(accounts.len(), summary.users, "{id} accounts");
        let activities = d.all(&format!("/v1/instances/{id}/activities")).await;
        assert_eq!(activities.len(), summary.activities, "{id} activities");
        let findings = d.get(&format!("/v1/instances/{id}/findings")).await;
        assert!(
            !findings["items"].as_array().is_some_and(Vec::is_empty),
            "{findings}"
        );
    }
    let azure_users = d.all("/v1/instances/azure-1/accounts").await;
    assert!(azure_users.len() >= 400, "{}", azure_users.len());

    // Filters: by actor and by time.
    let first = d.get("/v1/instances/zoom-a/activities?limit=1").await;
    let actor = first["items"][0]["actor"]
        .as_str()
        .expect("actor")
        .to_string();
    let by_actor = d
        .all(&format!(
            "/v1/instances/zoom-a/activities?actor={}",
            urlencode(&actor)
        ))
        .await;
    assert!(!by_actor.is_empty() && by_actor.iter().all(|a| a["actor"] == actor.as_str()));
    let (status, body) = d
        .call(
            Method::GET,
            "/v1/instances/zoom-a/activities?since=yesterday",
            None,
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let future = d
        .get("/v1/instances/zoom-a/activities?since=2999-01-01T00:00:00%2B02:00")
        .await;
    assert_eq!(future["items"].as_array().map(Vec::len), Some(0));

    // Disable zoom-b: no more requests reach its app; data stays.
    let status = d.act("/v1/instances/zoom-b/disable").await;
    assert_eq!(status.0, 200, "{}", status.1);
    assert_eq!(status.1["state"], "disabled");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = zoom_b.counters().total_requests();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        zoom_b.counters().total_requests(),
        before,
        "a disabled instance kept working"
    );
    let kept = d.all("/v1/instances/zoom-b/accounts").await;
    assert_eq!(kept.len(), zoom_b.summary().users);
    // Re-enable: it resumes and runs its activity phase again.
    let mark = now();
    let (status, body) = d.act("/v1/instances/zoom-b/enable").await;
    assert_eq!(status, 200, "{body}");
    d.wait_phase("zoom-b", "activities", &mark, WAIT).await;
    assert!(zoom_b.counters().total_requests() > before);
    assert_eq!(
        d.all("/v1/instances/zoom-b/activities").await.len(),
        zoom_b.summary().activities,
        "incremental runs must not duplicate activities"
    );

    // A version asking for more than was approved waits until approved.
    let greedy = manifest("zoom")
        .replace("version = \"0.1.0\"", "version = \"0.1.1\"")
        .replace(
            "methods = [\"GET\", \"PUT\"]",
            "methods = [\"GET\", \"PUT\", \"DELETE\"]",
        );
    let (status, body) = d
        .post(
            "/v1/plugins",
            json!({ "manifest": greedy, "wasm_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &zoom_wasm), "allow_unsigned": true }),
        )
        .await;
    assert_eq!(status, 202, "kept pending: {body}");
    let msg = body["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("asks for more") && msg.contains("DELETE"),
        "{msg}"
    );
    assert_eq!(d.get("/v1/plugins/zoom").await["version"], "0.1.0");

    // Upgrade at runtime: version 0.2.0 becomes current and instances switch.
    let v2 = manifest("zoom").replace("version = \"0.1.0\"", "version = \"0.2.0\"");
    let (status, body) = d.add_plugin(&v2, &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["version"], "0.2.0");
    let mark = now();
    let (status, _) = d.act("/v1/instances/zoom-a/scan").await;
    assert_eq!(status, 202);
    let st = d.wait_phase("zoom-a", "accounts", &mark, WAIT).await;
    let st = if st["plugin_version"] == "0.2.0" {
        st
    } else {
        d.wait_phase("zoom-a", "activities", &now(), WAIT).await
    };
    assert_eq!(st["plugin_version"], "0.2.0", "{st:#}");

    // A broken version (its network grant is gone) fails with blame plugin,
    // and rolling back makes the instance healthy again.
    let broken = v2
        .replace("version = \"0.2.0\"", "version = \"0.3.0\"")
        .replace(
            "url = \"https://api.zoom.us/v2/\"",
            "url = \"https://api.zoom.us/v2/nothing/\"",
        );
    let (status, body) = d.add_plugin(&broken, &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
    let _ = d.act("/v1/instances/zoom-a/scan").await;
    let failed = d
        .wait_for("zoom-a", "failed by the plugin", WAIT, |p| {
            p["last_error_blame"] == "plugin"
        })
        .await;
    assert_eq!(failed["plugin_version"], "0.3.0", "{failed:#}");
    let (status, body) = d
        .post("/v1/plugins/zoom/rollback", json!({ "version": "0.2.0" }))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], "0.2.0");
    let mark = now();
    let _ = d.act("/v1/instances/zoom-a/scan").await;
    let st = d.wait_phase("zoom-a", "accounts", &mark, WAIT).await;
    assert_eq!(st["plugin_version"], "0.2.0", "{st:#}");

    // Metrics and the OpenAPI document need the token too.
    let metrics = reqwest::Client::new()
        .get(format!("{}/metrics", d.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .unwrap_or_default();
    for needle in [
        "plugboard_upstream_requests_total{instance=\"zoom-a\"}",
        "plugboard_bucket_requests_total{instance=\"azure-1\"",
        "plugboard_token_renewals_total{instance=\"zoom-b\"}",
        "plugboard_records_total{instance=\"zoom-a\",stream=\"users\"}",
        "plugboard_phase_duration_seconds_count{instance=\"azure-1\",phase=\"accounts\"}",
    ] {
        assert!(metrics.contains(needle), "missing {needle} in:\n{metrics}");
    }
    assert!(!metrics.contains("secret-a-0123456789"));
    let openapi = d.get("/openapi.json").await;
    assert_eq!(openapi["openapi"], "3.1.0");

    // SIGTERM: a clean, prompt exit.
    let exit = d.signal("TERM");
    assert!(exit.success(), "{exit:?}");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_without_a_valid_token_get_401_health_and_readiness_answer_and_unknown_instances_404()
{
    let home = private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/healthz", d.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    // Readiness needs no token either: the database answers at this
    // binary's schema (the answer is held to /openapi.json too).
    let ready = client
        .get(format!("{}/readyz", d.base))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status().as_u16(), 200);
    let (status, ready) = d.call(Method::GET, "/readyz", None).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(
        (&ready["status"], &ready["database"], &ready["node"]),
        (&json!("ready"), &json!("sqlite"), &Value::Null),
        "one node on SQLite: {ready}"
    );
    assert_eq!(
        ready["schema_version"],
        plugboard_core::store::latest_version(),
        "{ready}"
    );
    for (path, auth) in [
        ("/v1/instances", None),
        ("/v1/instances", Some("Bearer pb_00000000_wrong")),
        ("/v1/instances", Some(token.as_str())), // no "Bearer " scheme
        ("/metrics", None),
        ("/openapi.json", None),
    ] {
        let mut req = client.get(format!("{}{path}", d.base));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.expect("request");
        assert_eq!(resp.status().as_u16(), 401, "{path} {auth:?}");
        let body: serde_json::Value = resp.json().await.expect("json body");
        assert_eq!(body["error"]["blame"], "operator");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("token create")
        );
    }
    for (method, path) in [
        (Method::GET, "/v1/instances/nope"),
        (Method::DELETE, "/v1/instances/nope"),
        (Method::POST, "/v1/instances/nope/disable"),
        (Method::GET, "/v1/instances/nope/activities"),
        (Method::GET, "/v1/plugins/nope"),
    ] {
        let (status, body) = d.call(method.clone(), path, None).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("nope"),
            "{method} {path}: {body}"
        );
    }
    let (status, body) = d
        .call(Method::POST, "/v1/instances", Some(json!({ "id": "x" })))
        .await;
    assert_eq!(status, 400, "{body}");
    // A revoked token stops working at once.
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_plugboard"))
        .env("PLUGBOARD_HOME", home.path())
        .args(["token", "revoke", token.split('_').nth(1).unwrap_or("")])
        .output()
        .expect("revoke");
    assert!(list.status.success());
    let (status, _) = d.call(Method::GET, "/v1/instances", None).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_killed_mid_scan_resumes_from_its_checkpoint_without_duplicates() {
    let home = private_dir();
    let token = create_token(home.path());
    let (sim, mut d) = slow_zoom_scan(home.path(), &token, 600).await;
    let total = sim.summary().activities;
    let killed = d.signal("KILL");
    assert!(!killed.success());
    let reports_before = report_requests(&sim);
    let status = {
        let store =
            plugboard_core::store::Store::open(&home.path().join("plugboard.db")).expect("store");
        let done = store
            .schedule("zoom")
            .expect("schedule")
            .into_iter()
            .any(|r| r.phase == "activities" && r.last_success_at.is_some());
        assert!(
            !done,
            "the activity phase finished before the kill; nothing to resume"
        );
        store.checkpoints("zoom").expect("checkpoints")
    };
    assert!(
        status.iter().any(|(_, c)| c.in_progress),
        "no stream was mid-way at the kill: {status:?}"
    );

    // Restart: the interrupted phase is due at once and resumes at its cursor.
    let d = Daemon::start(home.path(), &token, &[]);
    d.wait_phase("zoom", "activities", "", WAIT).await;
    let after: Vec<_> = sim.request_log().into_iter().filter(is_report).collect();
    let resumed = &after[reports_before..];
    let first = resumed.first().expect("report requests after the restart");
    assert!(
        first
            .query
            .iter()
            .any(|(k, v)| k == "next_page_token" && !v.is_empty()),
        "the first report request after the restart started over: {first:?}"
    );
    let activities = d.all("/v1/instances/zoom/activities").await;
    assert_eq!(activities.len(), total, "missing or extra activities");
    let mut ids: Vec<_> = activities.iter().filter_map(|a| a["id"].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "duplicate activity ids");
}

/// `builder`'s Zoom simulator, on a free loopback port.
async fn start_sim(builder: ZoomSimBuilder) -> plugboard_sim::zoom::ZoomSim {
    builder
        .start(([127, 0, 0, 1], 0).into())
        .await
        .expect("zoom simulator")
}

/// Daemon `d` with the Zoom plugin added and an instance `id` of it on
/// `sim` (`plan`, `days` of activity).
async fn with_zoom(
    d: Daemon,
    sim: &plugboard_sim::zoom::ZoomSim,
    (id, plan, days): (&str, &str, &str),
) -> Daemon {
    let (status, body) = d
        .add_plugin(&manifest("zoom"), &wasm("plugboard_zoom.wasm"))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = d
        .add_zoom(id, sim, plan, json!({ "activity_days": days }))
        .await;
    assert_eq!(status, 201, "{body}");
    d
}

/// A daemon scanning a Zoom simulator at free-plan pace (about one report
/// page per 1.25 s, so a stop lands between pages), returned once at least
/// `activities` activities are committed.
async fn slow_zoom_scan(
    home: &std::path::Path,
    token: &str,
    activities: usize,
) -> (plugboard_sim::zoom::ZoomSim, Daemon) {
    let sim = start_sim(ZoomSimBuilder::new().users(40, 5, 5).activity_days(10)).await;
    let d = with_zoom(
        Daemon::start(home, token, &[]),
        &sim,
        ("zoom", "free", "10"),
    )
    .await;
    let start = std::time::Instant::now();
    loop {
        let page = d
            .get(&format!("/v1/instances/zoom/activities?limit={activities}"))
            .await;
        if page["items"].as_array().map_or(0, Vec::len) >= activities {
            return (sim, d);
        }
        assert!(start.elapsed() < WAIT, "no activity pages were committed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn is_report(r: &plugboard_sim::zoom::RecordedRequest) -> bool {
    r.path == "/v2/report/activities"
}

fn report_requests(sim: &plugboard_sim::zoom::ZoomSim) -> usize {
    sim.request_log().into_iter().filter(is_report).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_page_in_flight_and_exits_cleanly() {
    let home = private_dir();
    let token = create_token(home.path());
    let (_sim, mut d) = slow_zoom_scan(home.path(), &token, 300).await;
    let exit = d.signal("TERM");
    assert!(exit.success(), "{exit:?}");
    let store =
        plugboard_core::store::Store::open(&home.path().join("plugboard.db")).expect("store");
    let runs = store.last_runs("zoom", 10).expect("runs");
    assert!(
        runs.iter()
            .all(|r| r.status != plugboard_core::store::RunStatus::Running),
        "a run was left open: {runs:?}"
    );
    let checkpoints = store.checkpoints("zoom").expect("checkpoints");
    assert!(
        checkpoints.iter().any(|(_, c)| c.in_progress),
        "no stream was checkpointed mid-way: {checkpoints:?}"
    );
}

#[test]
fn the_openapi_document_describes_every_route_and_rejects_wrong_answers() {
    let spec = support::api_spec();
    let ops = spec.operations();
    for op in [
        "GET /healthz",
        "GET /metrics",
        "POST /v1/plugins",
        "POST /v1/plugins/{id}/rollback",
        "POST /v1/plugins/{id}/pending/approve",
        "POST /v1/plugins/{id}/pending/refuse",
        "DELETE /v1/instances/{id}",
        "POST /v1/instances/{id}/scan",
        "POST /v1/instances/{id}/check",
        "DELETE /v1/plugins/{id}",
        "GET /v1/instances/{id}/activities",
        "GET /v1/instances/{id}/runs",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op} missing from {ops:?}");
    }
    assert!(
        spec.validate_response("GET", "/v1/instances/x", 200, &json!({ "id": 1 }))
            .is_err()
    );
    assert!(
        spec.validate_response("GET", "/v1/instances/x", 418, &serde_json::Value::Null)
            .is_err()
    );
    assert!(
        spec.validate_request(
            "GET",
            "/v1/instances/x/activities",
            &[("colour".into(), "red".into())],
            None
        )
        .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_and_instances_added_with_the_cli_are_picked_up_by_a_running_daemon() {
    let home = private_dir();
    let token = create_token(home.path());
    let sim = start_sim(ZoomSimBuilder::new().users(30, 2, 2).activity_days(2)).await;
    let d = Daemon::start(home.path(), &token, &[]);
    let zoom_dir = support::repo_root().join("plugins/zoom");
    let wasm_dir = tempfile::tempdir().expect("wasm dir");
    let wasm_path = wasm_dir.path().join("plugboard_zoom.wasm");
    std::fs::write(&wasm_path, wasm("plugboard_zoom.wasm")).expect("write wasm");
    let run = |args: &[&str]| {
        let out = support::plugboard(home.path())
            .args(args)
            .env("ZOOM_SECRET", sim.credentials().client_secret)
            .output()
            .expect("plugboard");
        assert!(
            out.status.success(),
            "plugboard {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "plugin",
        "add",
        "--allow-unsigned",
        zoom_dir.to_str().unwrap_or_default(),
        "--wasm",
        wasm_path.to_str().unwrap_or_default(),
        "--yes",
    ]);
    let c = sim.credentials();
    let base = sim.base_url();
    run(&[
        "instance",
        "add",
        "cli-zoom",
        "--plugin",
        "zoom",
        "--config",
        &format!("account_id={}", c.account_id),
        "--config",
        "activity_days=2",
        "--secret",
        &format!("client_id={}", c.client_id),
        "--secret-env",
        "client_secret=ZOOM_SECRET",
        "--upstream",
        &format!("https://api.zoom.us={base}"),
        "--upstream",
        &format!("https://zoom.us={base}"),
    ]);
    d.wait_phase("cli-zoom", "posture", "", WAIT).await;
    let accounts = d.all("/v1/instances/cli-zoom/accounts").await;
    assert_eq!(accounts.len(), sim.summary().users);
    let plugins = d.get("/v1/plugins").await;
    assert_eq!(plugins[0]["id"], "zoom", "{plugins}");

    // Checked with the CLI through the daemon: the worker's token serves,
    // so no second token is minted (on Zoom it would revoke the first).
    let minted = sim.counters().tokens_minted;
    let out = support::plugboard(home.path())
        .args([
            "instance", "check", "cli-zoom", "--json", "--server", &d.base,
        ])
        .env("PLUGBOARD_TOKEN", &token)
        .output()
        .expect("plugboard instance check");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("check --json");
    assert_eq!(report["account"]["id"], c.account_id, "{report}");
    assert_eq!(
        sim.counters().tokens_minted,
        minted,
        "the worker's token was reused"
    );
    let out = support::plugboard(home.path())
        .args(["instance", "check", "nope", "--server", &d.base])
        .env("PLUGBOARD_TOKEN", &token)
        .output()
        .expect("plugboard instance check");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));

    // `instance show` on the same home reports the daemon's schedule.
    let out = support::plugboard(home.path())
        .args(["instance", "show", "cli-zoom", "--json"])
        .output()
        .expect("plugboard instance show");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).expect("show --json");
    let phases = shown["phases"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = phases.iter().filter_map(|p| p["phase"].as_str()).collect();
    assert_eq!(names, ["accounts", "activities", "posture"], "{shown}");
    assert!(
        phases
            .iter()
            .all(|p| p["last_success_at"].is_string() && p["next_run_at"].is_string()),
        "{shown}"
    );
    assert!(!shown.to_string().contains(&c.client_secret));

    // Changed with the CLI: the daemon reports (and uses) the new setting.
    run(&["instance", "set", "cli-zoom", "--config", "plan=business"]);
    assert_eq!(
        d.get("/v1/instances/cli-zoom").await["config"]["plan"],
        "business"
    );

    // Disabled with the CLI: the daemon's worker stops, the data stays.
    run(&["instance", "disable", "cli-zoom"]);
    let status = d.get("/v1/instances/cli-zoom").await;
    assert_eq!(status["state"], "disabled");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let before = sim.counters().total_requests();
    let _ = d.act("/v1/instances/cli-zoom/scan").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sim.counters().total_requests(), before);
    assert_eq!(
        d.all("/v1/instances/cli-zoom/accounts").await.len(),
        sim.summary().users
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_rotate_and_settings_change_through_the_api_without_losing_data() {
    let home = private_dir();
    let token = create_token(home.path());
    let sim = start_sim(ZoomSimBuilder::new().users(30, 2, 2).activity_days(2)).await;
    let d = with_zoom(
        Daemon::in_process(home.path(), &token).await,
        &sim,
        ("z", "pro", "2"),
    )
    .await;
    d.wait_phase("z", "posture", "", WAIT).await;
    let users = sim.summary().users;
    assert_eq!(d.all("/v1/instances/z/accounts").await.len(), users);
    let (status, body) = d.act("/v1/instances/z/check").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["id"], sim.credentials().account_id);
    assert_eq!(body["account"]["plan"], "pro");

    // A wrong secret: a check is refused with the operator to blame, the
    // next phase fails, and nothing collected is lost.
    let mark = now();
    let (status, body) = d
        .call(
            Method::PATCH,
            "/v1/instances/z",
            Some(json!({ "secrets": { "client_secret": "not-the-secret" } })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = d.act("/v1/instances/z/check").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["blame"], "operator", "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the credentials check of instance `z` failed")
            && !message.contains("not-the-secret"),
        "{message}"
    );
    let _ = d.act("/v1/instances/z/scan").await;
    d.wait_for("z", "failed with the wrong secret", WAIT, |p| {
        p["last_error_at"]
            .as_str()
            .is_some_and(|t| t > mark.as_str())
    })
    .await;
    assert_eq!(d.all("/v1/instances/z/accounts").await.len(), users);
    // `instance list` on the same home says the instance is failing, and why.
    let out = support::plugboard(home.path())
        .args(["instance", "list", "--json"])
        .output()
        .expect("plugboard instance list");
    let list: Value = serde_json::from_slice(&out.stdout).expect("list --json");
    let health = list[0]["health"].as_str().unwrap_or_default();
    assert!(
        health.starts_with("failing: ") && health.contains("(operator)"),
        "{list}"
    );

    // Rotate back and change the plan: the next phase succeeds with both.
    let mark = now();
    let (status, body) = d
        .call(
            Method::PATCH,
            "/v1/instances/z",
            Some(json!({
                "secrets": { "client_secret": sim.credentials().client_secret },
                "config": { "plan": "business" },
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["config"]["plan"], "business");
    assert_eq!(body["config"]["account_id"], sim.credentials().account_id);
    let _ = d.act("/v1/instances/z/scan").await;
    d.wait_phase("z", "accounts", &mark, WAIT).await;
    assert_eq!(d.all("/v1/instances/z/accounts").await.len(), users);

    // Bad changes are refused and change nothing.
    for (patch, want) in [
        (json!({ "config": { "colour": "red" } }), 422),
        (json!({ "secrets": { "password": "x" } }), 422),
        (json!({ "config": { "plan": "platinum" } }), 422),
        (json!({ "upstreams": { "not a url": "x" } }), 422),
        (json!({ "nonsense": 1 }), 400),
    ] {
        let (status, body) = d
            .call(Method::PATCH, "/v1/instances/z", Some(patch.clone()))
            .await;
        assert_eq!(status, want, "{patch}: {body}");
    }
    assert_eq!(d.get("/v1/instances/z").await["config"]["plan"], "business");
    let (status, _) = d
        .call(Method::PATCH, "/v1/instances/nope", Some(json!({})))
        .await;
    assert_eq!(status, 404);

    // A plugin in use is not removed; once its instance is gone it is.
    let (status, body) = d.call(Method::DELETE, "/v1/plugins/zoom", None).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("\"z\"")),
        "{body}"
    );
    assert_eq!(d.call(Method::DELETE, "/v1/instances/z", None).await.0, 204);
    assert_eq!(
        d.call(Method::DELETE, "/v1/plugins/zoom", None).await.0,
        204
    );
    assert_eq!(d.call(Method::GET, "/v1/plugins/zoom", None).await.0, 404);
    assert_eq!(d.get("/v1/plugins").await, json!([]));
    for (method, path) in [
        (Method::DELETE, "/v1/plugins/zoom"),
        (Method::POST, "/v1/instances/z/check"),
    ] {
        let (status, body) = d.call(method, path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
}

// ---- hostile packages: versions that are paths, ids in paths, immutable versions ----

/// The Zoom manifest with `version` set to `version` (TOML-quoted).
fn zoom_at(version: &str) -> String {
    let line = format!("version = {}", toml::Value::String(version.into()));
    let text = manifest("zoom").replacen("version = \"0.1.0\"", &line, 1);
    assert!(
        text.contains(&line),
        "the Zoom manifest no longer has version 0.1.0"
    );
    text
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_that_are_paths_and_ids_that_are_not_plugin_ids_are_refused_and_touch_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let victim = support::victim_dir(dir.path());
    let home = support::private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let (status, body) = d.add_plugin(&manifest("zoom"), &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
    let plugins = home.path().join("plugins");
    let files = support::snapshot(&plugins);
    let listed = d.get("/v1/plugins").await;
    let unchanged = |what: &str, now: Vec<(std::path::PathBuf, Vec<u8>)>, listed_now: &Value| {
        support::assert_victim_untouched(&victim);
        assert_eq!(
            now, files,
            "{what}: files under the home's plugins/ changed"
        );
        assert_eq!(*listed_now, listed, "{what}: the stored plugins changed");
        assert!(
            home.path().join("plugboard.db").exists(),
            "{what}: the home is intact"
        );
    };

    // Uploads whose version is a path.
    let absolute = victim.to_string_lossy().into_owned();
    for version in ["../..", absolute.as_str(), "..", "1.0"] {
        let (status, body) = d.add_plugin(&zoom_at(version), &zoom_wasm).await;
        assert_eq!(status, 422, "{version:?}: {body}");
        assert_eq!(body["error"]["blame"], "operator", "{version:?}: {body}");
        let want = format!(
            "plugin.toml field `version` = {version:?} is not valid: a semantic version such as 1.2.0 or 2.0.0-beta.1, at most 64 bytes"
        );
        assert!(message(&body).contains(&want), "{version:?}: {body}");
        unchanged(
            version,
            support::snapshot(&plugins),
            &d.get("/v1/plugins").await,
        );
    }

    // Ids in paths that are not plugin ids, sent as written.
    let encoded_victim = absolute.replace('/', "%2F");
    let targets = [
        "/v1/plugins/..".to_string(),
        "/v1/plugins/%2e%2e".to_string(),
        "/v1/plugins/.%2E".to_string(),
        "/v1/plugins/..%2F..".to_string(),
        "/v1/plugins/zoom%2F..%2F..".to_string(),
        "/v1/plugins/zoom/..".to_string(),
        "/v1/plugins/a/b".to_string(),
        format!("/v1/plugins/{encoded_victim}"),
    ];
    for target in &targets {
        for method in ["DELETE", "GET"] {
            let (status, body) = d.raw(method, target).await;
            assert!(
                status == 404 || status == 422,
                "{method} {target}: {status} {body}"
            );
            assert_eq!(
                body["error"]["blame"], "operator",
                "{method} {target}: {body}"
            );
            unchanged(
                target,
                support::snapshot(&plugins),
                &d.get("/v1/plugins").await,
            );
        }
        let (status, body) = d.raw("POST", &format!("{target}/rollback")).await;
        assert!(
            status == 404 || status == 422,
            "rollback {target}: {status} {body}"
        );
    }
    let (status, body) = d.raw("DELETE", "/v1/plugins/%2e%2e").await;
    assert_eq!(status, 404, "{body}");
    assert!(
        message(&body).contains(
            "no plugin \"..\" (a plugin id is lowercase letters, digits and `-`, at most 64)"
        ),
        "{body}"
    );

    // Rollback versions that are not versions are refused before any lookup.
    for version in ["../..", absolute.as_str(), "1.0"] {
        let (status, body) = d
            .post("/v1/plugins/zoom/rollback", json!({ "version": version }))
            .await;
        assert_eq!(status, 422, "{version:?}: {body}");
        assert_eq!(body["error"]["blame"], "operator", "{body}");
        assert!(
            message(&body).contains(&format!(
                "`version`: version {version:?} is not valid: use a semantic version"
            )),
            "{body}"
        );
    }

    // The daemon keeps serving, and the plugin is still there to remove.
    let health = reqwest::get(format!("{}/healthz", d.base))
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
    assert_eq!(d.get("/v1/plugins/zoom").await["version"], "0.1.0");
    unchanged(
        "the end",
        support::snapshot(&plugins),
        &d.get("/v1/plugins").await,
    );
    let (status, body) = d.call(Method::DELETE, "/v1/plugins/zoom", None).await;
    assert_eq!(status, 204, "{body}");
    assert!(
        !plugins.join("zoom").exists(),
        "the removed plugin's files go"
    );
    support::assert_victim_untouched(&victim);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploaded_version_never_changes_the_same_package_is_a_no_op_and_another_is_refused() {
    let home = support::private_dir();
    let token = create_token(home.path());
    let sim = start_sim(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1)).await;
    let d = with_zoom(
        Daemon::in_process(home.path(), &token).await,
        &sim,
        ("acme", "pro", "1"),
    )
    .await;
    let plugins = home.path().join("plugins");
    let files = support::snapshot(&plugins);
    let approved = d.get("/v1/plugins/zoom").await;
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let azure_wasm = wasm("plugboard_azure.wasm");
    let stored = (
        sha256_hex(&zoom_wasm),
        sha256_hex(manifest("zoom").as_bytes()),
    );
    assert_eq!(approved["sha256"], stored.0.as_str());
    let original = manifest("zoom");
    let edited = original.replacen("description = \"", "description = \"Edited. ", 1);
    assert_ne!(edited, original);

    for (what, text, bytes) in [
        ("another manifest", edited.as_str(), zoom_wasm.as_slice()),
        ("other bytes", original.as_str(), azure_wasm.as_slice()),
    ] {
        let (status, body) = d.add_plugin(text, bytes).await;
        assert_eq!(status, 409, "{what}: {body}");
        assert_eq!(body["error"]["blame"], "operator", "{what}: {body}");
        let want = format!(
            "plugin zoom 0.1.0 is already added with component sha256 {} and manifest sha256 {}, \
             but this package has component sha256 {} and manifest sha256 {}; an added version never \
             changes: publish it as a new version",
            stored.0,
            stored.1,
            sha256_hex(bytes),
            sha256_hex(text.as_bytes())
        );
        assert!(message(&body).contains(&want), "{what}: {body}");
        assert_eq!(support::snapshot(&plugins), files, "{what}: files changed");
        assert_eq!(
            d.get("/v1/plugins/zoom").await,
            approved,
            "{what}: the plugin changed"
        );
    }

    // The same package again: 200 with the stored version, nothing changes.
    let (status, body) = d.add_plugin(&manifest("zoom"), &zoom_wasm).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], "0.1.0", "{body}");
    assert_eq!(body["sha256"], stored.0.as_str(), "{body}");
    assert_eq!(support::snapshot(&plugins), files);
    assert_eq!(d.get("/v1/plugins/zoom").await, approved);

    // The CLI through the daemon says which happened.
    let zoom_dir = support::repo_root().join("plugins/zoom");
    let remote = |wasm_file: &str| {
        support::plugboard(home.path())
            .args(["plugin", "add", "--allow-unsigned"])
            .arg(&zoom_dir)
            .arg("--wasm")
            .arg(support::wasm_path(wasm_file))
            .args(["--server", &d.base])
            .env("PLUGBOARD_TOKEN", &token)
            .output()
            .expect("plugboard plugin add --server")
    };
    let same = remote("plugboard_zoom.wasm");
    assert!(same.status.success(), "{same:?}");
    let stdout = String::from_utf8_lossy(&same.stdout);
    assert!(
        stdout.contains("plugin zoom 0.1.0 is already added through"),
        "{stdout}"
    );
    let other = remote("plugboard_azure.wasm");
    assert_eq!(other.status.code(), Some(2), "{other:?}");
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(
        stderr.contains("publish it as a new version") && !stderr.contains("--yes"),
        "{stderr}"
    );

    // The approved version is still current and loads.
    let (status, body) = d.act("/v1/instances/acme/check").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(d.get("/v1/plugins/zoom").await, approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_whose_manifest_would_drive_a_terminal_is_refused_with_a_safe_message() {
    let home = private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let forged = manifest("zoom").replacen(
        "name = \"Zoom\"",
        "name = \"Zoom\\u001b[3A\\u001b[2K  network      none\\r\"",
        1,
    );
    let (status, body) = d.add_plugin(&forged, &zoom_wasm).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["blame"], "operator", "{body}");
    let text = message(&body);
    assert!(
        text.contains("may not contain control or invisible formatting characters"),
        "{text}"
    );
    assert!(
        !text.contains('\u{1b}') && !text.contains('\r'),
        "the message carries raw control characters: {text:?}"
    );
    assert_eq!(d.get("/v1/plugins").await, json!([]), "nothing was added");
    // The daemon keeps serving: the real manifest is accepted right after.
    let (status, body) = d.add_plugin(&manifest("zoom"), &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_is_stored_only_once_its_credentials_check_has_ended() {
    let home = private_dir();
    let token = create_token(home.path());
    let sim = start_sim(ZoomSimBuilder::new().users(5, 1, 1).activity_days(1)).await;
    let d = Daemon::in_process(home.path(), &token).await;
    let (status, body) = d
        .add_plugin(&manifest("zoom"), &wasm("plugboard_zoom.wasm"))
        .await;
    assert_eq!(status, 201, "{body}");
    // The check's first API answer is held until the test has looked.
    sim.faults().hold_next_answer("/v2/");
    let add = d.add_zoom("zoom", &sim, "pro", json!({}));
    let look = async {
        let start = std::time::Instant::now();
        while sim.faults().held() == 0 {
            assert!(start.elapsed() < WAIT, "the check never called the app");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (status, body) = d.call(Method::GET, "/v1/instances/zoom", None).await;
        let listed = d.get("/v1/instances").await;
        sim.faults().release_held();
        (status, body, listed)
    };
    let ((added, added_body), (status, body, listed)) = tokio::join!(add, look);
    assert_eq!(
        status, 404,
        "the instance was visible while its check ran: {body}"
    );
    assert_eq!(listed, json!([]), "listed while its check ran");
    assert_eq!(added, 201, "{added_body}");
    let shown = d.get("/v1/instances/zoom").await;
    assert_eq!(shown["enabled"], true, "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_connected_through_the_api_scans_and_a_forged_callback_connects_nothing() {
    let sim = ZoomSimBuilder::new()
        .users(8, 1, 1)
        .activity_days(1)
        .oauth_app(
            "daemon-app",
            "daemon-app-secret-0123456789",
            &["http://127.0.0.1/v1/connect/callback"],
        )
        .start(([127, 0, 0, 1], 0).into())
        .await
        .expect("simulator");
    let home = private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let (status, body) = d
        .add_plugin(&manifest("zoom"), &wasm("plugboard_zoom.wasm"))
        .await;
    assert!(status == 201 || status == 200, "{body}");
    let app = sim.oauth_app();
    let base = sim.base_url();
    let (status, added) = d
        .post(
            "/v1/instances",
            json!({
                "id": "z", "plugin": "zoom",
                "config": { "account_id": sim.credentials().account_id, "auth": "oauth-app", "activity_days": "1" },
                "secrets": { "client_id": app.client_id, "client_secret": app.client_secret },
                "upstreams": { "https://api.zoom.us": base, "https://zoom.us": base },
            }),
        )
        .await;
    assert_eq!(status, 201, "added before it is connected: {added}");
    assert_eq!(
        added["connections"][0]["status"], "not-connected",
        "{added}"
    );

    // A callback with a state this daemon never sent connects nothing.
    let (status, page) = plugboard_sim::browser::follow(&format!(
        "{}/v1/connect/callback?code=x&state=forged",
        d.base
    ))
    .await
    .expect("callback");
    assert_eq!(status, 400, "{page}");

    let (status, started) = d.post("/v1/instances/z/connect", json!({})).await;
    assert_eq!(status, 200, "{started}");
    let redirect = started["redirect_uri"].as_str().unwrap_or_default();
    assert_eq!(redirect, format!("{}/v1/connect/callback", d.base));
    let url = started["authorize_url"].as_str().unwrap_or_default();
    let location = plugboard_sim::browser::consent(url, plugboard_sim::browser::Decision::Allow)
        .await
        .expect("the consent form");
    assert!(location.starts_with(redirect), "{location}");
    let (status, page) = plugboard_sim::browser::follow(&location)
        .await
        .expect("callback");
    assert_eq!(status, 200, "{page}");
    let connected = d.get("/v1/instances/z").await;
    assert_eq!(
        connected["connections"][0]["status"], "connected",
        "{connected}"
    );
    d.wait_phase("z", "accounts", "", Duration::from_secs(120))
        .await;
    let c = sim.counters();
    assert_eq!(c.s2s_token_requests, 0, "{c:?}");
    assert!(c.issued_refresh_tokens.len() >= 2, "{c:?}");
}

/// A Zoom package directory at `version` (plugin.toml from `text`) for `plugin push`.
fn zoom_package(dir: &std::path::Path, version: &str, text: String) -> std::path::PathBuf {
    let out = dir.join(format!("zoom-{version}"));
    std::fs::create_dir_all(&out).expect("package dir");
    std::fs::write(out.join("plugin.toml"), text).expect("plugin.toml");
    std::fs::write(out.join("plugboard_zoom.wasm"), wasm("plugboard_zoom.wasm")).expect("wasm");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_are_added_and_upgraded_by_registry_reference_and_publishers_trusted_through_the_api()
 {
    let Some(registry) = support::registry::RegistryServer::start() else {
        return;
    };
    let (home, work) = (private_dir(), private_dir());
    let (key, pubkey) = support::registry::key_pair(work.path(), "vendor");
    let more = zoom_at("0.2.0")
        + "\n[[egress]]\nurl = \"https://collector.example/\"\nmethods = [\"POST\"]\n";
    for (version, text) in [("0.1.0", zoom_at("0.1.0")), ("0.2.0", more)] {
        let dir = zoom_package(work.path(), version, text);
        let out = support::plugboard(home.path())
            .args(["plugin", "push", &dir.to_string_lossy()])
            .arg(registry.reference(&format!("vendor/zoom:{version}")))
            .arg("--key")
            .arg(&key)
            .output()
            .expect("plugin push");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let reference = registry.reference("vendor/zoom:0.1.0");

    // Unsigned by anyone trusted: refused whatever the approval.
    let (status, body) = d
        .post(
            "/v1/oci/plugins",
            json!({ "reference": reference, "approve": true }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["blame"], "operator", "{body}");
    assert!(
        message(&body).contains("signed, but by no trusted key"),
        "{body}"
    );

    let pem = std::fs::read_to_string(&pubkey).expect("public key");
    let (status, body) = d
        .post("/v1/trust", json!({ "name": "vendor", "public_key": pem }))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = d
        .post("/v1/trust", json!({ "name": "vendor", "public_key": pem }))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(d.get("/v1/trust").await[0]["name"], "vendor");

    let (status, body) = d
        .post("/v1/oci/plugins", json!({ "reference": reference }))
        .await;
    assert_eq!(status, 409, "approval needed: {body}");
    assert_eq!(d.get("/v1/plugins").await, json!([]), "nothing was added");
    let (status, body) = d
        .post(
            "/v1/oci/plugins",
            json!({ "reference": reference, "approve": true }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["origin"]["publisher"], "vendor", "{body}");

    let (status, body) = d.post("/v1/plugins/zoom/upgrade", json!({})).await;
    assert_eq!(status, 202, "asks for more: kept pending: {body}");
    assert!(
        body["pending"]["changes"]
            .to_string()
            .contains("new: network POST https://collector.example/"),
        "{body}"
    );
    assert_eq!(body["pending"]["origin"]["tag"], "0.2.0", "{body}");
    assert_eq!(d.get("/v1/plugins/zoom").await["version"], "0.1.0");
    let (status, body) = d
        .post("/v1/plugins/zoom/upgrade", json!({ "approve": true }))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["version"], "0.2.0", "{body}");
    assert_eq!(body["origin"]["tag"], "0.2.0", "{body}");

    let (status, _) = d.call(Method::DELETE, "/v1/trust/vendor", None).await;
    assert_eq!(status, 204);
    assert_eq!(d.get("/v1/trust").await, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_judged_by_its_detached_signature_and_unsigned_needs_allow_unsigned() {
    let (home, work) = (private_dir(), private_dir());
    let (key, pubkey) = support::registry::key_pair(work.path(), "vendor");
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let plugins = home.path().join("plugins");
    let files = support::snapshot(&plugins);
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &zoom_wasm);
    let upload = |version: &str, signature: Option<&str>, allow_unsigned: bool| {
        json!({
            "manifest": zoom_at(version),
            "wasm_base64": b64,
            "approve": true,
            "signature": signature,
            "allow_unsigned": allow_unsigned,
        })
    };
    let refused = |status: u16, body: &Value, blame: &str, wants: &str| {
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["blame"], blame, "{body}");
        assert!(message(body).contains(wants), "{body}");
    };
    let nothing_added = |d_plugins: Value| {
        assert_eq!(d_plugins, json!([]), "a refusal adds nothing");
        assert_eq!(
            support::snapshot(&plugins),
            files,
            "a refusal writes no file"
        );
    };

    // Unsigned: refused whatever the approval, blamed on its publisher.
    let (status, body) = d.post("/v1/plugins", upload("0.1.0", None, false)).await;
    refused(
        status,
        &body,
        "plugin",
        "the uploaded package is unsigned; ask its publisher to sign it",
    );
    nothing_added(d.get("/v1/plugins").await);

    // Signed, but by a key the operator does not trust yet.
    let dir = zoom_package(work.path(), "0.1.0", zoom_at("0.1.0"));
    let out = support::plugboard(home.path())
        .args(["plugin", "sign", &dir.to_string_lossy(), "--key"])
        .arg(&key)
        .output()
        .expect("plugin sign");
    assert!(out.status.success(), "{out:?}");
    let signature = std::fs::read_to_string(dir.join("plugin.sig")).expect("plugin.sig");
    let signed = upload("0.1.0", Some(&signature), false);
    let (status, body) = d.post("/v1/plugins", signed.clone()).await;
    refused(status, &body, "operator", "signed, but by no trusted key");
    nothing_added(d.get("/v1/plugins").await);

    // Trusted: added, and the origin names the publisher.
    let pem = std::fs::read_to_string(&pubkey).expect("public key");
    let (status, body) = d
        .post("/v1/trust", json!({ "name": "vendor", "public_key": pem }))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = d.post("/v1/plugins", signed).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["origin"]["publisher"], "vendor", "{body}");
    assert_eq!(body["origin"]["allowed_unsigned"], Value::Null, "{body}");

    // That signature on another package: changed after signing, refused
    // even with allow_unsigned.
    let (status, body) = d
        .post("/v1/plugins", upload("0.2.0", Some(&signature), true))
        .await;
    refused(
        status,
        &body,
        "plugin",
        "changed after it was signed by vendor",
    );
    assert_eq!(d.get("/v1/plugins/zoom").await["version"], "0.1.0");

    // Unsigned with allow_unsigned: added and recorded as such.
    let (status, body) = d.post("/v1/plugins", upload("0.2.0", None, true)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["origin"]["allowed_unsigned"], "unsigned", "{body}");
    assert_eq!(body["origin"]["publisher"], Value::Null, "{body}");
}

/// The ids of `trace`'s spans named `name`.
fn spans_named<'a>(trace: &'a Value, name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    trace["spans"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |s| s["name"] == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_scan_run_has_a_trace_of_its_spans_on_the_node_and_its_log_lines_name_it() {
    let home = private_dir();
    let token = create_token(home.path());
    let logs = private_dir();
    let log = logs.path().join("serve.log");
    let sim = start_sim(ZoomSimBuilder::new().users(20, 2, 2).activity_days(1)).await;
    let mut serve = support::plugboard(home.path());
    serve
        .args(["serve", "--listen", "127.0.0.1:0", "--retry-after", "1s"])
        .env(
            "PLUGBOARD_LOG",
            "warn,plugboard_runtime::capabilities::http=debug",
        );
    let d = with_zoom(
        Daemon::start_logged(serve, &token, &log),
        &sim,
        ("zoom", "pro", "1"),
    )
    .await;
    let finished = |runs: &Value, n: usize| {
        let items = runs["items"].as_array().cloned().unwrap_or_default();
        (items.len() >= n && items.iter().all(|r| !r["finished_at"].is_null())).then_some(items)
    };
    let wait_runs = async |n: usize| {
        let start = std::time::Instant::now();
        loop {
            if let Some(items) = finished(&d.get("/v1/instances/zoom/runs").await, n) {
                return items;
            }
            assert!(start.elapsed() < WAIT, "fewer than {n} finished runs");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    // The three phases ran; then one scan more, whose first API request gets
    // a 429 with Retry-After.
    wait_runs(3).await;
    sim.faults().throttle_next(1);
    let (status, body) = d.act("/v1/instances/zoom/scan").await;
    assert!(status < 300, "{status} {body}");
    let runs = wait_runs(6).await;

    let mut phases = Vec::new();
    let mut throttled_trace = None;
    for r in &runs {
        let id = r["id"].as_i64().expect("run id");
        let trace = d.get(&format!("/v1/instances/zoom/runs/{id}/trace")).await;
        let spans = trace["spans"].as_array().expect("spans");
        let root = &spans[0];
        assert_eq!(root["name"], "scan");
        assert!(root["parent"].is_null());
        assert_eq!(root["attributes"]["plugboard.run.id"], id);
        assert_eq!(root["attributes"]["plugboard.instance"], "zoom");
        phases.push(
            root["attributes"]["plugboard.phase"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
        let ids: Vec<&Value> = spans.iter().map(|s| &s["id"]).collect();
        for s in &spans[1..] {
            assert!(
                ids.contains(&&s["parent"]),
                "{} has its parent in the trace",
                s["name"]
            );
        }
        if spans_named(&trace, "http.request")
            .any(|s| s["attributes"]["http.response.status_code"] == 429)
        {
            throttled_trace = trace["trace_id"].as_str().map(str::to_string);
        }
        if root["attributes"]["plugboard.phase"] == "accounts" {
            let page = spans_named(&trace, "page")
                .next()
                .expect("an accounts page");
            let call = spans_named(&trace, "plugin.call")
                .find(|c| c["parent"] == page["id"])
                .expect("the page's plugin call");
            assert_eq!(call["attributes"]["plugboard.export"], "sync");
            assert!(
                spans_named(&trace, "http.request").any(|h| h["parent"] == call["id"]),
                "the call's requests are its children"
            );
            assert!(spans_named(&trace, "store.write").any(|w| w["parent"] == page["id"]));
        }
    }
    phases.sort();
    assert_eq!(
        phases,
        [
            "accounts",
            "accounts",
            "activities",
            "activities",
            "posture",
            "posture"
        ]
    );
    let trace_id = throttled_trace.expect("a run's trace holds the 429");
    let text = std::fs::read_to_string(&log).expect("the daemon's log");
    let line = text
        .lines()
        .find(|l| l.contains("429: pausing bucket"))
        .unwrap_or_else(|| panic!("no 429 line in the log:\n{text}"));
    assert!(
        line.ends_with(&format!("trace_id={trace_id}")),
        "{line:?} does not name trace {trace_id}"
    );

    let (status, body) = d
        .call(Method::GET, "/v1/instances/zoom/runs/999999/trace", None)
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["blame"], "operator");
    let (status, _) = d
        .call(Method::GET, "/v1/instances/zoom/runs/abc/trace", None)
        .await;
    assert_eq!(status, 400);
    let (status, _) = d
        .call(Method::GET, "/v1/instances/nope/runs/1/trace", None)
        .await;
    assert_eq!(status, 404);
}

/// What a fake OTLP/HTTP collector received: (path, content type, body).
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, String, Vec<u8>)>>>;

/// A fake OTLP/HTTP collector on a free loopback port; its base URL.
async fn fake_collector(received: Received) -> String {
    let app = axum::Router::new().fallback(
        async move |uri: axum::http::Uri,
                    headers: axum::http::HeaderMap,
                    body: axum::body::Bytes| {
            let kind = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            received
                .lock()
                .expect("lock")
                .push((uri.path().to_string(), kind, body.to_vec()));
            axum::http::StatusCode::OK
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_otlp_endpoint_the_scans_spans_reach_the_collector_as_protobuf_without_secrets() {
    let received = Received::default();
    let collector = fake_collector(received.clone()).await;
    let home = private_dir();
    let token = create_token(home.path());
    let sim = start_sim(ZoomSimBuilder::new().users(10, 1, 1).activity_days(1)).await;
    let mut d = with_zoom(
        Daemon::start(home.path(), &token, &["--otlp-endpoint", &collector]),
        &sim,
        ("zoom", "pro", "1"),
    )
    .await;
    let start = std::time::Instant::now();
    loop {
        let runs = d.get("/v1/instances/zoom/runs").await;
        let items = runs["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= 3 && items.iter().all(|r| !r["finished_at"].is_null()) {
            break;
        }
        assert!(start.elapsed() < WAIT, "the three phases did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // What is still batched is sent at shutdown.
    let exit = d.signal("TERM");
    assert!(exit.success(), "{exit:?}");
    let got = received.lock().expect("lock").clone();
    assert!(!got.is_empty(), "the collector received nothing");
    let mut all = Vec::new();
    for (path, kind, body) in &got {
        assert_eq!(path, "/v1/traces");
        assert_eq!(kind, "application/x-protobuf");
        all.extend_from_slice(body);
    }
    let has = |needle: &[u8]| all.windows(needle.len()).any(|w| w == needle);
    for name in [
        &b"plugboard"[..],
        b"scan",
        b"page",
        b"plugin.call",
        b"http.request",
        b"token.mint",
        b"store.write",
        b"plugboard.run.id",
    ] {
        assert!(has(name), "{} not exported", String::from_utf8_lossy(name));
    }
    let creds = sim.credentials();
    assert!(
        !has(creds.client_secret.as_bytes()),
        "the client secret was exported"
    );
}

#[test]
fn a_bad_otlp_endpoint_stops_serve_before_it_listens_blaming_the_operator_without_echoing_it() {
    let home = private_dir();
    let out = support::plugboard(home.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--otlp-endpoint",
            "ftp://otel:hunter2@collector:4318",
        ])
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("error (operator)"), "{stderr}");
    assert!(stderr.contains("--otlp-endpoint"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(out.stdout.is_empty(), "it never listened");
}

/// `zoom` at `version` asking for DELETE as well: more than 0.1.0's approval.
fn greedy_zoom(version: &str) -> String {
    let text = zoom_at(version).replace(
        "methods = [\"GET\", \"PUT\"]",
        "methods = [\"GET\", \"PUT\", \"DELETE\"]",
    );
    assert!(text.contains("\"DELETE\"]"), "the Zoom egress rule changed");
    text
}

/// [`greedy_zoom`] that also posts to a collector: more than its approval.
fn greedier_zoom(version: &str) -> String {
    greedy_zoom(version)
        + "\n[[egress]]\nurl = \"https://collector.example/\"\nmethods = [\"POST\"]\n"
}

/// The Zoom component with a custom section named `tag` appended: the same
/// plugin, another SHA-256 (so its component's fate can be told apart).
fn zoom_wasm_tagged(tag: &str) -> Vec<u8> {
    let mut bytes = wasm("plugboard_zoom.wasm");
    let name = tag.as_bytes();
    bytes.push(0);
    bytes.push(u8::try_from(name.len() + 1).expect("short tag"));
    bytes.push(u8::try_from(name.len()).expect("short tag"));
    bytes.extend_from_slice(name);
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_asking_for_more_waits_pending_until_approved_or_refused_and_stale_approvals_are_refused()
 {
    let home = private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let (status, body) = d.add_plugin(&manifest("zoom"), &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
    let upload = |text: String, bytes: &[u8]| {
        json!({
            "manifest": text,
            "wasm_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes),
            "allow_unsigned": true,
        })
    };
    let store = plugboard_core::store::Store::open(&home.path().join("plugboard.db"))
        .expect("open the daemon's store");
    let refused = |status: u16, body: &Value, want_status: u16, wants: &str| {
        assert_eq!(status, want_status, "{body}");
        assert_eq!(body["error"]["blame"], "operator", "{body}");
        assert!(message(body).contains(wants), "{wants:?} not in {body}");
    };

    // Without approve: verified, kept pending (202), nothing changes yet.
    let (status, body) = d
        .post("/v1/plugins", upload(greedy_zoom("0.2.0"), &zoom_wasm))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["version"], "0.1.0", "{body}");
    assert_eq!(body["pending"]["version"], "0.2.0", "{body}");
    assert_eq!(body["pending"]["against"], "0.1.0", "{body}");
    assert_eq!(body["pending"]["submitted_by"], "api:test", "{body}");
    assert!(
        body["pending"]["changes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|l| l
                .as_str()
                .is_some_and(|l| l.starts_with("new: network DELETE")))),
        "{body}"
    );
    let msg = body["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("/v1/plugins/zoom/pending/approve") && msg.contains("pending/refuse"),
        "{msg}"
    );
    let shown = d.get("/v1/plugins/zoom").await;
    assert_eq!(shown["version"], "0.1.0");
    assert_eq!(shown["pending"]["version"], "0.2.0");
    assert_eq!(d.get("/v1/plugins").await[0]["pending"]["version"], "0.2.0");

    // A newer submission replaces it and says so.
    let tagged = zoom_wasm_tagged("pb-pending-1");
    let (status, body) = d
        .post("/v1/plugins", upload(greedy_zoom("0.2.1"), &tagged))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["replaced"], "0.2.0", "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("replaces the pending upgrade to 0.2.0")),
        "{body}"
    );
    let sha = body["pending"]["sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(store.component(&sha).expect("read").is_some());

    // Refusals: no version, another version; nothing changes.
    let before = d.get("/v1/plugins/zoom").await;
    let (status, body) = d.post("/v1/plugins/zoom/pending/approve", json!({})).await;
    refused(status, &body, 422, "`version` is required");
    let (status, body) = d
        .post(
            "/v1/plugins/zoom/pending/approve",
            json!({ "version": "0.2.0" }),
        )
        .await;
    refused(status, &body, 409, "is version 0.2.1, not 0.2.0");
    let (status, body) = d
        .post(
            "/v1/plugins/zoom/pending/refuse",
            json!({ "version": "0.2.0" }),
        )
        .await;
    refused(status, &body, 409, "is version 0.2.1, not 0.2.0");
    assert_eq!(d.get("/v1/plugins/zoom").await, before, "nothing changed");

    // The current version changes (another add): approving the old diff is
    // refused, showing the diff against the new current version.
    let (status, body) = d.add_plugin(&zoom_at("0.1.5"), &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = d
        .post(
            "/v1/plugins/zoom/pending/approve",
            json!({ "version": "0.2.1" }),
        )
        .await;
    refused(status, &body, 409, "now at version 0.1.5, not 0.1.0");
    assert!(message(&body).contains("new: network DELETE"), "{body}");
    let shown = d.get("/v1/plugins/zoom").await;
    assert_eq!(shown["version"], "0.1.5", "nothing was approved");
    assert_eq!(
        shown["pending"]["against"], "0.1.5",
        "the diff was recomputed"
    );

    // Approved: current, granted by the caller, audited.
    let (status, body) = d
        .post(
            "/v1/plugins/zoom/pending/approve",
            json!({ "version": "0.2.1" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], "0.2.1", "{body}");
    assert_eq!(body["pending"], Value::Null, "{body}");
    assert_eq!(body["grant"]["approved_by"], "api:test", "{body}");
    assert!(
        body["grant"]["egress"].to_string().contains("DELETE"),
        "{body}"
    );
    let (status, body) = d
        .post(
            "/v1/plugins/zoom/pending/approve",
            json!({ "version": "0.2.1" }),
        )
        .await;
    refused(status, &body, 404, "has no pending upgrade");

    // Refused: dropped with its component; refusing again finds nothing.
    let tagged = zoom_wasm_tagged("pb-pending-2");
    let (status, body) = d
        .post("/v1/plugins", upload(greedier_zoom("0.3.0"), &tagged))
        .await;
    assert_eq!(status, 202, "{body}");
    let sha = body["pending"]["sha256"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(store.component(&sha).expect("read").is_some());
    let artefacts = || -> Vec<String> {
        std::fs::read_dir(home.path().join("cache"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(&sha))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(!artefacts().is_empty(), "verifying it compiled it");
    let (status, body) = d
        .post(
            "/v1/plugins/zoom/pending/refuse",
            json!({ "version": "0.3.0" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["refused"]["version"], "0.3.0", "{body}");
    assert_eq!(d.get("/v1/plugins/zoom").await["pending"], Value::Null);
    assert_eq!(
        store.component(&sha).expect("read"),
        None,
        "its component went"
    );
    assert_eq!(
        artefacts(),
        Vec::<String>::new(),
        "its compiled artefact went"
    );
    let (status, body) = d.post("/v1/plugins/zoom/pending/refuse", json!({})).await;
    refused(status, &body, 404, "has no pending upgrade");

    // No longer an upgrade: a newer version was added meanwhile.
    let (status, body) = d
        .post("/v1/plugins", upload(greedier_zoom("0.4.0"), &zoom_wasm))
        .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = d
        .post(
            "/v1/plugins",
            json!({ "manifest": zoom_at("0.5.0"), "wasm_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &zoom_wasm), "allow_unsigned": true, "approve": true }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = d
        .post(
            "/v1/plugins/zoom/pending/approve",
            json!({ "version": "0.4.0" }),
        )
        .await;
    refused(status, &body, 409, "no longer an upgrade");
    assert_eq!(d.get("/v1/plugins/zoom").await["version"], "0.5.0");

    let audit: Vec<_> = store
        .audit(None, 20)
        .expect("audit")
        .into_iter()
        .filter(|a| a.action == "plugin-upgrade")
        .map(|a| (a.actor, a.outcome, a.target.unwrap_or_default()))
        .collect();
    let want = |actor: &str, outcome: &str, target: &str| {
        (actor.to_string(), outcome.to_string(), target.to_string())
    };
    assert_eq!(
        audit,
        [
            want("api:test", "pending", "zoom 0.4.0"),
            want("api:test", "refused", "zoom 0.3.0"),
            want("api:test", "pending", "zoom 0.3.0"),
            want("api:test", "approved", "zoom 0.2.1"),
            want("api:test", "pending", "zoom 0.2.1"),
            want("api:test", "pending", "zoom 0.2.0"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_shows_a_pending_upgrade_and_approves_or_refuses_it_with_json_that_matches_its_schema()
 {
    let home = private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let (status, body) = d.add_plugin(&manifest("zoom"), &zoom_wasm).await;
    assert_eq!(status, 201, "{body}");
    let submit = |version: &str| {
        json!({
            "manifest": greedy_zoom(version),
            "wasm_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &zoom_wasm),
            "allow_unsigned": true,
        })
    };
    let (status, body) = d.post("/v1/plugins", submit("0.2.0")).await;
    assert_eq!(status, 202, "{body}");
    let cli = |args: &[&str]| {
        support::plugboard(home.path())
            .args(args)
            .output()
            .expect("plugboard")
    };
    let stdout = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    let table = stdout(&cli(&["plugin", "list"]));
    assert!(table.contains("to 0.2.0"), "{table}");
    let listed: Value =
        serde_json::from_str(&stdout(&cli(&["plugin", "list", "--json"]))).expect("JSON");
    support::assert_matches_schema("plugin-list", "plugin list --json", &listed);
    assert_eq!(listed[0]["pending"]["version"], "0.2.0", "{listed}");
    let shown = stdout(&cli(&["plugin", "inspect", "zoom"]));
    assert!(
        shown.contains("Pending upgrade: 0.2.0 (compared with 0.1.0)")
            && shown.contains("new: network DELETE")
            && shown.contains("plugboard plugin pending approve zoom --version 0.2.0"),
        "{shown}"
    );

    // Another version than the pending one: refused (operator), nothing changes.
    let out = cli(&["plugin", "pending", "approve", "zoom", "--version", "0.3.0"]);
    assert_eq!(out.status.code(), Some(2), "blame operator");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error (operator)") && err.contains("is version 0.2.0, not 0.3.0"),
        "{err}"
    );
    assert_eq!(d.get("/v1/plugins/zoom").await["version"], "0.1.0");

    let approved: Value = serde_json::from_str(&stdout(&cli(&[
        "plugin",
        "pending",
        "approve",
        "zoom",
        "--version",
        "0.2.0",
        "--json",
    ])))
    .expect("JSON");
    support::assert_matches_schema("plugin-pending", "plugin pending approve --json", &approved);
    assert_eq!(approved["version"], "0.2.0", "{approved}");
    assert_eq!(approved["grant"]["approved_by"], "cli", "{approved}");
    assert_eq!(d.get("/v1/plugins/zoom").await["version"], "0.2.0");

    let more = greedier_zoom("0.3.0");
    let (status, body) = d
        .post(
            "/v1/plugins",
            json!({
                "manifest": more,
                "wasm_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &zoom_wasm),
                "allow_unsigned": true,
            }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let refused: Value = serde_json::from_str(&stdout(&cli(&[
        "plugin", "pending", "refuse", "zoom", "--json",
    ])))
    .expect("JSON");
    support::assert_matches_schema("plugin-pending", "plugin pending refuse --json", &refused);
    assert_eq!(refused["refused"]["version"], "0.3.0", "{refused}");
    assert_eq!(refused["version"], "0.2.0", "{refused}");
    let out = cli(&["plugin", "pending", "refuse", "zoom"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("has no pending upgrade"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
