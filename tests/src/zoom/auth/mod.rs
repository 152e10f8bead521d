//! Server-to-Server OAuth and the OAuth app (authorization code, refresh
//! tokens): the consent form, the token endpoint and bearer-token checks.

mod consent;
mod endpoint;
mod oauth_app;
mod tokens;

pub(crate) use consent::{CONSENT_PATH, authorize, submit};
pub(crate) use endpoint::token_endpoint;
pub use oauth_app::CODE_LIFETIME;
pub(crate) use oauth_app::OAuthApp;
pub(crate) use tokens::TokenStore;
