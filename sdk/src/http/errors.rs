//! Mapping transport failures and HTTP statuses onto the contract's error
//! kinds. Pure functions, so they run in native tests.

use super::{HttpError, Response};
use crate::{Error, ErrorKind};

/// How many characters of an upstream message an error keeps.
pub const MESSAGE_LIMIT: usize = 300;

/// The error for a request the host could not deliver.
///
/// | http-error     | kind           | why                                        |
/// |----------------|----------------|--------------------------------------------|
/// | `denied`       | `plugin`       | the plugin asked outside its egress grant  |
/// | `timeout`      | `upstream`     | the upstream did not answer in time        |
/// | `network`      | `upstream`     | DNS, connection or TLS failure             |
/// | `too-large`    | `upstream`     | the body exceeded the host's cap           |
/// | `rate-limited` | `rate-limited` | the host's retries ran out                 |
/// | `auth`         | `auth`         | the host could not obtain a token          |
/// | `invalid`      | `plugin`       | the plugin built a malformed request       |
pub fn error_from_http(error: HttpError) -> Error {
    match error {
        HttpError::Denied(why) => Error::plugin(format!("request refused by the host: {why}")),
        HttpError::Timeout => Error::upstream("the upstream did not answer in time"),
        HttpError::Network(why) => Error::upstream(format!("network failure: {why}")),
        HttpError::TooLarge => Error::upstream("the upstream response exceeded the size cap"),
        HttpError::RateLimited(why) => Error::rate_limited(format!("rate limited: {why}")),
        HttpError::Auth(why) => Error::auth(format!("no token for the upstream: {why}")),
        HttpError::Invalid(why) => Error::plugin(format!("malformed request: {why}")),
    }
}

/// `response` itself when its status is 2xx, else [`status_error`].
pub fn check_status(response: Response) -> Result<Response, Error> {
    if (200..300).contains(&response.status) {
        Ok(response)
    } else {
        Err(status_error(response.status, &response.body))
    }
}

/// The error for a non-2xx `status`: 401 → `auth`, 403 → `permission`,
/// 404 → `not-found`, 429 → `rate-limited`, anything else → `upstream`. The
/// message carries the upstream's own message (see [`upstream_message`]).
pub fn status_error(status: u16, body: &[u8]) -> Error {
    let kind = match status {
        401 => ErrorKind::Auth,
        403 => ErrorKind::Permission,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimited,
        _ => ErrorKind::Upstream,
    };
    let detail = upstream_message(body);
    let message = if detail.is_empty() {
        format!("HTTP {status} from the upstream")
    } else {
        format!("HTTP {status} from the upstream: {detail}")
    };
    Error::new(kind, message)
}

/// Refines an error's kind from the status, the app's code and the message;
/// `None` keeps the status mapping.
pub type Refine = fn(u16, Option<&str>, &str) -> Option<ErrorKind>;

/// An app's error bodies: where it puts its message and code, and how its
/// codes refine the blame of a status. A [`Stream`](crate::stream::Stream)
/// maps every non-2xx answer through one.
///
/// ```
/// use plugboard_sdk::http::Errors;
/// use plugboard_sdk::ErrorKind;
///
/// // Okta-style bodies: {"errorCode":"E0000006","errorSummary":"You do not have permission…"}
/// const OKTA: Errors = Errors {
///     message: &["errorSummary"],
///     code: &["errorCode"],
///     refine: Some(|status, code, _message| match (status, code) {
///         (400, Some("E0000011")) => Some(ErrorKind::Auth), // invalid token
///         _ => None,
///     }),
/// };
/// let error = OKTA.error(400, br#"{"errorCode":"E0000011","errorSummary":"Invalid token provided"}"#);
/// assert_eq!(error.kind, ErrorKind::Auth);
/// assert_eq!(error.message, "HTTP 400 from the upstream: Invalid token provided (code E0000011)");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Errors {
    /// Path of the message in the body, e.g. `["error", "message"]`; empty
    /// means the usual fields (see [`upstream_message`]).
    pub message: &'static [&'static str],
    /// Path of the app's error code, e.g. `["errorCode"]`; may be empty.
    pub code: &'static [&'static str],
    /// Refines the kind from the status, the code and the message; `None`
    /// keeps the status mapping of [`status_error`].
    pub refine: Option<Refine>,
}

impl Errors {
    /// Plain [`status_error`]: the usual message fields, no refinement.
    pub const STANDARD: Errors = Errors {
        message: &[],
        code: &[],
        refine: None,
    };

    /// The error for a non-2xx `status` with `body`.
    pub fn error(&self, status: u16, body: &[u8]) -> Error {
        let json = serde_json::from_slice::<serde_json::Value>(body).ok();
        let at = |path: &[&str]| {
            let value = path
                .iter()
                .try_fold(json.as_ref()?, |value, key| value.get(key))?;
            match value {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let code = at(self.code);
        let mut error = match at(self.message).filter(|_| !self.message.is_empty()) {
            Some(message) => {
                let detail = match &code {
                    Some(code) => format!("{message} (code {code})"),
                    None => message,
                };
                let base = status_error(status, b"");
                Error::new(
                    base.kind,
                    format!("{}: {}", base.message, truncate_message(&detail)),
                )
            }
            None => status_error(status, body),
        };
        if let Some(kind) = self
            .refine
            .and_then(|refine| refine(status, code.as_deref(), &error.message))
        {
            error.kind = kind;
        }
        error
    }

    /// `response` itself when its status is 2xx, else [`Errors::error`].
    pub fn check(&self, response: Response) -> Result<Response, Error> {
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            Err(self.error(response.status, &response.body))
        }
    }
}

/// The human part of an upstream error body, at most [`MESSAGE_LIMIT`]
/// characters: the JSON `message` (with `code` when present),
/// `error_description`, `reason` or `error` field, else the body as text.
pub fn upstream_message(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => json_message(&json).unwrap_or_else(|| json.to_string()),
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    truncate_message(&text)
}

fn json_message(json: &serde_json::Value) -> Option<String> {
    let text = ["message", "error_description", "reason", "error"]
        .iter()
        .find_map(|key| json.get(key).and_then(|v| v.as_str()))?;
    Some(match json.get("code") {
        Some(code) if code.is_number() || code.is_string() => {
            let code = code
                .as_str()
                .map_or_else(|| code.to_string(), str::to_string);
            format!("{text} (code {code})")
        }
        _ => text.to_string(),
    })
}

/// `text` cut to [`MESSAGE_LIMIT`] characters, with `…` when cut, so an
/// error never carries a whole page.
pub fn truncate_message(text: &str) -> String {
    match text.char_indices().nth(MESSAGE_LIMIT) {
        Some((at, _)) => format!("{}…", text.get(..at).unwrap_or_default()),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_the_kind_that_says_who_is_to_blame() {
        let cases = [
            (400, ErrorKind::Upstream),
            (401, ErrorKind::Auth),
            (403, ErrorKind::Permission),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Upstream),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Upstream),
            (503, ErrorKind::Upstream),
            (302, ErrorKind::Upstream),
        ];
        for (status, kind) in cases {
            assert_eq!(status_error(status, b"").kind, kind, "status {status}");
        }
    }

    #[test]
    fn the_upstream_message_and_code_reach_the_error() {
        let error = status_error(404, br#"{"code":1001,"message":"User does not exist: x."}"#);
        assert_eq!(
            error.message,
            "HTTP 404 from the upstream: User does not exist: x. (code 1001)"
        );
    }

    #[test]
    fn oauth_style_and_plain_text_bodies_are_quoted() {
        let oauth = br#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#;
        assert_eq!(
            upstream_message(oauth),
            "Invalid client_id or client_secret"
        );
        assert_eq!(upstream_message(b" Bad Gateway \n"), "Bad Gateway");
        assert_eq!(upstream_message(b""), "");
    }

    #[test]
    fn an_app_error_body_hook_quotes_nested_fields_and_refines_the_kind() {
        const APP: Errors = Errors {
            message: &["error", "message"],
            code: &["error", "code"],
            refine: Some(|status, code, _| {
                (status == 400 && code == Some("Licence")).then_some(ErrorKind::Unavailable)
            }),
        };
        let body = br#"{"error":{"code":"Licence","message":"Needs P1"}}"#;
        let error = APP.error(400, body);
        assert_eq!(error.kind, ErrorKind::Unavailable);
        assert_eq!(
            error.message,
            "HTTP 400 from the upstream: Needs P1 (code Licence)"
        );
        assert_eq!(APP.error(403, body).kind, ErrorKind::Permission);
        // A body without the app's fields falls back to the usual mapping.
        let plain = APP.error(503, b"Service Unavailable");
        assert_eq!(
            (plain.kind, plain.message.as_str()),
            (
                ErrorKind::Upstream,
                "HTTP 503 from the upstream: Service Unavailable"
            )
        );
    }

    #[test]
    fn long_upstream_messages_are_truncated_to_the_limit() {
        let body = "é".repeat(1000);
        let message = upstream_message(body.as_bytes());
        assert_eq!(message.chars().count(), MESSAGE_LIMIT + 1, "{message}");
        assert!(message.ends_with('…'));
    }

    #[test]
    fn only_2xx_statuses_pass_the_status_check() {
        for (status, ok) in [
            (200, true),
            (204, true),
            (299, true),
            (199, false),
            (300, false),
        ] {
            let response = Response {
                status,
                headers: vec![],
                body: vec![],
                url: "https://api.example.com/".into(),
            };
            assert_eq!(check_status(response).is_ok(), ok, "status {status}");
        }
    }

    #[test]
    fn transport_failures_map_to_their_kinds() {
        let cases = [
            (HttpError::Denied("x".into()), ErrorKind::Plugin),
            (HttpError::Timeout, ErrorKind::Upstream),
            (HttpError::Network("x".into()), ErrorKind::Upstream),
            (HttpError::TooLarge, ErrorKind::Upstream),
            (HttpError::RateLimited("x".into()), ErrorKind::RateLimited),
            (HttpError::Auth("x".into()), ErrorKind::Auth),
            (HttpError::Invalid("x".into()), ErrorKind::Plugin),
        ];
        for (error, kind) in cases {
            let shown = format!("{error:?}");
            assert_eq!(error_from_http(error).kind, kind, "{shown}");
        }
    }
}
