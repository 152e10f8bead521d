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
    /// `private_key_jwt` (RFC 7523 §2.2): a client assertion signed with a
    /// private key; the key itself is never sent.
    PrivateKeyJwt {
        /// Private key source (a PEM secret).
        key: ValueRef,
        /// Signature algorithm.
        alg: JwtAlg,
    },
}

/// A JWT signature algorithm the host signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JwtAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "RS256")]
    Rs256,
    /// ECDSA P-256 with SHA-256.
    #[serde(rename = "ES256")]
    Es256,
}

impl JwtAlg {
    /// `RS256` or `ES256`.
    pub fn name(self) -> &'static str {
        match self {
            JwtAlg::Rs256 => "RS256",
            JwtAlg::Es256 => "ES256",
        }
    }
}

impl ClientAuth {
    /// The standard name (`client_secret_basic`, ...), for prompts.
    pub fn method(&self) -> &'static str {
        match self {
            ClientAuth::Basic { .. } => "client_secret_basic",
            ClientAuth::Post { .. } => "client_secret_post",
            ClientAuth::PrivateKeyJwt { .. } => "private_key_jwt",
        }
    }

    /// The secret or key this method sends or signs with, and what it is
    /// called in prompts.
    pub fn credential(&self) -> (&'static str, &ValueRef) {
        match self {
            ClientAuth::Basic { secret } | ClientAuth::Post { secret } => ("client secret", secret),
            ClientAuth::PrivateKeyJwt { key, .. } => ("private key", key),
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

/// The JWT-bearer grant (RFC 7523 §2.1), as Google service accounts use it:
/// an assertion signed with the account's private key is the grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JwtBearer {
    /// Token endpoint (also the assertion's `aud`).
    pub token_url: Template,
    /// `iss`: the service account (e.g. its email).
    pub issuer: ValueRef,
    /// Private key source (a PEM secret); signed RS256.
    pub private_key: ValueRef,
    /// `scope` claim, if any.
    pub scope: Option<ValueRef>,
    /// `sub` claim (the user to act as: delegation), if any.
    pub subject: Option<ValueRef>,
}

/// A GitHub App installation token: an app JWT (RS256) buys a token for one
/// installation at `token_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GithubApp {
    /// `POST {api}/app/installations/{installation_id}/access_tokens`.
    pub token_url: Template,
    /// `iss` of the app JWT: the app id or client id.
    pub app_id: ValueRef,
    /// The app's private key (a PEM secret).
    pub private_key: ValueRef,
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
    /// `kind = "api_key"`: a static key from a secret, no token endpoint.
    ApiKey {
        /// The key's source (a secret).
        key: ValueRef,
    },
    /// `kind = "jwt_bearer"`.
    JwtBearer(JwtBearer),
    /// `kind = "github_app"`.
    GithubApp(GithubApp),
    /// `kind = "authorization_code"`: the consent flow.
    AuthorizationCode(AuthorizationCode),
}

/// The label of a client-credentials parameter's input.
pub const PARAMETER: &str = "parameter";

/// One value a kind reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// What it is, for prompts (`client id`, `private key`).
    pub label: &'static str,
    /// Where it comes from.
    pub value: &'a ValueRef,
    /// A credential (client secret, private key, API key): never part of an
    /// identity, never shown.
    pub credential: bool,
    /// How the host uses it.
    pub usage: Usage,
}

/// How the host uses an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Sent to the token endpoint.
    ToTokenEndpoint,
    /// Signs assertions; never sent.
    Signs,
    /// Presented to the audience.
    ToAudience,
}

impl<'a> Input<'a> {
    fn of(label: &'static str, value: &'a ValueRef, credential: bool, usage: Usage) -> Self {
        Input {
            label,
            value,
            credential,
            usage,
        }
    }
}

impl AuthKind {
    /// The manifest name of the kind.
    pub fn name(&self) -> &'static str {
        match self {
            AuthKind::ClientCredentials(_) => "client_credentials",
            AuthKind::ApiKey { .. } => "api_key",
            AuthKind::JwtBearer(_) => "jwt_bearer",
            AuthKind::GithubApp(_) => "github_app",
            AuthKind::AuthorizationCode(_) => "authorization_code",
        }
    }

    /// Every value the kind reads.
    pub fn inputs(&self) -> Vec<Input<'_>> {
        use Usage::{Signs, ToAudience, ToTokenEndpoint};
        match self {
            AuthKind::ClientCredentials(c) => {
                client_inputs(&c.client_id, &c.client_auth, &c.params)
            }
            AuthKind::ApiKey { key } => vec![Input::of("API key", key, true, ToAudience)],
            AuthKind::JwtBearer(j) => {
                let mut v = vec![
                    Input::of("issuer", &j.issuer, false, ToTokenEndpoint),
                    Input::of("private key", &j.private_key, true, Signs),
                ];
                v.extend(
                    j.scope
                        .iter()
                        .map(|r| Input::of("scope", r, false, ToTokenEndpoint)),
                );
                v.extend(
                    j.subject
                        .iter()
                        .map(|r| Input::of("subject", r, false, ToTokenEndpoint)),
                );
                v
            }
            AuthKind::GithubApp(g) => vec![
                Input::of("app id", &g.app_id, false, ToTokenEndpoint),
                Input::of("private key", &g.private_key, true, Signs),
            ],
            AuthKind::AuthorizationCode(c) => {
                client_inputs(&c.client_id, &c.client_auth, &c.authorize_params)
            }
        }
    }

    /// The endpoint the host asks for a token, if the kind has one.
    pub fn token_url(&self) -> Option<&Template> {
        match self {
            AuthKind::ClientCredentials(c) => Some(&c.token_url),
            AuthKind::ApiKey { .. } => None,
            AuthKind::JwtBearer(j) => Some(&j.token_url),
            AuthKind::GithubApp(g) => Some(&g.token_url),
            AuthKind::AuthorizationCode(c) => Some(&c.token_url),
        }
    }

    /// The private key the host signs with and its algorithm, if the kind
    /// signs.
    pub fn signing_key(&self) -> Option<(&ValueRef, JwtAlg)> {
        match self {
            AuthKind::ClientCredentials(ClientCredentials {
                client_auth: ClientAuth::PrivateKeyJwt { key, alg },
                ..
            }) => Some((key, *alg)),
            AuthKind::JwtBearer(j) => Some((&j.private_key, JwtAlg::Rs256)),
            AuthKind::GithubApp(g) => Some((&g.private_key, JwtAlg::Rs256)),
            AuthKind::ClientCredentials(_)
            | AuthKind::ApiKey { .. }
            | AuthKind::AuthorizationCode(_) => None,
        }
    }

    /// Whether the credential is minted (and may be minted again after a
    /// 401), rather than a fixed key.
    pub fn is_minted(&self) -> bool {
        !matches!(self, AuthKind::ApiKey { .. })
    }
}

/// The inputs of an OAuth client: its id, its credential (sent, or signing
/// assertions) and its extra parameters.
fn client_inputs<'a>(
    client_id: &'a ValueRef,
    auth: &'a ClientAuth,
    params: &'a [(String, ValueRef)],
) -> Vec<Input<'a>> {
    let (label, credential) = auth.credential();
    let usage = match auth {
        ClientAuth::PrivateKeyJwt { .. } => Usage::Signs,
        ClientAuth::Basic { .. } | ClientAuth::Post { .. } => Usage::ToTokenEndpoint,
    };
    let mut v = vec![
        Input::of("client id", client_id, false, Usage::ToTokenEndpoint),
        Input::of(label, credential, true, usage),
    ];
    v.extend(
        params
            .iter()
            .map(|(_, r)| Input::of(PARAMETER, r, false, Usage::ToTokenEndpoint)),
    );
    v
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
        self.kind
            .inputs()
            .into_iter()
            .filter_map(|i| match i.value {
                ValueRef::Secret(n) => Some(n.as_str()),
                _ => None,
            })
    }

    /// Config names this profile consumes.
    pub fn config_refs(&self) -> impl Iterator<Item = &str> {
        let authorize = match &self.kind {
            AuthKind::AuthorizationCode(c) => Some(&c.authorize_url),
            AuthKind::ClientCredentials(_)
            | AuthKind::ApiKey { .. }
            | AuthKind::JwtBearer(_)
            | AuthKind::GithubApp(_) => None,
        };
        self.kind
            .inputs()
            .into_iter()
            .filter_map(|i| match i.value {
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

    /// How the host uses secret `name`, if this profile reads it.
    pub fn secret_usage(&self, name: &str) -> Option<Usage> {
        self.kind
            .inputs()
            .into_iter()
            .find(|i| matches!(i.value, ValueRef::Secret(n) if n == name))
            .map(|i| i.usage)
    }

    /// How the host uses secret `name` for this profile, for prompts and
    /// refusals (`sent by the host only to …`).
    pub fn secret_use(&self, name: &str) -> Option<String> {
        let p = &self.name;
        Some(match self.secret_usage(name)? {
            Usage::ToTokenEndpoint => {
                format!("sent by the host only to the token endpoint of auth profile `{p}`")
            }
            Usage::Signs => {
                format!("used by the host only to sign the JWTs of auth profile `{p}`; never sent")
            }
            Usage::ToAudience => {
                format!("sent by the host only to the audience of auth profile `{p}`")
            }
        })
    }
}
