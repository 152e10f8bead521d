//! The daemon's memory of recent scans: an OpenTelemetry span processor that
//! keeps the spans of the last [`RUNS_PER_INSTANCE`] recorded scans of each
//! instance this node ran, bounded in bytes, for
//! `GET /v1/instances/{id}/runs/{run}/trace`.
//!
//! A trace is kept only when its root is a `scan` span of a recorded run
//! (one with `plugboard.run.id`); other traces (an API credentials check, an
//! upload's `describe`) are never buffered.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use serde::Serialize;

/// Recorded scans kept per instance (the newest).
pub const RUNS_PER_INSTANCE: usize = 10;
/// Bytes of kept scans, all instances together; the oldest go first.
pub const MAX_KEPT_BYTES: usize = 32 << 20;
/// Bytes of one scan's spans; spans past it are counted, not kept.
pub const MAX_RUN_BYTES: usize = 4 << 20;
/// Spans of one scan; spans past it are counted, not kept.
pub const MAX_SPANS_PER_RUN: usize = 10_000;
/// Scans in flight whose spans are buffered; past it the oldest is dropped
/// (a node runs one scan per instance at a time).
pub const MAX_OPEN_SCANS: usize = 64;

/// The recorder: cheap to clone, one store behind every clone.
#[derive(Debug, Clone, Default)]
pub struct RunRecorder {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Scans in flight, by trace id.
    open: HashMap<TraceId, Open>,
    /// Finished scans, oldest first.
    kept: VecDeque<Arc<RunTrace>>,
    kept_bytes: usize,
    /// Order of opening, to drop the oldest open scan.
    opened: u64,
}

#[derive(Debug)]
struct Open {
    seq: u64,
    spans: Vec<SpanData>,
    bytes: usize,
    dropped: u64,
}

/// One kept scan: its spans, offsets from the scan's start.
#[derive(Debug, Clone, Serialize)]
pub struct RunTrace {
    /// Instance id.
    pub instance: String,
    /// The run id (as in `GET /v1/instances/{id}/runs`).
    pub run: i64,
    /// The OpenTelemetry trace id (32 hex digits), as in log lines.
    pub trace_id: String,
    /// When the scan started (RFC 3339).
    pub started_at: String,
    /// Spans past the per-scan bounds, not kept.
    pub dropped_spans: u64,
    /// The spans, by start; the first is the `scan` root.
    pub spans: Vec<TraceSpan>,
    #[serde(skip)]
    bytes: usize,
}

/// One span of a kept scan.
#[derive(Debug, Clone, Serialize)]
pub struct TraceSpan {
    /// Span id (16 hex digits).
    pub id: String,
    /// The parent's span id; `None` for the root.
    pub parent: Option<String>,
    /// `scan`, `page`, `plugin.call`, `http.request`, `ratelimit.wait`,
    /// `token.mint` or `store.write`.
    pub name: String,
    /// Start, in µs from the scan's start.
    pub start_us: u64,
    /// End, in µs from the scan's start.
    pub end_us: u64,
    /// Its attributes.
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Bool(b) => (*b).into(),
        Value::I64(i) => (*i).into(),
        Value::F64(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Value::String(s) => s.as_str().into(),
        other => other.to_string().into(),
    }
}

fn value_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.as_str().len(),
        Value::Array(_) => 64,
        _ => 8,
    }
}

/// What a span costs to keep, roughly: fixed parts, name and attributes.
fn span_bytes(s: &SpanData) -> usize {
    160 + s.name.len()
        + s.attributes
            .iter()
            .map(|kv| 16 + kv.key.as_str().len() + value_bytes(&kv.value))
            .sum::<usize>()
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attrs
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

impl RunRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The spans of run `run` of `instance`, if this node ran it and still
    /// keeps it.
    pub fn trace(&self, instance: &str, run: i64) -> Option<Arc<RunTrace>> {
        self.lock()
            .kept
            .iter()
            .rev()
            .find(|t| t.run == run && t.instance == instance)
            .cloned()
    }

    /// The runs kept now, oldest first, as (instance, run).
    pub fn kept(&self) -> Vec<(String, i64)> {
        self.lock()
            .kept
            .iter()
            .map(|t| (t.instance.clone(), t.run))
            .collect()
    }

    /// Bytes kept now (the estimate the bound applies to).
    pub fn kept_bytes(&self) -> usize {
        self.lock().kept_bytes
    }

    fn open_scan(&self, trace: TraceId) {
        let mut inner = self.lock();
        if inner.open.len() >= MAX_OPEN_SCANS
            && let Some(oldest) = inner
                .open
                .iter()
                .min_by_key(|(_, o)| o.seq)
                .map(|(t, _)| *t)
        {
            inner.open.remove(&oldest);
        }
        inner.opened += 1;
        let seq = inner.opened;
        inner.open.insert(
            trace,
            Open {
                seq,
                spans: Vec::new(),
                bytes: 0,
                dropped: 0,
            },
        );
    }

    fn end(&self, span: SpanData) {
        let trace = span.span_context.trace_id();
        let mut inner = self.lock();
        let Some(open) = inner.open.get_mut(&trace) else {
            return;
        };
        let root = span.parent_span_id == SpanId::INVALID;
        if !root {
            let bytes = span_bytes(&span);
            if open.spans.len() >= MAX_SPANS_PER_RUN || open.bytes + bytes > MAX_RUN_BYTES {
                open.dropped += 1;
            } else {
                open.bytes += bytes;
                open.spans.push(span);
            }
            return;
        }
        let Some(open) = inner.open.remove(&trace) else {
            return;
        };
        let Some(kept) = finish(trace, span, open) else {
            return;
        };
        inner.kept_bytes += kept.bytes;
        let instance = kept.instance.clone();
        inner.kept.push_back(Arc::new(kept));
        // The newest RUNS_PER_INSTANCE of this instance, then the byte bound.
        let of_instance = inner.kept.iter().filter(|t| t.instance == instance).count();
        if of_instance > RUNS_PER_INSTANCE
            && let Some(i) = inner.kept.iter().position(|t| t.instance == instance)
            && let Some(gone) = inner.kept.remove(i)
        {
            inner.kept_bytes -= gone.bytes;
        }
        while inner.kept_bytes > MAX_KEPT_BYTES {
            let Some(gone) = inner.kept.pop_front() else {
                break;
            };
            inner.kept_bytes -= gone.bytes;
        }
    }
}

/// The kept form of a finished scan: `root` and the spans below it, by
/// start; `None` for a scan that was not recorded as a run.
fn finish(trace: TraceId, root: SpanData, open: Open) -> Option<RunTrace> {
    let run = match attr(&root.attributes, "plugboard.run.id")? {
        Value::I64(r) => *r,
        _ => return None,
    };
    let instance = attr(&root.attributes, "plugboard.instance")?
        .as_str()
        .into_owned();
    let start = root.start_time;
    let offset = |t: SystemTime| micros(t.duration_since(start).unwrap_or_default());
    let bytes = open.bytes + span_bytes(&root);
    let mut all = open.spans;
    all.push(root);
    let mut spans: Vec<TraceSpan> = all
        .into_iter()
        .map(|s| TraceSpan {
            id: s.span_context.span_id().to_string(),
            parent: (s.parent_span_id != SpanId::INVALID).then(|| s.parent_span_id.to_string()),
            name: match s.name {
                Cow::Borrowed(n) => n.to_string(),
                Cow::Owned(n) => n,
            },
            start_us: offset(s.start_time),
            end_us: offset(s.end_time),
            attributes: s
                .attributes
                .iter()
                .map(|kv| (kv.key.as_str().to_string(), value_json(&kv.value)))
                .collect(),
        })
        .collect();
    // The root first, then by start.
    spans.sort_by_key(|s| (s.parent.is_some(), s.start_us));
    let started_at = time::OffsetDateTime::from(start)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Some(RunTrace {
        instance,
        run,
        trace_id: trace.to_string(),
        started_at,
        dropped_spans: open.dropped,
        spans,
        bytes,
    })
}

impl SpanProcessor for RunRecorder {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        // Only a root `scan` span opens a buffer; a root is rare (one per
        // scan or API call), so reading its data back is cheap enough.
        if cx.span().span_context().is_valid() {
            return;
        }
        if let Some(data) = span.exported_data()
            && data.name == "scan"
        {
            self.open_scan(data.span_context.trace_id());
        }
    }

    fn on_end(&self, span: SpanData) {
        self.end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::SdkTracerProvider;

    use super::*;

    fn provider(recorder: &RunRecorder) -> opentelemetry_sdk::trace::SdkTracer {
        SdkTracerProvider::builder()
            .with_span_processor(recorder.clone())
            .build()
            .tracer("test")
    }

    /// A scan of `instance` (run `run` when given) with `children` spans.
    fn scan(
        tracer: &opentelemetry_sdk::trace::SdkTracer,
        instance: &str,
        run: Option<i64>,
        children: usize,
    ) {
        let mut attrs = vec![KeyValue::new("plugboard.instance", instance.to_string())];
        if let Some(r) = run {
            attrs.push(KeyValue::new("plugboard.run.id", r));
        }
        let root = tracer
            .span_builder("scan")
            .with_attributes(attrs)
            .start(tracer);
        let cx = Context::current_with_span(root);
        for i in 0..children {
            let mut page = tracer
                .span_builder("page")
                .with_attributes([KeyValue::new("plugboard.page", i as i64 + 1)])
                .start_with_context(tracer, &cx);
            page.end();
        }
        cx.span().end();
    }

    #[test]
    fn it_keeps_the_newest_runs_of_each_instance_and_only_recorded_scans() {
        let recorder = RunRecorder::new();
        let tracer = provider(&recorder);
        for run in 1..=(RUNS_PER_INSTANCE as i64 + 2) {
            scan(&tracer, "a", Some(run), 2);
        }
        scan(&tracer, "b", Some(100), 1);
        scan(&tracer, "b", None, 1);
        let mut other = tracer.start("plugin.call");
        other.end();
        let kept = recorder.kept();
        assert_eq!(
            kept.iter().filter(|(i, _)| i == "a").count(),
            RUNS_PER_INSTANCE
        );
        assert!(recorder.trace("a", 1).is_none(), "the oldest went first");
        assert!(recorder.trace("a", 2).is_none());
        let newest = recorder
            .trace("a", RUNS_PER_INSTANCE as i64 + 2)
            .unwrap_or_else(|| panic!("the newest run is kept"));
        assert_eq!(newest.spans.len(), 3);
        assert_eq!(newest.spans[0].name, "scan");
        assert!(
            newest.spans[1..]
                .iter()
                .all(|s| s.parent.as_deref() == Some(newest.spans[0].id.as_str()))
        );
        assert_eq!(
            kept.iter().filter(|(i, _)| i == "b").count(),
            1,
            "an unrecorded scan is not kept"
        );
        assert!(recorder.lock().open.is_empty(), "nothing left buffered");
    }

    #[test]
    fn a_scan_past_its_span_bound_keeps_the_bound_and_counts_the_rest() {
        let recorder = RunRecorder::new();
        let tracer = provider(&recorder);
        scan(&tracer, "a", Some(1), MAX_SPANS_PER_RUN + 5);
        let t = recorder.trace("a", 1).unwrap_or_else(|| panic!("kept"));
        assert_eq!(
            t.spans.len(),
            MAX_SPANS_PER_RUN + 1,
            "the bound and the root"
        );
        assert_eq!(t.dropped_spans, 5);
        assert!(recorder.kept_bytes() <= MAX_RUN_BYTES + 4096);
    }
}
