//! `GET /groups/{groupId}/members` and `GET /roles/{roleId}/members`: one page of a
//! member list, in Zoom's paging envelope.

use serde_json::{Map, Value, json};

use super::call::{Call, Reply};
use super::page::page_of;
use crate::zoom::dataset::User;
use crate::zoom::error::ZoomError;
use crate::zoom::paging;

/// The fields every member entry has.
pub(crate) fn member_fields(u: &User) -> Map<String, Value> {
    let mut fields = Map::new();
    fields.insert("id".into(), json!(u.id));
    fields.insert("email".into(), json!(u.email));
    fields.insert("first_name".into(), json!(u.first_name));
    fields.insert("last_name".into(), json!(u.last_name));
    fields.insert("type".into(), json!(u.user_type));
    fields
}

/// One page of `members` (user indexes) with `page_size` and `next_page_token`; `scope`
/// names the list in page tokens and `entry` renders one member.
pub(crate) fn member_page(
    call: Call<'_>,
    scope: &str,
    members: &[usize],
    entry: fn(&User) -> Map<String, Value>,
) -> Result<Reply, ZoomError> {
    let size = paging::page_size(call.query)?;
    let page = page_of(call, scope, members.len(), size)?;
    let users = &call.state.dataset.users;
    let entries: Vec<Value> = members
        .get(page.range)
        .unwrap_or_default()
        .iter()
        .filter_map(|&i| users.get(i))
        .map(|u| Value::Object(entry(u)))
        .collect();
    let mut body = paging::envelope(members.len(), size, page.page_number, page.next_token);
    body.insert("members".into(), Value::Array(entries));
    Ok(Reply::Json(Value::Object(body)))
}
