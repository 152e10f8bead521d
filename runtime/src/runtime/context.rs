//! One instance's running context: each capability's per-instance state,
//! built from what the instance was given (settings, secrets, routes) and
//! the host's knobs. The CLI, the daemon and the tests build it here, so a
//! capability's state is assembled in one place (only the throughput bench
//! builds one by hand, without pacing).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use plugboard_core::Blame;
use plugboard_core::secrets::SecretValue;

use crate::capabilities::config::{self, SettingsError};
use crate::capabilities::http::HttpCapability;
use crate::capabilities::http::cassette::Tape;
use crate::capabilities::network::{self, UpstreamError, Upstreams};
use crate::capabilities::ratelimit::{DEFAULT_SAFETY_FRACTION, RateBuckets};
use crate::capabilities::secrets::SecretBag;
use crate::limits::{DEFAULT_CALL_DEADLINE, DEFAULT_UPSTREAM_TIMEOUT, WriteCaps};
use crate::manifest::{Manifest, ManifestError};

/// Host-wide knobs applied to every instance.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Fraction of documented rate limits to use (default 0.8).
    pub safety_fraction: f64,
    /// Deadline of one export call.
    pub call_deadline: Duration,
    /// Time one upstream request may take; keep it shorter than
    /// `call_deadline` (see [`DEFAULT_UPSTREAM_TIMEOUT`]).
    pub upstream_timeout: Duration,
    /// What one instance may store per scan and per day.
    pub caps: WriteCaps,
    /// Record every instance's upstream exchanges into a cassette, or
    /// answer them from one (`plugboard record`, `plugboard plugin test`).
    pub tape: Option<Tape>,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            safety_fraction: DEFAULT_SAFETY_FRACTION,
            call_deadline: DEFAULT_CALL_DEADLINE,
            upstream_timeout: DEFAULT_UPSTREAM_TIMEOUT,
            caps: WriteCaps::default(),
            tape: None,
        }
    }
}

/// What one instance was given.
#[derive(Debug)]
pub struct InstanceInputs<'a> {
    /// The instance's id (names it in logs, metrics and tokens' scrubbing).
    pub instance_id: &'a str,
    /// Settings as the operator gave them (defaults not applied).
    pub config: &'a BTreeMap<String, String>,
    /// Secret values, by field name.
    pub secrets: BTreeMap<String, SecretValue>,
    /// Whether the grant includes `secrets.reveal`.
    pub reveal_secrets: bool,
    /// Operator routes, origin → base URL.
    pub routes: &'a BTreeMap<String, String>,
}

/// Why an instance's context cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The settings do not fit the plugin.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The plugin's URLs could not be rendered with the instance's settings.
    #[error("the plugin's URLs cannot be built from this instance's settings: {0}")]
    Urls(ManifestError),
    /// A bad upstream route.
    #[error(transparent)]
    Route(#[from] UpstreamError),
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

impl ContextError {
    /// Settings, URLs and routes are the operator's; a client that cannot
    /// be built is the host's.
    pub fn blame(&self) -> Blame {
        match self {
            ContextError::Settings(e) => e.blame(),
            ContextError::Urls(e) => e.blame(),
            ContextError::Route(e) => e.blame(),
            ContextError::Client(_) => Blame::Host,
        }
    }
}

/// One connector instance's capabilities, shared by all its calls.
#[derive(Debug)]
pub struct InstanceContext {
    pub instance_id: String,
    pub plugin_id: String,
    /// Non-secret settings, defaults applied.
    pub config: Arc<BTreeMap<String, String>>,
    pub secrets: Arc<SecretBag>,
    /// Network.
    pub http: HttpCapability,
    /// Deadline of one export call, host calls included.
    pub call_deadline: Duration,
    /// What the instance may store per scan and per day.
    pub caps: WriteCaps,
}

impl InstanceContext {
    /// The context of an instance of `manifest` given `inputs`: its settings
    /// resolved (config), per-tenant URLs rendered (manifest), routes and
    /// client (network), rate buckets on its plan (rate limit), secrets
    /// (secrets), and the http capability over them (with the auth broker).
    pub fn build(
        manifest: &Manifest,
        inputs: InstanceInputs<'_>,
        options: &HostOptions,
    ) -> Result<Arc<Self>, ContextError> {
        let config = config::resolve(&manifest.config, inputs.config)?;
        // Per-tenant URL patterns become this instance's concrete prefixes.
        let manifest = Arc::new(manifest.for_instance(&config).map_err(ContextError::Urls)?);
        let upstreams = Upstreams::parse(inputs.routes)?;
        network::warn_once_if_proxy_set();
        let client = network::plugin_client(&upstreams).map_err(ContextError::Client)?;
        let buckets =
            RateBuckets::for_instance(&manifest.ratelimit, &config, options.safety_fraction);
        let config = Arc::new(config);
        let secrets = Arc::new(SecretBag::new(inputs.secrets, inputs.reveal_secrets));
        let http = HttpCapability::new(
            client,
            Arc::new(manifest.http_sections()),
            config.clone(),
            secrets.clone(),
            upstreams,
            buckets,
        )
        .with_request_timeout(options.upstream_timeout)
        .with_tape(options.tape.clone());
        Ok(Arc::new(InstanceContext {
            instance_id: inputs.instance_id.to_string(),
            plugin_id: manifest.id.clone(),
            config,
            secrets,
            http,
            call_deadline: options.call_deadline,
            caps: options.caps,
        }))
    }

    /// Replace every secret value of the instance and every token its broker
    /// minted recently that appears in `text` by
    /// [`REDACTED`](crate::capabilities::secrets::REDACTED). Applied to all
    /// plugin-originated text before it reaches logs, errors, the store or
    /// the command line. Returns whether anything was replaced.
    pub fn scrub(&self, text: &mut String) -> bool {
        // Tokens first: they are long and may contain nothing else.
        let tokens = self.http.broker().scrub(text);
        self.secrets.scrub(text) | tokens
    }

    /// A context with no config, secrets, routes or network, for calls like
    /// `describe` that need no instance.
    pub fn inert(manifest: Arc<Manifest>, call_deadline: Duration) -> Self {
        let config = Arc::new(BTreeMap::new());
        let secrets = Arc::new(SecretBag::default());
        let upstreams = Upstreams::default();
        // No network at all: `describe` needs none, and this context has no
        // pacing. With no egress every request is refused before the client
        // is used, so its fallback never sends anything.
        let mut offline = manifest.http_sections();
        offline.egress.clear();
        offline.auth.clear();
        let client = network::plugin_client(&upstreams).unwrap_or_default();
        let http = HttpCapability::new(
            client,
            Arc::new(offline),
            config.clone(),
            secrets.clone(),
            upstreams,
            RateBuckets::default(),
        );
        InstanceContext {
            instance_id: "-".into(),
            plugin_id: manifest.id.clone(),
            config,
            secrets,
            http,
            call_deadline,
            caps: WriteCaps::default(),
        }
    }
}
