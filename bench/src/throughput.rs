//! Throughput: records per second the Zoom plugin parses and returns from a
//! recorded page, against the same parsing compiled natively.
//!
//! The page (`plugins/zoom/tests/fixtures/users_page_300.json`, 300 users) is
//! served by a loopback HTTP server reached through the host's upstream
//! routes, with no rate buckets, so no pacing is involved. Three paths run
//! interleaved, round after round, so machine noise hits them alike:
//!
//! - **native**: `plugboard_zoom::parse_users_page(bytes)`, in this process;
//! - **http**: the host's `HttpCapability::send` of the plugin's request
//!   (egress check, token injection, loopback round trip, body read);
//! - **plugin**: `LoadedPlugin::sync("users")` as a scan calls it: a fresh
//!   store and instance, the guest's request through the same `send`, guest
//!   parsing, records lifted into host types and validated.
//!
//! `plugin - http` is the sandbox's share: instantiation, the guest's
//! parsing, copying records across the boundary and validating them. Two
//! more timings split it: the same `sync` on an instance kept alive (no
//! instantiation, guest heap already faulted in) and the host's
//! `validate_page` on the returned page alone.

use std::time::Instant;

use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};
use plugboard_host::capabilities::http::OutboundRequest;
use plugboard_host::manifest::Method;
use plugboard_host::runtime::{LoadedPlugin, validate_page};

use crate::measure::Samples;
use crate::report::Report;
use crate::setup::{repo_root, unpaced_zoom_context};

/// The request the plugin makes for the first page of active users.
const USERS_URL: &str = "https://api.zoom.us/v2/users?status=active&page_size=300";

/// Rounds before timing (mints the token, warms connections and pool slots).
const WARMUP: usize = 20;

/// Serve `page` at `GET /v2/users` and a token at `POST /oauth/token` on
/// loopback; returns the base URL.
async fn serve_recorded(page: Bytes) -> anyhow::Result<String> {
    let app = Router::new()
        .route(
            "/oauth/token",
            post(|| async {
                axum::Json(serde_json::json!({
                    "access_token": "bench-token",
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "scope": "user:read:admin"
                }))
            }),
        )
        .route(
            "/v2/users",
            get(move || {
                let page = page.clone();
                async move { ([(CONTENT_TYPE, "application/json")], page) }
            }),
        );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("recorded-page server stopped: {e}");
        }
    });
    Ok(format!("http://{addr}"))
}

/// `rounds` interleaved rounds of native parse, HTTP fetch and plugin sync.
pub async fn run(report: &mut Report, zoom: &LoadedPlugin, rounds: usize) -> anyhow::Result<()> {
    let fixture = repo_root().join("plugins/zoom/tests/fixtures/users_page_300.json");
    let page = std::fs::read(&fixture).with_context(|| format!("reading {}", fixture.display()))?;
    let base = serve_recorded(Bytes::from(page.clone())).await?;
    let ctx = unpaced_zoom_context(zoom, &base)?;
    let request = || OutboundRequest {
        method: Method::Get,
        url: USERS_URL.into(),
        headers: vec![("Accept".into(), "application/json".into())],
        secret_headers: Vec::new(),
        body: None,
    };

    let mut live = zoom.instantiate_idle(&ctx).await?;
    let (mut native, mut http, mut plugin, mut warm, mut validate, mut traced) = (
        Samples::with_capacity(rounds),
        Samples::with_capacity(rounds),
        Samples::with_capacity(rounds),
        Samples::with_capacity(rounds),
        Samples::with_capacity(rounds),
        Samples::with_capacity(rounds),
    );
    // Spans on, as `plugboard serve` has them: the OpenTelemetry layer
    // feeding the run recorder (no export), installed for this thread only
    // while the traced sync runs.
    let pipeline =
        plugboard_host::telemetry::Pipeline::start(&plugboard_host::telemetry::Export::Off)?;
    let traced_dispatch = tracing::Dispatch::new({
        use tracing_subscriber::layer::SubscriberExt as _;
        tracing_subscriber::registry().with(pipeline.layer())
    });
    let mut records = 0usize;
    for round in 0..WARMUP + rounds {
        let t = Instant::now();
        let (parsed, _) = plugboard_zoom::parse_users_page(std::hint::black_box(&page))
            .map_err(|e| anyhow::anyhow!("native parse: {}", e.message))?;
        let native_t = t.elapsed();
        records = parsed.len();
        drop(parsed);

        let t = Instant::now();
        let response = ctx.http.send(request(), false).await?;
        let http_t = t.elapsed();
        anyhow::ensure!(
            response.body.len() == page.len(),
            "the server answered another body"
        );

        let t = Instant::now();
        let synced = zoom.sync(&ctx, "users", None).await?;
        let plugin_t = t.elapsed();
        anyhow::ensure!(
            synced.records.len() == records,
            "the plugin returned {} records, native parsing {records}",
            synced.records.len()
        );

        let t = Instant::now();
        let traced_sync = {
            let _on = tracing::dispatcher::set_default(&traced_dispatch);
            // A scan root as the daemon opens one, so the recorder keeps it.
            let scan = tracing::info_span!(
                "scan",
                plugboard.instance = "bench",
                plugboard.run.id = round as i64
            );
            tracing::Instrument::instrument(zoom.sync(&ctx, "users", None), scan).await?
        };
        let traced_t = t.elapsed();
        anyhow::ensure!(
            traced_sync.records.len() == records,
            "the traced sync disagrees"
        );

        let t = Instant::now();
        validate_page(&synced).map_err(anyhow::Error::msg)?;
        let validate_t = t.elapsed();

        let t = Instant::now();
        let again = live.sync("users", None).await?;
        let warm_t = t.elapsed();
        anyhow::ensure!(
            again.records.len() == records,
            "the live instance disagrees"
        );

        if round >= WARMUP {
            native.push(native_t);
            http.push(http_t);
            plugin.push(plugin_t);
            validate.push(validate_t);
            warm.push(warm_t);
            traced.push(traced_t);
        }
    }
    anyhow::ensure!(
        pipeline
            .recorder
            .trace("bench", (WARMUP + rounds - 1) as i64)
            .is_some(),
        "the recorder kept no trace of the traced syncs"
    );
    pipeline.shutdown();

    let n = records as f64;
    let (native_s, http_s, plugin_s) = (native.median_s(), http.median_s(), plugin.median_s());
    let sandbox_s = plugin_s - http_s;
    report.metric(
        "throughput",
        format!("native parse of one page ({records} users), median of {rounds}"),
        native_s * 1e3,
        "ms",
        "plugboard_zoom::parse_users_page compiled for x86_64 (same crate, same opt-level)",
    );
    report.metric(
        "throughput",
        "host HTTP fetch of the page",
        http_s * 1e3,
        "ms",
        "HttpCapability::send over loopback: egress check, token, request, 196 KiB body",
    );
    report.metric(
        "throughput",
        "plugin sync(\"users\") of the page",
        plugin_s * 1e3,
        "ms",
        "fresh store + instantiate + the same fetch + guest parse + lift + validate",
    );
    report.metric(
        "throughput",
        "  of which: the same sync on a live instance",
        warm.median_s() * 1e3,
        "ms",
        "no instantiation, guest heap already grown and resident",
    );
    report.metric(
        "throughput",
        "  of which: host validate_page of the records",
        validate.median_s() * 1e3,
        "ms",
        "limits + raw JSON well-formedness, host side (a native connector would skip it)",
    );
    report.metric(
        "throughput",
        "native records/s (parse only)",
        n / native_s,
        "records/s",
        "",
    );
    report.metric(
        "throughput",
        "plugin records/s (parse + sandbox, fetch excluded)",
        n / sandbox_s,
        "records/s",
        "records / (plugin sync - host fetch)",
    );
    report.metric(
        "throughput",
        "  the same sync with spans on (recorder, no export)",
        traced.median_s() * 1e3,
        "ms",
        "the daemon's OpenTelemetry layer and run recorder; interleaved with the untraced sync",
    );
    report.metric(
        "throughput",
        "tracing overhead on sync (spans on / off)",
        traced.median_s() / plugin_s,
        "x",
        "median traced sync / median untraced sync, same rounds",
    );
    let parse_ratio = native_s / sandbox_s;
    report.metric(
        "throughput",
        "plugin / native, parsing work",
        parse_ratio,
        "x",
        "native parse time / (plugin sync - host fetch)",
    );
    report.metric(
        "throughput",
        "plugin / native, fetch + parse",
        (http_s + native_s) / plugin_s,
        "x",
        "(host fetch + native parse) / plugin sync: what a native connector in the host would do",
    );
    report.target(
        "plugin throughput >= 0.75 of native (same parsing work)",
        parse_ratio,
        0.75,
        "x",
        true,
    );
    Ok(())
}
