//! The simulator's shared state: the immutable dataset plus small locked parts.
//!
//! Locks are std mutexes held for a few statements and never across an `.await`. A
//! poisoned lock is recovered rather than propagated: the simulator must keep answering.

use std::sync::Mutex;

use super::auth::{AdminConsent, TokenStore};
use super::counters::Counters;
use super::dataset::Dataset;
use super::ratelimit::RateLimiter;
use super::sim::AzureCredentials;
use crate::common::request_log::RequestLog;
use crate::faults::FaultHandle as AzureFaultHandle;

pub(crate) use crate::lock;

/// Everything the request handlers share.
#[derive(Debug)]
pub(crate) struct SimState {
    pub credentials: AzureCredentials,
    pub dataset: Dataset,
    /// Whether the tenant has Entra ID P1/P2 (else sign-ins answer 403).
    pub signins_licensed: bool,
    /// Events per activity-log page.
    pub arm_page_size: usize,
    /// Current `accountEnabled` of each user, by index; changed by `PATCH /users/{id}`.
    pub enabled: Mutex<Vec<bool>>,
    pub tokens: Mutex<TokenStore>,
    /// Whether the app needs (and has) the tenant admin's consent.
    pub consent: Mutex<AdminConsent>,
    pub limiter: Mutex<RateLimiter>,
    pub counters: Mutex<Counters>,
    pub log: Mutex<RequestLog>,
    pub faults: AzureFaultHandle,
}
