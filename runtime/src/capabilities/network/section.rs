//! The `[[egress]]` section: which URLs and methods a plugin may reach.
//!
//! A rule is written as a URL prefix (`https://api.zoom.us/v2/`) plus methods.
//! Matching compares scheme, host, port and path *segments*: `/v2/` allows
//! `/v2/users` but `/v2` does not allow `/v2evil`. No rules means no network.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use super::form::{self, HostForm};
use crate::section::{ManifestError, Template};

/// An HTTP method a rule can allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    /// Parse an upper-case method name.
    pub fn parse(field: &str, text: &str) -> Result<Method, ManifestError> {
        match text {
            "GET" => Ok(Method::Get),
            "POST" => Ok(Method::Post),
            "PUT" => Ok(Method::Put),
            "PATCH" => Ok(Method::Patch),
            "DELETE" => Ok(Method::Delete),
            _ => Err(ManifestError::field(
                field,
                text,
                "one of GET, POST, PUT, PATCH, DELETE",
            )),
        }
    }

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A URL prefix: scheme, host, port and a path prefix ending at a segment boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlPrefix {
    /// The text as written.
    pub text: String,
    /// `https` or `http`.
    pub scheme: String,
    /// Lower-case host name or IP literal.
    pub host: String,
    /// Port (the scheme's default when not written).
    pub port: u16,
    /// Path prefix, always starting with `/`.
    pub path: String,
    /// For a per-tenant pattern (`https://{config:NAME}.example.com/`): its
    /// text and placeholders, rendered per instance (`form.rs`); the fields
    /// above then hold a sample. `None` for a plain prefix.
    #[serde(skip)]
    pub pattern: Option<Template>,
}

impl UrlPrefix {
    /// Parse an absolute `http(s)://host[:port]/path` prefix.
    pub fn parse(field: &str, text: &str) -> Result<UrlPrefix, ManifestError> {
        let bad = |why: &str| ManifestError::field(field, text, why.to_string());
        let url = Url::parse(text)
            .map_err(|_| bad("an absolute URL like https://api.example.com/v1/"))?;
        // The operator approves the text as shown, and the host matches the
        // parsed URL: they must be the same. Non-ASCII hosts (`zооm` with
        // Cyrillic о), ideographic dots, percent-encoded host bytes, upper
        // case and default ports all parse to something that reads otherwise.
        if !text.is_ascii() || url.as_str() != text {
            return Err(ManifestError::field(
                field,
                text,
                format!(
                    "a URL in canonical form, exactly as it is matched: {} (write international names in punycode, xn--…)",
                    url.as_str()
                ),
            ));
        }
        if !matches!(url.scheme(), "https" | "http") {
            return Err(bad(
                "the scheme must be https (or http for local simulators)",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(bad("a prefix has no query, fragment or credentials"));
        }
        let host = url.host_str().ok_or_else(|| bad("the URL needs a host"))?;
        // The URL standard lets `*` (and `_`, `!`, …) into a host name, where
        // the host then matches only a host spelled exactly so: approved, yet
        // allowing nothing. A host is a DNS name or an IP literal.
        if matches!(url.host(), Some(url::Host::Domain(_))) && !is_dns_name(host) {
            return Err(bad(
                "a host name of letters, digits, hyphens and dots (a wildcard such as `*.example.com` matches no host: list each host the plugin needs)",
            ));
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| bad("the URL needs a port"))?;
        Ok(UrlPrefix {
            text: text.to_string(),
            scheme: url.scheme().to_string(),
            host: host.to_ascii_lowercase(),
            port,
            path: url.path().to_string(),
            pattern: None,
        })
    }

    /// Whether `url` falls under this prefix.
    pub fn covers(&self, url: &Url) -> bool {
        self.same_origin(url) && path_under(url.path(), &self.path)
    }

    /// Whether `url` has this prefix's scheme, host and port.
    pub fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url
                .host_str()
                .is_some_and(|h| h.eq_ignore_ascii_case(&self.host))
            && url.port_or_known_default() == Some(self.port)
    }

    /// Whether every URL under `other` also falls under this prefix (same
    /// scheme, host and port, and `other`'s path at or below this one's).
    pub fn contains(&self, other: &UrlPrefix) -> bool {
        self.scheme == other.scheme
            && self.host == other.host
            && self.port == other.port
            && path_under(&other.path, &self.path)
    }

    /// `scheme://host:port`, the origin this prefix belongs to.
    pub fn origin(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }
}

impl fmt::Display for UrlPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Whether `host` is a DNS name: dot-separated labels of ASCII letters,
/// digits and inner hyphens, 1–63 bytes each.
pub fn is_dns_name(host: &str) -> bool {
    host.split('.').all(|label| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    })
}

/// True when `path` is `prefix` or lies below it at a segment boundary.
fn path_under(path: &str, prefix: &str) -> bool {
    if prefix.ends_with('/') {
        path.starts_with(prefix) || path == prefix.trim_end_matches('/')
    } else {
        path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

/// One `[[egress]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EgressRule {
    /// The URL prefix.
    pub prefix: UrlPrefix,
    /// Allowed methods (never empty).
    pub methods: Vec<Method>,
}

impl EgressRule {
    /// Whether this rule allows `method` on `url`.
    pub fn allows(&self, method: Method, url: &Url) -> bool {
        self.methods.contains(&method) && self.prefix.covers(url)
    }
}

impl fmt::Display for EgressRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let methods: Vec<&str> = self.methods.iter().map(|m| m.as_str()).collect();
        write!(f, "{} {}", methods.join(","), self.prefix)
    }
}

/// One `[[egress]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEgress {
    url: String,
    methods: Vec<String>,
}

/// Methods as written at `field`.
pub fn methods(field: &str, raw: &[String]) -> Result<Vec<Method>, ManifestError> {
    raw.iter().map(|m| Method::parse(field, m)).collect()
}

/// The `[[egress]]` section; `forms` are the config fields a URL may name.
pub fn parse(
    raw: &[RawEgress],
    forms: &BTreeMap<String, HostForm>,
) -> Result<Vec<EgressRule>, ManifestError> {
    raw.iter()
        .enumerate()
        .map(|(i, e)| {
            let ms = methods(&format!("egress[{i}].methods"), &e.methods)?;
            if ms.is_empty() {
                return Err(ManifestError::field(
                    format!("egress[{i}].methods"),
                    "[]",
                    "at least one method",
                ));
            }
            Ok(EgressRule {
                prefix: form::parse_prefix(&format!("egress[{i}].url"), &e.url, forms)?,
                methods: ms,
            })
        })
        .collect::<Result<Vec<_>, _>>()
}
