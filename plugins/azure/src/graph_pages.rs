//! Microsoft Graph collections: a `value` list plus an `@odata.nextLink` (a
//! full URL) until the last page, and the plain "follow the link" cursor the
//! `users` and `groups` streams use: `{"next":"<@odata.nextLink>"}`.

use crate::client::{GRAPH_BASE, next_link};
use crate::{Fetch, cursor, json};
use plugboard_sdk::{Error, Page, Record};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Graph's paging link key.
pub const NEXT_LINK: &str = "@odata.nextLink";

/// What a Graph page link must start with.
pub fn origin() -> String {
    format!("{GRAPH_BASE}/")
}

/// Parses one Graph collection page: the page object and its next link
/// (checked to stay on Graph).
pub fn parse(body: &[u8], what: &str) -> Result<(Value, Option<String>), Error> {
    let page = json::page(body, what)?;
    let next = next_link(&page, NEXT_LINK, &origin())?;
    Ok((page, next))
}

/// Parses a page into records and the next link.
pub type ParsePage = fn(&[u8]) -> Result<(Vec<Record>, Option<String>), Error>;

/// Where a plain Graph list is: the next page's link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextCursor {
    /// The `@odata.nextLink` to read next.
    pub next: String,
}

/// One page of a plain Graph list stream: `first_url` when there is no cursor,
/// else the cursor's link. Ends with no cursor, so the next run lists
/// everything again.
pub fn sync_list(
    stream: &str,
    cursor: Option<&str>,
    first_url: &str,
    parse_page: ParsePage,
    fetch: Fetch<'_>,
) -> Result<Page, Error> {
    let url = match cursor::decode::<NextCursor>(stream, cursor)? {
        Some(position) => position.next,
        None => first_url.to_string(),
    };
    let (records, next) = parse_page(&fetch(&url)?)?;
    cursor::page(records, next.map(|next| NextCursor { next }).as_ref())
}
