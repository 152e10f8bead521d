//! Lenient decoding of query strings and path segments, and encoding for next links.
//!
//! Clients may send anything: bad percent escapes, non-UTF-8 bytes, repeated keys. This
//! decoder never fails; invalid escapes stay literal and invalid UTF-8 becomes U+FFFD,
//! so a garbage value simply fails the later validation with the vendor's 400.

/// How a [`Query`] matches keys: Zoom's exactly, Azure's OData options (`$top`,
/// `api-version`) case-insensitively.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum KeyMatch {
    /// Keys must be spelled exactly as asked.
    #[default]
    Exact,
    /// Keys match ignoring ASCII case.
    IgnoreAsciiCase,
}

impl KeyMatch {
    fn matches(self, key: &str, wanted: &str) -> bool {
        match self {
            KeyMatch::Exact => key == wanted,
            KeyMatch::IgnoreAsciiCase => key.eq_ignore_ascii_case(wanted),
        }
    }
}

/// Decoded `key=value` pairs of a query string, in the order sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
    keys: KeyMatch,
}

impl Query {
    /// Decodes a raw query string (`a=1&b=x+y`), `+` meaning a space; `keys` says how
    /// later lookups match keys.
    pub fn parse(raw: Option<&str>, keys: KeyMatch) -> Self {
        let pairs = raw
            .unwrap_or_default()
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                (decode_form(key), decode_form(value))
            })
            .collect();
        Query { pairs, keys }
    }

    /// The first value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| self.keys.matches(k, key))
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

    /// The query re-encoded without `drop` keys, with `extra` appended: the query string
    /// of a next link.
    pub fn encode_with(&self, drop: &[&str], extra: (&str, &str)) -> String {
        self.pairs
            .iter()
            .filter(|(k, _)| !drop.iter().any(|d| self.keys.matches(k, d)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(std::iter::once(extra))
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub(crate) fn decode_form(raw: &str) -> String {
    percent_decode(&raw.replace('+', " "))
}

/// Encodes everything but unreserved characters (and `$`, kept for readability).
pub(crate) fn percent_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'$') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
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
    fn pairs_decode_in_order_and_keys_match_as_the_vendor_does() {
        let zoom = Query::parse(
            Some("status=active&page_size=300&x=a+b%21&flag"),
            KeyMatch::Exact,
        );
        assert_eq!(zoom.get("status"), Some("active"));
        assert_eq!(zoom.get("STATUS"), None);
        assert_eq!(zoom.get("x"), Some("a b!"));
        assert_eq!(zoom.get("flag"), Some(""));
        assert_eq!(zoom.non_empty("flag"), None);
        assert_eq!(zoom.pairs().len(), 4);
        let odata = "api-version=2015-04-01&%24filter=eventTimestamp+ge+'2026-01-01'&$skipToken=a";
        let azure = Query::parse(Some(odata), KeyMatch::IgnoreAsciiCase);
        assert_eq!(azure.get("$FILTER"), Some("eventTimestamp ge '2026-01-01'"));
        assert_eq!(
            azure.encode_with(&["$skiptoken"], ("$skipToken", "b/c")),
            "api-version=2015-04-01&$filter=eventTimestamp%20ge%20%272026-01-01%27&$skipToken=b%2Fc"
        );
    }

    #[test]
    fn malformed_escapes_and_bad_utf8_never_fail() {
        for raw in ["%", "%4", "%zz", "%ff%fe", "a=%e2%82", "==&&=", "%%%"] {
            let q = Query::parse(Some(raw), KeyMatch::Exact);
            assert!(q.pairs().len() <= 3, "{raw}: {q:?}");
        }
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
