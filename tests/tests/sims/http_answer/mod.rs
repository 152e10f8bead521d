//! One decoded HTTP answer, shared by the simulators' own test helpers
//! (`sim_support`, `sim_azure_support`); each adds how its vendor spells
//! an error code.

use anyhow::Result;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// One HTTP answer, decoded.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    /// The JSON body, or `Null` when empty.
    pub body: Value,
}

impl Answer {
    /// A header as text ("" if absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// Reads `response` into an [`Answer`]; a body that is not JSON is an error.
pub async fn decode(response: reqwest::Response) -> Result<Answer> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)?
    };
    Ok(Answer {
        status,
        headers,
        body,
    })
}
