//! What each hop of a request may carry: plugin headers, secret headers and
//! the brokered token, decided again for every URL a redirect leads to.
//!
//! Threat: the first URL passes every check, then a redirect takes the request
//! somewhere else, and whatever was attached to the first hop goes along — a
//! plugin-made `Authorization` into a brokered audience, a secret header to
//! another origin, or the token of whichever profile happens to cover the new
//! URL (profile A's token reaching B's audience). Decision: a pure function
//! plans each hop from the first URL, the hop's URL and what the plugin asked
//! for. Across origins it drops the sensitive plugin headers and every secret
//! header (as browsers and curl drop credentials); on any hop a secret header
//! goes only inside its secret's `send_to`, the token only of the profile that
//! matched the first request and only inside that profile's audience, and the
//! whole header policy is applied again to what is left.

use url::Url;

use super::check_headers;
use super::judge::Refusal;
use super::sections::Sections;
use crate::capabilities::auth::section::AuthProfile;

/// Plugin headers never carried to another origin.
const CROSS_ORIGIN_DROPPED: &[&str] = &["authorization", "cookie", "proxy-authorization"];

/// What one hop sends, as indices into the request's headers and secret
/// headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HopPlan {
    /// Plugin headers sent on this hop.
    pub headers: Vec<usize>,
    /// Secret headers sent on this hop.
    pub secrets: Vec<usize>,
    /// Whether the first request's profile token is injected.
    pub token: bool,
}

/// `(scheme, host, port)`, with the scheme's default port filled in.
fn origin(u: &Url) -> (&str, Option<&str>, Option<u16>) {
    (u.scheme(), u.host_str(), u.port_or_known_default())
}

/// Plan the hop to `current` of a request that first went to `first`.
/// `secrets` are `(header name, secret name)` pairs; `profile` is the auth
/// profile whose audience covered `first`, if any.
pub(super) fn plan_hop(
    manifest: &Sections,
    first: &Url,
    current: &Url,
    headers: &[(String, String)],
    secrets: &[(&str, &str)],
    profile: Option<&AuthProfile>,
) -> Result<HopPlan, Refusal> {
    let same_origin = origin(first) == origin(current);
    let header_idx: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| {
            same_origin || !CROSS_ORIGIN_DROPPED.contains(&name.to_ascii_lowercase().as_str())
        })
        .map(|(i, _)| i)
        .collect();
    let secret_idx: Vec<usize> = secrets
        .iter()
        .enumerate()
        .filter(|(_, (_, secret))| {
            same_origin
                && manifest
                    .secret_field(secret)
                    .is_some_and(|f| f.send_to.iter().any(|p| p.covers(current)))
        })
        .map(|(i, _)| i)
        .collect();
    let credential_header = manifest.auth_for(current).map(|p| p.present.header_lower());
    check_headers(
        header_idx
            .iter()
            .filter_map(|&i| headers.get(i))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(
                secret_idx
                    .iter()
                    .filter_map(|&i| secrets.get(i))
                    .map(|(name, _)| (*name, "")),
            ),
        credential_header.as_ref().map(|h| h.as_deref()),
    )?;
    let token = profile.is_some_and(|p| p.audience.iter().any(|a| a.covers(current)));
    Ok(HopPlan {
        headers: header_idx,
        secrets: secret_idx,
        token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"
id = "t"
version = "1.0.0"
contract = "0.1.0"

[[secret]]
name = "api_key"
send_to = ["https://a.example/api/"]

[[secret]]
name = "client_secret"

[[egress]]
url = "https://a.example/"
methods = ["GET"]

[[egress]]
url = "https://b.example/"
methods = ["GET"]

[[auth]]
name = "a"
token_url = "https://a.example/token"
grant_type = "client_credentials"
client_auth = "form"
client_id = "x"
client_secret = "secret:client_secret"
audience = ["https://a.example/api/"]

[[auth]]
name = "b"
token_url = "https://b.example/token"
grant_type = "client_credentials"
client_auth = "form"
client_id = "x"
client_secret = "secret:client_secret"
audience = ["https://b.example/api/"]
"#;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn headers(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), "v".to_string()))
            .collect()
    }

    #[test]
    fn each_hop_carries_only_what_its_url_allows() -> Result<(), Box<dyn std::error::Error>> {
        let m = super::super::sections::parse_for_tests(MANIFEST)?;
        let a = m.auth.first().ok_or("profile a")?;
        let plugin_headers = headers(&["Accept", "Authorization", "Cookie", "X-Trace"]);
        let secrets = [("X-Api-Key", "api_key")];
        // (first, hop, profile of the first request, expected plan or refusal)
        type Case<'a> = (
            &'a str,
            &'a str,
            Option<&'a AuthProfile>,
            Result<HopPlan, &'a str>,
        );
        let cases: &[Case] = &[
            // Same origin, outside every audience: all plugin headers; the
            // secret only inside its send_to.
            (
                "https://a.example/pub/x",
                "https://a.example/pub/y",
                None,
                Ok(HopPlan {
                    headers: vec![0, 1, 2, 3],
                    secrets: vec![],
                    token: false,
                }),
            ),
            // Cross-origin: credentials and every secret header dropped.
            (
                "https://a.example/pub/x",
                "https://b.example/pub/y",
                None,
                Ok(HopPlan {
                    headers: vec![0, 3],
                    secrets: vec![],
                    token: false,
                }),
            ),
            // A plugin-made Authorization redirected into a brokered audience
            // on the same origin: refused.
            (
                "https://a.example/pub/x",
                "https://a.example/api/y",
                None,
                Err("may not be set on a brokered audience"),
            ),
            // Cross-origin into B's audience: the sensitive headers are gone,
            // and A's token does not follow; B's is never injected.
            (
                "https://a.example/api/x",
                "https://b.example/api/y",
                Some(a),
                Ok(HopPlan {
                    headers: vec![0, 3],
                    secrets: vec![],
                    token: false,
                }),
            ),
            // Leaving A's audience on A's origin: no token.
            (
                "https://a.example/api/x",
                "https://a.example/pub/y",
                Some(a),
                Ok(HopPlan {
                    headers: vec![0, 1, 2, 3],
                    secrets: vec![],
                    token: false,
                }),
            ),
        ];
        for (first, hop, profile, want) in cases {
            let got = plan_hop(
                &m,
                &url(first),
                &url(hop),
                &plugin_headers,
                &secrets,
                *profile,
            );
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{first} -> {hop}"),
                (Err(w), Err(e)) => assert!(e.message.contains(w), "{first} -> {hop}: {e:?}"),
                _ => panic!("{first} -> {hop}: want {want:?}, got {got:?}"),
            }
        }
        Ok(())
    }

    #[test]
    fn a_secret_header_and_the_token_stay_inside_their_destinations()
    -> Result<(), Box<dyn std::error::Error>> {
        let m = super::super::sections::parse_for_tests(MANIFEST)?;
        let a = m.auth.first().ok_or("profile a")?;
        let accept = headers(&["Accept"]);
        let secrets = [("X-Api-Key", "api_key")];
        let inside = plan_hop(
            &m,
            &url("https://a.example/api/x"),
            &url("https://a.example/api/y"),
            &accept,
            &secrets,
            Some(a),
        )?;
        assert_eq!(
            inside,
            HopPlan {
                headers: vec![0],
                secrets: vec![0],
                token: true
            }
        );
        let outside = plan_hop(
            &m,
            &url("https://a.example/api/x"),
            &url("https://a.example/other"),
            &accept,
            &secrets,
            Some(a),
        )?;
        assert_eq!(
            outside,
            HopPlan {
                headers: vec![0],
                secrets: vec![],
                token: false
            }
        );
        Ok(())
    }
}
