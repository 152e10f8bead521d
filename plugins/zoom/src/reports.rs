//! Date-windowed report streams: `sign-ins` (`GET /report/activities`) and
//! `operation-logs` (`GET /report/operationlogs?category_type=all`).
//!
//! Zoom's `/report/*` endpoints take `from` and `to` dates (inclusive) spanning
//! at most one month, within the last six months. A run covers `start..=today`
//! in windows of at most [`WINDOW_DAYS`] days, oldest window first, each paged
//! by `next_page_token`; so the watermark only moves forward and a crash
//! resumes where it stopped. `start` is `today - activity_days` on the first
//! run and `watermark - 1 day` afterwards (one day of overlap: the host
//! de-duplicates by activity id), never earlier than `today - MAX_DAYS`. The
//! SDK's date windows own the cursor: `{"state":"done","watermark":"2026-02-14"}`
//! after a run.

use crate::client::{self, PAGE_SIZE};
use plugboard_sdk::json::{Text, compact, item};
use plugboard_sdk::stream::{Slice, Stream, TimeFormat, Windows};
use plugboard_sdk::time::DAY_MS;
use plugboard_sdk::{Activity, Error, Record, StreamKind};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Longest window, in days (inclusive of both ends); Zoom allows one month.
pub const WINDOW_DAYS: i64 = 28;

/// How far back a run may reach, in days; Zoom keeps six months of reports.
pub const MAX_DAYS: i64 = 180;

const WINDOWS: Windows = Windows {
    format: TimeFormat::Date,
    overlap_ms: DAY_MS,
    max_span_ms: Some(WINDOW_DAYS as u64 * DAY_MS),
    retention_days: MAX_DAYS as u32,
};

/// The sign-in/out report.
pub const SIGN_INS: Stream =
    client::stream("sign-ins", |s| url(&["report", "activities"], s), signin)
        .about(StreamKind::Activities, "Sign-in and sign-out logs")
        .records(&["activity_logs"])
        .what("activity report page")
        .windows(WINDOWS);

/// The admin operation report.
pub const OPERATION_LOGS: Stream = client::stream(
    "operation-logs",
    |s| url(&["report", "operationlogs"], s) + "&category_type=all",
    operation,
)
.about(StreamKind::Activities, "Admin operation logs")
.records(&["operation_logs"])
.what("operation log page")
.windows(WINDOWS);

/// The first request of a window.
fn url(path: &[&str], slice: &Slice<'_, ()>) -> String {
    let (from, to) = slice.window.map_or(("", ""), |w| (&w.from, &w.to));
    client::url(path)
        .query("from", from)
        .query("to", to)
        .query("page_size", PAGE_SIZE)
        .build()
}

/// A sign-in/out line or an admin operation.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Log {
    time: Text,
    email: Text,
    ip_address: Text,
    #[serde(rename = "type")]
    kind: Text,
    operator: Text,
    action: Text,
    operation_detail: Text,
}

/// Parses one `GET /report/activities` page into activities and the next
/// page token.
pub fn parse_activities_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    SIGN_INS.parse_page(body)
}

/// Parses one `GET /report/operationlogs` page into activities and the next
/// page token.
pub fn parse_operation_logs_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    OPERATION_LOGS.parse_page(body)
}

/// A sign-in or sign-out; skipped without a time. The id is `signin:` and a
/// hash of (email, time, type, ip), so the same log line always gets the
/// same id.
fn signin(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(log) = item::<Log>(raw) else { return };
    let Some(time) = log.time.0 else { return };
    let (email, ip, kind) = (log.email.0, log.ip_address.0, log.kind.0);
    let parts = [
        email.as_deref(),
        Some(&time),
        kind.as_deref(),
        ip.as_deref(),
    ];
    let action = match kind.as_deref() {
        Some("Sign in") => "sign-in".into(),
        Some("Sign out") => "sign-out".into(),
        Some(other) => other.trim().to_ascii_lowercase().replace(' ', "-"),
        None => "unknown".into(),
    };
    out.push(Record::Activity(Activity {
        id: event_id("signin", &parts),
        occurred_at: time,
        actor: email,
        actor_ip: ip,
        category: action.clone(),
        action,
        target: None,
        outcome: None,
        raw: compact(raw),
    }));
}

/// An admin operation; skipped without a time. The id is `oplog:` and a hash
/// of (operator, time, action, operation detail); the category is
/// `admin-operation`, the action Zoom's (e.g. `Update`) and the target the
/// operation detail.
fn operation(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(log) = item::<Log>(raw) else { return };
    let Some(time) = log.time.0 else { return };
    let (operator, action, detail) = (log.operator.0, log.action.0, log.operation_detail.0);
    let parts = [
        operator.as_deref(),
        Some(&time),
        action.as_deref(),
        detail.as_deref(),
    ];
    out.push(Record::Activity(Activity {
        id: event_id("oplog", &parts),
        occurred_at: time,
        actor: operator,
        actor_ip: None,
        action: action.unwrap_or_else(|| "unknown".into()),
        category: "admin-operation".into(),
        target: detail,
        outcome: None,
        raw: compact(raw),
    }));
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
