//! `GET /users`, `GET /users/{userId}` and `PUT /users/{userId}/status`.

use serde::Deserialize;
use serde_json::{Value, json};

use super::call::{Call, Reply};
use crate::zoom::dataset::{Dataset, User, UserStatus, zoom_time};
use crate::zoom::error::ZoomError;
use crate::zoom::paging::{self, PageStart};
use crate::zoom::state::lock;

/// `GET /users?status=&role_id=&page_size=&next_page_token=`.
///
/// Pages are keyed on the user's position in the account (not an offset), so a user
/// whose status changes between pages does not shift the others.
pub(crate) fn list(call: Call<'_>) -> Result<Reply, ZoomError> {
    let status = match call.query.non_empty("status") {
        None => UserStatus::Active,
        Some(s) => UserStatus::parse(s).ok_or_else(|| {
            ZoomError::invalid_field("status", "must be one of active, inactive, pending")
        })?,
    };
    let role_id = call.query.non_empty("role_id");
    let role = match role_id {
        None => None,
        Some(id) => Some(
            call.state
                .dataset
                .roles
                .iter()
                .position(|r| r.id == id)
                .ok_or_else(|| ZoomError::invalid_field("role_id", "role does not exist"))?,
        ),
    };
    let size = paging::page_size(call.query)?;
    let scope = format!("users|{}|{}", status.as_str(), role_id.unwrap_or_default());
    let token = call.query.non_empty("next_page_token");
    let start = lock(&call.state.pages).resolve(token, &scope, call.now)?;
    let dataset = &call.state.dataset;
    let statuses = lock(&call.state.statuses).clone();
    let matching: Vec<usize> = statuses
        .iter()
        .enumerate()
        .filter(|&(i, &s)| {
            s == status && role.is_none_or(|r| dataset.users.get(i).is_some_and(|u| u.role == r))
        })
        .map(|(i, _)| i)
        .collect();
    let first = matching.partition_point(|&i| i < start.position);
    let page: Vec<usize> = matching.iter().skip(first).take(size).copied().collect();
    let next = matching
        .get(first.saturating_add(size))
        .map(|&position| PageStart {
            position,
            page_number: start.page_number.saturating_add(1),
        });
    let next_token = lock(&call.state.pages).issue_next(&scope, next, call.now);
    let users: Vec<Value> = page
        .iter()
        .filter_map(|&i| Some(list_item(dataset, dataset.users.get(i)?, status)))
        .collect();
    let mut body = paging::envelope(matching.len(), size, start.page_number, next_token);
    body.insert("users".into(), Value::Array(users));
    Ok(Reply::Json(Value::Object(body)))
}

/// `GET /users/{userId}`: by id, email, or `me` (the account owner).
pub(crate) fn get(call: Call<'_>, key: &str) -> Result<Reply, ZoomError> {
    let dataset = &call.state.dataset;
    let (index, user) = find(dataset, key)?;
    let status = current_status(call, index, user);
    let mut body = list_item(dataset, user, status);
    if let Value::Object(map) = &mut body {
        let role_name = dataset
            .roles
            .get(user.role)
            .map(|r| r.name)
            .unwrap_or_default();
        map.insert("role_name".into(), json!(role_name));
        map.insert(
            "account_id".into(),
            json!(call.state.credentials.account_id),
        );
        map.insert("use_pmi".into(), json!(false));
        map.insert("job_title".into(), json!(user.job_title));
        map.insert("login_type".into(), json!(100));
        map.insert(
            "personal_meeting_url".into(),
            json!(format!("https://zoom.us/j/{}", user.pmi)),
        );
    }
    Ok(Reply::Json(body))
}

#[derive(Debug, Deserialize)]
struct StatusChange {
    action: String,
}

/// `PUT /users/{userId}/status` with `{"action": "deactivate" | "activate"}` → 204.
pub(crate) fn update_status(call: Call<'_>, key: &str) -> Result<Reply, ZoomError> {
    let change: StatusChange = serde_json::from_slice(call.body)
        .map_err(|_| ZoomError::invalid_field("action", "must be activate or deactivate"))?;
    let target = match change.action.as_str() {
        "activate" => UserStatus::Active,
        "deactivate" => UserStatus::Inactive,
        _ => {
            return Err(ZoomError::invalid_field(
                "action",
                "must be activate or deactivate",
            ));
        }
    };
    let (index, user) = find(&call.state.dataset, key)?;
    if user.role == 0 && target == UserStatus::Inactive {
        return Err(ZoomError::bad_request(
            "The account owner cannot be deactivated.",
        ));
    }
    let mut statuses = lock(&call.state.statuses);
    let Some(status) = statuses.get_mut(index) else {
        return Err(ZoomError::user_not_found(key));
    };
    if *status == UserStatus::Pending {
        return Err(ZoomError::bad_request(
            "The user has not accepted the invitation yet.",
        ));
    }
    *status = target;
    Ok(Reply::NoContent)
}

fn find<'d>(dataset: &'d Dataset, key: &str) -> Result<(usize, &'d User), ZoomError> {
    dataset
        .find_user(key)
        .and_then(|i| dataset.users.get(i).map(|u| (i, u)))
        .ok_or_else(|| ZoomError::user_not_found(key))
}

fn current_status(call: Call<'_>, index: usize, user: &User) -> UserStatus {
    lock(&call.state.statuses)
        .get(index)
        .copied()
        .unwrap_or(user.initial_status)
}

/// A user as `GET /users` lists it.
fn list_item(dataset: &Dataset, user: &User, status: UserStatus) -> Value {
    let role_id = dataset
        .roles
        .get(user.role)
        .map(|r| r.id.as_str())
        .unwrap_or_default();
    let group_ids: Vec<&str> = user
        .groups
        .iter()
        .filter_map(|&g| dataset.groups.get(g).map(|g| g.id.as_str()))
        .collect();
    let mut item = json!({
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": format!("{} {}", user.first_name, user.last_name),
        "email": user.email,
        "type": user.user_type,
        "pmi": user.pmi,
        "timezone": user.timezone,
        "verified": u8::from(user.verified),
        "dept": user.dept,
        "created_at": zoom_time(user.created_at),
        "user_created_at": zoom_time(user.created_at),
        "language": user.language,
        "status": status.as_str(),
        "role_id": role_id,
        "group_ids": group_ids,
        "im_group_ids": [],
    });
    if let (Value::Object(map), Some(login)) = (&mut item, user.last_login_time) {
        map.insert("last_login_time".into(), json!(zoom_time(login)));
        if let Some(version) = &user.last_client_version {
            map.insert("last_client_version".into(), json!(version));
        }
    }
    item
}
