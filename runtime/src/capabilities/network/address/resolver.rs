//! The DNS resolver of plugin traffic: a permitted name is judged by the
//! addresses it resolves to, at connection time (so DNS rebinding between a
//! check and the connection cannot slip an internal address through).

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

use super::forbidden_reason;

/// A DNS resolver for plugin traffic that drops forbidden addresses, except
/// for host names the operator routed to.
#[derive(Debug, Clone, Default)]
pub struct PolicyResolver {
    allowed_hosts: Arc<BTreeSet<String>>,
}

impl PolicyResolver {
    /// A resolver that lets `allowed_hosts` (operator route targets) resolve
    /// to any address.
    pub fn new(allowed_hosts: BTreeSet<String>) -> Self {
        PolicyResolver {
            allowed_hosts: Arc::new(allowed_hosts),
        }
    }
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let trusted = self.allowed_hosts.contains(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| trusted || forbidden_reason(a.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                let why = addrs
                    .first()
                    .and_then(|a| forbidden_reason(a.ip()))
                    .unwrap_or("no address");
                return Err(format!("{host} resolves only to refused addresses ({why})").into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
