//! Date-windowed report streams (`sign-ins`, `operation-logs`).
//!
//! Zoom's `/report/*` endpoints take `from` and `to` dates (inclusive) spanning
//! at most one month, within the last six months. A run covers `start..=today`
//! in windows of at most [`WINDOW_DAYS`] days, **oldest window first**, each
//! window paged by `next_page_token`; so the watermark only moves forward and a
//! crash resumes where it stopped. `start` is `today - activity_days` on the
//! first run and `watermark - 1 day` afterwards (one day of overlap: the host
//! de-duplicates by activity id), never earlier than `today - MAX_DAYS`.
//!
//! Cursor while reading (`more = true`):
//! `{"state":"reading","from":"2026-01-01","to":"2026-01-28","end":"2026-02-14","token":"…"}`
//! (`token` absent at a window's first page). When the newest window's last page
//! is read the stream stops (`more = false`) with
//! `{"state":"done","watermark":"2026-02-14"}`, the `to` date of that window.

use crate::client::{self, PAGE_SIZE};
use crate::{Fetch, cursor};
use plugboard_sdk::time::{format_date, parse_date};
use plugboard_sdk::{Error, Page, Record};
use serde::{Deserialize, Serialize};

/// Longest window, in days (inclusive of both ends); Zoom allows one month.
pub const WINDOW_DAYS: i64 = 28;

/// How far back a run may reach, in days; Zoom keeps six months of reports.
pub const MAX_DAYS: i64 = 180;

/// Parses one report page into records and the next page token.
pub type ParsePage = fn(&[u8]) -> Result<(Vec<Record>, Option<String>), Error>;

/// One report endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Report {
    /// Stream name (checkpoint key).
    pub stream: &'static str,
    /// Path segments under the API base, e.g. `["report", "activities"]`.
    pub path: &'static [&'static str],
    /// Extra query pairs, e.g. `category_type=all`.
    pub query: &'static [(&'static str, &'static str)],
    /// The page parser.
    pub parse: ParsePage,
}

/// Where a report stream is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum LogCursor {
    /// Reading the window `from..=to`; the run ends after `end`.
    Reading {
        /// First day of the window, `YYYY-MM-DD`.
        from: String,
        /// Last day of the window.
        to: String,
        /// Last day of the run.
        end: String,
        /// Page token within the window.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
    },
    /// The run finished; the next starts one day before `watermark`.
    Done {
        /// The last day read.
        watermark: String,
    },
}

/// A window as day numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Window {
    from: i64,
    to: i64,
    end: i64,
    token: Option<String>,
}

impl Window {
    /// The first window of a run over `start..=end`.
    fn first(start: i64, end: i64) -> Self {
        let start = start.min(end);
        Self {
            from: start,
            to: (start + WINDOW_DAYS - 1).min(end),
            end,
            token: None,
        }
    }

    fn cursor(&self) -> LogCursor {
        LogCursor::Reading {
            from: format_date(self.from),
            to: format_date(self.to),
            end: format_date(self.end),
            token: self.token.clone(),
        }
    }
}

/// One page of `report`: one request. `today` is days since the epoch and
/// `activity_days` the first run's reach (already clamped).
pub fn sync(
    report: &Report,
    cursor: Option<&str>,
    today: i64,
    activity_days: u32,
    fetch: Fetch<'_>,
) -> Result<Page, Error> {
    let window = position(report.stream, cursor, today, activity_days)?;
    let (records, token) = (report.parse)(&fetch(&url(report, &window))?)?;
    let next = if token.is_some() {
        Window { token, ..window }.cursor()
    } else if window.to < window.end {
        Window::first(window.to + 1, window.end).cursor()
    } else {
        LogCursor::Done {
            watermark: format_date(window.end),
        }
    };
    Ok(Page {
        records,
        more: matches!(next, LogCursor::Reading { .. }),
        cursor: Some(cursor::encode(&next)?),
    })
}

/// The request for `window`.
fn url(report: &Report, window: &Window) -> String {
    let url = client::url(report.path)
        .query("from", &format_date(window.from))
        .query("to", &format_date(window.to))
        .query("page_size", PAGE_SIZE);
    report
        .query
        .iter()
        .fold(url, |url, (k, v)| url.query(k, v))
        .query_opt("next_page_token", window.token.as_deref())
        .build()
}

/// The window to read now, from the cursor.
fn position(stream: &str, cursor: Option<&str>, today: i64, days: u32) -> Result<Window, Error> {
    let earliest = today - MAX_DAYS;
    let date = |text: &str| {
        parse_date(text).ok_or_else(|| {
            Error::plugin(format!("the `{stream}` cursor holds a bad date `{text}`"))
        })
    };
    Ok(match cursor::decode::<LogCursor>(stream, cursor)? {
        None => Window::first((today - i64::from(days)).max(earliest), today),
        Some(LogCursor::Done { watermark }) => {
            Window::first((date(&watermark)? - 1).clamp(earliest, today), today)
        }
        Some(LogCursor::Reading {
            from,
            to,
            end,
            token,
        }) => Window {
            from: date(&from)?,
            to: date(&to)?,
            end: date(&end)?,
            token,
        },
    })
}

/// A stable activity id: `prefix` and the 64-bit FNV-1a hash of `parts`
/// (separated by a unit separator) in hex. Not cryptographic; it only has to
/// give the same event the same id.
pub fn event_id(prefix: &str, parts: &[Option<&str>]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for (i, part) in parts.iter().enumerate() {
        let separator: &[u8] = if i == 0 { b"" } else { b"\x1f" };
        for byte in separator.iter().chain(part.unwrap_or("").as_bytes()) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{prefix}:{hash:016x}")
}

#[cfg(test)]
#[path = "reports_tests.rs"]
mod tests;
