//! One manifest serves many tenants: a `[[config]]` field with a `form`
//! puts each instance's tenant into the host of its egress, audiences and
//! secret destinations. Two instances of one manifest on two tenant origins
//! (each routed to a loopback server of its own) reach only their own
//! tenant; a value outside the declared form is refused when the instance
//! is added, naming the form; the approval prompt shows the pattern.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use plugboard_core::secrets::SecretValue;
use plugboard_host::capabilities::config::SettingsError;
use plugboard_host::capabilities::http::{HttpError, OutboundRequest, SecretHeader};
use plugboard_host::instance::{InstanceError, resolve_config};
use plugboard_host::manifest::{Manifest, Method};
use plugboard_host::runtime::{HostOptions, InstanceContext, InstanceInputs};

const MANIFEST: &str = r#"
id = "desk"
version = "1.0.0"
contract = "0.2.0"

[[config]]
name = "subdomain"
description = "Your desk's subdomain: ACME in https://ACME.desk.example"
form = "dns-label"

[[secret]]
name = "api_token"
send_to = ["https://{config:subdomain}.desk.example/api/v2/"]

[[egress]]
url = "https://{config:subdomain}.desk.example/api/v2/"
methods = ["GET"]
"#;

/// A tenant's server: counts what it is asked and says whose it is.
async fn tenant_server(name: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .fallback(move |State(hits): State<Arc<AtomicUsize>>| async move {
            hits.fetch_add(1, Ordering::SeqCst);
            name
        })
        .with_state(hits.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (port, hits)
}

/// The context of an instance on tenant `subdomain`, whose origin the
/// operator routed to `port`, built as every host builds it.
fn instance(manifest: &Manifest, subdomain: &str, port: u16) -> Arc<InstanceContext> {
    let config: BTreeMap<String, String> =
        [("subdomain".to_string(), subdomain.to_string())].into();
    let routes: BTreeMap<String, String> = [(
        format!("https://{subdomain}.desk.example"),
        format!("http://127.0.0.1:{port}"),
    )]
    .into();
    let secrets = [(
        "api_token".to_string(),
        SecretValue::new(format!("token-of-{subdomain}")),
    )]
    .into();
    InstanceContext::build(
        manifest,
        InstanceInputs {
            instance_id: subdomain,
            config: &config,
            secrets,
            reveal_secrets: false,
            routes: &routes,
        },
        &HostOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn get(url: &str) -> OutboundRequest {
    OutboundRequest {
        method: Method::Get,
        url: url.into(),
        headers: Vec::new(),
        secret_headers: vec![SecretHeader {
            name: "authorization".into(),
            secret: "api_token".into(),
            prefix: "Bearer ".into(),
        }],
        body: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_of_one_manifest_reach_only_their_own_tenant() {
    let manifest = Manifest::parse(MANIFEST).unwrap_or_else(|e| panic!("{e}"));
    let (acme_port, acme_hits) = tenant_server("acme").await;
    let (beta_port, beta_hits) = tenant_server("beta").await;
    let acme = instance(&manifest, "acme", acme_port);
    let beta = instance(&manifest, "beta", beta_port);

    for (ctx, tenant) in [(&acme, "acme"), (&beta, "beta")] {
        let resp = ctx
            .http
            .send(
                get(&format!("https://{tenant}.desk.example/api/v2/users")),
                false,
            )
            .await
            .unwrap_or_else(|e| panic!("{tenant}: {e}"));
        assert_eq!(resp.status, 200, "{tenant}");
        assert_eq!(String::from_utf8_lossy(&resp.body), tenant);
    }
    assert_eq!(
        (
            acme_hits.load(Ordering::SeqCst),
            beta_hits.load(Ordering::SeqCst)
        ),
        (1, 1)
    );

    // Each instance is refused the other tenant's origin, and the pattern's
    // own text is no URL either.
    for (ctx, url) in [
        (&acme, "https://beta.desk.example/api/v2/users"),
        (&beta, "https://acme.desk.example/api/v2/users"),
        (
            &acme,
            "https://{config:subdomain}.desk.example/api/v2/users",
        ),
    ] {
        let err = ctx.http.send(get(url), false).await.err();
        assert!(
            matches!(err, Some(HttpError::Denied(_) | HttpError::Invalid(_))),
            "{url}: {err:?}"
        );
    }
    assert_eq!(
        (
            acme_hits.load(Ordering::SeqCst),
            beta_hits.load(Ordering::SeqCst)
        ),
        (1, 1),
        "a refused request reached a server"
    );
}

#[test]
fn a_tenant_outside_the_declared_form_is_refused_at_add_naming_the_form() {
    let manifest = Manifest::parse(MANIFEST).unwrap_or_else(|e| panic!("{e}"));
    for bad in [
        "evil.example/x?",
        "acme.desk.example",
        "ACME",
        "acme\u{1b}[2J",
        "",
    ] {
        let given: BTreeMap<String, String> = [("subdomain".to_string(), bad.to_string())].into();
        let err = resolve_config(&manifest, &given).err();
        let Some(err @ InstanceError::Settings(SettingsError::Form { .. })) = err else {
            panic!("{bad:?} was accepted or refused for another reason: {err:?}");
        };
        let text = err.to_string();
        assert!(text.contains("one DNS label"), "{bad:?}: {text}");
        assert!(
            !text.contains('\u{1b}'),
            "the value reached the message raw: {text:?}"
        );
        assert_eq!(err.blame(), plugboard_core::Blame::Operator);
    }
}

#[test]
fn the_approval_prompt_shows_the_pattern_exactly() {
    let manifest = Manifest::parse(MANIFEST).unwrap_or_else(|e| panic!("{e}"));
    let prompt = plugboard_host::registry::describe_request(&manifest, false);
    assert!(
        prompt.contains("network      GET https://{config:subdomain}.desk.example/api/v2/"),
        "{prompt}"
    );
    assert!(
        prompt.contains(
            "attached by the host to requests under https://{config:subdomain}.desk.example/api/v2/"
        ),
        "{prompt}"
    );
}
