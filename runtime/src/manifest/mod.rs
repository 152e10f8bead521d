//! `plugin.toml`: what a plugin asks for, parsed once into types.
//!
//! Unknown keys are errors (a misspelt setting must not silently become a
//! default), and every parse error names the field and quotes the value.
//! Matching on the request path uses these types and never re-parses text.

mod auth;
mod egress;
mod form;
mod ratelimit;
mod raw;
mod text;
mod value;
mod version;

pub use auth::{
    AuthKind, AuthProfile, AuthorizationCode, ClientAuth, ClientCredentials, GithubApp, Input,
    JwtAlg, JwtBearer, PARAMETER, ParamsIn, Present, Usage,
};
use egress::is_dns_name;
pub use egress::{EgressRule, Method, UrlPrefix};
pub use form::HostForm;
pub use ratelimit::{
    BucketSpec, HeaderProfile, MAX_IN_FLIGHT, Partition, PathPattern, Quota, RateLimitSpec,
    RequestMatcher, ResetHeader, ResetKind, UNMATCHED_BUCKET,
};
pub use value::{Template, ValueRef};
pub use version::{BadVersion, MAX_VERSION_BYTES, VERSION_FORM, check_version};

use std::collections::BTreeSet;

use plugboard_core::Blame;
use serde::Serialize;

/// A config or secret field an instance must (or may) provide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldSpec {
    /// Field name.
    pub name: String,
    /// What it is, for operators.
    pub description: String,
    /// Whether an instance must set it.
    pub required: bool,
    /// Default value (config only).
    pub default: Option<String>,
    /// Allowed values, when restricted (config only).
    pub choices: Vec<String>,
    /// What the value must look like where a URL names it (config only):
    /// a per-tenant origin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<HostForm>,
    /// Where the host may attach the value as a plugin's secret header
    /// (secrets only; empty: nowhere). Each prefix lies within an egress rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub send_to: Vec<UrlPrefix>,
}

/// A governance action the plugin may perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionSpec {
    /// Action name (e.g. `suspend-user`).
    pub name: String,
    /// What it does.
    pub description: String,
}

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
}

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not valid TOML or an unknown/missing field.
    #[error("plugin.toml is not valid: {0}")]
    Syntax(String),
    /// A field has a bad value.
    #[error("plugin.toml field `{field}` = {value:?} is not valid: {reason}")]
    Field {
        /// Dotted field path.
        field: String,
        /// The value as written.
        value: String,
        /// What is accepted.
        reason: String,
    },
    /// The contract version is not one this host supports.
    #[error(
        "plugin targets contract {found}, but this host supports {supported}; rebuild the plugin against a supported plugboard-sdk"
    )]
    UnsupportedContract {
        /// The manifest's contract.
        found: String,
        /// Supported versions.
        supported: String,
    },
}

impl ManifestError {
    /// A manifest is operator or vendor input: the operator must fix or replace it.
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }

    /// A field error; the value is quoted neutralised and cut short, so the
    /// error is safe to print whatever the manifest held.
    pub(crate) fn field(
        field: impl Into<String>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        let mut shown = value.into();
        plugboard_core::text::clean_line(&mut shown, 120);
        let mut field = field.into();
        plugboard_core::text::clean_line(&mut field, 120);
        ManifestError::Field {
            field,
            value: shown,
            reason: reason.into(),
        }
    }
}

/// Whether `s` may be a plugin id: lowercase ASCII letters, digits and `-`,
/// 1 to 64 bytes.
pub fn is_plugin_id(s: &str) -> bool {
    raw::is_id(s)
}

impl Manifest {
    /// Parse and validate manifest text.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            ManifestError::Syntax(plugboard_core::text::neutralize(e.message()).into())
        })?;
        text::check_tree(text, &table)?;
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

    /// The config field named `name`.
    pub fn config_field(&self, name: &str) -> Option<&FieldSpec> {
        self.config.iter().find(|f| f.name == name)
    }

    /// The secret field named `name`.
    pub fn secret_field(&self, name: &str) -> Option<&FieldSpec> {
        self.secrets.iter().find(|f| f.name == name)
    }

    /// The auth profile whose audience covers `url`, if any.
    pub fn auth_for(&self, url: &url::Url) -> Option<&AuthProfile> {
        self.auth
            .iter()
            .find(|p| p.audience.iter().any(|a| a.covers(url)))
    }

    /// The first egress rule that allows `method` on `url`, if any.
    pub fn egress_allows(&self, method: Method, url: &url::Url) -> bool {
        self.egress.iter().any(|r| r.allows(method, url))
    }

    /// Names of secrets referenced by auth profiles: the host sends them only
    /// to their profile's token endpoint, never as a plugin's secret header.
    pub fn brokered_secrets(&self) -> BTreeSet<&str> {
        self.auth.iter().flat_map(|p| p.secret_refs()).collect()
    }

    /// The auth profile that uses secret `name`, if any.
    pub fn profile_using_secret(&self, name: &str) -> Option<&AuthProfile> {
        self.auth
            .iter()
            .find(|p| p.secret_refs().any(|s| s == name))
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_auth;
