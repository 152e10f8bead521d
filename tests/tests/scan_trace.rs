//! Traces of a scan: the real Zoom plugin, in the real host, against the
//! Zoom simulator forced to answer one 429 with `Retry-After`; the spans
//! collected by OpenTelemetry's in-memory exporter (and the daemon's run
//! recorder), the log lines by the binary's log format. Asserts names,
//! parentage and attributes, never durations.

// Its own test binary: it installs a tracing subscriber, and in a process
// shared with other tests their threads can leave a call site's interest
// cached as "never" while it is being installed.
#[path = "e2e/e2e_support/mod.rs"]
mod e2e_support;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use e2e_support::TestHost;
use opentelemetry::Value;
use opentelemetry::trace::SpanId;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use plugboard_host::scan::{NoProgress, ScanPlan, scan_recorded};
use plugboard_host::telemetry::{LogFormat, RunRecorder};
use plugboard_sim::zoom::ZoomSimBuilder;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;

/// Log output kept in memory.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(
            &self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned()
    }
}

fn attr<'a>(s: &'a SpanData, key: &str) -> Option<&'a Value> {
    s.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> std::vec::IntoIter<&'a SpanData> {
    spans
        .iter()
        .filter(|s| s.name == name)
        .collect::<Vec<_>>()
        .into_iter()
}

fn int(s: &SpanData, key: &str) -> Option<i64> {
    match attr(s, key) {
        Some(Value::I64(i)) => Some(*i),
        _ => None,
    }
}

fn text(s: &SpanData, key: &str) -> Option<String> {
    attr(s, key).map(|v| v.as_str().into_owned())
}

#[tokio::test(flavor = "current_thread")]
async fn a_throttled_scan_is_one_trace_of_pages_calls_waits_and_retries_and_its_logs_name_it() {
    let exporter = InMemorySpanExporter::default();
    let recorder = RunRecorder::new();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .with_span_processor(recorder.clone())
        .build();
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .event_format(LogFormat)
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .with_filter(tracing_subscriber::EnvFilter::new(
                    "warn,plugboard_runtime::capabilities::http=debug",
                )),
        )
        .with(plugboard_host::telemetry::layer(&provider));
    // This thread only: the scan runs on it (current-thread runtime).
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = ZoomSimBuilder::new()
        .users(30, 2, 2)
        .activity_days(1)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("starting the simulator: {e}"));
    let host = TestHost::with_zoom().await;
    host.add_zoom_instance("acme", &sim, "pro");
    // The first API request gets a 429 with `Retry-After: 1`.
    sim.faults().throttle_next(1);
    let (plugin, ctx) = host.open("acme").await;
    let store = host.app.store().unwrap_or_else(|e| panic!("{e}"));
    // Other tests of this binary hit the same call sites on their threads;
    // one that registered a call site while this thread's dispatcher was
    // being installed may have cached "never" for it. Ask every call site
    // again, now that the dispatcher is in place.
    tracing::callsite::rebuild_interest_cache();
    let report = scan_recorded(&plugin, &ctx, store, &NoProgress, ScanPlan::FULL)
        .await
        .unwrap_or_else(|e| panic!("scan: {e}"));
    assert!(report.first_failure().is_none(), "{report:?}");
    assert_eq!(report.http.throttled, 1, "one injected 429");
    tracing::warn!("a line outside any scan");
    let run = store
        .last_runs("acme", 1)
        .unwrap_or_else(|e| panic!("{e}"))
        .first()
        .map(|r| r.id)
        .unwrap_or_else(|| panic!("no run recorded"));

    let finished = exporter
        .get_finished_spans()
        .unwrap_or_else(|e| panic!("{e}"));
    // One scan root (opening the instance ran `describe` in a trace of its own).
    let roots: Vec<&SpanData> = finished
        .iter()
        .filter(|s| s.parent_span_id == SpanId::INVALID && s.name == "scan")
        .collect();
    assert_eq!(roots.len(), 1, "one scan");
    let scan = roots[0].clone();
    assert_eq!(text(&scan, "plugboard.instance").as_deref(), Some("acme"));
    assert_eq!(text(&scan, "plugboard.plugin").as_deref(), Some("zoom"));
    assert_eq!(text(&scan, "plugboard.phase").as_deref(), Some("full"));
    assert_eq!(int(&scan, "plugboard.run.id"), Some(run));
    let trace = scan.span_context.trace_id();
    let spans: Vec<SpanData> = finished
        .into_iter()
        .filter(|s| s.span_context.trace_id() == trace)
        .collect();
    let by_id: HashMap<SpanId, &SpanData> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), s))
        .collect();
    let parent = |s: &SpanData| by_id.get(&s.parent_span_id).copied();
    for s in &spans {
        if s.parent_span_id != SpanId::INVALID {
            assert!(parent(s).is_some(), "{} has a parent in the trace", s.name);
        }
    }

    // scan → page → plugin.call(sync) → http.request, and page → store.write.
    let user_pages: Vec<&SpanData> = named(&spans, "page")
        .filter(|p| text(p, "plugboard.stream").as_deref() == Some("users"))
        .collect();
    assert!(!user_pages.is_empty(), "no page span for the users stream");
    let first = user_pages
        .iter()
        .find(|p| int(p, "plugboard.page") == Some(1))
        .unwrap_or_else(|| {
            panic!(
                "no users page 1: {:?}",
                user_pages.iter().map(|p| &p.attributes).collect::<Vec<_>>()
            )
        });
    assert_eq!(parent(first).map(|p| &*p.name), Some("scan"));
    assert!(int(first, "plugboard.records").is_some_and(|n| n > 0));
    let under = |p: &SpanData, name: &str| -> Vec<&SpanData> {
        named(&spans, name)
            .filter(|s| s.parent_span_id == p.span_context.span_id())
            .collect()
    };
    let sync = under(first, "plugin.call");
    assert_eq!(sync.len(), 1, "one plugin call per page");
    assert_eq!(text(sync[0], "plugboard.export").as_deref(), Some("sync"));
    assert!(int(sync[0], "http.requests").is_some_and(|n| n >= 1));
    let writes = under(first, "store.write");
    assert_eq!(writes.len(), 1, "one commit per page");
    assert_eq!(text(writes[0], "db.system.name").as_deref(), Some("sqlite"));
    assert_eq!(
        text(writes[0], "db.operation.name").as_deref(),
        Some("commit_page")
    );
    let requests = under(sync[0], "http.request");
    assert!(
        !requests.is_empty(),
        "the sync call's requests are its children"
    );
    let r = requests[0];
    assert_eq!(text(r, "http.request.method").as_deref(), Some("GET"));
    assert_eq!(text(r, "url.scheme").as_deref(), Some("https"));
    assert_eq!(text(r, "server.address").as_deref(), Some("api.zoom.us"));
    assert_eq!(int(r, "server.port"), Some(443));
    assert_eq!(text(r, "url.path").as_deref(), Some("/v2/users"));
    assert!(
        text(r, "ratelimit.bucket").is_some(),
        "the request's bucket"
    );
    assert!(
        int(r, "ratelimit.wait_ms").is_some(),
        "what it waited for its bucket"
    );
    for export in ["describe", "check", "assess"] {
        assert!(
            named(&spans, "plugin.call")
                .any(|c| text(c, "plugboard.export").as_deref() == Some(export)
                    && parent(c).map(|p| &*p.name) == Some("scan")),
            "no {export} call under the scan"
        );
    }

    // The 429: attempt 1 answered 429 with Retry-After 1 s; attempt 2 (same
    // call) waited on its bucket, then got its answer.
    let throttled: Vec<&SpanData> = named(&spans, "http.request")
        .filter(|s| int(s, "http.response.status_code") == Some(429))
        .collect();
    assert_eq!(throttled.len(), 1, "one 429 span");
    let t = throttled[0];
    assert_eq!(int(t, "plugboard.attempt"), Some(1));
    assert_eq!(int(t, "retry.after_ms"), Some(1000), "Retry-After: 1");
    let retry = named(&spans, "http.request")
        .find(|s| s.parent_span_id == t.parent_span_id && int(s, "plugboard.attempt") == Some(2))
        .unwrap_or_else(|| panic!("no attempt 2 beside the 429"));
    assert_eq!(int(retry, "http.request.resend_count"), Some(1));
    assert_eq!(int(retry, "http.response.status_code"), Some(200));
    assert_eq!(text(retry, "url.path"), text(t, "url.path"));
    assert!(int(retry, "ratelimit.wait_ms").is_some());
    let wait = under(retry, "ratelimit.wait");
    assert_eq!(wait.len(), 1, "attempt 2 waited on its bucket");
    assert_eq!(
        text(wait[0], "ratelimit.bucket"),
        text(retry, "ratelimit.bucket")
    );

    // Token mints: below a request, minted once, then from the cache.
    let mints: Vec<&SpanData> = named(&spans, "token.mint").collect();
    assert!(!mints.is_empty(), "no token.mint span");
    for m in &mints {
        assert_eq!(parent(m).map(|p| &*p.name), Some("http.request"));
        assert_eq!(text(m, "auth.kind").as_deref(), Some("client_credentials"));
    }
    let minted = mints
        .iter()
        .filter(|m| text(m, "token.source").as_deref() == Some("minted"))
        .count();
    assert_eq!(minted, 1, "one mint for the scan");
    assert!(
        mints
            .iter()
            .any(|m| text(m, "token.source").as_deref() == Some("cached"))
    );

    // No secret, token or query value in any attribute.
    let creds = sim.credentials();
    let mut all = String::new();
    for s in &spans {
        for kv in &s.attributes {
            all.push_str(&kv.value.as_str());
            all.push('\n');
        }
    }
    for secret in [&creds.client_secret, &creds.client_id] {
        assert!(
            !all.contains(secret.as_str()),
            "a secret is in a span attribute"
        );
    }
    let mut scrubbed = all.clone();
    assert!(
        !ctx.http.broker().scrub(&mut scrubbed),
        "the access token is in a span attribute"
    );
    assert!(!all.contains('?'), "a query string is in a span attribute");
    for (_, v) in sim.request_log().iter().flat_map(|r| r.query.iter()) {
        assert!(
            v.len() < 8 || !all.contains(v.as_str()),
            "a query value ({v}) is in a span attribute"
        );
    }

    // The log line of the 429 carries the scan's trace id; a line outside
    // any scan carries none.
    let log = logs.text();
    let id = format!("trace_id={trace}");
    let line = log
        .lines()
        .find(|l| l.contains("429: pausing bucket"))
        .unwrap_or_else(|| panic!("no 429 log line in {log}"));
    assert!(line.ends_with(&id), "{line:?} does not end with {id}");
    let outside = log
        .lines()
        .find(|l| l.contains("a line outside any scan"))
        .unwrap_or_else(|| panic!("no outside line in {log}"));
    assert!(!outside.contains("trace_id="), "{outside:?}");

    // The daemon's recorder kept the same trace under the run.
    let kept = recorder
        .trace("acme", run)
        .unwrap_or_else(|| panic!("the recorder kept no trace of run {run}"));
    assert_eq!(kept.trace_id, trace.to_string());
    assert_eq!(kept.spans.len(), spans.len(), "every span, none dropped");
    assert_eq!(kept.dropped_spans, 0);
    assert_eq!(kept.spans[0].name, "scan");
    assert_eq!(kept.spans[0].parent, None);
    sim.shutdown().await;
}
