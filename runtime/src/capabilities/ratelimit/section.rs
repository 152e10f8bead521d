//! The `[ratelimit]` section — rate buckets: how requests are classified and
//! paced.
//!
//! Each bucket has per-plan quotas (the app's documented limits) and request
//! matchers (method + path pattern, `*` standing for exactly one segment). The
//! host paces each instance × bucket at a safety fraction of the quota.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::capabilities::config::section::{FieldSpec, ReadsConfig};
use crate::capabilities::network::section::{Method, methods};
use crate::section::{MAX_HEADER_NAME, ManifestError, is_id, text};

/// A path pattern such as `/v2/users/*/status`; `*` matches one segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathPattern {
    /// The text as written.
    pub text: String,
    segments: Vec<Option<String>>,
}

impl PathPattern {
    /// Parse a pattern starting with `/`.
    pub fn parse(field: &str, text: &str) -> Result<PathPattern, ManifestError> {
        let rest = text.strip_prefix('/').ok_or_else(|| {
            ManifestError::field(field, text, "a path starting with `/`, `*` for one segment")
        })?;
        let segments = rest
            .split('/')
            .map(|s| (s != "*").then(|| s.to_string()))
            .collect();
        Ok(PathPattern {
            text: text.to_string(),
            segments,
        })
    }

    /// Whether `path` matches the pattern exactly (segment by segment).
    pub fn matches(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else {
            return false;
        };
        let mut parts = rest.split('/');
        for seg in &self.segments {
            match (parts.next(), seg) {
                (Some(p), None) if !p.is_empty() => {}
                (Some(p), Some(s)) if p == s => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }
}

/// Methods plus a path pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestMatcher {
    /// Methods this matcher accepts (empty = any).
    pub methods: Vec<Method>,
    /// Path pattern.
    pub path: PathPattern,
}

impl RequestMatcher {
    /// Whether a request matches.
    pub fn matches(&self, method: Method, path: &str) -> bool {
        (self.methods.is_empty() || self.methods.contains(&method)) && self.path.matches(path)
    }
}

/// A documented limit for one plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quota {
    /// Requests per second.
    pub per_second: Option<f64>,
    /// Requests per minute.
    pub per_minute: Option<f64>,
    /// Requests per UTC day.
    pub per_day: Option<u64>,
    /// Burst size for token-bucket limits (defaults to 1: smooth pacing).
    pub burst: Option<u32>,
}

impl Quota {
    /// Sustained requests per second this quota allows, if limited.
    pub fn rate_per_second(&self) -> Option<f64> {
        match (self.per_second, self.per_minute) {
            (Some(s), Some(m)) => Some(s.min(m / 60.0)),
            (Some(s), None) => Some(s),
            (None, Some(m)) => Some(m / 60.0),
            (None, None) => None,
        }
    }
}

/// How one bucket splits into independent buckets per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partition {
    /// One bucket per value of the N-th path segment (1-based), e.g. `path:2`
    /// for `/subscriptions/{id}/...`: Azure limits reads per subscription.
    PathSegment(usize),
}

impl Partition {
    /// Parse `path:N`.
    pub fn parse(field: &str, text: &str) -> Result<Partition, ManifestError> {
        text.strip_prefix("path:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=32).contains(n))
            .map(Partition::PathSegment)
            .ok_or_else(|| {
                ManifestError::field(field, text, "`path:N`, N the 1-based path segment (1-32)")
            })
    }

    /// The partition key of a request path (empty when the segment is absent).
    pub fn key<'a>(&self, path: &'a str) -> &'a str {
        match self {
            Partition::PathSegment(n) => path
                .trim_start_matches('/')
                .split('/')
                .nth(n - 1)
                .unwrap_or(""),
        }
    }
}

/// One `[[ratelimit.bucket]]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BucketSpec {
    /// Bucket name (metrics label).
    pub name: String,
    /// The app's name for it (e.g. Zoom's `Heavy`).
    pub label: String,
    /// Requests that fall into it.
    pub matchers: Vec<RequestMatcher>,
    /// Quota per plan name; `default` applies when no plan matches.
    pub quota: BTreeMap<String, Quota>,
    /// Split into one bucket per partition key.
    pub partition: Option<Partition>,
    /// At most this many of the bucket's requests on the wire at once
    /// (per partition); `None`: no cap.
    pub max_in_flight: Option<u32>,
}

impl BucketSpec {
    /// The quota for `plan` (falling back to `default`, then to the only one).
    pub fn quota_for(&self, plan: Option<&str>) -> Option<&Quota> {
        plan.and_then(|p| self.quota.get(p))
            .or_else(|| self.quota.get("default"))
            .or_else(|| {
                (self.quota.len() == 1)
                    .then(|| self.quota.values().next())
                    .flatten()
            })
    }
}

/// The bucket the host paces requests with that no manifest bucket
/// matches; a manifest may not use the name.
pub const UNMATCHED_BUCKET: &str = "unmatched";

/// Largest `max_in_flight` a bucket may name.
pub const MAX_IN_FLIGHT: u32 = 1024;

/// How a reset header counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetKind {
    /// The UTC epoch second the window resets at (GitHub's `x-ratelimit-reset`).
    EpochSeconds,
    /// Seconds from now until the window resets (`RateLimit-Reset`).
    DeltaSeconds,
}

impl ResetKind {
    /// The manifest's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetKind::EpochSeconds => "epoch-seconds",
            ResetKind::DeltaSeconds => "delta-seconds",
        }
    }
}

/// A header naming when the upstream's window resets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResetHeader {
    /// Header name, lowercase.
    pub name: String,
    /// How its value counts.
    pub kind: ResetKind,
}

/// `[ratelimit.headers]`: which answer headers say when the upstream's
/// window resets and how much of it is left. `Retry-After` is always read
/// and wins; these come next. Header names are data: no app is named in
/// host code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct HeaderProfile {
    /// The reset header.
    pub reset: Option<ResetHeader>,
    /// The header counting requests left in the window (lowercase).
    pub remaining: Option<String>,
    /// The header giving the window's size in requests (lowercase).
    pub limit: Option<String>,
    /// Read the IETF `RateLimit` / `RateLimit-Policy` fields.
    pub ietf: bool,
    /// Statuses besides 429 that are a throttle when the answer carries
    /// `Retry-After` or a remaining count of 0 (GitHub's 403), ascending.
    pub throttle_statuses: Vec<u16>,
}

impl HeaderProfile {
    /// Whether the profile reads any header beyond `Retry-After`.
    pub fn is_empty(&self) -> bool {
        self.reset.is_none()
            && self.remaining.is_none()
            && self.limit.is_none()
            && !self.ietf
            && self.throttle_statuses.is_empty()
    }

    /// The profile in words, for approval prompts and change lists.
    pub fn describe(&self) -> String {
        let mut parts = vec!["Retry-After".to_string()];
        if let Some(r) = &self.reset {
            parts.push(format!("reset {} ({})", r.name, r.kind.as_str()));
        }
        if let Some(r) = &self.remaining {
            parts.push(format!("remaining {r}"));
        }
        if let Some(l) = &self.limit {
            parts.push(format!("limit {l}"));
        }
        if self.ietf {
            parts.push("RateLimit/RateLimit-Policy".to_string());
        }
        for status in &self.throttle_statuses {
            parts.push(format!(
                "{status} with Retry-After or remaining 0 is a throttle"
            ));
        }
        parts.join(", ")
    }
}

/// The `[ratelimit]` section.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct RateLimitSpec {
    /// Config field that names the plan.
    pub plan_config: Option<String>,
    /// Buckets, matched in order.
    pub buckets: Vec<BucketSpec>,
    /// The upstream's rate-limit headers.
    pub headers: HeaderProfile,
}

impl RateLimitSpec {
    /// The first bucket matching a request.
    pub fn classify(&self, method: Method, path: &str) -> Option<&BucketSpec> {
        self.buckets
            .iter()
            .find(|b| b.matchers.iter().any(|m| m.matches(method, path)))
    }
}

/// The `[ratelimit]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRateLimit {
    plan_config: Option<String>,
    #[serde(default)]
    bucket: Vec<RawBucket>,
    headers: Option<RawHeaders>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeaders {
    reset: Option<String>,
    reset_kind: Option<String>,
    remaining: Option<String>,
    limit: Option<String>,
    #[serde(default)]
    ietf: bool,
    #[serde(default)]
    throttle_statuses: Vec<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBucket {
    name: String,
    label: Option<String>,
    #[serde(rename = "match")]
    matchers: Vec<RawMatcher>,
    quota: BTreeMap<String, RawQuota>,
    partition: Option<String>,
    max_in_flight: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatcher {
    #[serde(default)]
    methods: Vec<String>,
    path: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuota {
    per_second: Option<f64>,
    per_minute: Option<f64>,
    per_day: Option<u64>,
    burst: Option<u32>,
}

/// The `[ratelimit]` section; its plan field names one of `config`.
pub fn parse(r: RawRateLimit, config: &[FieldSpec]) -> Result<RateLimitSpec, ManifestError> {
    if let Some(p) = &r.plan_config
        && !config.iter().any(|f| &f.name == p)
    {
        return Err(ManifestError::field(
            "ratelimit.plan_config",
            p,
            "the name of a declared [[config]] field",
        ));
    }
    let buckets = r
        .bucket
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let at = |f: &str| format!("ratelimit.bucket[{i}].{f}");
            if !is_id(&b.name) {
                return Err(ManifestError::field(
                    at("name"),
                    &b.name,
                    "lowercase letters, digits and `-`",
                ));
            }
            if b.name == UNMATCHED_BUCKET {
                return Err(ManifestError::field(
                    at("name"),
                    &b.name,
                    "another name: the host's bucket for requests no manifest bucket matches is called so",
                ));
            }
            let matchers = b
                .matchers
                .iter()
                .map(|m| {
                    Ok(RequestMatcher {
                        methods: methods(&at("match.methods"), &m.methods)?,
                        path: PathPattern::parse(&at("match.path"), &m.path)?,
                    })
                })
                .collect::<Result<Vec<_>, ManifestError>>()?;
            if b.quota.is_empty() {
                return Err(ManifestError::field(
                    at("quota"),
                    "{}",
                    "at least one plan's quota (e.g. `default = { per_second = 10 }`)",
                ));
            }
            let quota = b
                .quota
                .into_iter()
                .map(|(plan, q)| {
                    // Between one request a day and a million a second: what
                    // real APIs document, and what pacing can represent.
                    let within = |v: Option<f64>, min: f64, max: f64| {
                        v.is_none_or(|x| x.is_finite() && (min..=max).contains(&x))
                    };
                    if q.per_second.is_none() && q.per_minute.is_none() && q.per_day.is_none() {
                        return Err(ManifestError::field(
                            at(&format!("quota.{plan}")),
                            "{}",
                            "at least one of per_second, per_minute, per_day",
                        ));
                    }
                    if !within(q.per_second, 1.0 / 86_400.0, 1e6)
                        || !within(q.per_minute, 1.0 / 1_440.0, 6e7)
                        || q.per_day == Some(0)
                        || q.burst.is_some_and(|b| b == 0 || b > 1_000_000)
                    {
                        return Err(ManifestError::field(
                            at(&format!("quota.{plan}")),
                            format!("{q:?}"),
                            "limits between one request a day and 1,000,000 a second; a burst of 1 to 1,000,000",
                        ));
                    }
                    Ok((
                        plan,
                        Quota {
                            per_second: q.per_second,
                            per_minute: q.per_minute,
                            per_day: q.per_day,
                            burst: q.burst,
                        },
                    ))
                })
                .collect::<Result<BTreeMap<_, _>, ManifestError>>()?;
            let partition = b
                .partition
                .as_deref()
                .map(|p| Partition::parse(&at("partition"), p))
                .transpose()?;
            if let Some(l) = &b.label {
                text::check_str(&at("label"), l, text::MAX_LABEL)?;
            }
            if let Some(n) = b.max_in_flight
                && !(1..=MAX_IN_FLIGHT).contains(&n)
            {
                return Err(ManifestError::field(
                    at("max_in_flight"),
                    n.to_string(),
                    format!("1 to {MAX_IN_FLIGHT} requests on the wire at once"),
                ));
            }
            Ok(BucketSpec {
                label: b.label.unwrap_or_else(|| b.name.clone()),
                name: b.name,
                matchers,
                quota,
                partition,
                max_in_flight: b.max_in_flight,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RateLimitSpec {
        plan_config: r.plan_config,
        buckets,
        headers: r
            .headers
            .map(header_profile)
            .transpose()?
            .unwrap_or_default(),
    })
}

/// A header name (RFC 9110 token characters), lowercased; `Retry-After` and
/// the IETF fields are read anyway and may not be renamed into another role.
fn header_name(field: &str, name: &str) -> Result<String, ManifestError> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > MAX_HEADER_NAME || !name.chars().all(token) {
        return Err(ManifestError::field(
            field,
            name,
            format!("an HTTP header name (letters, digits and `-`, at most {MAX_HEADER_NAME})"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if ["retry-after", "ratelimit", "ratelimit-policy"].contains(&lower.as_str()) {
        return Err(ManifestError::field(
            field,
            name,
            "another header: `Retry-After` is always read, and `RateLimit`/`RateLimit-Policy` with `ietf = true`",
        ));
    }
    Ok(lower)
}

fn header_profile(h: RawHeaders) -> Result<HeaderProfile, ManifestError> {
    let at = |f: &str| format!("ratelimit.headers.{f}");
    let reset = match (h.reset, h.reset_kind) {
        (Some(name), Some(kind)) => Some(ResetHeader {
            name: header_name(&at("reset"), &name)?,
            kind: match kind.as_str() {
                "epoch-seconds" => ResetKind::EpochSeconds,
                "delta-seconds" => ResetKind::DeltaSeconds,
                other => {
                    return Err(ManifestError::field(
                        at("reset_kind"),
                        other,
                        "`epoch-seconds` (the UTC second of the reset) or `delta-seconds` (seconds from now)",
                    ));
                }
            },
        }),
        (Some(name), None) => {
            return Err(ManifestError::field(
                at("reset_kind"),
                name,
                "`reset_kind` beside `reset`: `epoch-seconds` or `delta-seconds`",
            ));
        }
        (None, Some(kind)) => {
            return Err(ManifestError::field(
                at("reset"),
                kind,
                "a `reset` header for `reset_kind` to describe",
            ));
        }
        (None, None) => None,
    };
    let remaining = h
        .remaining
        .map(|n| header_name(&at("remaining"), &n))
        .transpose()?;
    let limit = h.limit.map(|n| header_name(&at("limit"), &n)).transpose()?;
    for (field, value) in [("remaining", &remaining), ("limit", &limit)] {
        if let Some(v) = value
            && reset.is_none()
        {
            return Err(ManifestError::field(
                at(field),
                v,
                "a `reset` header too: a count without a reset time gives the host nothing to pace by",
            ));
        }
    }
    let mut throttle_statuses = h.throttle_statuses;
    throttle_statuses.sort_unstable();
    throttle_statuses.dedup();
    if let Some(bad) = throttle_statuses
        .iter()
        .find(|s| !(400..500).contains(*s) || matches!(s, 401 | 429))
    {
        return Err(ManifestError::field(
            at("throttle_statuses"),
            bad.to_string(),
            "4xx statuses other than 401 and 429 (a 429 is always a throttle), e.g. [403]",
        ));
    }
    let profile = HeaderProfile {
        reset,
        remaining,
        limit,
        ietf: h.ietf,
        throttle_statuses,
    };
    if profile.is_empty() {
        return Err(ManifestError::field(
            "ratelimit.headers",
            "{}",
            "at least `reset` (with `reset_kind`) or `ietf = true`; leave the table out to read only Retry-After",
        ));
    }
    Ok(profile)
}

/// The plan field decides how an instance's requests are paced.
impl ReadsConfig for RateLimitSpec {
    fn deciding_config(&self) -> Vec<&str> {
        self.plan_config.iter().map(String::as_str).collect()
    }
}
