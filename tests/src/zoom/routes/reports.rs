//! `GET /report/activities` (sign-in/sign-out) and `GET /report/operationlogs`.
//!
//! Both return the events of the requested days, newest first, paged with
//! `page_size` and `next_page_token`.

use serde_json::{Map, Value, json};

use super::call::{Call, Reply};
use super::page::page_of;
use super::report_range::ReportRange;
use crate::zoom::dataset::zoom_time;
use crate::zoom::error::ZoomError;
use crate::zoom::paging;

/// The `category_type` filter values and how the report spells each category.
const CATEGORY_TYPES: [(&str, &str); 11] = [
    ("user", "User"),
    ("user_settings", "User Settings"),
    ("account", "Account"),
    ("billing", "Billing"),
    ("im", "IM"),
    ("recording", "Recording"),
    ("phone_contacts", "Phone Contacts"),
    ("webinar", "Webinar"),
    ("sub_account", "Sub Account"),
    ("role", "Role"),
    ("zoom_rooms", "Zoom Rooms"),
];

/// `GET /report/activities?from=&to=&page_size=&next_page_token=`.
pub(crate) fn activities(call: Call<'_>) -> Result<Reply, ZoomError> {
    let range = ReportRange::parse(call.query, call.utc.date())?;
    let size = paging::page_size(call.query)?;
    let scope = format!("activities|{}|{}", range.from, range.to);
    let events: Vec<_> = call
        .state
        .dataset
        .activities
        .iter()
        .filter(|a| range.contains(a.time))
        .collect();
    let page = page_of(call, &scope, events.len(), size)?;
    let logs: Vec<Value> = events
        .get(page.range)
        .unwrap_or_default()
        .iter()
        .map(|a| {
            json!({
                "email": a.email,
                "time": zoom_time(a.time),
                "type": if a.sign_in { "Sign in" } else { "Sign out" },
                "ip_address": a.ip_address,
                "client_type": a.client_type,
                "version": a.version,
            })
        })
        .collect();
    Ok(report_body(
        &range,
        size,
        page.next_token,
        "activity_logs",
        logs,
    ))
}

/// `GET /report/operationlogs?from=&to=&category_type=&page_size=&next_page_token=`.
pub(crate) fn operation_logs(call: Call<'_>) -> Result<Reply, ZoomError> {
    let range = ReportRange::parse(call.query, call.utc.date())?;
    let size = paging::page_size(call.query)?;
    let category = match call.query.non_empty("category_type") {
        None | Some("all") => None,
        Some(filter) => Some(
            CATEGORY_TYPES
                .iter()
                .find(|(name, _)| *name == filter)
                .map(|(_, shown)| *shown)
                .ok_or_else(|| {
                    ZoomError::invalid_field("category_type", "is not a known category type")
                })?,
        ),
    };
    let scope = format!(
        "operationlogs|{}|{}|{}",
        range.from,
        range.to,
        category.unwrap_or("all")
    );
    let entries: Vec<_> = call
        .state
        .dataset
        .operation_logs
        .iter()
        .filter(|l| range.contains(l.time) && category.is_none_or(|c| c == l.category_type))
        .collect();
    let page = page_of(call, &scope, entries.len(), size)?;
    let logs: Vec<Value> = entries
        .get(page.range)
        .unwrap_or_default()
        .iter()
        .map(|l| {
            json!({
                "time": zoom_time(l.time),
                "operator": l.operator,
                "category_type": l.category_type,
                "action": l.action,
                "operation_detail": l.operation_detail,
            })
        })
        .collect();
    Ok(report_body(
        &range,
        size,
        page.next_token,
        "operation_logs",
        logs,
    ))
}

/// A report page: the requested days, the paging fields and the entries under `key`.
fn report_body(
    range: &ReportRange,
    size: usize,
    next_token: Option<String>,
    key: &str,
    logs: Vec<Value>,
) -> Reply {
    let mut body = Map::new();
    body.insert("from".into(), json!(range.first_day()));
    body.insert("to".into(), json!(range.last_day()));
    body.insert("page_size".into(), json!(size));
    body.insert(
        "next_page_token".into(),
        json!(next_token.unwrap_or_default()),
    );
    body.insert(key.into(), Value::Array(logs));
    Reply::Json(Value::Object(body))
}
