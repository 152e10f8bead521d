//! End to end: the Zoom plugin connected through the consent flow ("Connect
//! Zoom": authorization code with PKCE, rotating refresh tokens) in the real
//! host, a test acting as the admin's browser on the simulator's consent form.

use crate::e2e_support;

use e2e_support::{InstanceSpec, TestHost};
use plugboard_core::Blame;
use plugboard_core::store::ConnectionStatus;
use plugboard_host::capabilities::auth::AuthError;
use plugboard_host::instance::InstanceError;
use plugboard_host::instance::connect::{begin, finish};
use plugboard_host::scan::{NoProgress, ScanError, StreamStatus, run_scan};
use plugboard_sim::browser::{Decision, consent};
use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};

/// Any loopback redirect URI the simulator's app allows (nothing listens:
/// the test reads the redirect itself).
const REDIRECT: &str = "http://127.0.0.1:4799/callback";

async fn sim() -> ZoomSim {
    ZoomSimBuilder::new()
        .users(40, 5, 2)
        .activity_days(2)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("starting the simulator: {e}"))
}

/// A Zoom instance `name` that authenticates with the OAuth app.
fn add_oauth_instance(host: &TestHost, name: &str, sim: &ZoomSim) {
    let app = sim.oauth_app();
    host.add_instance(
        &InstanceSpec::new(name, "zoom")
            .config("auth", "oauth-app")
            .config("account_id", &sim.credentials().account_id)
            .secret("client_id", &app.client_id)
            .secret("client_secret", &app.client_secret)
            .upstream("https://api.zoom.us", &sim.base_url())
            .upstream("https://zoom.us", &sim.base_url()),
    );
}

/// The query of a redirect `location`.
fn query(location: &str) -> &str {
    location.split_once('?').map(|(_, q)| q).unwrap_or_default()
}

/// Connect `name` as an admin who clicks `decision`; the host's verdict.
async fn connect(host: &TestHost, name: &str, decision: Decision) -> Result<(), InstanceError> {
    let (_, ctx) = host.open(name).await;
    let pending = begin(ctx, None, REDIRECT)?;
    let location = consent(pending.authorize_url(), decision)
        .await
        .unwrap_or_else(|e| panic!("the consent page: {e}"));
    assert!(location.starts_with(REDIRECT), "{location}");
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    let key = host.app.master_key().unwrap_or_else(|e| panic!("{e}"));
    finish(pending, query(&location), store, &key).await
}

async fn scan_error(host: &TestHost, name: &str) -> ScanError {
    let (plugin, ctx) = host.open(name).await;
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    match run_scan(&plugin, &ctx, store, &NoProgress).await {
        Ok(_) => panic!("the scan of {name} succeeded"),
        Err(e) => e,
    }
}

fn status(host: &TestHost, name: &str) -> Option<ConnectionStatus> {
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    store
        .connections(name)
        .unwrap_or_else(|e| panic!("{e}"))
        .first()
        .map(|c| c.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_added_before_consent_scans_nothing_until_connected_then_everything() {
    let sim = sim().await;
    let host = TestHost::with_zoom().await;
    add_oauth_instance(&host, "acme", &sim);
    assert_eq!(status(&host, "acme"), None);
    let before = scan_error(&host, "acme").await;
    assert_eq!(before.blame(), Blame::Operator, "{before}");
    assert!(
        before
            .to_string()
            .contains("plugboard instance connect acme"),
        "{before}"
    );
    assert_eq!(sim.counters().total_requests(), 0, "nothing was asked");

    connect(&host, "acme", Decision::Allow)
        .await
        .unwrap_or_else(|e| panic!("connecting: {e}"));
    assert_eq!(status(&host, "acme"), Some(ConnectionStatus::Connected));
    let report = host.scan("acme").await;
    for s in &report.streams {
        assert_eq!(s.status, StreamStatus::Completed, "{}", s.name);
    }
    let summary = sim.summary();
    let counts = host.counts("acme");
    assert_eq!(
        counts.users, summary.users as u64,
        "{counts:?} vs {summary:?}"
    );
    let c = sim.counters();
    assert_eq!(c.s2s_token_requests, 0, "{c:?}");
    assert_eq!(
        c.issued_refresh_tokens.len(),
        2,
        "exchange + one refresh: {c:?}"
    );
    // No refresh or access token is stored in the clear or shown anywhere.
    let db = std::fs::read(host.app.home().unwrap_or_else(|e| panic!("{e}")).database())
        .unwrap_or_default();
    for token in c.issued_refresh_tokens.iter().chain(&c.issued_tokens) {
        assert!(
            !db.windows(token.len()).any(|w| w == token.as_bytes()),
            "a token is in the database in the clear"
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_refresh_token_survives_a_new_host_and_the_old_one_is_dead() {
    let sim = sim().await;
    let mut host = TestHost::with_zoom().await;
    add_oauth_instance(&host, "acme", &sim);
    connect(&host, "acme", Decision::Allow)
        .await
        .unwrap_or_else(|e| panic!("connecting: {e}"));
    host.scan("acme").await;
    // A new host over the same home, as a new process: only the store
    // carries over (the CLI test restarts real processes).
    host.app = plugboard_host::host::Host::new(Some(host.dir.path().to_path_buf()));
    host.scan("acme").await;
    let issued = sim.counters().issued_refresh_tokens;
    assert_eq!(issued.len(), 3, "exchange, then one rotation per host");
    assert!(sim.refresh_token_is_live(&issued[2]));
    assert!(!sim.refresh_token_is_live(&issued[1]) && !sim.refresh_token_is_live(&issued[0]));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_refresh_token_needs_a_reconnect_and_scans_stop_asking_until_then() {
    let sim = sim().await;
    let host = TestHost::with_zoom().await;
    add_oauth_instance(&host, "acme", &sim);
    connect(&host, "acme", Decision::Allow)
        .await
        .unwrap_or_else(|e| panic!("connecting: {e}"));
    assert_eq!(sim.revoke_refresh_tokens(), 1);
    let first = scan_error(&host, "acme").await;
    assert_eq!(first.blame(), Blame::Operator, "{first}");
    assert_eq!(
        status(&host, "acme"),
        Some(ConnectionStatus::ReconnectNeeded)
    );
    let asked = sim.counters().oauth_app_token_requests;
    for _ in 0..3 {
        let again = scan_error(&host, "acme").await;
        assert!(
            matches!(&again, ScanError::Auth(AuthError::ReconnectNeeded { .. })),
            "{again}"
        );
        assert_eq!(again.blame(), Blame::Operator);
        assert!(
            again
                .to_string()
                .contains("plugboard instance connect acme"),
            "{again}"
        );
    }
    assert_eq!(
        sim.counters().oauth_app_token_requests,
        asked,
        "a scan of a refused connection asks the token endpoint nothing"
    );
    connect(&host, "acme", Decision::Allow)
        .await
        .unwrap_or_else(|e| panic!("reconnecting: {e}"));
    assert_eq!(status(&host, "acme"), Some(ConnectionStatus::Connected));
    host.scan("acme").await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_consent_a_foreign_state_and_a_wrong_verifier_are_each_refused() {
    let sim = sim().await;
    let host = TestHost::with_zoom().await;
    add_oauth_instance(&host, "acme", &sim);
    let refused = |e: InstanceError, what: &str| {
        assert_eq!(e.blame(), Blame::Operator, "{what}: {e}");
        e.to_string()
    };

    let denied = connect(&host, "acme", Decision::Deny)
        .await
        .err()
        .unwrap_or_else(|| panic!("a denied consent connected"));
    let denied = refused(denied, "denied");
    assert!(
        denied.contains("was not given") && denied.contains("access_denied"),
        "{denied}"
    );

    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    let key = host.app.master_key().unwrap_or_else(|e| panic!("{e}"));
    let (_, ctx) = host.open("acme").await;
    let a = begin(ctx.clone(), None, REDIRECT).unwrap_or_else(|e| panic!("{e}"));
    let b = begin(ctx, None, REDIRECT).unwrap_or_else(|e| panic!("{e}"));
    let location = consent(a.authorize_url(), Decision::Allow)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // A's callback delivered to B: another state.
    let b_state = b.state().to_string();
    let mismatch = finish(b, query(&location), store, &key)
        .await
        .err()
        .unwrap_or_else(|| panic!("a foreign state connected"));
    let mismatch = refused(mismatch, "state");
    assert!(mismatch.contains("another state"), "{mismatch}");

    // A's code with B's state and verifier: the state matches B, the
    // verifier does not answer A's challenge.
    let (_, ctx) = host.open("acme").await;
    let c = begin(ctx, None, REDIRECT).unwrap_or_else(|e| panic!("{e}"));
    let fresh = consent(a.authorize_url(), Decision::Allow)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let code = query(&fresh)
        .split('&')
        .find_map(|p| p.strip_prefix("code="))
        .unwrap_or_default()
        .to_string();
    let forged = format!("code={code}&state={}", c.state());
    let wrong = finish(c, &forged, store, &key)
        .await
        .err()
        .unwrap_or_else(|| panic!("a wrong verifier connected"));
    let wrong = refused(wrong, "verifier");
    assert!(wrong.contains("invalid_grant"), "{wrong}");
    assert!(!b_state.is_empty());
    assert_eq!(status(&host, "acme"), None, "nothing was stored");
    sim.shutdown().await;
}
