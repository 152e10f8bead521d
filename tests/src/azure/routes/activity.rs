//! ARM activity log: `GET /subscriptions/{id}/providers/microsoft.insights/eventtypes/
//! management/values?api-version=2015-04-01&$filter=...[&$select=][&$skipToken=]`.
//!
//! Events of the window, newest first, `arm_page_size` per page; `nextLink` is the full
//! URL of the next page (the same filter plus `$skipToken`).

use serde_json::{Map, Value, json};

use super::activity_filter::EventFilter;
use super::call::{Call, Reply};
use super::graph_paging::{parse_skip_token, skip_token};
use super::subscriptions::{check_api_version, subscription_not_found};
use crate::azure::dataset::{Actor, Dataset, Event, OPERATIONS, Operation, iso_ticks};
use crate::azure::error::{Api, ApiError};

/// The API version the activity log accepts (the one `arm.json` describes).
pub(crate) const ACTIVITY_API_VERSION: &str = "2015-04-01";
/// The Azure portal's application id, in user events' `appid` claim.
const PORTAL_APP_ID: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";

fn bad_filter(message: &str) -> ApiError {
    ApiError::bad_request(
        Api::Arm,
        "BadRequest",
        format!("The $filter query parameter is invalid: {message}"),
    )
}

/// The list handler.
pub(crate) fn list(call: Call<'_>, subscription_id: &str) -> Result<Reply, ApiError> {
    check_api_version(call.query, ACTIVITY_API_VERSION)?;
    let dataset = &call.state.dataset;
    let index = dataset
        .find_subscription(subscription_id)
        .ok_or_else(|| subscription_not_found(subscription_id))?;
    let raw_filter = call
        .query
        .get("$filter")
        .filter(|f| !f.trim().is_empty())
        .ok_or_else(|| bad_filter("$filter is required."))?;
    let filter = EventFilter::parse(raw_filter).map_err(|m| bad_filter(&m))?;
    let start = match call.query.get("$skipToken") {
        None => 0,
        Some(raw) => parse_skip_token(raw).ok_or_else(|| {
            ApiError::bad_request(Api::Arm, "BadRequest", "The $skipToken is invalid.")
        })?,
    };
    let select: Option<Vec<String>> = call.query.get("$select").map(|s| {
        s.split(',')
            .map(|f| f.trim().to_ascii_lowercase())
            .filter(|f| !f.is_empty())
            .collect()
    });
    let sub_id = dataset
        .subscriptions
        .get(index)
        .map(|s| s.id.as_str())
        .unwrap_or_default();
    let events = dataset
        .events
        .get(index)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let page = call.state.arm_page_size;
    let mut matching = events.iter().filter(|e| {
        let (_, _, _, provider, ..) = operation(e);
        filter.matches(
            e.timestamp,
            e.resource_group,
            &resource_id(e, sub_id),
            provider,
            &e.correlation_id,
        )
    });
    let value: Vec<Value> = matching
        .by_ref()
        .skip(start)
        .take(page)
        .map(|e| {
            let full = event_json(dataset, e, sub_id, &call.state.credentials.tenant_id);
            project(full, select.as_deref())
        })
        .collect();
    let mut body = json!({ "value": value });
    if matching.next().is_some() {
        let next = start.saturating_add(page);
        body["nextLink"] = Value::String(format!(
            "{}{}?{}",
            crate::azure::ARM_ORIGIN,
            call.path,
            call.query
                .encode_with(&["$skipToken"], ("$skipToken", &skip_token(next)))
        ));
    }
    Ok(Reply::Json(body))
}

fn operation(e: &Event) -> Operation {
    OPERATIONS
        .get(e.operation)
        .copied()
        .unwrap_or(OPERATIONS[0])
}

fn resource_id(e: &Event, sub_id: &str) -> String {
    let (_, _, _, provider, kind, _) = operation(e);
    format!(
        "/subscriptions/{sub_id}/resourceGroups/{}/providers/{provider}/{kind}/{}",
        e.resource_group, e.resource_name
    )
}

/// Keeps only the `$select`ed properties (matched case-insensitively).
fn project(full: Value, select: Option<&[String]>) -> Value {
    let (Some(select), Value::Object(map)) = (select, &full) else {
        return full;
    };
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| select.contains(&k.to_ascii_lowercase()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

/// One event as ARM renders `EventData`.
fn event_json(dataset: &Dataset, e: &Event, sub_id: &str, tenant_id: &str) -> Value {
    let (op, op_name, method, provider, kind, _) = operation(e);
    let resource = resource_id(e, sub_id);
    let mut claims = Map::new();
    let mut put = |k: &str, v: &str| {
        claims.insert(k.to_owned(), Value::String(v.to_owned()));
    };
    put(
        "http://schemas.microsoft.com/identity/claims/tenantid",
        tenant_id,
    );
    put("ipaddr", &e.ip);
    put("aud", "https://management.azure.com/");
    let caller = match e.actor {
        Actor::User(i) => match dataset.users.get(i) {
            Some(u) => {
                put(
                    "http://schemas.microsoft.com/identity/claims/objectidentifier",
                    &u.id,
                );
                put(
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
                    &u.upn,
                );
                put("name", &u.display_name);
                put("appid", PORTAL_APP_ID);
                put("idtyp", "user");
                u.upn.clone()
            }
            None => String::new(),
        },
        Actor::App(i) => match dataset.apps.get(i) {
            Some(a) => {
                put(
                    "http://schemas.microsoft.com/identity/claims/objectidentifier",
                    &a.object_id,
                );
                put("appid", &a.app_id);
                put("idtyp", "app");
                a.app_id.clone()
            }
            None => String::new(),
        },
    };
    let level = if e.status == "Failed" {
        "Error"
    } else {
        "Informational"
    };
    let ticks = (e.timestamp.unix_timestamp_nanos() / 100).to_string();
    let localized = |v: &str| json!({"value": v, "localizedValue": v});
    json!({
        "authorization": {"action": op, "role": e.role, "scope": resource},
        "caller": caller,
        "channels": "Operation",
        "claims": claims,
        "correlationId": e.correlation_id,
        "description": "",
        "eventDataId": e.event_data_id,
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": localized("Administrative"),
        "httpRequest": {
            "clientRequestId": e.client_request_id,
            "clientIpAddress": e.ip,
            "method": method,
        },
        "id": format!("{resource}/events/{}/ticks/{ticks}", e.event_data_id),
        "level": level,
        "resourceGroupName": e.resource_group,
        "resourceProviderName": localized(provider),
        "resourceId": resource,
        "resourceType": localized(&format!("{provider}/{kind}")),
        "operationId": e.operation_id,
        "operationName": {"value": op, "localizedValue": op_name},
        "properties": {"statusCode": if e.status == "Failed" { "Forbidden" } else { "OK" }},
        "status": localized(e.status),
        "subStatus": localized(if e.status == "Failed" { "Forbidden" } else { "OK" }),
        "eventTimestamp": iso_ticks(e.timestamp),
        "submissionTimestamp": iso_ticks(e.submitted),
        "subscriptionId": sub_id,
        "tenantId": tenant_id,
    })
}
