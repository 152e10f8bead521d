//! An Azure simulator: the Microsoft identity platform's client-credentials token
//! endpoint, Azure Resource Manager (subscriptions and the activity log) and Microsoft
//! Graph (users, groups, directory roles, sign-ins and directory audits), with Azure's
//! paging, error bodies and throttling, all on one loopback listener.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use plugboard_sim::azure::AzureSimBuilder;
//! let sim = AzureSimBuilder::new()
//!     .start("127.0.0.1:0".parse().map_err(std::io::Error::other)?)
//!     .await?;
//! let creds = sim.credentials();
//! println!("{} {} {}", sim.base_url(), creds.tenant_id, sim.summary().activity_events);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod auth;
mod builder;
mod counters;
mod dataset;
mod error;
mod ratelimit;
mod router;
mod routes;
mod sim;
mod state;

/// The public ARM origin. Like the real service, the simulator writes it into
/// `nextLink`s; clients reach the simulator through an upstream route.
pub const ARM_ORIGIN: &str = "https://management.azure.com";
/// The public Microsoft Graph origin, written into `@odata.nextLink` and `@odata.context`.
pub const GRAPH_ORIGIN: &str = "https://graph.microsoft.com";

pub use crate::common::request_log::RecordedRequest;
pub use crate::common::server::SHUTDOWN_GRACE;
/// Fault injection for the Azure simulator (the shared [`FaultHandle`](crate::zoom::FaultHandle)).
pub use crate::faults::FaultHandle as AzureFaultHandle;
pub use builder::{
    AzureSimBuilder, DEFAULT_CLIENT_ID, DEFAULT_SEED, DEFAULT_TENANT_ID, DEFAULT_TOKEN_LIFETIME,
};
pub use counters::AzureCounterSnapshot;
pub use dataset::AzureSummary;
pub use sim::{AzureCredentials, AzureSim};
