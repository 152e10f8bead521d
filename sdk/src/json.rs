//! Lenient access to upstream JSON: a missing or oddly typed field is `None`,
//! never a panic, and only a page that is not an object or array (or a list
//! field that is not a list) fails, blamed on the upstream app by name.
//!
//! Two ways in. The typed one is the default for streams (see
//! [`crate::stream`]): a record arrives as a borrowed
//! [`RawValue`] (its exact upstream text, kept as `raw` without a
//! re-serialisation) and is read with [`item`] into a plain serde struct whose
//! fields are the lenient [`Text`], [`Flag`] and [`Int`]:
//!
//! ```
//! use plugboard_sdk::json::{Flag, Text, item};
//! use serde_json::value::RawValue;
//!
//! #[derive(serde::Deserialize)]
//! struct User {
//!     #[serde(default)]
//!     id: Text,
//!     #[serde(default, rename = "accountEnabled")]
//!     enabled: Flag,
//! }
//! let raw: &RawValue = serde_json::from_str(r#"{"id": 42, "accountEnabled": "yes"}"#).unwrap();
//! let user: User = item(raw).unwrap();
//! assert_eq!((user.id.get(), user.enabled.0), (Some("42"), None));
//! ```
//!
//! The `Value` one, for small one-off answers (settings, a probe):
//!
//! ```
//! use plugboard_sdk::json::{Upstream, text};
//!
//! const ZOOM: Upstream = Upstream::named("Zoom");
//! let page = ZOOM.page(br#"{"users": [{"id": 7}]}"#, "users page").unwrap();
//! let users = ZOOM.items(&page, "users", "users page").unwrap();
//! assert_eq!(text(&users[0], "id").as_deref(), Some("7"));
//! ```

use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::Error;
use crate::http::truncate_message;

/// An upstream app whose answers are parsed, named in the errors (`Zoom
/// answered a malformed users page: …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    app: &'static str,
}

impl Upstream {
    /// The app called `app` in error messages.
    pub const fn named(app: &'static str) -> Self {
        Upstream { app }
    }

    /// Parses an upstream page body; it must be a JSON object or a
    /// top-level array (read its items with [`Upstream::items`] and key `""`).
    /// `what` names the page in the error (e.g. `users page`).
    pub fn page(self, body: &[u8], what: &str) -> Result<Value, Error> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            Error::upstream(truncate_message(&format!(
                "{} answered a malformed {what}: {e}",
                self.app
            )))
        })?;
        if value.is_object() || value.is_array() {
            Ok(value)
        } else {
            Err(Error::upstream(format!(
                "{} answered a malformed {what}: neither a JSON object nor an array",
                self.app
            )))
        }
    }

    /// The array `key` of `page`, empty when absent or null; any other type
    /// is an upstream error. The key `""` names a page that is itself an
    /// array.
    pub fn items<'a>(self, page: &'a Value, key: &str, what: &str) -> Result<&'a [Value], Error> {
        let found = if key.is_empty() && page.is_array() {
            Some(page)
        } else {
            page.get(key)
        };
        match found {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(Error::upstream(format!(
                "{} answered a malformed {what}: `{key}` is not a list",
                self.app
            ))),
        }
    }
}

/// Reads one record's text into a typed struct; `None` when it does not fit
/// (e.g. not an object, or a required field missing), so the caller skips
/// it like a record without an id.
pub fn item<T: DeserializeOwned>(raw: &RawValue) -> Option<T> {
    serde_json::from_str(raw.get()).ok()
}

/// A record's text for its `raw` field: the upstream's exact JSON with the
/// whitespace between tokens removed (an upstream that pretty-prints should
/// not cost storage). Member order and every value's spelling are kept.
pub fn compact(raw: &RawValue) -> String {
    compact_text(raw.get())
}

fn compact_text(text: &str) -> String {
    let is_space = |b: &u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    // Copy runs: up to the next quote or whitespace outside strings, then a
    // whole string (through its closing quote, escapes included).
    while let Some(at) = rest.iter().position(|b| *b == b'"' || is_space(b)) {
        out.extend_from_slice(rest.get(..at).unwrap_or_default());
        rest = rest.get(at..).unwrap_or_default();
        if rest.first() != Some(&b'"') {
            let spaces = rest.iter().take_while(|b| is_space(b)).count();
            rest = rest.get(spaces..).unwrap_or_default();
            continue;
        }
        let mut end = 1;
        while let Some(at) = rest
            .get(end..)
            .and_then(|s| s.iter().position(|b| matches!(b, b'"' | b'\\')))
        {
            end += at;
            if rest.get(end) == Some(&b'"') {
                end += 1;
                break;
            }
            end += 2; // a backslash and the character it escapes
        }
        let end = end.min(rest.len());
        out.extend_from_slice(rest.get(..end).unwrap_or_default());
        rest = rest.get(end..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
    // Only ASCII whitespace outside strings was dropped, so this stays UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `raw` without the top-level `keys` (e.g. a secret the upstream sends
/// along), as [`compact`] JSON text; the other members keep their order.
pub fn without(raw: &RawValue, keys: &[&str]) -> String {
    let text = raw.get();
    if !keys.iter().any(|k| text.contains(&format!("\"{k}\""))) {
        return compact_text(text);
    }
    struct Members<'a>(Vec<(String, &'a RawValue)>);
    impl<'de> Deserialize<'de> for Members<'de> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Members<'de>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut members = Vec::new();
                    while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                        members.push(entry);
                    }
                    Ok(Members(members))
                }
            }
            d.deserialize_map(V)
        }
    }
    let Ok(Members(members)) = serde_json::from_str::<Members<'_>>(text) else {
        return text.to_string();
    };
    let kept: Vec<String> = members
        .iter()
        .filter(|(key, _)| !keys.contains(&key.as_str()))
        .map(|(key, value)| format!("{}:{}", Value::from(key.as_str()), compact(value)))
        .collect();
    format!("{{{}}}", kept.join(","))
}

/// A lenient text field: a non-blank string, or a number rendered as text
/// (ids); anything else (blank, null, `true`, a list, an object) is `None`
/// and never fails the record. Use with `#[serde(default)]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl Text {
    /// The text, if any.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
    /// The text, owned.
    pub fn into_string(self) -> Option<String> {
        self.0
    }
}

/// A lenient boolean field: `None` unless the value is `true` or `false`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub Option<bool>);

/// A lenient integer field: `None` unless the value is an integer that fits
/// an `i64`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Int(pub Option<i64>);

/// A nested object (or list) read leniently: `None` when absent, `null` or
/// of another shape, never a failed record. Only for records read with
/// [`item`] (it borrows the record's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lenient<T>(pub Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        Ok(Lenient(serde_json::from_str(raw.get()).ok()))
    }
}

/// What a lenient field saw.
enum Seen {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Other,
}

struct AnyValue;

impl<'de> Visitor<'de> for AnyValue {
    type Value = Seen;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Seen, E> {
        Ok(Seen::Text(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Seen, E> {
        Ok(Seen::Text(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seen, E> {
        Ok(Seen::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seen, E> {
        Ok(i64::try_from(v).map_or_else(|_| Seen::Text(v.to_string()), Seen::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Seen, E> {
        Ok(Seen::Float(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Seen, E> {
        Ok(Seen::Bool(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Seen, E> {
        Ok(Seen::Other)
    }
    fn visit_none<E: de::Error>(self) -> Result<Seen, E> {
        Ok(Seen::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Seen, D::Error> {
        d.deserialize_any(AnyValue)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seen, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Seen::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Seen::Other)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Text(match d.deserialize_any(AnyValue)? {
            Seen::Text(s) if !s.trim().is_empty() => Some(s),
            Seen::Int(n) => Some(n.to_string()),
            Seen::Float(n) => serde_json::Number::from_f64(n).map(|n| n.to_string()),
            _ => None,
        }))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Flag(match d.deserialize_any(AnyValue)? {
            Seen::Bool(b) => Some(b),
            _ => None,
        }))
    }
}

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Int(match d.deserialize_any(AnyValue)? {
            Seen::Int(n) => Some(n),
            _ => None,
        }))
    }
}

/// The non-blank text of field `key`; numbers are rendered as text (ids).
pub fn text(object: &Value, key: &str) -> Option<String> {
    match object.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The non-blank text at `path` (nested object keys), e.g.
/// `["status", "value"]`.
pub fn text_at(object: &Value, path: &[&str]) -> Option<String> {
    let (last, parents) = path.split_last()?;
    let parent = parents
        .iter()
        .try_fold(object, |value, key| value.get(key))?;
    text(parent, last)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::ErrorKind;
    use serde_json::json;

    const APP: Upstream = Upstream::named("Acme");

    #[test]
    fn a_body_that_is_not_a_json_object_is_an_upstream_error_naming_the_app() {
        for body in [&b"<html>"[..], b"7", b"", b"null"] {
            let err = APP.page(body, "users page").err();
            assert_eq!(
                err.as_ref().map(|e| e.kind),
                Some(ErrorKind::Upstream),
                "{body:?}"
            );
            let message = err.map(|e| e.message).unwrap_or_default();
            assert!(
                message.starts_with("Acme answered a malformed users page"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_top_level_array_is_a_page_whose_items_have_the_empty_key() {
        let page = APP.page(br#"[{"id": 1}, {"id": 2}]"#, "p").ok();
        let items = page.as_ref().and_then(|p| APP.items(p, "", "p").ok());
        assert_eq!(items.map(<[Value]>::len), Some(2));
    }

    #[test]
    fn lenient_fields_never_fail_the_record() {
        #[derive(serde::Deserialize)]
        struct Row {
            #[serde(default)]
            a: Text,
            #[serde(default)]
            b: Text,
            #[serde(default)]
            c: Flag,
            #[serde(default)]
            d: Int,
            #[serde(default)]
            e: Text,
            #[serde(default)]
            f: Lenient<Vec<u8>>,
            #[serde(default)]
            g: Lenient<Vec<u8>>,
        }
        let raw: Box<RawValue> = serde_json::from_str(
            r#"{"a": 7, "b": " ", "c": "true", "d": 3, "e": {"x": [1]}, "f": [1, 2], "g": "x"}"#,
        )
        .unwrap();
        let row: Option<Row> = item(&raw);
        let row = row.map(|r| (r.a.0, r.b.0, r.c.0, r.d.0, r.e.0, r.f.0, r.g.0));
        let want = (
            Some("7".into()),
            None,
            None,
            Some(3),
            None,
            Some(vec![1, 2]),
            None,
        );
        assert_eq!(row, Some(want));
        let escaped: Option<Row> =
            serde_json::from_str::<Box<RawValue>>(r#"{"a": "caf\u00e9 \"x\""}"#)
                .ok()
                .and_then(|raw| item(&raw));
        assert_eq!(escaped.and_then(|r| r.a.0).as_deref(), Some("café \"x\""));
    }

    #[test]
    fn without_drops_only_the_named_top_level_keys_and_keeps_the_rest_verbatim() {
        let raw = serde_json::from_str::<Box<RawValue>>(
            r#"{"id": "u1", "host_key": "123", "nested": {"host_key": 1}, "n": 1.50}"#,
        )
        .ok();
        let kept = raw.map(|raw| without(&raw, &["host_key"]));
        assert_eq!(
            kept.as_deref(),
            Some(r#"{"id":"u1","nested":{"host_key":1},"n":1.50}"#)
        );
    }

    #[test]
    fn compact_raw_drops_whitespace_between_tokens_but_never_inside_strings() {
        let raw = serde_json::from_str::<Box<RawValue>>(
            "{\n  \"a b\" : [ 1 , \"x \\\" \\t y\" ],\n\t\"é\": { } }",
        )
        .unwrap();
        assert_eq!(compact(&raw), r#"{"a b":[1,"x \" \t y"],"é":{}}"#);
        let tight = serde_json::from_str::<Box<RawValue>>(r#"{"a":"b c"}"#).unwrap();
        assert_eq!(compact(&tight), r#"{"a":"b c"}"#);
    }

    #[test]
    fn compact_raw_means_the_same_json() {
        let cases = [
            r#"{ "a\\" : "\\" , "b" : [ "\"" , "\\\"" ] , "c" : "\u0041 \u00e9" }"#,
            "[ 1 ,\n\t2.5e3 , -0 , true , null , \"x y\" ]",
            r#""only a string with \" quotes and spaces ""#,
            r#"{"unterminated": "x"#,
        ];
        for text in cases {
            let Ok(raw) = serde_json::from_str::<Box<RawValue>>(text) else {
                continue; // not JSON: a RawValue can never hold it
            };
            let out = compact(&raw);
            let (a, b): (Value, Value) = (
                serde_json::from_str(text).unwrap(),
                serde_json::from_str(&out).unwrap(),
            );
            assert_eq!(a, b, "{text} -> {out}");
            let again = serde_json::from_str::<Box<RawValue>>(&out).unwrap();
            assert_eq!(compact(&again), out, "idempotent");
            assert!(
                !out.contains(['\n', '\t']) && !out.contains(" ,") && !out.contains(": "),
                "{out}"
            );
        }
    }

    #[test]
    fn a_missing_list_is_empty_but_a_mistyped_one_is_an_error() {
        let value = json!({"users": null, "groups": "x"});
        let len = |key| APP.items(&value, key, "p").map(<[Value]>::len).ok();
        assert_eq!(len("users"), Some(0));
        assert_eq!(len("roles"), Some(0));
        assert_eq!(len("groups"), None);
    }

    #[test]
    fn text_is_non_blank_and_numbers_are_text() {
        let value = json!({"id": 42, "blank": " ", "name": "x", "list": [1]});
        assert_eq!(text(&value, "id").as_deref(), Some("42"));
        assert_eq!(text(&value, "name").as_deref(), Some("x"));
        assert_eq!(text(&value, "blank"), None);
        assert_eq!(text(&value, "list"), None);
        assert_eq!(text(&value, "missing"), None);
    }

    #[test]
    fn nested_text_is_found_and_blank_or_missing_text_is_none() {
        let value = json!({"status": {"value": "Succeeded", "blank": " "}, "n": 3});
        assert_eq!(
            text_at(&value, &["status", "value"]).as_deref(),
            Some("Succeeded")
        );
        assert_eq!(text_at(&value, &["status", "blank"]), None);
        assert_eq!(text_at(&value, &["missing", "value"]), None);
        assert_eq!(text_at(&value, &["n"]).as_deref(), Some("3"));
        assert_eq!(text_at(&value, &[]), None);
    }
}
