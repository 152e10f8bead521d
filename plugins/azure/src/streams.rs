//! The streams this connector offers and the dispatch of `sync` to them.
//!
//! Every `sync` call makes exactly one upstream request through `net`
//! (`…` = the previous page's `nextLink` / `@odata.nextLink`, used as-is):
//!
//! | stream             | request                                                                 |
//! |--------------------|-------------------------------------------------------------------------|
//! | `users`            | `GET /v1.0/users?$top=999&$select=id,displayName,…`, then `…`           |
//! | `groups`           | `GET /v1.0/groups?$top=999`, then `…`                                  |
//! | `group-members`    | `GET /v1.0/groups?$top=200&$select=id`, then `GET /v1.0/groups/{id}/members?$top=999&$select=…` per group of that page (and `…`), then the listing's `…` |
//! | `directory-roles`  | first `GET /v1.0/directoryRoles`, then `GET /v1.0/directoryRoles/{id}/members?$select=…` per role, then `…` |
//! | `activity-log`     | `GET /subscriptions?api-version=2022-12-01`, then per subscription and one-day window `GET /subscriptions/{id}/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01&$filter=…`, then `…` |
//! | `sign-ins`         | `GET /v1.0/auditLogs/signIns?$top=1000&$filter=createdDateTime ge T`, then `…` |
//! | `directory-audits` | `GET /v1.0/auditLogs/directoryAudits?$top=999&$filter=activityDateTime ge T`, then `…` |

use crate::{activity_log, graph_logs, groups, roles, users};
use plugboard_sdk::stream::{Catalog, Env, Transport};
use plugboard_sdk::{Error, Page};

/// What a `sync` call needs besides its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncEnv {
    /// The host clock, ms since the epoch.
    pub now_ms: u64,
    /// Days of activity log a first run reads (1..=90).
    pub activity_days: u32,
    /// Days of sign-ins and directory audits a first run reads (1..=30).
    pub signin_days: u32,
}

/// The streams, in the order the host should sync them.
pub const CATALOG: Catalog = Catalog {
    app: "Azure",
    streams: &[
        &users::USERS,
        &groups::GROUPS_STREAM,
        &groups::MEMBERS_STREAM,
        &roles::ROLES,
        &activity_log::ACTIVITY_LOG,
        &graph_logs::SIGN_INS,
        &graph_logs::AUDITS,
    ],
};

/// One page of `stream` from `cursor`, making one request through `net`.
pub fn sync(
    stream: &str,
    cursor: Option<&str>,
    env: SyncEnv,
    net: &mut dyn Transport,
) -> Result<Page, Error> {
    let lookback_days = match stream {
        activity_log::STREAM => env.activity_days,
        _ => env.signin_days,
    };
    let env = Env {
        now_ms: env.now_ms,
        lookback_days,
    };
    CATALOG.sync(stream, cursor, env, net)
}
