//! Cursors are text the host stores verbatim between `sync` calls and hands
//! back unchanged; these helpers keep them as JSON of a plugin's own type.
//!
//! ```
//! use plugboard_sdk::cursor::{decode, encode};
//!
//! // Any `Serialize + DeserializeOwned` type: usually a plugin's own struct.
//! let text = encode(&("p2".to_string(), 300u32)).unwrap();
//! let back: Option<(String, u32)> = decode("users", Some(&text)).unwrap();
//! assert_eq!(back, Some(("p2".to_string(), 300)));
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Page, Record};

/// Reads `stream`'s cursor; `None` stays `None`. A cursor that cannot be
/// read is a plugin bug (the host hands back exactly what was returned),
/// and the error tells the operator how to recover.
pub fn decode<T: DeserializeOwned>(stream: &str, cursor: Option<&str>) -> Result<Option<T>, Error> {
    cursor
        .map(|text| {
            serde_json::from_str(text).map_err(|e| {
                Error::plugin(format!(
                    "cannot read the `{stream}` cursor ({e}); reset the stream's checkpoint"
                ))
            })
        })
        .transpose()
}

/// Writes a cursor.
pub fn encode<T: Serialize>(state: &T) -> Result<String, Error> {
    serde_json::to_string(state).map_err(|e| Error::plugin(format!("cannot write a cursor: {e}")))
}

/// A page of `records` that continues at `next`, stored as its cursor, or
/// that ends the stream when `next` is `None` (no cursor: the next run
/// starts from the beginning).
pub fn page<T: Serialize>(records: Vec<Record>, next: Option<&T>) -> Result<Page, Error> {
    Ok(Page {
        records,
        more: next.is_some(),
        cursor: next.map(encode).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn no_cursor_is_none_and_a_garbled_one_is_a_plugin_error_naming_the_stream() {
        assert_eq!(decode::<u32>("users", None).ok(), Some(None));
        assert_eq!(decode::<u32>("users", Some("7")).ok(), Some(Some(7)));
        let err = decode::<u32>("users", Some("{")).err();
        assert_eq!(err.as_ref().map(|e| e.kind), Some(ErrorKind::Plugin));
        assert!(err.is_some_and(|e| e.message.contains("`users` cursor")));
    }

    #[test]
    fn a_page_continues_at_its_next_position_or_ends_without_a_cursor() {
        let more = page(Vec::new(), Some(&3u32)).ok();
        assert_eq!(
            more.as_ref().map(|p| (p.more, p.cursor.clone())),
            Some((true, Some("3".into())))
        );
        let last = page(Vec::new(), None::<&u32>).ok();
        assert_eq!(last.map(|p| (p.more, p.cursor)), Some((false, None)));
    }
}
