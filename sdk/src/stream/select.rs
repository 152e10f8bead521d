//! The record selector: one pass over a page that borrows each record at
//! the record path as a [`RawValue`] (its exact text) and picks up the
//! next-page value at another path, skipping everything else unparsed.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::json::Text;

/// What a page holds: its records and the next-page value, if any.
#[derive(Debug, Default)]
pub struct Selected<'a> {
    /// Every item of the list at the record path, in order.
    pub items: Vec<&'a RawValue>,
    /// The text (or number) at the next-page path, when present and not
    /// blank.
    pub next: Option<String>,
}

/// Selects the list at `records` (empty: the page is itself an array) and
/// the value at `next` from `body`. The error is serde's, for the caller to
/// blame on the upstream.
pub fn select<'a>(
    body: &'a [u8],
    records: &[&str],
    next: Option<&[&str]>,
) -> Result<Selected<'a>, String> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let selected = if records.is_empty() {
        Selected {
            items: ListSeed { key: "" }
                .deserialize(&mut de)
                .map_err(|e| e.to_string())?,
            next: None,
        }
    } else {
        let walk = Walk {
            records: Some(records),
            next,
            top: true,
        };
        walk.deserialize(&mut de).map_err(|e| e.to_string())?
    };
    de.end().map_err(|e| e.to_string())?;
    Ok(selected)
}

/// A map key, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The rest of `path` below `key`, when `path` goes through `key`.
fn below<'p>(path: Option<&'p [&'p str]>, key: &str) -> Option<&'p [&'p str]> {
    let (first, rest) = path?.split_first()?;
    (*first == key).then_some(rest)
}

/// Walks an object towards the record path and the next-page path.
struct Walk<'p> {
    records: Option<&'p [&'p str]>,
    next: Option<&'p [&'p str]>,
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = Selected<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        if self.top {
            d.deserialize_map(self)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = Selected<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Selected::default();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match (below(self.records, &key), below(self.next, &key)) {
                (Some([]), _) => out.items = map.next_value_seed(ListSeed { key: &key })?,
                (_, Some([])) => out.next = map.next_value::<Text>()?.0,
                (None, None) => {
                    map.next_value::<IgnoredAny>()?;
                }
                (records, next) => {
                    let inner = map.next_value_seed(Walk {
                        records,
                        next,
                        top: false,
                    })?;
                    if records.is_some() {
                        out.items = inner.items;
                    }
                    if inner.next.is_some() {
                        out.next = inner.next;
                    }
                }
            }
        }
        Ok(out)
    }

    // Below the top, anything but an object holds neither path.
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Selected::default())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Selected::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Selected::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Selected::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Selected::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Selected::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Selected::default())
    }
}

/// The list of records: `null` is empty, anything but a list an error
/// naming the key.
struct ListSeed<'k> {
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Vec<&'de RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.key.is_empty() {
            f.write_str("a list")
        } else {
            write!(f, "`{}` to be a list", self.key)
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(1024));
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            items.push(item);
        }
        Ok(items)
    }
}
