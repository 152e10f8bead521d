//! Talking to `https://api.github.com`: URLs under the organization, the
//! headers GitHub asks for, `Link`-header paging and GitHub's error bodies.

use plugboard_sdk::http::{self, Errors};
use plugboard_sdk::stream::{MapFn, Paginator, Slice, Stream};
use plugboard_sdk::url::UrlBuilder;
use plugboard_sdk::{Error, ErrorKind, config};

/// GitHub's REST API (the real origin; the host may route it elsewhere).
pub const BASE_URL: &str = "https://api.github.com";

/// Sent on every request: GitHub's media type and the pinned API version.
pub const HEADERS: &[(&str, &str)] = &[
    ("Accept", "application/vnd.github+json"),
    ("X-GitHub-Api-Version", "2022-11-28"),
];

/// A GitHub list: a top-level array paged by the `Link` header.
pub const fn stream<P>(
    name: &'static str,
    url: fn(&Slice<'_, P>) -> String,
    map: MapFn<P>,
) -> Stream<P> {
    Stream::new(name, "GitHub", BASE_URL, url, map)
        .paginate(Paginator::LinkHeader)
        .headers(HEADERS)
        .errors(ERRORS)
}

/// The `org` setting.
pub fn org() -> Result<String, Error> {
    config::require("org")
}

/// `https://api.github.com/orgs/{org}/{segments…}`, percent-encoded (`org`
/// is required at `instance add`).
pub fn org_url(segments: &[&str]) -> UrlBuilder {
    url_of(&org().unwrap_or_default(), segments)
}

/// `https://api.github.com/orgs/{org}/{segments…}`, percent-encoded.
pub fn url_of(org: &str, segments: &[&str]) -> UrlBuilder {
    let base = UrlBuilder::new(BASE_URL).segment("orgs").segment(org);
    segments.iter().fold(base, |url, s| url.segment(s))
}

/// A first page of `segments` with `per_page=100` and `extra` parameters.
pub fn list_url(segments: &[&str], extra: &[(&str, &str)]) -> String {
    extra
        .iter()
        .fold(org_url(segments), |url, (k, v)| url.query(k, v))
        .query("per_page", "100")
        .build()
}

/// `GET /orgs/{org}` through the host.
pub fn organization() -> Result<serde_json::Value, Error> {
    http::get_json_with(&org_url(&[]).build(), HEADERS, &ERRORS)
}

/// GitHub's error bodies (`{"message": …}`): "Resource not accessible by …" is
/// a missing permission; a 403 naming a rate limit the host did not absorb is
/// a throttle.
pub const ERRORS: Errors = Errors {
    message: &["message"],
    code: &[],
    refine: Some(|status, _, message| {
        let lower = message.to_ascii_lowercase();
        match status {
            403 | 429 if lower.contains("rate limit") => Some(ErrorKind::RateLimited),
            _ if lower.contains("not accessible by") => Some(ErrorKind::Permission),
            _ => None,
        }
    }),
};
