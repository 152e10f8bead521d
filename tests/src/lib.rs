//! Upstream simulators for Plugboard's tests, demo and `plugboard sim` command.
//!
//! Simulators are not mocks: each one speaks real HTTP on a loopback socket, follows
//! the documented behaviour in `shared/api-facts/` (auth, paging, rate limits, error
//! bodies) and keeps counters that tests assert on.
//!
//! - [`authserver`]: a generic OAuth authorization server and API for the host's
//!   brokered auth profiles (client secrets, `private_key_jwt`, the JWT-bearer grant,
//!   GitHub App installation tokens, static API keys).
//! - [`github`]: the GitHub REST API for one organization (members, outside
//!   collaborators, teams, the audit log, settings, GitHub App and fine-grained tokens).
//! - [`zoom`]: the Zoom API (Server-to-Server OAuth, users, groups, roles, account
//!   settings, sign-in/out and operation-log reports).
//! - `spec` (cargo feature `spec`): checks requests and responses against the official
//!   OpenAPI descriptions in `shared/api-specs/`.

pub mod authserver;
pub mod azure;
pub mod browser;
mod common;
mod faults;
pub mod github;
pub mod zoom;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Lock a simulator mutex; a panicked holder cannot wedge the simulator.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(feature = "spec")]
pub mod spec;
