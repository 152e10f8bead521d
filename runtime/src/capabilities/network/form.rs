//! Per-tenant origins: a `[[config]]` field whose value names where the
//! tenant lives (`form = "dns-label"`: `acme` in
//! `https://{config:subdomain}.zendesk.com/`; `form = "https-origin"`:
//! `https://acme.okta.com` in `{config:org_url}/api/v1/`).
//!
//! Threat: a setting spliced into a URL could move it anywhere — another
//! host, a path trick, credentials in the authority. Decision: only a field
//! that declares its form may appear in a URL, only in the URL's host, its
//! value is checked against the form when the instance is added (the error
//! names the form), and the URL is rendered and parsed again per instance, so
//! every check downstream sees a concrete, canonical prefix. The operator
//! approves the pattern exactly as written.

use std::collections::BTreeMap;

use serde::Serialize;
use url::Url;

use super::section::{UrlPrefix, is_dns_name};
use crate::section::{ManifestError, Template};

/// What a config value placed in a URL must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostForm {
    /// One DNS label: lower-case letters, digits and inner hyphens, 1–63.
    DnsLabel,
    /// An `https://host[:port]` origin with a DNS host name and nothing else.
    HttpsOrigin,
}

impl HostForm {
    /// Parse a manifest's `form`.
    pub fn parse(field: &str, text: &str) -> Result<HostForm, ManifestError> {
        match text {
            "dns-label" => Ok(HostForm::DnsLabel),
            "https-origin" => Ok(HostForm::HttpsOrigin),
            _ => Err(ManifestError::field(
                field,
                text,
                "`dns-label` or `https-origin`",
            )),
        }
    }

    /// The form, as an operator reads it in an error.
    pub fn describe(self) -> &'static str {
        match self {
            HostForm::DnsLabel => {
                "one DNS label: lower-case letters, digits and inner hyphens, at most 63 (e.g. `acme`)"
            }
            HostForm::HttpsOrigin => {
                "an https origin with nothing after the host or port (e.g. `https://acme.okta.com`)"
            }
        }
    }

    /// Whether `value` has this form.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            HostForm::DnsLabel => {
                !value.contains('.')
                    && value.bytes().all(|b| !b.is_ascii_uppercase())
                    && is_dns_name(value)
            }
            HostForm::HttpsOrigin => Url::parse(value).is_ok_and(|u| {
                u.scheme() == "https"
                    && u.username().is_empty()
                    && u.password().is_none()
                    && u.query().is_none()
                    && u.fragment().is_none()
                    && u.path() == "/"
                    && u.as_str() == format!("{value}/")
                    && u.host_str().is_some_and(is_dns_name)
            }),
        }
    }

    /// A value of this form standing for field `name` in the manifest's own
    /// checks (`second`: another one, to find where the value lands). The
    /// name is in it, so patterns naming different fields never compare
    /// equal.
    fn sample(self, name: &str, second: bool) -> String {
        let label = format!(
            "{}-{}",
            name.replace('_', "-"),
            if second { "b" } else { "a" }
        );
        match self {
            HostForm::DnsLabel => label,
            HostForm::HttpsOrigin => format!("https://{label}.invalid"),
        }
    }
}

/// A URL prefix as written in a manifest: plain, or a pattern whose
/// placeholders name config fields with a form and stand only in the host.
/// A pattern is matched through a sample (so comparisons between versions
/// are meaningful) and rendered per instance by [`instantiate`].
pub fn parse_prefix(
    field: &str,
    text: &str,
    forms: &BTreeMap<String, HostForm>,
) -> Result<UrlPrefix, ManifestError> {
    if !text.contains('{') {
        return UrlPrefix::parse(field, text);
    }
    let template = Template::parse(field, text)?;
    for name in template.config_refs() {
        if !forms.contains_key(name) {
            return Err(ManifestError::field(
                field,
                text,
                format!(
                    "a placeholder in a URL names a [[config]] field with a `form` (`dns-label` or `https-origin`); `{name}` has none"
                ),
            ));
        }
    }
    let sample = |second: bool| {
        template
            .render_verbatim(|n| forms.get(n).map(|f| f.sample(n, second)))
            .ok_or_else(|| ManifestError::field(field, text, "a placeholder names no form"))
    };
    let (a, b) = (sample(false)?, sample(true)?);
    let (pa, pb) = (UrlPrefix::parse(field, &a)?, UrlPrefix::parse(field, &b)?);
    if (&pa.scheme, pa.port, &pa.path) != (&pb.scheme, pb.port, &pb.path) || pa.host == pb.host {
        return Err(ManifestError::field(
            field,
            text,
            "a placeholder may stand only in the URL's host (`https://{config:NAME}.example.com/…`, or `{config:NAME}/…` for an https-origin field)",
        ));
    }
    Ok(UrlPrefix {
        text: text.to_string(),
        pattern: Some(template),
        ..pa
    })
}

/// `prefix` for one instance whose settings are `config`: a pattern
/// rendered with the instance's values and parsed again; a plain prefix as
/// it is. `None` names the missing setting.
pub fn instantiate(
    prefix: &UrlPrefix,
    field: &str,
    config: &BTreeMap<String, String>,
) -> Result<UrlPrefix, ManifestError> {
    let Some(pattern) = &prefix.pattern else {
        return Ok(prefix.clone());
    };
    let text = pattern
        .render_verbatim(|n| config.get(n).cloned())
        .ok_or_else(|| {
            ManifestError::field(field, &prefix.text, "a setting it names has no value")
        })?;
    UrlPrefix::parse(field, &text)
}
