//! Traces of scans: `tracing` spans (`scan` → `page` → `plugin.call` →
//! `http.request`, `ratelimit.wait`, `token.mint`, `store.write`) bridged to
//! OpenTelemetry, kept per run by the daemon's [`RunRecorder`] and exported
//! over OTLP (HTTP/protobuf) when configured; and the log format that puts
//! the trace id on every log line written inside a span.
//!
//! Nothing here is installed unless the binary asks: without the
//! OpenTelemetry layer (every command but `serve`, unless OTLP is
//! configured), the spans are disabled at their call sites and cost a
//! level check.

mod format;
mod recorder;

pub use format::{LogFormat, TraceIds, current_trace_id};
pub use recorder::{
    MAX_KEPT_BYTES, MAX_OPEN_SCANS, MAX_RUN_BYTES, MAX_SPANS_PER_RUN, RUNS_PER_INSTANCE,
    RunRecorder, RunTrace, TraceSpan,
};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use plugboard_core::Blame;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

/// The environment variables that configure OTLP export (the standard ones).
pub const OTLP_ENV: [&str; 2] = [
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
];

/// Where the spans go: the recorder and, when configured, an OTLP collector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Export {
    /// Nowhere but the recorder.
    Off,
    /// To the collector the standard `OTEL_EXPORTER_OTLP_*` variables name.
    FromEnv,
    /// To this OTLP/HTTP base endpoint (`/v1/traces` is added), e.g.
    /// `http://collector:4318`.
    Endpoint(String),
}

impl Export {
    /// From `--otlp-endpoint` (wins), else the standard environment
    /// variables (a set, non-empty one turns export on), else off.
    pub fn choose(flag: Option<&str>) -> Export {
        if let Some(url) = flag.filter(|u| !u.trim().is_empty()) {
            return Export::Endpoint(url.trim().to_string());
        }
        let set = OTLP_ENV
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if set { Export::FromEnv } else { Export::Off }
    }
}

/// Telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The OTLP exporter could not be built from the configuration.
    #[error(
        "cannot export traces over OTLP to {target}: {cause}; fix --otlp-endpoint or the OTEL_EXPORTER_OTLP_* variables (an http:// or https:// URL such as http://collector:4318), or unset them to run without export"
    )]
    Otlp {
        /// The endpoint, or which variables.
        target: String,
        /// The exporter's reason.
        cause: String,
    },
}

impl TelemetryError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            TelemetryError::Otlp { .. } => Blame::Operator,
        }
    }
}

/// The OTLP/HTTP span exporter for `export`, `None` when export is off.
pub fn otlp_exporter(export: &Export) -> Result<Option<impl SpanExporter + use<>>, TelemetryError> {
    let builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary);
    let (builder, target) = match export {
        Export::Off => return Ok(None),
        Export::FromEnv => (builder, OTLP_ENV.join(" / ")),
        // The value is not echoed: a URL may carry a password.
        Export::Endpoint(base) => {
            let url = traces_url(base).map_err(|cause| TelemetryError::Otlp {
                target: "the --otlp-endpoint URL".into(),
                cause,
            })?;
            (
                builder.with_endpoint(url),
                "the --otlp-endpoint URL".to_string(),
            )
        }
    };
    builder.build().map(Some).map_err(|e| {
        let mut cause = e.to_string();
        plugboard_core::text::clean_line(&mut cause, 300);
        TelemetryError::Otlp { target, cause }
    })
}

/// The traces URL of OTLP/HTTP base endpoint `base` (`/v1/traces` added,
/// as for `OTEL_EXPORTER_OTLP_ENDPOINT`).
pub fn traces_url(base: &str) -> Result<String, String> {
    let url = url::Url::parse(base).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("its scheme is not http or https".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("an endpoint has no query or fragment".into());
    }
    Ok(format!("{}/v1/traces", url.as_str().trim_end_matches('/')))
}

/// A tracer provider feeding `recorder` (when given) and `exporter` (when
/// given, in batches off the scan's thread).
pub fn provider<E: SpanExporter + 'static>(
    recorder: Option<RunRecorder>,
    exporter: Option<E>,
) -> SdkTracerProvider {
    let mut builder = SdkTracerProvider::builder().with_resource(
        opentelemetry_sdk::Resource::builder()
            .with_service_name("plugboard")
            .build(),
    );
    if let Some(r) = recorder {
        builder = builder.with_span_processor(r);
    }
    if let Some(e) = exporter {
        builder = builder.with_batch_exporter(e);
    }
    builder.build()
}

/// The tracing pipeline of a process: the tracer provider feeding the
/// recorder and, when configured, the OTLP exporter.
#[derive(Debug)]
pub struct Pipeline {
    provider: SdkTracerProvider,
    /// The recorder the provider feeds.
    pub recorder: RunRecorder,
}

impl Pipeline {
    /// The pipeline for `export`. Call it outside any async runtime (the
    /// exporter's blocking HTTP client has its own).
    pub fn start(export: &Export) -> Result<Pipeline, TelemetryError> {
        let recorder = RunRecorder::new();
        let provider = provider(Some(recorder.clone()), otlp_exporter(export)?);
        Ok(Pipeline { provider, recorder })
    }

    /// The layer bridging spans into it.
    pub fn layer<S>(&self) -> impl Layer<S> + use<S>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        layer(&self.provider)
    }

    /// Send what is still batched and stop (at exit).
    pub fn shutdown(self) {
        if let Err(e) = self.provider.shutdown() {
            tracing::warn!(error = %e, "traces still batched for the OTLP collector were not sent");
        }
    }
}

/// Whether a span goes to OpenTelemetry: Plugboard's own spans at `info`
/// and above (events stay with the log layer).
fn traced(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_span()
        && *meta.level() <= tracing::Level::INFO
        && meta.target().starts_with("plugboard")
}

/// The layer bridging Plugboard's spans to `provider`. Its own filter lets
/// the spans through whatever the log filter says.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl Layer<S> + use<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("plugboard"))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .and_then(format::TraceIds::default())
        .with_filter(tracing_subscriber::filter::filter_fn(traced))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_a_base_endpoint_and_only_http_urls_pass() {
        assert_eq!(
            traces_url("http://collector:4318").as_deref(),
            Ok("http://collector:4318/v1/traces")
        );
        assert_eq!(
            traces_url("https://c.example/otlp/").as_deref(),
            Ok("https://c.example/otlp/v1/traces")
        );
        assert!(traces_url("collector:4318").is_err());
        assert!(traces_url("ftp://c/").is_err());
        assert!(traces_url("http://c/?token=x").is_err());
        assert_eq!(
            Export::choose(Some(" http://c:4318 ")),
            Export::Endpoint("http://c:4318".into())
        );
    }
}
