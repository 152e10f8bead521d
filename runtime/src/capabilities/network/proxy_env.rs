//! Environment proxies and plugin traffic.
//!
//! Threat: an HTTP client that honours `HTTP_PROXY`, `HTTPS_PROXY` or
//! `ALL_PROXY` hands the host name to the proxy, which resolves it itself:
//! the host's address policy never sees the address, so `localhost`, private
//! names and the metadata service are reached through the proxy. Decision:
//! every client that carries plugin or token traffic is built with no proxy
//! at all (`plugin_client`), and `plugboard` says so once, at warn level,
//! when it builds its first instance context with such a variable set.
//! There is no proxy setting: the operator's upstream routes (`--upstream`)
//! remain the one explicit way to send an origin somewhere else.

use std::sync::Once;

/// The variables reqwest would read, in both spellings.
pub const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The proxy variables `lookup` finds set to a non-empty value. Names only:
/// a proxy URL may carry credentials, so its value is never shown.
pub fn set_proxy_variables(
    lookup: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Vec<&'static str> {
    PROXY_VARIABLES
        .into_iter()
        .filter(|name| lookup(name).is_some_and(|v| !v.is_empty()))
        .collect()
}

/// The warning for `names` (non-empty).
fn warning(names: &[&str]) -> String {
    let (verb, pronoun) = if names.len() == 1 {
        ("is", "it")
    } else {
        ("are", "them")
    };
    format!(
        "{} {verb} set, but plugin and token requests ignore {pronoun} and go direct: a proxy resolves host names itself, so the host's address policy (no loopback, private or metadata addresses) could not be kept; allow plugboard direct egress to the plugins' origins",
        names.join(", ")
    )
}

/// Warn, once per process, when the environment sets a proxy that plugin
/// traffic ignores.
pub fn warn_once_if_proxy_set() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let names = set_proxy_variables(|name| std::env::var_os(name));
        if !names.is_empty() {
            tracing::warn!("{}", warning(&names));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_non_empty_proxy_variables_are_named_and_never_their_values() {
        let env = |name: &str| match name {
            "HTTPS_PROXY" => Some("http://user:hunter2@proxy.example:3128".into()),
            "all_proxy" => Some("socks5://10.0.0.1:1080".into()),
            "http_proxy" => Some("".into()),
            _ => None,
        };
        let names = set_proxy_variables(env);
        assert_eq!(names, ["HTTPS_PROXY", "all_proxy"]);
        let text = warning(&names);
        assert!(
            text.starts_with(
                "HTTPS_PROXY, all_proxy are set, but plugin and token requests ignore them"
            ),
            "{text}"
        );
        assert!(warning(&["ALL_PROXY"]).starts_with("ALL_PROXY is set,"));
        assert!(
            !text.contains("hunter2") && !text.contains("proxy.example"),
            "{text}"
        );
        assert!(set_proxy_variables(|_| None).is_empty());
    }
}
