//! A bounded log of the API requests the simulator received, for conformance checks.
//!
//! Entries use the Zoom simulator's public [`RecordedRequest`] type. Token-endpoint
//! requests are not logged: their bodies carry the client secret.

use std::collections::VecDeque;

pub use crate::zoom::RecordedRequest;

/// Requests kept at most; older ones are dropped first.
pub(crate) const REQUEST_LOG_CAPACITY: usize = 100_000;

/// The log itself.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
}

impl RequestLog {
    /// Appends a request, dropping the oldest beyond [`REQUEST_LOG_CAPACITY`].
    pub fn push(&mut self, request: RecordedRequest) {
        if self.entries.len() >= REQUEST_LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(request);
    }

    /// A copy of every entry, oldest first.
    pub fn entries(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }
}
