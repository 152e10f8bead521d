//! Plugboard host: loads sandboxed connector plugins (WebAssembly components),
//! gives them narrow capabilities, drives their syncs and stores the results.

pub mod daemon;
pub mod governance;
pub mod home;
pub mod host;
pub mod instance;
pub mod registry;
pub mod scan;
pub mod telemetry;

// The sandbox, under the paths the host has always used.
pub use plugboard_runtime::{capabilities, limits, manifest, private_files, runtime};
