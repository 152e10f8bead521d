//! The log line format: `TIME LEVEL target: message fields trace_id=…`. The
//! trace id is the OpenTelemetry trace of the span the line was written in
//! (the scan's), so a log line leads to its trace; outside a traced span
//! there is none. Span names and fields are not repeated on the line (the
//! trace has them).

use std::cell::RefCell;
use std::fmt;
use std::sync::OnceLock;

use opentelemetry::trace::{TraceContextExt as _, TraceId};
use tracing::dispatcher::WeakDispatch;
use tracing::{Dispatch, Event, Level, Subscriber, span};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The format (see the module documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFormat;

fn colour(level: Level) -> &'static str {
    match level {
        Level::ERROR => "\x1b[31m",
        Level::WARN => "\x1b[33m",
        Level::INFO => "\x1b[32m",
        Level::DEBUG => "\x1b[34m",
        Level::TRACE => "\x1b[35m",
    }
}

thread_local! {
    /// The trace ids of the traced spans entered on this thread, innermost
    /// last ([`TraceIds`] keeps it).
    static ENTERED: RefCell<Vec<TraceId>> = const { RefCell::new(Vec::new()) };
}

/// The trace id of the innermost traced span entered on this thread.
pub fn current_trace_id() -> Option<TraceId> {
    ENTERED
        .with(|e| e.borrow().last().copied())
        .filter(|t| *t != TraceId::INVALID)
}

/// A span's trace id, in its extensions.
#[derive(Debug, Clone, Copy)]
struct SpanTrace(TraceId);

/// The layer (beside the OpenTelemetry one, under the same filter) that
/// gives each traced span its trace id, inherited from its parent or, for a
/// root, read from OpenTelemetry once; and keeps [`ENTERED`] for the log
/// format. (The format cannot ask the dispatcher itself: an event being
/// written is inside a dispatch, where a scoped dispatcher is not reachable.)
#[derive(Debug, Default)]
pub struct TraceIds {
    dispatch: OnceLock<WeakDispatch>,
}

impl<S> Layer<S> for TraceIds
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, dispatch: &Dispatch) {
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    fn on_new_span(&self, _: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let inherited = span
            .parent()
            .and_then(|p| p.extensions().get::<SpanTrace>().copied());
        let trace = match inherited {
            Some(t) => Some(t.0),
            // Told of its dispatcher when installed directly; else the
            // global one (a scoped dispatcher is out of reach in here).
            None => match self.dispatch.get().and_then(WeakDispatch::upgrade) {
                Some(d) => tracing_opentelemetry::get_otel_context(id, &d),
                None => tracing::dispatcher::get_default(|d| {
                    tracing_opentelemetry::get_otel_context(id, d)
                }),
            }
            .map(|cx| cx.span().span_context().trace_id()),
        };
        if let Some(t) = trace {
            span.extensions_mut().insert(SpanTrace(t));
        }
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        let trace = ctx
            .span(id)
            .and_then(|s| s.extensions().get::<SpanTrace>().copied())
            .map_or(TraceId::INVALID, |t| t.0);
        ENTERED.with(|e| e.borrow_mut().push(trace));
    }

    fn on_exit(&self, _: &span::Id, _: Context<'_, S>) {
        ENTERED.with(|e| e.borrow_mut().pop());
    }
}

impl<S, N> FormatEvent<S, N> for LogFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        SystemTime.format_time(&mut writer)?;
        let level = *meta.level();
        if writer.has_ansi_escapes() {
            write!(writer, " {}{level:>5}\x1b[0m ", colour(level))?;
        } else {
            write!(writer, " {level:>5} ")?;
        }
        write!(writer, "{}: ", meta.target())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        if let Some(id) = current_trace_id() {
            write!(writer, " trace_id={id}")?;
        }
        writeln!(writer)
    }
}
