//! Host capabilities, one module each. Each owns its policy types, its
//! per-instance state and nothing else; the runtime's host traits call them.

pub mod actions;
pub mod auth;
pub mod config;
pub mod grant;
pub mod http;
pub mod network;
pub mod ratelimit;
pub mod redact;
pub mod secrets;
