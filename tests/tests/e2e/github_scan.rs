//! End to end: the real GitHub plugin, in the real host, against the GitHub
//! simulator, under each auth kind, through primary and secondary limits.

use crate::e2e_support;

use std::time::Duration;

use e2e_support::TestHost;
use plugboard_host::scan::{ScanReport, StreamStatus};
use plugboard_sim::github::{GithubSim, GithubSimBuilder};
use plugboard_sim::spec::{SpecValidator, api_specs_dir};

async fn sim(builder: GithubSimBuilder) -> GithubSim {
    builder
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Small enough to be quick, big enough to page (members over 100).
fn small() -> GithubSimBuilder {
    GithubSimBuilder::new()
        .members(140, 3)
        .outside_collaborators(5)
        .teams(3)
        .audit_events(220, 6)
}

fn completed(report: &ScanReport) {
    for s in &report.streams {
        assert_eq!(
            s.status,
            StreamStatus::Completed,
            "{}: {:?}",
            s.name,
            s.status
        );
    }
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
}

/// The host holds exactly what the simulator holds.
fn exact(h: &TestHost, name: &str, sim: &GithubSim) {
    let want = sim.summary();
    let c = h.counts(name);
    assert_eq!(
        c.users as usize,
        want.members + want.outside_collaborators,
        "accounts"
    );
    assert_eq!(c.admins as usize, want.owners, "owners");
    assert_eq!(c.groups as usize, want.teams, "teams");
    assert_eq!(
        c.group_members as usize, want.team_memberships,
        "team members"
    );
    assert_eq!(c.activities as usize, want.audit_events, "audit events");
    assert_eq!(c.findings, 6, "findings");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fine_grained_token_scan_reads_the_whole_organization_and_a_rescan_adds_nothing() {
    let sim = sim(small()).await;
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "token");
    let report = h.scan("acme").await;
    completed(&report);
    exact(&h, "acme", &sim);
    assert_eq!(report.token_mints, 0, "a static token is not minted");
    assert_eq!(sim.counters().tokens_minted, 0);
    let account = report
        .account
        .as_ref()
        .map(|a| (a.id.clone(), a.plan.clone()));
    assert_eq!(account, Some((sim.org(), Some("enterprise".into()))));
    let requests = sim.counters().requests;
    let again = h.scan("acme").await;
    completed(&again);
    exact(&h, "acme", &sim);
    let audit = sim
        .request_log()
        .into_iter()
        .skip(usize::try_from(requests).unwrap_or(0))
        .filter(|r| r.path.ends_with("/audit-log"))
        .filter_map(|r| r.query.into_iter().find(|(k, _)| k == "phrase"))
        .map(|(_, v)| v)
        .collect::<Vec<_>>();
    let first = audit.first().cloned().unwrap_or_default();
    assert!(
        first.starts_with("created:") && !audit.is_empty(),
        "{audit:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_github_app_scan_mints_one_installation_token_and_never_sends_the_key() {
    let sim = sim(small()).await;
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "github-app");
    let report = h.scan("acme").await;
    completed(&report);
    exact(&h, "acme", &sim);
    assert_eq!(sim.counters().tokens_minted, 1);
    assert_eq!(sim.counters().unauthorized, 0);
    let key = sim.app_key().private_base64();
    let log = sim.request_log();
    assert!(
        log.iter().all(|r| !format!("{r:?}").contains(&key[..40])),
        "the app key stayed in the host"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_primary_limit_answered_403_is_waited_out_once_with_nothing_lost_or_doubled() {
    // Someone else spends a fresh two-second window just before our first
    // metered request: one 403 (remaining 0), then the host waits for the reset.
    let sim = sim(small().rate_limit(5_000, Duration::from_secs(2))).await;
    sim.exhaust_primary();
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "token");
    let report = h.scan("acme").await;
    completed(&report);
    exact(&h, "acme", &sim);
    assert_eq!(
        sim.counters().rate_limited,
        1,
        "one throttled answer for the spent window"
    );
    assert!(report.http.throttled >= 1, "{:?}", report.http);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_running_dry_pauses_the_host_before_github_refuses() {
    // 12 requests a 1-second window; a scan takes about 20: the answer with
    // remaining 0 pauses the bucket until the reset, so at most the requests
    // already on the wire can meet a refusal — never more than one a window.
    let sim = sim(small()
        .rate_limit(12, Duration::from_secs(1))
        .throttle_status(429))
    .await;
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "token");
    let report = h.scan("acme").await;
    completed(&report);
    exact(&h, "acme", &sim);
    let c = sim.counters();
    assert!(c.windows >= 2, "the scan spanned windows: {c:?}");
    assert!(
        c.rate_limited < c.windows,
        "at most one refusal a window: {c:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secondary_limit_403_with_retry_after_is_honoured() {
    let sim = sim(small()).await;
    sim.faults().throttle_next(2);
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "github-app");
    let report = h.scan("acme").await;
    completed(&report);
    exact(&h, "acme", &sim);
    assert_eq!(sim.counters().secondary_limited, 2);
    assert!(report.http.throttled >= 2, "{:?}", report.http);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_without_the_audit_log_scans_with_that_stream_unavailable() {
    let sim = sim(small().audit_log(false)).await;
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "token");
    let report = h.scan("acme").await;
    let audit = report
        .streams
        .iter()
        .find(|s| s.name == "audit-log")
        .map(|s| s.status.clone());
    assert!(
        matches!(audit, Some(StreamStatus::Unavailable { .. })),
        "{audit:?}"
    );
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    assert_eq!(h.counts("acme").activities, 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_plugin_sends_conforms_to_githubs_description() {
    let sim = sim(small()).await;
    let h = TestHost::with_github().await;
    h.add_github_instance("acme", &sim, "github-app");
    completed(&h.scan("acme").await);
    let spec =
        SpecValidator::load(api_specs_dir().join("github.json")).unwrap_or_else(|e| panic!("{e}"));
    let log = sim.request_log();
    for r in &log {
        spec.validate_request(&r.method, &r.path, &r.query, r.body.as_ref())
            .unwrap_or_else(|p| panic!("{} {} {:?}: {p:?}", r.method, r.path, r.query));
        assert!(r.status < 300, "{r:?}");
    }
    let paths: std::collections::BTreeSet<&str> = log
        .iter()
        .map(|r| r.path.rsplit('/').next().unwrap_or(""))
        .collect();
    for want in [
        "access_tokens",
        "members",
        "outside_collaborators",
        "teams",
        "audit-log",
    ] {
        assert!(paths.contains(want), "{want} not requested: {paths:?}");
    }
    sim.shutdown().await;
}
