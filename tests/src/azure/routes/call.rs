//! What a handler receives ([`Call`]) and returns ([`Reply`]), and the dispatch table.

use super::endpoint::Endpoint;
use super::{activity, directory, graph_reports, subscriptions, users};
use crate::azure::error::ApiError;
use crate::azure::state::SimState;
use crate::common::query::Query;
pub(crate) use crate::common::reply::Reply;

/// One authenticated, admitted API request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    /// Shared simulator state.
    pub state: &'a SimState,
    /// The percent-encoded request path (for next links).
    pub path: &'a str,
    /// Decoded query parameters.
    pub query: &'a Query,
    /// The raw request body.
    pub body: &'a [u8],
}

/// Runs the handler for `endpoint`.
pub(crate) fn dispatch(endpoint: &Endpoint, call: Call<'_>) -> Result<Reply, ApiError> {
    match endpoint {
        Endpoint::ListSubscriptions => subscriptions::list(call),
        Endpoint::GetSubscription(id) => subscriptions::get(call, id),
        Endpoint::ActivityLog(id) => activity::list(call, id),
        Endpoint::ListUsers => users::list(call),
        Endpoint::GetUser(id) => users::get(call, id),
        Endpoint::UpdateUser(id) => users::update(call, id),
        Endpoint::RevokeSessions(id) => users::revoke_sessions(call, id),
        Endpoint::ListGroups => directory::list_groups(call),
        Endpoint::GetGroup(id) => directory::get_group(call, id),
        Endpoint::GroupMembers(id) => directory::group_members(call, id),
        Endpoint::ListRoles => directory::list_roles(call),
        Endpoint::RoleMembers(id) => directory::role_members(call, id),
        Endpoint::SignIns => graph_reports::signins(call),
        Endpoint::DirectoryAudits => graph_reports::directory_audits(call),
    }
}
