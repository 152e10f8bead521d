//! The consent flow behind the API: `POST /v1/instances/{id}/connect`
//! answers the authorize URL for a redirect URI on this daemon
//! (`{base}/v1/connect/callback`); the admin's browser brings the callback
//! there, the daemon judges it against the consent it started (by `state`),
//! exchanges the code and keeps the refresh token sealed. A consent not
//! finished within [`CONNECT_TTL`] is forgotten.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{DaemonError, Shared};
use crate::capabilities::auth::AuthError;
use crate::instance::InstanceError;
use crate::instance::connect::{Pending, begin, finish};

/// How long a started consent waits for its callback.
pub const CONNECT_TTL: Duration = Duration::from_secs(600);
/// Consents in progress kept at most (the oldest are forgotten first).
const MAX_PENDING: usize = 256;
/// The callback's path on the daemon's listener.
pub const CALLBACK_PATH: &str = "/v1/connect/callback";

/// Consents in progress, by `state`.
#[derive(Default)]
pub struct Connects(Mutex<HashMap<String, (Instant, Pending)>>);

/// What `POST /v1/instances/{id}/connect` answers.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectStarted {
    /// The instance.
    pub instance: String,
    /// The consent-flow profile.
    pub profile: String,
    /// The URL the admin opens.
    pub authorize_url: String,
    /// Where the authorization server sends the browser back.
    pub redirect_uri: String,
    /// Seconds the daemon waits for the callback.
    pub expires_in: u64,
}

impl Connects {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Pending)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn keep(&self, pending: Pending) {
        let mut map = self.lock();
        let now = Instant::now();
        map.retain(|_, (started, _)| now.duration_since(*started) < CONNECT_TTL);
        while map.len() >= MAX_PENDING {
            let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (started, _))| *started)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            map.remove(&oldest);
        }
        map.insert(pending.state().to_string(), (now, pending));
    }

    fn take(&self, state: &str) -> Option<Pending> {
        let (started, pending) = self.lock().remove(state)?;
        (started.elapsed() < CONNECT_TTL).then_some(pending)
    }
}

impl Shared {
    /// Start connecting instance `id` (profile `profile`, or its only one):
    /// the authorize URL for the callback on `base` (`http://host:port` as
    /// the admin's browser reaches this daemon).
    pub async fn begin_connect(
        &self,
        id: &str,
        profile: Option<&str>,
        base: &str,
    ) -> Result<ConnectStarted, DaemonError> {
        let row = self.instance_row(id)?;
        let plugin = self
            .plugins
            .current(&self.home, &self.store, &self.runtime, &row.plugin_id)
            .await?;
        let ctx = self.fresh_context(&plugin, &row)?;
        let redirect_uri = format!("{}{CALLBACK_PATH}", base.trim_end_matches('/'));
        let pending = begin(ctx, profile, &redirect_uri)?;
        let started = ConnectStarted {
            instance: pending.instance.clone(),
            profile: pending.profile.clone(),
            authorize_url: pending.authorize_url().to_string(),
            redirect_uri,
            expires_in: CONNECT_TTL.as_secs(),
        };
        self.connects.keep(pending);
        Ok(started)
    }

    /// Finish the consent the callback's `query` names by its `state`;
    /// returns the instance connected.
    pub async fn finish_connect(&self, query: &str) -> Result<String, DaemonError> {
        let state = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let Some(pending) = self.connects.take(&state) else {
            return Err(InstanceError::Auth(AuthError::StateMismatch {
                profile: "(no consent in progress)".into(),
            })
            .into());
        };
        let instance = pending.instance.clone();
        finish(pending, query, &self.store, &self.key).await?;
        Ok(instance)
    }
}
