//! Policy: whether a plugin request, or a redirect hop of it, may go out.
//!
//! Threat: the send path mixes policy with waiting, tokens and retries, so a
//! check is easy to skip on one path (a redirect, a retry) and hard to test
//! without a network. Decision: every decision about *whether* and *what* a
//! request may carry is a pure function of the effective manifest, the
//! operator's routes and the request — [`judge`] for the first URL,
//! [`judge_redirect`] for each hop, [`judge_address`] for the address a hop
//! goes to, and [`plan_hop`](super::hop::plan_hop) for its headers. The send
//! loop (`client.rs`) only carries out what they allow. A refusal names its
//! [`DenyReason`], whose stable label counts refusals by kind.

use std::fmt;

use url::Url;

use super::sections::Sections;
use super::{OutboundRequest, path_trick};
use crate::capabilities::auth::section::{AuthProfile, Present, Usage};
use crate::capabilities::network::section::Method;
use crate::capabilities::network::{Upstreams, forbidden_reason};

/// Why the host refused a plugin's request. Labels are stable: they are
/// metric labels and appear in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DenyReason {
    /// The URL does not parse or holds control characters.
    Malformed,
    /// A method other than GET outside `act()`.
    WriteOutsideAct,
    /// The URL carries a user name or password.
    UrlCredentials,
    /// No egress rule allows the method and URL.
    OutsideGrant,
    /// The path carries what an upstream may read as another path.
    PathTrick,
    /// A secret header names a secret the manifest does not declare.
    UndeclaredSecret,
    /// A secret header names a secret an auth profile uses.
    ProfileSecret,
    /// A secret header goes outside its secret's `send_to`.
    SecretDestination,
    /// A header the host owns (`Host`, `Accept-Encoding`, `Range`, …).
    HostHeader,
    /// `Authorization`, `Cookie` or the profile's credential header on a
    /// brokered audience.
    BrokeredHeader,
    /// The profile's credential query parameter on a brokered audience.
    BrokeredParam,
    /// A header name or value that is not valid HTTP.
    InvalidHeader,
    /// A special-purpose address (loopback, private, metadata, …).
    SpecialAddress,
    /// A redirect whose `Location` cannot be followed.
    BadRedirect,
    /// More redirects than the host follows.
    TooManyRedirects,
}

impl DenyReason {
    /// Every reason, for counters indexed by reason.
    pub const ALL: [DenyReason; 15] = [
        DenyReason::Malformed,
        DenyReason::WriteOutsideAct,
        DenyReason::UrlCredentials,
        DenyReason::OutsideGrant,
        DenyReason::PathTrick,
        DenyReason::UndeclaredSecret,
        DenyReason::ProfileSecret,
        DenyReason::SecretDestination,
        DenyReason::HostHeader,
        DenyReason::BrokeredHeader,
        DenyReason::BrokeredParam,
        DenyReason::InvalidHeader,
        DenyReason::SpecialAddress,
        DenyReason::BadRedirect,
        DenyReason::TooManyRedirects,
    ];

    /// The stable label.
    pub fn label(self) -> &'static str {
        match self {
            DenyReason::Malformed => "malformed",
            DenyReason::WriteOutsideAct => "write_outside_act",
            DenyReason::UrlCredentials => "url_credentials",
            DenyReason::OutsideGrant => "outside_grant",
            DenyReason::PathTrick => "path_trick",
            DenyReason::UndeclaredSecret => "undeclared_secret",
            DenyReason::ProfileSecret => "profile_secret",
            DenyReason::SecretDestination => "secret_destination",
            DenyReason::HostHeader => "host_header",
            DenyReason::BrokeredHeader => "brokered_header",
            DenyReason::BrokeredParam => "brokered_param",
            DenyReason::InvalidHeader => "invalid_header",
            DenyReason::SpecialAddress => "special_address",
            DenyReason::BadRedirect => "bad_redirect",
            DenyReason::TooManyRedirects => "too_many_redirects",
        }
    }

    /// Whether the plugin sees the refusal as `invalid` (a malformed
    /// request) rather than `denied` (a request it may not make).
    pub fn is_invalid(self) -> bool {
        matches!(
            self,
            DenyReason::Malformed | DenyReason::InvalidHeader | DenyReason::BadRedirect
        )
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A refused request: why, and the message the plugin receives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// The kind of refusal.
    pub reason: DenyReason,
    /// What was refused and what to do instead.
    pub message: String,
}

impl Refusal {
    pub(super) fn new(reason: DenyReason, message: impl Into<String>) -> Self {
        Refusal {
            reason,
            message: message.into(),
        }
    }
}

/// A secret header the plugin asked for, bound to a declared secret whose
/// `send_to` covers the first URL (its value is the host's to attach).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretBinding {
    /// Header name.
    pub header: String,
    /// Secret field name.
    pub secret: String,
    /// Text before the value.
    pub prefix: String,
}

/// A first request judged admissible.
#[derive(Debug, Clone)]
pub struct Prepared<'m> {
    /// The parsed URL (plugin view).
    pub url: Url,
    /// The auth profile whose audience covers `url`: the only one whose
    /// token this request may carry, on any hop and any retry.
    pub profile: Option<&'m AuthProfile>,
    /// The secret headers, each checked against its secret's binding.
    pub secrets: Vec<SecretBinding>,
}

impl Prepared<'_> {
    /// `(header name, secret name)` of each secret header, for `plan_hop`.
    pub fn secret_names(&self) -> Vec<(&str, &str)> {
        self.secrets
            .iter()
            .map(|s| (s.header.as_str(), s.secret.as_str()))
            .collect()
    }
}

/// `scheme://host[:port]/path` of `u`, without its query (queries may carry
/// identifiers), for messages.
pub(super) fn shown(u: &Url) -> String {
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{}{port}{}",
        u.scheme(),
        u.host_str().unwrap_or(""),
        u.path()
    )
}

/// The URL as the plugin (or a redirect) wrote it, without its query, for
/// messages about its path: bounded and neutralised, it is outside text.
fn shown_raw(url: &Url, raw: &str) -> String {
    if raw.contains("://") {
        let end = raw.find(['?', '#']).unwrap_or(raw.len());
        let mut text = raw.get(..end).unwrap_or(raw).to_string();
        plugboard_core::text::clean_line(&mut text, 512);
        text
    } else {
        // A relative redirect: the resolved URL says where it went.
        shown(url)
    }
}

/// Judge the first URL of a plugin request (`writes_allowed`: the call is
/// `act()`).
pub fn judge<'m>(
    m: &'m Sections,
    req: &OutboundRequest,
    writes_allowed: bool,
) -> Result<Prepared<'m>, Refusal> {
    // The URL parser silently drops tabs and line breaks, which would let
    // `..%2\tf` reach the wire as `..%2f` past the path check.
    if req.url.chars().any(char::is_control) {
        return Err(Refusal::new(
            DenyReason::Malformed,
            "the URL contains control characters (tab, line break, …)",
        ));
    }
    let url = Url::parse(&req.url)
        .map_err(|e| Refusal::new(DenyReason::Malformed, format!("bad URL: {e}")))?;
    if req.method != Method::Get && !writes_allowed {
        return Err(Refusal::new(
            DenyReason::WriteOutsideAct,
            format!(
                "{} {} refused: only act() may change upstream state; sync, check and assess are read-only",
                req.method,
                shown(&url)
            ),
        ));
    }
    judge_egress(m, req.method, &url, &req.url)?;
    let secrets = req
        .secret_headers
        .iter()
        .map(|h| {
            judge_secret(m, &h.secret, &url).map(|()| SecretBinding {
                header: h.name.clone(),
                secret: h.secret.clone(),
                prefix: h.prefix.clone(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let profile = m.auth_for(&url);
    if let Some(p) = profile
        && let Present::Query { param } = &p.present
        && url.query_pairs().any(|(k, _)| k == param.as_str())
    {
        return Err(Refusal::new(
            DenyReason::BrokeredParam,
            format!(
                "query parameter `{param}` may not be set on {}: auth profile `{}` puts its credential there; the host injects it",
                shown(&url),
                p.name
            ),
        ));
    }
    let prepared = Prepared {
        profile,
        secrets,
        url,
    };
    // The first hop's header policy, before any pacing or token request.
    super::hop::plan_hop(
        m,
        &prepared.url,
        &prepared.url,
        &req.headers,
        &prepared.secret_names(),
        prepared.profile,
    )?;
    Ok(prepared)
}

/// Judge `url` (written as `raw` by the plugin or a redirect) against the
/// egress grant. Where every rule for `url`'s origin has a path prefix, the
/// path is first judged for what an upstream could read as another path —
/// in `raw`, before URL parsing normalised it (`%2e%2e`, `\`), and in the
/// parsed path.
pub fn judge_egress(m: &Sections, method: Method, url: &Url, raw: &str) -> Result<(), Refusal> {
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::new(
            DenyReason::UrlCredentials,
            "URLs may not carry credentials",
        ));
    }
    let mut for_origin = m
        .egress
        .iter()
        .filter(|r| r.methods.contains(&method) && r.prefix.same_origin(url))
        .peekable();
    if for_origin.peek().is_some()
        && for_origin.all(|r| r.prefix.path != "/")
        && let Some(what) = path_trick(raw).or_else(|| path_trick(url.path()))
    {
        return Err(Refusal::new(
            DenyReason::PathTrick,
            format!(
                "{method} {} refused: its path carries {what}, which an upstream may read as a path outside the egress grant; send the path without it",
                shown_raw(url, raw)
            ),
        ));
    }
    if !m.egress_allows(method, url) {
        return Err(Refusal::new(
            DenyReason::OutsideGrant,
            format!(
                "{method} {} is outside the plugin's egress grant",
                shown(url)
            ),
        ));
    }
    Ok(())
}

/// Judge a secret header naming `secret` on a request to `url`.
fn judge_secret(m: &Sections, secret: &str, url: &Url) -> Result<(), Refusal> {
    let shown_name = plugboard_core::text::quoted(secret);
    let Some(field) = m.secret_field(secret) else {
        return Err(Refusal::new(
            DenyReason::UndeclaredSecret,
            format!("secret {shown_name} is not declared in the manifest"),
        ));
    };
    if let Some(p) = m.profile_using_secret(secret) {
        let how = match p.secret_usage(secret) {
            Some(Usage::Signs) => "the host only signs that profile's JWTs with it",
            Some(Usage::ToAudience) => "the host sends it only to that profile's audience",
            _ => "the host sends it only to that profile's token endpoint",
        };
        return Err(Refusal::new(
            DenyReason::ProfileSecret,
            format!(
                "secret `{secret}` belongs to auth profile `{}`: {how}, never in a plugin's header",
                p.name
            ),
        ));
    }
    if field.send_to.iter().any(|p| p.covers(url)) {
        return Ok(());
    }
    let allowed: Vec<&str> = field.send_to.iter().map(|p| p.text.as_str()).collect();
    Err(Refusal::new(
        DenyReason::SecretDestination,
        if allowed.is_empty() {
            format!(
                "secret `{secret}` has no `send_to` in plugin.toml, so it may not be attached to any request"
            )
        } else {
            format!(
                "secret `{secret}` may be sent only to {} (its `send_to` in plugin.toml), not to {}",
                allowed.join(", "),
                shown(url)
            )
        },
    ))
}

/// Judge the address a hop to `current` (plugin view) goes to: an IP literal
/// that is a special-purpose address is refused unless the operator routed
/// the origin (names are judged when they resolve, by the client's resolver).
pub fn judge_address(upstreams: &Upstreams, current: &Url) -> Result<(), Refusal> {
    if upstreams.is_routed(current) {
        return Ok(());
    }
    let wire = upstreams.route(current);
    if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = wire.host()
        && let Some(ip) = wire
            .host_str()
            .and_then(|h| h.trim_matches(['[', ']']).parse().ok())
        && let Some(why) = forbidden_reason(ip)
    {
        return Err(Refusal::new(
            DenyReason::SpecialAddress,
            format!(
                "{} is a {why} address, which plugins may not reach unless the operator routes to it (--upstream)",
                shown(current)
            ),
        ));
    }
    Ok(())
}

/// Where a redirect leads: the next URL (plugin view) and method, judged
/// against the egress grant. `wire` is the URL that answered, `current` its
/// plugin view, `location` the answer's `Location`, `status` its status.
pub fn judge_redirect(
    m: &Sections,
    upstreams: &Upstreams,
    current: &Url,
    wire: &Url,
    location: &str,
    status: u16,
    method: Method,
) -> Result<(Url, Method), Refusal> {
    if location.chars().any(char::is_control) {
        return Err(Refusal::new(
            DenyReason::BadRedirect,
            "redirect refused: its Location contains control characters",
        ));
    }
    let next_wire = wire
        .join(location)
        .map_err(|_| Refusal::new(DenyReason::BadRedirect, "redirect with a bad Location"))?;
    let next = upstreams.unroute_from(&next_wire, Some(current));
    // 301-303 turn into a GET without a body, as clients do.
    let method = if matches!(status, 301..=303) {
        Method::Get
    } else {
        method
    };
    judge_egress(m, method, &next, location).map_err(|r| Refusal {
        message: format!("redirect refused: {}", r.message),
        ..r
    })?;
    Ok((next, method))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::http::SecretHeader;

    const MANIFEST: &str = r#"
id = "t"
version = "1.0.0"
contract = "0.1.0"

[[secret]]
name = "api_key"
send_to = ["https://api.example.com/v2/keys/"]

[[secret]]
name = "client_secret"

[[egress]]
url = "https://api.example.com/v2/"
methods = ["GET", "PUT"]

[[egress]]
url = "https://files.example.com/"
methods = ["GET"]

[[auth]]
name = "p"
token_url = "https://api.example.com/token"
grant_type = "client_credentials"
client_auth = "form"
client_id = "x"
client_secret = "secret:client_secret"
audience = ["https://api.example.com/v2/"]
"#;

    fn manifest() -> Sections {
        super::super::sections::parse_for_tests(MANIFEST).unwrap_or_else(|e| panic!("{e}"))
    }

    fn req(method: Method, url: &str) -> OutboundRequest {
        OutboundRequest {
            method,
            url: url.into(),
            headers: Vec::new(),
            secret_headers: Vec::new(),
            body: None,
        }
    }

    fn with_secret(url: &str, secret: &str) -> OutboundRequest {
        let mut r = req(Method::Get, url);
        r.secret_headers.push(SecretHeader {
            name: "X-Api-Key".into(),
            secret: secret.into(),
            prefix: String::new(),
        });
        r
    }

    fn with_header(url: &str, name: &str) -> OutboundRequest {
        let mut r = req(Method::Get, url);
        r.headers.push((name.into(), "v".into()));
        r
    }

    #[test]
    fn every_refusal_names_its_reason() {
        let m = manifest();
        let cases: Vec<(OutboundRequest, bool, DenyReason)> = vec![
            (req(Method::Get, "not a url"), false, DenyReason::Malformed),
            (
                req(Method::Get, "https://api.example.com/v2/a\tb"),
                false,
                DenyReason::Malformed,
            ),
            (
                req(Method::Put, "https://api.example.com/v2/users/1"),
                false,
                DenyReason::WriteOutsideAct,
            ),
            (
                req(Method::Get, "https://u:p@api.example.com/v2/"),
                false,
                DenyReason::UrlCredentials,
            ),
            (
                req(Method::Get, "https://evil.example/"),
                false,
                DenyReason::OutsideGrant,
            ),
            (
                req(Method::Delete, "https://api.example.com/v2/x"),
                true,
                DenyReason::OutsideGrant,
            ),
            (
                req(Method::Get, "https://api.example.com/v2/..;/admin"),
                false,
                DenyReason::PathTrick,
            ),
            (
                with_secret("https://api.example.com/v2/keys/1", "nope"),
                false,
                DenyReason::UndeclaredSecret,
            ),
            (
                with_secret("https://api.example.com/v2/keys/1", "client_secret"),
                false,
                DenyReason::ProfileSecret,
            ),
            (
                with_secret("https://api.example.com/v2/users", "api_key"),
                false,
                DenyReason::SecretDestination,
            ),
            (
                with_header("https://files.example.com/a", "Host"),
                false,
                DenyReason::HostHeader,
            ),
            (
                with_header("https://files.example.com/a", "Range"),
                false,
                DenyReason::HostHeader,
            ),
            (
                with_header("https://api.example.com/v2/a", "Authorization"),
                false,
                DenyReason::BrokeredHeader,
            ),
            (
                with_header("https://files.example.com/a", "Bad Name"),
                false,
                DenyReason::InvalidHeader,
            ),
        ];
        for (r, writes, want) in cases {
            let got = judge(&m, &r, writes).map(|_| ()).map_err(|e| e.reason);
            assert_eq!(got, Err(want), "{} {}", r.method, r.url);
        }
    }

    #[test]
    fn an_admissible_request_carries_its_profile_and_bound_secrets() {
        let m = manifest();
        let p = judge(
            &m,
            &with_secret("https://api.example.com/v2/keys/1", "api_key"),
            false,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(p.profile.map(|p| p.name.as_str()), Some("p"));
        assert_eq!(p.secret_names(), [("X-Api-Key", "api_key")]);
        let outside = judge(&m, &req(Method::Get, "https://files.example.com/x"), false)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(outside.profile.is_none());
        // A write inside act() is allowed where the grant has the method.
        assert!(
            judge(
                &m,
                &req(Method::Put, "https://api.example.com/v2/users/1"),
                true
            )
            .is_ok()
        );
    }

    #[test]
    fn a_redirect_is_judged_like_a_first_request_and_303_turns_into_get() {
        let m = manifest();
        let ups = Upstreams::default();
        let here = Url::parse("https://api.example.com/v2/a").unwrap_or_else(|e| panic!("{e}"));
        let next = |loc: &str, status: u16, method: Method| {
            judge_redirect(&m, &ups, &here, &here, loc, status, method)
                .map(|(u, m)| (u.to_string(), m))
                .map_err(|r| r.reason)
        };
        assert_eq!(
            next("/v2/b", 307, Method::Put),
            Ok(("https://api.example.com/v2/b".into(), Method::Put))
        );
        assert_eq!(
            next("/v2/b", 303, Method::Put),
            Ok(("https://api.example.com/v2/b".into(), Method::Get))
        );
        assert_eq!(
            next("https://evil.example/", 302, Method::Get),
            Err(DenyReason::OutsideGrant)
        );
        assert_eq!(
            next("/v2/..;/admin", 302, Method::Get),
            Err(DenyReason::PathTrick)
        );
        assert_eq!(
            next("/v2/\tx", 302, Method::Get),
            Err(DenyReason::BadRedirect)
        );
        let refused = judge_redirect(
            &m,
            &ups,
            &here,
            &here,
            "https://evil.example/",
            302,
            Method::Get,
        );
        assert!(refused.is_err_and(|r| {
            r.message
                .starts_with("redirect refused: GET https://evil.example/")
        }),);
    }

    #[test]
    fn special_addresses_are_refused_unless_routed() {
        let url = |s: &str| Url::parse(s).unwrap_or_else(|e| panic!("{e}"));
        let none = Upstreams::default();
        assert_eq!(
            judge_address(&none, &url("http://169.254.169.254/x")).map_err(|r| r.reason),
            Err(DenyReason::SpecialAddress)
        );
        assert!(judge_address(&none, &url("https://api.example.com/x")).is_ok());
        let routes = [(
            "http://127.0.0.1:9".to_string(),
            "http://127.0.0.1:9".to_string(),
        )]
        .into_iter()
        .collect();
        let routed = Upstreams::parse(&routes).unwrap_or_else(|e| panic!("{e}"));
        assert!(judge_address(&routed, &url("http://127.0.0.1:9/x")).is_ok());
    }

    #[test]
    fn labels_are_distinct_and_stable() {
        let labels: std::collections::BTreeSet<&str> =
            DenyReason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(labels.len(), DenyReason::ALL.len());
        assert_eq!(DenyReason::OutsideGrant.label(), "outside_grant");
    }
}
