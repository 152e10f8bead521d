//! Graph audit log streams (`sign-ins`, `directory-audits`): one filtered list
//! per run, newest first, paged by `@odata.nextLink`.
//!
//! A run reads everything since `since`: `now - days` on the first run, the
//! previous watermark minus [`OVERLAP_MS`] afterwards (the host de-duplicates
//! by activity id), never older than the 30 days Entra ID keeps. Cursors:
//! `{"state":"reading","since":…,"end":…,"next":"<@odata.nextLink>"}` while
//! paging, then `{"state":"done","watermark":"<end>"}` with `more = false`,
//! where `end` is when the run began.

use crate::graph_pages::ParsePage;
use crate::iso_time::{DAY_MS, HOUR_MS, floor_second, format_iso, parse_iso};
use crate::{Fetch, client, cursor, settings};
use plugboard_sdk::{Error, ErrorKind, Page};
use serde::{Deserialize, Serialize};

/// How far before the last watermark an incremental run starts.
pub const OVERLAP_MS: u64 = HOUR_MS;

/// One Graph audit log.
#[derive(Debug, Clone, Copy)]
pub struct GraphLog {
    /// Stream name (checkpoint key).
    pub stream: &'static str,
    /// Path segments under `/v1.0`, e.g. `["auditLogs", "signIns"]`.
    pub path: &'static [&'static str],
    /// The timestamp property filtered on, e.g. `createdDateTime`.
    pub time_field: &'static str,
    /// `$top`: the largest page the endpoint serves.
    pub top: &'static str,
    /// The page parser.
    pub parse: ParsePage,
    /// What a 403 means: `Some(message)` when it means the tenant lacks the
    /// licence for this log (the stream is then `unavailable`), `None` when it
    /// is a plain permission error.
    pub refusal_means: Option<&'static str>,
}

/// Where a Graph audit log stream is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum LogCursor {
    /// Paging through the run's list.
    Reading {
        /// The filter's lower bound.
        since: String,
        /// When the run began; the next watermark.
        end: String,
        /// The next page.
        next: String,
    },
    /// The run finished; the next starts at `watermark - OVERLAP_MS`.
    Done {
        /// When the finished run began.
        watermark: String,
    },
}

/// The first request of a run reading everything since `since_ms`.
pub fn first_url(log: &GraphLog, since_ms: u64) -> String {
    let filter = format!("{} ge {}", log.time_field, format_iso(since_ms));
    client::with_query(
        client::graph(log.path),
        &[("$top", log.top), ("$filter", &filter)],
    )
}

/// One page of `log` (one request). `days` is the first run's reach (already
/// clamped to 1..=30).
pub fn sync(
    log: &GraphLog,
    cursor: Option<&str>,
    now_ms: u64,
    days: u32,
    fetch: Fetch<'_>,
) -> Result<Page, Error> {
    let now = floor_second(now_ms);
    let earliest = now.saturating_sub(u64::from(settings::MAX_SIGNIN_DAYS) * DAY_MS);
    let position = cursor::decode::<LogCursor>(log.stream, cursor)?;
    let (since, end, url) = match position {
        Some(LogCursor::Reading { since, end, next }) => (since, end, next),
        other => {
            let start = match other {
                Some(LogCursor::Done { watermark }) => {
                    time(log, &watermark)?.saturating_sub(OVERLAP_MS)
                }
                _ => now.saturating_sub(u64::from(days) * DAY_MS),
            };
            let start = start.clamp(earliest, now);
            (format_iso(start), format_iso(now), first_url(log, start))
        }
    };
    let body = fetch(&url).map_err(|error| refusal(log, error))?;
    let (records, next) = (log.parse)(&body)?;
    let state = match next {
        Some(next) => LogCursor::Reading { since, end, next },
        None => LogCursor::Done { watermark: end },
    };
    Ok(Page {
        records,
        more: matches!(state, LogCursor::Reading { .. }),
        cursor: Some(cursor::encode(&state)?),
    })
}

/// A 403 on a log that needs a licence becomes `unavailable`.
fn refusal(log: &GraphLog, error: Error) -> Error {
    match (error.kind, log.refusal_means) {
        (ErrorKind::Permission, Some(meaning)) => {
            Error::unavailable(format!("{meaning} ({})", error.message))
        }
        _ => error,
    }
}

fn time(log: &GraphLog, text: &str) -> Result<u64, Error> {
    parse_iso(text).ok_or_else(|| {
        Error::plugin(format!(
            "the `{}` cursor holds a bad time `{text}`; reset the stream's checkpoint",
            log.stream
        ))
    })
}

#[cfg(test)]
#[path = "graph_logs_tests.rs"]
mod tests;
