//! The OAuth token broker: mints, caches and renews bearer tokens for a
//! plugin's auth profiles.
//!
//! Threat: a plugin that saw a token or client secret could exfiltrate it or
//! use it outside its grant. Decision: tokens are minted by the host with the
//! instance's secrets, held in memory only, injected on requests to the
//! profile's audience, and never handed to the plugin, logged or stored.

mod broker;
pub mod connections;
pub mod consent;
pub mod grant;
mod mint;

pub use broker::{AuthError, MintGate, Token, TokenBroker};
pub use connections::{Connections, Stored};
