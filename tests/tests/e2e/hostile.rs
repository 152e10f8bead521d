//! Hostile plugins and bad input, end to end.
//!
//! Every mode of the hostile fixture (`tests/fixtures/hostile`) must fail its
//! call with blame `plugin` (`slow-upstream`: blame `upstream`, which kept the
//! plugin waiting) and a message that says what happened, commit nothing,
//! and leave the host serving: the same plugin and instance answer a
//! well-behaved call right after, a scan of another instance commits only its
//! good stream, and a Zoom instance on the same host scans to the end.
//! Bad packages and bad instance settings are refused by the registry and
//! instance functions with their blame. Nothing secret reaches the data
//! directory, and a secret the plugin was allowed to read is scrubbed from
//! what it says.

use crate::e2e_support;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use e2e_support::{
    InstanceSpec, TestHost, hostile_manifest, hostile_wasm, zoom_manifest, zoom_wasm,
};
use plugboard_core::Blame;
use plugboard_core::model::ConnectorErrorKind;
use plugboard_host::instance::HostOptions;
use plugboard_host::limits::WriteCaps;
use plugboard_host::registry::RegistryError;
use plugboard_host::runtime::{CallError, InstanceContext, LoadedPlugin};
use plugboard_host::scan::{NoProgress, StreamStatus, run_scan};
use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};

/// The partner API origin as the plugin sees it; each instance routes it to
/// the local [`Partner`] server.
const PARTNER: &str = "https://partner.example";

/// The call deadline of hostile instances: long enough for a local request,
/// short enough that the loop and slow-upstream tests finish quickly.
const SHORT_DEADLINE: Duration = Duration::from_secs(2);

/// How long after the deadline a runaway call may take to be stopped: the
/// host's grace for its own timeout plus scheduling slack.
const STOP_SLACK: Duration = Duration::from_millis(2500);

/// How long the partner's `/slow` endpoint waits: far past the deadline.
const SLOW_ANSWER: Duration = Duration::from_secs(30);

/// The `api_key` secret of hostile instances.
const API_KEY: &str = "hostile-api-key-3a6f0c9e1d";

/// The `api_key` secret of the second hostile instance.
const OTHER_API_KEY: &str = "other-tenant-api-key-77b2e4";

/// The account the fixture's `well-behaved` mode returns.
const WELL_BEHAVED_ID: &str = "well-behaved-1";

/// The second origin and the path-prefix origin of the fixture; each
/// instance routes both to the local [`Partner`] too.
const OTHER: &str = "https://other.example";
const NARROW: &str = "https://narrow.example";

/// The `partner` auth profile's credentials on instances that mint tokens.
const CLIENT_ID: &str = "hostile-client-id";
const CLIENT_SECRET: &str = "hostile-client-secret-9f8e7d";

/// A client id the partner's token endpoint answers with 401, quoting the
/// posted credentials back (as some real endpoints do).
const ECHO_CLIENT_ID: &str = "echo-me";

/// Every fixture mode and the test that covers it. Naming a test that does
/// not exist fails the build; a mode the fixture lists but this table lacks
/// fails `every_fixture_mode_has_a_test`.
macro_rules! covered_modes {
    ($($mode:literal => $test:ident),* $(,)?) => {
        const COVERED: &[&str] = &[$($mode),*];
        #[expect(dead_code, reason = "only proves at compile time that each test exists")]
        fn tests_exist() {
            $(let _ = $test;)*
        }
    };
}

covered_modes! {
    "loop" => an_infinite_loop_is_interrupted_at_the_call_deadline,
    "memory-bomb" => a_memory_bomb_traps_at_the_memory_limit,
    "forbidden-host" => a_request_to_a_host_outside_the_egress_grant_is_refused,
    "private-ip" => a_private_or_loopback_address_is_refused_unless_the_operator_routes_to_it,
    "metadata-ip" => the_cloud_metadata_address_is_refused_even_when_egress_names_it,
    "redirect" => a_redirect_to_a_forbidden_destination_is_refused,
    "steal-secret" => secret_values_cannot_be_revealed_without_the_grant,
    "leak-secret" => a_revealed_secret_is_scrubbed_from_errors_and_records,
    "other-instance-secret" => a_plugin_cannot_attach_secrets_it_did_not_declare,
    "set-authorization" => a_plugin_cannot_set_authorization_on_a_brokered_audience,
    "write-in-sync" => a_sync_cannot_write_upstream,
    "giant-page" => a_page_with_too_many_records_is_refused,
    "huge-raw" => a_record_with_oversized_raw_is_refused,
    "bad-raw" => a_record_whose_raw_is_not_json_is_refused,
    "empty-id" => a_record_with_an_empty_id_is_refused,
    "panic" => a_panic_traps_and_its_message_reaches_the_error,
    "slow-upstream" => a_slow_upstream_is_cut_off_and_blamed_on_the_upstream,
    "endless-cursor" => a_cursor_that_never_advances_is_stopped_at_once,
    "auth-secret-header" => an_auth_profiles_secret_is_never_attached_by_a_plugin,
    "secret-elsewhere" => a_secret_goes_only_to_its_send_to_destinations,
    "echo-secret" => an_echoed_secret_is_scrubbed_before_the_plugin_reads_it,
    "echo-token" => an_echoed_token_is_scrubbed_before_the_plugin_reads_it,
    "token-error" => a_token_endpoint_error_quoting_the_credentials_is_scrubbed,
    "redirect-credentials" => a_redirect_to_another_origin_drops_credentials_and_secret_headers,
    "redirect-into-audience" => a_plugin_authorization_redirected_into_a_brokered_audience_is_refused,
    "redirect-token" => a_token_never_follows_a_redirect_out_of_its_profiles_audience,
    "path-trick" => paths_an_upstream_could_read_differently_are_refused_under_a_path_prefix,
    "escape-text" => terminal_escapes_from_a_plugin_are_neutralised_before_the_store_and_the_error,
    "long-field" => an_over_long_field_in_any_output_is_refused,
    "flood" => a_plugin_cannot_store_past_the_per_scan_and_per_day_caps,
    "unmatched-burst" => requests_no_bucket_matches_are_paced_by_the_unmatched_bucket,
    "final-url" => a_response_names_the_url_that_answered_after_redirects,
    "well-behaved" => the_well_behaved_mode_commits_its_account,
}

// ---- the partner server ----

/// One request the partner server received.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    api_key: Option<String>,
    authorization: Option<String>,
    cookie: Option<String>,
}

/// A local HTTP server standing in for the partner API (routed from
/// [`PARTNER`]) and for a loopback service a plugin should not reach.
struct Partner {
    base_url: String,
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn partner_handler(
    State(seen): State<Arc<Mutex<Vec<Seen>>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let tokens_before = {
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.push(Seen {
            method: method.clone(),
            path: uri.path().to_string(),
            api_key: text("x-api-key"),
            authorization: text("authorization"),
            cookie: text("cookie"),
        });
        seen.iter()
            .filter(|s| s.path.starts_with("/oauth/"))
            .count()
    };
    let redirect =
        |to: &str| (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response();
    let echo = |value: Option<String>| {
        let value = value.unwrap_or_default();
        (
            StatusCode::OK,
            [(axum::http::HeaderName::from_static("x-echo"), value.clone())],
            serde_json::json!({ "echo": value }).to_string(),
        )
            .into_response()
    };
    match uri.path() {
        "/ok" | "/landing" | "/api/me" | "/api/other-landing" => {
            (StatusCode::OK, "{}").into_response()
        }
        "/oauth/token" | "/oauth/other-token" => {
            let form = String::from_utf8_lossy(&body).into_owned();
            if form.contains(&format!("client_id={ECHO_CLIENT_ID}")) {
                // Quote the posted credentials back, as some endpoints do.
                (StatusCode::UNAUTHORIZED, format!("invalid_client: {form}")).into_response()
            } else {
                let token = format!("partner-token-{}", tokens_before);
                (
                    StatusCode::OK,
                    serde_json::json!({ "access_token": token, "expires_in": 3600 }).to_string(),
                )
                    .into_response()
            }
        }
        "/keys/echo" => echo(text("x-api-key")),
        "/api/echo" => echo(text("authorization")),
        "/keys/hop" => redirect(&format!("{OTHER}/landing")),
        "/to-api" => redirect("/api/me"),
        "/to-ok" => redirect("/ok?page=2"),
        "/api/to-other" => redirect(&format!("{OTHER}/api/other-landing")),
        "/v2/trick-redirect" => redirect("/v2/..;/admin"),
        "/redirect" => redirect("https://evil.example.com/stolen"),
        "/redirect-metadata" => redirect("http://169.254.169.254/latest/meta-data/"),
        "/slow" => {
            tokio::time::sleep(SLOW_ANSWER).await;
            (StatusCode::OK, "{}").into_response()
        }
        "/throttle" => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            "{}",
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "{}").into_response(),
    }
}

impl Partner {
    async fn start() -> Partner {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap_or_else(|e| panic!("binding the partner server: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("partner address: {e}"))
            .port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .fallback(partner_handler)
            .with_state(seen.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Partner {
            base_url: format!("http://127.0.0.1:{port}"),
            port,
            seen,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn hits(&self, path: &str) -> usize {
        self.seen().iter().filter(|s| s.path == path).count()
    }

    /// The requests to `path`.
    fn at(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }
}

// ---- the environment ----

/// The fixture manifest, plus egress rules naming the partner server by its
/// loopback address and by `localhost` (so the address policy, not the egress
/// grant, is what refuses them).
fn hostile_manifest_for(partner: &Partner) -> String {
    format!(
        "{}\n[[egress]]\nurl = \"http://127.0.0.1:{port}/\"\nmethods = [\"GET\"]\n\
         \n[[egress]]\nurl = \"http://localhost:{port}/\"\nmethods = [\"GET\"]\n",
        hostile_manifest(),
        port = partner.port
    )
}

/// A hostile instance whose URLs point at the routed partner origin.
fn hostile_spec(name: &str, partner: &Partner) -> InstanceSpec {
    InstanceSpec::new(name, "hostile")
        .config("target_url", &format!("{PARTNER}/ok"))
        .config("redirect_url", &format!("{PARTNER}/redirect"))
        .config("slow_url", &format!("{PARTNER}/slow"))
        .secret("api_key", API_KEY)
        .upstream(PARTNER, &partner.base_url)
        .upstream(OTHER, &partner.base_url)
        .upstream(NARROW, &partner.base_url)
}

/// [`hostile_spec`] with the `partner` profile's credentials, so the host
/// can mint tokens.
fn minting_spec(name: &str, partner: &Partner, client_id: &str) -> InstanceSpec {
    hostile_spec(name, partner)
        .secret("client_id", client_id)
        .secret("client_secret", CLIENT_SECRET)
}

/// One host with the hostile fixture and the Zoom plugin, a hostile instance
/// `h1`, a second hostile instance `h2` with another `api_key`, and a Zoom
/// instance `zoom` on a small simulator.
struct Env {
    host: TestHost,
    partner: Partner,
    sim: ZoomSim,
}

impl Env {
    async fn new() -> Env {
        Self::with_grant(|_| {}).await
    }

    async fn with_grant(edit: impl FnOnce(&mut plugboard_host::registry::Grant)) -> Env {
        let partner = Partner::start().await;
        let sim = ZoomSimBuilder::new()
            .users(20, 2, 1)
            .activity_days(1)
            .start(([127, 0, 0, 1], 0).into())
            .await
            .unwrap_or_else(|e| panic!("starting the simulator: {e}"));
        let host = TestHost::empty();
        host.add_plugin_granted(&hostile_manifest_for(&partner), hostile_wasm(), edit)
            .await
            .unwrap_or_else(|e| panic!("adding the hostile fixture: {e}"));
        host.add_plugin(&zoom_manifest(), zoom_wasm())
            .await
            .unwrap_or_else(|e| panic!("adding the zoom plugin: {e}"));
        host.add_instance(&hostile_spec("h1", &partner));
        let mut h2 = hostile_spec("h2", &partner);
        h2.secrets.insert("api_key".into(), OTHER_API_KEY.into());
        host.add_instance(&h2);
        host.add_zoom_instance("zoom", &sim, "pro");
        Env { host, partner, sim }
    }

    /// Open `name` with the short deadline.
    async fn open_short(&mut self, name: &str) -> (LoadedPlugin, Arc<InstanceContext>) {
        self.open_with(name, short_options()).await
    }

    /// Open `name` with `options`.
    async fn open_with(
        &mut self,
        name: &str,
        options: HostOptions,
    ) -> (LoadedPlugin, Arc<InstanceContext>) {
        self.host.app.options = options;
        let opened = self.host.open(name).await;
        self.host.app.options = HostOptions::default();
        opened
    }

    /// Run `mode` on instance `name` and return its error and how long it
    /// took; then check the same plugin and instance still serve a
    /// well-behaved call.
    async fn hostile_call(&mut self, name: &str, mode: &str) -> (CallError, Duration) {
        self.hostile_call_with(name, mode, short_options(), Blame::Plugin)
            .await
    }

    /// [`Env::hostile_call`] with `options`, expecting `blame`.
    async fn hostile_call_with(
        &mut self,
        name: &str,
        mode: &str,
        options: HostOptions,
        blame: Blame,
    ) -> (CallError, Duration) {
        let (plugin, ctx) = self.open_with(name, options).await;
        let started = Instant::now();
        let result = plugin.sync(&ctx, mode, None).await;
        let took = started.elapsed();
        let err = match result {
            Ok(page) => panic!(
                "mode {mode} on {name} should fail, but returned {} records: {:?}",
                page.records.len(),
                page.records.first()
            ),
            Err(e) => e,
        };
        assert_eq!(err.blame(), blame, "mode {mode}: {err}");
        eprintln!("HOSTILE {mode} on {name} -> {err}");
        assert_still_serves(&plugin, &ctx, mode).await;
        (err, took)
    }

    /// A scan of a fresh instance listing `well-behaved` and `mode`: `mode`
    /// fails with blame plugin and commits nothing, the good stream commits
    /// its account; then a Zoom scan on the same host completes. Returns the
    /// failed stream's error text.
    async fn scan_contains(&mut self, mode: &str) -> String {
        self.scan_contains_with(mode, |spec| spec).await
    }

    /// [`Env::scan_contains`] with the instance's settings edited by `edit`.
    async fn scan_contains_with(
        &mut self,
        mode: &str,
        edit: impl FnOnce(InstanceSpec) -> InstanceSpec,
    ) -> String {
        self.scan_contains_blamed(mode, Blame::Plugin, edit).await
    }

    /// [`Env::scan_contains_with`], expecting the stream to fail with `want`.
    async fn scan_contains_blamed(
        &mut self,
        mode: &str,
        want: Blame,
        edit: impl FnOnce(InstanceSpec) -> InstanceSpec,
    ) -> String {
        let name = format!("scan-{mode}");
        self.host.add_instance(&edit(
            hostile_spec(&name, &self.partner).config("streams", &format!("well-behaved,{mode}")),
        ));
        let (plugin, ctx) = self.open_short(&name).await;
        let store = self
            .host
            .app
            .store()
            .unwrap_or_else(|e| panic!("{e}"))
            .clone();
        let report = run_scan(&plugin, &ctx, &store, &NoProgress)
            .await
            .unwrap_or_else(|e| panic!("scan of {name}: {e}"));
        let stream = |s: &str| {
            report
                .streams
                .iter()
                .find(|r| r.name == s)
                .cloned()
                .unwrap_or_else(|| panic!("no stream {s} in {:?}", report.streams))
        };
        let good = stream("well-behaved");
        assert_eq!(
            (good.status.clone(), good.pages, good.records),
            (StreamStatus::Completed, 1, 1),
            "the well-behaved stream beside {mode}"
        );
        let bad = stream(mode);
        assert_eq!(
            (bad.pages, bad.records),
            (0, 0),
            "{mode} committed something: {bad:?}"
        );
        let error = match &bad.status {
            StreamStatus::Failed { blame, error } => {
                assert_eq!(*blame, want, "{mode}: {error}");
                error.clone()
            }
            other => panic!("{mode} should fail with blame {want}, ended {other:?}"),
        };
        let counts = store.counts(Some(&name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            counts.users, 1,
            "only the well-behaved account is stored beside {mode}: {counts:?}"
        );
        let checkpoint = store
            .checkpoint(&name, mode)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            checkpoint.is_none(),
            "{mode} left a checkpoint: {checkpoint:?}"
        );
        self.assert_zoom_scans().await;
        error
    }

    /// A Zoom instance on the same host scans to the end.
    async fn assert_zoom_scans(&self) {
        let report = self.host.scan("zoom").await;
        assert!(
            report.first_failure().is_none(),
            "the zoom scan failed: {:?}",
            report.first_failure()
        );
        let counts = self
            .host
            .app
            .store()
            .unwrap_or_else(|e| panic!("{e}"))
            .counts(Some("zoom"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(counts.users, self.sim.summary().users as u64, "zoom users");
    }
}

/// Host options with the short call deadline.
fn short_options() -> HostOptions {
    HostOptions {
        call_deadline: SHORT_DEADLINE,
        ..HostOptions::default()
    }
}

/// The plugin still answers a well-behaved call on the same instance.
async fn assert_still_serves(plugin: &LoadedPlugin, ctx: &Arc<InstanceContext>, after: &str) {
    let page = plugin
        .sync(ctx, "well-behaved", None)
        .await
        .unwrap_or_else(|e| panic!("after {after}, a well-behaved call failed: {e}"));
    assert_eq!(page.records.len(), 1, "after {after}: {page:?}");
}

/// The message of a plugin-reported error of kind `plugin` (the SDK's
/// mapping of a host refusal).
fn plugin_message(err: &CallError) -> &str {
    match err {
        CallError::Connector(e) if e.kind == ConnectorErrorKind::Plugin => &e.message,
        other => panic!("expected a plugin-kind error from the plugin, got {other:?}"),
    }
}

fn assert_contains(text: &str, want: &str) {
    assert!(text.contains(want), "{want:?} not in {text:?}");
}

// ---- one test per mode ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_infinite_loop_is_interrupted_at_the_call_deadline() {
    let mut env = Env::new().await;
    let (err, took) = env.hostile_call("h1", "loop").await;
    assert!(matches!(err, CallError::Timeout { .. }), "{err:?}");
    assert_contains(&err.to_string(), "did not finish sync within 2s");
    assert!(
        took < SHORT_DEADLINE + STOP_SLACK,
        "the loop ran {took:?} past a {SHORT_DEADLINE:?} deadline"
    );
    assert_contains(&env.scan_contains("loop").await, "did not finish sync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_memory_bomb_traps_at_the_memory_limit() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "memory-bomb").await;
    assert!(matches!(err, CallError::Trap { .. }), "{err:?}");
    assert_contains(&err.to_string(), "plugin hostile trapped in sync");
    assert_contains(&err.to_string(), "growing memory");
    assert_contains(&env.scan_contains("memory-bomb").await, "trapped in sync");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_to_a_host_outside_the_egress_grant_is_refused() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "forbidden-host").await;
    assert_contains(
        plugin_message(&err),
        "GET https://evil.example.com/ is outside the plugin's egress grant",
    );
    assert_contains(
        &env.scan_contains("forbidden-host").await,
        "outside the plugin's egress grant",
    );
    assert!(env.partner.seen().is_empty(), "{:?}", env.partner.seen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_or_loopback_address_is_refused_unless_the_operator_routes_to_it() {
    let mut env = Env::new().await;
    let loopback = format!("http://127.0.0.1:{}/ok", env.partner.port);
    env.host
        .add_instance(&hostile_spec("direct", &env.partner).config("target_url", &loopback));
    let (err, _) = env.hostile_call("direct", "private-ip").await;
    assert_contains(plugin_message(&err), "is a loopback (RFC 1122) address");
    assert_contains(plugin_message(&err), "unless the operator routes to it");
    assert_eq!(
        env.partner.hits("/ok"),
        0,
        "the loopback server was reached"
    );

    // A permitted name that resolves to loopback is judged by its addresses.
    env.host
        .add_instance(&hostile_spec("by-name", &env.partner).config(
            "target_url",
            &format!("http://localhost:{}/ok", env.partner.port),
        ));
    let (err, _) = env.hostile_call("by-name", "private-ip").await;
    assert_contains(
        plugin_message(&err),
        "resolves only to addresses plugins may not reach",
    );
    assert_eq!(env.partner.hits("/ok"), 0, "localhost was reached");

    // The fixture's default target, a private address.
    env.host
        .add_instance(&InstanceSpec::new("private", "hostile"));
    let (err, _) = env.hostile_call("private", "private-ip").await;
    assert_contains(
        plugin_message(&err),
        "http://10.0.0.1/ is a private-use (RFC 1918) address",
    );

    // The operator's route to the very same address is the explicit allowance.
    env.host.add_instance(
        &hostile_spec("routed", &env.partner)
            .config("target_url", &loopback)
            .upstream(&env.partner.base_url, &env.partner.base_url),
    );
    let (plugin, ctx) = env.open_short("routed").await;
    let page = plugin
        .sync(&ctx, "private-ip", None)
        .await
        .unwrap_or_else(|e| panic!("a routed loopback target should be reachable: {e}"));
    assert_eq!(page.records.len(), 1, "{page:?}");
    assert_eq!(env.partner.hits("/ok"), 1, "{:?}", env.partner.seen());

    let error = env
        .scan_contains_with("private-ip", |spec| spec.config("target_url", &loopback))
        .await;
    assert_contains(&error, "is a loopback (RFC 1122) address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_metadata_address_is_refused_even_when_egress_names_it() {
    let mut env = Env::new().await;
    let (err, took) = env.hostile_call("h1", "metadata-ip").await;
    assert_contains(
        plugin_message(&err),
        "http://169.254.169.254/latest/meta-data/ is a cloud metadata address",
    );
    assert!(
        took < SHORT_DEADLINE,
        "the refusal should come before any connection attempt, took {took:?}"
    );
    assert_contains(
        &env.scan_contains("metadata-ip").await,
        "cloud metadata address",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_a_forbidden_destination_is_refused() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "redirect").await;
    assert_contains(
        plugin_message(&err),
        "redirect refused: GET https://evil.example.com/stolen is outside the plugin's egress grant",
    );
    assert_eq!(env.partner.hits("/redirect"), 1, "{:?}", env.partner.seen());

    // A hop to the metadata address passes the egress grant (the manifest
    // names it) and is refused by the address policy.
    env.host.add_instance(
        &hostile_spec("to-metadata", &env.partner)
            .config("redirect_url", &format!("{PARTNER}/redirect-metadata")),
    );
    let (err, _) = env.hostile_call("to-metadata", "redirect").await;
    assert_contains(plugin_message(&err), "cloud metadata address");

    assert_contains(
        &env.scan_contains("redirect").await,
        "outside the plugin's egress grant",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_values_cannot_be_revealed_without_the_grant() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "steal-secret").await;
    let message = plugin_message(&err);
    assert_contains(message, "reveal(api_key) -> Err(");
    assert_contains(message, "secrets.reveal is not granted");
    assert_contains(message, "reveal(other_instance_client_secret) -> Err(");
    for secret in [
        API_KEY,
        OTHER_API_KEY,
        env.sim.credentials().client_secret.as_str(),
    ] {
        assert!(!message.contains(secret), "a secret leaked: {message}");
    }
    let error = env.scan_contains("steal-secret").await;
    assert!(!error.contains(API_KEY), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_reveal_grant_a_plugin_reads_only_its_own_instances_secrets() {
    // The host scrubs an instance's own secret values out of the plugin's
    // error, so `[redacted]` in place of the value proves the plugin read
    // exactly its own instance's key; another instance's would show.
    let mut env = Env::with_grant(|g| g.reveal_secrets = true).await;
    let (err, _) = env.hostile_call("h1", "steal-secret").await;
    let message = plugin_message(&err);
    assert_contains(message, "reveal(api_key) -> Ok(\"[redacted]\")");
    assert_contains(message, "reveal(other_instance_client_secret) -> Err(");
    assert!(!message.contains(OTHER_API_KEY), "{message}");
    assert!(!message.contains(API_KEY), "{message}");
    let (err, _) = env.hostile_call("h2", "steal-secret").await;
    assert_contains(
        plugin_message(&err),
        "reveal(api_key) -> Ok(\"[redacted]\")",
    );
    assert!(!plugin_message(&err).contains(API_KEY), "{err}");
    assert!(!plugin_message(&err).contains(OTHER_API_KEY), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revealed_secret_is_scrubbed_from_errors_and_records() {
    // Without the grant there is nothing to leak.
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "leak-secret").await;
    assert_contains(plugin_message(&err), "reveal refused");

    let mut env = Env::with_grant(|g| g.reveal_secrets = true).await;
    let (err, _) = env.hostile_call("h1", "leak-secret").await;
    let message = plugin_message(&err);
    assert_eq!(
        message,
        "leak-secret: the api_key is [redacted]; again: [redacted]"
    );
    assert!(!err.to_string().contains(API_KEY), "{err}");

    // In a record, the value is replaced and the record stays valid.
    let (plugin, ctx) = env.open_short("h1").await;
    let page = plugin
        .sync(&ctx, "leak-secret", Some("record".into()))
        .await
        .unwrap_or_else(|e| panic!("the scrubbed record should be accepted: {e}"));
    let shown = format!("{:?}", page.records);
    assert!(!shown.contains(API_KEY), "{shown}");
    match page.records.first() {
        Some(plugboard_core::model::Record::Account(a)) => {
            assert_eq!(a.display_name.as_deref(), Some("key [redacted]"));
            assert_eq!(a.raw, r#"{"api_key":"[redacted]"}"#);
        }
        other => panic!("expected the leaky account, got {other:?}"),
    }

    // Spelt with a JSON escape, the value is found in the decoded JSON.
    let page = plugin
        .sync(&ctx, "leak-secret", Some("escaped".into()))
        .await
        .unwrap_or_else(|e| panic!("the scrubbed record should be accepted: {e}"));
    match page.records.first() {
        Some(plugboard_core::model::Record::Account(a)) => {
            let decoded: serde_json::Value =
                serde_json::from_str(&a.raw).unwrap_or_else(|e| panic!("{e}: {}", a.raw));
            assert_eq!(decoded["api_key"], "[redacted]", "{}", a.raw);
        }
        other => panic!("expected the escaped account, got {other:?}"),
    }

    // What a scan reports (and the CLI stores as the run's error) is scrubbed too.
    let error = env.scan_contains("leak-secret").await;
    assert!(!error.contains(API_KEY), "{error}");
    assert_contains(&error, "the api_key is [redacted]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_cannot_attach_secrets_it_did_not_declare() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "other-instance-secret").await;
    let message = plugin_message(&err);
    assert_contains(
        message,
        "secret \"other_instance_client_secret\" is not declared in the manifest",
    );
    assert_contains(
        message,
        "secret \"../acme/client_secret\" is not declared in the manifest",
    );
    let leaked: Vec<_> = env
        .partner
        .seen()
        .into_iter()
        .filter(|s| s.api_key.is_some())
        .collect();
    assert!(leaked.is_empty(), "secret headers were sent: {leaked:?}");
    assert_contains(
        &env.scan_contains("other-instance-secret").await,
        "is not declared in the manifest",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_cannot_set_authorization_on_a_brokered_audience() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "set-authorization").await;
    assert_contains(
        plugin_message(&err),
        "header `Authorization` may not be set on a brokered audience",
    );
    assert_eq!(env.partner.hits("/api/me"), 0, "{:?}", env.partner.seen());
    assert!(
        env.partner.seen().iter().all(|s| s.authorization.is_none()),
        "{:?}",
        env.partner.seen()
    );
    assert_contains(
        &env.scan_contains("set-authorization").await,
        "may not be set on a brokered audience",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_cannot_write_upstream() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "write-in-sync").await;
    assert_contains(
        plugin_message(&err),
        "PUT https://partner.example/ok refused: only act() may change upstream state",
    );
    assert_contains(&env.scan_contains("write-in-sync").await, "read-only");
    let writes: Vec<_> = env
        .partner
        .seen()
        .into_iter()
        .filter(|s| s.method != Method::GET)
        .collect();
    assert!(writes.is_empty(), "writes reached the partner: {writes:?}");
}

/// `mode`'s output is refused as invalid (blame plugin): the call's error
/// holds every one of `needles`, and the scan's stream failure `in_scan`.
async fn assert_output_refused(mode: &str, needles: &[&str], in_scan: &str) {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", mode).await;
    assert!(matches!(err, CallError::InvalidOutput { .. }), "{err:?}");
    for needle in needles {
        assert_contains(&err.to_string(), needle);
    }
    assert_contains(&env.scan_contains(mode).await, in_scan);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_with_too_many_records_is_refused() {
    assert_output_refused(
        "giant-page",
        &["10001 records in one page (limit 10000)"],
        "10001 records",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_oversized_raw_is_refused() {
    assert_output_refused(
        "huge-raw",
        &["record 0: raw is", "(limit 262144)"],
        "(limit 262144)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_whose_raw_is_not_json_is_refused() {
    assert_output_refused(
        "bad-raw",
        &["record 0: raw is not valid JSON"],
        "raw is not valid JSON",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_with_an_empty_id_is_refused() {
    assert_output_refused(
        "empty-id",
        &["record 0: account.id is empty"],
        "account.id is empty",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_traps_and_its_message_reaches_the_error() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "panic").await;
    assert!(matches!(err, CallError::Trap { .. }), "{err:?}");
    assert_contains(&err.to_string(), "the hostile fixture panics on purpose");
    assert_contains(&env.scan_contains("panic").await, "panics on purpose");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_cut_off_and_blamed_on_the_upstream() {
    let mut env = Env::new().await;
    let routed = format!(
        "https://partner.example (routed to {})",
        env.partner.base_url
    );

    // The call deadline (2 s) fires while the host waits on the upstream
    // (per-request timeout 30 s): the upstream is blamed and named.
    let (err, took) = env
        .hostile_call_with("h1", "slow-upstream", short_options(), Blame::Upstream)
        .await;
    assert!(matches!(err, CallError::UpstreamTimeout { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &format!(
            "upstream {routed} had not answered GET https://partner.example/slow when the 2 s deadline of the sync call ran out"
        ),
    );
    assert_contains(&err.to_string(), "retry later");
    assert!(
        took < SHORT_DEADLINE + STOP_SLACK,
        "the call waited {took:?} on a {SLOW_ANSWER:?} upstream"
    );
    assert_eq!(env.partner.hits("/slow"), 1, "{:?}", env.partner.seen());

    // A per-request timeout shorter than the deadline fails the request
    // itself: the plugin gets `timeout`, reports an upstream error, and the
    // host names the origin and the timeout. (The deadline is a hang guard.)
    let options = HostOptions {
        call_deadline: Duration::from_secs(60),
        upstream_timeout: Duration::from_millis(500),
        ..HostOptions::default()
    };
    let (err, _) = env
        .hostile_call_with("h1", "slow-upstream", options, Blame::Upstream)
        .await;
    match &err {
        CallError::Connector(e) => {
            assert_eq!(e.kind, ConnectorErrorKind::Upstream, "{e}");
            assert_contains(
                &e.message,
                &format!(
                    "(host: upstream {routed} did not answer GET https://partner.example/slow within 0.5 s)"
                ),
            );
        }
        other => panic!("expected the plugin's upstream error, got {other:?}"),
    }
    assert_eq!(env.partner.hits("/slow"), 2, "{:?}", env.partner.seen());

    // An upstream that throttles with a long Retry-After keeps the host
    // waiting to retry: blamed on the upstream too, with its status.
    env.host.add_instance(
        &hostile_spec("throttled", &env.partner).config("slow_url", &format!("{PARTNER}/throttle")),
    );
    let (err, _) = env
        .hostile_call_with(
            "throttled",
            "slow-upstream",
            short_options(),
            Blame::Upstream,
        )
        .await;
    assert_contains(
        &err.to_string(),
        &format!(
            "upstream {routed} answered GET https://partner.example/throttle with HTTP 429 and the host was waiting to retry when the 2 s deadline"
        ),
    );

    let error = env
        .scan_contains_blamed("slow-upstream", Blame::Upstream, |spec| spec)
        .await;
    assert_contains(&error, "had not answered GET https://partner.example/slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_that_never_advances_is_stopped_at_once() {
    let mut env = Env::new().await;
    let name = "endless";
    env.host.add_instance(
        &hostile_spec(name, &env.partner).config("streams", "well-behaved,endless-cursor"),
    );
    let (plugin, ctx) = env.open_short(name).await;
    let store = env
        .host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .clone();
    let started = Instant::now();
    let report = run_scan(&plugin, &ctx, &store, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("scan of {name}: {e}"));
    let endless = report
        .streams
        .iter()
        .find(|s| s.name == "endless-cursor")
        .unwrap_or_else(|| panic!("{:?}", report.streams));
    assert!(
        endless.pages <= 2,
        "a cursor that does not advance is stopped at once, not at the page bound: {} pages",
        endless.pages
    );
    assert!(
        started.elapsed() < Duration::from_secs(300),
        "the bounded stream took {:?}",
        started.elapsed()
    );
    match &endless.status {
        StreamStatus::Failed { blame, error } => {
            assert_eq!(*blame, Blame::Plugin, "{error}");
            assert_contains(error, "did not end");
        }
        other => panic!("an endless cursor should fail the stream, ended {other:?}"),
    }
    let counts = store.counts(Some(name)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts.users, 1, "{counts:?}");
    assert_still_serves(&plugin, &ctx, "endless-cursor").await;
    env.assert_zoom_scans().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_well_behaved_mode_commits_its_account() {
    let mut env = Env::new().await;
    env.host
        .add_instance(&hostile_spec("good", &env.partner).config("streams", "well-behaved"));
    let (plugin, ctx) = env.open_short("good").await;
    let store = env
        .host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .clone();
    let report = run_scan(&plugin, &ctx, &store, &NoProgress)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    let accounts = store
        .accounts(&plugboard_core::store::AccountQuery {
            instance: Some("good".into()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<_> = accounts.iter().map(|a| a.account.id.as_str()).collect();
    assert_eq!(ids, [WELL_BEHAVED_ID]);
}

// ---- where secrets and tokens may go ----

/// The display name of the one account `mode` returned, reversed back: what
/// the plugin itself read from the upstream.
fn read_by_plugin(page: &plugboard_core::model::Page) -> String {
    match page.records.first() {
        Some(plugboard_core::model::Record::Account(a)) => a
            .display_name
            .as_deref()
            .unwrap_or_default()
            .chars()
            .rev()
            .collect(),
        other => panic!("expected one account, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auth_profiles_secret_is_never_attached_by_a_plugin() {
    let mut env = Env::new().await;
    env.host
        .add_instance(&minting_spec("m", &env.partner, CLIENT_ID));
    let (err, _) = env.hostile_call("m", "auth-secret-header").await;
    assert_contains(
        plugin_message(&err),
        "secret `client_secret` belongs to auth profile `partner`: the host sends it only to that profile's token endpoint",
    );
    assert_eq!(
        env.partner.hits("/keys/echo"),
        0,
        "{:?}",
        env.partner.seen()
    );
    let error = env
        .scan_contains_with("auth-secret-header", |s| {
            s.secret("client_id", CLIENT_ID)
                .secret("client_secret", CLIENT_SECRET)
        })
        .await;
    assert_contains(&error, "belongs to auth profile `partner`");
    assert!(!error.contains(CLIENT_SECRET), "{error}");
    assert!(
        env.partner.seen().iter().all(|s| s.api_key.is_none()),
        "{:?}",
        env.partner.seen()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_goes_only_to_its_send_to_destinations() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "secret-elsewhere").await;
    assert_contains(
        plugin_message(&err),
        "secret `api_key` may be sent only to https://partner.example/keys/ (its `send_to` in plugin.toml), not to https://partner.example/ok",
    );
    assert_eq!(env.partner.hits("/ok"), 0, "{:?}", env.partner.seen());
    assert_contains(
        &env.scan_contains("secret-elsewhere").await,
        "may be sent only to https://partner.example/keys/",
    );
    // Inside its destination it is attached, by the host.
    let (plugin, ctx) = env.open_short("h1").await;
    plugin
        .sync(&ctx, "echo-secret", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sent: Vec<_> = env.partner.at("/keys/echo");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].api_key.as_deref(), Some(API_KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_secret_is_scrubbed_before_the_plugin_reads_it() {
    let mut env = Env::new().await;
    let (plugin, ctx) = env.open_short("h1").await;
    let page = plugin
        .sync(&ctx, "echo-secret", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The plugin reversed what it read, so the host's output scrubbing could
    // not have hidden it: the body and the echo header were scrubbed before.
    let read = read_by_plugin(&page);
    assert_eq!(read, r#"{"echo":"[redacted]"}|[redacted]"#);
    assert_eq!(
        env.partner.at("/keys/echo")[0].api_key.as_deref(),
        Some(API_KEY),
        "the upstream did get the key"
    );
    // Without the reveal grant, what is stored is scrubbed too.
    env.host
        .add_instance(&hostile_spec("echo", &env.partner).config("streams", "echo-secret"));
    env.host.scan("echo").await;
    let stored = env
        .host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .accounts(&plugboard_core::store::AccountQuery {
            instance: Some("echo".into()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let shown = format!("{stored:?}");
    let backwards: String = API_KEY.chars().rev().collect();
    assert!(
        !shown.contains(API_KEY) && !shown.contains(&backwards),
        "{shown}"
    );
    assert!(
        shown.contains("]detcader["),
        "the plugin read [redacted]: {shown}"
    );
    assert_still_serves(&plugin, &ctx, "echo-secret").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_token_is_scrubbed_before_the_plugin_reads_it() {
    let mut env = Env::new().await;
    env.host
        .add_instance(&minting_spec("m", &env.partner, CLIENT_ID));
    let (plugin, ctx) = env.open_short("m").await;
    let page = plugin
        .sync(&ctx, "echo-token", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let sent = env.partner.at("/api/echo");
    let token = sent
        .first()
        .and_then(|s| s.authorization.clone())
        .unwrap_or_else(|| panic!("no token reached the audience: {sent:?}"));
    assert!(token.starts_with("Bearer partner-token-"), "{token}");
    let read = read_by_plugin(&page);
    assert_eq!(read, r#"{"echo":"Bearer [redacted]"}|Bearer [redacted]"#);
    assert!(!format!("{page:?}").contains("partner-token-"), "{page:?}");
    assert_still_serves(&plugin, &ctx, "echo-token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_endpoint_error_quoting_the_credentials_is_scrubbed() {
    let mut env = Env::new().await;
    env.host
        .add_instance(&minting_spec("echoing", &env.partner, ECHO_CLIENT_ID));
    let (err, _) = env.hostile_call("echoing", "token-error").await;
    // What the plugin was handed, reversed back.
    let read: String = plugin_message(&err).chars().rev().collect();
    assert_contains(
        &read,
        "refused the credentials of auth profile `partner` (HTTP 401)",
    );
    assert_contains(&read, "client_secret=[redacted]");
    assert!(!read.contains(CLIENT_SECRET), "{read}");
    assert_eq!(
        env.partner.hits("/oauth/token"),
        1,
        "{:?}",
        env.partner.seen()
    );
    assert_eq!(env.partner.hits("/api/me"), 0, "no token, no request");

    // A secret that straddles the host's 300-byte cut of the error body is
    // scrubbed whole before the cut, so no part of it survives.
    let padded = format!("{ECHO_CLIENT_ID}-{}", "p".repeat(211));
    env.host
        .add_instance(&minting_spec("straddling", &env.partner, &padded));
    let (err, _) = env.hostile_call("straddling", "token-error").await;
    let read: String = plugin_message(&err).chars().rev().collect();
    assert!(
        !read.contains(&CLIENT_SECRET[..8]),
        "part of the secret survived the cut: {read}"
    );
}

// ---- what crosses a redirect ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_origin_drops_credentials_and_secret_headers() {
    let mut env = Env::new().await;
    let (plugin, ctx) = env.open_short("h1").await;
    plugin
        .sync(&ctx, "redirect-credentials", None)
        .await
        .unwrap_or_else(|e| panic!("the redirect should be followed: {e}"));
    let first = env.partner.at("/keys/hop");
    assert_eq!(first.len(), 1, "{:?}", env.partner.seen());
    assert_eq!(first[0].api_key.as_deref(), Some(API_KEY));
    assert_eq!(
        first[0].authorization.as_deref(),
        Some("Bearer plugin-made-token")
    );
    assert_eq!(first[0].cookie.as_deref(), Some("session=plugin-made"));
    let landed = env.partner.at("/landing");
    assert_eq!(landed.len(), 1, "{:?}", env.partner.seen());
    assert_eq!(
        (
            &landed[0].api_key,
            &landed[0].authorization,
            &landed[0].cookie
        ),
        (&None, &None, &None),
        "credentials crossed to {OTHER}: {:?}",
        landed[0]
    );
    assert_still_serves(&plugin, &ctx, "redirect-credentials").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_authorization_redirected_into_a_brokered_audience_is_refused() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "redirect-into-audience").await;
    assert_contains(
        plugin_message(&err),
        "header `Authorization` may not be set on a brokered audience",
    );
    assert_eq!(env.partner.hits("/to-api"), 1, "{:?}", env.partner.seen());
    assert_eq!(env.partner.hits("/api/me"), 0, "{:?}", env.partner.seen());
    assert_contains(
        &env.scan_contains("redirect-into-audience").await,
        "may not be set on a brokered audience",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_never_follows_a_redirect_out_of_its_profiles_audience() {
    let mut env = Env::new().await;
    env.host
        .add_instance(&minting_spec("m", &env.partner, CLIENT_ID));
    let (plugin, ctx) = env.open_short("m").await;
    plugin
        .sync(&ctx, "redirect-token", None)
        .await
        .unwrap_or_else(|e| panic!("the redirect should be followed: {e}"));
    let first = env.partner.at("/api/to-other");
    assert!(
        first
            .first()
            .and_then(|s| s.authorization.as_deref())
            .is_some_and(|a| a.starts_with("Bearer partner-token-")),
        "the partner audience gets its token: {first:?}"
    );
    let landed = env.partner.at("/api/other-landing");
    assert_eq!(landed.len(), 1, "{:?}", env.partner.seen());
    assert_eq!(
        landed[0].authorization, None,
        "a token crossed into the `other` profile's audience"
    );
    assert_eq!(
        env.partner.hits("/oauth/other-token"),
        0,
        "the `other` profile minted for a redirect hop"
    );
    assert_still_serves(&plugin, &ctx, "redirect-token").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paths_an_upstream_could_read_differently_are_refused_under_a_path_prefix() {
    let mut env = Env::new().await;
    let (err, _) = env.hostile_call("h1", "path-trick").await;
    let message = plugin_message(&err);
    for (url, what) in [
        ("https://narrow.example/v2/..;/admin", "a dot segment"),
        (
            "https://narrow.example/v2/%2e%2e/admin",
            "an encoded `.` (%2E)",
        ),
        (
            "https://narrow.example/v2/..%2fadmin",
            "an encoded `/` (%2F)",
        ),
        ("https://narrow.example/v2\\..\\admin", "a backslash"),
        (
            "https://narrow.example/v2/%252e%252e/admin",
            "a double-encoded `.` (%252E)",
        ),
    ] {
        // The plugin's lines arrive joined: its newlines are neutralised.
        let line = message
            .split("\\u{a}")
            .find(|l| l.starts_with(&format!("{url}:")))
            .unwrap_or_else(|| panic!("no outcome for {url} in {message}"));
        assert_contains(line, &format!("its path carries {what}"));
    }
    // A tab the URL parser would drop (`..%2\tf` → `..%2f`) is refused first.
    assert_contains(
        message,
        "https://narrow.example/v2/..%2\\u{9}fadmin: malformed request: the URL contains control characters",
    );
    let redirect = message
        .split("\\u{a}")
        .find(|l| l.starts_with("https://narrow.example/v2/trick-redirect:"))
        .unwrap_or_default();
    assert_contains(redirect, "redirect refused");
    assert_contains(redirect, "its path carries a dot segment");
    let reached: Vec<String> = env.partner.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(
        reached,
        ["/v2/trick-redirect"],
        "only the redirecting URL was reached"
    );
    assert_contains(&env.scan_contains("path-trick").await, "its path carries");
}

// ---- text for terminals, resources ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_escapes_from_a_plugin_are_neutralised_before_the_store_and_the_error() {
    let mut env = Env::new().await;
    let (plugin, ctx) = env.open_short("h1").await;
    let err = plugin
        .sync(&ctx, "escape-text", Some("error".into()))
        .await
        .err()
        .unwrap_or_else(|| panic!("the error cursor fails"));
    let text = err.to_string();
    for raw in ['\u{1b}', '\r', '\n', '\u{7}', '\u{202e}'] {
        assert!(!text.contains(raw), "{raw:?} reached the error: {text:?}");
    }
    assert_contains(
        &text,
        "\\u{1b}[2A\\u{1b}[2K\\u{d}network none\\u{202e}\\u{7}",
    );

    env.host
        .add_instance(&hostile_spec("esc", &env.partner).config("streams", "escape-text"));
    let report = env.host.scan("esc").await;
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    let stored = env
        .host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .accounts(&plugboard_core::store::AccountQuery {
            instance: Some("esc".into()),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let account = &stored
        .first()
        .unwrap_or_else(|| panic!("nothing stored"))
        .account;
    assert_eq!(account.id, "escape\\u{1b}[1A");
    assert_eq!(
        account.display_name.as_deref(),
        Some("Eve \\u{1b}[2A\\u{1b}[2K\\u{d}network none\\u{202e}\\u{7}")
    );
    assert_eq!(account.email.as_deref(), Some("eve\\u{202e}moc.elpmaxe@"));
    assert_still_serves(&plugin, &ctx, "escape-text").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_long_field_in_any_output_is_refused() {
    assert_output_refused(
        "long-field",
        &["record 0: account.email is 5012 bytes (limit 4096)"],
        "account.email is 5012 bytes",
    )
    .await;
    // check() and assess() are bounded the same way.
    let mut env = Env::new().await;
    env.host.add_instance(
        &hostile_spec("huge", &env.partner)
            .config("check", "huge")
            .config("assess", "huge"),
    );
    let (plugin, ctx) = env.open_short("huge").await;
    let check = plugin.check(&ctx).await;
    assert!(
        matches!(&check, Err(e @ CallError::InvalidOutput { .. }) if e.blame() == Blame::Plugin && e.to_string().contains("account-info.name is 5000 bytes (limit 4096)")),
        "{check:?}"
    );
    let assess = plugin.assess(&ctx).await;
    assert!(
        matches!(&assess, Err(e @ CallError::InvalidOutput { .. }) if e.to_string().contains("finding 0: finding.evidence is 20480 bytes (limit 16384)")),
        "{assess:?}"
    );
    assert_still_serves(&plugin, &ctx, "huge check and assess").await;
}

/// Scan instance `flood` under `caps`: its `flood` stream must fail, blamed
/// on the plugin, with every one of `wants` in the error; returns its report.
async fn flood_stops_at(
    env: &mut Env,
    caps: WriteCaps,
    wants: &[&str],
) -> plugboard_host::scan::StreamReport {
    env.host.app.options = HostOptions {
        caps,
        ..short_options()
    };
    let report = env.host.scan("flood").await;
    env.host.app.options = HostOptions::default();
    let flood = report
        .streams
        .iter()
        .find(|s| s.name == "flood")
        .cloned()
        .unwrap_or_else(|| panic!("{:?}", report.streams));
    match &flood.status {
        StreamStatus::Failed { blame, error } => {
            assert_eq!(*blame, Blame::Plugin, "{error}");
            for want in wants {
                assert_contains(error, want);
            }
        }
        other => panic!("the flood should stop at {caps:?}, ended {other:?}"),
    }
    flood
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_cannot_store_past_the_per_scan_and_per_day_caps() {
    let mut env = Env::new().await;
    env.host
        .add_instance(&hostile_spec("flood", &env.partner).config("streams", "well-behaved,flood"));
    let store = env
        .host
        .app
        .store()
        .unwrap_or_else(|e| panic!("{e}"))
        .clone();
    let caps = WriteCaps {
        records_per_scan: 250,
        ..Default::default()
    };
    let flood = flood_stops_at(
        &mut env,
        caps,
        &[
            "a page of 100 would pass the cap of 250 per scan",
            "--max-records-per-scan",
        ],
    )
    .await;
    // The well-behaved stream's account and two flood pages fit.
    assert_eq!(flood.records, 100 * ((250 - 1) / 100) as u64, "{flood:?}");
    let stored = store
        .counts(Some("flood"))
        .unwrap_or_else(|e| panic!("{e}"))
        .users;
    assert_eq!(stored, 1 + flood.records, "nothing past the cap is stored");

    // The day's cap counts every scan of the day.
    let used = store.usage_today("flood").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(used.records, 1 + flood.records);
    let caps = WriteCaps {
        records_per_day: used.records + 150,
        ..Default::default()
    };
    flood_stops_at(
        &mut env,
        caps,
        &["would pass the daily cap", "--max-records-per-day"],
    )
    .await;
    let after = store.usage_today("flood").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        after.records <= caps.records_per_day,
        "{after:?} past {caps:?}"
    );
    env.assert_zoom_scans().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_no_bucket_matches_are_paced_by_the_unmatched_bucket() {
    let mut env = Env::new().await;
    let (plugin, ctx) = env.open_short("h1").await;
    plugin
        .sync(&ctx, "unmatched-burst", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let buckets = ctx.http.buckets().snapshot();
    let unmatched = buckets
        .iter()
        .find(|b| b.name() == "unmatched")
        .unwrap_or_else(|| panic!("no unmatched bucket among {buckets:?}"));
    let stats = unmatched.stats();
    assert_eq!(stats.granted, 5, "{stats:?}");
    // Paced, not merely counted: 0.8 × 10 requests a second.
    assert_eq!(stats.rate_per_second, Some(8.0), "{stats:?}");
    assert_eq!(env.partner.hits("/ok"), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_names_the_url_that_answered_after_redirects() {
    // Contract 0.2.0: the plugin learns where a redirect led (in its own
    // view of the origin, never the operator's route), to resolve relative
    // links against it.
    let mut env = Env::new().await;
    let (plugin, ctx) = env.open_short("h1").await;
    let page = plugin
        .sync(&ctx, "final-url", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match page.records.first() {
        Some(plugboard_core::model::Record::Account(a)) => assert_eq!(
            a.display_name.as_deref(),
            Some("https://partner.example/ok?page=2")
        ),
        other => panic!("expected one account, got {other:?}"),
    }
    assert_eq!(env.partner.hits("/ok"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_mode_has_a_test() {
    let host = TestHost::empty();
    let info = host
        .add_plugin(&hostile_manifest(), hostile_wasm())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let listed: Vec<&str> = info.streams.iter().map(|s| s.name.as_str()).collect();
    let untested: Vec<_> = listed.iter().filter(|m| !COVERED.contains(m)).collect();
    assert!(
        untested.is_empty(),
        "fixture modes without a test: {untested:?}"
    );
    let stale: Vec<_> = COVERED.iter().filter(|m| !listed.contains(m)).collect();
    assert!(
        stale.is_empty(),
        "tests for modes the fixture lacks: {stale:?}"
    );
}

// ---- bad packages and bad settings ----

async fn add_err(manifest: &str, wasm: Vec<u8>) -> RegistryError {
    let host = TestHost::empty();
    match host.add_plugin(manifest, wasm).await {
        Ok(info) => panic!("the package should be refused, but described as {info:?}"),
        Err(e) => e,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_that_are_not_components_are_refused_and_blamed_on_the_plugin() {
    let full = hostile_wasm();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a core module",
            b"\0asm\x01\0\0\0".to_vec(),
            "it is a core WebAssembly module",
        ),
        ("text", b"hello, world".to_vec(), "it is not WebAssembly"),
        ("empty", Vec::new(), "it is not WebAssembly"),
        (
            "a truncated component",
            full.get(..full.len() / 2).unwrap_or_default().to_vec(),
            "could not be compiled",
        ),
        (
            "a component with a corrupt body",
            {
                let mut bytes = full.clone();
                for b in bytes.iter_mut().skip(64).step_by(97) {
                    *b ^= 0x5a;
                }
                bytes
            },
            "could not be compiled",
        ),
    ];
    for (what, wasm, want) in cases {
        let err = add_err(&hostile_manifest(), wasm).await;
        assert!(
            matches!(err, RegistryError::Runtime { .. }),
            "{what}: {err:?}"
        );
        assert_eq!(err.blame(), Blame::Plugin, "{what}: {err}");
        assert_contains(&err.to_string(), want);
        assert_contains(&err.to_string(), "plugin hostile 0.1.0");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifests_with_a_wrong_contract_or_unknown_or_missing_fields_are_refused() {
    let good = hostile_manifest();
    let cases = [
        (
            "wrong contract",
            good.replace("contract = \"0.2.0\"", "contract = \"9.9.9\""),
            "plugin targets contract 9.9.9, but this host supports 0.1.0, 0.2.0",
        ),
        (
            "unknown top-level field",
            format!("sandbox = \"off\"\n{good}"),
            "unknown field `sandbox`",
        ),
        (
            "unknown egress field",
            format!(
                "{good}\n[[egress]]\nurl = \"https://partner.example/\"\nmethods = [\"GET\"]\nany_host = true\n"
            ),
            "unknown field `any_host`",
        ),
        (
            "missing contract",
            good.replace("contract = \"0.2.0\"\n", ""),
            "missing field `contract`",
        ),
        (
            "egress with a non-http scheme",
            format!("{good}\n[[egress]]\nurl = \"file:///etc/\"\nmethods = [\"GET\"]\n"),
            "the scheme must be https",
        ),
    ];
    for (what, manifest, want) in cases {
        let err =
            match plugboard_host::registry::PluginSource::from_parts(&manifest, hostile_wasm()) {
                Ok(_) => panic!("{what}: the manifest should be refused"),
                Err(e) => e,
            };
        assert!(
            matches!(err, RegistryError::Manifest { .. }),
            "{what}: {err:?}"
        );
        assert_eq!(err.blame(), Blame::Operator, "{what}: {err}");
        assert_contains(&err.to_string(), want);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_whose_describe_disagrees_with_its_manifest_is_refused() {
    let lookalike = hostile_manifest().replace("id = \"hostile\"", "id = \"zoom\"");
    let err = add_err(&lookalike, hostile_wasm()).await;
    assert!(matches!(err, RegistryError::Describe { .. }), "{err:?}");
    assert_eq!(err.blame(), Blame::Plugin, "{err}");
    assert_contains(
        &err.to_string(),
        "describe() says id \"hostile\" but the manifest says \"zoom\"",
    );
    // The Zoom component under the fixture's manifest is refused the same way.
    let err = add_err(&hostile_manifest(), zoom_wasm()).await;
    assert_contains(
        &err.to_string(),
        "describe() says id \"zoom\" but the manifest says \"hostile\"",
    );
    assert_eq!(err.blame(), Blame::Plugin, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_with_missing_secrets_or_undeclared_settings_are_refused() {
    let host = TestHost::with_zoom().await;
    host.add_plugin(&hostile_manifest(), hostile_wasm())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let zoom = InstanceSpec::new("z", "zoom")
        .config("account_id", "acct")
        .secret("client_id", "id");
    let cases = [
        (zoom, "instance is missing required secret `client_secret`"),
        (
            InstanceSpec::new("h", "hostile").config("evil_key", "1"),
            "instance setting `evil_key` is not declared by the plugin",
        ),
        (
            InstanceSpec::new("h", "hostile").secret("root_password", "x"),
            "secret `root_password` is not declared by the plugin",
        ),
        (
            InstanceSpec::new("h", "hostile").upstream("not a url", "http://127.0.0.1:1"),
            "upstream route \"not a url\"",
        ),
        (
            InstanceSpec::new("../h", "hostile"),
            "must be 1-64 letters, digits",
        ),
    ];
    for (spec, want) in cases {
        let err = match host.try_add_instance(&spec) {
            Ok(()) => panic!("{spec:?} should be refused"),
            Err(e) => e,
        };
        assert_eq!(err.blame(), Blame::Operator, "{spec:?}: {err}");
        assert_contains(&err.to_string(), want);
    }
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    let left = store.instances().unwrap_or_else(|e| panic!("{e}"));
    assert!(left.is_empty(), "refused instances were stored: {left:?}");
}

// ---- nothing secret at rest ----

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_token_reaches_the_data_directory() {
    let mut env = Env::new().await;
    env.assert_zoom_scans().await;
    // Hostile attempts on the api_key are stored as failed streams, if at all.
    env.scan_contains("steal-secret").await;
    env.scan_contains("other-instance-secret").await;

    let creds = env.sim.credentials();
    let tokens = env.sim.counters().issued_tokens;
    assert!(!tokens.is_empty(), "the scan minted no token");
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{}:{}", creds.client_id, creds.client_secret),
    );
    let mut needles: Vec<(String, String)> = vec![
        ("zoom client_secret".into(), creds.client_secret.clone()),
        ("zoom Basic credentials".into(), basic),
        ("hostile api_key".into(), API_KEY.into()),
        ("second hostile api_key".into(), OTHER_API_KEY.into()),
    ];
    needles.extend(
        tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("access token {i}"), t.clone())),
    );

    // The store stays open, so its WAL and shared-memory files are present.
    let mut files = Vec::new();
    files_under(env.host.dir.path(), &mut files);
    let names: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.ends_with(".db") || n.contains("sqlite")),
        "no database among {names:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for (what, value) in &needles {
            assert!(
                !find(&bytes, value.as_bytes()),
                "{what} found in {}",
                file.display()
            );
        }
    }
}
