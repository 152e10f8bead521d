//! Values in auth profiles that come from instance config or secrets.

use serde::Serialize;

use super::ManifestError;

/// Where a value comes from: written as `secret:NAME`, `config:NAME` or literal text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", content = "name", rename_all = "kebab-case")]
pub enum ValueRef {
    /// A literal string.
    Literal(String),
    /// An instance config field.
    Config(String),
    /// An instance secret field.
    Secret(String),
}

impl ValueRef {
    /// Parse `secret:NAME`, `config:NAME` or a literal.
    pub fn parse(field: &str, text: &str) -> Result<ValueRef, ManifestError> {
        let check = |name: &str| {
            if is_field_name(name) {
                Ok(name.to_string())
            } else {
                Err(ManifestError::field(
                    field,
                    text,
                    "expected `secret:NAME`, `config:NAME` or a literal; NAME is letters, digits and `_`",
                ))
            }
        };
        if let Some(name) = text.strip_prefix("secret:") {
            Ok(ValueRef::Secret(check(name)?))
        } else if let Some(name) = text.strip_prefix("config:") {
            Ok(ValueRef::Config(check(name)?))
        } else {
            Ok(ValueRef::Literal(text.to_string()))
        }
    }
}

/// True when `name` is a valid config/secret field name.
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// A config value, URL-path-escaped when substituted.
    Config(String),
}

/// A URL with `{config:NAME}` placeholders, e.g.
/// `https://login.microsoftonline.com/{config:tenant_id}/oauth2/v2.0/token`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    /// The original text, for messages.
    pub text: String,
    /// Parsed parts.
    pub parts: Vec<TemplatePart>,
}

impl Template {
    /// Parse a template; only `{config:NAME}` placeholders are allowed.
    pub fn parse(field: &str, text: &str) -> Result<Template, ManifestError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let (before, after) = rest.split_at(start);
            if !before.is_empty() {
                parts.push(TemplatePart::Text(before.to_string()));
            }
            let end = after.find('}').ok_or_else(|| {
                ManifestError::field(
                    field,
                    text,
                    "unclosed `{`; placeholders look like `{config:NAME}`",
                )
            })?;
            let inner = after.get(1..end).unwrap_or_default();
            let name = inner
                .strip_prefix("config:")
                .filter(|n| is_field_name(n))
                .ok_or_else(|| {
                    ManifestError::field(field, text, "placeholders look like `{config:NAME}`")
                })?;
            parts.push(TemplatePart::Config(name.to_string()));
            rest = after.get(end + 1..).unwrap_or_default();
        }
        if !rest.is_empty() {
            parts.push(TemplatePart::Text(rest.to_string()));
        }
        Ok(Template {
            text: text.to_string(),
            parts,
        })
    }

    /// Config names the template needs.
    pub fn config_refs(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            TemplatePart::Config(n) => Some(n.as_str()),
            TemplatePart::Text(_) => None,
        })
    }

    /// Substitute config values (percent-encoding them so a value cannot
    /// change the URL's structure). `None` when a value is missing.
    pub fn render(&self, lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
        self.substitute(lookup, |out, value| {
            out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        })
    }

    /// Substitute config values as they are: only for values already held
    /// to a form that cannot change the URL's structure (`form.rs`).
    pub(crate) fn render_verbatim(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Option<String> {
        self.substitute(lookup, |out, value| out.push_str(value))
    }

    fn substitute(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
        put: impl Fn(&mut String, &str),
    ) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                TemplatePart::Text(t) => out.push_str(t),
                TemplatePart::Config(name) => put(&mut out, &lookup(name)?),
            }
        }
        Some(out)
    }
}
