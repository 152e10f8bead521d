//! One plugin version serves two customers' tenants end to end: the hostile
//! fixture, under a manifest whose egress names a `dns-label` setting in its
//! host, runs as two instances on two tenant origins (each routed to a
//! loopback server of its own). Each instance's GET reaches its own tenant
//! and is refused the other's; a tenant outside the form is refused at
//! `instance add`, naming the form.

use crate::e2e_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use e2e_support::{InstanceSpec, TestHost, hostile_manifest, hostile_wasm};
use plugboard_host::capabilities::config::SettingsError;
use plugboard_host::instance::InstanceError;

/// A tenant's server, counting requests.
async fn tenant() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            "ok"
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://127.0.0.1:{port}"), hits)
}

fn manifest() -> String {
    hostile_manifest()
        + "\n[[config]]\nname = \"subdomain\"\ndescription = \"The tenant: ACME in https://ACME.desk.test\"\nform = \"dns-label\"\n\
           \n[[egress]]\nurl = \"https://{config:subdomain}.desk.test/api/\"\nmethods = [\"GET\"]\n"
}

/// An instance on tenant `subdomain` whose GET (mode `private-ip`) goes to
/// `target`, with both tenants' origins routed as an operator might.
fn spec(name: &str, subdomain: &str, target: &str, routes: &[(&str, &str)]) -> InstanceSpec {
    let mut spec = InstanceSpec::new(name, "hostile")
        .config("subdomain", subdomain)
        .config("target_url", target);
    for (from, to) in routes {
        spec = spec.upstream(from, to);
    }
    spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_manifest_serves_two_tenants_and_each_reaches_only_its_own() {
    let host = TestHost::with_plugin(&manifest(), hostile_wasm()).await;
    let (acme_url, acme_hits) = tenant().await;
    let (beta_url, beta_hits) = tenant().await;
    let routes = [
        ("https://acme.desk.test", acme_url.as_str()),
        ("https://beta.desk.test", beta_url.as_str()),
    ];
    host.add_instance(&spec(
        "acme",
        "acme",
        "https://acme.desk.test/api/users",
        &routes,
    ));
    host.add_instance(&spec(
        "beta",
        "beta",
        "https://beta.desk.test/api/users",
        &routes,
    ));
    for name in ["acme", "beta"] {
        let (plugin, ctx) = host.open(name).await;
        let page = plugin
            .sync(&ctx, "private-ip", None)
            .await
            .unwrap_or_else(|e| panic!("{name} could not reach its own tenant: {e}"));
        assert_eq!(page.records.len(), 1, "{name}: {page:?}");
    }
    assert_eq!(
        (
            acme_hits.load(Ordering::SeqCst),
            beta_hits.load(Ordering::SeqCst)
        ),
        (1, 1)
    );

    // Tenant acme's instance asking for tenant beta's origin is refused before
    // anything is sent, though the operator routed both.
    host.add_instance(&spec(
        "acme-to-beta",
        "acme",
        "https://beta.desk.test/api/users",
        &routes,
    ));
    let (plugin, ctx) = host.open("acme-to-beta").await;
    let err = plugin
        .sync(&ctx, "private-ip", None)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("outside the plugin's egress grant"),
        "acme reached beta's origin: {err}"
    );
    assert_eq!(
        beta_hits.load(Ordering::SeqCst),
        1,
        "beta's server was reached"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_outside_the_declared_form_is_refused_at_instance_add() {
    let host = TestHost::with_plugin(&manifest(), hostile_wasm()).await;
    for bad in ["evil.example/#", "acme.desk.test", "Acme"] {
        let err = host
            .try_add_instance(&spec("x", bad, "https://acme.desk.test/api/", &[]))
            .err();
        let Some(err @ InstanceError::Settings(SettingsError::Form { .. })) = err else {
            panic!("{bad:?} was not refused for its form: {err:?}");
        };
        assert!(err.to_string().contains("one DNS label"), "{err}");
    }
    assert!(
        host.try_add_instance(&spec("ok", "acme", "https://acme.desk.test/api/", &[]))
            .is_ok()
    );
}
