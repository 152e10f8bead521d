//! The `groups` and `group-members` streams.
//!
//! `groups`: `GET /v1.0/groups?$top=999`, following `@odata.nextLink`; cursor
//! `{"next":"…"}` as in `users`.
//!
//! `group-members`: partitioned by the groups of
//! `GET /v1.0/groups?$top=200&$select=id`, one listing page at a time (so the
//! cursor holds at most 200 ids, far below the host's 64 KiB limit), then
//! `GET /v1.0/groups/{id}/members?$top=999&$select=…` per group. Only user
//! members (`#microsoft.graph.user`) become memberships; nested groups,
//! devices and service principals are skipped.

use crate::client::{self, GRAPH_NEXT};
use crate::users::Member;
use plugboard_sdk::json::{compact, item};
use plugboard_sdk::stream::{Parents, Partitions, Slice, Stream};
use plugboard_sdk::{Error, Group, GroupMember, Record, StreamKind};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Stream name of the groups.
pub const GROUPS: &str = "groups";
/// Stream name of the memberships.
pub const MEMBERS: &str = "group-members";

/// Graph's largest page for groups and members.
pub const PAGE_SIZE: &str = "999";

/// Groups per listing page of `group-members`.
pub const LISTING_PAGE_SIZE: &str = "200";

/// The `@odata.type` of a user directory object.
pub const USER_TYPE: &str = "#microsoft.graph.user";

/// A group whose members are still to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRef {
    /// The group's object id.
    pub id: String,
}

/// The `groups` stream.
pub const GROUPS_STREAM: Stream = client::graph_stream(GROUPS, |_| groups_url(), group)
    .about(StreamKind::Groups, "Entra ID groups")
    .what("groups page");

/// The `group-members` stream.
pub const MEMBERS_STREAM: Stream<GroupRef> = client::graph_stream(MEMBERS, members_url, member)
    .about(StreamKind::Groups, "User members of every group")
    .what("group members page")
    .partitions(Partitions::Parents(Parents {
        url: || {
            client::with_query(
                client::graph(&["groups"]),
                &[("$top", LISTING_PAGE_SIZE), ("$select", "id")],
            )
        },
        records: &["value"],
        paginator: GRAPH_NEXT,
        map: |raw| {
            Some(GroupRef {
                id: item::<Member>(raw)?.id.0?,
            })
        },
        all_first: false,
        what: "groups page",
    }));

/// The `groups` stream's first request.
pub fn groups_url() -> String {
    client::with_query(client::graph(&["groups"]), &[("$top", PAGE_SIZE)])
}

fn members_url(slice: &Slice<'_, GroupRef>) -> String {
    let id = slice.parent.map_or("", |g| g.id.as_str());
    client::with_query(
        client::graph(&["groups", id, "members"]),
        &[
            ("$top", PAGE_SIZE),
            ("$select", "id,displayName,userPrincipalName,mail"),
        ],
    )
}

/// Parses a `GET /groups` page into groups and the next link; entries without
/// an id are skipped.
pub fn parse_groups_page(body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
    GROUPS_STREAM.parse_page(body)
}

/// Parses one `GET /groups/{id}/members` page into memberships of user
/// members and the next link.
pub fn parse_members_page(
    group: &GroupRef,
    body: &[u8],
) -> Result<(Vec<Record>, Option<String>), Error> {
    let slice = Slice {
        parent: Some(group),
        window: None,
    };
    MEMBERS_STREAM.parse_slice(&slice, body)
}

fn group(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(row) = item::<Member>(raw) else {
        return;
    };
    let Some(id) = row.id.0 else { return };
    out.push(Record::Group(Group {
        name: row.display_name.0.unwrap_or_else(|| id.clone()),
        member_count: None,
        raw: compact(raw),
        id,
    }));
}

fn member(slice: &Slice<'_, GroupRef>, raw: &RawValue, out: &mut Vec<Record>) {
    let (Some(group), Some(member)) = (slice.parent, item::<Member>(raw)) else {
        return;
    };
    if !is_user(&member) {
        return;
    }
    let email = member.email();
    let Some(account_id) = member.id.0 else {
        return;
    };
    out.push(Record::GroupMember(GroupMember {
        group_id: group.id.clone(),
        account_id,
        email,
    }));
}

/// Whether a directory object is a user: its `@odata.type` says so, or it has
/// none but carries a `userPrincipalName` (only users have one).
pub fn is_user(object: &Member) -> bool {
    match object.kind.get() {
        Some(kind) => kind == USER_TYPE,
        None => object.user_principal_name.0.is_some(),
    }
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
