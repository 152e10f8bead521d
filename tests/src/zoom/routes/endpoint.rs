//! The API's endpoints: matching a method and path, and each endpoint's category.

use axum::http::Method;

use crate::common::query::percent_decode;
use crate::zoom::plan::Category;

pub(crate) use crate::common::route::RouteError;

/// One API operation, with its decoded path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `GET /v2/users`
    ListUsers,
    /// `GET /v2/users/{userId}`
    GetUser(String),
    /// `PUT /v2/users/{userId}/status`
    UpdateUserStatus(String),
    /// `GET /v2/groups`
    ListGroups,
    /// `GET /v2/groups/{groupId}/members`
    GroupMembers(String),
    /// `GET /v2/roles`
    ListRoles,
    /// `GET /v2/roles/{roleId}/members`
    RoleMembers(String),
    /// `GET /v2/accounts/{accountId}/settings`
    AccountSettings(String),
    /// `GET /v2/report/activities`
    SignInActivities,
    /// `GET /v2/report/operationlogs`
    OperationLogs,
}

/// Matches a request under `/v2` to its endpoint.
pub(crate) fn resolve(method: &Method, path: &str) -> Result<Endpoint, RouteError> {
    let rest = path.strip_prefix("/v2/").ok_or(RouteError::NotFound)?;
    let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(RouteError::NotFound);
    }
    let (endpoint, allowed) = match parts.as_slice() {
        ["users"] => (Endpoint::ListUsers, Method::GET),
        ["users", id] => (Endpoint::GetUser((*id).to_owned()), Method::GET),
        ["users", id, "status"] => (Endpoint::UpdateUserStatus((*id).to_owned()), Method::PUT),
        ["groups"] => (Endpoint::ListGroups, Method::GET),
        ["groups", id, "members"] => (Endpoint::GroupMembers((*id).to_owned()), Method::GET),
        ["roles"] => (Endpoint::ListRoles, Method::GET),
        ["roles", id, "members"] => (Endpoint::RoleMembers((*id).to_owned()), Method::GET),
        ["accounts", id, "settings"] => (Endpoint::AccountSettings((*id).to_owned()), Method::GET),
        ["report", "activities"] => (Endpoint::SignInActivities, Method::GET),
        ["report", "operationlogs"] => (Endpoint::OperationLogs, Method::GET),
        _ => return Err(RouteError::NotFound),
    };
    if *method == allowed {
        Ok(endpoint)
    } else if allowed == Method::PUT {
        Err(RouteError::MethodNotAllowed("PUT"))
    } else {
        Err(RouteError::MethodNotAllowed("GET"))
    }
}

impl Endpoint {
    /// The endpoint's rate-limit category (the spec's "Rate Limit Label").
    pub fn category(&self) -> Category {
        match self {
            Endpoint::GetUser(_) | Endpoint::UpdateUserStatus(_) => Category::Light,
            Endpoint::ListUsers
            | Endpoint::ListGroups
            | Endpoint::GroupMembers(_)
            | Endpoint::ListRoles
            | Endpoint::RoleMembers(_)
            | Endpoint::AccountSettings(_) => Category::Medium,
            Endpoint::SignInActivities | Endpoint::OperationLogs => Category::Heavy,
        }
    }

    /// Whether the endpoint needs a Pro or higher plan.
    pub fn paid_only(&self) -> bool {
        !matches!(
            self,
            Endpoint::ListUsers | Endpoint::GetUser(_) | Endpoint::UpdateUserStatus(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_to_endpoints_with_decoded_parameters() {
        let cases = [
            ("/v2/users", Ok(Endpoint::ListUsers)),
            (
                "/v2/users/a%40b.com",
                Ok(Endpoint::GetUser("a@b.com".into())),
            ),
            ("/v2/report/activities", Ok(Endpoint::SignInActivities)),
            (
                "/v2/accounts/me/settings",
                Ok(Endpoint::AccountSettings("me".into())),
            ),
            ("/v2/users/", Err(RouteError::NotFound)),
            ("/v2//users", Err(RouteError::NotFound)),
            ("/v2/meetings", Err(RouteError::NotFound)),
            ("/v2", Err(RouteError::NotFound)),
            (
                "/v2/users/x/status",
                Err(RouteError::MethodNotAllowed("PUT")),
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(resolve(&Method::GET, path), expected, "{path}");
        }
        assert_eq!(
            resolve(&Method::DELETE, "/v2/users"),
            Err(RouteError::MethodNotAllowed("GET"))
        );
    }

    #[test]
    fn categories_follow_the_rate_limit_labels() {
        assert_eq!(Endpoint::ListUsers.category(), Category::Medium);
        assert_eq!(Endpoint::GetUser("x".into()).category(), Category::Light);
        assert_eq!(Endpoint::OperationLogs.category(), Category::Heavy);
        assert_eq!(
            Endpoint::AccountSettings("me".into()).category(),
            Category::Medium
        );
    }
}
