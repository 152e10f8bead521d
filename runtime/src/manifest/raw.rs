//! The TOML shape of `plugin.toml`, and its validation into [`Manifest`].

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::value::is_field_name;
use super::version::{VERSION_FORM, check_version};
use super::{
    ActionSpec, AuthKind, AuthProfile, AuthorizationCode, BucketSpec, ClientAuth,
    ClientCredentials, EgressRule, FieldSpec, GithubApp, HeaderProfile, JwtAlg, JwtBearer,
    MAX_IN_FLIGHT, Manifest, ManifestError, Method, ParamsIn, Partition, PathPattern, Present,
    Quota, RateLimitSpec, RequestMatcher, ResetHeader, ResetKind, Template, UrlPrefix, ValueRef,
};
use super::{HostForm, form};

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
    config: Vec<RawField>,
    #[serde(default)]
    secret: Vec<RawField>,
    #[serde(default)]
    egress: Vec<RawEgress>,
    #[serde(default)]
    auth: Vec<RawAuth>,
    #[serde(default)]
    ratelimit: Option<RawRateLimit>,
    #[serde(default)]
    action: Vec<RawAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEgress {
    url: String,
    methods: Vec<String>,
}

/// One `[[auth]]` table: the keys every kind shares, then each kind's own
/// (optional here; a kind refuses keys that are not its own).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    plan_config: Option<String>,
    #[serde(default)]
    bucket: Vec<RawBucket>,
    headers: Option<RawHeaders>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeaders {
    reset: Option<String>,
    reset_kind: Option<String>,
    remaining: Option<String>,
    limit: Option<String>,
    #[serde(default)]
    ietf: bool,
    #[serde(default)]
    throttle_statuses: Vec<u16>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBucket {
    name: String,
    label: Option<String>,
    #[serde(rename = "match")]
    matchers: Vec<RawMatcher>,
    quota: BTreeMap<String, RawQuota>,
    partition: Option<String>,
    max_in_flight: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatcher {
    #[serde(default)]
    methods: Vec<String>,
    path: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuota {
    per_second: Option<f64>,
    per_minute: Option<f64>,
    per_day: Option<u64>,
    burst: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    name: String,
    #[serde(default)]
    description: String,
}

pub(super) fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn methods(field: &str, raw: &[String]) -> Result<Vec<Method>, ManifestError> {
    raw.iter().map(|m| Method::parse(field, m)).collect()
}

fn fields(
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
                super::text::check_str(field, v, super::text::MAX_LABEL)?;
            }
        }
        super::text::check_str("contract", &self.contract, super::text::MAX_LABEL)?;
        if let Some(c) = &self.component
            && (c.contains('/') || c.contains('\\') || !c.ends_with(".wasm"))
        {
            return Err(ManifestError::field(
                "component",
                c,
                "a file name ending in .wasm, beside plugin.toml",
            ));
        }
        let config = fields("config", self.config, false, &BTreeMap::new())?;
        let forms: BTreeMap<String, HostForm> = config
            .iter()
            .filter_map(|f| f.form.map(|form| (f.name.clone(), form)))
            .collect();
        let secrets = fields("secret", self.secret, true, &forms)?;

        let egress = self
            .egress
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let ms = methods(&format!("egress[{i}].methods"), &e.methods)?;
                if ms.is_empty() {
                    return Err(ManifestError::field(
                        format!("egress[{i}].methods"),
                        "[]",
                        "at least one method",
                    ));
                }
                Ok(EgressRule {
                    prefix: form::parse_prefix(&format!("egress[{i}].url"), &e.url, &forms)?,
                    methods: ms,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let auth = self
            .auth
            .into_iter()
            .enumerate()
            .map(|(i, a)| auth_profile(i, a, &forms))
            .collect::<Result<Vec<_>, _>>()?;
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

        secret_destinations(&secrets, &egress, &auth)?;

        let ratelimit = match self.ratelimit {
            None => RateLimitSpec::default(),
            Some(r) => rate_limits(r, &config)?,
        };

        let actions = self
            .action
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                if !is_id(&a.name) {
                    return Err(ManifestError::field(
                        format!("action[{i}].name"),
                        &a.name,
                        "lowercase letters, digits and `-`",
                    ));
                }
                Ok(ActionSpec {
                    name: a.name,
                    description: a.description,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

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
        })
    }
}

/// A secret's `send_to` lies within the egress grant, and a secret an auth
/// profile uses has none: the host sends it to the token endpoint only.
fn secret_destinations(
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

fn auth_profile(
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

fn rate_limits(r: RawRateLimit, config: &[FieldSpec]) -> Result<RateLimitSpec, ManifestError> {
    if let Some(p) = &r.plan_config
        && !config.iter().any(|f| &f.name == p)
    {
        return Err(ManifestError::field(
            "ratelimit.plan_config",
            p,
            "the name of a declared [[config]] field",
        ));
    }
    let buckets = r
        .bucket
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let at = |f: &str| format!("ratelimit.bucket[{i}].{f}");
            if !is_id(&b.name) {
                return Err(ManifestError::field(
                    at("name"),
                    &b.name,
                    "lowercase letters, digits and `-`",
                ));
            }
            if b.name == super::UNMATCHED_BUCKET {
                return Err(ManifestError::field(
                    at("name"),
                    &b.name,
                    "another name: the host's bucket for requests no manifest bucket matches is called so",
                ));
            }
            let matchers = b
                .matchers
                .iter()
                .map(|m| {
                    Ok(RequestMatcher {
                        methods: methods(&at("match.methods"), &m.methods)?,
                        path: PathPattern::parse(&at("match.path"), &m.path)?,
                    })
                })
                .collect::<Result<Vec<_>, ManifestError>>()?;
            if b.quota.is_empty() {
                return Err(ManifestError::field(
                    at("quota"),
                    "{}",
                    "at least one plan's quota (e.g. `default = { per_second = 10 }`)",
                ));
            }
            let quota = b
                .quota
                .into_iter()
                .map(|(plan, q)| {
                    // Between one request a day and a million a second: what
                    // real APIs document, and what pacing can represent.
                    let within = |v: Option<f64>, min: f64, max: f64| {
                        v.is_none_or(|x| x.is_finite() && (min..=max).contains(&x))
                    };
                    if q.per_second.is_none() && q.per_minute.is_none() && q.per_day.is_none() {
                        return Err(ManifestError::field(
                            at(&format!("quota.{plan}")),
                            "{}",
                            "at least one of per_second, per_minute, per_day",
                        ));
                    }
                    if !within(q.per_second, 1.0 / 86_400.0, 1e6)
                        || !within(q.per_minute, 1.0 / 1_440.0, 6e7)
                        || q.per_day == Some(0)
                        || q.burst.is_some_and(|b| b == 0 || b > 1_000_000)
                    {
                        return Err(ManifestError::field(
                            at(&format!("quota.{plan}")),
                            format!("{q:?}"),
                            "limits between one request a day and 1,000,000 a second; a burst of 1 to 1,000,000",
                        ));
                    }
                    Ok((
                        plan,
                        Quota {
                            per_second: q.per_second,
                            per_minute: q.per_minute,
                            per_day: q.per_day,
                            burst: q.burst,
                        },
                    ))
                })
                .collect::<Result<BTreeMap<_, _>, ManifestError>>()?;
            let partition = b
                .partition
                .as_deref()
                .map(|p| Partition::parse(&at("partition"), p))
                .transpose()?;
            if let Some(l) = &b.label {
                super::text::check_str(&at("label"), l, super::text::MAX_LABEL)?;
            }
            if let Some(n) = b.max_in_flight
                && !(1..=MAX_IN_FLIGHT).contains(&n)
            {
                return Err(ManifestError::field(
                    at("max_in_flight"),
                    n.to_string(),
                    format!("1 to {MAX_IN_FLIGHT} requests on the wire at once"),
                ));
            }
            Ok(BucketSpec {
                label: b.label.unwrap_or_else(|| b.name.clone()),
                name: b.name,
                matchers,
                quota,
                partition,
                max_in_flight: b.max_in_flight,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RateLimitSpec {
        plan_config: r.plan_config,
        buckets,
        headers: r
            .headers
            .map(header_profile)
            .transpose()?
            .unwrap_or_default(),
    })
}

/// Longest header name a profile may name.
const MAX_HEADER_NAME: usize = 64;

/// A header name (RFC 9110 token characters), lowercased; `Retry-After` and
/// the IETF fields are read anyway and may not be renamed into another role.
fn header_name(field: &str, name: &str) -> Result<String, ManifestError> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > MAX_HEADER_NAME || !name.chars().all(token) {
        return Err(ManifestError::field(
            field,
            name,
            format!("an HTTP header name (letters, digits and `-`, at most {MAX_HEADER_NAME})"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if ["retry-after", "ratelimit", "ratelimit-policy"].contains(&lower.as_str()) {
        return Err(ManifestError::field(
            field,
            name,
            "another header: `Retry-After` is always read, and `RateLimit`/`RateLimit-Policy` with `ietf = true`",
        ));
    }
    Ok(lower)
}

fn header_profile(h: RawHeaders) -> Result<HeaderProfile, ManifestError> {
    let at = |f: &str| format!("ratelimit.headers.{f}");
    let reset = match (h.reset, h.reset_kind) {
        (Some(name), Some(kind)) => Some(ResetHeader {
            name: header_name(&at("reset"), &name)?,
            kind: match kind.as_str() {
                "epoch-seconds" => ResetKind::EpochSeconds,
                "delta-seconds" => ResetKind::DeltaSeconds,
                other => {
                    return Err(ManifestError::field(
                        at("reset_kind"),
                        other,
                        "`epoch-seconds` (the UTC second of the reset) or `delta-seconds` (seconds from now)",
                    ));
                }
            },
        }),
        (Some(name), None) => {
            return Err(ManifestError::field(
                at("reset_kind"),
                name,
                "`reset_kind` beside `reset`: `epoch-seconds` or `delta-seconds`",
            ));
        }
        (None, Some(kind)) => {
            return Err(ManifestError::field(
                at("reset"),
                kind,
                "a `reset` header for `reset_kind` to describe",
            ));
        }
        (None, None) => None,
    };
    let remaining = h
        .remaining
        .map(|n| header_name(&at("remaining"), &n))
        .transpose()?;
    let limit = h.limit.map(|n| header_name(&at("limit"), &n)).transpose()?;
    for (field, value) in [("remaining", &remaining), ("limit", &limit)] {
        if let Some(v) = value
            && reset.is_none()
        {
            return Err(ManifestError::field(
                at(field),
                v,
                "a `reset` header too: a count without a reset time gives the host nothing to pace by",
            ));
        }
    }
    let mut throttle_statuses = h.throttle_statuses;
    throttle_statuses.sort_unstable();
    throttle_statuses.dedup();
    if let Some(bad) = throttle_statuses
        .iter()
        .find(|s| !(400..500).contains(*s) || matches!(s, 401 | 429))
    {
        return Err(ManifestError::field(
            at("throttle_statuses"),
            bad.to_string(),
            "4xx statuses other than 401 and 429 (a 429 is always a throttle), e.g. [403]",
        ));
    }
    let profile = HeaderProfile {
        reset,
        remaining,
        limit,
        ietf: h.ietf,
        throttle_statuses,
    };
    if profile.is_empty() {
        return Err(ManifestError::field(
            "ratelimit.headers",
            "{}",
            "at least `reset` (with `reset_kind`) or `ietf = true`; leave the table out to read only Retry-After",
        ));
    }
    Ok(profile)
}
