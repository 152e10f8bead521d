//! # plugboard-sdk
//!
//! Everything a Rust author needs to write a [Plugboard] connector plugin: the
//! generated bindings for the `plugboard:connector@0.2.0` WIT world, the
//! [`Connector`] trait a plugin implements, the [`export_connector!`] macro
//! that exports it, and small helpers around the host imports
//! ([`http`], [`config`], [`log`], [`clock`]) plus pure ones
//! ([`url`], [`time`], [`json`], [`cursor`]) that also run in native tests.
//!
//! A plugin crate depends on `plugboard-sdk` only (plus `serde` if it parses
//! JSON), is built as a `cdylib` for `wasm32-wasip2`, and looks like this:
//!
//! ```no_run
//! use plugboard_sdk::{
//!     Ability, Action, AccountInfo, Connector, Error, Finding, Info, Outcome, Page,
//! };
//!
//! struct Hello;
//!
//! impl Connector for Hello {
//!     fn describe() -> Info {
//!         Info {
//!             id: "hello".into(),
//!             version: env!("CARGO_PKG_VERSION").into(),
//!             app: "Hello".into(),
//!             abilities: vec![Ability::AccountInfo],
//!             streams: vec![],
//!             actions: vec![],
//!         }
//!     }
//!     fn check() -> Result<AccountInfo, Error> {
//!         let id = plugboard_sdk::config::require("tenant")?;
//!         let me: serde_json::Value = plugboard_sdk::http::get_json("https://api.example.com/me")?;
//!         Ok(AccountInfo { id, name: None, plan: None, owner: None, raw: me.to_string() })
//!     }
//!     fn sync(stream: String, _cursor: Option<String>) -> Result<Page, Error> {
//!         Err(Error::config(format!("unknown stream `{stream}`")))
//!     }
//!     fn assess() -> Result<Vec<Finding>, Error> {
//!         Ok(vec![])
//!     }
//!     fn act(action: Action) -> Result<Outcome, Error> {
//!         Err(Error::config(format!("unknown action `{}`", action.name)))
//!     }
//! }
//!
//! plugboard_sdk::export_connector!(Hello);
//! ```
//!
//! The host owns the network, credentials and rate limits: a plugin never
//! handles tokens, never sleeps and never retries a 429 itself. `sync` returns
//! one page per call; the host drives the loop and stores each page together
//! with its cursor.
//!
//! [Plugboard]: https://example.invalid/plugboard
#![warn(missing_docs)] // the SDK is the vendors' API: every public item is documented

// Lets the generated code name this crate as `plugboard_sdk`, the path the
// exported macro uses in plugin crates.
extern crate self as plugboard_sdk;

pub mod action;
pub mod bindings;
pub mod clock;
pub mod config;
pub mod cursor;
mod error;
pub mod http;
pub mod json;
pub mod log;
pub mod stream;
pub mod time;
pub mod url;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The runtime support the generated bindings and export macro refer to.
#[doc(hidden)]
pub use wit_bindgen::rt as __rt;

/// The trait a connector implements: `describe`, `check`, `sync`, `assess` and
/// `act`, as declared by the `connector` world. Export an implementation with
/// [`export_connector!`].
pub use bindings::Guest as Connector;

/// Exports a type implementing [`Connector`] as the plugin's component exports:
/// `plugboard_sdk::export_connector!(MyConnector);`
pub use bindings::export_connector;

pub use bindings::plugboard::connector::types::{
    Ability, Account, AccountInfo, AccountStatus, Action, Activity, Error, ErrorKind, Finding,
    FindingStatus, Group, GroupMember, Info, Outcome, Page, Record, RoleAssignment, Severity,
    StreamInfo, StreamKind,
};
