//! The `directory-audits` stream: `GET /v1.0/auditLogs/directoryAudits?$top=999&$filter=activityDateTime ge …`
//! (see [`crate::graph_logs`] for paging and cursors).

use crate::graph_logs::GraphLog;
use crate::{graph_pages, json};
use plugboard_sdk::{Activity, Error, Record};
use serde_json::Value;

/// The directory audit log.
pub const LOG: GraphLog = GraphLog {
    stream: "directory-audits",
    path: &["auditLogs", "directoryAudits"],
    time_field: "activityDateTime",
    top: "999",
    parse: parse_audits_page,
    refusal_means: None,
};

/// Parses a `GET /auditLogs/directoryAudits` page into activities and the
/// next link; entries without an id or time are skipped.
pub fn parse_audits_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    let (page, next) = graph_pages::parse(body, "directory audits page")?;
    let records = json::items(&page, "directory audits page")?
        .iter()
        .filter_map(activity)
        .map(Record::Activity)
        .collect();
    Ok((records, next))
}

fn activity(audit: &Value) -> Option<Activity> {
    let initiator = audit.get("initiatedBy");
    let user = initiator
        .and_then(|i| i.get("user"))
        .filter(|u| u.is_object());
    let app = initiator
        .and_then(|i| i.get("app"))
        .filter(|a| a.is_object());
    let actor = user
        .and_then(|u| json::text(u, "userPrincipalName"))
        .or_else(|| app.and_then(|a| json::text(a, "displayName")));
    let target = audit
        .get("targetResources")
        .and_then(Value::as_array)
        .and_then(|targets| targets.first())
        .and_then(|t| json::text(t, "displayName").or_else(|| json::text(t, "userPrincipalName")));
    Some(Activity {
        id: format!("audit:{}", json::text(audit, "id")?),
        occurred_at: json::text(audit, "activityDateTime")?,
        actor,
        actor_ip: user.and_then(|u| json::text(u, "ipAddress")),
        action: json::text(audit, "activityDisplayName").unwrap_or_else(|| "unknown".into()),
        category: "directory-audit".into(),
        target,
        outcome: json::text(audit, "result"),
        raw: audit.to_string(),
    })
}
