//! `GET /groups` and `GET /groups/{groupId}/members`.

use serde_json::{Value, json};

use super::call::{Call, Reply};
use super::members::{member_fields, member_page};
use crate::zoom::error::{ZoomError, echo};

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
    let group = call
        .state
        .dataset
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
    member_page(
        call,
        &format!("groups|{group_id}|members"),
        &group.members,
        member_fields,
    )
}
