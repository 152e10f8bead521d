//! Cursors are JSON strings the host stores verbatim between `sync` calls.

use plugboard_sdk::Error;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Reads `stream`'s cursor; `None` stays `None`. A cursor we cannot read is a
/// plugin bug (the host hands back exactly what we returned).
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
