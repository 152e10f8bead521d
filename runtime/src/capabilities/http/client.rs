//! Sending one plugin request — the mechanism: pacing, token injection, the
//! retry loop, redirects followed hop by hop, the body cap and scrubbing.
//! Every decision about what may go out is the policy's (`judge`, `hop`),
//! and what to do after an answer is `retry`'s; this file carries them out.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use plugboard_core::Blame;
use rand::Rng;
use serde::Serialize;
use tracing::Instrument as _;
use url::Url;

use super::cassette::{Tape, interaction_of};
use super::hop::plan_hop;
use super::judge::{
    DenyReason, Prepared, Refusal, SecretBinding, judge, judge_address, judge_redirect, shown,
};
use super::retry::{Answer, Next, after_answer, effective_status};
use super::sections::Sections;
use super::{CallHttpState, HttpError, InboundResponse, OutboundRequest, UpstreamTimeout, Waiting};
use crate::capabilities::auth::section::{AuthKind, AuthProfile, Present};
use crate::capabilities::auth::{Token, TokenBroker};
use crate::capabilities::network::Upstreams;
use crate::capabilities::network::section::Method;
use crate::capabilities::ratelimit::window::{after_success, reset_after_429, windows};
use crate::capabilities::ratelimit::{RateBuckets, parse_retry_after};
use crate::capabilities::secrets::SecretBag;

/// Largest response body handed to a plugin. Upstream pages are well under it.
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;
/// Redirect hops followed (each re-checked against the grant).
pub const MAX_REDIRECTS: u32 = 5;

/// Request counters of one instance.
#[derive(Debug, Default)]
pub struct HttpStats {
    requests: AtomicU64,
    throttled: AtomicU64,
    unauthorized_retries: AtomicU64,
    denied: [AtomicU64; DenyReason::ALL.len()],
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
    /// Requests the host refused (every [`DenyReason`]).
    pub denied: u64,
    /// Refused requests by reason label (only reasons that occurred).
    pub denied_by: std::collections::BTreeMap<&'static str, u64>,
}

impl HttpStats {
    /// Current values.
    pub fn snapshot(&self) -> HttpStatsSnapshot {
        HttpStatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            unauthorized_retries: self.unauthorized_retries.load(Ordering::Relaxed),
            denied: self.denied.iter().map(|d| d.load(Ordering::Relaxed)).sum(),
            denied_by: DenyReason::ALL
                .iter()
                .zip(&self.denied)
                .map(|(r, d)| (r.label(), d.load(Ordering::Relaxed)))
                .filter(|(_, n)| *n > 0)
                .collect(),
        }
    }
}

/// The network capability of one instance.
#[derive(Debug)]
pub struct HttpCapability {
    client: reqwest::Client,
    sections: Arc<Sections>,
    config: Arc<BTreeMap<String, String>>,
    secrets: Arc<SecretBag>,
    upstreams: Upstreams,
    broker: TokenBroker,
    buckets: RateBuckets,
    stats: HttpStats,
    request_timeout: Duration,
    /// Recording or replaying a cassette (the author kit), if either.
    tape: Option<Tape>,
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

impl HttpCapability {
    /// Assemble the capability for one instance.
    pub fn new(
        client: reqwest::Client,
        sections: Arc<Sections>,
        config: Arc<BTreeMap<String, String>>,
        secrets: Arc<SecretBag>,
        upstreams: Upstreams,
        buckets: RateBuckets,
    ) -> Self {
        let broker = TokenBroker::new(&sections.auth);
        HttpCapability {
            client,
            sections,
            config,
            secrets,
            upstreams,
            broker,
            buckets,
            stats: HttpStats::default(),
            request_timeout: crate::limits::DEFAULT_UPSTREAM_TIMEOUT,
            tape: None,
        }
    }

    /// Record every exchange into a cassette, or answer every request from
    /// one without opening a socket or minting a token (see [`Tape`]).
    pub fn with_tape(mut self, tape: Option<Tape>) -> Self {
        self.tape = tape;
        self
    }

    /// The time the plugin's clock shows while a tape runs (the recorded
    /// time, so date windows are the same in a replay); `None` otherwise.
    pub fn frozen_clock_ms(&self) -> Option<u64> {
        self.tape.as_ref().map(Tape::clock_ms)
    }

    /// Headers that carry this instance's credentials: the auth profiles'.
    fn credential_headers(&self) -> Vec<String> {
        self.sections
            .auth
            .iter()
            .filter_map(|p| match &p.present {
                Present::Header { name, .. } => Some(name.clone()),
                Present::Query { .. } => None,
            })
            .collect()
    }

    /// The answer from the cassette being replayed: the egress grant still
    /// applies, then the first unused recorded exchange with the same
    /// method, URL and body; none left is refused (and remembered, so
    /// `plugin test` can fail naming it).
    fn replay(
        &self,
        replayer: &super::cassette::Replayer,
        req: &OutboundRequest,
        writes_allowed: bool,
        state: &mut CallHttpState,
    ) -> Result<InboundResponse, HttpError> {
        judge(&self.sections, req, writes_allowed).map_err(|r| self.refuse(r))?;
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        state.counts.requests += 1;
        replayer.answer(req).unwrap_or_else(|| {
            Err(HttpError::Invalid(format!(
                "the cassette has no answer for {} {}",
                req.method, req.url
            )))
        })
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
        let Some(template) = profile.token_url() else {
            return format!("auth profile `{}`", profile.name);
        };
        template
            .render(|k| self.config.get(k).cloned())
            .and_then(|t| Url::parse(&t).ok())
            .map(|u| self.origin_shown(&u))
            .unwrap_or_else(|| template.text.clone())
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

    /// The operator's upstream routes of this instance.
    pub fn upstreams(&self) -> &Upstreams {
        &self.upstreams
    }

    /// The instance's effective sections (its per-instance URLs rendered,
    /// the auth profiles its settings select).
    pub fn sections(&self) -> &Sections {
        &self.sections
    }

    /// What a token request of consent-flow profile `name` goes through:
    /// this instance's client, settings, secrets, routes and timeout (the
    /// connect flow's code exchange).
    pub fn consent_endpoint(
        &self,
        name: &str,
    ) -> Option<crate::capabilities::auth::consent::Endpoint<'_>> {
        let profile = self.sections.auth.iter().find(|p| p.name == name)?;
        let AuthKind::AuthorizationCode(code) = &profile.kind else {
            return None;
        };
        Some(crate::capabilities::auth::consent::Endpoint {
            client: &self.client,
            profile: &profile.name,
            code,
            config: &self.config,
            secrets: &self.secrets,
            upstreams: &self.upstreams,
            timeout: self.request_timeout,
        })
    }

    /// Count `r` and turn it into what the plugin receives.
    fn refuse(&self, r: Refusal) -> HttpError {
        if let Some(i) = DenyReason::ALL.iter().position(|x| *x == r.reason)
            && let Some(counter) = self.stats.denied.get(i)
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        if r.reason.is_invalid() {
            HttpError::Invalid(r.message)
        } else {
            HttpError::Denied(r.message)
        }
    }

    /// The header values of `bindings`, from the instance's secrets.
    fn secret_values(
        &self,
        bindings: &[SecretBinding],
    ) -> Result<Vec<reqwest::header::HeaderValue>, HttpError> {
        bindings
            .iter()
            .map(|b| {
                let value = self.secrets.get(&b.secret).ok_or_else(|| {
                    HttpError::Invalid(format!(
                        "this instance has no value for secret `{}`",
                        b.secret
                    ))
                })?;
                let mut hv = reqwest::header::HeaderValue::from_str(&format!(
                    "{}{}",
                    b.prefix,
                    value.expose()
                ))
                .map_err(|_| {
                    HttpError::Invalid(format!(
                        "secret `{}` with its prefix is not a valid header value",
                        b.secret
                    ))
                })?;
                hv.set_sensitive(true);
                Ok(hv)
            })
            .collect()
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
        if let Some(Tape::Replay(replayer)) = &self.tape {
            return self
                .replay(replayer, &req, writes_allowed, state)
                .map_err(|e| self.scrub_error(e));
        }
        let recording = match &self.tape {
            Some(Tape::Record(r)) => Some((r.clone(), req.clone())),
            _ => None,
        };
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
        let result = result.map_err(|e| self.scrub_error(e));
        if let Some((recorder, req)) = recording {
            let scrub = |s: &mut String| self.scrub(s);
            recorder.push(interaction_of(
                &req,
                &result,
                &self.credential_headers(),
                &scrub,
            ));
        }
        result
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
        let prepared = judge(&self.sections, &req, writes_allowed).map_err(|r| self.refuse(r))?;
        let values = self.secret_values(&prepared.secrets)?;
        let url = &prepared.url;
        let bucket = self
            .buckets
            .for_request(&self.sections.ratelimit, req.method, url.path());
        let request = format!("{} {}", req.method, shown(url));
        let backoff_state = |status: u16| Waiting::Backoff {
            origin: self.origin_shown(url),
            request: request.clone(),
            status,
        };
        let mut retried_401 = false;
        let mut attempt = 0;
        // The status that made the previous attempt wait, if any.
        let mut after: Option<u16> = None;
        loop {
            attempt += 1;
            // One span per attempt, open until the next one starts; what
            // it waited on and what came back are recorded on it.
            let span = self.request_span(req.method, url, attempt, bucket.as_deref());
            // Held until the answer is in and what it says about the
            // window is applied to the bucket (so no other request slips
            // out in between); `max_in_flight` counts requests on the wire,
            // not requests sleeping before a retry.
            let mut slot = None;
            if let Some(b) = &bucket {
                state.waiting = Some(match after {
                    Some(status) => backoff_state(status),
                    None => Waiting::Pacing {
                        bucket: b.name().to_string(),
                        request: request.clone(),
                    },
                });
                let waiting = tracing::info_span!(parent: &span, "ratelimit.wait", ratelimit.bucket = tracing::field::Empty);
                if !waiting.is_disabled() {
                    waiting.record("ratelimit.bucket", b.name());
                }
                let started = std::time::Instant::now();
                let paced = async {
                    let entered = b.enter().await;
                    b.acquire().await.map(|()| entered)
                }
                .instrument(waiting)
                .await;
                span.record("ratelimit.wait_ms", span_millis(started.elapsed()));
                slot = Some(paced.map_err(|e| HttpError::RateLimited(e.to_string()))?);
            }
            after = None;
            let token = match prepared.profile {
                Some(p) => {
                    if p.kind.is_minted() {
                        state.waiting = Some(Waiting::Upstream {
                            origin: self.token_origin(p),
                            request: format!("a token request for auth profile `{}`", p.name),
                        });
                    }
                    Some((p, self.token(p).instrument(span.clone()).await?))
                }
                None => None,
            };
            let resp = self
                .exchange(
                    &req,
                    &prepared,
                    &values,
                    token.as_ref().map(|(p, t)| (*p, t)),
                    state,
                )
                .instrument(span.clone())
                .await?;
            span.record("http.response.status_code", i64::from(resp.status));
            let now = SystemTime::now();
            let seen = windows(&self.sections.ratelimit.headers, &resp.headers, now);
            let retry_after =
                header(&resp.headers, "retry-after").and_then(|v| parse_retry_after(v, now));
            let status = effective_status(
                resp.status,
                &self.sections.ratelimit.headers.throttle_statuses,
                retry_after.is_some(),
                seen.iter().any(|w| w.remaining == Some(0)),
            );
            let reset = match status {
                429 => reset_after_429(&seen),
                _ => {
                    if let Some(b) = &bucket {
                        b.observe(after_success(&seen));
                    }
                    None
                }
            };
            let answer = Answer {
                status,
                retry_after,
                reset,
                method: req.method,
                attempt,
                // A fixed API key gains nothing from another try.
                had_token: token.as_ref().is_some_and(|(p, _)| p.kind.is_minted()),
                retried_401,
            };
            if status == 429 {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                state.counts.throttled += 1;
            }
            let jitter = rand::rng().random_range(0.5..1.0);
            match after_answer(answer, jitter) {
                Next::Deliver => return Ok(resp),
                Next::GiveUp { wait, pause } => {
                    if let Some(b) = &bucket {
                        b.throttled(pause);
                    }
                    return Err(HttpError::RateLimited(format!(
                        "{} still throttled after {attempt} attempts (retry after {wait:?})",
                        shown(url)
                    )));
                }
                Next::Throttled { wait } => {
                    span.record("retry.after_ms", span_millis(wait));
                    span.in_scope(|| tracing::debug!(url = %shown(url), wait_ms = wait.as_millis() as u64, attempt, "429: pausing bucket"));
                    after = Some(resp.status);
                    match &bucket {
                        Some(b) => b.throttled(wait),
                        None => {
                            state.waiting = Some(backoff_state(resp.status));
                            tokio::time::sleep(wait).instrument(span.clone()).await;
                        }
                    }
                }
                Next::Remint => {
                    retried_401 = true;
                    self.stats
                        .unauthorized_retries
                        .fetch_add(1, Ordering::Relaxed);
                    if let Some((p, t)) = &token {
                        self.broker.invalidate(&p.name, t).await;
                    }
                }
                Next::Retry { wait } => {
                    drop(slot);
                    span.record("retry.after_ms", span_millis(wait));
                    state.waiting = Some(backoff_state(resp.status));
                    tokio::time::sleep(wait).instrument(span.clone()).await;
                    after = Some(resp.status);
                }
            }
        }
    }

    /// The `http.request` span of one attempt at `url`: OpenTelemetry's
    /// HTTP client attributes, with the path but never the query (it may
    /// carry a credential) and the path scrubbed of secret values. Nothing is
    /// built when no subscriber wants the span.
    fn request_span(
        &self,
        method: Method,
        url: &Url,
        attempt: u32,
        bucket: Option<&crate::capabilities::ratelimit::RateBucket>,
    ) -> tracing::Span {
        let span = tracing::info_span!(
            "http.request",
            otel.kind = "client",
            http.request.method = method.as_str(),
            url.scheme = tracing::field::Empty,
            server.address = tracing::field::Empty,
            server.port = tracing::field::Empty,
            url.path = tracing::field::Empty,
            http.request.resend_count = i64::from(attempt.saturating_sub(1)),
            plugboard.attempt = i64::from(attempt),
            ratelimit.bucket = tracing::field::Empty,
            ratelimit.wait_ms = tracing::field::Empty,
            retry.after_ms = tracing::field::Empty,
            http.response.status_code = tracing::field::Empty,
        );
        if span.is_disabled() {
            return span;
        }
        let mut path = url.path().to_string();
        self.scrub(&mut path);
        plugboard_core::text::clean_line(&mut path, 512);
        let mut host = url.host_str().unwrap_or("").to_string();
        plugboard_core::text::clean_line(&mut host, 255);
        span.record("url.scheme", url.scheme());
        span.record("server.address", host.as_str());
        if let Some(port) = url.port_or_known_default() {
            span.record("server.port", i64::from(port));
        }
        span.record("url.path", path.as_str());
        if let Some(b) = bucket {
            span.record("ratelimit.bucket", b.name());
        }
        span
    }

    /// One exchange, following redirects hop by hop; each hop carries only
    /// what [`plan_hop`] allows for its URL, and goes only where
    /// [`judge_redirect`] and [`judge_address`] allow.
    async fn exchange(
        &self,
        req: &OutboundRequest,
        prepared: &Prepared<'_>,
        secret_values: &[reqwest::header::HeaderValue],
        token: Option<(&AuthProfile, &Token)>,
        state: &mut CallHttpState,
    ) -> Result<InboundResponse, HttpError> {
        let url = &prepared.url;
        let mut method = req.method;
        let mut current = url.clone();
        let mut body = req.body.clone();
        let secret_names = prepared.secret_names();
        for hop in 0..=MAX_REDIRECTS {
            judge_address(&self.upstreams, &current).map_err(|r| self.refuse(r))?;
            let wire = self.upstreams.route(&current);
            let plan = plan_hop(
                &self.sections,
                url,
                &current,
                &req.headers,
                &secret_names,
                token.map(|(p, _)| p),
            )
            .map_err(|r| self.refuse(r))?;
            // Every hop after the first is a request of its own: paced too.
            if hop > 0
                && let Some(b) =
                    self.buckets
                        .for_request(&self.sections.ratelimit, method, current.path())
            {
                b.acquire()
                    .await
                    .map_err(|e| HttpError::RateLimited(e.to_string()))?;
            }
            // A query credential goes on the wire only: a relative redirect
            // is resolved against the URL without it.
            let on_wire = match token.filter(|_| plan.token) {
                Some((p, t)) => with_query_credential(wire.clone(), &p.present, t),
                None => wire.clone(),
            };
            let mut rb = self
                .client
                .request(to_reqwest(method), on_wire.as_str())
                .timeout(self.request_timeout)
                .header(reqwest::header::ACCEPT_ENCODING, "identity");
            for (k, v) in plan.headers.iter().filter_map(|&i| req.headers.get(i)) {
                rb = rb.header(k.as_str(), v.as_str());
            }
            for i in &plan.secrets {
                if let (Some(binding), Some(value)) =
                    (prepared.secrets.get(*i), secret_values.get(*i))
                {
                    rb = rb.header(binding.header.as_str(), value.clone());
                }
            }
            if let Some((p, t)) = token.filter(|_| plan.token) {
                rb = present(rb, &p.present, t)?;
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
                    self.refuse(Refusal::new(DenyReason::SpecialAddress, format!("{} resolves only to addresses plugins may not reach (special-purpose: loopback, private, link-local, metadata, documentation, …)", shown(&current))))
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
                let (next, next_method) = judge_redirect(
                    &self.sections,
                    &self.upstreams,
                    &current,
                    &wire,
                    loc,
                    status,
                    method,
                )
                .map_err(|r| self.refuse(r))?;
                if next_method != method {
                    body = None;
                }
                method = next_method;
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
            // A redirect's Location may carry one too.
            let mut answered = current.to_string();
            self.scrub(&mut answered);
            return Ok(InboundResponse {
                status,
                headers,
                body: bytes,
                url: answered,
            });
        }
        Err(self.refuse(Refusal::new(
            DenyReason::TooManyRedirects,
            format!("more than {MAX_REDIRECTS} redirects"),
        )))
    }
}

/// `d` in whole milliseconds as a span attribute (OpenTelemetry has no
/// unsigned integers: a `u64` would be recorded as text).
fn span_millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// `rb` with `token` in the header `present` names (a query credential is
/// already in the URL: [`with_query_credential`]).
fn present(
    rb: reqwest::RequestBuilder,
    present: &Present,
    token: &Token,
) -> Result<reqwest::RequestBuilder, HttpError> {
    let Present::Header { name, .. } = present else {
        return Ok(rb);
    };
    let mut hv = reqwest::header::HeaderValue::from_str(&present.header_value(token.expose()))
        .map_err(|_| HttpError::Network("the token endpoint issued an unusable token".into()))?;
    hv.set_sensitive(true);
    Ok(rb.header(name.as_str(), hv))
}

/// `wire` with `token` as the query parameter `present` names, replacing any
/// value a redirect put there (the URL the plugin sees never has it).
fn with_query_credential(mut wire: Url, present: &Present, token: &Token) -> Url {
    let Present::Query { param } = present else {
        return wire;
    };
    let kept: Vec<(String, String)> = wire
        .query_pairs()
        .filter(|(k, _)| k != param.as_str())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    wire.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(param, token.expose());
    wire
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
