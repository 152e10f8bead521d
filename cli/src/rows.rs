//! The JSON shapes of the data commands, one per kind of row.
//!
//! Decision: a row is flat (its fields at the top level) and says where it
//! lives in `instance`, whichever command prints it; a list of collected
//! data is an object with `items`, and a list that pages (`--limit`,
//! `--offset`) adds `limit`, `offset` and `next_offset`, exactly as the
//! REST API answers `GET /v1/instances/{id}/accounts`. Each command's shape
//! is a JSON Schema in `docs/json/`, checked by a test that runs it.

use plugboard_core::model::{Activity, Finding};
use plugboard_core::store::MAX_QUERY_LIMIT;
use serde::Serialize;

/// A page of rows: `next_offset` is set while more rows may follow (the
/// page was full), so a script follows it until it is `null`.
#[derive(Debug, Serialize)]
pub struct Paged<T> {
    /// The rows.
    pub items: Vec<T>,
    /// Rows asked for.
    pub limit: u32,
    /// Rows skipped.
    pub offset: u32,
    /// The offset of the next page, or `None` after the last.
    pub next_offset: Option<u32>,
}

impl<T> Paged<T> {
    /// `items`, read with `limit` and `offset`.
    pub fn new(items: Vec<T>, limit: u32, offset: u32) -> Self {
        let n = u32::try_from(items.len()).unwrap_or(u32::MAX);
        Paged {
            next_offset: (n >= limit && n > 0).then(|| offset.saturating_add(n)),
            items,
            limit,
            offset,
        }
    }
}

/// Rows of a list that does not page.
#[derive(Debug, Serialize)]
pub struct Listed<T> {
    /// The rows.
    pub items: Vec<T>,
}

/// An activity and the instance it was collected from.
#[derive(Debug, Serialize)]
pub struct ActivityRow<'a> {
    pub instance: &'a str,
    /// The event.
    #[serde(flatten)]
    pub activity: &'a Activity,
}

/// A posture finding and the instance it was assessed on.
#[derive(Debug, Serialize)]
pub struct FindingRow<'a> {
    pub instance: &'a str,
    #[serde(flatten)]
    pub finding: &'a Finding,
}

/// `--limit` of every paged command: 1 to [`MAX_QUERY_LIMIT`], so a full
/// page always means more rows may follow.
pub fn limit_arg() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=i64::from(MAX_QUERY_LIMIT))
}

/// Paging arguments, shared by every list that pages.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct PageArgs {
    /// Rows to show (at most 10000; page with --offset).
    #[arg(long, default_value_t = 50, value_parser = limit_arg())]
    pub limit: u32,
    /// Rows to skip.
    #[arg(long, default_value_t = 0)]
    pub offset: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_offset_is_set_only_after_a_full_page() {
        for (rows, limit, offset, want) in [
            (3usize, 3u32, 0u32, Some(3u32)),
            (2, 3, 0, None),
            (0, 3, 6, None),
            (5, 5, 10, Some(15)),
        ] {
            let page = Paged::new(vec![(); rows], limit, offset);
            assert_eq!(
                page.next_offset, want,
                "{rows} rows, limit {limit}, offset {offset}"
            );
        }
    }
}
