//! Talking to Azure Resource Manager and Microsoft Graph: URLs, the shape
//! their streams share, one GET per call, and the
//! `{"error":{"code","message"}}` bodies both APIs send mapped onto error
//! kinds.

use plugboard_sdk::Error;
use plugboard_sdk::http::{self, Errors, Method};
use plugboard_sdk::json::Upstream;
use plugboard_sdk::stream::{MapFn, Paginator, Slice, Stream};
use plugboard_sdk::url::{UrlBuilder, encode};

/// Azure Resource Manager's origin (the real one; the host may route it).
pub const ARM_BASE: &str = "https://management.azure.com";

/// Microsoft Graph v1.0 (the real origin; the host may route it).
pub const GRAPH_BASE: &str = "https://graph.microsoft.com/v1.0";

/// `api-version` of `GET /subscriptions` (the shapes `arm.json` describes).
pub const SUBSCRIPTIONS_API_VERSION: &str = "2022-12-01";

/// `api-version` of the activity log list.
pub const ACTIVITY_LOG_API_VERSION: &str = "2015-04-01";

/// Azure, named in parse errors.
pub const AZURE: Upstream = Upstream::named("Azure");

/// ARM's and Graph's error bodies: the nested `error.message` and
/// `error.code` are quoted; the status says who is to blame.
pub const ERRORS: Errors = Errors {
    message: &["error", "message"],
    code: &["error", "code"],
    refine: None,
};

/// A Graph collection stream: records under `value`, paged by
/// `@odata.nextLink` (which must stay on Graph).
pub const fn graph_stream<P>(
    name: &'static str,
    url: fn(&Slice<'_, P>) -> String,
    map: MapFn<P>,
) -> Stream<P> {
    Stream::new(name, "Azure", GRAPH_BASE, url, map)
        .records(&["value"])
        .paginate(GRAPH_NEXT)
        .errors(ERRORS)
}

/// Graph's paging.
pub const GRAPH_NEXT: Paginator = Paginator::NextLink {
    at: &["@odata.nextLink"],
};

/// ARM's paging.
pub const ARM_NEXT: Paginator = Paginator::NextLink { at: &["nextLink"] };

/// A URL under [`GRAPH_BASE`] with `segments` percent-encoded.
pub fn graph(segments: &[&str]) -> UrlBuilder {
    segments
        .iter()
        .fold(UrlBuilder::new(GRAPH_BASE), |url, s| url.segment(s))
}

/// A URL under [`ARM_BASE`] with `segments` percent-encoded.
pub fn arm(segments: &[&str]) -> UrlBuilder {
    segments
        .iter()
        .fold(UrlBuilder::new(ARM_BASE), |url, s| url.segment(s))
}

/// `url` with the query pairs appended. Keys are written as given, so OData
/// options keep their literal `$` (`$top`, `$filter`), the form Microsoft
/// documents; values are percent-encoded.
pub fn with_query(url: UrlBuilder, pairs: &[(&str, &str)]) -> String {
    let mut url = url.build();
    for (i, (key, value)) in pairs.iter().enumerate() {
        url.push(if i == 0 && !url.contains('?') {
            '?'
        } else {
            '&'
        });
        url.push_str(key);
        url.push('=');
        url.push_str(&encode(value));
    }
    url
}

/// GETs `url` through the host and returns the 2xx body.
pub fn get(url: &str) -> Result<Vec<u8>, Error> {
    Ok(ERRORS
        .check(http::send(http::request(Method::Get, url))?)?
        .body)
}

/// The error for a non-2xx answer (see [`ERRORS`]).
pub fn status_error(status: u16, body: &[u8]) -> Error {
    ERRORS.error(status, body)
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
