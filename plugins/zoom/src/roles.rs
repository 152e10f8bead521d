//! The `roles` stream: who holds which admin role.
//!
//! The first call lists `GET /roles` and returns no records, only the cursor
//! `{"roles":[{"id":"1","name":"Admin"},…]}` holding every role except the
//! built-in `Member` role (everyone has it; it grants nothing). Each later call
//! reads one page of `GET /roles/{first}/members?page_size=300`, keeping
//! `"token"` while the role has more pages. It ends with no cursor.

use crate::client::{self, PAGE_SIZE};
use crate::{Fetch, cursor, json};
use plugboard_sdk::{Error, Page, Record, RoleAssignment};
use serde::{Deserialize, Serialize};

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

/// Where the `roles` stream is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesCursor {
    /// Roles left, current first.
    pub roles: Vec<RoleRef>,
    /// Page token within the current role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// One page of the `roles` stream (one request).
pub fn sync(cursor: Option<&str>, fetch: Fetch<'_>) -> Result<Page, Error> {
    let Some(mut position) = cursor::decode::<RolesCursor>(STREAM, cursor)? else {
        let roles = parse_roles(&fetch(&client::url(&["roles"]).build())?)?;
        return finish(Vec::new(), RolesCursor { roles, token: None });
    };
    let Some(role) = position.roles.first().cloned() else {
        return finish(Vec::new(), position);
    };
    let url = client::url(&["roles", &role.id, "members"])
        .query("page_size", PAGE_SIZE)
        .query_opt("next_page_token", position.token.as_deref())
        .build();
    let (records, token) = parse_role_members_page(&role, &fetch(&url)?)?;
    if token.is_none() {
        position.roles.remove(0);
    }
    position.token = token;
    finish(records, position)
}

fn finish(records: Vec<Record>, position: RolesCursor) -> Result<Page, Error> {
    let more = !position.roles.is_empty();
    cursor::page(records, more.then_some(&position))
}

/// Whether holders of the role named `name` are privileged: every role but
/// the built-in `Member`.
pub fn is_privileged(name: &str) -> bool {
    !name.trim().eq_ignore_ascii_case(MEMBER_ROLE)
}

/// Parses `GET /roles` into the roles worth reading (all but `Member`);
/// entries without an id are skipped.
pub fn parse_roles(body: &[u8]) -> Result<Vec<RoleRef>, Error> {
    let page = json::page(body, "roles list")?;
    Ok(json::items(&page, "roles", "roles list")?
        .iter()
        .filter_map(|role| {
            let id = json::text(role, "id")?;
            let name = json::text(role, "name").unwrap_or_else(|| id.clone());
            Some(RoleRef { id, name })
        })
        .filter(|role| is_privileged(&role.name))
        .collect())
}

/// Parses one `GET /roles/{id}/members` page into role assignments and the
/// next page token; members without an id are skipped.
pub fn parse_role_members_page(
    role: &RoleRef,
    body: &[u8],
) -> Result<(Vec<Record>, Option<String>), Error> {
    let page = json::page(body, "role members page")?;
    let records = json::items(&page, "members", "role members page")?
        .iter()
        .filter_map(|member| {
            Some(Record::RoleAssignment(RoleAssignment {
                role_id: role.id.clone(),
                role_name: role.name.clone(),
                account_id: json::text(member, "id")?,
                email: json::text(member, "email"),
                privileged: is_privileged(&role.name),
                raw: member.to_string(),
            }))
        })
        .collect();
    Ok((records, json::next_page_token(&page)))
}

#[cfg(test)]
#[path = "roles_tests.rs"]
mod tests;
