//! The `users` stream: `GET /v1.0/users?$top=999&$select=…`, following
//! `@odata.nextLink`.
//!
//! Cursor: `{"next":"<@odata.nextLink>"}` while there are more pages; the last
//! page ends with no cursor, so the next run lists everyone again.

use crate::client;
use plugboard_sdk::json::{Flag, Text, compact, item};
use plugboard_sdk::stream::{Slice, Stream};
use plugboard_sdk::{Account, AccountStatus, Error, Record, StreamKind};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Stream name.
pub const STREAM: &str = "users";

/// Graph's largest page for users.
pub const PAGE_SIZE: &str = "999";

/// The user properties read (Graph's default set lacks `accountEnabled`,
/// `userType` and `createdDateTime`).
pub const SELECT: &str =
    "id,displayName,userPrincipalName,mail,accountEnabled,userType,createdDateTime";

/// The stream.
pub const USERS: Stream = client::graph_stream(STREAM, |_| users_url(), account)
    .about(StreamKind::Accounts, "Entra ID users (members and guests)")
    .what("users page");

/// The first request.
pub fn users_url() -> String {
    client::with_query(
        client::graph(&["users"]),
        &[("$top", PAGE_SIZE), ("$select", SELECT)],
    )
}

/// Parses a `GET /users` page into accounts and the next link. Users without
/// an id are skipped.
pub fn parse_users_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    USERS.parse_page(body)
}

/// A Graph directory object (user, group member, role member).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct Member {
    /// The object id.
    pub id: Text,
    /// `#microsoft.graph.user`, `…servicePrincipal`, `…group`, …
    #[serde(rename = "@odata.type")]
    pub kind: Text,
    /// Display name.
    pub display_name: Text,
    /// Sign-in name (users only).
    pub user_principal_name: Text,
    /// Mail address.
    pub mail: Text,
    /// `Member` or `Guest`.
    pub user_type: Text,
    /// Whether the account can sign in.
    pub account_enabled: Flag,
    /// When the user was created.
    pub created_date_time: Text,
}

impl Member {
    /// The sign-in name: `userPrincipalName`, else `mail`.
    pub fn email(&self) -> Option<String> {
        self.user_principal_name
            .0
            .clone()
            .or_else(|| self.mail.0.clone())
    }
}

/// Maps one Graph user; skipped without an id. The id is the object id,
/// which is also what ARM activity callers carry in their `objectidentifier`
/// claim.
fn account(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(user) = item::<Member>(raw) else {
        return;
    };
    let email = user.email();
    let Some(id) = user.id.0 else { return };
    out.push(Record::Account(Account {
        id,
        email,
        display_name: user.display_name.0,
        status: match user.account_enabled.0 {
            Some(true) => AccountStatus::Active,
            Some(false) => AccountStatus::Inactive,
            None => AccountStatus::Unknown,
        },
        user_type: user.user_type.0.map(|t| t.to_ascii_lowercase()),
        created_at: user.created_date_time.0,
        last_login_at: None,
        raw: compact(raw),
    }));
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
