//! One token request, shaped by an auth profile (grant type, client auth,
//! parameters in the query or the form body).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use plugboard_core::secrets::SecretValue;
use serde::Deserialize;

use super::AuthError;
use crate::capabilities::network::Upstreams;
use crate::capabilities::secrets::SecretBag;
use crate::manifest::{AuthKind, AuthProfile, ClientAuth, ClientCredentials, ParamsIn, ValueRef};

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
    match &profile.kind {
        AuthKind::ClientCredentials(c) => {
            let (url, headers, form) = client_credentials(c, name, config, secrets)?;
            let bytes = endpoint.post(url, headers, &form).await?;
            oauth_token(name, &bytes)
        }
        // Minted from the stored refresh token by the broker
        // (`TokenBroker::refresh`), never from the profile alone.
        AuthKind::AuthorizationCode(_) => Err(AuthError::NotConnected {
            profile: name.to_string(),
            instance: "this instance".into(),
        }),
    }
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
    template: &crate::manifest::Template,
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
) -> Result<(url::Url, reqwest::header::HeaderMap, Form), AuthError> {
    let mut url = rendered_url(&c.token_url, name, config)?;
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
    }
    Ok((url, headers, form))
}

impl Endpoint<'_> {
    /// POST a token request; the body of a 2xx answer, or the error it means.
    async fn post(
        &self,
        url: url::Url,
        headers: reqwest::header::HeaderMap,
        form: &Form,
    ) -> Result<Vec<u8>, AuthError> {
        let Endpoint {
            client,
            name,
            secrets,
            upstreams,
            timeout,
        } = *self;
        let routed = upstreams.route(&url);
        if !upstreams.is_routed(&url)
            && let Some(ip) = routed
                .host_str()
                .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
            && let Some(why) = crate::capabilities::network::forbidden_reason(ip)
        {
            return Err(AuthError::ForbiddenAddress {
                profile: name.to_string(),
                why: why.to_string(),
            });
        }
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = client
            .post(routed.as_str())
            .headers(headers)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
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
