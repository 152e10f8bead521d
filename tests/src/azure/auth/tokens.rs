//! Issued access tokens: minting, audience and expiry.
//!
//! Each token is bound to one resource (ARM or Graph). Unlike Zoom, minting a new
//! token does not revoke older ones: every token stays valid until it expires.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rand::Rng as _;
use serde_json::json;

/// Random bytes in a token's signature part (256 bits: not guessable).
const SIGNATURE_BYTES: usize = 32;

/// The resource a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Resource {
    /// Azure Resource Manager.
    Arm,
    /// Microsoft Graph.
    Graph,
}

impl Resource {
    /// The audience URI, e.g. `https://management.azure.com`.
    pub fn audience(self) -> &'static str {
        match self {
            Resource::Arm => "https://management.azure.com",
            Resource::Graph => "https://graph.microsoft.com",
        }
    }

    /// The resource named by a client-credentials `scope` (`<resource>/.default`).
    pub fn from_scope(scope: &str) -> Option<Self> {
        let resource = scope
            .trim()
            .strip_suffix("/.default")?
            .trim_end_matches('/');
        match resource.to_ascii_lowercase().as_str() {
            "https://management.azure.com" | "https://management.core.windows.net" => {
                Some(Resource::Arm)
            }
            "https://graph.microsoft.com" | "00000003-0000-0000-c000-000000000000" => {
                Some(Resource::Graph)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct IssuedToken {
    resource: Resource,
    expires_at: Instant,
}

/// What a presented token is worth for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Valid for this resource.
    Valid,
    /// Not a token the simulator issued.
    Unknown,
    /// Issued for the other resource.
    WrongAudience,
    /// Past its lifetime.
    Expired,
}

/// Every live token the simulator has issued.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, IssuedToken>,
}

impl TokenStore {
    /// Mints a JWT-shaped token for `resource` living `lifetime` from `now`.
    pub fn mint(
        &mut self,
        resource: Resource,
        tenant_id: &str,
        client_id: &str,
        lifetime: Duration,
        now: Instant,
    ) -> String {
        // Tokens dead for a day are forgotten (they then read as unknown, not expired).
        self.tokens.retain(|_, t| {
            now.saturating_duration_since(t.expires_at) < Duration::from_secs(86_400)
        });
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let issued = time::OffsetDateTime::now_utc().unix_timestamp();
        let expires = issued.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX));
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": "plugboard-sim"});
        let claims = json!({
            "aud": resource.audience(),
            "iss": format!("https://sts.windows.net/{tenant_id}/"),
            "iat": issued,
            "nbf": issued,
            "exp": expires,
            "appid": client_id,
            "tid": tenant_id,
            "idtyp": "app",
            "ver": "1.0",
        });
        let signature: [u8; SIGNATURE_BYTES] = rand::rng().random();
        let token = format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes()),
            b64(&signature)
        );
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                resource,
                expires_at: now + lifetime,
            },
        );
        token
    }

    /// Checks a presented token for `resource` at `now`.
    pub fn verify(&self, token: &str, resource: Resource, now: Instant) -> Verdict {
        match self.tokens.get(token) {
            None => Verdict::Unknown,
            Some(t) if t.resource != resource => Verdict::WrongAudience,
            Some(t) if now >= t.expires_at => Verdict::Expired,
            Some(_) => Verdict::Valid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_one_resource_and_a_second_mint_revokes_nothing() {
        let mut store = TokenStore::default();
        let now = Instant::now();
        let hour = Duration::from_secs(3_600);
        let arm = store.mint(Resource::Arm, "t", "c", hour, now);
        let arm2 = store.mint(Resource::Arm, "t", "c", hour, now);
        let graph = store.mint(Resource::Graph, "t", "c", hour, now);
        assert_eq!(store.verify(&arm, Resource::Arm, now), Verdict::Valid);
        assert_eq!(store.verify(&arm2, Resource::Arm, now), Verdict::Valid);
        assert_eq!(
            store.verify(&graph, Resource::Arm, now),
            Verdict::WrongAudience
        );
        assert_eq!(
            store.verify("guess", Resource::Graph, now),
            Verdict::Unknown
        );
        assert_eq!(
            store.verify(&graph, Resource::Graph, now + hour),
            Verdict::Expired
        );
    }

    #[test]
    fn scopes_name_one_resource_with_the_default_suffix() {
        assert_eq!(
            Resource::from_scope("https://graph.microsoft.com/.default"),
            Some(Resource::Graph)
        );
        assert_eq!(
            Resource::from_scope("https://management.azure.com//.default"),
            Some(Resource::Arm)
        );
        assert_eq!(
            Resource::from_scope("https://graph.microsoft.com/User.Read.All"),
            None
        );
        assert_eq!(Resource::from_scope("https://evil.example/.default"), None);
    }
}
