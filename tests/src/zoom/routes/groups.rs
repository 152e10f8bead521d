//! `GET /groups` and `GET /groups/{groupId}/members`.

use serde_json::{Value, json};

use super::call::{Call, Reply};
use crate::zoom::error::{ZoomError, echo};
use crate::zoom::paging;
use crate::zoom::state::lock;

/// Zoom's code for an unknown group.
const CODE_GROUP_NOT_FOUND: i64 = 4130;

/// `GET /groups`: every group with its member count (not paged).
pub(crate) fn list(call: Call<'_>) -> Result<Reply, ZoomError> {
    let groups: Vec<Value> = call
        .state
        .dataset
        .groups
        .iter()
        .map(|g| json!({"id": g.id, "name": g.name, "total_members": g.members.len()}))
        .collect();
    Ok(Reply::Json(json!({
        "total_records": groups.len(),
        "groups": groups,
    })))
}

/// `GET /groups/{groupId}/members?page_size=&next_page_token=`.
pub(crate) fn members(call: Call<'_>, group_id: &str) -> Result<Reply, ZoomError> {
    let dataset = &call.state.dataset;
    let group = dataset
        .groups
        .iter()
        .find(|g| g.id == group_id)
        .ok_or_else(|| {
            ZoomError::new(
                axum::http::StatusCode::NOT_FOUND,
                CODE_GROUP_NOT_FOUND,
                format!("Group does not exist: {}.", echo(group_id)),
            )
        })?;
    let size = paging::page_size(call.query)?;
    let scope = format!("groups|{group_id}|members");
    let token = call.query.non_empty("next_page_token");
    let start = lock(&call.state.pages).resolve(token, &scope, call.now)?;
    let (range, next) = paging::offset_page(group.members.len(), start, size);
    let next_token = lock(&call.state.pages).issue_next(&scope, next, call.now);
    let members: Vec<Value> = group
        .members
        .get(range)
        .unwrap_or_default()
        .iter()
        .filter_map(|&i| dataset.users.get(i))
        .map(|u| {
            json!({
                "id": u.id,
                "email": u.email,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "type": u.user_type,
            })
        })
        .collect();
    let mut body = paging::envelope(group.members.len(), size, start.page_number, next_token);
    body.insert("members".into(), Value::Array(members));
    Ok(Reply::Json(Value::Object(body)))
}
