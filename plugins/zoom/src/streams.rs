//! The streams this connector offers, in the order the host should sync
//! them; `CATALOG.sync` dispatches a `sync` call by stream name.
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
use plugboard_sdk::stream::Catalog;

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
