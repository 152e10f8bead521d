//! Microsoft identity platform client credentials: the token endpoint and bearer checks.

mod consent;
mod endpoint;
mod tokens;

pub(crate) use consent::{AdminConsent, admin_consent, consent_route};
pub(crate) use endpoint::{token_endpoint, too_large};
pub(crate) use tokens::{Resource, TokenStore, Verdict};
