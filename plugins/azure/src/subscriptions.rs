//! `GET https://management.azure.com/subscriptions?api-version=2022-12-01`:
//! the subscriptions the app can see, and which of them the activity log
//! stream reads.
//!
//! Readable states: `Enabled`, `Warned` and `PastDue`. A warned or past-due
//! subscription still runs its resources and still answers reads, so its
//! activity is exactly what an auditor wants to see; skipping it would hide
//! changes made while billing is in trouble. `Disabled` and `Deleted`
//! subscriptions are skipped: nothing can change in them and ARM may refuse
//! their reads.

use crate::{Fetch, client};
use plugboard_sdk::json::{Text, item};
use plugboard_sdk::stream::select;
use plugboard_sdk::{Error, http};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// Most subscription pages `check` reads (ARM pages hold 100s of entries).
pub const MAX_CHECK_PAGES: usize = 10;

/// The subscription states whose activity log is read.
pub const READABLE_STATES: [&str; 3] = ["Enabled", "Warned", "PastDue"];

/// One subscription as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The subscription id (a GUID), without the `/subscriptions/` prefix.
    pub id: String,
    /// `Enabled`, `Warned`, `PastDue`, `Disabled` or `Deleted` (empty when
    /// absent).
    pub state: String,
}

impl Subscription {
    /// Whether the activity log stream reads this subscription.
    pub fn is_readable(&self) -> bool {
        READABLE_STATES.contains(&self.state.as_str())
    }
}

/// What ARM page links must start with.
pub fn origin() -> String {
    format!("{}/", client::ARM_BASE)
}

/// The first listing request.
pub fn subscriptions_url() -> String {
    client::with_query(
        client::arm(&["subscriptions"]),
        &[("api-version", client::SUBSCRIPTIONS_API_VERSION)],
    )
}

/// One subscription; `None` without an id.
pub fn subscription(raw: &RawValue) -> Option<Subscription> {
    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct Row {
        id: Text,
        subscription_id: Text,
        state: Text,
    }
    let row = item::<Row>(raw)?;
    let prefixed = || Some(row.id.get()?.strip_prefix("/subscriptions/")?.to_string());
    Some(Subscription {
        id: row.subscription_id.0.clone().or_else(prefixed)?,
        state: row.state.0.unwrap_or_default(),
    })
}

/// Parses one subscriptions page into subscriptions and the next link
/// (which must stay on ARM). Entries without an id are skipped.
pub fn parse_subscriptions_page(body: &[u8]) -> Result<(Vec<Subscription>, Option<String>), Error> {
    let page = select(body, &["value"], Some(&["nextLink"])).map_err(|e| {
        Error::upstream(http::truncate_message(&format!(
            "Azure answered a malformed subscriptions page: {e}"
        )))
    })?;
    let all = page
        .items
        .iter()
        .filter_map(|raw| subscription(raw))
        .collect();
    match page.next {
        Some(link) if !link.starts_with(&origin()) => Err(Error::upstream(http::truncate_message(
            &format!("Azure sent a `nextLink` outside {}: {link}", origin()),
        ))),
        next => Ok((all, next)),
    }
}

/// Every subscription, following `nextLink` for at most [`MAX_CHECK_PAGES`]
/// pages (for `check`).
pub fn list_all(fetch: Fetch<'_>) -> Result<Vec<Subscription>, Error> {
    let mut all = Vec::new();
    let mut url = Some(subscriptions_url());
    for _ in 0..MAX_CHECK_PAGES {
        let Some(current) = url.take() else { break };
        let (page, next) = parse_subscriptions_page(&fetch(&current)?)?;
        all.extend(page);
        url = next;
    }
    Ok(all)
}

/// `check`'s summary: `{"subscriptions":{"enabled":N,"total":M,"ids":[…],
/// "states":{"Enabled":N,…}}}`. `enabled` counts state `Enabled`; `ids` lists
/// the subscriptions the activity log stream reads (see the module docs).
pub fn summary(subscriptions: &[Subscription]) -> Value {
    let mut states = Map::new();
    for subscription in subscriptions {
        let key = if subscription.state.is_empty() {
            "Unknown"
        } else {
            subscription.state.as_str()
        };
        let count = states.get(key).and_then(Value::as_u64).unwrap_or(0);
        states.insert(key.to_string(), json!(count + 1));
    }
    let ids: Vec<&str> = subscriptions
        .iter()
        .filter(|s| s.is_readable())
        .map(|s| s.id.as_str())
        .collect();
    json!({
        "subscriptions": {
            "enabled": subscriptions.iter().filter(|s| s.state == "Enabled").count(),
            "total": subscriptions.len(),
            "ids": ids,
            "states": states,
        }
    })
}

#[cfg(test)]
#[path = "subscriptions_tests.rs"]
mod tests;
