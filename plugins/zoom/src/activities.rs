//! The `sign-ins` stream: `GET /report/activities` (sign-in and sign-out
//! logs), windowed and paged as described in [`crate::reports`].

use crate::json;
use crate::reports::{Report, event_id};
use plugboard_sdk::{Activity, Error, Record};
use serde_json::Value;

/// The sign-in/out report.
pub const REPORT: Report = Report {
    stream: "sign-ins",
    path: &["report", "activities"],
    query: &[],
    parse: parse_activities_page,
};

/// Parses one `GET /report/activities` page into activities and the next page
/// token. Entries without a time are skipped.
///
/// The id is `signin:` and a hash of (email, time, type, ip), so the same log
/// line always gets the same id.
pub fn parse_activities_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    let page = json::page(body, "activity report page")?;
    let records = json::items(&page, "activity_logs", "activity report page")?
        .iter()
        .filter_map(activity)
        .map(Record::Activity)
        .collect();
    Ok((records, json::next_page_token(&page)))
}

fn activity(log: &Value) -> Option<Activity> {
    let time = json::text(log, "time")?;
    let email = json::text(log, "email");
    let ip = json::text(log, "ip_address");
    let kind = json::text(log, "type");
    let id = event_id(
        "signin",
        &[
            email.as_deref(),
            Some(&time),
            kind.as_deref(),
            ip.as_deref(),
        ],
    );
    let action = action(kind.as_deref());
    Some(Activity {
        id,
        occurred_at: time,
        actor: email,
        actor_ip: ip,
        category: action.clone(),
        action,
        target: None,
        outcome: None,
        raw: log.to_string(),
    })
}

/// `Sign in` → `sign-in`, `Sign out` → `sign-out`; anything else lowercased
/// with dashes.
fn action(kind: Option<&str>) -> String {
    match kind {
        Some("Sign in") => "sign-in".into(),
        Some("Sign out") => "sign-out".into(),
        Some(other) => other.trim().to_ascii_lowercase().replace(' ', "-"),
        None => "unknown".into(),
    }
}
