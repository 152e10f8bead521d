//! [`ZoomSimBuilder`]: configure and start a Zoom simulator.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;
use tokio::net::TcpListener;

use super::auth::{OAuthApp, TokenStore};
use super::counters::Counters;
use super::dataset::{DatasetSpec, generate};
use super::paging::PageTokens;
use super::plan::Plan;
use super::posture;
use super::ratelimit::RateLimiter;
use super::router;
use super::sim::{ZoomCredentials, ZoomOAuthApp, ZoomSim};
use super::state::{PostureSettings, SimState};
use crate::common::request_log::RequestLog;
use crate::common::server::{Server, random_secret};
use crate::faults::FaultHandle;

/// The account id accepted unless [`ZoomSimBuilder::credentials`] sets another.
pub const DEFAULT_ACCOUNT_ID: &str = "sim-account";
/// The client id accepted unless [`ZoomSimBuilder::credentials`] sets another.
pub const DEFAULT_CLIENT_ID: &str = "sim-client-id";
/// The seed used unless [`ZoomSimBuilder::seed`] sets another.
pub const DEFAULT_SEED: u64 = 0x5EED_2026;
/// The OAuth app's client id (the consent flow) unless
/// [`ZoomSimBuilder::oauth_app`] sets another.
pub const DEFAULT_OAUTH_CLIENT_ID: &str = "sim-oauth-client-id";
/// The OAuth app's registered redirect URI unless set: loopback on any port
/// (see [`ZoomSimBuilder::oauth_app`]).
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1/callback";
/// Token lifetime unless set: Zoom's one hour.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3_600);
/// Length of the random client secret generated when none is set.
const GENERATED_SECRET_LEN: usize = 32;

/// Configures a Zoom simulator; [`ZoomSimBuilder::start`] runs it.
///
/// Defaults ([`ZoomSimBuilder::new`]): plan Pro; tokens live 3,600 s; account id
/// `sim-account`, client id `sim-client-id` and a random 32-character secret generated
/// at start; 1,000 active, 200 inactive and 50 pending users; 30 days of audit history
/// (200 sign events and 10 operation logs per day); seed [`DEFAULT_SEED`]; the posture
/// settings of [`posture`](super::posture) (MFA for all, 15-minute web session timeout,
/// end-to-end encryption off).
#[derive(Debug, Clone)]
pub struct ZoomSimBuilder {
    plan: Plan,
    token_lifetime: Duration,
    credentials: Option<ZoomCredentials>,
    active: usize,
    inactive: usize,
    pending: usize,
    activity_days: u32,
    seed: u64,
    security: Option<Value>,
    meeting_security: Option<Value>,
    oauth_app: Option<ZoomOAuthApp>,
}

impl Default for ZoomSimBuilder {
    fn default() -> Self {
        ZoomSimBuilder {
            plan: Plan::Pro,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            credentials: None,
            active: 1_000,
            inactive: 200,
            pending: 50,
            activity_days: 30,
            seed: DEFAULT_SEED,
            security: None,
            meeting_security: None,
            oauth_app: None,
        }
    }
}

impl ZoomSimBuilder {
    /// A builder with the defaults listed on [`ZoomSimBuilder`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The account's plan (rate limits; Free refuses paid-only APIs). Default Pro.
    pub fn plan(mut self, plan: Plan) -> Self {
        self.plan = plan;
        self
    }

    /// How long minted tokens live. Default 3,600 s.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The credentials `/oauth/token` accepts.
    pub fn credentials(mut self, account_id: &str, client_id: &str, client_secret: &str) -> Self {
        self.credentials = Some(ZoomCredentials {
            account_id: account_id.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
        });
        self
    }

    /// The OAuth app of the consent flow: its client id and secret and its
    /// registered redirect URIs (matched exactly; a registered
    /// `http://127.0.0.1/PATH` without a port matches that path on any
    /// loopback port). Default: client id [`DEFAULT_OAUTH_CLIENT_ID`], a random
    /// secret, redirect URI [`DEFAULT_REDIRECT_URI`].
    pub fn oauth_app(
        mut self,
        client_id: &str,
        client_secret: &str,
        redirect_uris: &[&str],
    ) -> Self {
        self.oauth_app = Some(ZoomOAuthApp {
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            redirect_uris: redirect_uris.iter().map(|r| (*r).to_owned()).collect(),
        });
        self
    }

    /// How many users of each status the account has. Default 1,000 / 200 / 50.
    pub fn users(mut self, active: usize, inactive: usize, pending: usize) -> Self {
        self.active = active;
        self.inactive = inactive;
        self.pending = pending;
        self
    }

    /// Days of audit history before start (200 sign events and 10 operation logs per
    /// day; at most 183 days are generated). Default 30.
    pub fn activity_days(mut self, days: u32) -> Self {
        self.activity_days = days;
        self
    }

    /// The dataset seed: the same seed and sizes give the same users and groups.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Replaces the `security` settings object.
    pub fn security_settings(mut self, security: Value) -> Self {
        self.security = Some(security);
        self
    }

    /// Replaces the `meeting_security` settings object.
    pub fn meeting_security_settings(mut self, meeting_security: Value) -> Self {
        self.meeting_security = Some(meeting_security);
        self
    }

    /// Binds `addr` (`127.0.0.1:0` picks a free port), generates the dataset and serves
    /// the API on the current tokio runtime until [`ZoomSim::shutdown`] or drop.
    pub async fn start(self, addr: SocketAddr) -> std::io::Result<ZoomSim> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let now = OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let dataset = generate(DatasetSpec {
            active: self.active,
            inactive: self.inactive,
            pending: self.pending,
            activity_days: self.activity_days,
            seed: self.seed,
            now,
        });
        let statuses = dataset.users.iter().map(|u| u.initial_status).collect();
        let credentials = self.credentials.unwrap_or_else(|| ZoomCredentials {
            account_id: DEFAULT_ACCOUNT_ID.to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: random_secret(GENERATED_SECRET_LEN),
        });
        let oauth_app = self.oauth_app.unwrap_or_else(|| ZoomOAuthApp {
            client_id: DEFAULT_OAUTH_CLIENT_ID.to_owned(),
            client_secret: random_secret(GENERATED_SECRET_LEN),
            redirect_uris: vec![DEFAULT_REDIRECT_URI.to_owned()],
        });
        let state = Arc::new(SimState {
            plan: self.plan,
            credentials,
            base_url: format!("http://{local}"),
            dataset,
            settings: PostureSettings {
                security: self.security.unwrap_or_else(posture::default_security),
                meeting_security: self
                    .meeting_security
                    .unwrap_or_else(posture::default_meeting_security),
            },
            statuses: Mutex::new(statuses),
            tokens: Mutex::new(TokenStore::default()),
            oauth: Mutex::new(OAuthApp::new(
                oauth_app.client_id,
                oauth_app.client_secret,
                oauth_app.redirect_uris,
            )),
            limiter: Mutex::new(RateLimiter::new(self.plan)),
            counters: Mutex::new(Counters::default()),
            pages: Mutex::new(PageTokens::default()),
            log: Mutex::new(RequestLog::default()),
            faults: FaultHandle::new(self.token_lifetime),
        });
        let app = router::app(Arc::clone(&state));
        let server = Server::spawn(listener, local, app, "zoom");
        tracing::debug!(%local, plan = %self.plan, "zoom simulator listening");
        Ok(ZoomSim { state, server })
    }
}
