//! Plugboard connector for Zoom (WASI p2 component).
//!
//! Reads users, groups, admin roles, sign-in/out and admin operation logs and
//! security settings from `https://api.zoom.us/v2`, and suspends or
//! reactivates users. The host injects the Server-to-Server OAuth token, paces
//! requests by rate bucket and retries 429s, so this crate never sees a token
//! and never sleeps.
//!
//! Each stream is declared with the SDK's [`plugboard_sdk::stream`]: a
//! request template, a record path, a paginator, partitions or date windows,
//! and a mapping from Zoom's JSON to the contract's records. The network is a
//! [`Transport`](plugboard_sdk::stream::Transport), so everything runs natively
//! in tests and benches; only [`ZoomConnector`] touches the host imports.

pub mod client;
mod connector;
pub use plugboard_sdk::cursor;
pub mod governance;
pub mod groups;
pub mod posture;
pub mod reports;
pub mod roles;
pub mod settings;
pub mod streams;
pub mod users;

pub use connector::ZoomConnector;
pub use reports::{parse_activities_page, parse_operation_logs_page};
pub use users::parse_users_page;

/// Fetches one URL and returns the 2xx body: the host in the component, a
/// fixture in tests.
pub type Fetch<'a> = &'a mut dyn FnMut(&str) -> Result<Vec<u8>, plugboard_sdk::Error>;

plugboard_sdk::export_connector!(ZoomConnector);
