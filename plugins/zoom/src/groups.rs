//! The `groups` and `group-members` streams.
//!
//! `groups`: one `GET /groups` request (the endpoint takes no paging
//! parameters), then done with no cursor.
//!
//! `group-members`: partitioned by the groups of `GET /groups` (the first
//! call reads that list and returns no records), then
//! `GET /groups/{id}/members?page_size=300` per group, paged by token. It
//! ends with no cursor.

use crate::client::{self, PAGE_SIZE};
use plugboard_sdk::json::{Int, Text, compact, item};
use plugboard_sdk::stream::{Paginator, Parents, Partitions, Slice, Stream};
use plugboard_sdk::{Group, GroupMember, Record, StreamKind};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Stream name of the groups.
pub const GROUPS: &str = "groups";
/// Stream name of the memberships.
pub const MEMBERS: &str = "group-members";

/// The `groups` stream: one page.
pub const GROUPS_STREAM: Stream = client::stream(GROUPS, |_| groups_url(), group)
    .about(StreamKind::Groups, "Groups")
    .records(&["groups"])
    .what("groups list")
    .paginate(Paginator::None);

/// The `group-members` stream.
pub const MEMBERS_STREAM: Stream<String> = client::stream(MEMBERS, members_url, member)
    .about(StreamKind::Groups, "Group memberships")
    .records(&["members"])
    .what("group members page")
    .partitions(Partitions::Parents(Parents {
        url: groups_url,
        records: &["groups"],
        paginator: Paginator::None,
        map: |raw| item::<Row>(raw)?.id.0,
        all_first: false,
        what: "groups list",
    }));

/// The `GET /groups` URL.
pub fn groups_url() -> String {
    client::url(&["groups"]).build()
}

fn members_url(slice: &Slice<'_, String>) -> String {
    client::url(&["groups", slice.parent.map_or("", String::as_str), "members"])
        .query("page_size", PAGE_SIZE)
        .build()
}

/// A group, or a member (`id` and `email` only).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Row {
    id: Text,
    name: Text,
    email: Text,
    total_members: Int,
}

fn group(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
    let Some(row) = item::<Row>(raw) else { return };
    let Some(id) = row.id.0 else { return };
    out.push(Record::Group(Group {
        name: row.name.0.unwrap_or_else(|| id.clone()),
        member_count: row.total_members.0.and_then(|n| u32::try_from(n).ok()),
        raw: compact(raw),
        id,
    }));
}

fn member(slice: &Slice<'_, String>, raw: &RawValue, out: &mut Vec<Record>) {
    let (Some(group_id), Some(row)) = (slice.parent, item::<Row>(raw)) else {
        return;
    };
    let Some(account_id) = row.id.0 else { return };
    out.push(Record::GroupMember(GroupMember {
        group_id: group_id.clone(),
        account_id,
        email: row.email.0,
    }));
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
