//! End to end: the real Azure plugin, in the real host, against the Azure simulator.

use crate::e2e_support;

use e2e_support::{TestHost, failed_check};
use plugboard_core::Blame;
use plugboard_host::scan::{ScanReport, StreamStatus};
use plugboard_sim::azure::{AzureSim, AzureSimBuilder};
use plugboard_sim::spec::{SpecValidator, api_specs_dir};

async fn host() -> TestHost {
    TestHost::with_azure().await
}

async fn sim(builder: AzureSimBuilder) -> AzureSim {
    builder
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn stream<'a>(r: &'a ScanReport, name: &str) -> &'a plugboard_host::scan::StreamReport {
    r.streams
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no stream {name} in {:?}", r.streams))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_scan_reads_every_enabled_subscription_and_the_directory() {
    let sim = sim(AzureSimBuilder::new()).await;
    let h = host().await;
    h.add_azure_instance("contoso", &sim);
    let report = h.scan("contoso").await;
    for s in &report.streams {
        assert_eq!(
            s.status,
            StreamStatus::Completed,
            "{}: {:?}",
            s.name,
            s.status
        );
    }
    let want = sim.summary();
    let c = h.counts("contoso");
    assert_eq!(
        c.activities as usize,
        want.activity_events + want.signins + want.directory_audits,
        "activity-log + sign-ins + directory audits"
    );
    assert_eq!(c.admins as usize, want.admins, "admins");
    assert_eq!(c.groups as usize, want.groups, "groups");
    assert_eq!(
        c.users as usize,
        want.users + want.callers_not_in_graph,
        "Graph users merged with activity callers"
    );
    let raw: serde_json::Value = report
        .account
        .as_ref()
        .and_then(|a| serde_json::from_str(&a.raw).ok())
        .unwrap_or_default();
    assert_eq!(
        raw["subscriptions"]["enabled"], want.subscriptions_enabled as u64,
        "{raw}"
    );
    assert!(
        stream(&report, "activity-log").pages > want.subscriptions_enabled as u64,
        "paging across subscriptions and nextLink"
    );
    let requests = sim.counters().requests;
    let subs = requests
        .iter()
        .filter(|(k, n)| k.starts_with("arm-subscription:") && **n > 0)
        .count();
    assert_eq!(
        subs, want.subscriptions_enabled,
        "exactly the enabled subscriptions were read: {requests:?}"
    );
    assert_eq!(sim.counters().throttled, 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_resource_gets_its_own_token() {
    let sim = sim(AzureSimBuilder::new()
        .activity_events(200)
        .users(50)
        .signins(100)
        .directory_audits(20))
    .await;
    let h = host().await;
    h.add_azure_instance("contoso", &sim);
    h.scan("contoso").await;
    let minted = sim.counters().tokens_minted;
    assert_eq!(minted.len(), 2, "one token per resource: {minted:?}");
    assert!(
        minted.values().all(|n| *n == 1),
        "each minted once: {minted:?}"
    );
    assert_eq!(
        sim.counters().unauthorized,
        0,
        "no token was used on the wrong resource"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_without_the_sign_in_licence_scans_with_that_stream_unavailable() {
    let sim = sim(AzureSimBuilder::new()
        .signins_licensed(false)
        .activity_events(200)
        .users(50)
        .directory_audits(20))
    .await;
    let h = host().await;
    h.add_azure_instance("contoso", &sim);
    let report = h.scan("contoso").await;
    assert!(
        matches!(
            stream(&report, "sign-ins").status,
            StreamStatus::Unavailable { .. }
        ),
        "{:?}",
        stream(&report, "sign-ins").status
    );
    assert!(
        report.first_failure().is_none(),
        "the scan succeeds: {:?}",
        report.first_failure()
    );
    let want = sim.summary();
    assert_eq!(
        h.counts("contoso").activities as usize,
        want.activity_events + want.directory_audits
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_run_completes_with_nothing_lost() {
    let sim = sim(AzureSimBuilder::new()
        .activity_events(600)
        .users(120)
        .signins(300)
        .directory_audits(40))
    .await;
    let h = host().await;
    h.add_azure_instance("contoso", &sim);
    // One of every two of the first 20 API requests is throttled: 10 429s.
    sim.faults().throttle_requests(1, 2, 20);
    let report = h.scan("contoso").await;
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    assert!(
        report.http.throttled >= 10,
        "the storm must have hit: {:?}",
        report.http
    );
    let want = sim.summary();
    let c = h.counts("contoso");
    assert_eq!(
        c.activities as usize,
        want.activity_events + want.signins + want.directory_audits,
        "no activity lost or duplicated"
    );
    assert_eq!(c.users as usize, want.users + want.callers_not_in_graph);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_plugin_sends_conforms_to_the_arm_and_graph_descriptions() {
    let sim = sim(AzureSimBuilder::new()
        .activity_events(300)
        .users(60)
        .signins(100)
        .directory_audits(20))
    .await;
    let h = host().await;
    h.add_azure_instance("contoso", &sim);
    h.scan("contoso").await;
    let arm =
        SpecValidator::load(api_specs_dir().join("arm.json")).unwrap_or_else(|e| panic!("{e}"));
    let graph =
        SpecValidator::load(api_specs_dir().join("graph.json")).unwrap_or_else(|e| panic!("{e}"));
    let log = sim.request_log();
    let mut checked = 0;
    for r in &log {
        let spec = if r.path.starts_with("/v1.0/") {
            &graph
        } else if r.path.starts_with("/subscriptions") {
            &arm
        } else {
            continue;
        };
        checked += 1;
        // Continuation tokens come verbatim from the server's nextLink: they are
        // opaque to the client and not part of the operation's parameters.
        let query: Vec<(String, String)> = r
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("$skiptoken"))
            .cloned()
            .collect();
        if let Err(p) = spec.validate_request(&r.method, &r.path, &query, r.body.as_ref()) {
            panic!("{} {} {:?}: {p:#?}", r.method, r.path, r.query);
        }
    }
    assert!(checked >= 10, "checked {checked} requests");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_login_endpoint_is_blamed_on_the_upstream_and_the_instance_recovers() {
    let sim = sim(AzureSimBuilder::new().users(5)).await;
    let mut h = host().await;
    h.app.options.upstream_timeout = std::time::Duration::from_millis(500);
    h.add_azure_instance("contoso", &sim);
    let (plugin, ctx) = h.open("contoso").await;
    sim.faults().delay_tokens(std::time::Duration::from_secs(3));
    let message = failed_check(&plugin, &ctx, Blame::Upstream, "without a token").await;
    assert!(message.contains("did not answer within 0.5 s"), "{message}");
    sim.faults().delay_tokens(std::time::Duration::ZERO);
    sim.faults().fail_tokens(1, 503);
    let when = "with the login endpoint failing";
    let message = failed_check(&plugin, &ctx, Blame::Upstream, when).await;
    assert!(message.contains("HTTP 503"), "{message}");
    if let Err(e) = plugin.check(&ctx).await {
        panic!("check after the login endpoint recovered: {e}");
    }
    sim.shutdown().await;
}
