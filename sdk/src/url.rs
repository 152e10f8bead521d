//! A tiny URL builder: percent-encoded path segments and query pairs.
//!
//! ```
//! use plugboard_sdk::url::UrlBuilder;
//!
//! let url = UrlBuilder::new("https://api.example.com/v2")
//!     .segment("users")
//!     .segment("a/b c")
//!     .query("page_size", "300")
//!     .query_opt("next_page_token", None::<&str>)
//!     .build();
//! assert_eq!(url, "https://api.example.com/v2/users/a%2Fb%20c?page_size=300");
//! ```

/// Builds an absolute URL from a base, path segments and query pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlBuilder {
    path: String,
    query: String,
}

impl UrlBuilder {
    /// Starts from `base` (scheme, host and an optional path prefix), taken
    /// verbatim; a trailing `/` is dropped.
    pub fn new(base: &str) -> Self {
        Self {
            path: base.trim_end_matches('/').to_string(),
            query: String::new(),
        }
    }

    /// Appends `/` and `segment`, percent-encoded (so `/` in ids is safe).
    /// The dot segments `.` and `..` are encoded too (`%2E`), so an id can
    /// never climb out of its path.
    pub fn segment(mut self, segment: &str) -> Self {
        self.path.push('/');
        if segment == "." || segment == ".." {
            self.path.push_str(&"%2E".repeat(segment.len()));
        } else {
            self.path.push_str(&encode(segment));
        }
        self
    }

    /// Appends the query pair `key=value`, both percent-encoded.
    pub fn query(mut self, key: &str, value: &str) -> Self {
        self.query
            .push(if self.query.is_empty() { '?' } else { '&' });
        self.query.push_str(&encode(key));
        self.query.push('=');
        self.query.push_str(&encode(value));
        self
    }

    /// Appends `key=value` when `value` is `Some`.
    pub fn query_opt(self, key: &str, value: Option<impl AsRef<str>>) -> Self {
        match value {
            Some(value) => self.query(key, value.as_ref()),
            None => self,
        }
    }

    /// The finished URL.
    pub fn build(self) -> String {
        self.path + &self.query
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), so the result is safe in a path segment or a
/// query key or value.
pub fn encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_characters_pass_through_and_the_rest_is_percent_encoded() {
        let cases = [
            ("abcXYZ019-._~", "abcXYZ019-._~"),
            ("a b", "a%20b"),
            ("a/b?c#d&e=f+g", "a%2Fb%3Fc%23d%26e%3Df%2Bg"),
            ("..", ".."),
            ("é", "%C3%A9"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(encode(raw), want, "encoding {raw:?}");
        }
    }

    #[test]
    fn dot_segments_are_encoded_so_ids_cannot_climb_the_path() {
        for (segment, want) in [(".", "%2E"), ("..", "%2E%2E"), ("...", "...")] {
            let url = UrlBuilder::new("https://h/v2").segment(segment).build();
            assert_eq!(url, format!("https://h/v2/{want}"), "segment {segment:?}");
        }
    }

    #[test]
    fn the_first_query_pair_uses_a_question_mark_and_later_ones_an_ampersand() {
        let url = UrlBuilder::new("https://h/v2/")
            .segment("users")
            .query("status", "active")
            .query("next_page_token", "a+b=")
            .build();
        assert_eq!(
            url,
            "https://h/v2/users?status=active&next_page_token=a%2Bb%3D"
        );
    }
}
