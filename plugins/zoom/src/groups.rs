//! The `groups` and `group-members` streams.
//!
//! `groups`: one `GET /groups` request (the endpoint takes no paging
//! parameters), then done with no cursor.
//!
//! `group-members`: the first call lists `GET /groups` and returns no records,
//! only the cursor `{"groups":["g1","g2",…]}`; each later call reads one page
//! of `GET /groups/{first}/members?page_size=300`, keeping
//! `{"groups":[…],"token":"…"}` while that group has more pages and dropping
//! the group when it has none. It ends with no cursor.

use crate::client::{self, PAGE_SIZE};
use crate::{Fetch, cursor, json};
use plugboard_sdk::{Error, Group, GroupMember, Page, Record};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Stream name of the groups.
pub const GROUPS: &str = "groups";
/// Stream name of the memberships.
pub const MEMBERS: &str = "group-members";

/// Where the `group-members` stream is: the groups still to read, the first
/// being read now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersCursor {
    /// Group ids left, current first.
    pub groups: Vec<String>,
    /// Page token within the current group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The `GET /groups` URL.
pub fn groups_url() -> String {
    client::url(&["groups"]).build()
}

/// The `groups` stream: one request, one page.
pub fn sync_groups(fetch: Fetch<'_>) -> Result<Page, Error> {
    let records = parse_groups(&fetch(&groups_url())?)?
        .into_iter()
        .map(Record::Group)
        .collect();
    Ok(Page {
        records,
        cursor: None,
        more: false,
    })
}

/// One page of the `group-members` stream (one request).
pub fn sync_members(cursor: Option<&str>, fetch: Fetch<'_>) -> Result<Page, Error> {
    let Some(mut position) = cursor::decode::<MembersCursor>(MEMBERS, cursor)? else {
        let groups = parse_groups(&fetch(&groups_url())?)?;
        let position = MembersCursor {
            groups: groups.into_iter().map(|g| g.id).collect(),
            token: None,
        };
        return finish(Vec::new(), position);
    };
    let Some(group_id) = position.groups.first().cloned() else {
        return finish(Vec::new(), position);
    };
    let url = client::url(&["groups", &group_id, "members"])
        .query("page_size", PAGE_SIZE)
        .query_opt("next_page_token", position.token.as_deref())
        .build();
    let (records, token) = parse_members_page(&group_id, &fetch(&url)?)?;
    if token.is_none() {
        position.groups.remove(0);
    }
    position.token = token;
    finish(records, position)
}

fn finish(records: Vec<Record>, position: MembersCursor) -> Result<Page, Error> {
    let more = !position.groups.is_empty();
    cursor::page(records, more.then_some(&position))
}

/// Parses `GET /groups` into groups; entries without an id are skipped.
pub fn parse_groups(body: &[u8]) -> Result<Vec<Group>, Error> {
    let page = json::page(body, "groups list")?;
    Ok(json::items(&page, "groups", "groups list")?
        .iter()
        .filter_map(group)
        .collect())
}

fn group(item: &Value) -> Option<Group> {
    let id = json::text(item, "id")?;
    Some(Group {
        name: json::text(item, "name").unwrap_or_else(|| id.clone()),
        member_count: item
            .get("total_members")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        raw: item.to_string(),
        id,
    })
}

/// Parses one `GET /groups/{id}/members` page into memberships and the next
/// page token; members without an id are skipped.
pub fn parse_members_page(
    group_id: &str,
    body: &[u8],
) -> Result<(Vec<Record>, Option<String>), Error> {
    let page = json::page(body, "group members page")?;
    let records = json::items(&page, "members", "group members page")?
        .iter()
        .filter_map(|member| {
            Some(Record::GroupMember(GroupMember {
                group_id: group_id.to_string(),
                account_id: json::text(member, "id")?,
                email: json::text(member, "email"),
            }))
        })
        .collect();
    Ok((records, json::next_page_token(&page)))
}

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
