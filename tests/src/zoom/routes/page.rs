//! Offset paging for one call: the `next_page_token` it sent and the token it gets back.

use std::ops::Range;

use crate::zoom::error::ZoomError;
use crate::zoom::paging;
use crate::zoom::state::lock;

use super::call::Call;

/// One page of an offset-paged list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OffsetPage {
    /// The index range of the list to return.
    pub range: Range<usize>,
    /// 1-based page number, for `page_number` in the response.
    pub page_number: usize,
    /// The token of the next page; none on the last page.
    pub next_token: Option<String>,
}

/// Resolves the call's `next_page_token` for the query `scope` and issues the next one,
/// for a list of `len` items in pages of `size`.
pub(crate) fn page_of(
    call: Call<'_>,
    scope: &str,
    len: usize,
    size: usize,
) -> Result<OffsetPage, ZoomError> {
    let mut pages = lock(&call.state.pages);
    let start = pages.resolve(call.query.non_empty("next_page_token"), scope, call.now)?;
    let (range, next) = paging::offset_page(len, start, size);
    Ok(OffsetPage {
        range,
        page_number: start.page_number,
        next_token: pages.issue_next(scope, next, call.now),
    })
}
