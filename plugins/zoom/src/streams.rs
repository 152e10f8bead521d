//! The streams this connector offers and the dispatch of `sync` to them.
//!
//! Every `sync` call makes exactly one upstream request through `fetch`:
//!
//! | stream           | request                                                              |
//! |------------------|----------------------------------------------------------------------|
//! | `users`          | `GET /users?status=S&page_size=300[&next_page_token=T]`             |
//! | `groups`         | `GET /groups`                                                        |
//! | `group-members`  | first `GET /groups`, then `GET /groups/{id}/members?page_size=300[&next_page_token=T]` |
//! | `roles`          | first `GET /roles`, then `GET /roles/{id}/members?page_size=300[&next_page_token=T]` |
//! | `sign-ins`       | `GET /report/activities?from=D&to=D&page_size=300[&next_page_token=T]` |
//! | `operation-logs` | `GET /report/operationlogs?from=D&to=D&page_size=300&category_type=all[&next_page_token=T]` |

use crate::{Fetch, activities, groups, oplogs, reports, roles, users};
use plugboard_sdk::{Error, Page, StreamInfo, StreamKind};

/// What a `sync` call needs besides its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncEnv {
    /// Today (UTC) as days since 1970-01-01.
    pub today: i64,
    /// How many days of logs a first run reads (1..=180).
    pub activity_days: u32,
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
            "Users: active, inactive and pending",
        ),
        info(groups::GROUPS, StreamKind::Groups, "Groups"),
        info(groups::MEMBERS, StreamKind::Groups, "Group memberships"),
        info(
            roles::STREAM,
            StreamKind::Roles,
            "Holders of every role except Member",
        ),
        info(
            activities::REPORT.stream,
            StreamKind::Activities,
            "Sign-in and sign-out logs",
        ),
        info(
            oplogs::REPORT.stream,
            StreamKind::Activities,
            "Admin operation logs",
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
        groups::GROUPS => groups::sync_groups(fetch),
        groups::MEMBERS => groups::sync_members(cursor, fetch),
        roles::STREAM => roles::sync(cursor, fetch),
        "sign-ins" => reports::sync(
            &activities::REPORT,
            cursor,
            env.today,
            env.activity_days,
            fetch,
        ),
        "operation-logs" => {
            reports::sync(&oplogs::REPORT, cursor, env.today, env.activity_days, fetch)
        }
        other => Err(Error::config(format!(
            "the Zoom connector has no stream `{other}`"
        ))),
    }
}
