//! Brokered auth profiles: how the host obtains a credential for a plugin and
//! how it presents it to the profile's audience.
//!
//! A profile is data, not code, in two halves: its [`AuthKind`] says how the
//! credential is obtained (Zoom's `account_credentials` grant and Entra ID's
//! `client_credentials` grant are both a token URL, a grant type, a client
//! authentication style and extra parameters drawn from config or secrets),
//! and its [`Present`] says how the credential goes on a request to the
//! audience (`Authorization: Bearer …`, another header and scheme, or a query
//! parameter). Adding a kind is one [`AuthKind`] variant: its inputs
//! ([`AuthKind::inputs`]), its token URL, its approval line and its mint.

use serde::Serialize;

use super::{Template, UrlPrefix, ValueRef};

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic `base64(client_id:client_secret)`.
    Basic {
        /// Client secret source.
        secret: ValueRef,
    },
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    Post {
        /// Client secret source.
        secret: ValueRef,
    },
}

impl ClientAuth {
    /// The standard name (`client_secret_basic`, ...), for prompts.
    pub fn method(&self) -> &'static str {
        match self {
            ClientAuth::Basic { .. } => "client_secret_basic",
            ClientAuth::Post { .. } => "client_secret_post",
        }
    }

    /// The secret or key this method sends or signs with, and what it is
    /// called in prompts.
    pub fn credential(&self) -> (&'static str, &ValueRef) {
        match self {
            ClientAuth::Basic { secret } | ClientAuth::Post { secret } => ("client secret", secret),
        }
    }
}

/// Where the grant type and extra parameters go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ParamsIn {
    /// In the URL query string (Zoom).
    Query,
    /// In an `application/x-www-form-urlencoded` body (OAuth 2 standard).
    Form,
}

/// How a profile's credential goes on a request to its audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Present {
    /// In header `name` (as written, e.g. `Authorization`), after `scheme`
    /// and one space when `scheme` is not empty (`Bearer`, `token`, ...).
    Header {
        /// Header name.
        name: String,
        /// Authentication scheme, or empty for the bare credential.
        scheme: String,
    },
    /// As query parameter `param` of the URL sent (never of the URL the
    /// plugin sees).
    Query {
        /// Parameter name.
        param: String,
    },
}

impl Default for Present {
    /// `Authorization: Bearer …`.
    fn default() -> Self {
        Present::Header {
            name: "Authorization".into(),
            scheme: "Bearer".into(),
        }
    }
}

impl Present {
    /// The header name in lower case, when the credential goes in a header.
    pub fn header_lower(&self) -> Option<String> {
        match self {
            Present::Header { name, .. } => Some(name.to_ascii_lowercase()),
            Present::Query { .. } => None,
        }
    }

    /// The header value carrying `credential`.
    pub fn header_value(&self, credential: &str) -> String {
        match self {
            Present::Header { scheme, .. } if !scheme.is_empty() => {
                format!("{scheme} {credential}")
            }
            _ => credential.to_string(),
        }
    }

    /// How it looks on a request, for prompts: `Authorization: Bearer <token>`.
    pub fn describe(&self, what: &str) -> String {
        match self {
            Present::Header { name, scheme } if scheme.is_empty() => format!("`{name}: <{what}>`"),
            Present::Header { name, scheme } => format!("`{name}: {scheme} <{what}>`"),
            Present::Query { param } => format!("query parameter `{param}=<{what}>`"),
        }
    }
}

/// An OAuth token request in which the client authenticates as itself
/// (RFC 6749 §4.4 and grants shaped like it, e.g. Zoom's
/// `account_credentials`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientCredentials {
    /// Token endpoint, may contain `{config:NAME}`.
    pub token_url: Template,
    /// OAuth grant type.
    pub grant_type: String,
    /// How the client authenticates.
    pub client_auth: ClientAuth,
    /// Client id source.
    pub client_id: ValueRef,
    /// Where parameters go.
    pub params_in: ParamsIn,
    /// Extra parameters (`account_id`, `scope`, ...).
    pub params: Vec<(String, ValueRef)>,
}

/// The authorization-code grant with PKCE (S256) and refresh tokens (RFC
/// 6749 §4.1, RFC 7636): an admin consents once in a browser, and the host
/// keeps the refresh token ("Connect Zoom").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorizationCode {
    /// The authorize endpoint the admin opens, may contain `{config:NAME}`.
    pub authorize_url: Template,
    /// Token endpoint, may contain `{config:NAME}`.
    pub token_url: Template,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// Client id source.
    pub client_id: ValueRef,
    /// Extra authorize parameters (`scope`, ...).
    pub authorize_params: Vec<(String, ValueRef)>,
}

/// How a profile obtains its credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AuthKind {
    /// `kind = "client_credentials"` (the default).
    ClientCredentials(ClientCredentials),
    /// `kind = "authorization_code"`: the consent flow.
    AuthorizationCode(AuthorizationCode),
}

impl AuthKind {
    /// The manifest name of the kind.
    pub fn name(&self) -> &'static str {
        match self {
            AuthKind::ClientCredentials(_) => "client_credentials",
            AuthKind::AuthorizationCode(_) => "authorization_code",
        }
    }

    /// Every value the kind reads, named for prompts (`client id`, ...).
    pub fn inputs(&self) -> Vec<(String, &ValueRef)> {
        match self {
            AuthKind::ClientCredentials(c) => {
                let (label, credential) = c.client_auth.credential();
                let mut v = vec![
                    ("client id".to_string(), &c.client_id),
                    (label.to_string(), credential),
                ];
                v.extend(c.params.iter().map(|(k, r)| (k.clone(), r)));
                v
            }
            AuthKind::AuthorizationCode(c) => {
                let (label, credential) = c.client_auth.credential();
                let mut v = vec![
                    ("client id".to_string(), &c.client_id),
                    (label.to_string(), credential),
                ];
                v.extend(c.authorize_params.iter().map(|(k, r)| (k.clone(), r)));
                v
            }
        }
    }

    /// The endpoint the host asks for a token, if the kind has one.
    pub fn token_url(&self) -> Option<&Template> {
        match self {
            AuthKind::ClientCredentials(c) => Some(&c.token_url),
            AuthKind::AuthorizationCode(c) => Some(&c.token_url),
        }
    }
}

/// One `[[auth]]` profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthProfile {
    /// Profile name.
    pub name: String,
    /// URL prefixes that receive this profile's credential.
    pub audience: Vec<UrlPrefix>,
    /// Minting a token revokes the client's earlier tokens, so two instances
    /// must never share these credentials.
    pub exclusive_token: bool,
    /// How the credential goes on a request to the audience.
    pub present: Present,
    /// How the credential is obtained.
    pub kind: AuthKind,
    /// `when = { config = FIELD, is = VALUE }`: the profile applies only to
    /// instances whose setting FIELD is VALUE (an instance picks one of
    /// several ways to authenticate).
    pub when: Option<(String, String)>,
}

impl AuthProfile {
    /// The endpoint the host asks for a token, if the kind has one.
    pub fn token_url(&self) -> Option<&Template> {
        self.kind.token_url()
    }

    /// Secret names this profile consumes.
    pub fn secret_refs(&self) -> impl Iterator<Item = &str> {
        self.kind.inputs().into_iter().filter_map(|(_, v)| match v {
            ValueRef::Secret(n) => Some(n.as_str()),
            _ => None,
        })
    }

    /// Config names this profile consumes.
    pub fn config_refs(&self) -> impl Iterator<Item = &str> {
        let authorize = match &self.kind {
            AuthKind::AuthorizationCode(c) => Some(&c.authorize_url),
            AuthKind::ClientCredentials(_) => None,
        };
        self.kind
            .inputs()
            .into_iter()
            .filter_map(|(_, v)| match v {
                ValueRef::Config(n) => Some(n.as_str()),
                _ => None,
            })
            .chain(self.token_url().into_iter().flat_map(|t| t.config_refs()))
            .chain(authorize.into_iter().flat_map(|t| t.config_refs()))
    }

    /// Whether the profile applies to an instance with these settings.
    pub fn applies(&self, config: &std::collections::BTreeMap<String, String>) -> bool {
        self.when
            .as_ref()
            .is_none_or(|(field, value)| config.get(field) == Some(value))
    }
}
