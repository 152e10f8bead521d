//! Graph groups and directory roles, and their members (`directoryObject`s that are
//! users, with `@odata.type: #microsoft.graph.user`).

use serde_json::{Value, json};

use super::call::{Call, Reply};
use super::graph_paging::{DIRECTORY_PAGE, envelope, page, refuse_unsupported, select, slice};
use super::users::{not_found, shaped_user, user_json};
use crate::azure::dataset::{DOMAIN, Group, Role, iso_seconds};
use crate::azure::error::ApiError;
use crate::azure::state::lock;

fn group_json(group: &Group) -> Value {
    let nickname: String = group
        .display_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    json!({
        "id": group.id,
        "createdDateTime": iso_seconds(group.created),
        "description": format!("{} ({} members)", group.display_name, group.members.len()),
        "displayName": group.display_name,
        "groupTypes": if group.unified { vec!["Unified"] } else { Vec::new() },
        "mail": group.unified.then(|| format!("{nickname}@{DOMAIN}")),
        "mailEnabled": group.unified,
        "mailNickname": nickname,
        "securityEnabled": !group.unified,
        "visibility": if group.unified { Some("Private") } else { None },
    })
}

fn role_json(role: &Role) -> Value {
    json!({
        "id": role.id,
        "deletedDateTime": null,
        "description": role.description,
        "displayName": role.display_name,
        "roleTemplateId": role.template_id,
    })
}

/// A page of `members` (user indexes) as directory objects.
fn members_page(call: &Call<'_>, members: &[usize], context: &str) -> Result<Reply, ApiError> {
    refuse_unsupported(call)?;
    let page = page(call, DIRECTORY_PAGE)?;
    let users = &call.state.dataset.users;
    let enabled = lock(&call.state.enabled).clone();
    let items: Vec<Value> = slice(members, page)
        .iter()
        .filter_map(|&i| {
            let user = users.get(i)?;
            let on = enabled.get(i).copied().unwrap_or(user.initially_enabled);
            let mut full = user_json(user, on);
            full["@odata.type"] = Value::String("#microsoft.graph.user".into());
            Some(shaped_user(call, full))
        })
        .collect();
    Ok(Reply::Json(envelope(
        call,
        context,
        page,
        members.len(),
        items,
    )))
}

/// `GET /groups[?$top=&$select=&$skiptoken=]`.
pub(crate) fn list_groups(call: Call<'_>) -> Result<Reply, ApiError> {
    refuse_unsupported(&call)?;
    let page = page(&call, DIRECTORY_PAGE)?;
    let groups = &call.state.dataset.groups;
    let items = slice(groups, page).iter().map(group_json).collect();
    Ok(Reply::Json(envelope(
        &call,
        "groups",
        page,
        groups.len(),
        items,
    )))
}

fn find_group<'a>(call: &Call<'a>, id: &str) -> Result<&'a Group, ApiError> {
    call.state
        .dataset
        .groups
        .iter()
        .find(|g| g.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| not_found(id))
}

/// `GET /groups/{id}`.
pub(crate) fn get_group(call: Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let group = find_group(&call, id)?;
    let mut body = select(&call, group_json(group));
    body["@odata.context"] = Value::String(format!(
        "{}/v1.0/$metadata#groups/$entity",
        crate::azure::GRAPH_ORIGIN
    ));
    Ok(Reply::Json(body))
}

/// `GET /groups/{id}/members`.
pub(crate) fn group_members(call: Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let group = find_group(&call, id)?;
    members_page(&call, &group.members, "directoryObjects")
}

/// `GET /directoryRoles`: the activated roles (not paged).
pub(crate) fn list_roles(call: Call<'_>) -> Result<Reply, ApiError> {
    refuse_unsupported(&call)?;
    let roles: Vec<Value> = call
        .state
        .dataset
        .roles
        .iter()
        .map(|r| select(&call, role_json(r)))
        .collect();
    Ok(Reply::Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata#directoryRoles", crate::azure::GRAPH_ORIGIN),
        "value": roles,
    })))
}

/// `GET /directoryRoles/{id}/members` (by object id or role template id).
pub(crate) fn role_members(call: Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let role = call
        .state
        .dataset
        .roles
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id) || r.template_id.eq_ignore_ascii_case(id))
        .ok_or_else(|| not_found(id))?;
    members_page(&call, &role.members, "directoryObjects")
}
