//! Brokered auth profiles: how the host mints tokens for a plugin.
//!
//! A profile is data, not code: Zoom's `account_credentials` grant and Entra
//! ID's `client_credentials` grant are both a token URL, a grant type, a client
//! authentication style and extra parameters drawn from config or secrets.

use serde::Serialize;

use super::{Template, UrlPrefix, ValueRef};

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// HTTP Basic `base64(client_id:client_secret)`.
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Form,
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

/// One `[[auth]]` profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthProfile {
    /// Profile name.
    pub name: String,
    /// Token endpoint, may contain `{config:NAME}`.
    pub token_url: Template,
    /// OAuth grant type.
    pub grant_type: String,
    /// Client authentication style.
    pub client_auth: ClientAuth,
    /// Client id source.
    pub client_id: ValueRef,
    /// Client secret source.
    pub client_secret: ValueRef,
    /// Where parameters go.
    pub params_in: ParamsIn,
    /// Extra parameters (`account_id`, `scope`, ...).
    pub params: Vec<(String, ValueRef)>,
    /// URL prefixes that receive this profile's bearer token.
    pub audience: Vec<UrlPrefix>,
    /// Minting a token revokes the client's earlier tokens, so two instances
    /// must never share these credentials.
    pub exclusive_token: bool,
}

impl AuthProfile {
    /// Secret names this profile consumes.
    pub fn secret_refs(&self) -> impl Iterator<Item = &str> {
        [&self.client_id, &self.client_secret]
            .into_iter()
            .chain(self.params.iter().map(|(_, v)| v))
            .filter_map(|v| match v {
                ValueRef::Secret(n) => Some(n.as_str()),
                _ => None,
            })
    }

    /// Config names this profile consumes.
    pub fn config_refs(&self) -> impl Iterator<Item = &str> {
        [&self.client_id, &self.client_secret]
            .into_iter()
            .chain(self.params.iter().map(|(_, v)| v))
            .filter_map(|v| match v {
                ValueRef::Config(n) => Some(n.as_str()),
                _ => None,
            })
            .chain(self.token_url.config_refs())
    }
}
