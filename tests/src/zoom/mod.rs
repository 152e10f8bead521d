//! A Zoom API simulator: Server-to-Server OAuth, the OAuth app's consent flow
//! (authorization code with PKCE, rotating refresh tokens), users, groups, roles, account settings
//! and the sign-in/sign-out and operation-log reports, with Zoom's paging, error bodies
//! and per-plan rate limits.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use plugboard_sim::zoom::{Plan, ZoomSimBuilder};
//! let sim = ZoomSimBuilder::new()
//!     .plan(Plan::Pro)
//!     .start("127.0.0.1:0".parse().map_err(std::io::Error::other)?)
//!     .await?;
//! let creds = sim.credentials();
//! println!("{} {} {}", sim.base_url(), creds.client_id, sim.summary().users);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod auth;
mod builder;
mod counters;
mod dataset;
mod error;
mod paging;
pub mod posture;
mod ratelimit;
mod router;
mod routes;
mod sim;
mod state;

pub use crate::common::request_log::RecordedRequest;
pub use crate::common::server::SHUTDOWN_GRACE;
pub use crate::faults::FaultHandle;
pub use auth::CODE_LIFETIME;
pub use builder::{
    DEFAULT_ACCOUNT_ID, DEFAULT_CLIENT_ID, DEFAULT_OAUTH_CLIENT_ID, DEFAULT_REDIRECT_URI,
    DEFAULT_SEED, DEFAULT_TOKEN_LIFETIME, ZoomSimBuilder,
};
pub use counters::CounterSnapshot;
pub use dataset::DatasetSummary;
pub use plan::{Category, DailyBucket, DailyLimit, Plan, RateLimit, UnknownPlan};
pub use sim::{ZoomCredentials, ZoomOAuthApp, ZoomSim};

mod plan;
