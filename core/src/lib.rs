//! Plugboard's core: the domain model every part of the host speaks, the
//! [`Blame`] taxonomy, encrypted secrets and the embedded SQLite store.
//!
//! Nothing here knows about WebAssembly or any particular app: the host's
//! runtime converts plugin output into [`model`] types, and the store persists
//! them.

pub mod blame;
pub mod model;
pub mod secrets;
pub mod store;
pub mod text;

pub use blame::Blame;
