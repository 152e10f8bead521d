//! Helpers shared by the simulator's own integration tests (`sim_*.rs`).

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::net::SocketAddr;

use anyhow::{Result, anyhow, bail};
use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};
use serde_json::Value;

// Each simulator's support module adds its own `code()` to its own copy
// of `Answer` (Zoom's `code` field, Graph's `error.code`).
#[allow(
    clippy::duplicate_mod,
    reason = "each support module extends its own copy of Answer"
)]
#[path = "../http_answer/mod.rs"]
mod http_answer;
pub use http_answer::{Answer, decode};

/// `127.0.0.1:0`.
pub fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Starts a simulator from `builder` on a free loopback port.
pub async fn start(builder: ZoomSimBuilder) -> Result<ZoomSim> {
    Ok(builder.start(loopback()).await?)
}

/// How Zoom spells an error code.
impl Answer {
    /// The Zoom error code in the body (`-1` if none).
    pub fn code(&self) -> i64 {
        self.body.get("code").and_then(Value::as_i64).unwrap_or(-1)
    }
}

/// A tiny Zoom client for tests.
#[derive(Debug, Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Client {
    /// Mints a token with the simulator's credentials.
    pub async fn new(sim: &ZoomSim) -> Result<Self> {
        let http = reqwest::Client::new();
        let token = mint(&http, sim).await?;
        Ok(Client {
            http,
            base: sim.base_url(),
            token,
        })
    }

    /// `GET base + path_and_query` with the bearer token.
    pub async fn get(&self, path_and_query: &str) -> Result<Answer> {
        let request = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .bearer_auth(&self.token);
        answer(request).await
    }

    /// `PUT base + path` with a JSON body.
    pub async fn put(&self, path: &str, body: &Value) -> Result<Answer> {
        let request = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body);
        answer(request).await
    }

    /// Follows `next_page_token` from `path` (which has no `?` unless `query` is set),
    /// returning every page's body. Fails on any non-200 answer.
    pub async fn all_pages(&self, path: &str, query: &str) -> Result<Vec<Value>> {
        let mut pages = Vec::new();
        let mut token = String::new();
        loop {
            let mut url = format!("{path}?page_size=300");
            if !query.is_empty() {
                url.push('&');
                url.push_str(query);
            }
            if !token.is_empty() {
                url.push_str("&next_page_token=");
                url.push_str(&token);
            }
            let answer = self.get(&url).await?;
            if answer.status != 200 {
                bail!("{url}: {} {}", answer.status, answer.body);
            }
            token = answer.body["next_page_token"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            pages.push(answer.body);
            if token.is_empty() {
                return Ok(pages);
            }
        }
    }
}

/// Mints a token with `sim`'s credentials.
pub async fn mint(http: &reqwest::Client, sim: &ZoomSim) -> Result<String> {
    let creds = sim.credentials();
    let answer = answer(
        http.post(format!(
            "{}/oauth/token?grant_type=account_credentials&account_id={}",
            sim.base_url(),
            creds.account_id
        ))
        .basic_auth(&creds.client_id, Some(&creds.client_secret)),
    )
    .await?;
    match answer.body["access_token"].as_str() {
        Some(token) if answer.status == 200 => Ok(token.to_owned()),
        _ => Err(anyhow!("minting failed: {} {}", answer.status, answer.body)),
    }
}

/// Sends `request` and decodes the answer.
pub async fn answer(request: reqwest::RequestBuilder) -> Result<Answer> {
    decode(request.send().await?).await
}

/// The items under `key` of every page.
pub fn items(pages: &[Value], key: &str) -> Vec<Value> {
    pages
        .iter()
        .flat_map(|p| p[key].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Today's date (UTC) moved by `days`, as `yyyy-mm-dd`.
pub fn day(days: i64) -> String {
    let date = (time::OffsetDateTime::now_utc() + time::Duration::days(days)).date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}
