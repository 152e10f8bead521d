//! The `[[config]]` section: instance settings a plugin declares, and the
//! field shape `[[secret]]` shares ([`FieldSpec`], [`fields`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::capabilities::network::form::{self, HostForm};
use crate::capabilities::network::section::UrlPrefix;
use crate::section::{ManifestError, is_field_name};

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

/// One `[[config]]` or `[[secret]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    name: String,
    #[serde(default)]
    description: String,
    required: Option<bool>,
    default: Option<String>,
    #[serde(default)]
    choices: Vec<String>,
    #[serde(default)]
    send_to: Vec<String>,
    form: Option<String>,
}

/// The `[[config]]` section.
pub fn parse(raw: Vec<RawField>) -> Result<Vec<FieldSpec>, ManifestError> {
    fields("config", raw, false, &BTreeMap::new())
}

/// The forms of the fields that have one: what a URL may name.
pub fn forms(config: &[FieldSpec]) -> BTreeMap<String, HostForm> {
    config
        .iter()
        .filter_map(|f| f.form.map(|form| (f.name.clone(), form)))
        .collect()
}

/// The fields of section `kind` (`config` or `secret`).
pub fn fields(
    kind: &str,
    raw: Vec<RawField>,
    secret: bool,
    forms: &BTreeMap<String, HostForm>,
) -> Result<Vec<FieldSpec>, ManifestError> {
    let mut seen = BTreeSet::new();
    raw.into_iter()
        .enumerate()
        .map(|(i, f)| {
            let at = format!("{kind}[{i}].name");
            if !is_field_name(&f.name) {
                return Err(ManifestError::field(
                    at,
                    &f.name,
                    "lowercase letters, digits and `_`",
                ));
            }
            if !seen.insert(f.name.clone()) {
                return Err(ManifestError::field(
                    at,
                    &f.name,
                    "each name may appear once",
                ));
            }
            if !secret && !f.send_to.is_empty() {
                return Err(ManifestError::field(
                    format!("{kind}[{i}].send_to"),
                    &f.name,
                    "only a [[secret]] has destinations",
                ));
            }
            let send_to = f
                .send_to
                .iter()
                .map(|u| form::parse_prefix(&format!("{kind}[{i}].send_to"), u, forms))
                .collect::<Result<Vec<_>, _>>()?;
            if secret && (f.default.is_some() || !f.choices.is_empty()) {
                return Err(ManifestError::field(
                    format!("{kind}[{i}]"),
                    &f.name,
                    "secrets take no `default` or `choices`",
                ));
            }
            if let Some(d) = &f.default
                && !f.choices.is_empty()
                && !f.choices.contains(d)
            {
                return Err(ManifestError::field(
                    format!("{kind}[{i}].default"),
                    d,
                    format!("one of {}", f.choices.join(", ")),
                ));
            }
            let form = match (&f.form, secret) {
                (None, _) => None,
                (Some(_), true) => {
                    return Err(ManifestError::field(
                        format!("{kind}[{i}].form"),
                        &f.name,
                        "only a [[config]] field has a form",
                    ));
                }
                (Some(text), false) => Some(HostForm::parse(&format!("{kind}[{i}].form"), text)?),
            };
            if let Some(form) = form
                && let Some(bad) = f
                    .default
                    .iter()
                    .chain(&f.choices)
                    .find(|v| !form.accepts(v))
            {
                return Err(ManifestError::field(
                    format!("{kind}[{i}]"),
                    bad,
                    format!("a default or choice of the form {}", form.describe()),
                ));
            }
            Ok(FieldSpec {
                form,
                required: f.required.unwrap_or(f.default.is_none()),
                name: f.name,
                description: f.description,
                default: f.default,
                choices: f.choices,
                send_to,
            })
        })
        .collect()
}

/// The field named `name` of `fields`.
pub fn field<'a>(fields: &'a [FieldSpec], name: &str) -> Option<&'a FieldSpec> {
    fields.iter().find(|f| f.name == name)
}

/// A section whose settings decide where credentials go or how requests are
/// paced (auth profiles' inputs and URLs, the rate-limit plan field): its
/// config fields need approval when their default or choices change
/// ([`super::grant::Deciding`]).
pub trait ReadsConfig {
    /// The config fields it reads.
    fn deciding_config(&self) -> Vec<&str>;
}
