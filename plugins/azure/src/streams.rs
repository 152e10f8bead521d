//! The streams this connector offers and the dispatch of `sync` to them.
//!
//! Every `sync` call makes exactly one upstream request through `fetch`
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

use crate::{Fetch, activity_log, audits, graph_logs, groups, roles, signins, users};
use plugboard_sdk::{Error, Page, StreamInfo, StreamKind};

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
pub fn stream_infos() -> Vec<StreamInfo> {
    let info = |name: &str, kind, description: &str| StreamInfo {
        name: name.into(),
        kind,
        description: description.into(),
    };
    vec![
        info(
            users::STREAM,
            StreamKind::Accounts,
            "Entra ID users (members and guests)",
        ),
        info(groups::GROUPS, StreamKind::Groups, "Entra ID groups"),
        info(
            groups::MEMBERS,
            StreamKind::Groups,
            "User members of every group",
        ),
        info(
            roles::STREAM,
            StreamKind::Roles,
            "Holders of every activated directory role",
        ),
        info(
            activity_log::STREAM,
            StreamKind::Activities,
            "ARM activity log of every readable subscription, and its callers",
        ),
        info(
            signins::LOG.stream,
            StreamKind::Activities,
            "Entra ID sign-ins (needs Entra ID P1/P2)",
        ),
        info(
            audits::LOG.stream,
            StreamKind::Activities,
            "Entra ID directory audits",
        ),
    ]
}

/// One page of `stream` from `cursor`, making one request through `fetch`.
pub fn sync(
    stream: &str,
    cursor: Option<&str>,
    env: SyncEnv,
    fetch: Fetch<'_>,
) -> Result<Page, Error> {
    match stream {
        users::STREAM => users::sync(cursor, fetch),
        groups::GROUPS => groups::sync_groups(cursor, fetch),
        groups::MEMBERS => groups::sync_members(cursor, fetch),
        roles::STREAM => roles::sync(cursor, fetch),
        activity_log::STREAM => activity_log::sync(cursor, env.now_ms, env.activity_days, fetch),
        "sign-ins" => graph_logs::sync(&signins::LOG, cursor, env.now_ms, env.signin_days, fetch),
        "directory-audits" => {
            graph_logs::sync(&audits::LOG, cursor, env.now_ms, env.signin_days, fetch)
        }
        other => Err(Error::config(format!(
            "the Azure connector has no stream `{other}`"
        ))),
    }
}
