//! Host time.

use crate::bindings::plugboard::connector::clock as host;

/// Milliseconds since the Unix epoch, from the host clock.
pub fn now_ms() -> u64 {
    host::now_ms()
}

/// Today's date (UTC) as days since 1970-01-01, from the host clock.
pub fn today() -> i64 {
    crate::time::days_from_unix_ms(now_ms())
}
