//! Declarative streams: a stream is a request template, a record path, a
//! paginator, an optional partition router (a fixed list, or parents read
//! from another endpoint whose children are then read one by one), an
//! optional incremental cursor over date windows, and a mapping from each
//! upstream record to the contract's [`Record`]. The SDK owns the cursor:
//! [`Stream::sync`] makes exactly one request per call and returns the page
//! with the cursor the host stores and hands back.
//!
//! ```
//! use plugboard_sdk::stream::{Env, Paginator, Slice, Stream};
//! use plugboard_sdk::json::{Text, item};
//! use plugboard_sdk::{Group, Record};
//! use serde_json::value::RawValue;
//!
//! #[derive(serde::Deserialize)]
//! struct Team {
//!     #[serde(default)]
//!     id: Text,
//!     #[serde(default)]
//!     name: Text,
//! }
//!
//! fn team(_: &Slice<'_, ()>, raw: &RawValue, out: &mut Vec<Record>) {
//!     let Some(team) = item::<Team>(raw) else { return };
//!     let Some(id) = team.id.into_string() else { return };
//!     out.push(Record::Group(Group {
//!         name: team.name.into_string().unwrap_or_else(|| id.clone()),
//!         id,
//!         member_count: None,
//!         raw: plugboard_sdk::json::compact(raw),
//!     }));
//! }
//!
//! const TEAMS: Stream = Stream::new("teams", "Acme", "https://api.acme.test/v1", |_| {
//!     "https://api.acme.test/v1/teams?limit=100".into()
//! }, team)
//! .records(&["data"])
//! .paginate(Paginator::Token { at: &["meta", "next"], param: "cursor" });
//!
//! // In a test the network is a closure from URL to body; in the plugin it
//! // is `&mut plugboard_sdk::stream::Host`.
//! let mut net = |url: &str| -> Result<Vec<u8>, plugboard_sdk::Error> {
//!     Ok(if url.contains("cursor=") {
//!         br#"{"data":[{"id":"t2"}]}"#.to_vec()
//!     } else {
//!         br#"{"data":[{"id":"t1","name":"Core"}],"meta":{"next":"c2"}}"#.to_vec()
//!     })
//! };
//! let env = Env { now_ms: 0, lookback_days: 0 };
//! let first = TEAMS.sync(None, env, &mut net).unwrap();
//! assert_eq!((first.records.len(), first.more), (1, true));
//! let last = TEAMS.sync(first.cursor.as_deref(), env, &mut net).unwrap();
//! assert_eq!((last.records.len(), last.more, last.cursor), (1, false, None));
//! ```
//!
//! Cursors are JSON objects with these members, each present only when in
//! use: `parents` (partitions left, current first), `listing` (the parent
//! list's next page), `next` (the current slice's next-page token, link,
//! offset or page number), `start`/`end`/`window` (the run and the current
//! window, for incremental streams, with `"state":"reading"`), `total`,
//! `skipped` and `skipped_count` (partitions skipped after an error the
//! stream tolerates). An incremental stream ends with
//! `{"state":"done","watermark":"<end of the run>"}` and `more = false`; any
//! other stream ends with no cursor, so the next run starts over.

mod select;
#[cfg(test)]
mod tests;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub use select::{Selected, select};

use crate::http::{
    Errors, HttpError, Method, Request, Response, SecretHeader, error_from_http, truncate_message,
};
use crate::time::{DAY_MS, floor_second, format_date, format_iso, parse_date, parse_iso};
use crate::{Ability, Error, ErrorKind, Info, Page, Record, StreamInfo, StreamKind, cursor};

/// Most skipped partitions a cursor names (the count is kept regardless).
pub const MAX_SKIP_NOTES: usize = 10;

/// Sends one request: [`Host`] in the component, a fixture in tests.
pub trait Transport {
    /// Sends `request`; any status is a response, only a transport failure
    /// an error.
    fn send(&mut self, request: &Request) -> Result<Response, Error>;
}

/// The host's HTTP import (only callable inside a component).
#[derive(Debug, Clone, Copy, Default)]
pub struct Host;

impl Transport for Host {
    fn send(&mut self, request: &Request) -> Result<Response, Error> {
        crate::bindings::plugboard::connector::http::send(request)
            .map_err(|e: HttpError| error_from_http(e))
    }
}

/// A test fixture: GET `url` → the 2xx body, or the error the real stream
/// would meet. Any other method is refused.
impl<F: FnMut(&str) -> Result<Vec<u8>, Error>> Transport for F {
    fn send(&mut self, request: &Request) -> Result<Response, Error> {
        if request.method != Method::Get {
            return Err(Error::plugin(
                "this fixture answers GET only; use `Exchange`",
            ));
        }
        Ok(Response {
            status: 200,
            headers: Vec::new(),
            body: self(&request.url)?,
            url: request.url.clone(),
        })
    }
}

/// A test fixture that sees the whole request and answers a whole response
/// (headers, status), e.g. for `Link` headers or a POST body.
pub struct Exchange<F>(pub F);

impl<F: FnMut(&Request) -> Result<Response, Error>> Transport for Exchange<F> {
    fn send(&mut self, request: &Request) -> Result<Response, Error> {
        (self.0)(request)
    }
}

/// What a `sync` call knows besides its cursor (the default: the epoch, no
/// lookback, for streams that are not incremental).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Env {
    /// The host clock, ms since the epoch.
    pub now_ms: u64,
    /// How many days a first incremental run reads.
    pub lookback_days: u32,
}

impl Env {
    /// Now, by the host clock, reading `lookback_days` on a first run.
    pub fn now(lookback_days: u32) -> Self {
        Env {
            now_ms: crate::clock::now_ms(),
            lookback_days,
        }
    }
}

/// How the next page is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paginator {
    /// One page.
    None,
    /// A token in the body at `at`, sent back as the query parameter `param`
    /// (absent on the first page); an empty or missing token ends the slice.
    Token {
        /// Path of the token in the page, e.g. `["next_page_token"]`.
        at: &'static [&'static str],
        /// The query parameter, e.g. `next_page_token`.
        param: &'static str,
    },
    /// A token in the body at `at`, sent back as the member `field` of the
    /// JSON request body (POST searches).
    BodyToken {
        /// Path of the token in the page.
        at: &'static [&'static str],
        /// The member of the request body.
        field: &'static str,
    },
    /// A full URL in the body at `at` (`@odata.nextLink`, `nextLink`,
    /// `links.next`), followed as-is; it must stay under the stream's base.
    NextLink {
        /// Path of the link in the page.
        at: &'static [&'static str],
    },
    /// The `rel="next"` target among every `Link` header (one line or
    /// several); it must stay under the stream's base.
    LinkHeader,
    /// `param=<offset>&limit_param=<limit>` on every request; the slice ends
    /// at a page with fewer than `limit` items.
    Offset {
        /// The offset parameter.
        param: &'static str,
        /// The page size parameter.
        limit_param: &'static str,
        /// The page size.
        limit: u32,
    },
    /// `param=<page>&size_param=<size>` on every request, pages counted from
    /// `first`; the slice ends at a page with fewer than `size` items.
    PageNumber {
        /// The page number parameter.
        param: &'static str,
        /// The number of the first page (0 or 1).
        first: u32,
        /// The page size parameter.
        size_param: &'static str,
        /// The page size.
        size: u32,
    },
    /// Polls a log that always has a next link (Okta's system log): follows
    /// the inner paginator until a page comes back empty, then ends with
    /// `{"state":"done","watermark":"<the last link>"}`; the next run starts
    /// at that link instead of the template. For unpartitioned streams
    /// without date windows (the link is the whole cursor).
    UntilEmpty(&'static Paginator),
}

/// How the stream's slices are formatted and stepped in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// Whole days, `YYYY-MM-DD`, both ends of a window inclusive (the next
    /// window starts the day after).
    Date,
    /// ISO-8601 UTC to the second; the next window starts where the last
    /// ended (drop records stamped at a window's end unless it is the last:
    /// see [`Window::last`]).
    Instant,
}

/// An incremental cursor over date windows (Airbyte's
/// `DatetimeBasedCursor`): a run covers `start..=now`, where `start` is
/// `now - lookback_days` on the first run and the previous watermark minus
/// `overlap_ms` afterwards (the host de-duplicates records by id), never
/// older than `retention_days`; it reads windows of at most `max_span_ms`,
/// oldest first, so the watermark only moves forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// Dates or instants.
    pub format: TimeFormat,
    /// How far before the last watermark the next run starts.
    pub overlap_ms: u64,
    /// The longest window (`None`: one window per run).
    pub max_span_ms: Option<u64>,
    /// How many days the upstream keeps.
    pub retention_days: u32,
}

/// The window being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Its start, formatted.
    pub from: String,
    /// Its end, formatted.
    pub to: String,
    /// Its start, ms since the epoch.
    pub from_ms: u64,
    /// Its end, ms since the epoch.
    pub to_ms: u64,
    /// Whether it is the run's last window.
    pub last: bool,
}

/// What one request is for: the current partition and window.
#[derive(Debug, Clone, Copy)]
pub struct Slice<'a, P> {
    /// The current partition (`None` for an unpartitioned stream).
    pub parent: Option<&'a P>,
    /// The current window (incremental streams).
    pub window: Option<&'a Window>,
}

impl<'a> Slice<'a, String> {
    /// The current partition's name (empty outside a partition): for URLs
    /// such as `/teams/{parent}/members`.
    pub fn parent_str(&self) -> &'a str {
        self.parent.map_or("", String::as_str)
    }
}

/// Parents read from another endpoint (Airbyte's `SubstreamPartitionRouter`).
#[derive(Debug, Clone, Copy)]
pub struct Parents<P> {
    /// The parent list's first request.
    pub url: fn() -> String,
    /// The path of the parents in a page.
    pub records: &'static [&'static str],
    /// How the parent list pages (`None`, `NextLink`, `LinkHeader`).
    pub paginator: Paginator,
    /// One parent from its record; `None` skips it.
    pub map: fn(&RawValue) -> Option<P>,
    /// Read the whole parent list before any child (needed when every
    /// partition must be known, e.g. to tell "all were skipped"); otherwise
    /// one page of parents at a time, which keeps the cursor small.
    pub all_first: bool,
    /// Names a parent page in errors, e.g. `groups page`.
    pub what: &'static str,
}

/// Where a stream's partitions come from.
#[derive(Debug, Clone, Copy)]
pub enum Partitions<P> {
    /// No partitions.
    None,
    /// A fixed list (e.g. user statuses).
    List(fn() -> Vec<P>),
    /// Parents from another endpoint.
    Parents(Parents<P>),
}

/// Maps one upstream record (its exact text) to contract records.
pub type MapFn<P> = fn(&Slice<'_, P>, &RawValue, &mut Vec<Record>);

/// A declarative stream. Build one with [`Stream::new`] and the `const`
/// builder methods, read a page with [`Stream::sync`].
#[derive(Debug, Clone, Copy)]
pub struct Stream<P = ()> {
    /// The stream's name (its checkpoint key).
    pub name: &'static str,
    /// What the stream holds, for `describe`.
    pub kind: StreamKind,
    /// One line for operators, for `describe`.
    pub description: &'static str,
    /// The app, named in errors (`Zoom answered a malformed users page`).
    pub app: &'static str,
    /// What a page is called in errors; empty: the stream's name with
    /// spaces for dashes and " page" (`team-members` → `team members page`).
    pub what: &'static str,
    /// What every next link must start with (plus `/`).
    pub base: &'static str,
    /// The request method.
    pub method: Method,
    /// Plain headers on every request (parent list included); each replaces
    /// a default of the same name (`Accept: application/json`).
    pub headers: &'static [(&'static str, &'static str)],
    /// Headers filled by the host from instance secrets, on every request:
    /// `(header, secret, prefix)`, e.g. `("X-Api-Key", "api_key", "")`. The
    /// plugin never sees the value; the manifest's `send_to` says where the
    /// secret may go.
    pub secret_headers: &'static [(&'static str, &'static str, &'static str)],
    /// The first request's URL of a slice.
    pub url: fn(&Slice<'_, P>) -> String,
    /// The request's JSON body of a slice (POST searches).
    pub body: Option<fn(&Slice<'_, P>) -> String>,
    /// The path of the records in a page (empty: the page is an array).
    pub records: &'static [&'static str],
    /// How pages follow one another.
    pub paginator: Paginator,
    /// The partition router.
    pub partitions: Partitions<P>,
    /// The incremental cursor.
    pub windows: Option<Windows>,
    /// The record mapping.
    pub map: MapFn<P>,
    /// Rewrites a page's records after mapping (e.g. to de-duplicate).
    pub finish: Option<fn(&mut Vec<Record>)>,
    /// The app's error bodies.
    pub errors: Errors,
    /// An error of this kind means the app does not offer the data (an
    /// edition or a licence is missing): the stream is `unavailable`, with
    /// this reason before the app's message.
    pub unavailable: Option<(ErrorKind, &'static str)>,
    /// Rewrites an error of this stream (after `unavailable`).
    pub on_error: Option<fn(Error) -> Error>,
    /// Skips a partition that fails with an error this returns a note for;
    /// the note is kept in the cursor.
    pub skip: Option<fn(&P, &Error) -> Option<String>>,
    /// The `permission` error's message when every partition was skipped.
    pub all_skipped: &'static str,
}

impl<P> Stream<P> {
    /// A one-page, unpartitioned, full-refresh stream of the records of
    /// `url`'s top-level array; refine it with the builder methods.
    pub const fn new(
        name: &'static str,
        app: &'static str,
        base: &'static str,
        url: fn(&Slice<'_, P>) -> String,
        map: MapFn<P>,
    ) -> Self {
        Stream {
            name,
            kind: StreamKind::Accounts,
            description: "",
            app,
            what: "",
            base,
            method: Method::Get,
            headers: &[],
            secret_headers: &[],
            url,
            body: None,
            records: &[],
            paginator: Paginator::None,
            partitions: Partitions::None,
            windows: None,
            map,
            finish: None,
            errors: Errors::STANDARD,
            unavailable: None,
            on_error: None,
            skip: None,
            all_skipped: "no partition could be read",
        }
    }
    /// What the stream holds and one line for operators (`describe`).
    pub const fn about(mut self, kind: StreamKind, description: &'static str) -> Self {
        self.kind = kind;
        self.description = description;
        self
    }
    /// The records are the list at `path`.
    pub const fn records(mut self, path: &'static [&'static str]) -> Self {
        self.records = path;
        self
    }
    /// Names a page in errors.
    pub const fn what(mut self, what: &'static str) -> Self {
        self.what = what;
        self
    }
    /// Pages with `paginator`.
    pub const fn paginate(mut self, paginator: Paginator) -> Self {
        self.paginator = paginator;
        self
    }
    /// Partitions with `partitions`.
    pub const fn partitions(mut self, partitions: Partitions<P>) -> Self {
        self.partitions = partitions;
        self
    }
    /// Reads incrementally in `windows`.
    pub const fn windows(mut self, windows: Windows) -> Self {
        self.windows = Some(windows);
        self
    }
    /// Sends `method` with the JSON body `body`.
    pub const fn send(mut self, method: Method, body: fn(&Slice<'_, P>) -> String) -> Self {
        self.method = method;
        self.body = Some(body);
        self
    }
    /// Sends `headers` on every request.
    pub const fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }
    /// Sends these `(header, secret, prefix)` secret headers on every request.
    pub const fn secret_headers(
        mut self,
        secret_headers: &'static [(&'static str, &'static str, &'static str)],
    ) -> Self {
        self.secret_headers = secret_headers;
        self
    }
    /// Maps error bodies with `errors`.
    pub const fn errors(mut self, errors: Errors) -> Self {
        self.errors = errors;
        self
    }
    /// An error of `kind` makes the stream `unavailable` (`why: message`):
    /// e.g. a 404 from an API only some editions have.
    pub const fn unavailable_on(mut self, kind: ErrorKind, why: &'static str) -> Self {
        self.unavailable = Some((kind, why));
        self
    }
    /// Rewrites this stream's errors with `on_error`.
    pub const fn on_error(mut self, on_error: fn(Error) -> Error) -> Self {
        self.on_error = Some(on_error);
        self
    }
    /// Rewrites each page's records with `finish`.
    pub const fn finish(mut self, finish: fn(&mut Vec<Record>)) -> Self {
        self.finish = Some(finish);
        self
    }
    /// Skips partitions for which `skip` returns a note; when all were
    /// skipped the stream fails with `permission` and `all_skipped`.
    pub const fn skip(
        mut self,
        skip: fn(&P, &Error) -> Option<String>,
        all_skipped: &'static str,
    ) -> Self {
        self.skip = Some(skip);
        self.all_skipped = all_skipped;
        self
    }
}

/// A stream of any partition type, as a connector's catalog lists it.
pub trait Source {
    /// The stream's `describe` entry.
    fn info(&self) -> StreamInfo;
    /// [`Stream::sync`].
    fn read(&self, cursor: Option<&str>, env: Env, net: &mut dyn Transport) -> Result<Page, Error>;
}

impl<P: Serialize + DeserializeOwned + Clone + PartialEq> Source for Stream<P> {
    fn info(&self) -> StreamInfo {
        StreamInfo {
            name: self.name.into(),
            kind: self.kind,
            description: self.description.into(),
        }
    }
    fn read(&self, cursor: Option<&str>, env: Env, net: &mut dyn Transport) -> Result<Page, Error> {
        self.sync(cursor, env, net)
    }
}

/// A connector's streams, in the order the host should sync them.
#[derive(Clone, Copy)]
pub struct Catalog {
    /// The app, named when a stream is unknown.
    pub app: &'static str,
    /// The streams.
    pub streams: &'static [&'static dyn Source],
}

impl Catalog {
    /// Every stream's `describe` entry.
    pub fn infos(&self) -> Vec<StreamInfo> {
        self.streams.iter().map(|s| s.info()).collect()
    }

    /// A connector's `describe` answer: plugin `id` at `version` (its
    /// crate's, `env!("CARGO_PKG_VERSION")`), this catalog's app and streams,
    /// and the governance `actions`. The abilities follow from them —
    /// `account-info` always (every connector has `check`), `users`,
    /// `groups`, `admin-roles` and `audit-trail` from the streams' kinds,
    /// `governance` when there are actions — plus `also`: what no stream
    /// kind shows (`posture` for a connector with `assess`, `admin-roles`
    /// when roles come inside another stream, `data-scan`).
    pub fn describe(&self, id: &str, version: &str, also: &[Ability], actions: &[&str]) -> Info {
        let kinds: Vec<StreamKind> = self.streams.iter().map(|s| s.info().kind).collect();
        let has = |k: StreamKind| kinds.contains(&k);
        let shown = [
            (Ability::AccountInfo, true),
            (Ability::Users, has(StreamKind::Accounts)),
            (Ability::Groups, has(StreamKind::Groups)),
            (Ability::AdminRoles, has(StreamKind::Roles)),
            (Ability::AuditTrail, has(StreamKind::Activities)),
            (Ability::Governance, !actions.is_empty()),
            (Ability::Posture, false),
            (Ability::DataScan, false),
        ];
        let abilities = shown
            .into_iter()
            .filter(|(a, derived)| *derived || also.contains(a))
            .map(|(a, _)| a)
            .collect();
        Info {
            id: id.into(),
            version: version.into(),
            app: self.app.into(),
            abilities,
            streams: self.infos(),
            actions: actions.iter().map(|a| (*a).to_string()).collect(),
        }
    }

    /// One page of the stream called `name`; an unknown name is an
    /// `invalid-config` error (the operator asked for it).
    pub fn sync(
        &self,
        name: &str,
        cursor: Option<&str>,
        env: Env,
        net: &mut dyn Transport,
    ) -> Result<Page, Error> {
        match self.streams.iter().find(|s| s.info().name == name) {
            Some(stream) => stream.read(cursor, env, net),
            None => Err(Error::config(format!(
                "the {} connector has no stream `{name}`",
                self.app
            ))),
        }
    }
}

/// The cursor: see the module docs. Unknown members are refused, so a
/// cursor written by another version is an error telling the operator to
/// reset the checkpoint, never a silent restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Position<P> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    watermark: Option<String>,
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    parents: Vec<P>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    listing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    window: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    total: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    skipped_count: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl<P> Position<P> {
    fn empty() -> Self {
        Position {
            state: None,
            watermark: None,
            parents: Vec::new(),
            listing: None,
            start: None,
            end: None,
            window: None,
            next: None,
            total: 0,
            skipped: Vec::new(),
            skipped_count: 0,
        }
    }
}

/// A page's mapped records, how many items it held, and its next-page value.
struct Parsed {
    records: Vec<Record>,
    count: usize,
    next: Option<String>,
}

impl<P: Serialize + DeserializeOwned + Clone + PartialEq> Stream<P> {
    /// One page of the stream from `cursor`: exactly one request through
    /// `net` (none when the cursor says the run is over).
    pub fn sync(
        &self,
        cursor: Option<&str>,
        env: Env,
        net: &mut dyn Transport,
    ) -> Result<Page, Error> {
        let mut pos = match cursor::decode::<Position<P>>(self.name, cursor)? {
            Some(pos) if pos.watermark.is_none() => pos,
            done => self.fresh(done.and_then(|d| d.watermark), env)?,
        };
        if let Partitions::Parents(parents) = &self.partitions
            && (pos.parents.is_empty() || (parents.all_first && pos.listing.is_some()))
        {
            return self.list_parents(parents, pos, net);
        }
        let parent = match self.partitions {
            Partitions::None => None,
            _ => match pos.parents.first() {
                Some(parent) => Some(parent.clone()),
                None => return self.end(Vec::new(), pos),
            },
        };
        let window = self.window(&pos)?;
        let slice = Slice {
            parent: parent.as_ref(),
            window: window.as_ref(),
        };
        let request = self.request(&slice, pos.next.as_deref())?;
        let response = match net.send(&request).and_then(|r| self.errors.check(r)) {
            Ok(response) => response,
            Err(error) => {
                let note = self
                    .skip
                    .zip(parent.as_ref())
                    .and_then(|(skip, p)| skip(p, &error));
                let Some(note) = note else {
                    return Err(self.rewrite(error));
                };
                pos.skipped_count = pos.skipped_count.saturating_add(1);
                if pos.skipped.len() < MAX_SKIP_NOTES {
                    pos.skipped.push(truncate_message(&note));
                }
                return self.next_partition(Vec::new(), pos);
            }
        };
        let parsed = self.parse(&slice, &response.body)?;
        let next = self.advance(self.paginator, pos.next.as_deref(), &response, &parsed)?;
        if let Paginator::UntilEmpty(_) = self.paginator
            && next.is_none()
        {
            let done = Position::<P> {
                state: Some("done".into()),
                watermark: Some(request.url),
                ..Position::empty()
            };
            return page(parsed.records, false, Some(&done));
        }
        pos.next = next;
        if pos.next.is_some() {
            return self.more(parsed.records, pos);
        }
        if let (Some(window), Some(windows)) = (&window, self.windows)
            && !window.last
        {
            pos.window = Some(format(
                windows.format,
                window.to_ms.saturating_add(step(windows.format)),
            ));
            return self.more(parsed.records, pos);
        }
        self.next_partition(parsed.records, pos)
    }

    /// Parses one page for `slice` into records and its next-page value (a
    /// token, or a link checked to stay under the base): what `sync` does
    /// between the request and the cursor, for tests and benches.
    pub fn parse_slice(
        &self,
        slice: &Slice<'_, P>,
        body: &[u8],
    ) -> Result<(Vec<Record>, Option<String>), Error> {
        let parsed = self.parse(slice, body)?;
        let next = match is_link(self.paginator) {
            true => self.checked_link(parsed.next)?,
            false => parsed.next,
        };
        Ok((parsed.records, next))
    }

    /// [`Stream::parse_slice`] outside any partition or window.
    pub fn parse_page(&self, body: &[u8]) -> Result<(Vec<Record>, Option<String>), Error> {
        let whole = Slice {
            parent: None,
            window: None,
        };
        self.parse_slice(&whole, body)
    }

    /// Parses one page of the parent list into parents and its next-page
    /// value; no parents when the stream has no parent list.
    pub fn parse_parents(&self, body: &[u8]) -> Result<(Vec<P>, Option<String>), Error> {
        let Partitions::Parents(parents) = &self.partitions else {
            return Ok((Vec::new(), None));
        };
        let selected = self.select(body, parents.records, parents.paginator, parents.what)?;
        let found = selected.items.iter().filter_map(|raw| (parents.map)(raw));
        let next = match is_link(parents.paginator) {
            true => self.checked_link(selected.next)?,
            false => selected.next,
        };
        Ok((found.collect(), next))
    }

    /// This stream's error as the operator should see it: `unavailable`
    /// first, then `on_error`.
    fn rewrite(&self, error: Error) -> Error {
        let error = match self.unavailable {
            Some((kind, why)) if error.kind == kind => {
                Error::unavailable(format!("{why}: {}", error.message))
            }
            _ => error,
        };
        match self.on_error {
            Some(rewrite) => rewrite(error),
            None => error,
        }
    }

    /// What a page of this stream is called in errors.
    fn page_name(&self) -> String {
        match self.what {
            "" => format!("{} page", self.name.replace('-', " ")),
            what => what.to_string(),
        }
    }

    fn parse(&self, slice: &Slice<'_, P>, body: &[u8]) -> Result<Parsed, Error> {
        let selected = self.select(body, self.records, self.paginator, &self.page_name())?;
        let mut records = Vec::with_capacity(selected.items.len());
        for item in &selected.items {
            (self.map)(slice, item, &mut records);
        }
        if let Some(finish) = self.finish {
            finish(&mut records);
        }
        Ok(Parsed {
            records,
            count: selected.items.len(),
            next: selected.next,
        })
    }

    fn select<'b>(
        &self,
        body: &'b [u8],
        records: &[&str],
        paginator: Paginator,
        what: &str,
    ) -> Result<Selected<'b>, Error> {
        select(body, records, body_path(paginator)).map_err(|e| {
            Error::upstream(truncate_message(&format!(
                "{} answered a malformed {what}: {e}",
                self.app
            )))
        })
    }

    /// A new run: its span, its partitions, and where it starts.
    fn fresh(&self, watermark: Option<String>, env: Env) -> Result<Position<P>, Error> {
        let mut pos = Position::empty();
        if let Some(windows) = self.windows {
            let now = match windows.format {
                TimeFormat::Date => env.now_ms - env.now_ms % DAY_MS,
                TimeFormat::Instant => floor_second(env.now_ms),
            };
            let earliest = now.saturating_sub(u64::from(windows.retention_days) * DAY_MS);
            let start = match watermark {
                Some(mark) => self
                    .time(windows, &mark)?
                    .saturating_sub(windows.overlap_ms),
                None => now.saturating_sub(u64::from(env.lookback_days) * DAY_MS),
            };
            let start = format(windows.format, start.clamp(earliest.min(now), now));
            pos.state = Some("reading".into());
            pos.window = Some(start.clone());
            pos.start = Some(start);
            pos.end = Some(format(windows.format, now));
        } else if let Paginator::UntilEmpty(_) = self.paginator {
            pos.next = watermark;
        }
        match &self.partitions {
            Partitions::None => {}
            Partitions::List(list) => {
                pos.parents = list();
                pos.total = if self.skip.is_some() {
                    pos.parents.len()
                } else {
                    0
                };
            }
            Partitions::Parents(parents) => {
                pos.listing = Some(build(parents.paginator, (parents.url)(), None, None)?.url);
            }
        }
        Ok(pos)
    }

    /// Reads one page of the parent list.
    fn list_parents(
        &self,
        parents: &Parents<P>,
        mut pos: Position<P>,
        net: &mut dyn Transport,
    ) -> Result<Page, Error> {
        let Some(url) = pos.listing.take() else {
            return self.end(Vec::new(), pos);
        };
        let request = self.decorate(build(Paginator::None, url, None, None)?);
        let response = net
            .send(&request)
            .and_then(|r| self.errors.check(r))
            .map_err(|e| self.rewrite(e))?;
        let selected = self.select(
            &response.body,
            parents.records,
            parents.paginator,
            parents.what,
        )?;
        for parent in selected.items.iter().filter_map(|raw| (parents.map)(raw)) {
            if !(parents.all_first && pos.parents.contains(&parent)) {
                pos.parents.push(parent);
                pos.total = pos.total.saturating_add(usize::from(self.skip.is_some()));
            }
        }
        let parsed = Parsed {
            records: Vec::new(),
            count: selected.items.len(),
            next: selected.next,
        };
        pos.listing = match self.advance(parents.paginator, None, &response, &parsed)? {
            Some(next) if is_link(parents.paginator) => Some(next),
            Some(next) => Some(build(parents.paginator, (parents.url)(), None, Some(&next))?.url),
            None => None,
        };
        if pos.parents.is_empty() && pos.listing.is_none() {
            return self.end(Vec::new(), pos);
        }
        self.more(Vec::new(), pos)
    }

    /// The current window, from the cursor.
    fn window(&self, pos: &Position<P>) -> Result<Option<Window>, Error> {
        let Some(windows) = self.windows else {
            return Ok(None);
        };
        let text = |field: &Option<String>| {
            field
                .as_deref()
                .ok_or_else(|| self.bad_cursor("is missing its window"))
                .and_then(|t| self.time(windows, t))
        };
        let (from, end) = (text(&pos.window)?, text(&pos.end)?);
        let span_end = windows.max_span_ms.map_or(end, |span| {
            from.saturating_add(span)
                .saturating_sub(step(windows.format))
        });
        let to = span_end.min(end).max(from);
        Ok(Some(Window {
            from: format(windows.format, from),
            to: format(windows.format, to),
            from_ms: from,
            to_ms: to,
            last: to >= end,
        }))
    }

    /// The request for `slice` at page state `next`.
    fn request(&self, slice: &Slice<'_, P>, next: Option<&str>) -> Result<Request, Error> {
        let mut request = build(
            self.paginator,
            (self.url)(slice),
            self.body.map(|body| body(slice)),
            next,
        )?;
        request.method = self.method;
        Ok(self.decorate(request))
    }

    /// `request` with the stream's plain and secret headers.
    fn decorate(&self, mut request: Request) -> Request {
        for (name, value) in self.headers {
            request
                .headers
                .retain(|(key, _)| !key.eq_ignore_ascii_case(name));
            request.headers.push(((*name).into(), (*value).into()));
        }
        for (name, secret, prefix) in self.secret_headers {
            request.secret_headers.push(SecretHeader {
                name: (*name).into(),
                secret: (*secret).into(),
                prefix: (*prefix).into(),
            });
        }
        request
    }

    /// The next page state after `parsed`, or `None` when the slice is done.
    fn advance(
        &self,
        paginator: Paginator,
        current: Option<&str>,
        response: &Response,
        parsed: &Parsed,
    ) -> Result<Option<String>, Error> {
        let number = |first: u32| {
            current
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(u64::from(first))
        };
        Ok(match paginator {
            Paginator::None => None,
            Paginator::Token { .. } | Paginator::BodyToken { .. } => parsed.next.clone(),
            Paginator::NextLink { .. } => self.checked_link(parsed.next.clone())?,
            Paginator::LinkHeader => self.checked_link(crate::http::next_link(response))?,
            Paginator::Offset { limit, .. } => (parsed.count >= limit as usize && limit > 0)
                .then(|| number(0).saturating_add(parsed.count as u64).to_string()),
            Paginator::PageNumber { first, size, .. } => (parsed.count >= size as usize
                && size > 0)
                .then(|| number(first).saturating_add(1).to_string()),
            Paginator::UntilEmpty(inner) => match parsed.count {
                0 => None,
                _ => self.advance(*inner, current, response, parsed)?,
            },
        })
    }

    /// A next link, refused when it leaves the stream's base.
    fn checked_link(&self, link: Option<String>) -> Result<Option<String>, Error> {
        match link {
            Some(link) if !link.starts_with(&format!("{}/", self.base.trim_end_matches('/'))) => {
                Err(Error::upstream(truncate_message(&format!(
                    "{} sent a next link outside {}: {link}",
                    self.app, self.base
                ))))
            }
            link => Ok(link),
        }
    }

    /// Moves past the current partition; the run ends after the last.
    fn next_partition(&self, records: Vec<Record>, mut pos: Position<P>) -> Result<Page, Error> {
        pos.next = None;
        if !matches!(self.partitions, Partitions::None) {
            if !pos.parents.is_empty() {
                pos.parents.remove(0);
            }
            pos.window = pos.start.clone();
            if !pos.parents.is_empty() || pos.listing.is_some() {
                return self.more(records, pos);
            }
        }
        self.end(records, pos)
    }

    /// The run is over.
    fn end(&self, records: Vec<Record>, pos: Position<P>) -> Result<Page, Error> {
        if pos.total > 0 && pos.skipped_count >= pos.total {
            return Err(Error::permission(truncate_message(&format!(
                "{}: {}",
                self.all_skipped,
                pos.skipped.join("; ")
            ))));
        }
        if self.windows.is_none() {
            return page::<P>(records, false, None);
        }
        let done = Position::<P> {
            state: Some("done".into()),
            watermark: pos.end,
            skipped: pos.skipped,
            ..Position::empty()
        };
        page(records, false, Some(&done))
    }

    fn more(&self, records: Vec<Record>, mut pos: Position<P>) -> Result<Page, Error> {
        if self.windows.is_some() {
            pos.state = Some("reading".into());
        }
        page(records, true, Some(&pos))
    }

    fn time(&self, windows: Windows, text: &str) -> Result<u64, Error> {
        let ms = match windows.format {
            TimeFormat::Date => parse_date(text)
                .and_then(|d| u64::try_from(d).ok())
                .map(|d| d * DAY_MS),
            TimeFormat::Instant => parse_iso(text),
        };
        ms.ok_or_else(|| self.bad_cursor(&format!("holds a bad time `{text}`")))
    }

    fn bad_cursor(&self, what: &str) -> Error {
        Error::plugin(truncate_message(&format!(
            "the `{}` cursor {what}; reset the stream's checkpoint",
            self.name
        )))
    }
}

fn page<P: Serialize>(
    records: Vec<Record>,
    more: bool,
    pos: Option<&Position<P>>,
) -> Result<Page, Error> {
    Ok(Page {
        records,
        more,
        cursor: pos.map(cursor::encode).transpose()?,
    })
}

fn step(format: TimeFormat) -> u64 {
    match format {
        TimeFormat::Date => DAY_MS,
        TimeFormat::Instant => 0,
    }
}

fn format(format: TimeFormat, ms: u64) -> String {
    match format {
        TimeFormat::Date => format_date(i64::try_from(ms / DAY_MS).unwrap_or(i64::MAX)),
        TimeFormat::Instant => format_iso(ms),
    }
}

/// Where a paginator reads its next value in the body.
fn body_path(paginator: Paginator) -> Option<&'static [&'static str]> {
    match paginator {
        Paginator::Token { at, .. }
        | Paginator::BodyToken { at, .. }
        | Paginator::NextLink { at } => Some(at),
        Paginator::UntilEmpty(inner) => body_path(*inner),
        _ => None,
    }
}

/// Whether the paginator's state is the next URL itself.
fn is_link(paginator: Paginator) -> bool {
    match paginator {
        Paginator::NextLink { .. } | Paginator::LinkHeader => true,
        Paginator::UntilEmpty(inner) => is_link(*inner),
        _ => false,
    }
}

/// `url` with `key=value` appended, both percent-encoded.
pub fn with_param(mut url: String, key: &str, value: &str) -> String {
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str(&crate::url::encode(key));
    url.push('=');
    url.push_str(&crate::url::encode(value));
    url
}

/// The GET request for a page: the slice's `url` and `body` with the
/// paginator's state `next` applied.
fn build(
    paginator: Paginator,
    url: String,
    body: Option<String>,
    next: Option<&str>,
) -> Result<Request, Error> {
    let (url, body) = match (paginator, next) {
        (Paginator::UntilEmpty(inner), next) => return build(*inner, url, body, next),
        (Paginator::NextLink { .. } | Paginator::LinkHeader, Some(link)) => {
            (link.to_string(), body)
        }
        (Paginator::Token { param, .. }, Some(token)) => (with_param(url, param, token), body),
        (Paginator::BodyToken { field, .. }, Some(token)) => {
            let mut object: serde_json::Map<String, serde_json::Value> = match &body {
                Some(text) => serde_json::from_str(text).map_err(|e| {
                    Error::plugin(format!("the request body is not a JSON object: {e}"))
                })?,
                None => serde_json::Map::new(),
            };
            object.insert(field.to_string(), token.into());
            (url, Some(serde_json::Value::Object(object).to_string()))
        }
        (
            Paginator::Offset {
                param,
                limit_param,
                limit,
            },
            next,
        ) => {
            let url = with_param(url, param, next.unwrap_or("0"));
            (with_param(url, limit_param, &limit.to_string()), body)
        }
        (
            Paginator::PageNumber {
                param,
                first,
                size_param,
                size,
            },
            next,
        ) => {
            let url = with_param(url, param, next.unwrap_or(&first.to_string()));
            (with_param(url, size_param, &size.to_string()), body)
        }
        (_, _) => (url, body),
    };
    let mut request = crate::http::request(Method::Get, &url);
    if let Some(body) = body {
        request
            .headers
            .push(("Content-Type".into(), "application/json".into()));
        request.body = Some(body.into_bytes());
    }
    Ok(request)
}
