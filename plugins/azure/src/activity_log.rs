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
//!    keep the readable subscriptions (see [`crate::subscriptions`]).
//!    Cursor `{"state":"listing","start":…,"end":…,"next":"<nextLink>","subscriptions":[…]}`.
//! 2. For each subscription in turn, for each one-day window oldest first,
//!    `GET /subscriptions/{id}/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01&$filter=eventTimestamp ge '…' and eventTimestamp le '…'`,
//!    then its `nextLink` pages until there is none. Cursor
//!    `{"state":"reading","start":…,"end":…,"subscriptions":[current,…],"total":N,"window":"<window start>","next":"<nextLink>","skipped":[…],"skipped_count":K}`.
//!    A subscription that answers 403 or 404 (no Reader role on it, or it went
//!    away since the listing) is skipped and named in `skipped`; when every
//!    subscription was skipped the stream fails with `permission`. The
//!    cursor holds the ids of the readable subscriptions (about 40 bytes
//!    each), so it stays under the host's 64 KiB cursor limit up to roughly
//!    1,500 subscriptions.
//! 3. `{"state":"done","watermark":"<end>"}` with `more = false`.
//!
//! All times are ISO-8601 UTC to the second (`2026-03-01T12:00:00Z`).

use crate::iso_time::{DAY_MS, HOUR_MS, floor_second, format_iso, parse_iso};
use crate::subscriptions::{parse_subscriptions_page, subscriptions_url};
use crate::{Fetch, arm_events, client, cursor, settings};
use plugboard_sdk::http::truncate_message;
use plugboard_sdk::{Error, ErrorKind, Page, Record};
use serde::{Deserialize, Serialize};

/// Stream name.
pub const STREAM: &str = "activity-log";

/// Length of one activity log window: a day keeps each query small.
pub const WINDOW_MS: u64 = DAY_MS;

/// How far before the last watermark an incremental run starts (ingestion
/// lag of the activity log).
pub const OVERLAP_MS: u64 = HOUR_MS;

/// Most skipped subscriptions the cursor names (each note is at most 300
/// characters; the count is kept regardless), so the cursor stays small.
pub const MAX_SKIP_NOTES: usize = 10;

/// Where the `activity-log` stream is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ActivityCursor {
    /// Listing subscriptions; `next` is the listing's next page.
    Listing {
        /// Start of the run.
        start: String,
        /// End of the run.
        end: String,
        /// The subscriptions listing's `nextLink`.
        next: String,
        /// Readable subscriptions found so far.
        subscriptions: Vec<String>,
    },
    /// Reading the first of `subscriptions`, window starting at `window`.
    Reading {
        /// Start of the run.
        start: String,
        /// End of the run.
        end: String,
        /// Subscriptions left, current first.
        subscriptions: Vec<String>,
        /// How many subscriptions the run reads in all.
        total: usize,
        /// Start of the current window (it ends a day later or at `end`).
        window: String,
        /// The current window's `nextLink`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
        /// Subscriptions skipped so far, with the reason (the first
        /// [`MAX_SKIP_NOTES`]).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<String>,
        /// How many subscriptions were skipped so far.
        #[serde(default, skip_serializing_if = "is_zero")]
        skipped_count: usize,
    },
    /// The run finished; the next starts at `watermark - OVERLAP_MS`.
    Done {
        /// The end of the run that finished.
        watermark: String,
        /// Subscriptions that run skipped, with the reason.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        skipped: Vec<String>,
    },
}

/// The time span of a run, in ms since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: u64,
    end: u64,
}

/// A subscription being read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reading {
    run: Run,
    subscriptions: Vec<String>,
    total: usize,
    window: u64,
    next: Option<String>,
    skipped: Vec<String>,
    skipped_count: usize,
}

/// One page of the `activity-log` stream (one request). `now_ms` is the host
/// clock and `activity_days` the first run's reach (already clamped).
pub fn sync(
    cursor: Option<&str>,
    now_ms: u64,
    activity_days: u32,
    fetch: Fetch<'_>,
) -> Result<Page, Error> {
    let now = floor_second(now_ms);
    let earliest = now.saturating_sub(u64::from(settings::MAX_ACTIVITY_DAYS) * DAY_MS);
    let begin = |start: u64| Run {
        start: start.clamp(earliest.min(now), now),
        end: now,
    };
    match cursor::decode::<ActivityCursor>(STREAM, cursor)? {
        None => {
            let run = begin(now.saturating_sub(u64::from(activity_days) * DAY_MS));
            list(run, &subscriptions_url(), Vec::new(), fetch)
        }
        Some(ActivityCursor::Done { watermark, .. }) => {
            let run = begin(time(&watermark)?.saturating_sub(OVERLAP_MS));
            list(run, &subscriptions_url(), Vec::new(), fetch)
        }
        Some(ActivityCursor::Listing {
            start,
            end,
            next,
            subscriptions,
        }) => {
            let run = Run {
                start: time(&start)?,
                end: time(&end)?,
            };
            list(run, &next, subscriptions, fetch)
        }
        Some(ActivityCursor::Reading {
            start,
            end,
            subscriptions,
            total,
            window,
            next,
            skipped,
            skipped_count,
        }) => {
            let reading = Reading {
                run: Run {
                    start: time(&start)?,
                    end: time(&end)?,
                },
                subscriptions,
                total,
                window: time(&window)?,
                next,
                skipped,
                skipped_count,
            };
            read(reading, fetch)
        }
    }
}

/// Reads one subscriptions page.
fn list(run: Run, url: &str, mut found: Vec<String>, fetch: Fetch<'_>) -> Result<Page, Error> {
    let (page, next) = parse_subscriptions_page(&fetch(url)?)?;
    for subscription in page.into_iter().filter(|s| s.is_readable()) {
        // A subscription listed twice (pages shifting under us) is read once.
        if !found.contains(&subscription.id) {
            found.push(subscription.id);
        }
    }
    let state = match next {
        Some(next) => ActivityCursor::Listing {
            start: format_iso(run.start),
            end: format_iso(run.end),
            next,
            subscriptions: found,
        },
        None if found.is_empty() => done(run, Vec::new()),
        None => reading_cursor(Reading {
            run,
            total: found.len(),
            subscriptions: found,
            window: run.start,
            next: None,
            skipped: Vec::new(),
            skipped_count: 0,
        }),
    };
    finish(Vec::new(), state)
}

/// Reads one activity log page of the current subscription and window.
fn read(mut reading: Reading, fetch: Fetch<'_>) -> Result<Page, Error> {
    let Some(subscription) = reading.subscriptions.first().cloned() else {
        return finish(Vec::new(), done(reading.run, reading.skipped));
    };
    let window_end = (reading.window.saturating_add(WINDOW_MS)).min(reading.run.end);
    let url = reading
        .next
        .take()
        .unwrap_or_else(|| events_url(&subscription, reading.window, window_end));
    let body = match fetch(&url) {
        Ok(body) => body,
        Err(error) if matches!(error.kind, ErrorKind::Permission | ErrorKind::NotFound) => {
            reading.skipped_count += 1;
            if reading.skipped.len() < MAX_SKIP_NOTES {
                let note = format!("{subscription}: {}", error.message);
                reading.skipped.push(truncate_message(&note));
            }
            return next_subscription(Vec::new(), reading);
        }
        Err(error) => return Err(error),
    };
    let boundary = (window_end < reading.run.end).then_some(window_end);
    let (records, next) = arm_events::parse_events_page(&body, boundary)?;
    if next.is_some() {
        reading.next = next;
        finish(records, reading_cursor(reading))
    } else if window_end < reading.run.end {
        reading.window = window_end;
        finish(records, reading_cursor(reading))
    } else {
        next_subscription(records, reading)
    }
}

/// Moves past the current subscription; the run is done after the last.
fn next_subscription(records: Vec<Record>, mut reading: Reading) -> Result<Page, Error> {
    if !reading.subscriptions.is_empty() {
        reading.subscriptions.remove(0);
    }
    reading.window = reading.run.start;
    reading.next = None;
    if !reading.subscriptions.is_empty() {
        return finish(records, reading_cursor(reading));
    }
    if reading.total > 0 && reading.skipped_count >= reading.total {
        return Err(Error::permission(truncate_message(&format!(
            "no subscription's activity log could be read (grant the app the Reader role): {}",
            reading.skipped.join("; ")
        ))));
    }
    finish(records, done(reading.run, reading.skipped))
}

/// The first request of a window of `subscription`.
pub fn events_url(subscription: &str, from_ms: u64, to_ms: u64) -> String {
    let filter = format!(
        "eventTimestamp ge '{}' and eventTimestamp le '{}'",
        format_iso(from_ms),
        format_iso(to_ms)
    );
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

fn reading_cursor(reading: Reading) -> ActivityCursor {
    ActivityCursor::Reading {
        start: format_iso(reading.run.start),
        end: format_iso(reading.run.end),
        subscriptions: reading.subscriptions,
        total: reading.total,
        window: format_iso(reading.window),
        next: reading.next,
        skipped: reading.skipped,
        skipped_count: reading.skipped_count,
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn done(run: Run, skipped: Vec<String>) -> ActivityCursor {
    ActivityCursor::Done {
        watermark: format_iso(run.end),
        skipped,
    }
}

fn finish(records: Vec<Record>, state: ActivityCursor) -> Result<Page, Error> {
    Ok(Page {
        records,
        more: !matches!(state, ActivityCursor::Done { .. }),
        cursor: Some(cursor::encode(&state)?),
    })
}

fn time(text: &str) -> Result<u64, Error> {
    parse_iso(text).ok_or_else(|| {
        Error::plugin(format!(
            "the `{STREAM}` cursor holds a bad time `{text}`; reset the stream's checkpoint"
        ))
    })
}

#[cfg(test)]
#[path = "activity_log_tests.rs"]
mod tests;
