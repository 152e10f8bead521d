//! The `groups` and `group-members` streams.
//!
//! `groups`: `GET /v1.0/groups?$top=999`, following `@odata.nextLink`; cursor
//! `{"next":"…"}` as in `users`.
//!
//! `group-members`: a [fan-out](crate::fanout) over
//! `GET /v1.0/groups?$top=200&$select=id` (a page at a time), then
//! `GET /v1.0/groups/{id}/members?$top=999&$select=…` per group. Only user
//! members (`#microsoft.graph.user`) become memberships; nested groups,
//! devices and service principals are skipped.

use crate::fanout::{self, Fanout};
use crate::{Fetch, client, graph_pages, json, users};
use plugboard_sdk::{Error, Group, GroupMember, Page, Record};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stream name of the groups.
pub const GROUPS: &str = "groups";
/// Stream name of the memberships.
pub const MEMBERS: &str = "group-members";

/// Graph's largest page for groups and members.
pub const PAGE_SIZE: &str = "999";

/// The `@odata.type` of a user directory object.
pub const USER_TYPE: &str = "#microsoft.graph.user";

/// The `groups` stream's first request.
pub fn groups_url() -> String {
    client::with_query(client::graph(&["groups"]), &[("$top", PAGE_SIZE)])
}

/// One page of the `groups` stream (one request).
pub fn sync_groups(cursor: Option<&str>, fetch: Fetch<'_>) -> Result<Page, Error> {
    graph_pages::sync_list(GROUPS, cursor, &groups_url(), parse_groups_page, fetch)
}

/// One page of the `group-members` stream (one request).
pub fn sync_members(cursor: Option<&str>, fetch: Fetch<'_>) -> Result<Page, Error> {
    fanout::sync(&MEMBERS_FANOUT, cursor, fetch)
}

/// A group whose members are still to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    /// The group's object id.
    pub id: String,
}

const MEMBERS_FANOUT: Fanout<GroupRef> = Fanout {
    stream: MEMBERS,
    list_url: group_ids_url,
    parse_parents: parse_group_ids,
    members_url,
    parse_members: parse_members_page,
};

/// Groups per listing page of `group-members`: the cursor holds one page of
/// ids (about 45 bytes each), far below the host's 64 KiB cursor limit.
pub const LISTING_PAGE_SIZE: &str = "200";

/// The group listing of `group-members` (ids only).
pub fn group_ids_url() -> String {
    client::with_query(
        client::graph(&["groups"]),
        &[("$top", LISTING_PAGE_SIZE), ("$select", "id")],
    )
}

/// The first members request of `group`.
pub fn members_url(group: &GroupRef) -> String {
    client::with_query(
        client::graph(&["groups", &group.id, "members"]),
        &[
            ("$top", PAGE_SIZE),
            ("$select", "id,displayName,userPrincipalName,mail"),
        ],
    )
}

/// Parses a `GET /groups` page into groups and the next link; entries without
/// an id are skipped.
pub fn parse_groups_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    let (page, next) = graph_pages::parse(body, "groups page")?;
    let records = json::items(&page, "groups page")?
        .iter()
        .filter_map(group)
        .map(Record::Group)
        .collect();
    Ok((records, next))
}

fn group(item: &Value) -> Option<Group> {
    let id = json::text(item, "id")?;
    Some(Group {
        name: json::text(item, "displayName").unwrap_or_else(|| id.clone()),
        member_count: None,
        raw: item.to_string(),
        id,
    })
}

/// Parses a group listing page into group ids and the next link.
pub fn parse_group_ids(body: &[u8]) -> Result<(Vec<GroupRef>, Option<String>), Error> {
    let (page, next) = graph_pages::parse(body, "groups page")?;
    let ids = json::items(&page, "groups page")?
        .iter()
        .filter_map(|g| json::text(g, "id"))
        .map(|id| GroupRef { id })
        .collect();
    Ok((ids, next))
}

/// Parses one `GET /groups/{id}/members` page into memberships of user
/// members and the next link.
pub fn parse_members_page(
    group: &GroupRef,
    body: &[u8],
) -> Result<(Vec<Record>, Option<String>), Error> {
    let (page, next) = graph_pages::parse(body, "group members page")?;
    let records = json::items(&page, "group members page")?
        .iter()
        .filter(|member| is_user(member))
        .filter_map(|member| {
            Some(Record::GroupMember(GroupMember {
                group_id: group.id.clone(),
                account_id: json::text(member, "id")?,
                email: users::email(member),
            }))
        })
        .collect();
    Ok((records, next))
}

/// Whether a directory object is a user: its `@odata.type` says so, or it has
/// none but carries a `userPrincipalName` (only users have one).
pub fn is_user(object: &Value) -> bool {
    match object.get("@odata.type").and_then(Value::as_str) {
        Some(kind) => kind == USER_TYPE,
        None => json::text(object, "userPrincipalName").is_some(),
    }
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
