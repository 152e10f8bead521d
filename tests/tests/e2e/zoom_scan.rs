//! End to end: the real Zoom plugin, in the real host, against the Zoom simulator.

use crate::e2e_support;

use std::time::Duration;

use e2e_support::{TestHost, failed_check};
use plugboard_core::Blame;
use plugboard_host::scan::StreamStatus;
use plugboard_sim::spec::{SpecValidator, api_specs_dir};
use plugboard_sim::zoom::{Category, Plan, ZoomSim, ZoomSimBuilder};

async fn sim(builder: ZoomSimBuilder) -> ZoomSim {
    builder
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("starting the simulator: {e}"))
}

fn pro_limit(c: Category) -> u64 {
    match c {
        Category::Light => 30,
        Category::Medium => 20,
        Category::Heavy => 10,
        Category::ResourceIntensive => 10,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_scan_stores_every_record_across_pages_within_the_plan_rate() {
    let sim = sim(ZoomSimBuilder::new()).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    let report = host.scan("acme").await;

    for s in &report.streams {
        assert_eq!(
            s.status,
            StreamStatus::Completed,
            "stream {} ended {:?}",
            s.name,
            s.status
        );
    }
    let pages = |name: &str| {
        report
            .streams
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.pages)
            .unwrap_or(0)
    };
    assert!(
        pages("users") >= 6,
        "1,250 users in three statuses need at least 6 pages of 300, got {}",
        pages("users")
    );
    assert!(
        pages("sign-ins") >= 20,
        "~6,000 sign-in events need at least 20 pages of 300, got {}",
        pages("sign-ins")
    );

    let want = sim.summary();
    let counts = host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .counts(Some("acme"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.users, want.users as u64, "users");
    assert_eq!(counts.groups, want.groups as u64, "groups");
    assert_eq!(counts.admins, want.admins as u64, "admins");
    assert_eq!(
        counts.activities, want.activities as u64,
        "activities (sign-in/out + operation logs)"
    );
    assert_eq!(
        counts.group_members, want.group_memberships as u64,
        "group memberships"
    );
    assert!(
        counts.findings >= 4,
        "posture findings: {}",
        counts.findings
    );

    let c = sim.counters();
    assert_eq!(c.throttled, 0, "the simulator sent 429s: {c:?}");
    assert_eq!(report.http.throttled, 0, "the host saw 429s");
    for (cat, max) in &c.max_per_second {
        assert!(
            *max <= pro_limit(*cat),
            "{cat}: {max} requests in one second, Pro allows {}",
            pro_limit(*cat)
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_plugin_sends_conforms_to_zooms_openapi_description() {
    let sim = sim(ZoomSimBuilder::new().users(400, 50, 10).activity_days(3)).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    host.scan("acme").await;
    let spec = SpecValidator::load(api_specs_dir().join("zoom.json"))
        .unwrap_or_else(|e| panic!("loading zoom.json: {e}"));
    let log = sim.request_log();
    let api: Vec<_> = log.iter().filter(|r| r.path.starts_with("/v2/")).collect();
    assert!(
        api.len() >= 10,
        "expected a scan's worth of requests, got {}",
        api.len()
    );
    for r in api {
        if let Err(problems) = spec.validate_request(&r.method, &r.path, &r.query, r.body.as_ref())
        {
            panic!(
                "{} {} {:?} does not conform: {problems:#?}",
                r.method, r.path, r.query
            );
        }
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_renewed_when_they_expire_during_a_scan() {
    let sim = sim(ZoomSimBuilder::new().token_lifetime(Duration::from_secs(1))).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    let report = host.scan("acme").await;
    assert!(
        report.elapsed > Duration::from_secs(2),
        "the scan must outlive a token to test renewal ({:?})",
        report.elapsed
    );
    let c = sim.counters();
    assert!(
        c.tokens_minted >= 3,
        "a scan longer than the token lifetime must mint again, minted {}",
        c.tokens_minted
    );
    assert_eq!(
        report.token_mints, c.tokens_minted,
        "the host's mint count matches the simulator's"
    );
    let want = sim.summary();
    let counts = host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .counts(Some("acme"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        counts.activities, want.activities as u64,
        "nothing lost across renewals"
    );
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_replaced_after_one_401_and_the_scan_completes() {
    let sim = sim(ZoomSimBuilder::new()).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    let (plugin, ctx) = host.open("acme").await;
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}")).clone();
    let scan = tokio::spawn(async move {
        plugboard_host::scan::run_scan(&plugin, &ctx, &store, &plugboard_host::scan::NoProgress)
            .await
    });
    // Another client minting with the same credentials revokes the host's token.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let creds = sim.credentials();
    let url = format!(
        "{}/oauth/token?grant_type=account_credentials&account_id={}",
        sim.base_url(),
        creds.account_id
    );
    let status = reqwest::Client::new()
        .post(url)
        .basic_auth(&creds.client_id, Some(&creds.client_secret))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or_else(|e| panic!("minting a rival token: {e}"));
    assert_eq!(status, 200);
    let report = scan
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    assert!(
        report.http.unauthorized_retries >= 1,
        "the host should have retried after a 401: {:?}",
        report.http
    );
    assert!(
        sim.counters().unauthorized >= 1,
        "the simulator should have refused the revoked token"
    );
    let counts = host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .counts(Some("acme"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.activities, sim.summary().activities as u64);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_requests_are_retried_and_nothing_is_lost() {
    let sim = sim(ZoomSimBuilder::new().users(700, 20, 5).activity_days(5)).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    sim.faults().throttle_next(6);
    let report = host.scan("acme").await;
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    assert!(
        report.http.throttled >= 6,
        "the host should have seen the injected 429s: {:?}",
        report.http
    );
    let want = sim.summary();
    let counts = host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .counts(Some("acme"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (counts.users, counts.activities),
        (want.users as u64, want.activities as u64)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_scan_is_incremental_and_duplicates_nothing() {
    let sim = sim(ZoomSimBuilder::new().users(300, 10, 5).activity_days(10)).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    let first = host.scan("acme").await;
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    let before = store.counts(Some("acme")).unwrap_or_else(|e| panic!("{e}"));
    let second = host.scan("acme").await;
    let after = store.counts(Some("acme")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        before, after,
        "a rescan of unchanged data changes no counts"
    );
    let pages = |r: &plugboard_host::scan::ScanReport| {
        r.streams
            .iter()
            .find(|s| s.name == "sign-ins")
            .map(|s| s.pages)
            .unwrap_or(0)
    };
    assert!(
        pages(&second) < pages(&first),
        "the second scan reads only the overlap window: {} vs {} pages",
        pages(&second),
        pages(&first)
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_plan_scans_pace_at_business_rates() {
    let sim = sim(ZoomSimBuilder::new()
        .plan(Plan::Business)
        .users(100, 0, 0)
        .activity_days(2))
    .await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "business");
    let report = host.scan("acme").await;
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    assert_eq!(sim.counters().throttled, 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_ends_in_a_complete_scan_without_duplicates_or_gaps() {
    let sim = sim(ZoomSimBuilder::new().users(900, 100, 20).activity_days(8)).await;
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    // Two of every three of the first 30 API requests are throttled: 20 429s, however
    // fast the host retries.
    sim.faults().throttle_requests(2, 3, 30);
    let report = host.scan("acme").await;
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    assert!(
        report.http.throttled >= 20,
        "the storm must have hit: {:?}",
        report.http
    );
    let want = sim.summary();
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    let counts = store.counts(Some("acme")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        counts.users, want.users as u64,
        "no account missing or duplicated"
    );
    assert_eq!(
        counts.activities, want.activities as u64,
        "no activity missing or duplicated"
    );
    assert_eq!(counts.group_members, want.group_memberships as u64);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_failing_or_refusing_token_endpoint_is_blamed_on_whoever_must_act() {
    let sim = sim(ZoomSimBuilder::new().users(5, 0, 0).activity_days(1)).await;
    let mut host = TestHost::with_zoom().await;
    host.app.options = plugboard_host::instance::HostOptions {
        upstream_timeout: Duration::from_millis(500),
        ..Default::default()
    };
    host.add_zoom_instance("acme", &sim, "pro");
    let (plugin, ctx) = host.open("acme").await;

    // The authorization server hangs: the token request is given up after
    // the upstream timeout, and the failure names the token endpoint.
    sim.faults().delay_tokens(Duration::from_secs(3));
    let message = failed_check(&plugin, &ctx, Blame::Upstream, "without a token").await;
    assert!(
        message.contains("token endpoint of auth profile")
            && message.contains("did not answer within 0.5 s"),
        "{message}"
    );
    assert!(!message.contains(&sim.credentials().client_secret));

    // A failing or throttling token endpoint is the upstream's trouble too;
    // refused credentials are the operator's.
    sim.faults().delay_tokens(Duration::ZERO);
    for (status, blame) in [
        (503, Blame::Upstream),
        (429, Blame::Upstream),
        (401, Blame::Operator),
    ] {
        sim.faults().fail_tokens(1, status);
        let when = format!("with the token endpoint at HTTP {status}");
        let message = failed_check(&plugin, &ctx, blame, &when).await;
        assert!(message.contains(&format!("HTTP {status}")), "{message}");
    }

    // Once it answers again, the same instance recovers without a restart.
    let account = plugin
        .check(&ctx)
        .await
        .unwrap_or_else(|e| panic!("check after the endpoint recovered: {e}"));
    assert_eq!(account.id, sim.credentials().account_id);
    sim.shutdown().await;
}
