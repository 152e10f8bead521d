//! The `users` stream: `GET /users?status=…&page_size=300`, walking the
//! statuses active, inactive and pending, each paged by `next_page_token`.
//!
//! Cursor: `{"status":"inactive","token":"…"}` (`token` absent at the start of
//! a status). When the last page of `pending` is read the stream ends with no
//! cursor, so the next run lists everyone again.

use crate::client::{self, PAGE_SIZE};
use crate::{Fetch, cursor, json};
use plugboard_sdk::{Account, AccountStatus, Error, Page, Record};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stream name.
pub const STREAM: &str = "users";

/// The statuses listed, in order.
const STATUSES: [&str; 3] = ["active", "inactive", "pending"];

/// Where the `users` stream is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersCursor {
    /// The status being listed.
    pub status: String,
    /// The page token within that status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl UsersCursor {
    /// The request for this position.
    pub fn url(&self) -> String {
        client::url(&["users"])
            .query("status", &self.status)
            .query("page_size", PAGE_SIZE)
            .query_opt("next_page_token", self.token.as_deref())
            .build()
    }
}

/// One page of the `users` stream: one `GET /users` request.
pub fn sync(cursor: Option<&str>, fetch: Fetch<'_>) -> Result<Page, Error> {
    let position = cursor::decode::<UsersCursor>(STREAM, cursor)?.unwrap_or(UsersCursor {
        status: "active".into(),
        token: None,
    });
    if !STATUSES.contains(&position.status.as_str()) {
        return Err(Error::plugin(format!(
            "the users cursor names an unknown status `{}`",
            position.status
        )));
    }
    let (records, token) = parse_users_page(&fetch(&position.url())?)?;
    let next = match token {
        Some(token) => Some(UsersCursor {
            status: position.status,
            token: Some(token),
        }),
        None => STATUSES
            .iter()
            .skip_while(|s| **s != position.status)
            .nth(1)
            .map(|status| UsersCursor {
                status: (*status).to_string(),
                token: None,
            }),
    };
    cursor::page(records, next.as_ref())
}

/// Parses a `GET /users` page into account records and the next page token.
/// Users without an id are skipped.
pub fn parse_users_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    let page = json::page(body, "users page")?;
    let records = json::items(&page, "users", "users page")?
        .iter()
        .filter_map(account)
        .map(Record::Account)
        .collect();
    Ok((records, json::next_page_token(&page)))
}

/// Maps one Zoom user object; `None` without an id.
fn account(user: &Value) -> Option<Account> {
    let id = json::text(user, "id")?;
    let name = [
        json::text(user, "first_name"),
        json::text(user, "last_name"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let mut raw = user.clone();
    if let Some(object) = raw.as_object_mut() {
        // The host key lets its holder claim host controls; keep it out of storage.
        object.remove("host_key");
    }
    Some(Account {
        id,
        email: json::text(user, "email"),
        display_name: (!name.is_empty()).then_some(name),
        status: status(user.get("status").and_then(Value::as_str)),
        user_type: user.get("type").and_then(Value::as_i64).map(user_type),
        created_at: json::text(user, "created_at"),
        last_login_at: json::text(user, "last_login_time"),
        raw: raw.to_string(),
    })
}

fn status(status: Option<&str>) -> AccountStatus {
    match status {
        Some("active") => AccountStatus::Active,
        Some("inactive") => AccountStatus::Inactive,
        Some("pending") => AccountStatus::Pending,
        _ => AccountStatus::Unknown,
    }
}

/// Zoom's numeric user type as a name.
fn user_type(code: i64) -> String {
    match code {
        1 => "basic".into(),
        2 => "licensed".into(),
        3 => "on-prem".into(),
        4 => "unassigned-without-meetings-basic".into(),
        99 => "none".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
