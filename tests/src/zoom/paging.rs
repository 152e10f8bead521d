//! Zoom paging: `page_size` and opaque `next_page_token`s bound to their query.
//!
//! A token remembers where the next page starts and which query it belongs to
//! (endpoint and filters, not the page size). It may be reused, e.g. to retry a page
//! after a 429, until it expires 15 minutes after it was issued.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rand::Rng as _;
use serde_json::{Map, Value, json};

use super::error::ZoomError;
use crate::common::query::Query;

/// How long a `next_page_token` stays valid (Zoom: 15 minutes).
pub(crate) const PAGE_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// The page size when the client does not ask for one.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 30;
/// The largest page size Zoom accepts; the spec's `maximum`.
pub(crate) const MAX_PAGE_SIZE: usize = 300;
/// Live page tokens kept at most; the oldest are dropped beyond this.
const MAX_LIVE_TOKENS: usize = 100_000;

/// The message Zoom sends for a bad or stale page token.
const INVALID_TOKEN_MESSAGE: &str = "The next page token is invalid or expired.";

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageStart {
    /// An endpoint-defined position (an offset, or the first user index to consider).
    pub position: usize,
    /// 1-based page number, for `page_number` in the response.
    pub page_number: usize,
}

#[derive(Debug, Clone)]
struct Cursor {
    scope: String,
    start: PageStart,
    issued: Instant,
}

/// Live page tokens.
#[derive(Debug, Default)]
pub(crate) struct PageTokens {
    cursors: HashMap<String, Cursor>,
}

impl PageTokens {
    /// Where the page asked for by `token` starts: the first page when there is no
    /// token, an error when it is unknown, expired or from another query (`scope`).
    pub fn resolve(
        &self,
        token: Option<&str>,
        scope: &str,
        now: Instant,
    ) -> Result<PageStart, ZoomError> {
        let Some(token) = token else {
            return Ok(PageStart {
                position: 0,
                page_number: 1,
            });
        };
        match self.cursors.get(token) {
            Some(c) if c.scope == scope && now.duration_since(c.issued) < PAGE_TOKEN_TTL => {
                Ok(c.start)
            }
            _ => Err(ZoomError::bad_request(INVALID_TOKEN_MESSAGE)),
        }
    }

    /// Issues a token for `next`, if there is a next page.
    pub fn issue_next(
        &mut self,
        scope: &str,
        next: Option<PageStart>,
        now: Instant,
    ) -> Option<String> {
        next.map(|start| self.issue(scope, start, now))
    }

    /// Issues a token for the page starting at `start` of the query `scope`.
    pub fn issue(&mut self, scope: &str, start: PageStart, now: Instant) -> String {
        if self.cursors.len() >= MAX_LIVE_TOKENS {
            self.cursors
                .retain(|_, c| now.duration_since(c.issued) < PAGE_TOKEN_TTL);
            if self.cursors.len() >= MAX_LIVE_TOKENS {
                self.cursors.clear();
            }
        }
        let bytes: [u8; 24] = rand::rng().random();
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        self.cursors.insert(
            token.clone(),
            Cursor {
                scope: scope.to_owned(),
                start,
                issued: now,
            },
        );
        token
    }
}

/// One page of a list of `len` items starting at offset `start.position`: the index
/// range to return, and where the next page starts (none on the last page).
pub(crate) fn offset_page(
    len: usize,
    start: PageStart,
    size: usize,
) -> (std::ops::Range<usize>, Option<PageStart>) {
    let from = start.position.min(len);
    let to = from.saturating_add(size).min(len);
    let next = (to < len).then_some(PageStart {
        position: to,
        page_number: start.page_number.saturating_add(1),
    });
    (from..to, next)
}

/// Reads `page_size`: default 30, an integer in `1..=300`, else 400 code 300.
pub(crate) fn page_size(query: &Query) -> Result<usize, ZoomError> {
    let Some(raw) = query.non_empty("page_size") else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if n <= 0 => Err(ZoomError::invalid_field(
            "page_size",
            "must be greater than or equal to 1",
        )),
        Ok(n) => match usize::try_from(n) {
            Ok(size) if size <= MAX_PAGE_SIZE => Ok(size),
            _ => Err(ZoomError::invalid_field(
                "page_size",
                format!("must be less than or equal to {MAX_PAGE_SIZE}"),
            )),
        },
        Err(_) => Err(ZoomError::invalid_field("page_size", "must be an integer")),
    }
}

/// The paging fields of a list response: `page_count`, `page_number`, `page_size`,
/// `total_records` and `next_page_token` ("" on the last page).
pub(crate) fn envelope(
    total: usize,
    size: usize,
    page_number: usize,
    next_token: Option<String>,
) -> Map<String, Value> {
    let page_count = total.div_ceil(size.max(1));
    let fields = json!({
        "page_count": page_count,
        "page_number": page_number,
        "page_size": size,
        "total_records": total,
        "next_page_token": next_token.unwrap_or_default(),
    });
    match fields {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::query::KeyMatch;

    #[test]
    fn page_size_defaults_and_bounds_follow_the_spec() {
        let size =
            |raw: &str| page_size(&Query::parse(Some(raw), KeyMatch::Exact)).map_err(|e| e.code);
        assert_eq!(size(""), Ok(30));
        assert_eq!(size("page_size=300"), Ok(300));
        assert_eq!(size("page_size=301"), Err(300));
        assert_eq!(size("page_size=0"), Err(300));
        assert_eq!(size("page_size=-5"), Err(300));
        assert_eq!(size("page_size=99999999999999999999999"), Err(300));
        assert_eq!(size("page_size=abc"), Err(300));
    }

    #[test]
    fn offset_pages_cover_the_list_once() {
        let mut start = PageStart {
            position: 0,
            page_number: 1,
        };
        let mut seen = Vec::new();
        loop {
            let (range, next) = offset_page(65, start, 30);
            seen.extend(range);
            match next {
                Some(n) => start = n,
                None => break,
            }
        }
        assert_eq!(seen, (0..65).collect::<Vec<_>>());
        assert_eq!(start.page_number, 3);
    }

    #[test]
    fn a_token_works_only_for_its_query_and_only_for_fifteen_minutes() {
        let mut tokens = PageTokens::default();
        let now = Instant::now();
        let start = PageStart {
            position: 30,
            page_number: 2,
        };
        let token = tokens.issue("users?status=active", start, now);
        assert_eq!(
            tokens.resolve(Some(&token), "users?status=active", now),
            Ok(start)
        );
        assert!(
            tokens
                .resolve(Some(&token), "users?status=inactive", now)
                .is_err()
        );
        assert!(
            tokens
                .resolve(Some("forged"), "users?status=active", now)
                .is_err()
        );
        let later = now + PAGE_TOKEN_TTL;
        assert!(
            tokens
                .resolve(Some(&token), "users?status=active", later)
                .is_err()
        );
    }
}
