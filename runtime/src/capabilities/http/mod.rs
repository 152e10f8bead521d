//! The plugin's only network path.
//!
//! Threat: an untrusted plugin could reach hosts it was not granted (including
//! through redirects), smuggle its own credentials onto a brokered audience,
//! hammer an upstream past its rate limits, or exhaust the host with huge
//! bodies. Decision: every request and every redirect hop is checked against
//! the egress grant as the plugin sees it (the real origin); tokens are
//! injected by the host; requests are paced per bucket and 429/401 are handled
//! here; bodies are capped. Operator routes send a real origin to another base
//! URL (a simulator or proxy) without the plugin knowing. Every address a
//! request reaches is judged by the network policy ([`super::network`]), which
//! http shares with the token requests of the auth capability.

pub mod cassette;
mod client;
mod hop;
mod judge;
mod path;
mod policy;
mod retry;
pub mod sections;
mod tracker;

pub use client::{HttpCapability, HttpStats, HttpStatsSnapshot, MAX_REDIRECTS, MAX_RESPONSE_BYTES};
pub use judge::{
    DenyReason, Prepared, Refusal, SecretBinding, judge, judge_address, judge_redirect,
};
pub use path::path_trick;
pub use policy::{FORBIDDEN_HEADERS, check_headers};
pub use retry::{Answer, MAX_ATTEMPTS, Next, after_answer};
pub use sections::Sections;
pub use tracker::{CallHttpCounts, CallHttpState, UpstreamTimeout, Waiting};

use crate::capabilities::network::section::Method;

/// A header whose value is an instance secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHeader {
    /// Header name.
    pub name: String,
    /// Secret field name.
    pub secret: String,
    /// Text before the value.
    pub prefix: String,
}

/// A request as the plugin asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundRequest {
    pub method: Method,
    /// Absolute URL in the plugin's view.
    pub url: String,
    /// Plain headers.
    pub headers: Vec<(String, String)>,
    /// Secret-valued headers.
    pub secret_headers: Vec<SecretHeader>,
    pub body: Option<Vec<u8>>,
}

/// An upstream response handed back to the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundResponse {
    /// Status code.
    pub status: u16,
    /// Headers (minus `set-cookie`).
    pub headers: Vec<(String, String)>,
    /// Body, at most [`MAX_RESPONSE_BYTES`].
    pub body: Vec<u8>,
    /// The URL that answered, after redirects, in the plugin's view.
    pub url: String,
}

/// Why no response was delivered; mirrors the contract's `http-error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// Outside the egress grant.
    #[error("denied: {0}")]
    Denied(String),
    /// No answer within the per-request timeout.
    #[error("the upstream did not answer in time")]
    Timeout,
    /// Transport failure.
    #[error("network: {0}")]
    Network(String),
    /// Body over the cap.
    #[error("the response body exceeded {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    /// Throttled past the retry budget.
    #[error("rate limited: {0}")]
    RateLimited(String),
    /// No token could be obtained.
    #[error("auth: {0}")]
    Auth(String),
    /// Malformed request.
    #[error("invalid request: {0}")]
    Invalid(String),
}
