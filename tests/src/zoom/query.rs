//! Lenient decoding of query strings and path segments.
//!
//! Clients may send anything: bad percent escapes, non-UTF-8 bytes, repeated keys. This
//! decoder never fails; invalid escapes stay literal and invalid UTF-8 becomes U+FFFD,
//! so a garbage value simply fails the later validation with a Zoom-shaped 400.

/// Decoded `key=value` pairs of a query string, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Decodes a raw query string (`a=1&b=x+y`), `+` meaning a space.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                (decode_form(key), decode_form(value))
            })
            .collect();
        Query { pairs }
    }

    /// The first value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, treating an empty value as absent.
    pub fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

fn decode_form(raw: &str) -> String {
    percent_decode(&raw.replace('+', " "))
}

/// Decodes `%XX` escapes; malformed escapes are kept as written.
pub(crate) fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_decoded_in_order() {
        let q = Query::parse(Some("status=active&page_size=300&x=a+b%21&flag"));
        assert_eq!(q.get("status"), Some("active"));
        assert_eq!(q.get("x"), Some("a b!"));
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.non_empty("flag"), None);
        assert_eq!(q.pairs().len(), 4);
    }

    #[test]
    fn malformed_escapes_and_bad_utf8_never_fail() {
        for raw in ["%", "%4", "%zz", "%ff%fe", "a=%e2%82", "==&&=", "%%%"] {
            let q = Query::parse(Some(raw));
            assert!(q.pairs().len() <= 3, "{raw}: {q:?}");
        }
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
