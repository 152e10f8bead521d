//! The HTTP capability's host side against a local server, without a guest:
//! the send loop carries out what the policy (`judge`, `hop`) and the retry
//! rules (`retry`) decide — pauses and retries on 429, one re-mint on 401,
//! refusals counted by reason, encoded bodies refused, echoed secrets and
//! tokens scrubbed before anything is returned.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use plugboard_core::secrets::SecretValue;
use plugboard_host::capabilities::http::{
    HttpCapability, HttpError, OutboundRequest, SecretHeader,
};
use plugboard_host::capabilities::network::{Upstreams, plugin_client};
use plugboard_host::capabilities::ratelimit::RateBuckets;
use plugboard_host::capabilities::secrets::SecretBag;
use plugboard_host::manifest::{Manifest, Method};

const API_KEY: &str = "capability-test-key-5c1d";
const CLIENT_SECRET: &str = "capability-client-secret-8e2a";

const MANIFEST: &str = r#"
id = "cap"
version = "1.0.0"
contract = "0.1.0"

[[secret]]
name = "api_key"
send_to = ["https://api.example.com/keys/"]

[[secret]]
name = "client_secret"

[[egress]]
url = "https://api.example.com/"
methods = ["GET"]

[[auth]]
name = "p"
token_url = "https://api.example.com/token"
grant_type = "client_credentials"
client_auth = "form"
client_id = "cap-client"
client_secret = "secret:client_secret"
audience = ["https://api.example.com/api/"]

[ratelimit]
[[ratelimit.bucket]]
name = "api"
match = [{ path = "/throttle" }]
quota = { default = { per_second = 1000 } }
"#;

/// What the local server counts.
#[derive(Default)]
struct Counts {
    throttle: AtomicU64,
    mints: AtomicU64,
    api: AtomicU64,
    seen_tokens: Mutex<Vec<String>>,
}

async fn server(State(c): State<Arc<Counts>>, uri: Uri, headers: HeaderMap) -> Response {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    match uri.path() {
        // Two 429s with a short Retry-After, then an answer.
        "/throttle" => {
            if c.throttle.fetch_add(1, Ordering::SeqCst) < 2 {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "0.05")],
                    "{}",
                )
                    .into_response()
            } else {
                (StatusCode::OK, "{\"ok\":true}").into_response()
            }
        }
        "/token" => {
            let n = c.mints.fetch_add(1, Ordering::SeqCst) + 1;
            (
                StatusCode::OK,
                format!("{{\"access_token\":\"token-number-{n}-abcdef\",\"expires_in\":3600}}"),
            )
                .into_response()
        }
        // Refuses the first token it sees, accepts the next, echoes it.
        "/api/me" => {
            c.api.fetch_add(1, Ordering::SeqCst);
            let auth = text("authorization");
            let mut seen = c.seen_tokens.lock().unwrap_or_else(|e| e.into_inner());
            seen.push(auth.clone());
            if seen.len() == 1 {
                (StatusCode::UNAUTHORIZED, "{}").into_response()
            } else {
                (StatusCode::OK, format!("{{\"you\":\"{auth}\"}}")).into_response()
            }
        }
        "/keys/echo" => {
            let key = text("x-api-key");
            (
                StatusCode::OK,
                [(header::HeaderName::from_static("x-echo"), key.clone())],
                format!("{{\"key\":\"{key}\"}}"),
            )
                .into_response()
        }
        "/gzip" => (
            StatusCode::OK,
            [(header::CONTENT_ENCODING, "gzip")],
            "not really gzip",
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, "{}").into_response(),
    }
}

/// The capability, routed to a fresh local server, and the server's counts.
async fn capability() -> (HttpCapability, Arc<Counts>) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let counts = Arc::new(Counts::default());
    let app = Router::new().fallback(server).with_state(counts.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let manifest = Arc::new(Manifest::parse(MANIFEST).unwrap_or_else(|e| panic!("{e}")));
    let routes: BTreeMap<String, String> = [(
        "https://api.example.com".to_string(),
        format!("http://127.0.0.1:{port}"),
    )]
    .into_iter()
    .collect();
    let upstreams = Upstreams::parse(&routes).unwrap_or_else(|e| panic!("{e}"));
    let secrets = SecretBag::new(
        [
            ("api_key".to_string(), SecretValue::new(API_KEY.into())),
            (
                "client_secret".to_string(),
                SecretValue::new(CLIENT_SECRET.into()),
            ),
        ]
        .into_iter()
        .collect(),
        false,
    );
    let client = plugin_client(&upstreams).unwrap_or_else(|e| panic!("{e}"));
    let buckets = RateBuckets::new(&manifest.ratelimit, None, 0.8);
    let cap = HttpCapability::new(
        client,
        Arc::new(manifest.http_sections()),
        Arc::new(BTreeMap::new()),
        Arc::new(secrets),
        upstreams,
        buckets,
    );
    (cap, counts)
}

fn get(url: &str) -> OutboundRequest {
    OutboundRequest {
        method: Method::Get,
        url: url.into(),
        headers: Vec::new(),
        secret_headers: Vec::new(),
        body: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_request_is_retried_after_its_retry_after_and_its_bucket_is_paused() {
    let (cap, counts) = capability().await;
    let resp = cap
        .send(get("https://api.example.com/throttle"), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status, 200);
    assert_eq!(
        counts.throttle.load(Ordering::SeqCst),
        3,
        "two 429s, then the answer"
    );
    let stats = cap.stats();
    assert_eq!((stats.requests, stats.throttled), (3, 2), "{stats:?}");
    let bucket = cap
        .buckets()
        .snapshot()
        .into_iter()
        .find(|b| b.name() == "api")
        .unwrap_or_else(|| panic!("no bucket api"));
    assert_eq!(
        bucket.stats().granted,
        3,
        "each attempt went through the bucket"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_re_mints_the_token_once_and_the_answer_is_scrubbed_of_it() {
    let (cap, counts) = capability().await;
    let resp = cap
        .send(get("https://api.example.com/api/me"), false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(resp.status, 200);
    assert_eq!(counts.mints.load(Ordering::SeqCst), 2, "one re-mint");
    assert_eq!(cap.stats().unauthorized_retries, 1);
    let seen = counts
        .seen_tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    assert_eq!(
        seen,
        [
            "Bearer token-number-1-abcdef",
            "Bearer token-number-2-abcdef"
        ]
    );
    let body = String::from_utf8_lossy(&resp.body);
    assert_eq!(body, "{\"you\":\"Bearer [redacted]\"}", "the echoed token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_secret_header_is_scrubbed_from_the_body_and_the_headers() {
    let (cap, _) = capability().await;
    let mut req = get("https://api.example.com/keys/echo");
    req.secret_headers.push(SecretHeader {
        name: "X-Api-Key".into(),
        secret: "api_key".into(),
        prefix: String::new(),
    });
    let resp = cap.send(req, false).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        String::from_utf8_lossy(&resp.body),
        "{\"key\":\"[redacted]\"}"
    );
    let echo = resp
        .headers
        .iter()
        .find(|(k, _)| k == "x-echo")
        .map(|(_, v)| v.as_str());
    assert_eq!(echo, Some("[redacted]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encoded_answer_is_refused_and_blamed_on_the_transport() {
    let (cap, _) = capability().await;
    let err = cap.send(get("https://api.example.com/gzip"), false).await;
    match err {
        Err(HttpError::Network(m)) => assert!(m.contains("Content-Encoding \"gzip\""), "{m}"),
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_counted_by_reason_and_nothing_is_sent() {
    let (cap, counts) = capability().await;
    let refused = [
        get("https://evil.example/"),
        get("https://evil.example/again"),
        OutboundRequest {
            method: Method::Put,
            ..get("https://api.example.com/api/me")
        },
    ];
    for req in refused {
        assert!(matches!(
            cap.send(req, false).await,
            Err(HttpError::Denied(_))
        ));
    }
    let stats = cap.stats();
    assert_eq!(stats.denied, 3, "{stats:?}");
    assert_eq!(stats.denied_by.get("outside_grant"), Some(&2), "{stats:?}");
    assert_eq!(
        stats.denied_by.get("write_outside_act"),
        Some(&1),
        "{stats:?}"
    );
    assert_eq!(stats.requests, 0);
    assert_eq!(counts.api.load(Ordering::SeqCst), 0);
}
