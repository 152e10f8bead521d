//! Server-to-Server OAuth: the token endpoint and bearer-token checks.

mod endpoint;
mod tokens;

pub(crate) use endpoint::token_endpoint;
pub(crate) use tokens::TokenStore;
