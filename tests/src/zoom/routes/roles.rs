//! `GET /roles` and `GET /roles/{roleId}/members`.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::call::{Call, Reply};
use super::members::{member_fields, member_page};
use crate::zoom::dataset::User;
use crate::zoom::error::{CODE_INVALID_REQUEST, ZoomError, echo};

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
    let role = call
        .state
        .dataset
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
    member_page(
        call,
        &format!("roles|{role_id}|members"),
        &role.members,
        role_member,
    )
}

/// A role member: the common fields and the department.
fn role_member(u: &User) -> Map<String, Value> {
    let mut fields = member_fields(u);
    fields.insert("department".into(), json!(u.dept));
    fields
}
