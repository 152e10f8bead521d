//! [`AzureSimBuilder`]: configure and start an Azure simulator.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::net::TcpListener;

use super::auth::AdminConsent;
use super::counters::Counters;
use super::dataset::{DatasetSpec, generate};
use super::ratelimit::RateLimiter;
use super::router;
use super::sim::{AzureCredentials, AzureSim};
use super::state::SimState;
use crate::common::request_log::RequestLog;
use crate::common::server::{Server, random_secret};
use crate::faults::FaultHandle as AzureFaultHandle;

/// The tenant id accepted unless [`AzureSimBuilder::credentials`] sets another.
pub const DEFAULT_TENANT_ID: &str = "7d3e4c1a-5b2f-4e8a-9c6d-0f1e2a3b4c5d";
/// The client id accepted unless [`AzureSimBuilder::credentials`] sets another.
pub const DEFAULT_CLIENT_ID: &str = "3f2b8a91-6c4d-4e7f-8a1b-2c3d4e5f6a7b";
/// The seed used unless [`AzureSimBuilder::seed`] sets another.
pub const DEFAULT_SEED: u64 = 0xA20E_2026;
/// Token lifetime unless set: Microsoft's 3,599 s.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3_599);
/// Length of the random client secret generated when none is set.
const GENERATED_SECRET_LEN: usize = 40;

/// Configures an Azure simulator; [`AzureSimBuilder::start`] runs it.
///
/// Defaults ([`AzureSimBuilder::new`]): tenant [`DEFAULT_TENANT_ID`], client
/// [`DEFAULT_CLIENT_ID`] and a random 40-character secret generated at start; tokens
/// live 3,599 s; sign-ins licensed; seed [`DEFAULT_SEED`]; 2,000 activity events
/// across the three enabled subscriptions over 14 days (plus 150 in the disabled one);
/// 400 Graph users; 1,500 sign-ins and 300 directory audits over the last 6 days;
/// 200 events per activity-log page.
#[derive(Debug, Clone)]
pub struct AzureSimBuilder {
    credentials: Option<AzureCredentials>,
    token_lifetime: Duration,
    signins_licensed: bool,
    seed: u64,
    activity_events: usize,
    activity_days: u32,
    users: usize,
    signins: usize,
    directory_audits: usize,
    arm_page_size: usize,
    subscription_refill: f64,
    admin_consent: Option<Vec<String>>,
}

impl Default for AzureSimBuilder {
    fn default() -> Self {
        AzureSimBuilder {
            credentials: None,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            signins_licensed: true,
            seed: DEFAULT_SEED,
            activity_events: 2_000,
            activity_days: 14,
            users: 400,
            signins: 1_500,
            directory_audits: 300,
            arm_page_size: 200,
            subscription_refill: super::ratelimit::SUBSCRIPTION_BUCKET.1,
            admin_consent: None,
        }
    }
}

impl AzureSimBuilder {
    /// A builder with the defaults listed on [`AzureSimBuilder`].
    pub fn new() -> Self {
        Self::default()
    }

    /// The app is not yet consented in the tenant: client credentials fail
    /// (AADSTS700016) until an admin accepts the consent form at
    /// `/{tenant}/v2.0/adminconsent`, which redirects only to these
    /// registered URIs (exactly; a portless `http://127.0.0.1/PATH` matches any
    /// loopback port). Default: consented.
    pub fn admin_consent_required(mut self, redirect_uris: &[&str]) -> Self {
        self.admin_consent = Some(redirect_uris.iter().map(|r| (*r).to_owned()).collect());
        self
    }

    /// The tenant id and app credentials the token endpoint accepts.
    pub fn credentials(mut self, tenant_id: &str, client_id: &str, client_secret: &str) -> Self {
        self.credentials = Some(AzureCredentials {
            tenant_id: tenant_id.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
        });
        self
    }

    /// How long minted tokens live. Default 3,599 s.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Whether the tenant has Entra ID P1/P2; without it `auditLogs/signIns` answers
    /// 403. Default true.
    pub fn signins_licensed(mut self, licensed: bool) -> Self {
        self.signins_licensed = licensed;
        self
    }

    /// The dataset seed: the same seed and sizes give the same tenant.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Activity events across the enabled subscriptions. Default 2,000.
    pub fn activity_events(mut self, n: usize) -> Self {
        self.activity_events = n;
        self
    }

    /// Days of activity history (at least 1). Default 14.
    pub fn activity_days(mut self, days: u32) -> Self {
        self.activity_days = days.max(1);
        self
    }

    /// Graph users. Default 400.
    pub fn users(mut self, n: usize) -> Self {
        self.users = n;
        self
    }

    /// Sign-in records over the last 6 days. Default 1,500.
    pub fn signins(mut self, n: usize) -> Self {
        self.signins = n;
        self
    }

    /// Directory-audit records over the last 6 days. Default 300.
    pub fn directory_audits(mut self, n: usize) -> Self {
        self.directory_audits = n;
        self
    }

    /// Events per activity-log page (at least 1). Default 200.
    pub fn arm_page_size(mut self, n: usize) -> Self {
        self.arm_page_size = n.max(1);
        self
    }

    /// Tokens per second a subscription's ARM read bucket gets back (real
    /// ARM: 25). A test that must see the bucket run dry on a slow, loaded
    /// machine lowers it, so the outcome does not hang on how fast requests go.
    pub fn subscription_refill_per_second(mut self, per_second: f64) -> Self {
        self.subscription_refill = per_second.max(0.001);
        self
    }

    /// Binds `addr` (`127.0.0.1:0` picks a free port), generates the dataset and serves
    /// the APIs on the current tokio runtime until [`AzureSim::shutdown`] or drop.
    pub async fn start(self, addr: SocketAddr) -> std::io::Result<AzureSim> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let now = OffsetDateTime::now_utc();
        let dataset = generate(DatasetSpec {
            seed: self.seed,
            now,
            users: self.users,
            activity_events: self.activity_events,
            activity_days: self.activity_days,
            signins: self.signins,
            directory_audits: self.directory_audits,
        });
        let credentials = self.credentials.unwrap_or_else(|| AzureCredentials {
            tenant_id: DEFAULT_TENANT_ID.to_owned(),
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: random_secret(GENERATED_SECRET_LEN),
        });
        let mut categories = vec![
            "token".to_owned(),
            "arm-tenant".to_owned(),
            "graph".to_owned(),
            "graph-reports".to_owned(),
        ];
        categories.extend(
            dataset
                .subscriptions
                .iter()
                .map(|s| format!("arm-subscription:{}", s.id)),
        );
        let enabled = dataset.users.iter().map(|u| u.initially_enabled).collect();
        let subscriptions = dataset.subscriptions.len();
        let state = Arc::new(SimState {
            credentials,
            dataset,
            signins_licensed: self.signins_licensed,
            arm_page_size: self.arm_page_size,
            enabled: Mutex::new(enabled),
            tokens: Mutex::default(),
            consent: Mutex::new(
                self.admin_consent
                    .map(AdminConsent::required)
                    .unwrap_or_default(),
            ),
            limiter: Mutex::new(RateLimiter::new(
                subscriptions,
                self.subscription_refill,
                Instant::now(),
            )),
            counters: Mutex::new(Counters::new(categories.iter().map(String::as_str))),
            log: Mutex::new(RequestLog::default()),
            faults: AzureFaultHandle::new(self.token_lifetime),
        });
        let app = router::app(Arc::clone(&state));
        let server = Server::spawn(listener, local, app, "azure");
        tracing::debug!(%local, "azure simulator listening");
        Ok(AzureSim { state, server })
    }
}
