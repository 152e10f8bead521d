//! Host capabilities, one module each. Each owns its manifest section (types
//! and parser in `section.rs`), its approval unit (`grant.rs`), its policy
//! types and its per-instance state; the aggregate `manifest` calls the
//! parsers and the runtime's host traits call the rest. None reads the
//! aggregate manifest.

pub mod actions;
pub mod auth;
pub mod clock;
pub mod config;
pub mod grant;
pub mod http;
pub mod limits;
pub mod log;
pub mod network;
pub mod ratelimit;
pub mod redact;
pub mod secrets;
