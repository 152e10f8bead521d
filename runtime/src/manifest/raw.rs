//! The TOML shape of `plugin.toml`, and its validation into [`Manifest`]:
//! the top-level keys here, each section by its capability's parser (its
//! `section.rs`), in the order the checks have always run.

use serde::Deserialize;

use super::version::{VERSION_FORM, check_version};
use super::{Manifest, ManifestError};
use crate::capabilities::ratelimit::section::{RateLimitSpec, RawRateLimit};
use crate::capabilities::{actions, auth, config, limits, network, ratelimit, secrets};
use crate::section::{is_id, text};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    id: String,
    version: String,
    contract: String,
    name: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    vendor: String,
    component: Option<String>,
    #[serde(default)]
    config: Vec<config::section::RawField>,
    #[serde(default)]
    secret: Vec<config::section::RawField>,
    #[serde(default)]
    egress: Vec<network::section::RawEgress>,
    #[serde(default)]
    auth: Vec<auth::section::RawAuth>,
    #[serde(default)]
    ratelimit: Option<RawRateLimit>,
    #[serde(default)]
    action: Vec<actions::section::RawAction>,
    limits: Option<limits::section::RawLimits>,
}

impl RawManifest {
    pub(super) fn validate(self) -> Result<Manifest, ManifestError> {
        if !is_id(&self.id) {
            return Err(ManifestError::field(
                "id",
                &self.id,
                "lowercase letters, digits and `-`, at most 64",
            ));
        }
        if check_version(&self.version).is_err() {
            return Err(ManifestError::field("version", &self.version, VERSION_FORM));
        }
        for (field, value) in [
            ("name", self.name.as_deref()),
            ("vendor", Some(&self.vendor)),
        ] {
            if let Some(v) = value {
                text::check_str(field, v, text::MAX_LABEL)?;
            }
        }
        text::check_str("contract", &self.contract, text::MAX_LABEL)?;
        if let Some(c) = &self.component
            && (c.contains('/') || c.contains('\\') || !c.ends_with(".wasm"))
        {
            return Err(ManifestError::field(
                "component",
                c,
                "a file name ending in .wasm, beside plugin.toml",
            ));
        }
        // Each section by its capability; a check across two sections in
        // the capability that reads the other, one way.
        let config = config::section::parse(self.config)?;
        let forms = config::section::forms(&config);
        let secrets = secrets::section::parse(self.secret, &forms)?;
        let egress = network::section::parse(&self.egress, &forms)?;
        let auth = auth::section::parse(self.auth, &forms)?;
        auth::section::check_refs(&auth, &config, &secrets)?;
        auth::section::check_secret_destinations(&secrets, &egress, &auth)?;
        let ratelimit = match self.ratelimit {
            None => RateLimitSpec::default(),
            Some(r) => ratelimit::section::parse(r, &config)?,
        };
        let actions = actions::section::parse(self.action)?;
        let limits = match self.limits {
            None => limits::section::LimitsSpec::default(),
            Some(l) => limits::section::parse(l)?,
        };

        Ok(Manifest {
            name: self.name.unwrap_or_else(|| self.id.clone()),
            id: self.id,
            version: self.version,
            contract: self.contract,
            description: self.description,
            vendor: self.vendor,
            component: self.component,
            config,
            secrets,
            egress,
            auth,
            ratelimit,
            actions,
            limits,
        })
    }
}
