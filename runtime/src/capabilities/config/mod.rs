//! Instance settings (`[[config]]`): what an instance was given, checked
//! against the manifest — unknown keys refused, defaults applied, each value
//! within its choices and, where a URL names it, of its form (a per-tenant
//! origin must not be able to point elsewhere).

pub mod grant;
pub mod section;

use std::collections::BTreeMap;

use plugboard_core::Blame;

use section::{FieldSpec, field};

/// Why an instance's settings do not fit its plugin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// A key the manifest does not declare.
    #[error(
        "instance setting `{0}` is not declared by the plugin; see `plugboard plugin inspect` for its settings"
    )]
    Unknown(String),
    /// A required setting without a value or a default.
    #[error("instance is missing required setting `{name}`: {description}")]
    Missing {
        /// Field name.
        name: String,
        /// What it is, from the manifest.
        description: String,
    },
    /// A value outside the field's choices.
    #[error("instance setting `{name}` = {value:?} must be one of: {choices}")]
    Choice {
        /// Field name.
        name: String,
        /// Value given (neutralised, cut short).
        value: String,
        /// The allowed values.
        choices: String,
    },
    /// A value placed in the plugin's URLs that does not have its form.
    #[error("instance setting `{name}` = {value:?} must be {form}")]
    Form {
        /// Field name.
        name: String,
        /// Value given (neutralised, cut short).
        value: String,
        /// The form, described.
        form: &'static str,
    },
}

impl SettingsError {
    /// Settings are the operator's.
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }
}

/// Text an operator gave, safe to quote in an error.
fn shown(value: &str) -> String {
    let mut out = value.to_string();
    plugboard_core::text::clean_line(&mut out, 120);
    out
}

/// The settings an instance runs with: `given`, checked against the
/// plugin's `config` fields, with defaults filled in.
pub fn resolve(
    config: &[FieldSpec],
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, SettingsError> {
    if let Some(k) = given.keys().find(|k| field(config, k).is_none()) {
        return Err(SettingsError::Unknown(shown(k)));
    }
    let mut out = BTreeMap::new();
    for f in config {
        let Some(value) = given.get(&f.name).or(f.default.as_ref()) else {
            if f.required {
                return Err(SettingsError::Missing {
                    name: f.name.clone(),
                    description: f.description.clone(),
                });
            }
            continue;
        };
        if !f.choices.is_empty() && !f.choices.contains(value) {
            return Err(SettingsError::Choice {
                name: f.name.clone(),
                value: shown(value),
                choices: f.choices.join(", "),
            });
        }
        if let Some(form) = f.form
            && !form.accepts(value)
        {
            return Err(SettingsError::Form {
                name: f.name.clone(),
                value: shown(value),
                form: form.describe(),
            });
        }
        out.insert(f.name.clone(), value.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
[[config]]
name = "plan"
choices = ["free", "pro"]
default = "free"

[[config]]
name = "subdomain"
required = true
form = "dns-label"
"#;

    /// The `[[config]]` section of [`MANIFEST`].
    fn config() -> Vec<FieldSpec> {
        #[derive(serde::Deserialize)]
        struct Raw {
            config: Vec<section::RawField>,
        }
        let raw: Raw = toml::from_str(MANIFEST).unwrap_or_else(|e| panic!("{e}"));
        section::parse(raw.config).unwrap_or_else(|e| panic!("{e}"))
    }

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_fill_what_was_not_given() {
        let m = config();
        let got = resolve(&m, &given(&[("subdomain", "acme")])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got, given(&[("plan", "free"), ("subdomain", "acme")]));
    }

    #[test]
    fn each_misfit_is_refused_by_kind_with_the_value_neutralised() {
        let m = config();
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("subdomain", "a"), ("colour", "red")], "not declared"),
            (&[], "missing required setting `subdomain`"),
            (
                &[("subdomain", "a"), ("plan", "gold")],
                "must be one of: free, pro",
            ),
            (&[("subdomain", "evil.example\u{1b}[2J/")], "must be"),
        ];
        for (pairs, expected) in cases {
            let err = resolve(&m, &given(pairs)).err();
            let text = err.as_ref().map(ToString::to_string).unwrap_or_default();
            assert!(text.contains(expected), "{pairs:?}: {text:?}");
            assert!(
                !text.contains('\u{1b}'),
                "{pairs:?}: raw escape in {text:?}"
            );
            assert_eq!(err.map(|e| e.blame()), Some(Blame::Operator), "{pairs:?}");
        }
    }
}
