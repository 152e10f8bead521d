//! Plugboard host: loads sandboxed connector plugins (WebAssembly components),
//! gives them narrow capabilities, drives their syncs and stores the results.

pub mod capabilities;
pub mod cli;
pub mod daemon;
pub mod governance;
pub mod home;
pub mod instance;
pub mod limits;
pub mod manifest;
pub mod private_files;
pub mod registry;
pub mod runtime;
pub mod scan;
