//! The `users` stream: `GET /users?status=…&page_size=300` for the statuses
//! active, inactive and pending in turn (a fixed partition list), each paged
//! by `next_page_token`. It ends with no cursor, so the next run lists
//! everyone again.

use crate::client::{self, PAGE_SIZE};
use plugboard_sdk::json::{Int, Text, item, without};
use plugboard_sdk::stream::{Partitions, Slice, Stream};
use plugboard_sdk::{Account, AccountStatus, Error, Record, StreamKind};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Stream name.
pub const STREAM: &str = "users";

/// The stream: one status after another, each paged by token.
pub const USERS: Stream<String> = client::stream(STREAM, users_url, account)
    .about(StreamKind::Accounts, "Users: active, inactive and pending")
    .records(&["users"])
    .what("users page")
    .partitions(Partitions::List(|| {
        ["active", "inactive", "pending"].map(String::from).to_vec()
    }));

/// The first request for a status.
fn users_url(slice: &Slice<'_, String>) -> String {
    client::url(&["users"])
        .query("status", slice.parent.map_or("active", String::as_str))
        .query("page_size", PAGE_SIZE)
        .build()
}

/// Parses a `GET /users` page into account records and the next page token.
/// Users without an id are skipped.
pub fn parse_users_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    USERS.parse_page(body)
}

/// The fields of a Zoom user we read.
#[derive(Deserialize, Default)]
#[serde(default)]
struct User {
    id: Text,
    email: Text,
    first_name: Text,
    last_name: Text,
    status: Text,
    #[serde(rename = "type")]
    kind: Int,
    created_at: Text,
    last_login_time: Text,
}

/// Maps one Zoom user; skipped without an id.
fn account(_: &Slice<'_, String>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(user) = item::<User>(raw) else {
        return;
    };
    let Some(id) = user.id.0 else { return };
    let name = [user.first_name.0, user.last_name.0]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    out.push(Record::Account(Account {
        id,
        email: user.email.0,
        display_name: (!name.is_empty()).then_some(name),
        status: status(user.status.get()),
        user_type: user.kind.0.map(user_type),
        created_at: user.created_at.0,
        last_login_at: user.last_login_time.0,
        // The host key lets its holder claim host controls; keep it out of storage.
        raw: without(raw, &["host_key"]),
    }));
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
