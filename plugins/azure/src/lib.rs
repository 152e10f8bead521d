//! Plugboard connector for Azure (WASI p2 component).
//!
//! Reads the Azure Resource Manager activity log of every readable
//! subscription, and Entra ID users, groups, activated directory roles,
//! sign-ins and directory audits from Microsoft Graph; disables and re-enables
//! users. The host mints one client-credentials token per resource (ARM and
//! Graph), injects it by URL, paces requests by rate bucket and retries 429s,
//! so this crate never sees a token and never sleeps.
//!
//! Each stream is declared with the SDK's [`plugboard_sdk::stream`]: a
//! request template, a record path, a paginator, partitions or date windows,
//! and a mapping from Azure's JSON to the contract's records. The network is a
//! [`Transport`](plugboard_sdk::stream::Transport), so everything runs natively
//! in tests; only [`AzureConnector`] touches the host imports.

pub mod activity_log;
pub mod arm_events;
pub mod client;
mod connector;
pub use plugboard_sdk::cursor;
pub mod governance;
pub mod graph_logs;
pub mod groups;
pub mod posture;
pub mod roles;
pub mod settings;
pub mod streams;
pub mod subscriptions;
pub mod users;

pub use activity_log::parse_events_page;
pub use connector::AzureConnector;
pub use graph_logs::{parse_audits_page, parse_signins_page};
pub use subscriptions::parse_subscriptions_page;
pub use users::parse_users_page;

/// Fetches one URL with GET and returns the 2xx body: the host in the
/// component, a fixture in tests.
pub type Fetch<'a> = &'a mut dyn FnMut(&str) -> Result<Vec<u8>, plugboard_sdk::Error>;

plugboard_sdk::export_connector!(AzureConnector);
