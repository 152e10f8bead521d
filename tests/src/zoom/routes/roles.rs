//! `GET /roles` and `GET /roles/{roleId}/members`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::call::{Call, Reply};
use crate::zoom::error::{CODE_INVALID_REQUEST, ZoomError, echo};
use crate::zoom::paging;
use crate::zoom::state::lock;

/// `GET /roles`: every role with its member count.
pub(crate) fn list(call: Call<'_>) -> Result<Reply, ZoomError> {
    let roles: Vec<Value> = call
        .state
        .dataset
        .roles
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "description": r.description,
                "total_members": r.members.len(),
                "type": "common",
            })
        })
        .collect();
    Ok(Reply::Json(json!({
        "total_records": roles.len(),
        "roles": roles,
    })))
}

/// `GET /roles/{roleId}/members?page_size=&next_page_token=`.
pub(crate) fn members(call: Call<'_>, role_id: &str) -> Result<Reply, ZoomError> {
    let dataset = &call.state.dataset;
    let role = dataset
        .roles
        .iter()
        .find(|r| r.id == role_id)
        .ok_or_else(|| {
            ZoomError::new(
                StatusCode::NOT_FOUND,
                CODE_INVALID_REQUEST,
                format!("Role does not exist: {}.", echo(role_id)),
            )
        })?;
    let size = paging::page_size(call.query)?;
    let scope = format!("roles|{role_id}|members");
    let token = call.query.non_empty("next_page_token");
    let start = lock(&call.state.pages).resolve(token, &scope, call.now)?;
    let (range, next) = paging::offset_page(role.members.len(), start, size);
    let next_token = lock(&call.state.pages).issue_next(&scope, next, call.now);
    let members: Vec<Value> = role
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
                "department": u.dept,
            })
        })
        .collect();
    let mut body = paging::envelope(role.members.len(), size, start.page_number, next_token);
    body.insert("members".into(), Value::Array(members));
    Ok(Reply::Json(Value::Object(body)))
}
