//! The `sign-ins` stream: `GET /v1.0/auditLogs/signIns?$top=1000&$filter=createdDateTime ge …`
//! (see [`crate::graph_logs`] for paging and cursors).
//!
//! Sign-in logs need an Entra ID P1 or P2 licence; without one Graph answers
//! 403 and the stream is reported `unavailable`, not failed.

use crate::graph_logs::GraphLog;
use crate::{graph_pages, json};
use plugboard_sdk::{Activity, Error, Record};
use serde_json::Value;

/// The sign-in log.
pub const LOG: GraphLog = GraphLog {
    stream: "sign-ins",
    path: &["auditLogs", "signIns"],
    time_field: "createdDateTime",
    top: "1000",
    parse: parse_signins_page,
    refusal_means: Some(
        "sign-in logs need an Entra ID P1 or P2 licence, which this tenant is missing \
         (or the app lacks AuditLog.Read.All)",
    ),
};

/// Parses a `GET /auditLogs/signIns` page into activities and the next link;
/// sign-ins without an id or time are skipped.
pub fn parse_signins_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    let (page, next) = graph_pages::parse(body, "sign-ins page")?;
    let records = json::items(&page, "sign-ins page")?
        .iter()
        .filter_map(activity)
        .map(Record::Activity)
        .collect();
    Ok((records, next))
}

fn activity(signin: &Value) -> Option<Activity> {
    let code = signin
        .get("status")
        .and_then(|status| status.get("errorCode"))
        .and_then(Value::as_i64);
    Some(Activity {
        id: format!("signin:{}", json::text(signin, "id")?),
        occurred_at: json::text(signin, "createdDateTime")?,
        actor: json::text(signin, "userPrincipalName"),
        actor_ip: json::text(signin, "ipAddress"),
        action: "sign-in".into(),
        category: "sign-in".into(),
        target: json::text(signin, "appDisplayName"),
        outcome: code.map(|code| if code == 0 { "success" } else { "failure" }.to_string()),
        raw: signin.to_string(),
    })
}
