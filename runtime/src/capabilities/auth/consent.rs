//! The authorization-code grant with PKCE (S256) and refresh tokens — the
//! consent flow ("Connect Zoom"): an admin opens the authorize URL, allows,
//! and the host exchanges the code for an access token and a refresh token,
//! which it keeps (sealed, by the host's store) and uses for every later
//! access token.
//!
//! The `oauth2` crate builds the authorize URL, the PKCE pair and the token
//! requests, and parses the answers; it sends nothing itself. Every token
//! request goes through [`send`], the host's own HTTP function: the plugin
//! client (no proxy, the address policy at connection time), the operator's
//! upstream routes, a refused IP literal refused before anything is sent, the
//! per-request timeout and the response cap — as a client-credentials mint.

use std::collections::BTreeMap;
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode as Code, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, StandardErrorResponse, TokenResponse as _, TokenUrl,
};
use plugboard_core::secrets::SecretValue;

use super::AuthError;
use super::mint::{ERROR_SNIPPET, read_capped_bytes, reason, resolve};
use super::section::{AuthorizationCode, ClientAuth};
use crate::capabilities::network::Upstreams;
use crate::capabilities::secrets::SecretBag;

/// A client with an authorize and a token endpoint.
type ConsentClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Tokens from a code exchange or a refresh.
pub struct Grant {
    /// The access token.
    pub access: SecretValue,
    /// Its lifetime.
    pub lifetime: Duration,
    /// A refresh token, when the server sent one (a rotating server sends a
    /// new one with every refresh).
    pub refresh: Option<SecretValue>,
}

/// One consent in progress: the URL the admin opens and what the callback
/// must match. Kept in memory by whoever waits for the callback.
pub struct ConsentRequest {
    /// The authorize URL, with `state` and the PKCE challenge.
    pub authorize_url: url::Url,
    /// The redirect URI the callback arrives on.
    pub redirect_uri: String,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
}

impl std::fmt::Debug for ConsentRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsentRequest")
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

impl ConsentRequest {
    /// The `state` value the callback must carry.
    pub fn state(&self) -> &str {
        self.state.secret()
    }
}

/// Everything a token request of one profile needs.
pub struct Endpoint<'a> {
    /// The plugin client.
    pub client: &'a reqwest::Client,
    /// The profile's name.
    pub profile: &'a str,
    /// The profile.
    pub code: &'a AuthorizationCode,
    /// The instance's settings.
    pub config: &'a BTreeMap<String, String>,
    /// The instance's secrets.
    pub secrets: &'a SecretBag,
    /// The operator's routes.
    pub upstreams: &'a Upstreams,
    /// Per-request timeout.
    pub timeout: Duration,
}

fn missing(profile: &str, what: String) -> AuthError {
    AuthError::MissingInput {
        profile: profile.to_string(),
        what,
    }
}

fn rendered(
    template: &crate::section::Template,
    profile: &str,
    config: &BTreeMap<String, String>,
    what: &str,
) -> Result<String, AuthError> {
    template
        .render(|k| config.get(k).cloned())
        .ok_or_else(|| missing(profile, format!("config for the {what}")))
}

/// The `oauth2` client of `code` (its endpoints, client id and secret).
fn client_of(
    profile: &str,
    code: &AuthorizationCode,
    config: &BTreeMap<String, String>,
    secrets: &SecretBag,
) -> Result<ConsentClient, AuthError> {
    let authorize = rendered(&code.authorize_url, profile, config, "authorize URL")?;
    let token = rendered(&code.token_url, profile, config, "token URL")?;
    let client_id = resolve(&code.client_id, config, secrets, profile)?;
    let (secret, auth_type) = match &code.client_auth {
        ClientAuth::Basic { secret } => (secret, AuthType::BasicAuth),
        ClientAuth::Post { secret } => (secret, AuthType::RequestBody),
        // The manifest refuses it for this kind; were one to get here, it
        // is refused rather than sent unsigned.
        ClientAuth::PrivateKeyJwt { .. } => {
            return Err(missing(
                profile,
                "client_secret_basic or client_secret_post client authentication (the consent flow signs no assertions)".into(),
            ));
        }
    };
    let secret = resolve(secret, config, secrets, profile)?;
    Ok(
        BasicClient::new(ClientId::new(client_id.expose().to_string()))
            .set_client_secret(ClientSecret::new(secret.expose().to_string()))
            .set_auth_type(auth_type)
            .set_auth_uri(
                AuthUrl::new(authorize)
                    .map_err(|e| missing(profile, format!("a valid authorize URL ({e})")))?,
            )
            .set_token_uri(
                TokenUrl::new(token)
                    .map_err(|e| missing(profile, format!("a valid token URL ({e})")))?,
            ),
    )
}

/// Start a consent: the authorize URL for `redirect_uri`, with a fresh
/// random `state` and an S256 PKCE challenge (its verifier stays here). An
/// operator's route of the authorize origin (`--upstream`) applies to it
/// too: the admin's browser goes where the operator sends that origin.
pub fn begin(
    profile: &str,
    code: &AuthorizationCode,
    config: &BTreeMap<String, String>,
    secrets: &SecretBag,
    upstreams: &Upstreams,
    redirect_uri: &str,
) -> Result<ConsentRequest, AuthError> {
    let client = client_of(profile, code, config, secrets)?.set_redirect_uri(
        RedirectUrl::new(redirect_uri.to_string())
            .map_err(|e| missing(profile, format!("a valid redirect URI ({e})")))?,
    );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge);
    for (k, v) in &code.authorize_params {
        let value = resolve(v, config, secrets, profile)?;
        request = request.add_extra_param(k.clone(), value.expose().to_string());
    }
    let (authorize_url, state) = request.url();
    Ok(ConsentRequest {
        authorize_url: upstreams.route(&authorize_url),
        redirect_uri: redirect_uri.to_string(),
        state,
        verifier,
    })
}

/// What came back on the redirect URI.
#[derive(Debug, PartialEq, Eq)]
pub enum Callback {
    /// A code to exchange.
    Code(String),
}

/// Judge the callback's query against `request`: the `state` must match
/// (else a stale or forged callback), an `error` means no consent, and a
/// success carries a code.
pub fn callback(
    profile: &str,
    request: &ConsentRequest,
    query: &str,
) -> Result<Callback, AuthError> {
    let pairs: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let state_ok = pairs
        .get("state")
        .is_some_and(|s| constant_time_eq(s.as_bytes(), request.state().as_bytes()));
    if !state_ok {
        return Err(AuthError::StateMismatch {
            profile: profile.to_string(),
        });
    }
    if let Some(error) = pairs.get("error") {
        let mut detail = error.clone();
        if let Some(d) = pairs.get("error_description") {
            detail.push_str(": ");
            detail.push_str(d);
        }
        return Err(AuthError::ConsentRefused {
            profile: profile.to_string(),
            detail: plugboard_core::text::bounded(&detail, ERROR_SNIPPET).into_owned(),
        });
    }
    match pairs.get("code").filter(|c| !c.is_empty()) {
        Some(code) => Ok(Callback::Code(code.clone())),
        None => Err(AuthError::ConsentRefused {
            profile: profile.to_string(),
            detail: "the callback carried neither a code nor an error".into(),
        }),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Exchange the callback's `code` (with the request's PKCE verifier and
/// redirect URI) for tokens.
pub async fn exchange(
    endpoint: &Endpoint<'_>,
    request: ConsentRequest,
    code: &str,
) -> Result<Grant, AuthError> {
    let client = client_of(
        endpoint.profile,
        endpoint.code,
        endpoint.config,
        endpoint.secrets,
    )?
    .set_redirect_uri(
        RedirectUrl::new(request.redirect_uri.clone())
            .map_err(|e| missing(endpoint.profile, format!("a valid redirect URI ({e})")))?,
    );
    let http = Http::of(endpoint);
    let answer = client
        .exchange_code(Code::new(code.to_string()))
        .set_pkce_verifier(request.verifier)
        .request_async(&http)
        .await;
    grant(endpoint, answer, false)
}

/// New tokens for `refresh_token`. `invalid_grant` (revoked, expired,
/// superseded) is [`AuthError::RefreshRefused`]: only a new consent helps.
pub async fn refresh(
    endpoint: &Endpoint<'_>,
    refresh_token: &SecretValue,
) -> Result<Grant, AuthError> {
    let client = client_of(
        endpoint.profile,
        endpoint.code,
        endpoint.config,
        endpoint.secrets,
    )?;
    let token = RefreshToken::new(refresh_token.expose().to_string());
    let http = Http::of(endpoint);
    let answer = client
        .exchange_refresh_token(&token)
        .request_async(&http)
        .await;
    grant(endpoint, answer, true)
}

type Answer = Result<
    oauth2::basic::BasicTokenResponse,
    RequestTokenError<AuthError, StandardErrorResponse<BasicErrorResponseType>>,
>;

fn grant(endpoint: &Endpoint<'_>, answer: Answer, refreshing: bool) -> Result<Grant, AuthError> {
    let profile = endpoint.profile.to_string();
    match answer {
        Ok(token) => {
            let access = token.access_token().secret();
            if access.is_empty() {
                return Err(AuthError::BadResponse { profile });
            }
            let lifetime = token
                .expires_in()
                .unwrap_or(Duration::from_secs(3600))
                .clamp(Duration::from_secs(1), Duration::from_secs(86_400));
            Ok(Grant {
                access: SecretValue::new(access.clone()),
                lifetime,
                refresh: token
                    .refresh_token()
                    .map(|r| SecretValue::new(r.secret().clone()))
                    .filter(|r| !r.expose().is_empty()),
            })
        }
        Err(RequestTokenError::Request(e)) => Err(e),
        Err(RequestTokenError::ServerResponse(e)) => {
            let mut detail = e.error().to_string();
            if let Some(d) = e.error_description() {
                detail.push_str(": ");
                detail.push_str(d);
            }
            endpoint.secrets.scrub(&mut detail);
            let detail = plugboard_core::text::bounded(&detail, ERROR_SNIPPET).into_owned();
            Err(
                if refreshing && *e.error() == BasicErrorResponseType::InvalidGrant {
                    AuthError::RefreshRefused { profile, detail }
                } else {
                    AuthError::Rejected {
                        profile,
                        status: 400,
                        body: detail,
                    }
                },
            )
        }
        Err(RequestTokenError::Parse(..) | RequestTokenError::Other(_)) => {
            Err(AuthError::BadResponse { profile })
        }
    }
}

/// The host's HTTP client for `oauth2`: owned copies of what a token
/// request needs (the client and the matcher are shared handles), so its
/// type has no lifetime and the broker's future stays `Send` for the engine.
struct Http {
    client: reqwest::Client,
    upstreams: Upstreams,
    profile: String,
    timeout: Duration,
    redactor: crate::capabilities::redact::Redactor,
}

impl Http {
    fn of(endpoint: &Endpoint<'_>) -> Self {
        Http {
            client: endpoint.client.clone(),
            upstreams: endpoint.upstreams.clone(),
            profile: endpoint.profile.to_string(),
            timeout: endpoint.timeout,
            redactor: endpoint.secrets.redactor(),
        }
    }
}

type SendFuture<'c> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, AuthError>> + Send + 'c>,
>;

impl<'c> oauth2::AsyncHttpClient<'c> for Http {
    type Error = AuthError;
    type Future = SendFuture<'c>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(self, request))
    }
}

/// The host's HTTP function for `oauth2`: one token request through the
/// plugin client, routed, judged, timed and capped. A 5xx, 408 or 429 is the
/// server's trouble ([`AuthError::Failed`]); any other answer goes back to
/// `oauth2` to parse, its body scrubbed of the instance's secrets first.
async fn send(
    endpoint: &Http,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, AuthError> {
    let profile = endpoint.profile.as_str();
    let url = url::Url::parse(&request.uri().to_string())
        .map_err(|e| missing(profile, format!("a valid token URL ({e})")))?;
    let routed = super::mint::routed_token_url(&endpoint.upstreams, &url, profile)?;
    let (parts, body) = request.into_parts();
    let response = endpoint
        .client
        .request(parts.method, routed.as_str())
        .headers(parts.headers)
        .body(body)
        .timeout(endpoint.timeout)
        .send()
        .await
        .map_err(|e| AuthError::Unreachable {
            profile: profile.to_string(),
            reason: reason(&e, endpoint.timeout),
        })?;
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .cloned();
    let mut bytes = read_capped_bytes(response, profile, endpoint.timeout).await?;
    let code = status.as_u16();
    if status.is_server_error() || code == 408 || code == 429 {
        let mut body = String::from_utf8_lossy(&bytes).into_owned();
        endpoint.redactor.redact(&mut body);
        return Err(AuthError::Failed {
            profile: profile.to_string(),
            status: code,
            body: plugboard_core::text::bounded(&body, ERROR_SNIPPET).into_owned(),
        });
    }
    if !status.is_success() {
        endpoint.redactor.redact_bytes(&mut bytes);
    }
    let mut answer = oauth2::http::Response::builder().status(code);
    if let Some(ct) = content_type {
        answer = answer.header(oauth2::http::header::CONTENT_TYPE, ct);
    }
    answer.body(bytes).map_err(|_| AuthError::BadResponse {
        profile: profile.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
