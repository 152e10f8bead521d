//! ARM `GET /subscriptions` (two per page, `nextLink` beyond) and
//! `GET /subscriptions/{id}`, with ARM's `api-version` rules.

use serde_json::{Value, json};

use super::call::{Call, Reply};
use super::graph_paging::{parse_skip_token, skip_token};
use crate::azure::dataset::Subscription;
use crate::azure::error::{Api, ApiError, echo};
use crate::common::query::Query;

/// The API version `/subscriptions` accepts (the one `arm.json` describes).
pub(crate) const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";
/// Subscriptions per page.
const PAGE: usize = 2;

/// Checks `api-version`: missing → `MissingApiVersionParameter`, other than
/// `expected` → `InvalidApiVersionParameter` (both 400).
pub(crate) fn check_api_version(query: &Query, expected: &str) -> Result<(), ApiError> {
    match query.get("api-version") {
        None | Some("") => Err(ApiError::bad_request(
            Api::Arm,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )),
        Some(v) if v == expected => Ok(()),
        Some(v) => Err(ApiError::bad_request(
            Api::Arm,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{}' is invalid. The supported versions are '{expected}'.",
                echo(v)
            ),
        )),
    }
}

fn subscription_json(sub: &Subscription, tenant_id: &str) -> Value {
    json!({
        "id": format!("/subscriptions/{}", sub.id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub.id,
        "tenantId": tenant_id,
        "displayName": sub.display_name,
        "state": if sub.enabled { "Enabled" } else { "Disabled" },
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": sub.quota_id,
            "spendingLimit": "Off",
        },
    })
}

/// `GET /subscriptions?api-version=2022-12-01[&$skiptoken=]`.
pub(crate) fn list(call: Call<'_>) -> Result<Reply, ApiError> {
    check_api_version(call.query, SUBSCRIPTIONS_API_VERSION)?;
    let subs = &call.state.dataset.subscriptions;
    let start = match call.query.get("$skiptoken") {
        None => 0,
        Some(raw) => parse_skip_token(raw).ok_or_else(|| {
            ApiError::bad_request(Api::Arm, "InvalidSkipToken", "The $skiptoken is invalid.")
        })?,
    };
    let tenant = &call.state.credentials.tenant_id;
    let value: Vec<Value> = subs
        .iter()
        .skip(start)
        .take(PAGE)
        .map(|s| subscription_json(s, tenant))
        .collect();
    let mut body = json!({ "value": value });
    let next = start.saturating_add(PAGE);
    if next < subs.len() {
        body["nextLink"] = Value::String(format!(
            "{}/subscriptions?api-version={SUBSCRIPTIONS_API_VERSION}&%24skiptoken={}",
            crate::azure::ARM_ORIGIN,
            skip_token(next)
        ));
    }
    Ok(Reply::Json(body))
}

/// `GET /subscriptions/{id}?api-version=2022-12-01`.
pub(crate) fn get(call: Call<'_>, id: &str) -> Result<Reply, ApiError> {
    check_api_version(call.query, SUBSCRIPTIONS_API_VERSION)?;
    let dataset = &call.state.dataset;
    let index = dataset
        .find_subscription(id)
        .ok_or_else(|| subscription_not_found(id))?;
    let sub = dataset
        .subscriptions
        .get(index)
        .ok_or_else(|| subscription_not_found(id))?;
    Ok(Reply::Json(subscription_json(
        sub,
        &call.state.credentials.tenant_id,
    )))
}

/// 404 `SubscriptionNotFound`.
pub(crate) fn subscription_not_found(id: &str) -> ApiError {
    ApiError::not_found(
        Api::Arm,
        "SubscriptionNotFound",
        format!("The subscription '{}' could not be found.", echo(id)),
    )
}
