//! [`AzureSim`]: a running simulator and what tests can ask of it.

use std::net::SocketAddr;
use std::sync::Arc;

use super::counters::AzureCounterSnapshot;
use super::dataset::AzureSummary;
use super::state::{SimState, lock};
use crate::common::request_log::RecordedRequest;
use crate::common::server::Server;
use crate::faults::FaultHandle as AzureFaultHandle;

/// The app registration the token endpoint accepts.
///
/// The secret is a plain `String`: this is a test simulator, and tests need to hand it
/// to the host under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureCredentials {
    /// Directory (tenant) id: the token endpoint's first path segment.
    pub tenant_id: String,
    /// Application (client) id.
    pub client_id: String,
    /// Client secret value.
    pub client_secret: String,
}

/// A running Azure simulator on a loopback socket.
#[derive(Debug)]
pub struct AzureSim {
    pub(crate) state: Arc<SimState>,
    pub(crate) server: Server,
}

impl AzureSim {
    /// `http://127.0.0.1:PORT`: one listener serves the token endpoint
    /// (`/{tenant}/oauth2/v2.0/token`, the login host), ARM (`/subscriptions...`) and
    /// Graph (`/v1.0/...`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The socket address the simulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The credentials the token endpoint accepts.
    pub fn credentials(&self) -> AzureCredentials {
        self.state.credentials.clone()
    }

    /// Whether the tenant's admin has consented to the app (always true
    /// unless built with `admin_consent_required`).
    pub fn admin_consented(&self) -> bool {
        lock(&self.state.consent).allows_tokens()
    }

    /// What the tenant contains.
    pub fn summary(&self) -> AzureSummary {
        AzureSummary::of(&self.state.dataset)
    }

    /// A copy of the request and answer counters.
    pub fn counters(&self) -> AzureCounterSnapshot {
        lock(&self.state.counters).snapshot()
    }

    /// Runtime fault injection.
    pub fn faults(&self) -> AzureFaultHandle {
        self.state.faults.clone()
    }

    /// A Graph user's current `accountEnabled`, by object id or user principal name.
    pub fn user_enabled(&self, user_id: &str) -> Option<bool> {
        let index = self.state.dataset.find_user(user_id)?;
        lock(&self.state.enabled).get(index).copied()
    }

    /// Every ARM and Graph request received (the newest 100,000), oldest first.
    /// Token-endpoint requests are not logged.
    pub fn request_log(&self) -> Vec<RecordedRequest> {
        lock(&self.state.log).entries()
    }

    /// Stops accepting connections and lets in-flight requests finish, waiting at most
    /// [`SHUTDOWN_GRACE`](super::SHUTDOWN_GRACE) before cutting the
    /// remaining connections.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
