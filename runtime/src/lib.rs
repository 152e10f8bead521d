//! Plugboard's sandbox: loads untrusted connector plugins (WebAssembly
//! components) and gives them narrow capabilities.
//!
//! The engine, the component cache, the bindings per contract version, the
//! host capabilities and the plugin manifest live here; nothing here knows
//! the CLI, the daemon, the home's layout or the store. `plugboard-host`
//! composes this crate with those.

pub mod capabilities;
pub mod limits;
pub mod manifest;
pub mod private_files;
pub mod runtime;
pub mod section;
