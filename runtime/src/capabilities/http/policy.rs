//! Header policy: what a plugin may not set itself.

use super::judge::{DenyReason, Refusal};

/// Headers the host owns on every request. `accept-encoding` is the host's
/// (it asks for `identity`) and `range`/`if-range` are refused: a compressed
/// or sliced body would carry an echoed secret past the scrubber in pieces
/// it cannot recognise.
pub const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "accept-encoding",
    "range",
    "if-range",
    "content-length",
    "transfer-encoding",
    "connection",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "proxy-connection",
    "keep-alive",
];

/// Headers refused when the URL is in a brokered auth audience: the host
/// injects credentials there, and a plugin must not substitute its own.
const BROKERED_ONLY: &[&str] = &["authorization", "cookie"];

/// Validate plugin-set header names and values.
pub fn check_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    brokered: bool,
) -> Result<(), Refusal> {
    for (name, value) in headers {
        let lower = name.to_ascii_lowercase();
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err()
            || reqwest::header::HeaderValue::from_str(value).is_err()
        {
            return Err(Refusal::new(
                DenyReason::InvalidHeader,
                format!(
                    "header {} has an invalid name or value",
                    plugboard_core::text::quoted(name)
                ),
            ));
        }
        if FORBIDDEN_HEADERS.contains(&lower.as_str()) {
            return Err(Refusal::new(
                DenyReason::HostHeader,
                format!("header `{name}` is set by the host"),
            ));
        }
        if brokered && BROKERED_ONLY.contains(&lower.as_str()) {
            return Err(Refusal::new(
                DenyReason::BrokeredHeader,
                format!(
                    "header `{name}` may not be set on a brokered audience; the host injects credentials"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugins_cannot_set_credentials_on_brokered_audiences() {
        let cases = [
            ("Authorization", "Bearer x", true, false),
            ("authorization", "Bearer x", false, true),
            ("Cookie", "a=b", true, false),
            ("Host", "evil.com", false, false),
            ("Accept", "application/json", true, true),
            ("Bad Name", "x", false, false),
            ("Accept-Encoding", "gzip", false, false),
            ("Range", "bytes=0-5", false, false),
            ("X-Ok", "line\nbreak", false, false),
        ];
        for (name, value, brokered, ok) in cases {
            assert_eq!(
                check_headers([(name, value)], brokered).is_ok(),
                ok,
                "{name}: {value:?} brokered={brokered}"
            );
        }
    }
}
