//! [`ZoomSim`]: a running simulator and what tests can ask of it.

use std::net::SocketAddr;
use std::sync::Arc;

use super::counters::CounterSnapshot;
use super::dataset::DatasetSummary;
use super::state::{SimState, lock};
use crate::common::request_log::RecordedRequest;
use crate::common::server::Server;
use crate::faults::FaultHandle;

/// The app credentials the simulator accepts at `/oauth/token`.
///
/// The secret is a plain `String`: this is a test simulator, and tests need to hand it
/// to the host under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoomCredentials {
    /// The Zoom account id (`account_id` query parameter).
    pub account_id: String,
    /// The app's client id (HTTP Basic user).
    pub client_id: String,
    /// The app's client secret (HTTP Basic password).
    pub client_secret: String,
}

/// The OAuth app of the consent flow ("Connect Zoom"): a client of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoomOAuthApp {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret (HTTP Basic password at `/oauth/token`).
    pub client_secret: String,
    /// Registered redirect URIs.
    pub redirect_uris: Vec<String>,
}

/// A running Zoom simulator on a loopback socket.
#[derive(Debug)]
pub struct ZoomSim {
    pub(crate) state: Arc<SimState>,
    pub(crate) server: Server,
}

impl ZoomSim {
    /// `http://127.0.0.1:PORT`: serves the token endpoint `/oauth/token` and the API
    /// under `/v2/...`. Tokens carry this as their `api_url`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The socket address the simulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The credentials the token endpoint accepts.
    pub fn credentials(&self) -> ZoomCredentials {
        self.state.credentials.clone()
    }

    /// The OAuth app of the consent flow (authorize at `/oauth/authorize`).
    pub fn oauth_app(&self) -> ZoomOAuthApp {
        let app = lock(&self.state.oauth);
        ZoomOAuthApp {
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            redirect_uris: app.redirect_uris.clone(),
        }
    }

    /// Revokes the OAuth app's live refresh tokens (an admin removed the app):
    /// their next use gets `invalid_grant`. Returns how many were live.
    pub fn revoke_refresh_tokens(&self) -> usize {
        lock(&self.state.oauth).revoke_all()
    }

    /// Whether `token` is the OAuth app's live refresh token (rotated,
    /// superseded and revoked ones are not).
    pub fn refresh_token_is_live(&self, token: &str) -> bool {
        lock(&self.state.oauth).is_live(token)
    }

    /// What the account contains, with current user statuses.
    pub fn summary(&self) -> DatasetSummary {
        let statuses = lock(&self.state.statuses);
        DatasetSummary::of(&self.state.dataset, &statuses)
    }

    /// A copy of the request and answer counters.
    pub fn counters(&self) -> CounterSnapshot {
        lock(&self.state.counters).snapshot()
    }

    /// Runtime fault injection.
    pub fn faults(&self) -> FaultHandle {
        self.state.faults.clone()
    }

    /// A user's current status (`active`, `inactive` or `pending`), by id or email.
    pub fn user_status(&self, user_id: &str) -> Option<String> {
        let index = self.state.dataset.find_user(user_id)?;
        let statuses = lock(&self.state.statuses);
        statuses.get(index).map(|s| s.as_str().to_owned())
    }

    /// Every API request received under `/v2` (the newest 100,000), oldest first.
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
