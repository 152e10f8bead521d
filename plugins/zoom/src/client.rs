//! Talking to `https://api.zoom.us/v2`: URLs, the shape every stream shares,
//! one GET per call, and Zoom's error bodies mapped onto error kinds.

use plugboard_sdk::http::{self, Errors, Method};
use plugboard_sdk::json::Upstream;
use plugboard_sdk::stream::{MapFn, Paginator, Slice, Stream};
use plugboard_sdk::url::UrlBuilder;
use plugboard_sdk::{Error, ErrorKind};

/// Zoom's REST API base (the real origin; the host may route it elsewhere).
pub const BASE_URL: &str = "https://api.zoom.us/v2";

/// The largest `page_size` Zoom accepts on the paged endpoints we call.
pub const PAGE_SIZE: &str = "300";

/// Zoom, named in parse errors.
pub const ZOOM: Upstream = Upstream::named("Zoom");

/// A Zoom stream: paged by `next_page_token`, Zoom's error bodies.
pub const fn stream<P>(
    name: &'static str,
    url: fn(&Slice<'_, P>) -> String,
    map: MapFn<P>,
) -> Stream<P> {
    Stream::new(name, "Zoom", BASE_URL, url, map)
        .paginate(Paginator::Token {
            at: &["next_page_token"],
            param: "next_page_token",
        })
        .errors(ERRORS)
}

/// A URL under [`BASE_URL`] with `segments` percent-encoded.
pub fn url(segments: &[&str]) -> UrlBuilder {
    segments
        .iter()
        .fold(UrlBuilder::new(BASE_URL), |url, s| url.segment(s))
}

/// GETs `url` through the host and returns the 2xx body.
pub fn get(url: &str) -> Result<Vec<u8>, Error> {
    Ok(ERRORS
        .check(http::send(http::request(Method::Get, url))?)?
        .body)
}

/// Zoom's error bodies (`{"code":1001,"message":"…"}`): a 400 with code 200
/// means "no permission" or, when it mentions a paid plan, that the account's
/// plan lacks the feature; 4700 means the token lacks a scope.
pub const ERRORS: Errors = Errors {
    message: &["message"],
    code: &["code"],
    refine: Some(|status, code, message| match (status, code) {
        (400, Some("200")) if mentions_plan(message) => Some(ErrorKind::Unavailable),
        (400, Some("200" | "4700")) => Some(ErrorKind::Permission),
        _ => None,
    }),
};

fn mentions_plan(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("paid") || lower.contains("plan")
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
