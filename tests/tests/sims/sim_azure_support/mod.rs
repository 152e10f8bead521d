//! Helpers shared by the Azure simulator's own integration tests (`sim_azure*.rs`).

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::collections::HashSet;
use std::net::SocketAddr;

use anyhow::{Result, bail, ensure};
use plugboard_sim::azure::{AzureSim, AzureSimBuilder};
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

/// The ARM scope.
pub const ARM: &str = "https://management.azure.com/.default";
/// The Graph scope.
pub const GRAPH: &str = "https://graph.microsoft.com/.default";
/// `/subscriptions` API version.
pub const SUBS_API: &str = "2022-12-01";
/// Activity-log API version.
pub const ACTIVITY_API: &str = "2015-04-01";

/// Starts a simulator from `builder` on a free loopback port.
pub async fn start(builder: AzureSimBuilder) -> Result<AzureSim> {
    Ok(builder.start(SocketAddr::from(([127, 0, 0, 1], 0))).await?)
}

/// How ARM, Graph and the token endpoint spell an error code.
impl Answer {
    /// `error.code` (ARM and Graph) or `error` (token endpoint), "" if none.
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .or_else(|| self.body["error"].as_str())
            .unwrap_or_default()
    }
}

async fn answer(response: reqwest::Response) -> Result<Answer> {
    decode(response).await
}

/// Posts a form body to the token endpoint of `tenant`.
pub async fn token_request(sim: &AzureSim, tenant: &str, form: &[(&str, &str)]) -> Result<Answer> {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let response = reqwest::Client::new()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await?;
    answer(response).await
}

/// Percent-encodes a query or form value.
pub fn encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Mints a token for `scope` with the simulator's credentials.
pub async fn mint(sim: &AzureSim, scope: &str) -> Result<String> {
    let creds = sim.credentials();
    let answer = token_request(
        sim,
        &creds.tenant_id,
        &[
            ("client_id", &creds.client_id),
            ("client_secret", &creds.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ],
    )
    .await?;
    ensure!(answer.status == 200, "token: {answer:?}");
    match answer.body["access_token"].as_str() {
        Some(token) => Ok(token.to_owned()),
        None => bail!("no access_token in {answer:?}"),
    }
}

/// A tiny Azure client for tests, holding one ARM and one Graph token.
#[derive(Debug, Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub arm: String,
    pub graph: String,
}

impl Client {
    /// Mints both tokens.
    pub async fn new(sim: &AzureSim) -> Result<Self> {
        Ok(Client {
            http: reqwest::Client::new(),
            base: sim.base_url(),
            arm: mint(sim, ARM).await?,
            graph: mint(sim, GRAPH).await?,
        })
    }

    fn url(&self, path_or_url: &str) -> String {
        // Page links name the public origins, as the real services do; reach
        // them through the simulator, as the host's upstream routes would.
        if let Some(rest) = path_or_url
            .strip_prefix(plugboard_sim::azure::ARM_ORIGIN)
            .or_else(|| path_or_url.strip_prefix(plugboard_sim::azure::GRAPH_ORIGIN))
        {
            format!("{}{rest}", self.base)
        } else if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            format!("{}{path_or_url}", self.base)
        }
    }

    /// `GET` with an explicit token.
    pub async fn get_with(&self, path_or_url: &str, token: &str) -> Result<Answer> {
        let response = self
            .http
            .get(self.url(path_or_url))
            .bearer_auth(token)
            .send()
            .await?;
        answer(response).await
    }

    /// `GET` on ARM (paths not under `/v1.0`) or Graph, with the matching token.
    pub async fn get(&self, path_or_url: &str) -> Result<Answer> {
        let token = if path_or_url.contains("/v1.0") {
            &self.graph
        } else {
            &self.arm
        };
        self.get_with(path_or_url, token).await
    }

    /// A Graph request with a JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer> {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.graph);
        if let Some(body) = body {
            request = request.json(body);
        }
        answer(request.send().await?).await
    }

    /// Follows `nextLink` / `@odata.nextLink` from `first`, returning every item and
    /// the number of pages; fails on any non-200 page.
    pub async fn walk(&self, first: &str) -> Result<(Vec<Value>, usize)> {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(first.to_owned());
        while let Some(url) = next.take() {
            let page = self.get(&url).await?;
            ensure!(page.status == 200, "{url}: {page:?}");
            pages += 1;
            ensure!(pages < 10_000, "paging does not end");
            if let Some(values) = page.body["value"].as_array() {
                items.extend(values.iter().cloned());
            }
            next = page.body["nextLink"]
                .as_str()
                .or_else(|| page.body["@odata.nextLink"].as_str())
                .map(str::to_owned);
        }
        Ok((items, pages))
    }
}

/// The activity-log path of `subscription` for the window `[ge, le]`.
pub fn activity_path(subscription: &str, ge: &str, le: &str) -> String {
    let filter = format!("eventTimestamp ge '{ge}' and eventTimestamp le '{le}'");
    format!(
        "/subscriptions/{subscription}/providers/microsoft.insights/eventtypes/management/values?api-version={ACTIVITY_API}&$filter={}",
        encode(&filter)
    )
}

/// Fails unless every item's `key` is present and distinct; returns the set.
pub fn distinct(items: &[Value], key: &str) -> Result<HashSet<String>> {
    let mut seen = HashSet::new();
    for item in items {
        let Some(id) = item[key].as_str() else {
            bail!("item without {key}: {item}");
        };
        ensure!(seen.insert(id.to_owned()), "{key} {id} returned twice");
    }
    Ok(seen)
}
