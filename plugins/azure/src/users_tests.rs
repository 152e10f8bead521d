#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::{Error, Page};

const ENV: Env = Env {
    now_ms: 0,
    lookback_days: 0,
};

fn sync(cursor: Option<&str>, net: &mut dyn Transport) -> Result<Page, Error> {
    USERS.sync(cursor, ENV, net)
}

#[test]
fn a_graph_user_becomes_an_account_keyed_by_object_id() {
    let body = br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[
      {"id":"6e7b768e-07e2-4810-8459-485f84f8f204","displayName":"Adele Vance","userPrincipalName":"AdeleV@contoso.com","mail":"adele@contoso.com","accountEnabled":true,"userType":"Member","createdDateTime":"2024-01-02T03:04:05Z"},
      {"id":"g1","userPrincipalName":"bob_fabrikam.com#EXT#@contoso.com","accountEnabled":false,"userType":"Guest"},
      {"id":"m1","mail":"only-mail@contoso.com"},
      {"displayName":"no id"}]}"#;
    let (records, next) = parse_users_page(body).unwrap();
    assert_eq!(next, None);
    let accounts: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Account(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(accounts.len(), 3);
    let adele = accounts[0];
    assert_eq!(adele.id, "6e7b768e-07e2-4810-8459-485f84f8f204");
    assert_eq!(adele.email.as_deref(), Some("AdeleV@contoso.com"));
    assert_eq!(adele.display_name.as_deref(), Some("Adele Vance"));
    assert_eq!(adele.status, AccountStatus::Active);
    assert_eq!(adele.user_type.as_deref(), Some("member"));
    assert_eq!(adele.created_at.as_deref(), Some("2024-01-02T03:04:05Z"));
    assert!(adele.raw.contains("adele@contoso.com"));
    assert_eq!(
        (accounts[1].status, accounts[1].user_type.as_deref()),
        (AccountStatus::Inactive, Some("guest"))
    );
    assert_eq!(
        (accounts[2].status, accounts[2].email.as_deref()),
        (AccountStatus::Unknown, Some("only-mail@contoso.com"))
    );
}

#[test]
fn the_users_stream_follows_the_next_link_and_ends_without_a_cursor() {
    let link = "https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=X1";
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(if url.contains("skiptoken") {
            br#"{"value":[{"id":"b"}]}"#.to_vec()
        } else {
            format!(r#"{{"value":[{{"id":"a"}}],"@odata.nextLink":"{link}"}}"#).into_bytes()
        })
    };
    let first = sync(None, &mut fetch).unwrap();
    assert!(first.more);
    assert_eq!(first.cursor, Some(format!(r#"{{"next":"{link}"}}"#)));
    let last = sync(first.cursor.as_deref(), &mut fetch).unwrap();
    assert_eq!((last.more, last.cursor), (false, None));
    assert_eq!(urls, [users_url(), link.to_string()]);
}

#[test]
fn lists_are_read_from_value_and_errors_name_azure() {
    let (records, _) = parse_users_page(br#"{"value":[{"id":"a"},{"id":"b"}]}"#).unwrap();
    assert_eq!(records.len(), 2);
    let message = parse_users_page(br#"{"value":"x"}"#)
        .err()
        .map(|e| e.message);
    assert!(message.is_some_and(|m| m.starts_with("Azure answered a malformed users page")));
}
