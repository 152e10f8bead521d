//! A generic OAuth authorization server and API, for the host's brokered auth
//! profiles: it checks what a real server checks, and records every request so a test
//! can tell where each credential went.
//!
//! - `POST /oauth/token`: the client-credentials grant with exactly the client
//!   authentication it is configured for (`client_secret_basic`, `client_secret_post`
//!   or `private_key_jwt`, RFC 7523 §2.2: a client assertion whose signature, `iss`,
//!   `sub`, `aud`, `exp` (and not too far ahead) and unused `jti` are verified), or the
//!   JWT-bearer grant (RFC 7523 §2.1, as Google service accounts use it: `iss`, `scope`,
//!   `aud`, `iat`/`exp` within an hour, optional `sub`).
//! - `POST /app/installations/{id}/access_tokens`: GitHub's installation token
//!   endpoint: an RS256 app JWT (`iss` = app id, `exp` at most ten minutes ahead) as
//!   `Authorization: Bearer`, a `User-Agent`; `201 {token, expires_at, ...}`.
//! - `/api/...`: answers `200` only to the right presented credential (a configured
//!   API key where it must go, or a live token this server issued with the configured
//!   scheme), `401` otherwise.
//! - Anything else answers `200` (a path outside every audience).

pub(crate) mod jwt;
mod keys;
mod routes;

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;

pub use keys::{KeyAlg, KeyError, TestKey};

use crate::common::server::Server;

/// How a client must authenticate at `POST /oauth/token`.
#[derive(Debug, Clone)]
pub enum ClientAuthCheck {
    /// `Authorization: Basic base64(id:secret)` only; a secret in the form is refused.
    Basic(String),
    /// `client_id` and `client_secret` in the form only; an `Authorization` header is
    /// refused.
    Post(String),
    /// A client assertion signed with this key's private half.
    PrivateKeyJwt(TestKey),
}

/// Where the API expects its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// In header `name` (any case), after `scheme` and a space when `scheme` is not
    /// empty.
    Header {
        /// Header name.
        name: String,
        /// Scheme, or empty.
        scheme: String,
    },
    /// As query parameter `param`.
    Query(String),
}

impl Presented {
    /// `Authorization: Bearer …`.
    pub fn bearer() -> Self {
        Presented::Header {
            name: "authorization".into(),
            scheme: "Bearer".into(),
        }
    }
}

/// The JWT-bearer grant's expectations.
#[derive(Debug, Clone)]
pub struct JwtBearerCheck {
    /// `iss`: the service account.
    pub issuer: String,
    /// The key the assertion must be signed with.
    pub key: TestKey,
    /// The `scope` claim.
    pub scope: String,
    /// The `sub` claim (domain-wide delegation), or none.
    pub subject: Option<String>,
}

/// GitHub App expectations.
#[derive(Debug, Clone)]
pub struct GithubAppCheck {
    /// `iss`: the app id (or client id).
    pub app_id: String,
    /// The one installation that exists.
    pub installation_id: String,
    /// The app's key.
    pub key: TestKey,
}

/// What the server accepts.
#[derive(Debug, Clone)]
pub struct AuthServerConfig {
    /// The token endpoint as clients address it (the `aud` a JWT must carry), e.g.
    /// `https://auth.test/oauth/token`.
    pub token_url: String,
    /// The client id.
    pub client_id: String,
    /// How the client authenticates for the client-credentials grant.
    pub client_auth: ClientAuthCheck,
    /// The JWT-bearer grant, when it is accepted.
    pub jwt_bearer: Option<JwtBearerCheck>,
    /// The GitHub App endpoint, when it exists.
    pub github_app: Option<GithubAppCheck>,
    /// A static API key the API accepts, when there is one.
    pub api_key: Option<String>,
    /// Where the API expects the credential.
    pub presented: Presented,
    /// Seconds an issued token lives.
    pub token_lifetime: u64,
}

impl AuthServerConfig {
    /// A server for client `client_id` authenticating with `client_auth`, its token
    /// endpoint known to clients as `token_url`, tokens as `Authorization: Bearer`.
    pub fn new(token_url: &str, client_id: &str, client_auth: ClientAuthCheck) -> Self {
        AuthServerConfig {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_auth,
            jwt_bearer: None,
            github_app: None,
            api_key: None,
            presented: Presented::bearer(),
            token_lifetime: 3600,
        }
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy).
    pub body: String,
    /// Status answered.
    pub status: u16,
    /// JSON answered, if any.
    pub answer: serde_json::Value,
}

impl Seen {
    /// Whether `needle` appears anywhere in the request: path, query, any header,
    /// the body, raw or form-decoded.
    pub fn carries(&self, needle: &str) -> bool {
        let decoded = |s: &str| crate::common::query::decode_form(s);
        [&self.path, &self.query, &self.body]
            .iter()
            .any(|s| s.contains(needle) || decoded(s).contains(needle))
            || self
                .headers
                .iter()
                .any(|(k, v)| k.contains(needle) || v.contains(needle))
    }
}

/// Counters.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct AuthCounts {
    /// Tokens issued (both endpoints).
    pub tokens_issued: u64,
    /// Token requests refused.
    pub token_refusals: u64,
    /// API requests answered 200.
    pub api_ok: u64,
    /// API requests answered 401.
    pub api_refused: u64,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub seen: Vec<Seen>,
    pub counts: AuthCounts,
    /// Issued tokens and their expiry (Unix seconds).
    pub tokens: BTreeMap<String, i64>,
    /// Every `jti` accepted so far.
    pub jtis: HashSet<String>,
    /// Why the last token request was refused.
    pub last_refusal: Option<String>,
}

pub(crate) struct Shared {
    pub config: AuthServerConfig,
    pub state: Mutex<State>,
}

/// A running authorization server.
pub struct AuthServer {
    shared: Arc<Shared>,
    server: Server,
}

impl std::fmt::Debug for AuthServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServer")
            .field("base_url", &self.server.base_url())
            .finish_non_exhaustive()
    }
}

impl AuthServer {
    /// Serve `config` on a loopback port.
    pub async fn start(config: AuthServerConfig) -> std::io::Result<AuthServer> {
        let addr = SocketAddr::from(([127, 0, 0, 1], 0));
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(State::default()),
        });
        let server = Server::spawn(listener, addr, routes::router(shared.clone()), "auth");
        Ok(AuthServer { shared, server })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        crate::lock(&self.shared.state).seen.clone()
    }

    /// The counters.
    pub fn counts(&self) -> AuthCounts {
        crate::lock(&self.shared.state).counts.clone()
    }

    /// Why the last token request was refused, if one was.
    pub fn last_refusal(&self) -> Option<String> {
        crate::lock(&self.shared.state).last_refusal.clone()
    }

    /// Forget every issued token (the next API request with one gets `401`).
    pub fn revoke_all(&self) {
        crate::lock(&self.shared.state).tokens.clear();
    }

    /// Stop serving.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
