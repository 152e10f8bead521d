//! Upstream simulators for Plugboard's tests, demo and `plugboard sim` command.
//!
//! Simulators are not mocks: each one speaks real HTTP on a loopback socket, follows
//! the documented behaviour in `shared/api-facts/` (auth, paging, rate limits, error
//! bodies) and keeps counters that tests assert on.
//!
//! - [`zoom`]: the Zoom API (Server-to-Server OAuth, users, groups, roles, account
//!   settings, sign-in/out and operation-log reports).
//! - `spec` (cargo feature `spec`): checks requests and responses against the official
//!   OpenAPI descriptions in `shared/api-specs/`.

pub mod azure;
pub mod zoom;

#[cfg(feature = "spec")]
pub mod spec;
