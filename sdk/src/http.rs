//! The plugin's only network path, with JSON helpers.
//!
//! The host injects credentials, paces requests by rate bucket and retries
//! 429s and one 401 by itself, so these helpers never sleep or retry. A
//! transport failure becomes an [`Error`] through [`error_from_http`] and a
//! non-2xx status through [`check_status`]; both are pure and tested natively.

mod errors;

pub use crate::bindings::plugboard::connector::http::{
    HttpError, Method, Request, Response, SecretHeader,
};
pub use errors::{
    Errors, MESSAGE_LIMIT, Refine, check_status, error_from_http, status_error, truncate_message,
    upstream_message,
};

use crate::Error;
use crate::bindings::plugboard::connector::http as host;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A request for `method` and `url` that accepts JSON, with no body.
pub fn request(method: Method, url: &str) -> Request {
    Request {
        method,
        url: url.to_string(),
        headers: vec![("Accept".into(), "application/json".into())],
        secret_headers: Vec::new(),
        body: None,
    }
}

/// Sends `request` through the host. Any status is returned as a response;
/// only a transport failure is an error (see [`error_from_http`]).
pub fn send(request: Request) -> Result<Response, Error> {
    host::send(&request).map_err(error_from_http)
}

/// GETs `url` and returns the response if its status is 2xx.
pub fn get(url: &str) -> Result<Response, Error> {
    check_status(send(request(Method::Get, url))?)
}

/// GETs `url` and parses the 2xx body as JSON into `T`.
pub fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, Error> {
    parse_json(&get(url)?.body)
}

/// GETs `url` with `headers` (each replaces a default of the same name) and
/// parses the 2xx body as JSON into `T`; any other status is mapped by the
/// app's `errors` (what a stream's one-off request beside its lists needs,
/// e.g. the organization object).
pub fn get_json_with<T: DeserializeOwned>(
    url: &str,
    headers: &[(&str, &str)],
    errors: &Errors,
) -> Result<T, Error> {
    let mut req = request(Method::Get, url);
    for (name, value) in headers {
        req.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        req.headers.push(((*name).into(), (*value).into()));
    }
    parse_json(&errors.check(send(req)?)?.body)
}

/// PUTs `body` as JSON to `url` and returns the response if its status is 2xx.
pub fn put_json<B: Serialize + ?Sized>(url: &str, body: &B) -> Result<Response, Error> {
    let bytes = serde_json::to_vec(body)
        .map_err(|e| Error::plugin(format!("cannot encode the request body: {e}")))?;
    let mut req = request(Method::Put, url);
    req.headers
        .push(("Content-Type".into(), "application/json".into()));
    req.body = Some(bytes);
    check_status(send(req)?)
}

/// Parses an upstream body as JSON; a malformed body is an `upstream` error
/// with a short explanation, never a panic.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| {
        Error::upstream(truncate_message(&format!(
            "the upstream answered malformed JSON: {e}"
        )))
    })
}

/// One change an action makes upstream: the exact request, shown to the
/// operator before (dry run) and after it is sent.
///
/// ```
/// use plugboard_sdk::http::{Change, Errors, Method};
///
/// let change = Change {
///     method: Method::Put,
///     url: "https://api.example.com/users/u1/status".into(),
///     body: r#"{"action":"deactivate"}"#.into(),
/// };
/// let outcome = change.apply(true, &Errors::STANDARD).unwrap();
/// assert!(!outcome.applied);
/// assert_eq!(
///     outcome.detail,
///     r#"dry run, nothing sent; would send PUT https://api.example.com/users/u1/status {"action":"deactivate"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The method.
    pub method: Method,
    /// Absolute URL, ids percent-encoded.
    pub url: String,
    /// The JSON body.
    pub body: String,
}

impl Change {
    /// `METHOD <url> <body>`, for outcome details.
    pub fn describe(&self) -> String {
        let method = match self.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        };
        format!("{method} {} {}", self.url, self.body)
    }

    /// Sends the change (unless `dry_run`) and says what happened; a
    /// non-2xx answer is an error through `errors`.
    pub fn apply(&self, dry_run: bool, errors: &Errors) -> Result<crate::Outcome, Error> {
        if dry_run {
            return Ok(crate::Outcome {
                applied: false,
                detail: format!("dry run, nothing sent; would send {}", self.describe()),
            });
        }
        let mut request = request(self.method, &self.url);
        request
            .headers
            .push(("Content-Type".into(), "application/json".into()));
        request.body = Some(self.body.clone().into_bytes());
        let response = errors.check(send(request)?)?;
        Ok(crate::Outcome {
            applied: true,
            detail: format!("{} -> HTTP {}", self.describe(), response.status),
        })
    }
}

/// The value of the first header called `name` (case-insensitive).
pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    header_all(response, name).next()
}

/// Every value of the headers called `name` (case-insensitive), in the order
/// the upstream sent them: a header repeated on several lines (some APIs
/// send `Link: <…>; rel="self"` and `Link: <…>; rel="next"` apart) yields
/// each line.
pub fn header_all<'a, 'n>(
    response: &'a Response,
    name: &'n str,
) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
    response
        .headers
        .iter()
        .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// The `rel="next"` target among every `Link` header of `response`, however
/// the upstream splits them (one line with `, `-separated links, or one line
/// per link).
pub fn next_link(response: &Response) -> Option<String> {
    header_all(response, "link").find_map(|line| link_rel(line, "next"))
}

/// The target of the link with relation `rel` in one `Link` header value
/// (RFC 8288): `<https://a/2>; rel="next", <https://a/9>; rel="last"`.
pub fn link_rel(value: &str, rel: &str) -> Option<String> {
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = rest.get(open + 1..)?;
        let close = after.find('>')?;
        let target = after.get(..close)?;
        let params_and_more = after.get(close + 1..)?;
        let end = params_and_more.find('<').unwrap_or(params_and_more.len());
        let params = params_and_more.get(..end)?;
        let matches = params.split(';').any(|param| {
            let Some((key, val)) = param.split_once('=') else {
                return false;
            };
            key.trim().eq_ignore_ascii_case("rel")
                && val
                    .trim()
                    .trim_end_matches(',')
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(rel))
        });
        if matches {
            return Some(target.to_string());
        }
        rest = params_and_more.get(end..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_of_a_repeated_header_is_kept_in_order() {
        let response = Response {
            status: 200,
            headers: vec![
                ("link".into(), "<https://a/1>; rel=\"self\"".into()),
                ("content-type".into(), "application/json".into()),
                ("Link".into(), "<https://a/2>; rel=\"next\"".into()),
            ],
            body: vec![],
            url: "https://a/1".into(),
        };
        let links: Vec<&str> = header_all(&response, "LINK").collect();
        assert_eq!(
            links,
            ["<https://a/1>; rel=\"self\"", "<https://a/2>; rel=\"next\""]
        );
        assert_eq!(header(&response, "link"), links.first().copied());
        assert_eq!(header(&response, "x-none"), None);
        assert_eq!(next_link(&response).as_deref(), Some("https://a/2"));
    }

    #[test]
    fn the_next_link_is_found_among_comma_separated_relations() {
        let value = r#"<https://a/1?page=1>; rel="prev first", <https://a/3?x=a,b>; rel="next", <https://a/9>; rel=last"#;
        assert_eq!(
            link_rel(value, "next").as_deref(),
            Some("https://a/3?x=a,b")
        );
        assert_eq!(
            link_rel(value, "first").as_deref(),
            Some("https://a/1?page=1")
        );
        assert_eq!(link_rel(value, "last").as_deref(), Some("https://a/9"));
        assert_eq!(link_rel(value, "self"), None);
        assert_eq!(link_rel("garbage <", "next"), None);
    }
}
