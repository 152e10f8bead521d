//! The `roles` stream: who holds which admin role.
//!
//! Partitioned by the roles of `GET /roles` (the first call reads that list
//! and returns no records), every role except the built-in `Member` role
//! (everyone has it; it grants nothing); then
//! `GET /roles/{id}/members?page_size=300` per role, paged by token. It ends
//! with no cursor.

use crate::client::{self, PAGE_SIZE};
use plugboard_sdk::json::{Text, compact, item};
use plugboard_sdk::stream::{Paginator, Parents, Partitions, Slice, Stream};
use plugboard_sdk::{Record, RoleAssignment, StreamKind};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Stream name.
pub const STREAM: &str = "roles";

/// The built-in role every user holds; not privileged and not listed.
const MEMBER_ROLE: &str = "Member";

/// A role still to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRef {
    /// Role id.
    pub id: String,
    /// Role name.
    pub name: String,
}

/// The stream.
pub const ROLES: Stream<RoleRef> = client::stream(STREAM, members_url, assignment)
    .about(StreamKind::Roles, "Holders of every role except Member")
    .records(&["members"])
    .what("role members page")
    .partitions(Partitions::Parents(Parents {
        url: || client::url(&["roles"]).build(),
        records: &["roles"],
        paginator: Paginator::None,
        map: role,
        all_first: false,
        what: "roles list",
    }));

fn members_url(slice: &Slice<'_, RoleRef>) -> String {
    let id = slice.parent.map_or("", |role| role.id.as_str());
    client::url(&["roles", id, "members"])
        .query("page_size", PAGE_SIZE)
        .build()
}

/// A role, or a member.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Row {
    id: Text,
    name: Text,
    email: Text,
}

/// Whether holders of the role named `name` are privileged: every role but
/// the built-in `Member`.
pub fn is_privileged(name: &str) -> bool {
    !name.trim().eq_ignore_ascii_case(MEMBER_ROLE)
}

/// A role worth reading (all but `Member`); `None` without an id.
pub fn role(raw: &RawValue) -> Option<RoleRef> {
    let row = item::<Row>(raw)?;
    let id = row.id.0?;
    let name = row.name.0.unwrap_or_else(|| id.clone());
    is_privileged(&name).then_some(RoleRef { id, name })
}

fn assignment(slice: &Slice<'_, RoleRef>, raw: &RawValue, out: &mut Vec<Record>) {
    let (Some(role), Some(row)) = (slice.parent, item::<Row>(raw)) else {
        return;
    };
    let Some(account_id) = row.id.0 else { return };
    out.push(Record::RoleAssignment(RoleAssignment {
        role_id: role.id.clone(),
        role_name: role.name.clone(),
        account_id,
        email: row.email.0,
        privileged: is_privileged(&role.name),
        raw: compact(raw),
    }));
}

#[cfg(test)]
#[path = "roles_tests.rs"]
mod tests;
