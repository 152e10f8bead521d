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

/// Validate plugin-set header names and values. `brokered`: the URL is in an
/// auth profile's audience, whose credential goes in header `Some(name)`
/// (lower case) or in the query (`None`).
pub fn check_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    brokered: Option<Option<&str>>,
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
        if let Some(credential) = brokered
            && (BROKERED_ONLY.contains(&lower.as_str()) || credential == Some(lower.as_str()))
        {
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
        let bearer = Some(Some("authorization"));
        let api_key = Some(Some("x-api-key"));
        let in_query = Some(None);
        let cases = [
            ("Authorization", "Bearer x", bearer, false),
            ("Authorization", "Bearer x", api_key, false),
            ("Authorization", "Bearer x", in_query, false),
            ("authorization", "Bearer x", None, true),
            ("Cookie", "a=b", bearer, false),
            ("X-Api-Key", "mine", api_key, false),
            ("X-API-KEY", "mine", api_key, false),
            ("X-Api-Key", "mine", bearer, true),
            ("X-Api-Key", "mine", None, true),
            ("Host", "evil.com", None, false),
            ("Accept", "application/json", bearer, true),
            ("Bad Name", "x", None, false),
            ("Accept-Encoding", "gzip", None, false),
            ("Range", "bytes=0-5", None, false),
            ("X-Ok", "line\nbreak", None, false),
        ];
        for (name, value, brokered, ok) in cases {
            assert_eq!(
                check_headers([(name, value)], brokered).is_ok(),
                ok,
                "{name}: {value:?} brokered={brokered:?}"
            );
        }
    }
}
