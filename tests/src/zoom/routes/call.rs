//! What a handler receives ([`Call`]) and returns ([`Reply`]), and the dispatch table.

use std::time::Instant;

use time::OffsetDateTime;

use super::endpoint::Endpoint;
use super::{groups, reports, roles, settings, users};
use crate::common::query::Query;
pub(crate) use crate::common::reply::Reply;
use crate::zoom::error::ZoomError;
use crate::zoom::state::SimState;

/// One authenticated, admitted API request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    /// Shared simulator state.
    pub state: &'a SimState,
    /// Decoded query parameters.
    pub query: &'a Query,
    /// The raw request body.
    pub body: &'a [u8],
    /// Monotonic time of arrival (page-token expiry).
    pub now: Instant,
    /// Wall-clock time of arrival (report windows).
    pub utc: OffsetDateTime,
}

/// Runs the handler for `endpoint`.
pub(crate) fn dispatch(endpoint: &Endpoint, call: Call<'_>) -> Result<Reply, ZoomError> {
    if endpoint.paid_only() && !call.state.plan.is_paid() {
        return Err(ZoomError::paid_only());
    }
    match endpoint {
        Endpoint::ListUsers => users::list(call),
        Endpoint::GetUser(id) => users::get(call, id),
        Endpoint::UpdateUserStatus(id) => users::update_status(call, id),
        Endpoint::ListGroups => groups::list(call),
        Endpoint::GroupMembers(id) => groups::members(call, id),
        Endpoint::ListRoles => roles::list(call),
        Endpoint::RoleMembers(id) => roles::members(call, id),
        Endpoint::AccountSettings(id) => settings::get(call, id),
        Endpoint::SignInActivities => reports::activities(call),
        Endpoint::OperationLogs => reports::operation_logs(call),
    }
}
