//! [`ApiRequest`]: the parts of an API request a simulator's pipeline reads.

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};

use super::query::Query;

/// An API request whose body has been read in full.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ApiRequest<'a> {
    /// The HTTP method.
    pub method: &'a Method,
    /// The raw (percent-encoded) path.
    pub path: &'a str,
    /// The decoded query.
    pub query: &'a Query,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The whole body.
    pub body: &'a [u8],
}

impl<'a> ApiRequest<'a> {
    /// The request of `parts`, with its already decoded `query` and read `body`.
    pub fn of(parts: &'a Parts, query: &'a Query, body: &'a [u8]) -> Self {
        ApiRequest {
            method: &parts.method,
            path: parts.uri.path(),
            query,
            headers: &parts.headers,
            body,
        }
    }
}
