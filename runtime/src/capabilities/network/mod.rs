//! Network policy: where plugin traffic and token requests may go, and the
//! client that enforces it.
//!
//! Its manifest section is `[[egress]]` ([`section`]), with the URL prefixes
//! every section uses and the per-tenant URL patterns ([`form`]).
//!
//! Both the http capability (plugin requests) and the auth capability (token
//! requests) send through this unit and nothing else: the address policy
//! (`address`), the operator's upstream routes (`upstreams`), environment
//! proxies ignored (`proxy_env`) and the one client builder that wires them
//! together ([`plugin_client`]). Neither capability imports the other's
//! network code; both import this.

mod address;
pub mod form;
pub mod grant;
mod proxy_env;
pub mod section;
mod upstreams;

use std::sync::Arc;

pub use address::{PolicyResolver, forbidden_reason};
pub use form::HostForm;
pub use proxy_env::{PROXY_VARIABLES, warn_once_if_proxy_set};
pub use section::{EgressRule, Method, UrlPrefix};
pub use upstreams::{UpstreamError, Upstreams};

/// The HTTP client for one instance's plugin traffic and its token requests:
/// rustls, no automatic redirects (the host follows them, checking each
/// hop), no proxy from the environment (a proxy would resolve names itself,
/// past the address policy; see `proxy_env`), and a resolver that refuses
/// special-purpose addresses except for the operator's route targets.
pub fn plugin_client(upstreams: &Upstreams) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("plugboard/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(PolicyResolver::new(upstreams.target_hosts())))
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))
}
