//! A GitHub simulator for one organization: members with their role, outside
//! collaborators, teams and team members, the organization's audit log (cursor
//! paging by `after`/`before`), the organization's settings, the GitHub App
//! endpoints (`GET /app`, `GET /orgs/{org}/installation`, `POST
//! /app/installations/{id}/access_tokens`, each checking the app JWT: RS256 with
//! the app's key, `iss` = client id or app id, `iat`/`exp` at most ten minutes
//! apart), fine-grained tokens (`Bearer` or `token`), removing a member and
//! converting one to an outside collaborator. Lists page by `page`/`per_page`
//! with `Link` headers; every answer carries `x-ratelimit-*`; an exhausted
//! primary window answers 403 (or 429) with `x-ratelimit-remaining: 0`; an
//! injected secondary limit answers 403 (or 429) with `retry-after`. Error
//! bodies are GitHub's `{message, documentation_url, status}`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use plugboard_sim::github::GithubSimBuilder;
//! let sim = GithubSimBuilder::new().start(([127, 0, 0, 1], 0).into()).await?;
//! println!("{} {} {}", sim.base_url(), sim.org(), sim.summary().members);
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod dataset;
mod limits;
mod router;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;

pub use crate::common::request_log::RecordedRequest;
pub use crate::faults::FaultHandle as GithubFaultHandle;
pub use dataset::GithubSummary;

use crate::authserver::{KeyAlg, TestKey};
use crate::common::request_log::RequestLog;
use crate::common::server::{Server, random_secret};
use crate::lock;
use dataset::{Dataset, Spec, Team, User, generate};
use limits::Primary;

/// The public API origin, written into `Link` headers and resource URLs.
pub const API_ORIGIN: &str = "https://api.github.com";
/// The organization login unless [`GithubSimBuilder::org`] sets another.
pub const DEFAULT_ORG: &str = "acme-corp";
/// The seed unless [`GithubSimBuilder::seed`] sets another.
pub const DEFAULT_SEED: u64 = 0x6174_4875_6202;
/// The app's numeric id.
pub const APP_ID: u64 = 424_242;
/// The app's client id (the JWT's `iss` may be either).
pub const APP_CLIENT_ID: &str = "Iv23liPlugboardSim01";
/// The app's installation on the organization.
pub const INSTALLATION_ID: u64 = 61_234_567;

/// The organization's security settings (`GET /orgs/{org}`, owner view).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSettings {
    /// `two_factor_requirement_enabled`.
    pub two_factor_requirement_enabled: bool,
    /// `default_repository_permission`: read, write, admin or none.
    pub default_repository_permission: String,
    /// `members_can_create_public_repositories`.
    pub members_can_create_public_repositories: bool,
    /// `members_can_invite_outside_collaborators`.
    pub members_can_invite_outside_collaborators: bool,
    /// `web_commit_signoff_required`.
    pub web_commit_signoff_required: bool,
    /// `secret_scanning_push_protection_enabled_for_new_repositories`.
    pub secret_scanning_push_protection_enabled_for_new_repositories: bool,
}

impl Default for OrgSettings {
    /// A typical unhardened organization: no 2FA requirement, members write
    /// everywhere and may create public repositories.
    fn default() -> Self {
        OrgSettings {
            two_factor_requirement_enabled: false,
            default_repository_permission: "write".into(),
            members_can_create_public_repositories: true,
            members_can_invite_outside_collaborators: true,
            web_commit_signoff_required: false,
            secret_scanning_push_protection_enabled_for_new_repositories: true,
        }
    }
}

/// What a client needs to authenticate: a fine-grained token, or the app.
///
/// Plain strings: this is a test simulator and tests hand them to the host.
#[derive(Debug, Clone)]
pub struct GithubCredentials {
    /// The organization login.
    pub org: String,
    /// A fine-grained personal access token for the organization.
    pub token: String,
    /// The app's numeric id.
    pub app_id: String,
    /// The app's client id.
    pub client_id: String,
    /// The installation id on the organization.
    pub installation_id: String,
    /// The app's private key, PKCS#1 PEM as GitHub issues it.
    pub private_key_pem: String,
}

/// Counters tests assert on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GithubCounters {
    /// API requests received (the app endpoints included).
    pub requests: u64,
    /// Installation tokens minted.
    pub tokens_minted: u64,
    /// Answers for an exhausted primary limit (403 or 429, remaining 0).
    pub rate_limited: u64,
    /// Answers for a secondary limit (403 or 429 with `retry-after`).
    pub secondary_limited: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// Primary windows that began (the first one included).
    pub windows: u64,
}

/// Configures a GitHub simulator; [`GithubSimBuilder::start`] runs it.
///
/// Defaults: organization [`DEFAULT_ORG`], seed [`DEFAULT_SEED`], 120 members
/// of whom 4 owners, 9 outside collaborators, 7 teams, 400 audit events over
/// 20 days, settings [`OrgSettings::default`], 5,000 requests per one-hour
/// primary window, throttles answered 403, installation tokens living one hour.
#[derive(Debug, Clone)]
pub struct GithubSimBuilder {
    org: String,
    seed: u64,
    members: usize,
    owners: usize,
    outside_collaborators: usize,
    teams: usize,
    events: usize,
    event_days: u32,
    settings: OrgSettings,
    audit_log: bool,
    rate_limit: u64,
    rate_window: Duration,
    throttle_status: u16,
    token: Option<String>,
}

impl Default for GithubSimBuilder {
    fn default() -> Self {
        GithubSimBuilder {
            org: DEFAULT_ORG.into(),
            seed: DEFAULT_SEED,
            members: 120,
            owners: 4,
            outside_collaborators: 9,
            teams: 7,
            events: 400,
            event_days: 20,
            settings: OrgSettings::default(),
            audit_log: true,
            rate_limit: 5_000,
            rate_window: Duration::from_secs(3_600),
            throttle_status: 403,
            token: None,
        }
    }
}

impl GithubSimBuilder {
    /// A builder with the defaults listed on [`GithubSimBuilder`].
    pub fn new() -> Self {
        Self::default()
    }
    /// The organization login.
    pub fn org(mut self, org: &str) -> Self {
        self.org = org.into();
        self
    }
    /// The dataset seed: the same seed and sizes give the same organization.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// Members, of whom `owners` have the `admin` role.
    pub fn members(mut self, members: usize, owners: usize) -> Self {
        self.members = members;
        self.owners = owners.min(members);
        self
    }
    /// Outside collaborators.
    pub fn outside_collaborators(mut self, n: usize) -> Self {
        self.outside_collaborators = n;
        self
    }
    /// Teams.
    pub fn teams(mut self, n: usize) -> Self {
        self.teams = n;
        self
    }
    /// Audit-log events spread over the last `days` days (at least 1).
    pub fn audit_events(mut self, n: usize, days: u32) -> Self {
        self.events = n;
        self.event_days = days.max(1);
        self
    }
    /// The organization's settings.
    pub fn settings(mut self, settings: OrgSettings) -> Self {
        self.settings = settings;
        self
    }
    /// Whether the organization has the audit log (Enterprise Cloud); without
    /// it `GET /orgs/{org}/audit-log` answers 404. Default true.
    pub fn audit_log(mut self, available: bool) -> Self {
        self.audit_log = available;
        self
    }
    /// The primary limit: `limit` requests per `window` (whole seconds, at
    /// least one), counted from a window's first request.
    pub fn rate_limit(mut self, limit: u64, window: Duration) -> Self {
        self.rate_limit = limit.max(1);
        self.rate_window = window.max(Duration::from_secs(1));
        self
    }
    /// The status of throttled answers: 403 (default) or 429.
    pub fn throttle_status(mut self, status: u16) -> Self {
        self.throttle_status = if status == 429 { 429 } else { 403 };
        self
    }
    /// The fine-grained token accepted (default: a random `github_pat_…`).
    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Binds `addr`, generates the organization and serves it on the current
    /// tokio runtime until [`GithubSim::shutdown`] or drop.
    pub async fn start(self, addr: SocketAddr) -> std::io::Result<GithubSim> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let now_ms = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis(),
        )
        .unwrap_or(0);
        let dataset = generate(Spec {
            seed: self.seed,
            org: &self.org,
            members: self.members,
            owners: self.owners,
            outside_collaborators: self.outside_collaborators,
            teams: self.teams,
            events: self.events,
            event_days: self.event_days,
            now_ms,
        });
        let key = TestKey::generate(KeyAlg::Rs256).map_err(std::io::Error::other)?;
        let token = self
            .token
            .unwrap_or_else(|| format!("github_pat_11A{}", random_secret(70)));
        let state = Arc::new(State {
            org: dataset.org.clone(),
            org_id: dataset.org_id,
            users: Mutex::new(dataset.users.clone()),
            teams: Mutex::new(dataset.teams.clone()),
            dataset,
            settings: self.settings,
            audit_log: self.audit_log,
            token,
            key,
            installation_tokens: Mutex::default(),
            primary: Mutex::new(Primary::new(self.rate_limit, self.rate_window)),
            throttle_status: self.throttle_status,
            counters: Mutex::default(),
            log: Mutex::default(),
            faults: GithubFaultHandle::new(Duration::from_secs(3_600)),
        });
        let app = router::app(Arc::clone(&state));
        let server = Server::spawn(listener, local, app, "github");
        Ok(GithubSim { state, server })
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct State {
    pub org: String,
    pub org_id: u64,
    pub dataset: Dataset,
    /// Current members and outside collaborators (governance changes them).
    pub users: Mutex<Vec<User>>,
    pub teams: Mutex<Vec<Team>>,
    pub settings: OrgSettings,
    pub audit_log: bool,
    pub token: String,
    pub key: TestKey,
    /// Live installation tokens and their expiry (Unix seconds).
    pub installation_tokens: Mutex<Vec<(String, i64)>>,
    pub primary: Mutex<Primary>,
    pub throttle_status: u16,
    pub counters: Mutex<GithubCounters>,
    pub log: Mutex<RequestLog>,
    pub faults: GithubFaultHandle,
}

/// A running GitHub simulator on a loopback socket.
#[derive(Debug)]
pub struct GithubSim {
    state: Arc<State>,
    server: Server,
}

impl GithubSim {
    /// `http://127.0.0.1:PORT`, standing for `https://api.github.com`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }
    /// The socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }
    /// The organization login.
    pub fn org(&self) -> String {
        self.state.org.clone()
    }
    /// The credentials the simulator accepts.
    pub fn credentials(&self) -> GithubCredentials {
        GithubCredentials {
            org: self.state.org.clone(),
            token: self.state.token.clone(),
            app_id: APP_ID.to_string(),
            client_id: APP_CLIENT_ID.into(),
            installation_id: INSTALLATION_ID.to_string(),
            private_key_pem: self
                .state
                .key
                .private_pkcs1_pem()
                .unwrap_or_default()
                .to_owned(),
        }
    }
    /// The app's key (to check it never went over the wire).
    pub fn app_key(&self) -> TestKey {
        self.state.key.clone()
    }
    /// What the organization contains now.
    pub fn summary(&self) -> GithubSummary {
        GithubSummary::of(
            &lock(&self.state.users),
            &lock(&self.state.teams),
            self.state.dataset.events.len(),
        )
    }
    /// Logins of the organization's owners, in order.
    pub fn owners(&self) -> Vec<String> {
        lock(&self.state.users)
            .iter()
            .filter(|u| u.role == Some("admin"))
            .map(|u| u.login.clone())
            .collect()
    }
    /// `admin` or `member` for a member, `outside` for an outside
    /// collaborator, `None` for anyone else.
    pub fn role_of(&self, login: &str) -> Option<&'static str> {
        lock(&self.state.users)
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
            .map(|u| u.role.unwrap_or("outside"))
    }
    /// A member login with the `member` role (for governance tests).
    pub fn a_plain_member(&self) -> Option<String> {
        lock(&self.state.users)
            .iter()
            .find(|u| u.role == Some("member"))
            .map(|u| u.login.clone())
    }
    /// A copy of the counters.
    pub fn counters(&self) -> GithubCounters {
        *lock(&self.state.counters)
    }
    /// Runtime faults: `throttle_next(n)` answers the next `n` API requests with a
    /// secondary limit (`retry-after: 1`); `fail_next(n, status)` with an error.
    pub fn faults(&self) -> GithubFaultHandle {
        self.state.faults.clone()
    }
    /// Someone else spends a fresh primary window just before the next
    /// metered request: that request is refused (403/429, remaining 0) and so
    /// is every other until the window's reset.
    pub fn exhaust_primary(&self) {
        lock(&self.state.primary).exhaust();
    }
    /// Every API request received (the newest 100,000), oldest first.
    pub fn request_log(&self) -> Vec<RecordedRequest> {
        lock(&self.state.log).entries()
    }
    /// Stops serving.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
