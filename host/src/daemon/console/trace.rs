//! A run's trace on the instance page: the spans the daemon's recorder kept
//! for the newest traced run (scan → page → plugin call → HTTP attempt,
//! rate-limit wait, token mint, store write), one row each on the run's time
//! axis, indented by depth; a 429 in red, a wait in amber.

use maud::{Markup, html};

use super::charts::{self, Span};
use super::layout::clean;
use crate::telemetry::{RunTrace, TraceSpan};

/// The most spans drawn (a scan keeps up to 10,000; the rest are counted).
const MAX_ROWS: usize = 150;

/// One line naming `s`: its name and the attribute that tells it apart.
fn label(s: &TraceSpan, depth: usize) -> String {
    let attr = |k: &str| {
        s.attributes.get(k).map(|v| match v {
            serde_json::Value::String(t) => t.clone(),
            other => other.to_string(),
        })
    };
    let detail = match s.name.as_str() {
        "page" => [
            attr("plugboard.stream"),
            attr("plugboard.page").map(|p| format!("#{p}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" "),
        "plugin.call" => attr("plugboard.export").unwrap_or_default(),
        "http.request" => [
            attr("http.request.method"),
            attr("url.path"),
            attr("http.response.status_code"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" "),
        "ratelimit.wait" => attr("ratelimit.bucket").unwrap_or_default(),
        "token.mint" => attr("token.source").unwrap_or_default(),
        _ => String::new(),
    };
    let indent = "· ".repeat(depth.min(6));
    clean(format!("{indent}{} {detail}", s.name).trim(), 90)
}

fn class(s: &TraceSpan) -> &'static str {
    let status = s
        .attributes
        .get("http.response.status_code")
        .and_then(serde_json::Value::as_i64);
    match (s.name.as_str(), status) {
        (_, Some(429)) => "bad",
        (_, Some(code)) if code >= 400 => "bad",
        ("ratelimit.wait", _) => "warn",
        ("scan" | "page", _) => "idle",
        _ => "ok",
    }
}

/// The rows of `trace`: each span under its parent, by start.
fn rows(trace: &RunTrace) -> Vec<Span> {
    // Each span's parent, looked up once (a scan keeps up to 10,000 spans).
    let parents: std::collections::HashMap<&str, Option<&str>> = trace
        .spans
        .iter()
        .map(|s| (s.id.as_str(), s.parent.as_deref()))
        .collect();
    let depth_of = |s: &TraceSpan| {
        let mut depth = 0;
        let mut parent = s.parent.as_deref();
        while let Some(p) = parent {
            depth += 1;
            parent = parents.get(p).copied().flatten();
            if depth > 16 {
                break;
            }
        }
        depth
    };
    trace
        .spans
        .iter()
        .take(MAX_ROWS)
        .map(|s| Span {
            label: label(s, depth_of(s)),
            start: s.start_us as f64 / 1e6,
            end: s.end_us.max(s.start_us) as f64 / 1e6,
            class: class(s),
        })
        .collect()
}

/// The trace section for `trace`, or a note that no run of this node has
/// one yet.
pub(super) fn section(trace: Option<&RunTrace>) -> Markup {
    let Some(trace) = trace else {
        return html! {
            p class="muted" { "No traced run on this node yet: traces are kept in memory for the last 10 runs this daemon ran (see docs/daemon.md, Traces)." }
        };
    };
    let shown = trace.spans.len().min(MAX_ROWS);
    let left = (trace.spans.len() - shown) as u64 + trace.dropped_spans;
    html! {
        p class="hint" {
            "Run #" (trace.run) ", trace " code { (clean(&trace.trace_id, 40)) } ": "
            (trace.spans.len()) " spans"
            @if left > 0 { " (" (left) " not drawn)" }
            ". Also as JSON: " code { "GET /v1/instances/" (clean(&trace.instance, 80)) "/runs/" (trace.run) "/trace" } "."
        }
        (charts::timeline("trace-svg", "The newest traced run, span by span", &rows(trace)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(id: &str, parent: Option<&str>, name: &str, attrs: serde_json::Value) -> TraceSpan {
        TraceSpan {
            id: id.into(),
            parent: parent.map(String::from),
            name: name.into(),
            start_us: 1_000,
            end_us: 2_000,
            attributes: attrs.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn spans_are_indented_by_depth_and_a_429_and_a_wait_stand_out() {
        let spans = [
            span("a", None, "scan", serde_json::json!({})),
            span(
                "b",
                Some("a"),
                "page",
                serde_json::json!({"plugboard.stream": "users", "plugboard.page": 2}),
            ),
            span(
                "c",
                Some("b"),
                "http.request",
                serde_json::json!({"http.request.method": "GET", "url.path": "/v2/users", "http.response.status_code": 429}),
            ),
            span(
                "d",
                Some("b"),
                "ratelimit.wait",
                serde_json::json!({"ratelimit.bucket": "light"}),
            ),
        ];
        let shown: Vec<(String, &str)> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| (label(s, i.min(2)), class(s)))
            .collect();
        assert_eq!(shown[1], ("· page users #2".to_string(), "idle"));
        assert_eq!(
            shown[2],
            ("· · http.request GET /v2/users 429".to_string(), "bad")
        );
        assert_eq!(shown[3].1, "warn");
    }
}
