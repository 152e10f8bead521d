//! Sandbox limits: every number a plugin call is held to, with why it has that value.

use std::time::Duration;

/// How often the epoch ticker advances the engine's epoch. Sets the
/// granularity of deadlines and of cooperative yields while a guest computes.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Linear memory one plugin store may grow to unless its manifest asks for
/// more (`[limits] memory`). Connector pages are at most a few MiB of JSON;
/// 64 MiB leaves ample room for a Rust plugin while a memory bomb stops
/// early. A JavaScript or Python plugin starts with 9-14 MiB in use and
/// parses a large page into several times its size: such plugins ask for
/// more.
pub const DEFAULT_MEMORY_BYTES: u64 = 64 << 20;

/// The default operator cap on any plugin's memory limit
/// (`PLUGBOARD_MAX_PLUGIN_MEMORY`): four times the default, room for a
/// JavaScript or Python plugin parsing a 16 MiB page.
pub const DEFAULT_MEMORY_CAP_BYTES: u64 = 256 << 20;

/// The smallest memory limit a manifest may ask for: a plugin never needs
/// less than the default, but a smaller limit is an author's choice.
pub const MIN_MEMORY_BYTES: u64 = 16 << 20;

/// The most a 32-bit linear memory can address.
pub const WASM32_MEMORY_BYTES: u64 = 4 << 30;

/// Table elements one store may hold (function tables of Rust guests are small).
pub const MAX_TABLE_ELEMENTS: usize = 20_000;

/// Core instances per store. A Rust WASI p2 component instantiates a handful.
pub const MAX_INSTANCES: usize = 32;

/// Tables per store.
pub const MAX_TABLES: usize = 32;

/// Memories per store.
pub const MAX_MEMORIES: usize = 4;

/// Default wall-clock deadline for one export call, host calls included. A
/// sync page waits on at most a few paced upstream requests.
pub const DEFAULT_CALL_DEADLINE: Duration = Duration::from_secs(120);

/// Default time one upstream request (one exchange or redirect hop, or one
/// token request) may take. Well under [`DEFAULT_CALL_DEADLINE`], so a slow
/// upstream fails that request — blamed on the upstream and named — while the
/// plugin still has time to report it; real APIs answer a page in seconds.
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// Records one page may carry. Upstream pages are at most ~1,000 items.
pub const MAX_RECORDS_PER_PAGE: usize = 10_000;

/// Bytes one record's `raw` JSON may take.
pub const MAX_RAW_BYTES: usize = 256 << 10;

/// Length of ids, names and other short strings in records.
pub const MAX_SHORT_STRING: usize = 4096;

/// Bytes of a plugin's error message, log line or action outcome kept; the
/// rest is cut (an error cannot be refused, only shortened).
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// Findings one `assess()` may return.
pub const MAX_FINDINGS: usize = 1000;

/// Bytes of a finding's evidence or remediation.
pub const MAX_FINDING_TEXT: usize = 16 << 10;

/// Length of a name shown in one line: an app name, a stream or action name
/// or a stream description in `describe()`.
pub const MAX_LABEL_BYTES: usize = 256;

/// Streams or actions one `describe()` may list.
pub const MAX_DESCRIBED: usize = 100;

/// Length of a cursor.
pub const MAX_CURSOR_BYTES: usize = 64 << 10;

/// Concurrent component instances the pooling allocator reserves slots for.
pub const POOL_INSTANCES: u32 = 1_000;

/// How much one instance may store, per scan and per UTC day. A page that
/// would pass a cap is not stored and its stream fails, blamed on the plugin:
/// a connector that writes without end cannot fill the operator's disk.
/// Bytes are the record text the store keeps (every string field, `raw`
/// included). The defaults sit well above what a large tenant produces
/// (a directory of 100,000 users is ~0.5 GiB of text with `raw`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteCaps {
    /// Records per scan (all streams together).
    pub records_per_scan: u64,
    pub bytes_per_scan: u64,
    /// Records per UTC day.
    pub records_per_day: u64,
    /// Bytes per UTC day.
    pub bytes_per_day: u64,
}

impl Default for WriteCaps {
    fn default() -> Self {
        WriteCaps {
            records_per_scan: 5_000_000,
            bytes_per_scan: 8 << 30,
            records_per_day: 20_000_000,
            bytes_per_day: 32 << 30,
        }
    }
}

/// Plugin calls one scan runs at once. Streams run concurrently, each call
/// may hold a 64 MiB guest and a 16 MiB body (copied when scrubbed), and a
/// plugin chooses how many streams it lists: this bounds one instance's
/// memory at a few hundred MiB. Connectors list six to eight streams.
pub const MAX_CONCURRENT_CALLS: usize = 8;

/// Requests per second of the `unmatched` bucket that paces requests no
/// manifest bucket matches (before the safety fraction). Connectors name
/// their buckets; this only keeps a plugin that does not from hammering.
pub const UNMATCHED_PER_SECOND: f64 = 10.0;
