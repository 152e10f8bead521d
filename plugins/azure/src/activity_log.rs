//! The `activity-log` stream: the ARM activity log of every readable
//! subscription, one request per `sync` call.
//!
//! A run covers `start..=end`, where `end` is the time the run began and
//! `start` is `end - activity_days` on the first run and the previous
//! watermark minus [`OVERLAP_MS`] afterwards (events reach the log minutes
//! late; the host de-duplicates by `eventDataId`), never older than ARM's 90
//! days of retention. Steps:
//!
//! 1. `GET /subscriptions?api-version=2022-12-01`, following `nextLink`, and
//!    keep the readable subscriptions (see [`crate::subscriptions`]): the
//!    partitions, all listed before any is read.
//! 2. For each subscription in turn, for each one-day window oldest first,
//!    `GET /subscriptions/{id}/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01&$filter=eventTimestamp ge '…' and eventTimestamp le '…'`,
//!    then its `nextLink` pages until there is none. A subscription that
//!    answers 403 or 404 (no Reader role on it, or it went away since the
//!    listing) is skipped and named in the cursor's `skipped`; when every
//!    subscription was skipped the stream fails with `permission`. The
//!    cursor holds the ids of the readable subscriptions (about 40 bytes
//!    each), so it stays under the host's 64 KiB cursor limit up to roughly
//!    1,500 subscriptions.
//! 3. `{"state":"done","watermark":"<end>"}` with `more = false`.
//!
//! All times are ISO-8601 UTC to the second (`2026-03-01T12:00:00Z`).

use crate::arm_events::{callers_first, event};
use crate::client::{self, ARM_BASE, ARM_NEXT, ERRORS};
use crate::settings::MAX_ACTIVITY_DAYS;
use crate::subscriptions::{subscription, subscriptions_url};
use plugboard_sdk::stream::{Parents, Partitions, Slice, Stream, TimeFormat, Window, Windows};
use plugboard_sdk::time::{DAY_MS, HOUR_MS};
use plugboard_sdk::{Error, ErrorKind, Record, StreamKind};

/// Stream name.
pub const STREAM: &str = "activity-log";

/// Length of one activity log window: a day keeps each query small.
pub const WINDOW_MS: u64 = DAY_MS;

/// How far before the last watermark an incremental run starts (ingestion
/// lag of the activity log).
pub const OVERLAP_MS: u64 = HOUR_MS;

/// Most skipped subscriptions the cursor names.
pub use plugboard_sdk::stream::MAX_SKIP_NOTES;

/// The stream.
pub const ACTIVITY_LOG: Stream<String> = Stream::new(STREAM, "Azure", ARM_BASE, events_url, event)
    .about(
        StreamKind::Activities,
        "ARM activity log of every readable subscription, and its callers",
    )
    .records(&["value"])
    .what("activity log page")
    .paginate(ARM_NEXT)
    .errors(ERRORS)
    .finish(callers_first)
    .partitions(Partitions::Parents(Parents {
        url: subscriptions_url,
        records: &["value"],
        paginator: ARM_NEXT,
        map: |raw| subscription(raw).filter(|s| s.is_readable()).map(|s| s.id),
        all_first: true,
        what: "subscriptions page",
    }))
    .windows(Windows {
        format: TimeFormat::Instant,
        overlap_ms: OVERLAP_MS,
        max_span_ms: Some(WINDOW_MS),
        retention_days: MAX_ACTIVITY_DAYS,
    })
    .skip(
        |subscription, error| {
            matches!(error.kind, ErrorKind::Permission | ErrorKind::NotFound)
                .then(|| format!("{subscription}: {}", error.message))
        },
        "no subscription's activity log could be read (grant the app the Reader role)",
    );

/// The first request of a window of a subscription.
fn events_url(slice: &Slice<'_, String>) -> String {
    let (from, to) = slice.window.map_or(("", ""), |w| (&w.from, &w.to));
    let filter = format!("eventTimestamp ge '{from}' and eventTimestamp le '{to}'");
    let subscription = slice.parent.map_or("", String::as_str);
    client::with_query(
        client::arm(&[
            "subscriptions",
            subscription,
            "providers",
            "microsoft.insights",
            "eventtypes",
            "management",
            "values",
        ]),
        &[
            ("api-version", client::ACTIVITY_LOG_API_VERSION),
            ("$filter", &filter),
        ],
    )
}

/// Parses one activity log page into records (caller accounts first, then
/// activities) and the next link.
///
/// `boundary_ms`, when given, is the `le` end of a window that the next window
/// starts at (`ge`): events stamped exactly there are left to the next window,
/// so one event is not returned twice. Events without an `eventDataId` or a
/// timestamp are skipped.
pub fn parse_events_page(
    body: &[u8],
    boundary_ms: Option<u64>,
) -> Result<(Vec<Record>, Option<String>), Error> {
    let window = boundary_ms.map(|to_ms| Window {
        from: String::new(),
        to: String::new(),
        from_ms: 0,
        to_ms,
        last: false,
    });
    let slice = Slice {
        parent: None,
        window: window.as_ref(),
    };
    ACTIVITY_LOG.parse_slice(&slice, body)
}

#[cfg(test)]
#[path = "activity_log_tests.rs"]
mod tests;
