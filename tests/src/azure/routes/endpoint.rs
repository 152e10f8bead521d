//! The APIs' endpoints: matching a method and path (segments match case-insensitively,
//! as ARM and Graph do), and which API answers.

use axum::http::Method;

use crate::azure::error::Api;
use crate::common::query::percent_decode;

pub(crate) use crate::common::route::RouteError;

/// One operation, with its decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `GET /subscriptions`
    ListSubscriptions,
    /// `GET /subscriptions/{id}`
    GetSubscription(String),
    /// `GET /subscriptions/{id}/providers/microsoft.insights/eventtypes/management/values`
    ActivityLog(String),
    /// `GET /v1.0/users`
    ListUsers,
    /// `GET /v1.0/users/{id}`
    GetUser(String),
    /// `PATCH /v1.0/users/{id}`
    UpdateUser(String),
    /// `POST /v1.0/users/{id}/revokeSignInSessions`
    RevokeSessions(String),
    /// `GET /v1.0/groups`
    ListGroups,
    /// `GET /v1.0/groups/{id}`
    GetGroup(String),
    /// `GET /v1.0/groups/{id}/members`
    GroupMembers(String),
    /// `GET /v1.0/directoryRoles`
    ListRoles,
    /// `GET /v1.0/directoryRoles/{id}/members`
    RoleMembers(String),
    /// `GET /v1.0/auditLogs/signIns`
    SignIns,
    /// `GET /v1.0/auditLogs/directoryAudits`
    DirectoryAudits,
}

/// Which API a path belongs to: `/v1.0/...` is Graph, the rest ARM.
pub(crate) fn api_of(path: &str) -> Api {
    if path == "/v1.0" || path.starts_with("/v1.0/") {
        Api::Graph
    } else {
        Api::Arm
    }
}

/// Matches a request path to its endpoint.
pub(crate) fn resolve(method: &Method, path: &str) -> Result<Endpoint, RouteError> {
    let segments: Vec<String> = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split('/')
        .map(percent_decode)
        .collect();
    if segments.iter().any(String::is_empty) {
        return Err(RouteError::NotFound);
    }
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let words: Vec<&str> = lower.iter().map(String::as_str).collect();
    let id = |i: usize| segments.get(i).cloned().unwrap_or_default();
    let get = |e: Endpoint| (e, "GET");
    let (endpoint, allowed) = match words.as_slice() {
        ["subscriptions"] => get(Endpoint::ListSubscriptions),
        ["subscriptions", _] => get(Endpoint::GetSubscription(id(1))),
        [
            "subscriptions",
            _,
            "providers",
            "microsoft.insights",
            "eventtypes",
            "management",
            "values",
        ] => get(Endpoint::ActivityLog(id(1))),
        ["v1.0", "users"] => get(Endpoint::ListUsers),
        ["v1.0", "users", _] if *method == Method::PATCH => {
            (Endpoint::UpdateUser(id(2)), "GET, PATCH")
        }
        ["v1.0", "users", _] => (Endpoint::GetUser(id(2)), "GET, PATCH"),
        [
            "v1.0",
            "users",
            _,
            "revokesigninsessions" | "microsoft.graph.revokesigninsessions",
        ] => (Endpoint::RevokeSessions(id(2)), "POST"),
        ["v1.0", "groups"] => get(Endpoint::ListGroups),
        ["v1.0", "groups", _] => get(Endpoint::GetGroup(id(2))),
        ["v1.0", "groups", _, "members"] => get(Endpoint::GroupMembers(id(2))),
        ["v1.0", "directoryroles"] => get(Endpoint::ListRoles),
        ["v1.0", "directoryroles", _, "members"] => get(Endpoint::RoleMembers(id(2))),
        ["v1.0", "auditlogs", "signins"] => get(Endpoint::SignIns),
        ["v1.0", "auditlogs", "directoryaudits"] => get(Endpoint::DirectoryAudits),
        _ => return Err(RouteError::NotFound),
    };
    if allowed.split(", ").any(|m| m == method.as_str()) {
        Ok(endpoint)
    } else {
        Err(RouteError::MethodNotAllowed(allowed))
    }
}

impl Endpoint {
    /// Whether the endpoint belongs to the Graph reports APIs (`/auditLogs/*`).
    pub fn is_report(&self) -> bool {
        matches!(self, Endpoint::SignIns | Endpoint::DirectoryAudits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_case_insensitively_with_decoded_parameters() {
        let cases = [
            ("/subscriptions", Ok(Endpoint::ListSubscriptions)),
            (
                "/subscriptions/abc/providers/Microsoft.Insights/eventTypes/management/values",
                Ok(Endpoint::ActivityLog("abc".into())),
            ),
            (
                "/v1.0/users/a%40b.com",
                Ok(Endpoint::GetUser("a@b.com".into())),
            ),
            ("/v1.0/auditLogs/signIns", Ok(Endpoint::SignIns)),
            ("/v1.0/users/", Err(RouteError::NotFound)),
            ("/v1.0//users", Err(RouteError::NotFound)),
            ("/v1.0/applications", Err(RouteError::NotFound)),
            ("/", Err(RouteError::NotFound)),
            (
                "/v1.0/users/x/revokeSignInSessions",
                Err(RouteError::MethodNotAllowed("POST")),
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(resolve(&Method::GET, path), expected, "{path}");
        }
        assert_eq!(
            resolve(&Method::PATCH, "/v1.0/users/x"),
            Ok(Endpoint::UpdateUser("x".into()))
        );
        assert_eq!(
            resolve(&Method::DELETE, "/v1.0/users/x"),
            Err(RouteError::MethodNotAllowed("GET, PATCH"))
        );
    }
}
