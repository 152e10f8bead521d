//! Rate-limit header profiles against a local server that throttles in
//! fixed one-second windows aligned to the epoch second, without a guest:
//! after a 429 the host waits once until the reset the profile reads
//! (instead of guessing with backoff), an answer showing the window spent
//! pauses the bucket before any 429, and `max_in_flight` caps requests on
//! the wire. The server counts; nothing here asserts on elapsed time.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use plugboard_host::capabilities::http::{HttpCapability, OutboundRequest};
use plugboard_host::capabilities::network::{Upstreams, plugin_client};
use plugboard_host::capabilities::ratelimit::RateBuckets;
use plugboard_host::capabilities::secrets::SecretBag;
use plugboard_host::manifest::{Manifest, Method};

/// Requests the server answers per one-second window.
const LIMIT: u64 = 3;
/// Requests each test sends: three windows' worth, less one.
const REQUESTS: u64 = 8;
/// Hang guard for a whole run (the run itself takes about three seconds).
const HANG_GUARD: Duration = Duration::from_secs(120);

/// How the server says when its window resets.
#[derive(Clone, Copy)]
enum Style {
    /// `x-ratelimit-reset` (epoch seconds) and `x-ratelimit-remaining`.
    Epoch,
    /// `RateLimit` / `RateLimit-Policy`.
    Ietf,
}

struct Server {
    style: Style,
    /// Whether answers other than 429 carry the headers too.
    on_success: bool,
    /// Per window (epoch second): answered, throttled.
    windows: Mutex<BTreeMap<u64, (u64, u64)>>,
    /// Request ids answered 200, in order.
    served: Mutex<Vec<u64>>,
    in_flight: AtomicU64,
    peak: AtomicU64,
}

fn epoch_now() -> Duration {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
}

async fn serve(State(s): State<Arc<Server>>, uri: Uri) -> Response {
    let now = s.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    s.peak.fetch_max(now, Ordering::SeqCst);
    if uri.path().starts_with("/slow/") {
        // Unlimited, and slow enough that uncapped requests would overlap.
        tokio::time::sleep(Duration::from_millis(50)).await;
        s.in_flight.fetch_sub(1, Ordering::SeqCst);
        return (StatusCode::OK, "{}").into_response();
    }
    let id: u64 = uri
        .path()
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(u64::MAX);
    let at = epoch_now();
    let window = at.as_secs();
    // Whole seconds until the window ends, rounded up, as servers say it.
    let t = (Duration::from_secs(window + 1) - at).as_secs_f64().ceil() as u64;
    let (ok, remaining) = {
        let mut w = s.windows.lock().unwrap_or_else(|e| e.into_inner());
        let entry = w.entry(window).or_default();
        if entry.0 < LIMIT {
            entry.0 += 1;
            (true, LIMIT - entry.0)
        } else {
            entry.1 += 1;
            (false, 0)
        }
    };
    let headers: Vec<(&'static str, String)> = match s.style {
        Style::Epoch => vec![
            ("x-ratelimit-reset", (window + 1).to_string()),
            ("x-ratelimit-remaining", remaining.to_string()),
            ("x-ratelimit-limit", LIMIT.to_string()),
        ],
        Style::Ietf => vec![
            ("ratelimit", format!("\"default\";r={remaining};t={t}")),
            ("ratelimit-policy", format!("\"default\";q={LIMIT};w=1")),
        ],
    };
    let mut resp = if ok {
        s.served.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        (StatusCode::OK, format!("{{\"id\":{id}}}")).into_response()
    } else {
        // No Retry-After: only the profile's headers say when to come back.
        (StatusCode::TOO_MANY_REQUESTS, "{}").into_response()
    };
    if !ok || s.on_success {
        for (k, v) in headers {
            if let Ok(v) = HeaderValue::from_str(&v) {
                resp.headers_mut().insert(HeaderName::from_static(k), v);
            }
        }
    }
    s.in_flight.fetch_sub(1, Ordering::SeqCst);
    resp
}

fn manifest(headers: &str) -> String {
    format!(
        r#"
id = "rl"
version = "1.0.0"
contract = "0.1.0"

[[egress]]
url = "https://api.example.com/"
methods = ["GET"]

[[ratelimit.bucket]]
name = "api"
match = [{{ path = "/api/*" }}]
quota = {{ default = {{ per_second = 1000 }} }}
max_in_flight = 1

[[ratelimit.bucket]]
name = "slow"
match = [{{ path = "/slow/*" }}]
quota = {{ default = {{ per_second = 1000 }} }}
max_in_flight = 2

[ratelimit.headers]
{headers}
"#
    )
}

const EPOCH: &str = "reset = \"x-ratelimit-reset\"\nreset_kind = \"epoch-seconds\"\n\
                     remaining = \"x-ratelimit-remaining\"\nlimit = \"x-ratelimit-limit\"\n";
const IETF: &str = "ietf = true\n";

async fn start(
    style: Style,
    on_success: bool,
    profile: &str,
) -> (Arc<HttpCapability>, Arc<Server>) {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let server = Arc::new(Server {
        style,
        on_success,
        windows: Mutex::default(),
        served: Mutex::default(),
        in_flight: AtomicU64::new(0),
        peak: AtomicU64::new(0),
    });
    let app = Router::new().fallback(serve).with_state(server.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let manifest = Arc::new(Manifest::parse(&manifest(profile)).unwrap_or_else(|e| panic!("{e}")));
    let routes: BTreeMap<String, String> = [(
        "https://api.example.com".to_string(),
        format!("http://127.0.0.1:{port}"),
    )]
    .into_iter()
    .collect();
    let upstreams = Upstreams::parse(&routes).unwrap_or_else(|e| panic!("{e}"));
    let client = plugin_client(&upstreams).unwrap_or_else(|e| panic!("{e}"));
    let buckets = RateBuckets::new(&manifest.ratelimit, None, 0.8);
    let cap = HttpCapability::new(
        client,
        Arc::new(manifest.http_sections()),
        Arc::new(BTreeMap::new()),
        Arc::new(SecretBag::new(BTreeMap::new(), false)),
        upstreams,
        buckets,
    );
    (Arc::new(cap), server)
}

/// Send `REQUESTS` requests to `/{prefix}/{id}` from four concurrent tasks;
/// every one must come back 200 with its own id.
async fn run(cap: &Arc<HttpCapability>, prefix: &str) {
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let cap = cap.clone();
            let prefix = prefix.to_string();
            tokio::spawn(async move {
                let mut out = Vec::new();
                for id in (t..REQUESTS).step_by(4) {
                    let req = OutboundRequest {
                        method: Method::Get,
                        url: format!("https://api.example.com/{prefix}/{id}"),
                        headers: Vec::new(),
                        secret_headers: Vec::new(),
                        body: None,
                    };
                    let resp = cap.send(req, false).await;
                    out.push((
                        id,
                        resp.map(|r| (r.status, String::from_utf8_lossy(&r.body).to_string())),
                    ));
                }
                out
            })
        })
        .collect();
    let all = tokio::time::timeout(HANG_GUARD, futures::future::join_all(tasks))
        .await
        .unwrap_or_else(|_| panic!("the run hung for {HANG_GUARD:?}"));
    for task in all {
        for (id, resp) in task.unwrap_or_else(|e| panic!("{e}")) {
            match resp {
                Ok((200, body)) => assert_eq!(body, format!("{{\"id\":{id}}}"), "request {id}"),
                other => panic!("request {id} was lost: {other:?}"),
            }
        }
    }
}

/// Every request was served exactly once; returns the 429s per window.
fn throttled_per_window(server: &Server) -> Vec<u64> {
    let served: BTreeSet<u64> = server
        .served
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .copied()
        .collect();
    assert_eq!(served, (0..REQUESTS).collect(), "each request served once");
    server
        .windows
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .map(|(_, throttled)| *throttled)
        .collect()
}

async fn at_most_one_429_per_window(style: Style, profile: &str) {
    // Only the 429s carry the headers: the host learns of the window only
    // by running into it.
    let (cap, server) = start(style, false, profile).await;
    run(&cap, "api").await;
    let per_window = throttled_per_window(&server);
    assert!(
        per_window.iter().all(|n| *n <= 1),
        "429s per exhausted window: {per_window:?}"
    );
    assert!(
        per_window.iter().sum::<u64>() >= 1,
        "{REQUESTS} requests at {LIMIT} a window must run into the limit: {per_window:?}"
    );
    let stats = cap.stats();
    assert_eq!(stats.throttled, per_window.iter().sum::<u64>(), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_epoch_reset_without_retry_after_costs_at_most_one_429_per_window_and_loses_nothing() {
    at_most_one_429_per_window(Style::Epoch, EPOCH).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ietf_ratelimit_fields_cost_at_most_one_429_per_window_and_lose_nothing() {
    at_most_one_429_per_window(Style::Ietf, IETF).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_shown_spent_on_success_pauses_the_bucket_before_any_429() {
    for (what, style, profile) in [("epoch", Style::Epoch, EPOCH), ("ietf", Style::Ietf, IETF)] {
        let (cap, server) = start(style, true, profile).await;
        run(&cap, "api").await;
        let per_window = throttled_per_window(&server);
        assert_eq!(
            per_window.iter().sum::<u64>(),
            0,
            "{what}: 429s per window {per_window:?}"
        );
        assert!(
            per_window.len() >= 3,
            "{what}: {per_window:?} windows for {REQUESTS}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_in_flight_caps_the_bucket_s_requests_on_the_wire() {
    let (cap, server) = start(Style::Epoch, true, EPOCH).await;
    let tasks: Vec<_> = (0..6)
        .map(|id| {
            let cap = cap.clone();
            tokio::spawn(async move {
                let req = OutboundRequest {
                    method: Method::Get,
                    url: format!("https://api.example.com/slow/{id}"),
                    headers: Vec::new(),
                    secret_headers: Vec::new(),
                    body: None,
                };
                cap.send(req, false).await.map(|r| r.status)
            })
        })
        .collect();
    let all = tokio::time::timeout(HANG_GUARD, futures::future::join_all(tasks))
        .await
        .unwrap_or_else(|_| panic!("hung for {HANG_GUARD:?}"));
    let statuses: Vec<_> = all
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")).ok())
        .collect();
    assert!(statuses.iter().all(|s| *s == Some(200)), "{statuses:?}");
    let peak = server.peak.load(Ordering::SeqCst);
    assert!(
        peak <= 2,
        "{peak} requests of a max_in_flight = 2 bucket on the wire at once"
    );
}
