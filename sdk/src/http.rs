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
    MESSAGE_LIMIT, check_status, error_from_http, status_error, truncate_message, upstream_message,
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
    }
}
