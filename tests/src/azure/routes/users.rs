//! Graph users: list, get, `PATCH` (`accountEnabled`) and `revokeSignInSessions`.
//!
//! As in Graph, a user without `$select` carries only the default properties
//! ([`DEFAULT_USER_PROPERTIES`]): `accountEnabled`, `userType` and `createdDateTime`
//! must be asked for with `$select`.

use serde_json::{Value, json};

use super::call::{Call, Reply};
use super::graph_paging::{DIRECTORY_PAGE, envelope, page, refuse_unsupported, select, slice};
use crate::azure::dataset::{User, iso_seconds};
use crate::azure::error::{Api, ApiError, echo};
use crate::azure::state::lock;

/// What Graph returns for a user when no `$select` is given.
pub(crate) const DEFAULT_USER_PROPERTIES: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Every property the simulator knows for a user.
pub(crate) fn user_json(user: &User, enabled: bool) -> Value {
    let (given, surname) = user
        .display_name
        .split_once(' ')
        .unwrap_or((user.display_name.as_str(), ""));
    json!({
        "id": user.id,
        "businessPhones": [],
        "displayName": user.display_name,
        "givenName": given,
        "surname": surname,
        "jobTitle": if user.guest { "External collaborator" } else { "Engineer" },
        "mail": user.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
        "userPrincipalName": user.upn,
        "accountEnabled": enabled,
        "userType": if user.guest { "Guest" } else { "Member" },
        "createdDateTime": iso_seconds(user.created),
    })
}

/// `user_json` cut to `$select`, or to the default properties without one.
pub(crate) fn shaped_user(call: &Call<'_>, full: Value) -> Value {
    if call.query.get("$select").is_some() {
        return select(call, full);
    }
    match full {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| {
                    k == "@odata.type" || DEFAULT_USER_PROPERTIES.contains(&k.as_str())
                })
                .collect(),
        ),
        other => other,
    }
}

/// 404 `Request_ResourceNotFound`.
pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::not_found(
        Api::Graph,
        "Request_ResourceNotFound",
        format!(
            "Resource '{}' does not exist or one of its queried reference-property objects are not present.",
            echo(id)
        ),
    )
}

fn find(call: &Call<'_>, id: &str) -> Result<usize, ApiError> {
    call.state
        .dataset
        .find_user(id)
        .ok_or_else(|| not_found(id))
}

/// `GET /users[?$top=&$select=&$skiptoken=]`.
pub(crate) fn list(call: Call<'_>) -> Result<Reply, ApiError> {
    refuse_unsupported(&call)?;
    let page = page(&call, DIRECTORY_PAGE)?;
    let users = &call.state.dataset.users;
    let enabled = lock(&call.state.enabled).clone();
    let start = page.start.min(users.len());
    let items: Vec<Value> = slice(users, page)
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let on = enabled
                .get(start + i)
                .copied()
                .unwrap_or(u.initially_enabled);
            shaped_user(&call, user_json(u, on))
        })
        .collect();
    let mut body = envelope(&call, "users", page, users.len(), items);
    if let Some(select) = call.query.get("$select") {
        body["@odata.context"] = Value::String(format!(
            "{}/v1.0/$metadata#users({select})",
            crate::azure::GRAPH_ORIGIN
        ));
    }
    Ok(Reply::Json(body))
}

/// `GET /users/{id | userPrincipalName}`.
pub(crate) fn get(call: Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let index = find(&call, id)?;
    let user = call
        .state
        .dataset
        .users
        .get(index)
        .ok_or_else(|| not_found(id))?;
    let enabled = lock(&call.state.enabled)
        .get(index)
        .copied()
        .unwrap_or(user.initially_enabled);
    let mut body = shaped_user(&call, user_json(user, enabled));
    if let Value::Object(map) = &mut body {
        map.insert(
            "@odata.context".into(),
            Value::String(format!(
                "{}/v1.0/$metadata#users/$entity",
                crate::azure::GRAPH_ORIGIN
            )),
        );
    }
    Ok(Reply::Json(body))
}

/// `PATCH /users/{id}` with `{"accountEnabled": bool}` (other properties accepted and
/// ignored) → 204.
pub(crate) fn update(call: Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let index = find(&call, id)?;
    let bad = |message: &str| ApiError::bad_request(Api::Graph, "BadRequest", message);
    let body: Value = serde_json::from_slice(call.body)
        .map_err(|_| bad("Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format."))?;
    let Value::Object(fields) = body else {
        return Err(bad("The request payload must be a JSON object."));
    };
    match fields.get("accountEnabled") {
        None => {}
        Some(Value::Bool(on)) => {
            if let Some(slot) = lock(&call.state.enabled).get_mut(index) {
                *slot = *on;
            }
        }
        Some(_) => {
            return Err(bad(
                "Cannot convert the literal to the expected type 'Edm.Boolean' for property 'accountEnabled'.",
            ));
        }
    }
    Ok(Reply::NoContent)
}

/// `POST /users/{id}/revokeSignInSessions` → `{"value": true}`.
pub(crate) fn revoke_sessions(call: Call<'_>, id: &str) -> Result<Reply, ApiError> {
    find(&call, id)?;
    Ok(Reply::Json(json!({
        "@odata.context": format!("{}/v1.0/$metadata#Edm.Boolean", crate::azure::GRAPH_ORIGIN),
        "value": true,
    })))
}
