//! A bounded log of the API requests the simulator received, for conformance checks.

use std::collections::VecDeque;

use serde_json::Value;

/// Requests kept at most; older ones are dropped first.
pub(crate) const REQUEST_LOG_CAPACITY: usize = 100_000;

/// One API request (under `/v2`) as received, with the status it was answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// The percent-decoded path, e.g. `/v2/users/abc/status`.
    pub path: String,
    /// Decoded query pairs, in the order sent.
    pub query: Vec<(String, String)>,
    /// The JSON body, if one was sent; a body that is not JSON is kept as a JSON string.
    pub body: Option<Value>,
    /// The HTTP status the simulator answered.
    pub status: u16,
}

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
