//! Reading the bearer token of an API request.

use axum::http::{HeaderMap, header};

/// The token of an `Authorization: Bearer ...` header, if there is one.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Request headers with `Authorization: {value}` (none when `value` is empty), for tests.
#[cfg(test)]
pub(crate) fn authorization(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if value.is_empty() {
        return headers;
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(value) {
        headers.insert(header::AUTHORIZATION, v);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::authorization as headers;
    use super::*;

    #[test]
    fn bearer_tokens_need_the_bearer_scheme_and_a_value() {
        assert_eq!(bearer_token(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(&headers("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(&headers("Bearer ")), None);
        assert_eq!(bearer_token(&headers("Basic abc")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }
}
