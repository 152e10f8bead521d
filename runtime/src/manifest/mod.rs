//! `plugin.toml`: what a plugin asks for, parsed once into types.
//!
//! The aggregate: it reads the file, checks the top-level keys (id,
//! version, contract, metadata) and hands each section to its capability's
//! parser (`capabilities/*/section.rs`, which own the section types; the
//! re-exports below are for the host's convenience). A capability never
//! reads this module (host/tests/architecture.rs).
//!
//! Unknown keys are errors (a misspelt setting must not silently become a
//! default), and every parse error names the field and quotes the value.
//! Matching on the request path uses these types and never re-parses text.

mod raw;
mod version;

pub use crate::capabilities::actions::section::ActionSpec;
pub use crate::capabilities::auth::section::{
    AuthKind, AuthProfile, AuthorizationCode, ClientAuth, ClientCredentials, GithubApp, Input,
    JwtAlg, JwtBearer, PARAMETER, ParamsIn, Present, Usage,
};
pub use crate::capabilities::config::section::FieldSpec;
pub use crate::capabilities::network::form::HostForm;
pub use crate::capabilities::network::section::{EgressRule, Method, UrlPrefix};
pub use crate::capabilities::ratelimit::section::{
    BucketSpec, HeaderProfile, MAX_IN_FLIGHT, Partition, PathPattern, Quota, RateLimitSpec,
    RequestMatcher, ResetHeader, ResetKind, UNMATCHED_BUCKET,
};
pub use crate::section::{ManifestError, Template, ValueRef};
pub use version::{BadVersion, MAX_VERSION_BYTES, VERSION_FORM, check_version};

use serde::Serialize;

use crate::capabilities::grant::Grant;
use crate::capabilities::network::form;

/// A parsed, validated plugin manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// Plugin id (lowercase letters, digits, `-`).
    pub id: String,
    /// Plugin version: a semantic version, at most 64 bytes (checked at
    /// parse; see [`check_version`]).
    pub version: String,
    /// Contract version the component targets.
    pub contract: String,
    /// Human name of the app.
    pub name: String,
    /// One paragraph for operators.
    pub description: String,
    /// Who ships it.
    pub vendor: String,
    /// Component file name, relative to the manifest.
    pub component: Option<String>,
    /// Non-secret settings.
    pub config: Vec<FieldSpec>,
    /// Secret settings.
    pub secrets: Vec<FieldSpec>,
    /// Allowed egress.
    pub egress: Vec<EgressRule>,
    /// Brokered auth profiles.
    pub auth: Vec<AuthProfile>,
    /// Rate buckets.
    pub ratelimit: RateLimitSpec,
    /// Governance actions.
    pub actions: Vec<ActionSpec>,
    /// Resource limits beyond the defaults (`[limits]`).
    pub limits: crate::capabilities::limits::section::LimitsSpec,
}

/// Whether `s` may be a plugin id: lowercase ASCII letters, digits and `-`,
/// 1 to 64 bytes.
pub fn is_plugin_id(s: &str) -> bool {
    crate::section::is_id(s)
}

impl Manifest {
    /// Parse and validate manifest text.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            ManifestError::Syntax(plugboard_core::text::neutralize(e.message()).into())
        })?;
        crate::section::text::check_tree(text, &table)?;
        let raw: raw::RawManifest =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    ManifestError::Syntax(plugboard_core::text::neutralize(e.message()).into())
                })?;
        raw.validate()
    }

    /// Refuse a contract outside `supported` — the versions the runtime has
    /// bindings for (`runtime::bindings::SUPPORTED`, the one source of
    /// truth), which the registry passes in: a manifest is data and does not
    /// know which runtime reads it.
    pub fn check_contract(&self, supported: &[&str]) -> Result<(), ManifestError> {
        if supported.contains(&self.contract.as_str()) {
            return Ok(());
        }
        let mut found = self.contract.clone();
        plugboard_core::text::clean_line(&mut found, 64);
        Err(ManifestError::UnsupportedContract {
            found,
            supported: supported.join(", "),
        })
    }

    /// This manifest for one instance whose settings (defaults applied) are
    /// `config`: every per-tenant URL pattern — egress, audiences, secret
    /// destinations — rendered with the instance's values and parsed again,
    /// so the checks downstream see concrete prefixes. The values were held
    /// to their forms when the instance was added.
    pub fn for_instance(
        &self,
        config: &std::collections::BTreeMap<String, String>,
    ) -> Result<Manifest, ManifestError> {
        let mut out = self.clone();
        // Only the auth profiles this instance's settings select.
        out.auth.retain(|p| p.applies(config));
        for (i, rule) in out.egress.iter_mut().enumerate() {
            rule.prefix = form::instantiate(&rule.prefix, &format!("egress[{i}].url"), config)?;
        }
        for (i, profile) in out.auth.iter_mut().enumerate() {
            for prefix in &mut profile.audience {
                *prefix = form::instantiate(prefix, &format!("auth[{i}].audience"), config)?;
            }
        }
        for (i, secret) in out.secrets.iter_mut().enumerate() {
            for prefix in &mut secret.send_to {
                *prefix = form::instantiate(prefix, &format!("secret[{i}].send_to"), config)?;
            }
        }
        Ok(out)
    }

    /// What the http capability reads: the egress rules, auth profiles,
    /// secret fields and rate buckets.
    pub fn http_sections(&self) -> crate::capabilities::http::Sections {
        crate::capabilities::http::Sections {
            egress: self.egress.clone(),
            auth: self.auth.clone(),
            secrets: self.secrets.clone(),
            ratelimit: self.ratelimit.clone(),
        }
    }

    /// The secret field named `name`.
    pub fn secret_field(&self, name: &str) -> Option<&FieldSpec> {
        self.secrets.iter().find(|f| f.name == name)
    }
}

/// The grant against the aggregate: a grant names the sections' items, and
/// only the aggregate holds them all.
impl Grant {
    /// The effective manifest: what the plugin asked for ∩ what the operator
    /// approved. Anything not approved is simply absent, so every capability
    /// check downstream fails closed.
    pub fn effective(&self, m: &Manifest) -> Manifest {
        let mut out = m.clone();
        out.egress.retain(|e| self.egress.contains(&e.to_string()));
        out.auth.retain(|a| self.auth.contains(&a.name));
        out.actions.retain(|a| self.actions.contains(&a.name));
        out
    }

    /// Everything the manifest asks for except `secrets.reveal`.
    pub fn all_requested(m: &Manifest, approved_by: &str) -> Self {
        Grant {
            egress: m.egress.iter().map(|e| e.to_string()).collect(),
            auth: m.auth.iter().map(|a| a.name.clone()).collect(),
            actions: m.actions.iter().map(|a| a.name.clone()).collect(),
            reveal_secrets: false,
            approved_by: approved_by.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_auth;
