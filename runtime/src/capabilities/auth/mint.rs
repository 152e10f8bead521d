//! One token request, shaped by an auth profile (grant type, client auth,
//! parameters in the query or the form body).

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use plugboard_core::secrets::SecretValue;
use serde::Deserialize;

use super::AuthError;
use super::section::{AuthKind, AuthProfile, ClientAuth, ClientCredentials, JwtAlg, ParamsIn};
use super::sign::{BadKey, SigningKey, parse_key};
use crate::capabilities::network::Upstreams;
use crate::capabilities::secrets::SecretBag;
use crate::section::ValueRef;

/// Longest time a token request may take, unless the host sets its
/// per-request upstream timeout.
pub(super) const MINT_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes of an upstream error body kept for the error message.
pub(super) const ERROR_SNIPPET: usize = 300;
/// Largest token endpoint answer read: a token response is a few KiB.
const MAX_TOKEN_RESPONSE: usize = 256 << 10;

/// Why a body could not be read whole.
enum Capped {
    Transport(reqwest::Error),
    TooLarge,
}

/// The body of `response`, at most [`MAX_TOKEN_RESPONSE`] bytes.
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, Capped> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Capped::Transport)? {
        if bytes.len() + chunk.len() > MAX_TOKEN_RESPONSE {
            return Err(Capped::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

pub(super) fn resolve(
    v: &ValueRef,
    config: &std::collections::BTreeMap<String, String>,
    secrets: &SecretBag,
    profile: &str,
) -> Result<SecretValue, AuthError> {
    match v {
        ValueRef::Literal(s) => Ok(SecretValue::new(s.clone())),
        ValueRef::Config(n) => config
            .get(n)
            .map(|s| SecretValue::new(s.clone()))
            .ok_or_else(|| AuthError::MissingInput {
                profile: profile.to_string(),
                what: format!("config `{n}`"),
            }),
        ValueRef::Secret(n) => secrets
            .get(n)
            .map(|s| SecretValue::new(s.expose().to_string()))
            .ok_or_else(|| AuthError::MissingInput {
                profile: profile.to_string(),
                what: format!("secret `{n}`"),
            }),
    }
}

/// Mint a token for `profile`; returns the token and its lifetime.
pub(super) async fn mint(
    client: &reqwest::Client,
    profile: &AuthProfile,
    config: &std::collections::BTreeMap<String, String>,
    secrets: &SecretBag,
    upstreams: &Upstreams,
    timeout: Duration,
) -> Result<(SecretValue, Duration), AuthError> {
    let name = profile.name.as_str();
    let endpoint = Endpoint {
        client,
        name,
        secrets,
        upstreams,
        timeout,
    };
    let now = SystemTime::now();
    match &profile.kind {
        AuthKind::ClientCredentials(c) => {
            let (url, headers, form) = client_credentials(c, name, config, secrets, now)?;
            let sent: Vec<&str> = form
                .iter()
                .filter(|(k, _)| k == "client_assertion")
                .map(|(_, v)| v.as_str())
                .collect();
            let bytes = endpoint.post(url, headers, Some(&form), &sent).await?;
            oauth_token(name, &bytes)
        }
        AuthKind::ApiKey { key } => Ok((resolve(key, config, secrets, name)?, API_KEY_LIFETIME)),
        AuthKind::JwtBearer(j) => {
            let url = rendered_url(&j.token_url, name, config)?;
            let key = signing_key(&j.private_key, JwtAlg::Rs256, name, config, secrets)?;
            let text = |v: &Option<ValueRef>| {
                v.as_ref()
                    .map(|v| resolve(v, config, secrets, name))
                    .transpose()
            };
            let (scope, subject) = (text(&j.scope)?, text(&j.subject)?);
            let assertion = key
                .grant_assertion(
                    resolve(&j.issuer, config, secrets, name)?.expose(),
                    scope.as_ref().map(SecretValue::expose),
                    subject.as_ref().map(SecretValue::expose),
                    url.as_str(),
                    now,
                )
                .map_err(|e| bad_key(&j.private_key, name, e))?;
            let form = vec![
                ("grant_type".to_string(), JWT_BEARER_GRANT.to_string()),
                ("assertion".to_string(), assertion.expose().to_string()),
            ];
            let bytes = endpoint
                .post(
                    url,
                    reqwest::header::HeaderMap::new(),
                    Some(&form),
                    &[assertion.expose()],
                )
                .await?;
            oauth_token(name, &bytes)
        }
        AuthKind::GithubApp(g) => {
            let url = rendered_url(&g.token_url, name, config)?;
            let key = signing_key(&g.private_key, JwtAlg::Rs256, name, config, secrets)?;
            let jwt = key
                .app_jwt(resolve(&g.app_id, config, secrets, name)?.expose(), now)
                .map_err(|e| bad_key(&g.private_key, name, e))?;
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert(
                reqwest::header::AUTHORIZATION,
                sensitive(&format!("Bearer {}", jwt.expose()), name, "the app JWT")?,
            );
            headers.insert(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static("application/vnd.github+json"),
            );
            headers.insert(
                "x-github-api-version",
                reqwest::header::HeaderValue::from_static(GITHUB_API_VERSION),
            );
            let bytes = endpoint.post(url, headers, None, &[jwt.expose()]).await?;
            installation_token(name, &bytes, now)
        }
        // Minted from the stored refresh token by the broker
        // (`TokenBroker::refresh`), never from the profile alone.
        AuthKind::AuthorizationCode(_) => Err(AuthError::NotConnected {
            profile: name.to_string(),
            instance: "this instance".into(),
        }),
    }
}

/// RFC 7523 §2.1.
const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// RFC 7523 §2.2.
const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The REST API version the installation token request asks for.
const GITHUB_API_VERSION: &str = "2022-11-28";
/// How long the broker keeps a static API key before reading it again.
const API_KEY_LIFETIME: Duration = Duration::from_secs(3600);

/// The secret a key comes from, for messages.
fn source_name(v: &ValueRef) -> String {
    match v {
        ValueRef::Secret(n) => format!("secret `{n}`"),
        ValueRef::Config(n) => format!("config `{n}`"),
        ValueRef::Literal(_) => "the manifest's literal".into(),
    }
}

fn bad_key(v: &ValueRef, profile: &str, e: BadKey) -> AuthError {
    AuthError::BadKey {
        profile: profile.to_string(),
        from: source_name(v),
        expected: e.expected,
    }
}

/// The signing key `v` names, parsed for `alg`.
pub(super) fn signing_key(
    v: &ValueRef,
    alg: JwtAlg,
    profile: &str,
    config: &std::collections::BTreeMap<String, String>,
    secrets: &SecretBag,
) -> Result<SigningKey, AuthError> {
    let pem = resolve(v, config, secrets, profile)?;
    parse_key(&pem, alg).map_err(|e| bad_key(v, profile, e))
}

#[derive(Deserialize)]
struct InstallationToken {
    token: String,
    expires_at: String,
}

/// A GitHub installation token answer (`{token, expires_at}`): the token and
/// its lifetime from `expires_at`.
fn installation_token(
    name: &str,
    bytes: &[u8],
    now: SystemTime,
) -> Result<(SecretValue, Duration), AuthError> {
    let bad = || AuthError::BadResponse {
        profile: name.to_string(),
    };
    let parsed: InstallationToken = serde_json::from_slice(bytes).map_err(|_| bad())?;
    if parsed.token.is_empty() {
        return Err(bad());
    }
    let lifetime = lifetime_until(&parsed.expires_at, now).ok_or_else(bad)?;
    Ok((SecretValue::new(parsed.token), lifetime))
}

/// Time from `now` until the RFC 3339 instant `expires_at`, at most a day;
/// `None` if it does not parse or has passed.
fn lifetime_until(expires_at: &str, now: SystemTime) -> Option<Duration> {
    let at =
        time::OffsetDateTime::parse(expires_at, &time::format_description::well_known::Rfc3339)
            .ok()?;
    let now = time::OffsetDateTime::from(now);
    let left = at - now;
    if left <= time::Duration::ZERO {
        return None;
    }
    Some(Duration::from_secs(
        u64::try_from(left.whole_seconds()).ok()?.clamp(1, 86_400),
    ))
}

/// The body of `response` (at most the token-response cap), or why it could
/// not be read, for the consent flow's HTTP function.
pub(super) async fn read_capped_bytes(
    response: reqwest::Response,
    profile: &str,
    timeout: Duration,
) -> Result<Vec<u8>, AuthError> {
    read_capped(response)
        .await
        .map_err(|e| AuthError::Unreachable {
            profile: profile.to_string(),
            reason: match e {
                Capped::Transport(e) => reason(&e, timeout),
                Capped::TooLarge => format!("it answered more than {MAX_TOKEN_RESPONSE} bytes"),
            },
        })
}

/// What a token request of one profile goes through.
struct Endpoint<'a> {
    client: &'a reqwest::Client,
    /// Profile name.
    name: &'a str,
    /// The instance's secrets, scrubbed from error bodies.
    secrets: &'a SecretBag,
    upstreams: &'a Upstreams,
    timeout: Duration,
}

/// The token URL of a profile, rendered with the instance's config.
fn rendered_url(
    template: &crate::section::Template,
    name: &str,
    config: &std::collections::BTreeMap<String, String>,
) -> Result<url::Url, AuthError> {
    let url_text =
        template
            .render(|k| config.get(k).cloned())
            .ok_or_else(|| AuthError::MissingInput {
                profile: name.to_string(),
                what: "config for the token URL".into(),
            })?;
    url::Url::parse(&url_text).map_err(|e| AuthError::MissingInput {
        profile: name.to_string(),
        what: format!("a valid token URL ({e})"),
    })
}

/// A sensitive header value, or an error naming what held a control
/// character.
fn sensitive(
    value: &str,
    name: &str,
    what: &str,
) -> Result<reqwest::header::HeaderValue, AuthError> {
    let mut hv =
        reqwest::header::HeaderValue::from_str(value).map_err(|_| AuthError::MissingInput {
            profile: name.to_string(),
            what: format!("{what} without control characters"),
        })?;
    hv.set_sensitive(true);
    Ok(hv)
}

/// Form fields of a token request.
type Form = Vec<(String, String)>;

/// The token request of a client-credentials profile: URL (with the
/// parameters when they go in the query), headers and form.
fn client_credentials(
    c: &ClientCredentials,
    name: &str,
    config: &std::collections::BTreeMap<String, String>,
    secrets: &SecretBag,
    now: SystemTime,
) -> Result<(url::Url, reqwest::header::HeaderMap, Form), AuthError> {
    let mut url = rendered_url(&c.token_url, name, config)?;
    // A client assertion's audience: the token endpoint, before any
    // parameters go into its query.
    let audience = url.to_string();
    let client_id = resolve(&c.client_id, config, secrets, name)?;
    let mut params: Vec<(String, SecretValue)> =
        vec![("grant_type".into(), SecretValue::new(c.grant_type.clone()))];
    for (k, v) in &c.params {
        params.push((k.clone(), resolve(v, config, secrets, name)?));
    }
    let mut form: Form = Vec::new();
    match c.params_in {
        ParamsIn::Query => {
            let mut q = url.query_pairs_mut();
            for (k, v) in &params {
                q.append_pair(k, v.expose());
            }
        }
        ParamsIn::Form => form.extend(
            params
                .iter()
                .map(|(k, v)| (k.clone(), v.expose().to_string())),
        ),
    }
    let mut headers = reqwest::header::HeaderMap::new();
    match &c.client_auth {
        ClientAuth::Basic { secret } => {
            let client_secret = resolve(secret, config, secrets, name)?;
            let raw = format!("{}:{}", client_id.expose(), client_secret.expose());
            let value = format!("Basic {}", STANDARD.encode(raw.as_bytes()));
            headers.insert(
                reqwest::header::AUTHORIZATION,
                sensitive(&value, name, "client credentials")?,
            );
        }
        ClientAuth::Post { secret } => {
            let client_secret = resolve(secret, config, secrets, name)?;
            form.push(("client_id".into(), client_id.expose().to_string()));
            form.push(("client_secret".into(), client_secret.expose().to_string()));
        }
        ClientAuth::PrivateKeyJwt { key, alg } => {
            let signing = signing_key(key, *alg, name, config, secrets)?;
            let assertion = signing
                .client_assertion(client_id.expose(), &audience, now)
                .map_err(|e| bad_key(key, name, e))?;
            form.push(("client_id".into(), client_id.expose().to_string()));
            form.push((
                "client_assertion_type".into(),
                CLIENT_ASSERTION_TYPE.to_string(),
            ));
            form.push(("client_assertion".into(), assertion.expose().to_string()));
        }
    }
    Ok((url, headers, form))
}

impl Endpoint<'_> {
    /// POST a token request; the body of a 2xx answer, or the error it means
    /// (quoting none of the instance's secrets nor the assertions `sent`).
    async fn post(
        &self,
        url: url::Url,
        headers: reqwest::header::HeaderMap,
        form: Option<&Form>,
        sent: &[&str],
    ) -> Result<Vec<u8>, AuthError> {
        let Endpoint {
            client,
            name,
            secrets,
            upstreams,
            timeout,
        } = *self;
        let routed = routed_token_url(upstreams, &url, name)?;
        let mut request = client.post(routed.as_str()).headers(headers);
        if let Some(form) = form {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish();
            request = request
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body);
        }
        let response =
            request
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| AuthError::Unreachable {
                    profile: name.to_string(),
                    reason: reason(&e, timeout),
                })?;
        let status = response.status();
        let bytes = read_capped(response)
            .await
            .map_err(|e| AuthError::Unreachable {
                profile: name.to_string(),
                reason: match e {
                    Capped::Transport(e) => reason(&e, timeout),
                    Capped::TooLarge => format!("it answered more than {MAX_TOKEN_RESPONSE} bytes"),
                },
            })?;
        if !status.is_success() {
            // Scrub the whole body before cutting it: a credential the endpoint
            // quotes back must not survive in part across the cut.
            let mut body = String::from_utf8_lossy(&bytes).into_owned();
            secrets.scrub(&mut body);
            // A signed assertion is a credential for minutes: not quoted either.
            for s in sent.iter().filter(|s| s.len() >= 16) {
                body = body.replace(*s, crate::capabilities::redact::REDACTED);
            }
            let snippet = plugboard_core::text::bounded(&body, ERROR_SNIPPET).into_owned();
            let (profile, status) = (name.to_string(), status.as_u16());
            // 5xx, a timeout or throttling: the authorization server's trouble,
            // not the credentials'.
            let transient = status >= 500 || status == 408 || status == 429;
            return Err(if transient {
                AuthError::Failed {
                    profile,
                    status,
                    body: snippet,
                }
            } else {
                AuthError::Rejected {
                    profile,
                    status,
                    body: snippet,
                }
            });
        }
        Ok(bytes)
    }
}

/// An OAuth token response (`access_token`, `expires_in`): the token and its
/// lifetime.
fn oauth_token(name: &str, bytes: &[u8]) -> Result<(SecretValue, Duration), AuthError> {
    let parsed: TokenResponse =
        serde_json::from_slice(bytes).map_err(|_| AuthError::BadResponse {
            profile: name.to_string(),
        })?;
    if parsed.access_token.is_empty() {
        return Err(AuthError::BadResponse {
            profile: name.to_string(),
        });
    }
    let lifetime = Duration::from_secs(parsed.expires_in.unwrap_or(3600).clamp(1, 86_400));
    Ok((SecretValue::new(parsed.access_token), lifetime))
}

/// Where a token request to `url` goes: the operator's route, or `url`
/// itself unless it is an address the host refuses (a literal IP in a
/// special-purpose block the operator has not routed).
pub(super) fn routed_token_url(
    upstreams: &Upstreams,
    url: &url::Url,
    profile: &str,
) -> Result<url::Url, AuthError> {
    let routed = upstreams.route(url);
    if !upstreams.is_routed(url)
        && let Some(ip) = routed
            .host_str()
            .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
        && let Some(why) = crate::capabilities::network::forbidden_reason(ip)
    {
        return Err(AuthError::ForbiddenAddress {
            profile: profile.to_string(),
            why: why.to_string(),
        });
    }
    Ok(routed)
}

/// [`redact_url`], with the timeout named when it ran out.
pub(super) fn reason(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!(
            "it did not answer within {} s",
            plugboard_core::text::seconds(timeout)
        )
    } else {
        redact_url(e)
    }
}

/// A transport error described without its URL (which may carry parameters).
pub(crate) fn redact_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else if e.is_body() || e.is_decode() {
        "the response body could not be read".into()
    } else {
        "request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_installation_token_lives_until_its_expires_at() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let body = |expires: &str| format!(r#"{{"token":"ghs_x","expires_at":"{expires}"}}"#);
        // 2027-01-15T08:00:00Z is 1_800_000_000; an hour later:
        let (token, lifetime) =
            installation_token("p", body("2027-01-15T09:00:00Z").as_bytes(), now)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(token.expose(), "ghs_x");
        assert_eq!(lifetime, Duration::from_secs(3600));
        let (_, offset) =
            installation_token("p", body("2027-01-15T09:30:00+01:00").as_bytes(), now)
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(offset, Duration::from_secs(1800));
        for bad in [
            body("2027-01-15T07:59:59Z"),
            body("tomorrow"),
            r#"{"token":"","expires_at":"2027-01-15T09:00:00Z"}"#.to_string(),
            r#"{"access_token":"x","expires_in":3600}"#.to_string(),
        ] {
            let got = installation_token("p", bad.as_bytes(), now);
            assert!(
                matches!(got, Err(AuthError::BadResponse { .. })),
                "{bad}: {:?}",
                got.map(|(_, l)| l)
            );
        }
    }
}
