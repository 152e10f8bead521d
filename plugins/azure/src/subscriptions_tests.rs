#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

#[test]
fn subscriptions_are_parsed_with_their_state_and_readability() {
    let body = br#"{"value":[
      {"id":"/subscriptions/11111111-1111-1111-1111-111111111111","subscriptionId":"11111111-1111-1111-1111-111111111111","displayName":"Prod","state":"Enabled"},
      {"id":"/subscriptions/22222222-2222-2222-2222-222222222222","displayName":"Old","state":"Disabled"},
      {"subscriptionId":"33333333-3333-3333-3333-333333333333","state":"PastDue"},
      {"displayName":"no id","state":"Enabled"}],
      "nextLink":"https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=abc"}"#;
    let (subscriptions, next) = parse_subscriptions_page(body).unwrap();
    assert_eq!(
        next.as_deref(),
        Some("https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken=abc")
    );
    let seen: Vec<_> = subscriptions
        .iter()
        .map(|s| (s.id.get(..2).unwrap_or(""), s.is_readable()))
        .collect();
    assert_eq!(seen, [("11", true), ("22", false), ("33", true)]);
}

#[test]
fn the_check_summary_counts_enabled_and_lists_readable_ids() {
    let subscriptions = [
        ("a", "Enabled"),
        ("b", "Enabled"),
        ("c", "Disabled"),
        ("d", "Warned"),
    ]
    .map(|(id, state)| Subscription {
        id: id.into(),
        state: state.into(),
    });
    let summary = summary(&subscriptions);
    assert_eq!(summary["subscriptions"]["enabled"], 2);
    assert_eq!(summary["subscriptions"]["total"], 4);
    assert_eq!(summary["subscriptions"]["ids"], json!(["a", "b", "d"]));
    assert_eq!(summary["subscriptions"]["states"]["Disabled"], 1);
}

#[test]
fn check_follows_next_links_but_stops_after_ten_pages() {
    let mut calls = 0;
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> {
        calls += 1;
        Ok(format!(
            r#"{{"value":[{{"subscriptionId":"s{calls}","state":"Enabled"}}],"nextLink":"https://management.azure.com/subscriptions?api-version=2022-12-01&$skiptoken={calls}"}}"#
        )
        .into_bytes())
    };
    let all = list_all(&mut fetch).unwrap();
    assert_eq!(all.len(), MAX_CHECK_PAGES);
}
