//! Sending one plugin request: grant checks, pacing, token injection, bounded
//! retries on 429/401/5xx, manual redirects re-checked hop by hop, body cap.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use plugboard_core::Blame;
use rand::Rng;
use serde::Serialize;
use url::Url;

use super::hop::plan_hop;
use super::{
    CallHttpState, HttpError, InboundResponse, OutboundRequest, UpstreamTimeout, Upstreams, Waiting,
};
use crate::capabilities::auth::{Token, TokenBroker};
use crate::capabilities::ratelimit::{MAX_RETRY_AFTER, RateBuckets, parse_retry_after};
use crate::capabilities::secrets::SecretBag;
use crate::manifest::{AuthProfile, Manifest, Method};

/// Largest response body handed to a plugin. Upstream pages are well under it.
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;
/// Attempts per request across 429 and 5xx retries.
pub const MAX_ATTEMPTS: u32 = 8;
/// Redirect hops followed (each re-checked against the grant).
pub const MAX_REDIRECTS: u32 = 5;
/// First backoff when an upstream throttles without `Retry-After`.
const BASE_BACKOFF: Duration = Duration::from_millis(500);
/// Longest backoff between attempts without `Retry-After`.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The HTTP client for one instance's plugin traffic and its token requests:
/// rustls, no automatic redirects (the host follows them, checking each
/// hop), no proxy from the environment (a proxy would resolve names itself,
/// past the address policy; see `proxy_env`), and a resolver that refuses
/// special-purpose addresses except for the operator's route targets.
pub fn plugin_client(upstreams: &Upstreams) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("plugboard/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(super::PolicyResolver::new(
            upstreams.target_hosts(),
        )))
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))
}

/// Request counters of one instance.
#[derive(Debug, Default)]
pub struct HttpStats {
    requests: AtomicU64,
    throttled: AtomicU64,
    unauthorized_retries: AtomicU64,
    denied: AtomicU64,
}

/// A snapshot of [`HttpStats`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct HttpStatsSnapshot {
    /// Requests put on the wire (attempts included).
    pub requests: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// 401 answers that led to a re-mint and retry.
    pub unauthorized_retries: u64,
    /// Requests refused by the egress grant.
    pub denied: u64,
}

impl HttpStats {
    /// Current values.
    pub fn snapshot(&self) -> HttpStatsSnapshot {
        HttpStatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            unauthorized_retries: self.unauthorized_retries.load(Ordering::Relaxed),
            denied: self.denied.load(Ordering::Relaxed),
        }
    }
}

/// The network capability of one instance.
#[derive(Debug)]
pub struct HttpCapability {
    client: reqwest::Client,
    manifest: Arc<Manifest>,
    config: Arc<BTreeMap<String, String>>,
    secrets: Arc<SecretBag>,
    upstreams: Upstreams,
    broker: TokenBroker,
    buckets: RateBuckets,
    stats: HttpStats,
    request_timeout: Duration,
}

fn to_reqwest(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// `scheme://host[:port]` of `u`.
fn origin(u: &Url) -> String {
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("{}://{}{port}", u.scheme(), u.host_str().unwrap_or(""))
}

/// The URL without its query, for messages (queries may carry identifiers).
fn shown(u: &Url) -> String {
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{}{port}{}",
        u.scheme(),
        u.host_str().unwrap_or(""),
        u.path()
    )
}

/// The URL as the plugin wrote it, without its query, for messages about
/// its path (bounded and neutralised: it is the plugin's text).
fn shown_raw(url: &Url, raw: &str) -> String {
    if raw.contains("://") {
        let end = raw.find(['?', '#']).unwrap_or(raw.len());
        let mut text = raw.get(..end).unwrap_or(raw).to_string();
        plugboard_core::text::clean_line(&mut text, 512);
        text
    } else {
        // A relative redirect: the resolved URL says where it went.
        shown(url)
    }
}

fn backoff(attempt: u32) -> Duration {
    let exp = BASE_BACKOFF
        .saturating_mul(1u32 << attempt.min(6))
        .min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.5..1.0);
    exp.mul_f64(jitter)
}

impl HttpCapability {
    /// Assemble the capability for one instance.
    pub fn new(
        client: reqwest::Client,
        manifest: Arc<Manifest>,
        config: Arc<BTreeMap<String, String>>,
        secrets: Arc<SecretBag>,
        upstreams: Upstreams,
        buckets: RateBuckets,
    ) -> Self {
        let broker = TokenBroker::new(&manifest.auth);
        HttpCapability {
            client,
            manifest,
            config,
            secrets,
            upstreams,
            broker,
            buckets,
            stats: HttpStats::default(),
            request_timeout: crate::runtime::limits::DEFAULT_UPSTREAM_TIMEOUT,
        }
    }

    /// Give each upstream request (one exchange or redirect hop, or one token
    /// request) at most `timeout`; keep it shorter than the call deadline, so
    /// a slow upstream fails the request (blame upstream) while the plugin
    /// can still report it.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self.broker = self.broker.with_mint_timeout(timeout);
        self
    }

    /// Replace the instance's secret values and recent tokens in `text` (a
    /// host message quoting a URL the plugin chose).
    fn scrub(&self, text: &mut String) {
        self.broker.scrub(text);
        self.secrets.scrub(text);
    }

    /// [`HttpCapability::scrub`] for an upstream body, before the plugin sees it.
    fn scrub_bytes(&self, bytes: &mut Vec<u8>) {
        self.broker.scrub_bytes(bytes);
        self.secrets.scrub_bytes(bytes);
    }

    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// The origin of `url` as the plugin sees it, with the operator's route
    /// when one applies, for messages.
    fn origin_shown(&self, url: &Url) -> String {
        let o = origin(url);
        if self.upstreams.is_routed(url) {
            format!("{o} (routed to {})", origin(&self.upstreams.route(url)))
        } else {
            o
        }
    }

    /// The token endpoint of `profile`, for messages.
    fn token_origin(&self, profile: &AuthProfile) -> String {
        profile
            .token_url
            .render(|k| self.config.get(k).cloned())
            .and_then(|t| Url::parse(&t).ok())
            .map(|u| self.origin_shown(&u))
            .unwrap_or_else(|| profile.token_url.text.clone())
    }

    /// Request counters.
    pub fn stats(&self) -> HttpStatsSnapshot {
        self.stats.snapshot()
    }

    /// The instance's rate buckets.
    pub fn buckets(&self) -> &RateBuckets {
        &self.buckets
    }

    /// The token broker (for counters and `check`).
    pub fn broker(&self) -> &TokenBroker {
        &self.broker
    }

    fn deny(&self, why: String) -> HttpError {
        self.stats.denied.fetch_add(1, Ordering::Relaxed);
        HttpError::Denied(why)
    }

    /// Check `url` (written as `raw` by the plugin or a redirect) against
    /// the egress grant. Where every rule for `url`'s origin has a path
    /// prefix, `raw` is first judged for paths an upstream could read as
    /// another path — before URL parsing normalised them (`%2e%2e` and `\`
    /// would otherwise just look like a path outside the grant).
    fn check_egress(&self, method: Method, url: &Url, raw: &str) -> Result<(), HttpError> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(self.deny("URLs may not carry credentials".into()));
        }
        let mut for_origin = self
            .manifest
            .egress
            .iter()
            .filter(|r| r.methods.contains(&method) && r.prefix.same_origin(url))
            .peekable();
        if for_origin.peek().is_some()
            && for_origin.all(|r| r.prefix.path != "/")
            && let Some(what) = super::path_trick(raw).or_else(|| super::path_trick(url.path()))
        {
            return Err(self.deny(format!(
                "{method} {} refused: its path carries {what}, which an upstream may read as a path outside the egress grant; send the path without it",
                shown_raw(url, raw)
            )));
        }
        if !self.manifest.egress_allows(method, url) {
            return Err(self.deny(format!(
                "{method} {} is outside the plugin's egress grant",
                shown(url)
            )));
        }
        Ok(())
    }

    /// Check a secret header against the secret's binding and return its
    /// value, ready to send to `url`.
    fn bound_secret(
        &self,
        h: &super::SecretHeader,
        url: &Url,
    ) -> Result<reqwest::header::HeaderValue, HttpError> {
        let Some(field) = self.manifest.secret_field(&h.secret) else {
            return Err(self.deny(format!(
                "secret `{}` is not declared in the manifest",
                h.secret
            )));
        };
        if let Some(p) = self.manifest.profile_using_secret(&h.secret) {
            return Err(self.deny(format!(
                "secret `{}` belongs to auth profile `{}`: the host sends it only to that profile's token endpoint, never in a plugin's header",
                h.secret, p.name
            )));
        }
        if !field.send_to.iter().any(|p| p.covers(url)) {
            let allowed: Vec<&str> = field.send_to.iter().map(|p| p.text.as_str()).collect();
            return Err(self.deny(if allowed.is_empty() {
                format!(
                    "secret `{}` has no `send_to` in plugin.toml, so it may not be attached to any request",
                    h.secret
                )
            } else {
                format!(
                    "secret `{}` may be sent only to {} (its `send_to` in plugin.toml), not to {}",
                    h.secret,
                    allowed.join(", "),
                    shown(url)
                )
            }));
        }
        let value = self.secrets.get(&h.secret).ok_or_else(|| {
            HttpError::Invalid(format!(
                "this instance has no value for secret `{}`",
                h.secret
            ))
        })?;
        let mut hv =
            reqwest::header::HeaderValue::from_str(&format!("{}{}", h.prefix, value.expose()))
                .map_err(|_| {
                    HttpError::Invalid(format!(
                        "secret `{}` with its prefix is not a valid header value",
                        h.secret
                    ))
                })?;
        hv.set_sensitive(true);
        Ok(hv)
    }

    async fn token(&self, profile: &AuthProfile) -> Result<Token, HttpError> {
        self.broker
            .token(
                &self.client,
                profile,
                &self.config,
                &self.secrets,
                &self.upstreams,
            )
            .await
            .map_err(|e| {
                // A token endpoint may quote the credentials in its error body.
                let mut message = e.to_string();
                self.scrub(&mut message);
                match e.blame() {
                    // The credentials are missing or refused: the plugin
                    // reports `auth`, which is the operator's to fix.
                    Blame::Operator => HttpError::Auth(message),
                    // The token endpoint is down, hung or answered nonsense:
                    // a transport failure, so the plugin blames the upstream.
                    _ => HttpError::Network(message),
                }
            })
    }

    /// Send `req` on behalf of the plugin. Only a governance call
    /// (`writes_allowed`) may use methods other than GET.
    pub async fn send(
        &self,
        req: OutboundRequest,
        writes_allowed: bool,
    ) -> Result<InboundResponse, HttpError> {
        self.send_tracked(req, writes_allowed, &mut CallHttpState::default())
            .await
    }

    /// [`HttpCapability::send`], keeping `state` (the calling plugin call's)
    /// up to date with what the host is waiting on, and recording a request
    /// that ran out of its per-request timeout.
    pub async fn send_tracked(
        &self,
        req: OutboundRequest,
        writes_allowed: bool,
        state: &mut CallHttpState,
    ) -> Result<InboundResponse, HttpError> {
        state.last_timeout = None;
        let result = self.send_inner(req, writes_allowed, state).await;
        if matches!(result, Err(HttpError::Timeout))
            && let Some(Waiting::Upstream { origin, request }) = state.waiting.take()
        {
            let timeout = UpstreamTimeout {
                origin,
                request,
                timeout: self.request_timeout,
            };
            let mut line = timeout.to_string();
            self.scrub(&mut line);
            tracing::warn!("{line}");
            state.last_timeout = Some(timeout);
        }
        state.waiting = None;
        // A refusal may quote what an upstream said (a redirect's Location).
        result.map_err(|e| self.scrub_error(e))
    }

    /// `e` with its message scrubbed of secret values and tokens.
    fn scrub_error(&self, e: HttpError) -> HttpError {
        let clean = |mut m: String| {
            self.scrub(&mut m);
            m
        };
        match e {
            HttpError::Denied(m) => HttpError::Denied(clean(m)),
            HttpError::Network(m) => HttpError::Network(clean(m)),
            HttpError::RateLimited(m) => HttpError::RateLimited(clean(m)),
            HttpError::Auth(m) => HttpError::Auth(clean(m)),
            HttpError::Invalid(m) => HttpError::Invalid(clean(m)),
            other @ (HttpError::Timeout | HttpError::TooLarge) => other,
        }
    }

    async fn send_inner(
        &self,
        req: OutboundRequest,
        writes_allowed: bool,
        state: &mut CallHttpState,
    ) -> Result<InboundResponse, HttpError> {
        // The URL parser silently drops tabs and line breaks, which would let
        // `..%2\tf` reach the wire as `..%2f` past the path check below.
        if req.url.chars().any(char::is_control) {
            return Err(HttpError::Invalid(
                "the URL contains control characters (tab, line break, …)".into(),
            ));
        }
        let url = Url::parse(&req.url).map_err(|e| HttpError::Invalid(format!("bad URL: {e}")))?;
        if req.method != Method::Get && !writes_allowed {
            return Err(self.deny(format!(
                "{} {} refused: only act() may change upstream state; sync, check and assess are read-only",
                req.method,
                shown(&url)
            )));
        }
        self.check_egress(req.method, &url, &req.url)?;
        // The profile of the first URL is the only one whose token this
        // request may carry, on any hop and any retry.
        let profile = self.manifest.auth_for(&url);
        let mut secret_headers = Vec::new();
        for h in &req.secret_headers {
            secret_headers.push(BoundSecret {
                header: h.name.clone(),
                secret: h.secret.clone(),
                value: self.bound_secret(h, &url)?,
            });
        }
        // The first hop's header policy, before any pacing or token request.
        plan_hop(
            &self.manifest,
            &url,
            &url,
            &req.headers,
            &BoundSecret::names(&secret_headers),
            profile,
        )?;
        let bucket = self
            .buckets
            .for_request(&self.manifest.ratelimit, req.method, url.path());

        let request = format!("{} {}", req.method, shown(&url));
        let backoff_state = |status: u16| Waiting::Backoff {
            origin: self.origin_shown(&url),
            request: request.clone(),
            status,
        };
        let mut retried_401 = false;
        let mut attempt = 0;
        // The status that made the previous attempt wait, if any.
        let mut after: Option<u16> = None;
        loop {
            attempt += 1;
            if let Some(b) = &bucket {
                state.waiting = Some(match after {
                    Some(status) => backoff_state(status),
                    None => Waiting::Pacing {
                        bucket: b.name().to_string(),
                        request: request.clone(),
                    },
                });
                b.acquire()
                    .await
                    .map_err(|e| HttpError::RateLimited(e.to_string()))?;
            }
            after = None;
            let token = match profile {
                Some(p) => {
                    state.waiting = Some(Waiting::Upstream {
                        origin: self.token_origin(p),
                        request: format!("a token request for auth profile `{}`", p.name),
                    });
                    Some((p, self.token(p).await?))
                }
                None => None,
            };
            let resp = self
                .exchange(
                    &req,
                    &url,
                    profile.zip(token.as_ref().map(|(_, t)| t)),
                    &secret_headers,
                    state,
                )
                .await?;
            let status = resp.status;
            if status == 429 {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                state.counts.throttled += 1;
                let wait = header(&resp.headers, "retry-after")
                    .and_then(|v| parse_retry_after(v, SystemTime::now()))
                    .unwrap_or_else(|| backoff(attempt));
                if wait > MAX_RETRY_AFTER || attempt >= MAX_ATTEMPTS {
                    if let Some(b) = &bucket {
                        b.throttled(wait.min(MAX_RETRY_AFTER));
                    }
                    return Err(HttpError::RateLimited(format!(
                        "{} still throttled after {attempt} attempts (retry after {:?})",
                        shown(&url),
                        wait
                    )));
                }
                tracing::debug!(url = %shown(&url), wait_ms = wait.as_millis() as u64, attempt, "429: pausing bucket");
                after = Some(status);
                match &bucket {
                    Some(b) => b.throttled(wait),
                    None => {
                        state.waiting = Some(backoff_state(status));
                        tokio::time::sleep(wait).await;
                    }
                }
                continue;
            }
            if status == 401
                && let Some((p, t)) = &token
                && !retried_401
            {
                retried_401 = true;
                self.stats
                    .unauthorized_retries
                    .fetch_add(1, Ordering::Relaxed);
                self.broker.invalidate(&p.name, t).await;
                continue;
            }
            let idempotent = matches!(req.method, Method::Get | Method::Put | Method::Delete);
            if matches!(status, 502..=504) && idempotent && attempt < 3 {
                state.waiting = Some(backoff_state(status));
                tokio::time::sleep(backoff(attempt)).await;
                after = Some(status);
                continue;
            }
            return Ok(resp);
        }
    }

    /// One exchange, following redirects hop by hop; each hop carries only
    /// what [`plan_hop`] allows for its URL.
    async fn exchange(
        &self,
        req: &OutboundRequest,
        url: &Url,
        token: Option<(&AuthProfile, &Token)>,
        secret_headers: &[BoundSecret],
        state: &mut CallHttpState,
    ) -> Result<InboundResponse, HttpError> {
        let mut method = req.method;
        let mut current = url.clone();
        let mut body = req.body.clone();
        let secret_names = BoundSecret::names(secret_headers);
        for hop in 0..=MAX_REDIRECTS {
            let wire = self.upstreams.route(&current);
            if !self.upstreams.is_routed(&current)
                && let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = wire.host()
                && let Some(ip) = wire
                    .host_str()
                    .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
                && let Some(why) = super::forbidden_reason(ip)
            {
                return Err(self.deny(format!(
                    "{} is a {why} address, which plugins may not reach unless the operator routes to it (--upstream)",
                    shown(&current)
                )));
            }
            let plan = plan_hop(
                &self.manifest,
                url,
                &current,
                &req.headers,
                &secret_names,
                token.map(|(p, _)| p),
            )?;
            // Every hop after the first is a request of its own: paced too.
            if hop > 0
                && let Some(b) =
                    self.buckets
                        .for_request(&self.manifest.ratelimit, method, current.path())
            {
                b.acquire()
                    .await
                    .map_err(|e| HttpError::RateLimited(e.to_string()))?;
            }
            let mut rb = self
                .client
                .request(to_reqwest(method), wire.as_str())
                .timeout(self.request_timeout)
                .header(reqwest::header::ACCEPT_ENCODING, "identity");
            for (k, v) in plan.headers.iter().filter_map(|&i| req.headers.get(i)) {
                rb = rb.header(k.as_str(), v.as_str());
            }
            for s in plan.secrets.iter().filter_map(|&i| secret_headers.get(i)) {
                rb = rb.header(s.header.as_str(), s.value.clone());
            }
            if let Some((_, t)) = token.filter(|_| plan.token) {
                let mut hv =
                    reqwest::header::HeaderValue::from_str(&format!("Bearer {}", t.expose()))
                        .map_err(|_| {
                            HttpError::Network("the token endpoint issued an unusable token".into())
                        })?;
                hv.set_sensitive(true);
                rb = rb.header(reqwest::header::AUTHORIZATION, hv);
            }
            if let Some(b) = &body {
                rb = rb.body(b.clone());
            }
            self.stats.requests.fetch_add(1, Ordering::Relaxed);
            state.counts.requests += 1;
            state.waiting = Some(Waiting::Upstream {
                origin: self.origin_shown(&current),
                request: format!("{method} {}", shown(&current)),
            });
            let mut resp = rb.send().await.map_err(|e| {
                if e.is_timeout() {
                    HttpError::Timeout
                } else if format!("{e:?}").contains("refused addresses") {
                    self.deny(format!("{} resolves only to addresses plugins may not reach (special-purpose: loopback, private, link-local, metadata, documentation, …)", shown(&current)))
                } else {
                    HttpError::Network(format!("{} could not be reached", shown(&current)))
                }
            })?;
            let status = resp.status().as_u16();
            if (300..400).contains(&status)
                && let Some(loc) = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
            {
                if loc.chars().any(char::is_control) {
                    return Err(self.deny(
                        "redirect refused: its Location contains control characters".into(),
                    ));
                }
                let next_wire = wire
                    .join(loc)
                    .map_err(|_| HttpError::Invalid("redirect with a bad Location".into()))?;
                let next = self.upstreams.unroute_from(&next_wire, Some(&current));
                if matches!(status, 301..=303) {
                    method = Method::Get;
                    body = None;
                }
                self.check_egress(method, &next, loc).map_err(|e| match e {
                    HttpError::Denied(why) => HttpError::Denied(format!("redirect refused: {why}")),
                    other => other,
                })?;
                current = next;
                continue;
            }
            if let Some(enc) = resp
                .headers()
                .get(reqwest::header::CONTENT_ENCODING)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).to_ascii_lowercase())
                && enc.trim() != "identity"
            {
                // Asked for identity: an encoded body would pass the scrubber.
                return Err(HttpError::Network(format!(
                    "{} answered with Content-Encoding {:?} although the host asked for identity; the host does not hand encoded bodies to plugins",
                    shown(&current),
                    plugboard_core::text::bounded(&enc, 64)
                )));
            }
            let headers = resp
                .headers()
                .iter()
                .filter(|(k, _)| *k != reqwest::header::SET_COOKIE)
                .filter_map(|(k, v)| {
                    let mut v = v.to_str().ok()?.to_string();
                    self.scrub(&mut v);
                    Some((k.as_str().to_string(), v))
                })
                .collect();
            let mut bytes = Vec::new();
            loop {
                match resp.chunk().await {
                    Ok(Some(chunk)) => {
                        if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                            return Err(HttpError::TooLarge);
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(e) if e.is_timeout() => return Err(HttpError::Timeout),
                    Err(_) => {
                        return Err(HttpError::Network("the response body was cut off".into()));
                    }
                }
            }
            // An upstream may echo a secret header or the token back.
            self.scrub_bytes(&mut bytes);
            return Ok(InboundResponse {
                status,
                headers,
                body: bytes,
            });
        }
        Err(HttpError::Denied(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }
}

/// A secret header checked against its secret's destinations, with its value.
struct BoundSecret {
    header: String,
    secret: String,
    value: reqwest::header::HeaderValue,
}

impl BoundSecret {
    /// `(header name, secret name)` of each, for [`plan_hop`].
    fn names(all: &[BoundSecret]) -> Vec<(&str, &str)> {
        all.iter()
            .map(|s| (s.header.as_str(), s.secret.as_str()))
            .collect()
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
