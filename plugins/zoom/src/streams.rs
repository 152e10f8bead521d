//! The streams this connector offers and the dispatch of `sync` to them.
//!
//! Every `sync` call makes exactly one upstream request through `net`:
//!
//! | stream           | request                                                              |
//! |------------------|----------------------------------------------------------------------|
//! | `users`          | `GET /users?status=S&page_size=300[&next_page_token=T]`             |
//! | `groups`         | `GET /groups`                                                        |
//! | `group-members`  | first `GET /groups`, then `GET /groups/{id}/members?page_size=300[&next_page_token=T]` |
//! | `roles`          | first `GET /roles`, then `GET /roles/{id}/members?page_size=300[&next_page_token=T]` |
//! | `sign-ins`       | `GET /report/activities?from=D&to=D&page_size=300[&next_page_token=T]` |
//! | `operation-logs` | `GET /report/operationlogs?from=D&to=D&page_size=300&category_type=all[&next_page_token=T]` |

use crate::{groups, reports, roles, users};
use plugboard_sdk::stream::{Catalog, Env, Transport};
use plugboard_sdk::time::DAY_MS;
use plugboard_sdk::{Error, Page, StreamInfo};

/// What a `sync` call needs besides its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncEnv {
    /// Today (UTC) as days since 1970-01-01.
    pub today: i64,
    /// How many days of logs a first run reads (1..=180).
    pub activity_days: u32,
}

/// The streams, in the order the host should sync them.
pub const CATALOG: Catalog = Catalog {
    app: "Zoom",
    streams: &[
        &users::USERS,
        &groups::GROUPS_STREAM,
        &groups::MEMBERS_STREAM,
        &roles::ROLES,
        &reports::SIGN_INS,
        &reports::OPERATION_LOGS,
    ],
};

/// The streams' `describe` entries.
pub fn stream_infos() -> Vec<StreamInfo> {
    CATALOG.infos()
}

/// One page of `stream` from `cursor`, making one request through `net`.
pub fn sync(
    stream: &str,
    cursor: Option<&str>,
    env: SyncEnv,
    net: &mut dyn Transport,
) -> Result<Page, Error> {
    let env = Env {
        now_ms: u64::try_from(env.today).unwrap_or(0) * DAY_MS,
        lookback_days: env.activity_days,
    };
    CATALOG.sync(stream, cursor, env, net)
}
