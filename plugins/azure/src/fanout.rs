//! Streams that list parents first and then page through each parent's
//! members (`group-members`, `directory-roles`), one request per call.
//!
//! The first call reads the first page of the parent list and returns no
//! records, only the cursor `{"parents":[…],"listing":"<@odata.nextLink>"}`
//! (`listing` while the parent list has more pages). Each later call reads one
//! members page of the first parent, keeping `"next":"<@odata.nextLink>"` while
//! that parent has more pages and dropping the parent when it has none. When
//! the parents of one listing page are done, the next call reads the next
//! listing page. So the cursor holds at most one listing page of parents and
//! stays far below the host's 64 KiB cursor limit whatever the tenant's size.
//! The stream ends with no cursor, so the next run starts over.

use crate::{Fetch, cursor};
use plugboard_sdk::{Error, Page, Record};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Where a fan-out stream is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanoutCursor<P> {
    /// Parents still to read, current first.
    pub parents: Vec<P>,
    /// The next page of the parent list, while it is still being read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<String>,
    /// The next members page of the current parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Parses a parent-list page into parents and its next link.
pub type ParseParents<P> = fn(&[u8]) -> Result<(Vec<P>, Option<String>), Error>;

/// Parses a members page of a parent into records and its next link.
pub type ParseMembers<P> = fn(&P, &[u8]) -> Result<(Vec<Record>, Option<String>), Error>;

/// One fan-out stream's requests and parsers.
pub struct Fanout<P> {
    /// Stream name (checkpoint key).
    pub stream: &'static str,
    /// The first parent-list request.
    pub list_url: fn() -> String,
    /// Parses a parent-list page into parents and its next link.
    pub parse_parents: ParseParents<P>,
    /// The first members request of a parent.
    pub members_url: fn(&P) -> String,
    /// Parses a members page of a parent into records and its next link.
    pub parse_members: ParseMembers<P>,
}

/// One page of `fanout` from `cursor` (one request).
pub fn sync<P: Serialize + DeserializeOwned + Clone>(
    fanout: &Fanout<P>,
    cursor: Option<&str>,
    fetch: Fetch<'_>,
) -> Result<Page, Error> {
    let position = cursor::decode::<FanoutCursor<P>>(fanout.stream, cursor)?;
    let Some(mut position) = position else {
        let (parents, listing) = (fanout.parse_parents)(&fetch(&(fanout.list_url)())?)?;
        return finish(
            Vec::new(),
            FanoutCursor {
                parents,
                listing,
                next: None,
            },
        );
    };
    let Some(parent) = position.parents.first().cloned() else {
        // The current listing page is done: read the next one, if any.
        let Some(link) = position.listing.take() else {
            return finish(Vec::new(), position);
        };
        let (parents, listing) = (fanout.parse_parents)(&fetch(&link)?)?;
        position.parents = parents;
        position.listing = listing;
        return finish(Vec::new(), position);
    };
    let url = position
        .next
        .take()
        .unwrap_or_else(|| (fanout.members_url)(&parent));
    let (records, next) = (fanout.parse_members)(&parent, &fetch(&url)?)?;
    if next.is_none() {
        position.parents.remove(0);
    }
    position.next = next;
    finish(records, position)
}

fn finish<P: Serialize>(records: Vec<Record>, position: FanoutCursor<P>) -> Result<Page, Error> {
    let more = !position.parents.is_empty() || position.listing.is_some();
    cursor::page(records, more.then_some(&position))
}
