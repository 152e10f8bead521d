//! Operator routes: a real origin (`https://api.zoom.us`) mapped to another
//! base URL (a simulator or proxy). Egress checks use the plugin's view; only
//! the bytes on the wire go to the route's target.

use std::collections::BTreeMap;

use plugboard_core::Blame;
use url::Url;

/// A bad route in the operator's settings.
#[derive(Debug, thiserror::Error)]
#[error("upstream route {from:?} -> {to:?} is not valid: {reason}")]
pub struct UpstreamError {
    from: String,
    to: String,
    reason: String,
}

impl UpstreamError {
    /// Routes are operator settings.
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }
}

#[derive(Debug, Clone)]
struct Route {
    from: (String, String, u16),
    to: Url,
}

/// Origin → base URL routes of one instance.
#[derive(Debug, Clone, Default)]
pub struct Upstreams {
    routes: Vec<Route>,
}

fn origin(u: &Url) -> Option<(String, String, u16)> {
    Some((
        u.scheme().to_string(),
        u.host_str()?.to_ascii_lowercase(),
        u.port_or_known_default()?,
    ))
}

impl Upstreams {
    /// Parse `origin -> base URL` pairs.
    pub fn parse(map: &BTreeMap<String, String>) -> Result<Self, UpstreamError> {
        let mut routes = Vec::new();
        for (from, to) in map {
            let err = |reason: &str| UpstreamError {
                from: from.clone(),
                to: to.clone(),
                reason: reason.into(),
            };
            let f = Url::parse(from).map_err(|_| {
                err("the origin must be an absolute URL such as https://api.zoom.us")
            })?;
            if f.path() != "/" || f.query().is_some() {
                return Err(err("the origin has no path or query"));
            }
            let t = Url::parse(to).map_err(|_| {
                err("the target must be an absolute URL such as http://127.0.0.1:9000")
            })?;
            if !matches!(t.scheme(), "http" | "https")
                || t.host_str().is_none()
                || t.query().is_some()
            {
                return Err(err(
                    "the target must be an http(s) base URL without a query",
                ));
            }
            let from = origin(&f).ok_or_else(|| err("the origin needs a host"))?;
            routes.push(Route { from, to: t });
        }
        Ok(Upstreams { routes })
    }

    /// Whether any route is configured.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Host names the routes point at (the operator's explicit allowance for
    /// private or loopback destinations).
    pub fn target_hosts(&self) -> std::collections::BTreeSet<String> {
        self.routes
            .iter()
            .filter_map(|r| {
                r.to.host_str()
                    .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
            })
            .collect()
    }

    /// Whether `url` (plugin view) is sent through an operator route.
    pub fn is_routed(&self, url: &Url) -> bool {
        origin(url).is_some_and(|o| self.routes.iter().any(|r| r.from == o))
    }

    /// The URL to put on the wire for the plugin-view `url`.
    pub fn route(&self, url: &Url) -> Url {
        let Some(o) = origin(url) else {
            return url.clone();
        };
        let Some(r) = self.routes.iter().find(|r| r.from == o) else {
            return url.clone();
        };
        let mut out = r.to.clone();
        let base = r.to.path().trim_end_matches('/');
        out.set_path(&format!("{base}{}", url.path()));
        out.set_query(url.query());
        out
    }

    /// The plugin-view URL of a wire URL (for redirect `Location`s).
    pub fn unroute(&self, wire: &Url) -> Url {
        self.unroute_from(wire, None)
    }

    /// [`Upstreams::unroute`], preferring the route of `from` (the plugin-view
    /// URL that answered with the redirect) when several origins are routed
    /// to the same target: a relative `Location` stays on the origin the
    /// plugin asked for.
    pub fn unroute_from(&self, wire: &Url, from: Option<&Url>) -> Url {
        let Some(o) = origin(wire) else {
            return wire.clone();
        };
        let preferred = from.and_then(origin);
        let ordered = self
            .routes
            .iter()
            .filter(|r| Some(&r.from) == preferred.as_ref())
            .chain(
                self.routes
                    .iter()
                    .filter(|r| Some(&r.from) != preferred.as_ref()),
            );
        for r in ordered {
            let base = r.to.path().trim_end_matches('/');
            if origin(&r.to).as_ref() == Some(&o)
                && let Some(rest) = wire.path().strip_prefix(base)
            {
                let text = format!(
                    "{}://{}:{}{}",
                    r.from.0,
                    r.from.1,
                    r.from.2,
                    if rest.is_empty() { "/" } else { rest }
                );
                if let Ok(mut u) = Url::parse(&text) {
                    u.set_query(wire.query());
                    return u;
                }
            }
        }
        wire.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ups() -> Upstreams {
        let map = BTreeMap::from([(
            "https://api.zoom.us".to_string(),
            "http://127.0.0.1:9000/sim".to_string(),
        )]);
        Upstreams::parse(&map).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_routed_origin_keeps_path_and_query() {
        let u = Url::parse("https://api.zoom.us/v2/users?page_size=300")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ups().route(&u).as_str(),
            "http://127.0.0.1:9000/sim/v2/users?page_size=300"
        );
        assert_eq!(ups().unroute(&ups().route(&u)).as_str(), u.as_str());
    }

    #[test]
    fn other_origins_are_not_routed() {
        let u = Url::parse("https://zoom.us/oauth/token").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ups().route(&u), u);
    }

    #[test]
    fn bad_routes_are_refused() {
        for (from, to) in [
            ("api.zoom.us", "http://x"),
            ("https://a.com/path", "http://x"),
            ("https://a.com", "ftp://x"),
        ] {
            let map = BTreeMap::from([(from.to_string(), to.to_string())]);
            assert!(Upstreams::parse(&map).is_err(), "{from} -> {to}");
        }
    }
}
