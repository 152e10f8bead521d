//! The `[[auth]]` section — brokered auth profiles: how the host obtains a
//! credential for a plugin and how it presents it to the profile's audience.
//!
//! A profile is data, not code, in two halves: its [`AuthKind`] says how the
//! credential is obtained (Zoom's `account_credentials` grant and Entra ID's
//! `client_credentials` grant are both a token URL, a grant type, a client
//! authentication style and extra parameters drawn from config or secrets),
//! and its [`Present`] says how the credential goes on a request to the
//! audience (`Authorization: Bearer …`, another header and scheme, or a query
//! parameter). Adding a kind is one [`AuthKind`] variant: its inputs
//! ([`AuthKind::inputs`]), its token URL, its approval line and its mint.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::capabilities::config::section::{FieldSpec, ReadsConfig};
use crate::capabilities::network::form::{self, HostForm};
use crate::capabilities::network::section::{EgressRule, UrlPrefix};
use crate::capabilities::secrets::section::SecretUses;
use crate::section::{MAX_HEADER_NAME, ManifestError, Template, ValueRef};

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

/// One `[[auth]]` table: the keys every kind shares, then each kind's own
/// (optional here; a kind refuses keys that are not its own).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuth {
    name: String,
    kind: Option<String>,
    audience: Vec<String>,
    #[serde(default)]
    exclusive_token: bool,
    header: Option<String>,
    scheme: Option<String>,
    query: Option<String>,
    // client_credentials
    token_url: Option<String>,
    grant_type: Option<String>,
    client_auth: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    params_in: Option<String>,
    params: Option<BTreeMap<String, String>>,
    // private_key_jwt, jwt_bearer, github_app
    private_key: Option<String>,
    alg: Option<String>,
    // api_key
    key: Option<String>,
    // jwt_bearer
    issuer: Option<String>,
    scope: Option<String>,
    subject: Option<String>,
    // github_app
    app_id: Option<String>,
    // authorization_code
    authorize_url: Option<String>,
    /// `{ config = FIELD, is = VALUE }`.
    when: Option<RawWhen>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhen {
    config: String,
    is: String,
}

impl RawAuth {
    /// The kind-specific keys that are set, by name.
    fn kind_keys(&self) -> Vec<&'static str> {
        [
            ("token_url", self.token_url.is_some()),
            ("grant_type", self.grant_type.is_some()),
            ("client_auth", self.client_auth.is_some()),
            ("client_id", self.client_id.is_some()),
            ("client_secret", self.client_secret.is_some()),
            ("params_in", self.params_in.is_some()),
            ("params", self.params.is_some()),
            ("private_key", self.private_key.is_some()),
            ("alg", self.alg.is_some()),
            ("key", self.key.is_some()),
            ("issuer", self.issuer.is_some()),
            ("scope", self.scope.is_some()),
            ("subject", self.subject.is_some()),
            ("app_id", self.app_id.is_some()),
            ("authorize_url", self.authorize_url.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }
}

/// The `[[auth]]` section; `forms` are the config fields a URL may name.
/// Which settings and secrets a profile names is checked by [`check_refs`]
/// once those sections are parsed.
pub fn parse(
    raw: Vec<RawAuth>,
    forms: &BTreeMap<String, HostForm>,
) -> Result<Vec<AuthProfile>, ManifestError> {
    raw.into_iter()
        .enumerate()
        .map(|(i, a)| profile(i, a, forms))
        .collect::<Result<Vec<_>, _>>()
}

/// Every `secret:NAME` and `config:NAME` a profile reads, and its `when`,
/// name a declared field.
pub fn check_refs(
    auth: &[AuthProfile],
    config: &[FieldSpec],
    secrets: &[FieldSpec],
) -> Result<(), ManifestError> {
    for (i, a) in auth.iter().enumerate() {
        for s in a.secret_refs() {
            if !secrets.iter().any(|f| f.name == s) {
                return Err(ManifestError::field(
                    format!("auth[{i}]"),
                    s,
                    "every `secret:NAME` must be a declared [[secret]]",
                ));
            }
        }
        for c in a.config_refs() {
            if !config.iter().any(|f| f.name == c) {
                return Err(ManifestError::field(
                    format!("auth[{i}]"),
                    c,
                    "every `config:NAME` must be a declared [[config]]",
                ));
            }
        }
        if let Some((field, value)) = &a.when
            && !config
                .iter()
                .any(|f| &f.name == field && f.choices.contains(value))
        {
            return Err(ManifestError::field(
                format!("auth[{i}].when"),
                format!("{field} = {value}"),
                "a declared [[config]] field with `choices` that include the value",
            ));
        }
    }
    Ok(())
}

/// A secret's `send_to` lies within the egress grant, and a secret an auth
/// profile uses has none: the host sends it to the token endpoint only.
pub fn check_secret_destinations(
    secrets: &[FieldSpec],
    egress: &[EgressRule],
    auth: &[AuthProfile],
) -> Result<(), ManifestError> {
    for (i, s) in secrets.iter().enumerate() {
        if s.send_to.is_empty() {
            continue;
        }
        if let Some(p) = auth.iter().find(|p| p.secret_refs().any(|r| r == s.name)) {
            return Err(ManifestError::field(
                format!("secret[{i}].send_to"),
                &s.name,
                format!(
                    "auth profile `{}` uses this secret: it is {}; declare a separate secret for headers",
                    p.name,
                    p.secret_use(&s.name).unwrap_or_default()
                ),
            ));
        }
        for d in &s.send_to {
            if !egress.iter().any(|e| e.prefix.contains(d)) {
                return Err(ManifestError::field(
                    format!("secret[{i}].send_to"),
                    &d.text,
                    "a URL prefix within one of the [[egress]] urls",
                ));
            }
        }
    }
    Ok(())
}

/// The kinds of `[[auth]]` profile, by their `kind` value.
const AUTH_KINDS: &str =
    "`client_credentials`, `api_key`, `jwt_bearer`, `github_app` or `authorization_code`";

fn profile(
    i: usize,
    a: RawAuth,
    forms: &BTreeMap<String, HostForm>,
) -> Result<AuthProfile, ManifestError> {
    let at = |f: &str| format!("auth[{i}].{f}");
    if a.audience.is_empty() {
        return Err(ManifestError::field(
            at("audience"),
            "[]",
            "at least one URL prefix that receives the credential",
        ));
    }
    let audience = a
        .audience
        .iter()
        .map(|u| form::parse_prefix(&at("audience"), u, forms))
        .collect::<Result<Vec<_>, _>>()?;
    let present = present(
        i,
        a.header.as_deref(),
        a.scheme.as_deref(),
        a.query.as_deref(),
    )?;
    let kind_name = a.kind.as_deref().unwrap_or("client_credentials");
    let (kind, own): (AuthKind, &[&str]) = match kind_name {
        "client_credentials" => (client_credentials(i, &a)?, CLIENT_CREDENTIALS_KEYS),
        "api_key" => (
            AuthKind::ApiKey {
                key: secret_ref(i, "api_key", "key", &a.key)?,
            },
            &["key"],
        ),
        "jwt_bearer" => (
            jwt_bearer(i, &a)?,
            &["token_url", "issuer", "private_key", "scope", "subject"],
        ),
        "github_app" => (
            AuthKind::GithubApp(GithubApp {
                token_url: token_url(
                    &format!("auth[{i}].token_url"),
                    required(i, "github_app", "token_url", &a.token_url)?,
                )?,
                app_id: ValueRef::parse(
                    &format!("auth[{i}].app_id"),
                    required(i, "github_app", "app_id", &a.app_id)?,
                )?,
                private_key: secret_ref(i, "github_app", "private_key", &a.private_key)?,
            }),
            &["token_url", "app_id", "private_key"],
        ),
        "authorization_code" => (authorization_code(i, &a)?, AUTHORIZATION_CODE_KEYS),
        other => {
            return Err(ManifestError::field(
                at("kind"),
                other,
                format!("one of {AUTH_KINDS}"),
            ));
        }
    };
    if let Some(stray) = a.kind_keys().into_iter().find(|k| !own.contains(k)) {
        return Err(ManifestError::field(
            at(stray),
            kind_name,
            format!(
                "a key of another kind: a `{kind_name}` profile takes {}",
                own.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    Ok(AuthProfile {
        name: a.name,
        audience,
        exclusive_token: a.exclusive_token,
        present,
        kind,
        when: a.when.map(|w| (w.config, w.is)),
    })
}

/// The keys of an `authorization_code` profile.
const AUTHORIZATION_CODE_KEYS: &[&str] = &[
    "authorize_url",
    "token_url",
    "client_auth",
    "client_id",
    "client_secret",
    "params",
];

/// The consent flow: authorize and token URLs, the client and how it
/// authenticates, and extra authorize parameters (`params`, e.g. `scope`).
fn authorization_code(i: usize, a: &RawAuth) -> Result<AuthKind, ManifestError> {
    let at = |f: &str| format!("auth[{i}].{f}");
    let kind = "authorization_code";
    let client_auth = client_auth(i, kind, a, false)?;
    let authorize_params = a
        .params
        .iter()
        .flatten()
        .map(|(k, v)| Ok((k.clone(), ValueRef::parse(&at(&format!("params.{k}")), v)?)))
        .collect::<Result<Vec<_>, ManifestError>>()?;
    const RESERVED: &[&str] = &[
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    ];
    if let Some((k, _)) = authorize_params
        .iter()
        .find(|(k, _)| RESERVED.contains(&k.as_str()))
    {
        return Err(ManifestError::field(
            at(&format!("params.{k}")),
            k,
            "a parameter the host does not set itself (it sends response_type, client_id, redirect_uri, state and the PKCE challenge)",
        ));
    }
    Ok(AuthKind::AuthorizationCode(AuthorizationCode {
        authorize_url: token_url(
            &at("authorize_url"),
            required(i, kind, "authorize_url", &a.authorize_url)?,
        )?,
        token_url: token_url(
            &at("token_url"),
            required(i, kind, "token_url", &a.token_url)?,
        )?,
        client_auth,
        client_id: ValueRef::parse(
            &at("client_id"),
            required(i, kind, "client_id", &a.client_id)?,
        )?,
        authorize_params,
    }))
}

/// How the credential is presented: `header` (default `Authorization`) with
/// `scheme` (default `Bearer` when `header` is left out too, else none), or
/// `query`.
fn present(
    i: usize,
    header: Option<&str>,
    scheme: Option<&str>,
    query: Option<&str>,
) -> Result<Present, ManifestError> {
    let at = |f: &str| format!("auth[{i}].{f}");
    match (header, scheme, query) {
        (None, None, None) => Ok(Present::default()),
        (Some(_), _, Some(q)) | (_, Some(_), Some(q)) => Err(ManifestError::field(
            at("query"),
            q,
            "either `query` or `header`/`scheme`: a credential goes in one place",
        )),
        (None, None, Some(q)) => {
            let ok = !q.is_empty()
                && q.len() <= MAX_HEADER_NAME
                && q.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !ok {
                return Err(ManifestError::field(
                    at("query"),
                    q,
                    format!(
                        "a query parameter name (letters, digits, `-`, `_`, `.`; at most {MAX_HEADER_NAME})"
                    ),
                ));
            }
            Ok(Present::Query {
                param: q.to_string(),
            })
        }
        (h, s, None) => {
            let name = match h {
                None => "Authorization".to_string(),
                Some(h) => {
                    credential_header(&at("header"), h)?;
                    h.to_string()
                }
            };
            let scheme = match (h, s) {
                (None, None) => "Bearer".to_string(),
                (_, None) => String::new(),
                (_, Some(s)) => {
                    let s = s.trim_end_matches(' ');
                    let token =
                        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                    if s.len() > MAX_HEADER_NAME || !s.chars().all(token) {
                        return Err(ManifestError::field(
                            at("scheme"),
                            s,
                            "an authentication scheme such as `Bearer`, `token` or `Api-Token` (letters, digits and `-`), or \"\" for none",
                        ));
                    }
                    s.to_string()
                }
            };
            Ok(Present::Header { name, scheme })
        }
    }
}

/// A header a credential may go in: a header name, and none the host owns
/// or that means something else to a server or proxy.
fn credential_header(field: &str, name: &str) -> Result<(), ManifestError> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > MAX_HEADER_NAME || !name.chars().all(token) {
        return Err(ManifestError::field(
            field,
            name,
            format!("an HTTP header name (letters, digits and `-`, at most {MAX_HEADER_NAME})"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    const RESERVED: &[&str] = &[
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "upgrade",
        "te",
        "trailer",
        "accept-encoding",
        "range",
        "if-range",
        "keep-alive",
        "proxy-authorization",
        "proxy-connection",
        "cookie",
        "location",
    ];
    if RESERVED.contains(&lower.as_str()) {
        return Err(ManifestError::field(
            field,
            name,
            "a header that carries credentials (e.g. `Authorization` or `X-Api-Key`), not one the host or HTTP itself uses",
        ));
    }
    Ok(())
}

/// The keys of a `client_credentials` profile.
const CLIENT_CREDENTIALS_KEYS: &[&str] = &[
    "token_url",
    "grant_type",
    "client_auth",
    "client_id",
    "client_secret",
    "private_key",
    "alg",
    "params_in",
    "params",
];

/// A key `kind` needs that must name a `[[secret]]` (a credential is never a
/// literal in the manifest nor a plain setting).
fn secret_ref(
    i: usize,
    kind: &str,
    key: &str,
    value: &Option<String>,
) -> Result<ValueRef, ManifestError> {
    let field = format!("auth[{i}].{key}");
    let text = required(i, kind, key, value)?;
    match ValueRef::parse(&field, text)? {
        r @ ValueRef::Secret(_) => Ok(r),
        _ => Err(ManifestError::field(
            field,
            text,
            "`secret:NAME`: a credential is an instance secret, sealed at rest, never a literal or a setting",
        )),
    }
}

fn jwt_bearer(i: usize, a: &RawAuth) -> Result<AuthKind, ManifestError> {
    let kind = "jwt_bearer";
    let at = |f: &str| format!("auth[{i}].{f}");
    let optional = |key: &str, v: &Option<String>| {
        v.as_deref()
            .map(|t| ValueRef::parse(&at(key), t))
            .transpose()
    };
    Ok(AuthKind::JwtBearer(JwtBearer {
        token_url: token_url(
            &at("token_url"),
            required(i, kind, "token_url", &a.token_url)?,
        )?,
        issuer: ValueRef::parse(&at("issuer"), required(i, kind, "issuer", &a.issuer)?)?,
        private_key: secret_ref(i, kind, "private_key", &a.private_key)?,
        scope: optional("scope", &a.scope)?,
        subject: optional("subject", &a.subject)?,
    }))
}

/// A key `kind` needs, or an error naming it.
fn required<'a>(
    i: usize,
    kind: &str,
    key: &str,
    value: &'a Option<String>,
) -> Result<&'a str, ManifestError> {
    value.as_deref().ok_or_else(|| {
        ManifestError::field(
            format!("auth[{i}].{key}"),
            "",
            format!("a value: a `{kind}` profile needs `{key}`"),
        )
    })
}

/// A token URL: a template whose rendering is a valid prefix-shaped URL.
fn token_url(field: &str, text: &str) -> Result<Template, ManifestError> {
    let token_url = Template::parse(field, text)?;
    let sample = token_url
        .render(|_| Some("x".to_string()))
        .unwrap_or_default();
    UrlPrefix::parse(field, &sample)?;
    Ok(token_url)
}

/// How a `kind` client authenticates at the token endpoint: with its secret
/// (Basic or in the form) or, where `signs`, with a signed assertion.
fn client_auth(
    i: usize,
    kind: &str,
    a: &RawAuth,
    signs: bool,
) -> Result<ClientAuth, ManifestError> {
    let at = |f: &str| format!("auth[{i}].{f}");
    let secret = || {
        ValueRef::parse(
            &at("client_secret"),
            required(i, kind, "client_secret", &a.client_secret)?,
        )
    };
    Ok(match required(i, kind, "client_auth", &a.client_auth)? {
        "basic" | "client_secret_basic" => ClientAuth::Basic { secret: secret()? },
        "form" | "client_secret_post" => ClientAuth::Post { secret: secret()? },
        "private_key_jwt" if signs => ClientAuth::PrivateKeyJwt {
            key: secret_ref(i, kind, "private_key", &a.private_key)?,
            alg: match a.alg.as_deref().unwrap_or("RS256") {
                "RS256" => JwtAlg::Rs256,
                "ES256" => JwtAlg::Es256,
                other => {
                    return Err(ManifestError::field(at("alg"), other, "`RS256` or `ES256`"));
                }
            },
        },
        other => {
            return Err(ManifestError::field(
                at("client_auth"),
                other,
                if signs {
                    "`client_secret_basic` (or `basic`), `client_secret_post` (or `form`) or `private_key_jwt`"
                } else {
                    "`client_secret_basic` (or `basic`) or `client_secret_post` (or `form`)"
                },
            ));
        }
    })
}

fn client_credentials(i: usize, a: &RawAuth) -> Result<AuthKind, ManifestError> {
    let at = |f: &str| format!("auth[{i}].{f}");
    let kind = "client_credentials";
    let client_auth = client_auth(i, kind, a, true)?;
    // Each method takes its own credential and no other.
    let (takes, refuses): (&str, &[(&str, bool)]) = match client_auth {
        ClientAuth::PrivateKeyJwt { .. } => (
            "`private_key` (and `alg`)",
            &[("client_secret", a.client_secret.is_some())],
        ),
        _ => (
            "`client_secret`",
            &[
                ("private_key", a.private_key.is_some()),
                ("alg", a.alg.is_some()),
            ],
        ),
    };
    if let Some((stray, _)) = refuses.iter().find(|(_, set)| *set) {
        return Err(ManifestError::field(
            at(stray),
            client_auth.method(),
            format!(
                "absent: client_auth = \"{}\" takes {takes}",
                client_auth.method()
            ),
        ));
    }
    let params_in = match a.params_in.as_deref().unwrap_or("form") {
        "query" => ParamsIn::Query,
        "form" => ParamsIn::Form,
        other => {
            return Err(ManifestError::field(
                at("params_in"),
                other,
                "`query` or `form`",
            ));
        }
    };
    let token_url = token_url(
        &at("token_url"),
        required(i, kind, "token_url", &a.token_url)?,
    )?;
    let params = a
        .params
        .iter()
        .flatten()
        .map(|(k, v)| Ok((k.clone(), ValueRef::parse(&at(&format!("params.{k}")), v)?)))
        .collect::<Result<Vec<_>, ManifestError>>()?;
    let grant_type = required(i, kind, "grant_type", &a.grant_type)?;
    if grant_type.is_empty() {
        return Err(ManifestError::field(
            at("grant_type"),
            "",
            "an OAuth grant type such as client_credentials",
        ));
    }
    Ok(AuthKind::ClientCredentials(ClientCredentials {
        token_url,
        grant_type: grant_type.to_string(),
        client_auth,
        client_id: ValueRef::parse(
            &at("client_id"),
            required(i, kind, "client_id", &a.client_id)?,
        )?,
        params_in,
        params,
    }))
}

/// The settings auth profiles read decide where credentials go.
impl ReadsConfig for Vec<AuthProfile> {
    fn deciding_config(&self) -> Vec<&str> {
        self.iter().flat_map(|p| p.config_refs()).collect()
    }
}

/// A secret an auth profile reads goes only where the profile sends it.
impl SecretUses for Vec<AuthProfile> {
    fn secret_use(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|p| p.secret_refs().any(|s| s == name))
            .and_then(|p| p.secret_use(name))
    }
}
