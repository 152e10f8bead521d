//! Graph audit log streams: `sign-ins`
//! (`GET /v1.0/auditLogs/signIns?$top=1000&$filter=createdDateTime ge …`) and
//! `directory-audits`
//! (`GET /v1.0/auditLogs/directoryAudits?$top=999&$filter=activityDateTime ge …`),
//! one filtered list per run, paged by `@odata.nextLink`.
//!
//! A run reads everything since `now - signin_days` on the first run and the
//! previous watermark minus [`OVERLAP_MS`] afterwards (the host de-duplicates
//! by activity id), never older than the 30 days Entra ID keeps; it ends with
//! `{"state":"done","watermark":"<when the run began>"}` (the SDK's date
//! windows, one window per run).
//!
//! Sign-in logs need an Entra ID P1 or P2 licence; without one Graph answers
//! 403 and the stream is reported `unavailable`, not failed.

use crate::client;
use crate::settings::MAX_SIGNIN_DAYS;
use plugboard_sdk::json::{Int, Lenient, Text, compact, item};
use plugboard_sdk::stream::{Slice, Stream, TimeFormat, Windows};
use plugboard_sdk::time::HOUR_MS;
use plugboard_sdk::{Activity, Error, ErrorKind, Record, StreamKind};
use serde::Deserialize;
use serde_json::value::RawValue;

/// How far before the last watermark an incremental run starts.
pub const OVERLAP_MS: u64 = HOUR_MS;

const WINDOWS: Windows = Windows {
    format: TimeFormat::Instant,
    overlap_ms: OVERLAP_MS,
    max_span_ms: None,
    retention_days: MAX_SIGNIN_DAYS,
};

/// The sign-in log.
pub const SIGN_INS: Stream = client::graph_stream(
    "sign-ins",
    |s| url(&["auditLogs", "signIns"], "1000", "createdDateTime", s),
    signin,
)
.about(
    StreamKind::Activities,
    "Entra ID sign-ins (needs Entra ID P1/P2)",
)
.what("sign-ins page")
.windows(WINDOWS)
.unavailable_on(
    ErrorKind::Permission,
    "sign-in logs need an Entra ID P1 or P2 licence, which this tenant is missing \
     (or the app lacks AuditLog.Read.All)",
);

/// The directory audit log.
pub const AUDITS: Stream = client::graph_stream(
    "directory-audits",
    |s| {
        url(
            &["auditLogs", "directoryAudits"],
            "999",
            "activityDateTime",
            s,
        )
    },
    audit,
)
.about(StreamKind::Activities, "Entra ID directory audits")
.what("directory audits page")
.windows(WINDOWS);

/// The first request of a run reading everything since the window's start.
fn url(path: &[&str], top: &str, field: &str, slice: &Slice<'_, ()>) -> String {
    let since = slice.window.map_or("", |w| w.from.as_str());
    let filter = format!("{field} ge {since}");
    client::with_query(client::graph(path), &[("$top", top), ("$filter", &filter)])
}

/// Parses a `GET /auditLogs/signIns` page into activities and the next link.
pub fn parse_signins_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    SIGN_INS.parse_page(body)
}

/// Parses a `GET /auditLogs/directoryAudits` page into activities and the
/// next link.
pub fn parse_audits_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    AUDITS.parse_page(body)
}

/// A sign-in, or a directory audit.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Entry {
    id: Text,
    created_date_time: Text,
    user_principal_name: Text,
    ip_address: Text,
    app_display_name: Text,
    status: Lenient<Status>,
    activity_date_time: Text,
    activity_display_name: Text,
    result: Text,
    initiated_by: Lenient<Initiator>,
    target_resources: Lenient<Vec<Party>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Status {
    error_code: Int,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Initiator {
    user: Lenient<Party>,
    app: Lenient<Party>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Party {
    user_principal_name: Text,
    display_name: Text,
    ip_address: Text,
}

/// A sign-in; skipped without an id or time.
fn signin(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(entry) = item::<Entry>(raw) else {
        return;
    };
    let (Some(id), Some(at)) = (entry.id.0, entry.created_date_time.0) else {
        return;
    };
    let code = entry.status.0.and_then(|s| s.error_code.0);
    out.push(Record::Activity(Activity {
        id: format!("signin:{id}"),
        occurred_at: at,
        actor: entry.user_principal_name.0,
        actor_ip: entry.ip_address.0,
        action: "sign-in".into(),
        category: "sign-in".into(),
        target: entry.app_display_name.0,
        outcome: code.map(|code| if code == 0 { "success" } else { "failure" }.to_string()),
        raw: compact(raw),
    }));
}

/// A directory audit, by the user or app that initiated it; skipped without
/// an id or time.
fn audit(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(entry) = item::<Entry>(raw) else {
        return;
    };
    let (Some(id), Some(at)) = (entry.id.0, entry.activity_date_time.0) else {
        return;
    };
    let (user, app) = entry
        .initiated_by
        .0
        .map_or((None, None), |i| (i.user.0, i.app.0));
    let actor_ip = user.as_ref().and_then(|u| u.ip_address.0.clone());
    let actor = user
        .and_then(|u| u.user_principal_name.0)
        .or_else(|| app.and_then(|a| a.display_name.0));
    let target = entry.target_resources.0.and_then(|targets| {
        let first = targets.into_iter().next()?;
        first.display_name.0.or(first.user_principal_name.0)
    });
    out.push(Record::Activity(Activity {
        id: format!("audit:{id}"),
        occurred_at: at,
        actor,
        actor_ip,
        action: entry
            .activity_display_name
            .0
            .unwrap_or_else(|| "unknown".into()),
        category: "directory-audit".into(),
        target,
        outcome: entry.result.0,
        raw: compact(raw),
    }));
}

#[cfg(test)]
#[path = "graph_logs_tests.rs"]
mod tests;
