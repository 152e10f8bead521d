//! Sandbox limits: every number a plugin call is held to, with why it has that value.

use std::time::Duration;

/// How often the epoch ticker advances the engine's epoch. Sets the
/// granularity of deadlines and of cooperative yields while a guest computes.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Linear memory one plugin store may grow to. Connector pages are at most a
/// few MiB of JSON; 64 MiB leaves ample room while a memory bomb stops early.
pub const MAX_MEMORY_BYTES: usize = 64 << 20;

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

/// Length of a cursor.
pub const MAX_CURSOR_BYTES: usize = 64 << 10;

/// Concurrent component instances the pooling allocator reserves slots for.
pub const POOL_INSTANCES: u32 = 1_000;
