//! Contract versions side by side: a plugin built against contract 0.1.0
//! (`tests/fixtures/legacy`, wit-bindgen straight on `wit/v0.1.0`) and
//! plugins built against 0.2.0 (the SDK's) load and scan in one host, and a
//! component whose imports name another contract than its manifest says is
//! refused before it runs.

use crate::e2e_support;

use std::net::SocketAddr;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use e2e_support::{
    InstanceSpec, TestHost, hostile_manifest, hostile_wasm, plugin_wasm, repo_root, zoom_manifest,
    zoom_wasm,
};
use plugboard_core::Blame;
use plugboard_host::registry::RegistryError;
use plugboard_host::scan::StreamStatus;
use plugboard_sim::zoom::ZoomSimBuilder;

fn legacy_wasm() -> Vec<u8> {
    plugin_wasm("plugboard_legacy_fixture.wasm", "plugboard-legacy-fixture")
}

fn legacy_manifest() -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/legacy/plugin.toml"))
        .unwrap_or_else(|e| panic!("tests/fixtures/legacy/plugin.toml: {e}"))
}

async fn users(uri: Uri) -> Response {
    match uri.path() {
        "/users" => (
            StatusCode::OK,
            r#"[{"id":"u1","email":"one@example.com"},{"id":"u2","email":"two@example.com"}]"#,
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "{}").into_response(),
    }
}

/// A local server for the legacy fixture's `https://legacy.example`.
async fn legacy_upstream() -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().fallback(users)).await;
    });
    format!("http://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_0_plugin_and_0_2_0_plugins_scan_side_by_side_in_one_host() {
    let upstream = legacy_upstream().await;
    let sim = ZoomSimBuilder::new()
        .users(5, 1, 1)
        .activity_days(1)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("starting the simulator: {e}"));
    let host = TestHost::empty();
    let legacy = host
        .add_plugin(&legacy_manifest(), legacy_wasm())
        .await
        .unwrap_or_else(|e| panic!("adding the 0.1.0 plugin: {e}"));
    assert_eq!(legacy.id, "legacy");
    host.add_plugin(&zoom_manifest(), zoom_wasm())
        .await
        .unwrap_or_else(|e| panic!("adding the 0.2.0 Zoom plugin: {e}"));
    assert!(zoom_manifest().contains("contract = \"0.2.0\""));
    host.add_instance(
        &InstanceSpec::new("old", "legacy").upstream("https://legacy.example", &upstream),
    );
    host.add_zoom_instance("new", &sim, "pro");

    let (old, new) = tokio::join!(host.scan("old"), host.scan("new"));
    for report in [&old, &new] {
        assert!(
            report.first_failure().is_none(),
            "{}: {:?}",
            report.instance,
            report.first_failure()
        );
    }
    assert_eq!(
        old.streams.first().map(|s| (&s.status, s.records)),
        Some((&StreamStatus::Completed, 2)),
        "{old:?}"
    );
    assert_eq!(host.counts("old").users, 2);
    assert_eq!(host.counts("new").users, sim.summary().users as u64);
    // The 0.1.0 plugin's requests went through the same host capability.
    assert_eq!(old.http.requests, 1, "{:?}", old.http);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_component_whose_imports_name_another_contract_is_refused() {
    let cases = [
        (
            "a 0.1.0 component under a 0.2.0 manifest",
            legacy_manifest().replace("contract = \"0.1.0\"", "contract = \"0.2.0\""),
            legacy_wasm(),
            "the component was built against contract 0.1.0; set `contract = \"0.1.0\"`",
        ),
        (
            "a 0.2.0 component under a 0.1.0 manifest",
            hostile_manifest().replace("contract = \"0.2.0\"", "contract = \"0.1.0\""),
            hostile_wasm(),
            "the component was built against contract 0.2.0; set `contract = \"0.2.0\"`",
        ),
    ];
    for (what, manifest, wasm, want) in cases {
        let host = TestHost::empty();
        let err = match host.add_plugin(&manifest, wasm).await {
            Ok(info) => panic!("{what}: added as {info:?}"),
            Err(e) => e,
        };
        assert!(
            matches!(err, RegistryError::Runtime { .. }),
            "{what}: {err:?}"
        );
        assert_eq!(err.blame(), Blame::Plugin, "{what}: {err}");
        assert!(err.to_string().contains(want), "{what}: {err}");
        let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            store.plugins().unwrap_or_else(|e| panic!("{e}")).is_empty(),
            "{what}: something was added"
        );
    }
}
