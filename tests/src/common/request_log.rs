//! A bounded log of the API requests a simulator received, for conformance checks.

use std::collections::VecDeque;

use axum::http::Method;
use serde_json::Value;

use super::query::{Query, percent_decode};

/// Requests kept at most; older ones are dropped first.
pub(crate) const REQUEST_LOG_CAPACITY: usize = 100_000;

/// One API request as received, with the status it was answered.
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

impl RecordedRequest {
    /// The entry for a request to the raw (percent-encoded) `path`; `body` is `None`
    /// when it could not be read, and an empty body is recorded as none.
    pub(crate) fn received(
        method: &Method,
        path: &str,
        query: &Query,
        body: Option<&[u8]>,
        status: u16,
    ) -> Self {
        let body = body.filter(|b| !b.is_empty()).map(|bytes| {
            serde_json::from_slice(bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
        });
        RecordedRequest {
            method: method.to_string(),
            path: percent_decode(path),
            query: query.pairs().to_vec(),
            body,
            status,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::query::KeyMatch;

    #[test]
    fn bodies_are_kept_as_json_or_as_a_string() {
        let query = Query::parse(Some("a=1"), KeyMatch::Exact);
        let json =
            RecordedRequest::received(&Method::PUT, "/v2/u%20x", &query, Some(b"{\"k\":1}"), 204);
        assert_eq!(json.path, "/v2/u x");
        assert_eq!(json.body, Some(serde_json::json!({"k": 1})));
        assert_eq!(json.query, vec![("a".to_owned(), "1".to_owned())]);
        let text = RecordedRequest::received(&Method::POST, "/", &query, Some(b"x"), 400);
        assert_eq!(text.body, Some(Value::String("x".into())));
        let empty = RecordedRequest::received(&Method::GET, "/", &query, Some(b""), 200);
        assert_eq!(empty.body, None);
    }

    #[test]
    fn the_oldest_entries_drop_out_beyond_capacity() {
        let query = Query::default();
        let mut log = RequestLog::default();
        for status in 0..=REQUEST_LOG_CAPACITY {
            let status = u16::try_from(status % 600).unwrap_or(0);
            log.push(RecordedRequest::received(
                &Method::GET,
                "/",
                &query,
                None,
                status,
            ));
        }
        let entries = log.entries();
        assert_eq!(entries.len(), REQUEST_LOG_CAPACITY);
        assert_eq!(entries.first().map(|e| e.status), Some(1));
    }
}
