//! Rate buckets: how requests are classified and paced.
//!
//! Each bucket has per-plan quotas (the app's documented limits) and request
//! matchers (method + path pattern, `*` standing for exactly one segment). The
//! host paces each instance × bucket at a safety fraction of the quota.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ManifestError, Method};

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
