//! The simulator's shared state: the immutable dataset plus small locked parts.
//!
//! Locks are std mutexes held for a few statements and never across an `.await`. A
//! poisoned lock is recovered rather than propagated: the simulator must keep answering.

use std::sync::Mutex;

use serde_json::Value;

use super::auth::{OAuthApp, TokenStore};
use super::counters::Counters;
use super::dataset::{Dataset, UserStatus};
use super::paging::PageTokens;
use super::plan::Plan;
use super::ratelimit::RateLimiter;
use super::sim::ZoomCredentials;
use crate::common::request_log::RequestLog;
use crate::faults::FaultHandle;

pub(crate) use crate::lock;

/// The account's security posture objects, as returned by the settings endpoint.
#[derive(Debug, Clone)]
pub(crate) struct PostureSettings {
    /// `GET /accounts/me/settings?option=security` → `{"security": ...}`.
    pub security: Value,
    /// `?option=meeting_security` → `{"meeting_security": ...}`.
    pub meeting_security: Value,
}

/// Everything the request handlers share.
#[derive(Debug)]
pub(crate) struct SimState {
    pub plan: Plan,
    pub credentials: ZoomCredentials,
    pub base_url: String,
    pub dataset: Dataset,
    pub settings: PostureSettings,
    /// Current status of each user, by index; changed by `PUT /users/{id}/status`.
    pub statuses: Mutex<Vec<UserStatus>>,
    pub tokens: Mutex<TokenStore>,
    /// The OAuth app of the consent flow (its own client id and secret).
    pub oauth: Mutex<OAuthApp>,
    pub limiter: Mutex<RateLimiter>,
    pub counters: Mutex<Counters>,
    pub pages: Mutex<PageTokens>,
    pub log: Mutex<RequestLog>,
    pub faults: FaultHandle,
}
