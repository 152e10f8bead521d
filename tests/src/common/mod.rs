//! Building blocks both simulators share: the seeded generator, lenient query decoding,
//! sliding windows, the request log and the server shell.
//!
//! Vendor behaviour (error bodies, paging, id formats, key matching) stays in the
//! simulator modules; these pieces take it as a parameter where they touch it.

pub(crate) mod bearer;
pub(crate) mod body;
pub(crate) mod consent;
pub(crate) mod echo;
pub(crate) mod query;
pub(crate) mod reply;
pub(crate) mod request;
pub(crate) mod request_log;
pub(crate) mod rng;
pub(crate) mod route;
pub(crate) mod server;
pub(crate) mod window;
