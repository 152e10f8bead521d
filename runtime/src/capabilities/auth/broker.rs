//! Token cache with single-flight minting and renewal before expiry.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use plugboard_core::Blame;
use plugboard_core::secrets::SecretValue;
use tokio::sync::Mutex;
use tracing::Instrument as _;

use super::connections::{Connections, Stored};
use super::mint::mint;
use super::section::{AuthKind, AuthProfile};
use crate::capabilities::network::Upstreams;
use crate::capabilities::redact::Redactor;
use crate::capabilities::secrets::SecretBag;

/// Renew a token once less than this fraction of its lifetime is left.
const RENEW_FRACTION: f64 = 0.1;
/// ... but never with less than this left (a request may take this long).
const RENEW_MARGIN_MIN: Duration = Duration::from_secs(1);
/// Most tokens remembered for scrubbing (an upstream may echo a token the
/// plugin then quotes). Each is remembered until it expires; this bound only
/// caps memory if a plugin forces re-mints (each 401 is one, and paced).
const TOKENS_REMEMBERED: usize = 1024;
/// How long a refresh token the broker read or received is scrubbed from
/// plugin output (past any process's life).
const REFRESH_REMEMBERED: Duration = Duration::from_secs(400 * 86_400);

/// Until when a refresh token read or received now is scrubbed.
fn remembered_until() -> Instant {
    let now = Instant::now();
    now.checked_add(REFRESH_REMEMBERED).unwrap_or(now)
}

/// Why the broker has no token.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// The instance lacks a secret or config value the profile needs.
    #[error("auth profile `{profile}` needs {what}; set it on the instance")]
    MissingInput {
        /// Profile name.
        profile: String,
        /// What is missing.
        what: String,
    },
    /// A private key the profile signs with is not one (wrong format or
    /// algorithm). Names where it comes from, never its value.
    #[error(
        "the private key of auth profile `{profile}` in {from} {expected}; set it to the PEM the app's console issued (`plugboard instance set`)"
    )]
    BadKey {
        /// Profile name.
        profile: String,
        /// Where it comes from: secret `NAME`.
        from: String,
        /// What it should be.
        expected: String,
    },
    /// The token endpoint refused the credentials.
    #[error(
        "the token endpoint refused the credentials of auth profile `{profile}` (HTTP {status}): {body}; check the instance's client id, secret and account/tenant"
    )]
    Rejected {
        /// Profile name.
        profile: String,
        /// HTTP status.
        status: u16,
        /// The start of the upstream's error body.
        body: String,
    },
    /// The token URL is an IP address the host refuses (a special-purpose
    /// block: private, loopback, link-local, metadata, …; see
    /// `forbidden_reason`) and the operator has not routed it.
    #[error(
        "the token URL of auth profile `{profile}` is a {why} address; route it with --upstream to allow it"
    )]
    ForbiddenAddress {
        /// Profile name.
        profile: String,
        /// What kind of address.
        why: String,
    },
    /// The token endpoint failed (HTTP 5xx), timed out (408) or throttled
    /// (429).
    #[error(
        "the token endpoint of auth profile `{profile}` failed (HTTP {status}): {body}; retry later"
    )]
    Failed {
        /// Profile name.
        profile: String,
        /// HTTP status.
        status: u16,
        /// The start of the upstream's error body.
        body: String,
    },
    /// The token endpoint could not be reached.
    #[error("the token endpoint of auth profile `{profile}` could not be reached: {reason}")]
    Unreachable {
        /// Profile name.
        profile: String,
        /// Transport failure.
        reason: String,
    },
    /// The token endpoint answered something that is not a token.
    #[error(
        "the token endpoint of auth profile `{profile}` answered without a usable access_token"
    )]
    BadResponse {
        /// Profile name.
        profile: String,
    },
    /// This node no longer holds the instance's lease (or cannot be sure it
    /// still does), so it mints no token: another node works on the
    /// instance, and on apps like Zoom a new token would revoke that node's.
    #[error(
        "no token minted for auth profile `{profile}`: this node no longer holds the instance's lease; another node takes it over"
    )]
    NoLease {
        /// Profile name.
        profile: String,
    },
    /// A consent-flow profile of an instance nobody has connected yet.
    #[error(
        "instance `{instance}` is not connected (auth profile `{profile}`): an admin must consent once; run `plugboard instance connect {instance}`"
    )]
    NotConnected {
        /// Profile name.
        profile: String,
        /// Instance id.
        instance: String,
    },
    /// The authorization server refused the refresh token (`invalid_grant`).
    /// The broker turns it into [`AuthError::ReconnectNeeded`].
    #[error("the token endpoint of auth profile `{profile}` refused the refresh token: {detail}")]
    RefreshRefused {
        /// Profile name.
        profile: String,
        /// The server's error and description.
        detail: String,
    },
    /// The refresh token was refused (revoked, expired, superseded): only a
    /// new consent helps, and the host asks the token endpoint nothing more
    /// until then.
    #[error(
        "instance `{instance}` must be connected again: the authorization server refused its refresh token (auth profile `{profile}`: {detail}); run `plugboard instance connect {instance}`"
    )]
    ReconnectNeeded {
        /// Profile name.
        profile: String,
        /// Instance id.
        instance: String,
        /// The server's answer.
        detail: String,
    },
    /// The host could not keep a refresh token (a rotated one, or its
    /// state): the new access token is not used.
    #[error(
        "the refresh token of auth profile `{profile}` could not be stored ({reason}); its access token was not used"
    )]
    Persist {
        /// Profile name.
        profile: String,
        /// The store's failure.
        reason: String,
    },
    /// A consent callback whose `state` is not the one this host sent: a
    /// stale or forged redirect.
    #[error(
        "the consent callback of auth profile `{profile}` carries another state than the one sent: a stale or forged redirect; start the connect again"
    )]
    StateMismatch {
        /// Profile name.
        profile: String,
    },
    /// The consent was declined or failed at the authorization server.
    #[error("the consent of auth profile `{profile}` was not given: {detail}")]
    ConsentRefused {
        /// Profile name.
        profile: String,
        /// The callback's error (neutralised, cut short).
        detail: String,
    },
    /// No callback arrived in time.
    #[error(
        "no consent callback for auth profile `{profile}` arrived within {seconds} s; open the authorize URL and allow, then run the connect again"
    )]
    NoCallback {
        /// Profile name.
        profile: String,
        /// How long the host waited.
        seconds: u64,
    },
}

impl AuthError {
    /// Missing input and refused credentials (a 4xx) are the operator's to
    /// fix; a token endpoint that fails, cannot be reached or answers
    /// nonsense is the upstream's.
    pub fn blame(&self) -> Blame {
        match self {
            AuthError::MissingInput { .. }
            | AuthError::BadKey { .. }
            | AuthError::Rejected { .. }
            | AuthError::ForbiddenAddress { .. }
            | AuthError::NotConnected { .. }
            | AuthError::RefreshRefused { .. }
            | AuthError::ReconnectNeeded { .. }
            | AuthError::StateMismatch { .. }
            | AuthError::ConsentRefused { .. }
            | AuthError::NoCallback { .. } => Blame::Operator,
            AuthError::Failed { .. }
            | AuthError::Unreachable { .. }
            | AuthError::BadResponse { .. } => Blame::Upstream,
            AuthError::NoLease { .. } | AuthError::Persist { .. } => Blame::Host,
        }
    }
}

/// A minted token and when it stops being used.
#[derive(Clone)]
pub struct Token {
    value: Arc<SecretValue>,
    renew_at: Instant,
    generation: u64,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Token {
    /// The bearer value, for the request being sent.
    pub fn expose(&self) -> &str {
        self.value.expose()
    }

    /// Which mint produced this token (to invalidate exactly it after a 401).
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// Until when a broker may mint, set by whoever decides that this process
/// works on the instance (a cluster node holding its lease). Cheap to clone:
/// clones share the deadline.
#[derive(Debug, Clone, Default)]
pub struct MintGate(Arc<std::sync::Mutex<Option<Instant>>>);

impl MintGate {
    /// Allow mints until `until` (a lease's local deadline).
    pub fn open_until(&self, until: Instant) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(until);
    }

    /// Allow no more mints.
    pub fn close(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// Whether a mint may happen now.
    pub fn is_open(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some_and(|until| Instant::now() < until)
    }
}

/// Tokens of one instance, one slot per auth profile.
pub struct TokenBroker {
    slots: BTreeMap<String, Mutex<Option<Token>>>,
    /// The instance's consent-flow connections (refresh tokens), when the
    /// host keeps any: without them a consent-flow profile is not connected.
    connections: std::sync::OnceLock<Arc<dyn Connections>>,
    /// When set, no token is minted while it is closed.
    gate: std::sync::OnceLock<MintGate>,
    mints: AtomicU64,
    recent: std::sync::Mutex<Recent>,
    mint_timeout: Duration,
}

/// Tokens that may still be live (until their expiry) and a matcher for
/// them, rebuilt at each mint.
#[derive(Default)]
struct Recent {
    tokens: VecDeque<(Arc<SecretValue>, Instant)>,
    redactor: Redactor,
}

impl std::fmt::Debug for TokenBroker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenBroker")
            .field("profiles", &self.slots.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenBroker {
    /// A broker for these profiles.
    pub fn new(profiles: &[AuthProfile]) -> Self {
        TokenBroker {
            slots: profiles
                .iter()
                .map(|p| (p.name.clone(), Mutex::new(None)))
                .collect(),
            mints: AtomicU64::new(0),
            recent: std::sync::Mutex::new(Recent::default()),
            mint_timeout: super::mint::MINT_TIMEOUT,
            gate: std::sync::OnceLock::new(),
            connections: std::sync::OnceLock::new(),
        }
    }

    /// Keep consent-flow refresh tokens in `connections` (the instance's
    /// store). Set once.
    pub fn connect_with(&self, connections: Arc<dyn Connections>) {
        let _ = self.connections.set(connections);
    }

    /// Scrub `value` from plugin output until `until` (a token this broker
    /// holds or handed out).
    fn remember(&self, value: Arc<SecretValue>, until: Instant) {
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        recent.tokens.retain(|(_, expires)| *expires > now);
        while recent.tokens.len() >= TOKENS_REMEMBERED {
            recent.tokens.pop_front();
        }
        recent.tokens.push_back((value, until));
        recent.redactor = Redactor::new(recent.tokens.iter().map(|(t, _)| t.expose()));
    }

    /// Mint only while `gate` is open (a cluster node: while it holds the
    /// instance's lease). Set once; a broker without a gate always may.
    pub fn gate_with(&self, gate: MintGate) {
        let _ = self.gate.set(gate);
    }

    /// Give each token request at most `timeout`.
    pub fn with_mint_timeout(mut self, timeout: Duration) -> Self {
        self.mint_timeout = timeout;
        self
    }

    /// Replace every token this broker minted recently that appears in
    /// `text` by [`REDACTED`](crate::capabilities::redact::REDACTED);
    /// returns whether anything was replaced.
    pub fn scrub(&self, text: &mut String) -> bool {
        self.redactor().redact(text)
    }

    /// [`TokenBroker::scrub`] for bytes (an upstream body).
    pub fn scrub_bytes(&self, bytes: &mut Vec<u8>) -> bool {
        self.redactor().redact_bytes(bytes)
    }

    /// The matcher for the recent tokens (cheap to clone: it is shared).
    fn redactor(&self) -> Redactor {
        self.recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .redactor
            .clone()
    }

    /// Tokens minted so far (first mints and renewals).
    pub fn mints(&self) -> u64 {
        self.mints.load(Ordering::Relaxed)
    }

    /// A valid token for `profile`, minting or renewing when needed. Concurrent
    /// callers wait for one mint rather than each minting (which would revoke
    /// one another's tokens on apps like Zoom).
    pub async fn token(
        &self,
        client: &reqwest::Client,
        profile: &AuthProfile,
        config: &BTreeMap<String, String>,
        secrets: &SecretBag,
        upstreams: &Upstreams,
    ) -> Result<Token, AuthError> {
        // What kind of profile and where the token came from; never the
        // token, the secrets or the endpoint's answer.
        let span = tracing::info_span!(
            "token.mint",
            auth.profile = tracing::field::Empty,
            auth.kind = profile.kind.name(),
            token.source = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        if !span.is_disabled() {
            let mut name = profile.name.clone();
            plugboard_core::text::clean_line(&mut name, 128);
            span.record("auth.profile", name.as_str());
        }
        let result = self
            .token_from(client, profile, config, secrets, upstreams)
            .instrument(span.clone())
            .await;
        match &result {
            Ok((_, source)) => span.record("token.source", *source),
            Err(e) => span.record("error.type", e.blame().as_str()),
        };
        result.map(|(token, _)| token)
    }

    /// [`TokenBroker::token`], saying where the token came from: `static`
    /// (an API key), `cached`, `minted` or `refreshed` (a consent grant).
    async fn token_from(
        &self,
        client: &reqwest::Client,
        profile: &AuthProfile,
        config: &BTreeMap<String, String>,
        secrets: &SecretBag,
        upstreams: &Upstreams,
    ) -> Result<(Token, &'static str), AuthError> {
        let Some(slot) = self.slots.get(&profile.name) else {
            return Err(AuthError::MissingInput {
                profile: profile.name.clone(),
                what: "a declared auth profile".into(),
            });
        };
        if !profile.kind.is_minted() {
            // A static key: read from the secrets, nothing to mint or cache.
            let (value, lifetime) = mint(
                client,
                profile,
                config,
                secrets,
                upstreams,
                self.mint_timeout,
            )
            .await?;
            let token = Token {
                value: Arc::new(value),
                renew_at: Instant::now() + lifetime,
                generation: 0,
            };
            return Ok((token, "static"));
        }
        let mut guard = slot.lock().await;
        if let Some(t) = guard.as_ref()
            && Instant::now() < t.renew_at
        {
            return Ok((t.clone(), "cached"));
        }
        if self.gate.get().is_some_and(|g| !g.is_open()) {
            return Err(AuthError::NoLease {
                profile: profile.name.clone(),
            });
        }
        let source = match &profile.kind {
            AuthKind::AuthorizationCode(_) => "refreshed",
            _ => "minted",
        };
        let (value, lifetime) = match &profile.kind {
            AuthKind::AuthorizationCode(code) => {
                let endpoint = super::consent::Endpoint {
                    client,
                    profile: &profile.name,
                    code,
                    config,
                    secrets,
                    upstreams,
                    timeout: self.mint_timeout,
                };
                self.refresh(&endpoint).await?
            }
            _ => {
                mint(
                    client,
                    profile,
                    config,
                    secrets,
                    upstreams,
                    self.mint_timeout,
                )
                .await?
            }
        };
        let margin = lifetime
            .mul_f64(RENEW_FRACTION)
            .max(RENEW_MARGIN_MIN)
            .min(lifetime / 2);
        let generation = self.mints.fetch_add(1, Ordering::Relaxed) + 1;
        let value = Arc::new(value);
        self.remember(value.clone(), Instant::now() + lifetime);
        let token = Token {
            value,
            renew_at: Instant::now() + lifetime - margin,
            generation,
        };
        tracing::debug!(profile = %profile.name, lifetime_s = lifetime.as_secs(), generation, "minted token");
        *guard = Some(token.clone());
        Ok((token, source))
    }

    /// Why a consent-flow profile among `profiles` cannot have a token
    /// without anyone connecting first (not connected, or reconnect
    /// needed), read from the store without a request: a scan stops on it
    /// before calling the plugin.
    pub fn consent_blocker(&self, profiles: &[AuthProfile]) -> Option<AuthError> {
        for p in profiles {
            if !matches!(p.kind, AuthKind::AuthorizationCode(_)) {
                continue;
            }
            let Some(connections) = self.connections.get() else {
                return Some(AuthError::NotConnected {
                    profile: p.name.clone(),
                    instance: "this instance".into(),
                });
            };
            let instance = connections.instance().to_string();
            match connections.load(&p.name) {
                Ok(Stored::Token(_)) => {}
                Ok(Stored::NotConnected) => {
                    return Some(AuthError::NotConnected {
                        profile: p.name.clone(),
                        instance,
                    });
                }
                Ok(Stored::ReconnectNeeded(detail)) => {
                    return Some(AuthError::ReconnectNeeded {
                        profile: p.name.clone(),
                        instance,
                        detail,
                    });
                }
                Err(reason) => {
                    return Some(AuthError::Persist {
                        profile: p.name.clone(),
                        reason,
                    });
                }
            }
        }
        None
    }

    /// An access token of a consent-flow profile: its stored refresh token
    /// exchanged, the rotated refresh token stored before the access token
    /// is used. A refused refresh token marks the connection "reconnect
    /// needed", and from then on no request is sent until an operator
    /// connects again.
    async fn refresh(
        &self,
        endpoint: &super::consent::Endpoint<'_>,
    ) -> Result<(SecretValue, Duration), AuthError> {
        let profile = endpoint.profile;
        let persist = |reason: String| AuthError::Persist {
            profile: profile.to_string(),
            reason,
        };
        let Some(connections) = self.connections.get() else {
            return Err(AuthError::NotConnected {
                profile: profile.to_string(),
                instance: "this instance".into(),
            });
        };
        let instance = connections.instance().to_string();
        let token = match connections.load(profile).map_err(persist)? {
            Stored::NotConnected => {
                return Err(AuthError::NotConnected {
                    profile: profile.to_string(),
                    instance,
                });
            }
            Stored::ReconnectNeeded(detail) => {
                return Err(AuthError::ReconnectNeeded {
                    profile: profile.to_string(),
                    instance,
                    detail,
                });
            }
            Stored::Token(token) => Arc::new(token),
        };
        let mut token = token;
        // One retry: another process over the same store (the CLI beside
        // the daemon) may have rotated the token after it was read here; a
        // refusal of the older one then says nothing about the connection.
        for attempt in 0..2 {
            self.remember(token.clone(), remembered_until());
            // Boxed as a `Send` future here, where its lifetimes are concrete.
            let refreshing: std::pin::Pin<
                Box<
                    dyn std::future::Future<Output = Result<super::consent::Grant, AuthError>>
                        + Send
                        + '_,
                >,
            > = Box::pin(super::consent::refresh(endpoint, &token));
            match refreshing.await {
                Ok(grant) => {
                    if let Some(new) = grant.refresh {
                        let new = Arc::new(new);
                        self.remember(new.clone(), remembered_until());
                        connections.rotate(profile, &new).map_err(persist)?;
                        tracing::debug!(profile, "stored the rotated refresh token");
                    }
                    return Ok((grant.access, grant.lifetime));
                }
                Err(AuthError::RefreshRefused { detail, .. }) => {
                    if attempt == 0
                        && let Ok(Stored::Token(newer)) = connections.load(profile)
                        && newer.expose() != token.expose()
                    {
                        token = Arc::new(newer);
                        continue;
                    }
                    connections.refused(profile, &detail).map_err(persist)?;
                    tracing::warn!(profile, instance = %instance, "refresh token refused; the instance needs a reconnect");
                    return Err(AuthError::ReconnectNeeded {
                        profile: profile.to_string(),
                        instance,
                        detail,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Err(AuthError::ReconnectNeeded {
            profile: profile.to_string(),
            instance,
            detail: "the refresh token was refused twice".into(),
        })
    }

    /// Forget `used` after the upstream refused it (401), unless a newer
    /// token has already replaced it.
    pub async fn invalidate(&self, profile: &str, used: &Token) {
        if let Some(slot) = self.slots.get(profile) {
            let mut guard = slot.lock().await;
            if guard
                .as_ref()
                .is_some_and(|t| t.generation == used.generation)
            {
                *guard = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_settings_are_the_operators_and_a_failing_endpoint_the_upstreams() {
        let profile = || "p".to_string();
        let rejected = |status| AuthError::Rejected {
            profile: profile(),
            status,
            body: String::new(),
        };
        let operator = [
            AuthError::MissingInput {
                profile: profile(),
                what: "secret `client_secret`".into(),
            },
            rejected(400),
            rejected(401),
            AuthError::ForbiddenAddress {
                profile: profile(),
                why: "loopback".into(),
            },
        ];
        for e in &operator {
            assert_eq!(e.blame(), Blame::Operator, "{e}");
        }
        let upstream = [
            AuthError::Failed {
                profile: profile(),
                status: 503,
                body: String::new(),
            },
            AuthError::Unreachable {
                profile: profile(),
                reason: "it did not answer within 0.5 s".into(),
            },
            AuthError::BadResponse { profile: profile() },
        ];
        for e in &upstream {
            assert_eq!(e.blame(), Blame::Upstream, "{e}");
        }
        assert_eq!(
            AuthError::NoLease { profile: profile() }.blame(),
            Blame::Host
        );
    }

    #[tokio::test]
    async fn a_closed_or_lapsed_gate_mints_nothing_and_sends_no_request() {
        #[derive(serde::Deserialize)]
        struct Raw {
            auth: Vec<super::super::section::RawAuth>,
        }
        let zoom: Result<Raw, _> =
            toml::from_str(include_str!("../../../../plugins/zoom/plugin.toml"));
        let zoom = zoom.map(|r| super::super::section::parse(r.auth, &Default::default()));
        let Some(profile) = zoom
            .ok()
            .and_then(Result::ok)
            .and_then(|auth| auth.into_iter().next())
        else {
            panic!("the zoom manifest has an auth profile");
        };
        let broker = TokenBroker::new(std::slice::from_ref(&profile));
        let gate = MintGate::default();
        broker.gate_with(gate.clone());
        for (case, arrange) in [("never opened", None), ("lapsed", Some(Instant::now()))] {
            if let Some(until) = arrange {
                gate.open_until(until);
            }
            let got = broker
                .token(
                    &reqwest::Client::new(),
                    &profile,
                    &BTreeMap::new(),
                    &SecretBag::default(),
                    &Upstreams::default(),
                )
                .await;
            assert!(
                matches!(got, Err(AuthError::NoLease { .. })),
                "{case}: {got:?}"
            );
        }
        assert_eq!(broker.mints(), 0);
        gate.open_until(Instant::now() + Duration::from_secs(60));
        assert!(gate.is_open());
        gate.close();
        assert!(!gate.is_open());
    }
}
