//! What the http capability reads of a plugin's manifest: one instance's
//! effective egress rules, auth profiles, secret fields and rate buckets
//! (its per-tenant URLs rendered, only what the operator approved). The
//! runtime hands them over; the capability never reads the aggregate
//! manifest.

use crate::capabilities::auth::section::AuthProfile;
use crate::capabilities::config::section::FieldSpec;
use crate::capabilities::network::section::{EgressRule, Method};
use crate::capabilities::ratelimit::section::RateLimitSpec;

/// The sections a plugin request is judged, sent and paced by.
#[derive(Debug, Clone, Default)]
pub struct Sections {
    /// Allowed egress.
    pub egress: Vec<EgressRule>,
    /// Brokered auth profiles.
    pub auth: Vec<AuthProfile>,
    /// Secret fields (where each may be attached).
    pub secrets: Vec<FieldSpec>,
    /// Rate buckets and the header profile.
    pub ratelimit: RateLimitSpec,
}

impl Sections {
    /// The auth profile whose audience covers `url`, if any.
    pub fn auth_for(&self, url: &url::Url) -> Option<&AuthProfile> {
        self.auth
            .iter()
            .find(|p| p.audience.iter().any(|a| a.covers(url)))
    }

    /// Whether an egress rule allows `method` on `url`.
    pub fn egress_allows(&self, method: Method, url: &url::Url) -> bool {
        self.egress.iter().any(|r| r.allows(method, url))
    }

    /// The secret field named `name`.
    pub fn secret_field(&self, name: &str) -> Option<&FieldSpec> {
        self.secrets.iter().find(|f| f.name == name)
    }

    /// The auth profile that uses secret `name`, if any.
    pub fn profile_using_secret(&self, name: &str) -> Option<&AuthProfile> {
        self.auth
            .iter()
            .find(|p| p.secret_refs().any(|s| s == name))
    }
}

/// The sections of manifest text, each parsed by its capability as the
/// manifest parses it (for the capability's own tests; the text's other
/// keys are ignored).
#[cfg(test)]
pub(crate) fn parse_for_tests(text: &str) -> Result<Sections, crate::section::ManifestError> {
    use crate::capabilities::{auth, config, network, ratelimit, secrets};
    #[derive(serde::Deserialize)]
    struct Raw {
        #[serde(default)]
        config: Vec<config::section::RawField>,
        #[serde(default)]
        secret: Vec<config::section::RawField>,
        #[serde(default)]
        egress: Vec<network::section::RawEgress>,
        #[serde(default)]
        auth: Vec<auth::section::RawAuth>,
        ratelimit: Option<ratelimit::section::RawRateLimit>,
    }
    let raw: Raw = toml::from_str(text)
        .map_err(|e| crate::section::ManifestError::Syntax(e.message().to_string()))?;
    let config = config::section::parse(raw.config)?;
    let forms = config::section::forms(&config);
    let secrets = secrets::section::parse(raw.secret, &forms)?;
    let egress = network::section::parse(&raw.egress, &forms)?;
    let auth = auth::section::parse(raw.auth, &forms)?;
    auth::section::check_refs(&auth, &config, &secrets)?;
    auth::section::check_secret_destinations(&secrets, &egress, &auth)?;
    let ratelimit = match raw.ratelimit {
        Some(r) => ratelimit::section::parse(r, &config)?,
        None => RateLimitSpec::default(),
    };
    Ok(Sections {
        egress,
        auth,
        secrets,
        ratelimit,
    })
}
