//! The `operation-logs` stream: `GET /report/operationlogs?category_type=all`
//! (admin operations), windowed and paged as described in [`crate::reports`].

use crate::json;
use crate::reports::{Report, event_id};
use plugboard_sdk::{Activity, Error, Record};
use serde_json::Value;

/// The admin operation report.
pub const REPORT: Report = Report {
    stream: "operation-logs",
    path: &["report", "operationlogs"],
    query: &[("category_type", "all")],
    parse: parse_operation_logs_page,
};

/// Parses one `GET /report/operationlogs` page into activities and the next
/// page token. Entries without a time are skipped.
///
/// The id is `oplog:` and a hash of (operator, time, action, operation
/// detail); the category is `admin-operation`, the action Zoom's action (e.g.
/// `Update`) and the target the operation detail.
pub fn parse_operation_logs_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    let page = json::page(body, "operation log page")?;
    let records = json::items(&page, "operation_logs", "operation log page")?
        .iter()
        .filter_map(operation)
        .map(Record::Activity)
        .collect();
    Ok((records, json::next_page_token(&page)))
}

fn operation(log: &Value) -> Option<Activity> {
    let time = json::text(log, "time")?;
    let operator = json::text(log, "operator");
    let action = json::text(log, "action");
    let detail = json::text(log, "operation_detail");
    let id = event_id(
        "oplog",
        &[
            operator.as_deref(),
            Some(&time),
            action.as_deref(),
            detail.as_deref(),
        ],
    );
    Some(Activity {
        id,
        occurred_at: time,
        actor: operator,
        actor_ip: None,
        action: action.unwrap_or_else(|| "unknown".into()),
        category: "admin-operation".into(),
        target: detail,
        outcome: None,
        raw: log.to_string(),
    })
}
