//! Graph reports: `GET /auditLogs/signIns` (needs Entra ID P1/P2) and
//! `GET /auditLogs/directoryAudits`, newest first, with `$filter` on the timestamp
//! (`createdDateTime` / `activityDateTime` with `ge`, `gt`, `le`, `lt`, joined by `and`).

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::activity_filter::parse_instant;
use super::call::{Call, Reply};
use super::graph_paging::{PageRule, envelope, page, slice};
use crate::azure::dataset::{Actor, Audit, Dataset, SignIn, iso_seconds};
use crate::azure::error::{Api, ApiError, echo};
use crate::azure::state::SimState;

/// Reports page 1,000 by default and at most.
const REPORT_PAGE: PageRule = PageRule {
    default: 1_000,
    max: 1_000,
    directory: false,
};

/// A time window from `$filter`.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    after: Option<(OffsetDateTime, bool)>,
    before: Option<(OffsetDateTime, bool)>,
}

impl Window {
    fn contains(&self, t: OffsetDateTime) -> bool {
        let after = self
            .after
            .is_none_or(|(a, inclusive)| t > a || (inclusive && t == a));
        let before = self
            .before
            .is_none_or(|(b, inclusive)| t < b || (inclusive && t == b));
        after && before
    }
}

fn parse_window(call: &Call<'_>, field: &str) -> Result<Window, ApiError> {
    let mut window = Window::default();
    let Some(raw) = call.query.get("$filter") else {
        return Ok(window);
    };
    let invalid = |clause: &str| {
        ApiError::bad_request(
            Api::Graph,
            "BadRequest",
            format!(
                "Invalid filter clause '{}': the simulator supports {field} ge|gt|le|lt <ISO 8601> joined by 'and'.",
                echo(clause)
            ),
        )
    };
    for clause in raw.split(" and ").map(str::trim) {
        let mut parts = clause.split_whitespace();
        let (Some(name), Some(op), Some(value), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid(clause));
        };
        if !name.eq_ignore_ascii_case(field) {
            return Err(invalid(clause));
        }
        let t = parse_instant(value.trim_matches('\'')).ok_or_else(|| invalid(clause))?;
        match op.to_ascii_lowercase().as_str() {
            "ge" => window.after = Some((t, true)),
            "gt" => window.after = Some((t, false)),
            "le" => window.before = Some((t, true)),
            "lt" => window.before = Some((t, false)),
            _ => return Err(invalid(clause)),
        }
    }
    Ok(window)
}

fn signin_json(dataset: &Dataset, s: &SignIn) -> Value {
    let user = dataset.users.get(s.user);
    let (code, reason) = s.outcome;
    json!({
        "id": s.id,
        "createdDateTime": iso_seconds(s.created),
        "userDisplayName": user.map(|u| u.display_name.clone()),
        "userPrincipalName": user.map(|u| u.upn.clone()),
        "userId": user.map(|u| u.id.clone()).unwrap_or_default(),
        "appId": s.app.1,
        "appDisplayName": s.app.0,
        "ipAddress": s.ip,
        "clientAppUsed": s.client_app,
        "correlationId": s.correlation_id,
        "conditionalAccessStatus": if code == 53_003 { "failure" } else { "notApplied" },
        "isInteractive": true,
        "resourceDisplayName": "Windows Azure Service Management API",
        "status": {
            "errorCode": code,
            "failureReason": if code == 0 { "Other." } else { reason },
            "additionalDetails": null,
        },
        "location": {
            "city": s.location.0,
            "state": null,
            "countryOrRegion": s.location.1,
        },
        "appliedConditionalAccessPolicies": [],
    })
}

fn audit_json(dataset: &Dataset, a: &Audit) -> Value {
    let (activity, category, operation) = a.activity;
    let initiated_by = match a.actor {
        Actor::User(i) => {
            let user = dataset.users.get(i);
            json!({"app": null, "user": {
                "id": user.map(|u| u.id.clone()),
                "displayName": null,
                "userPrincipalName": user.map(|u| u.upn.clone()),
                "ipAddress": a.ip,
            }})
        }
        Actor::App(i) => {
            let app = dataset.apps.get(i);
            json!({"user": null, "app": {
                "appId": app.map(|p| p.app_id.clone()),
                "displayName": app.map(|p| p.display_name),
                "servicePrincipalId": app.map(|p| p.object_id.clone()),
                "servicePrincipalName": null,
            }})
        }
    };
    let targets: Vec<Value> = a
        .target
        .and_then(|i| dataset.users.get(i))
        .map(|u| {
            json!({
                "id": u.id,
                "displayName": null,
                "type": "User",
                "userPrincipalName": u.upn,
                "modifiedProperties": [],
            })
        })
        .into_iter()
        .collect();
    json!({
        "id": a.id,
        "category": category,
        "correlationId": a.correlation_id,
        "result": if a.success { "success" } else { "failure" },
        "resultReason": "",
        "activityDisplayName": activity,
        "activityDateTime": iso_seconds(a.time),
        "loggedByService": "Core Directory",
        "operationType": operation,
        "initiatedBy": initiated_by,
        "targetResources": targets,
        "additionalDetails": [],
    })
}

/// 403 for a tenant without Entra ID P1/P2.
fn unlicensed() -> ApiError {
    ApiError::new(
        Api::Graph,
        axum::http::StatusCode::FORBIDDEN,
        "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
        "Neither tenant is B2C or tenant doesn't have premium license",
    )
}

fn report<T>(
    call: Call<'_>,
    items: &[T],
    field: &str,
    context: &str,
    time: impl Fn(&T) -> OffsetDateTime,
    render: impl Fn(&SimState, &T) -> Value,
) -> Result<Reply, ApiError> {
    let window = parse_window(&call, field)?;
    let page = page(&call, REPORT_PAGE)?;
    let matching: Vec<&T> = items.iter().filter(|i| window.contains(time(i))).collect();
    let values = slice(&matching, page)
        .iter()
        .map(|i| render(call.state, i))
        .collect();
    Ok(Reply::Json(envelope(
        &call,
        context,
        page,
        matching.len(),
        values,
    )))
}

/// `GET /auditLogs/signIns[?$top=&$filter=createdDateTime ge <t>&$skiptoken=]`.
pub(crate) fn signins(call: Call<'_>) -> Result<Reply, ApiError> {
    if !call.state.signins_licensed {
        return Err(unlicensed());
    }
    let items = &call.state.dataset.signins;
    report(
        call,
        items,
        "createdDateTime",
        "auditLogs/signIns",
        |s| s.created,
        |st, s| signin_json(&st.dataset, s),
    )
}

/// `GET /auditLogs/directoryAudits[?$top=&$filter=activityDateTime ge <t>&$skiptoken=]`.
pub(crate) fn directory_audits(call: Call<'_>) -> Result<Reply, ApiError> {
    let items = &call.state.dataset.audits;
    report(
        call,
        items,
        "activityDateTime",
        "auditLogs/directoryAudits",
        |a| a.time,
        |st, a| audit_json(&st.dataset, a),
    )
}
