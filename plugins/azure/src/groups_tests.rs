#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::Page;
use plugboard_sdk::stream::{Env, Transport};

fn sync_members(cursor: Option<&str>, net: &mut dyn Transport) -> Result<Page, Error> {
    MEMBERS_STREAM.sync(
        cursor,
        Env {
            now_ms: 0,
            lookback_days: 0,
        },
        net,
    )
}
use plugboard_sdk::ErrorKind;

#[test]
fn groups_become_group_records_named_by_display_name() {
    let body = br##"{"value":[
      {"id":"02bd9fd6-8f93-4758-87c3-1fb73740a315","displayName":"HR Taskforce","mailEnabled":true,"securityEnabled":false},
      {"id":"g2"},{"displayName":"no id"}],
      "@odata.nextLink":"https://graph.microsoft.com/v1.0/groups?$top=999&$skiptoken=Z"}"##;
    let (records, next) = parse_groups_page(body).unwrap();
    assert!(next.unwrap().ends_with("$skiptoken=Z"));
    let names: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::Group(g) => Some((g.id.as_str(), g.name.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            ("02bd9fd6-8f93-4758-87c3-1fb73740a315", "HR Taskforce"),
            ("g2", "g2")
        ]
    );
}

#[test]
fn only_user_members_become_memberships() {
    let body = br##"{"value":[
      {"@odata.type":"#microsoft.graph.user","id":"u1","userPrincipalName":"ada@contoso.com"},
      {"@odata.type":"#microsoft.graph.group","id":"g9","displayName":"Nested"},
      {"@odata.type":"#microsoft.graph.device","id":"d1"},
      {"@odata.type":"#microsoft.graph.servicePrincipal","id":"sp1"},
      {"@odata.type":"#microsoft.graph.user","id":"u2","mail":"bob@contoso.com"}]}"##;
    let group = GroupRef { id: "g1".into() };
    let (records, next) = parse_members_page(&group, body).unwrap();
    assert_eq!(next, None);
    assert_eq!(
        records,
        [
            Record::GroupMember(GroupMember {
                group_id: "g1".into(),
                account_id: "u1".into(),
                email: Some("ada@contoso.com".into()),
            }),
            Record::GroupMember(GroupMember {
                group_id: "g1".into(),
                account_id: "u2".into(),
                email: Some("bob@contoso.com".into()),
            }),
        ]
    );
}

/// A fake Graph: two pages of groups, the first group's members on two pages.
fn fake_graph(url: &str) -> Vec<u8> {
    let body = if url.contains("/groups?") && !url.contains("skiptoken") {
        r##"{"value":[{"id":"g1"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/groups?$skiptoken=G2"}"##
    } else if url.contains("/groups?") {
        r##"{"value":[{"id":"g2"}]}"##
    } else if url.contains("/g1/members?$top") {
        r##"{"value":[{"@odata.type":"#microsoft.graph.user","id":"u1"}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/groups/g1/members?$skiptoken=M2"}"##
    } else {
        r##"{"value":[{"@odata.type":"#microsoft.graph.user","id":"u2"}]}"##
    };
    body.as_bytes().to_vec()
}

#[test]
fn group_members_reads_one_listing_page_at_a_time_and_pages_each_group_one_request_per_call() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(fake_graph(url))
    };
    let mut cursor: Option<String> = None;
    let mut members = Vec::new();
    let mut cursors = Vec::new();
    loop {
        let page = sync_members(cursor.as_deref(), &mut fetch).unwrap();
        members.extend(page.records);
        if !page.more {
            assert_eq!(page.cursor, None);
            break;
        }
        cursors.push(page.cursor.clone().unwrap());
        cursor = page.cursor;
    }
    assert_eq!(urls.len(), 5, "{urls:?}");
    assert_eq!(
        cursors[0],
        r#"{"parents":[{"id":"g1"}],"listing":"https://graph.microsoft.com/v1.0/groups?$skiptoken=G2"}"#
    );
    assert_eq!(
        urls[1],
        "https://graph.microsoft.com/v1.0/groups/g1/members?$top=999&$select=id%2CdisplayName%2CuserPrincipalName%2Cmail"
    );
    assert_eq!(
        urls[2],
        "https://graph.microsoft.com/v1.0/groups/g1/members?$skiptoken=M2"
    );
    assert_eq!(
        cursors[2],
        r#"{"listing":"https://graph.microsoft.com/v1.0/groups?$skiptoken=G2"}"#
    );
    assert_eq!(
        urls[3],
        "https://graph.microsoft.com/v1.0/groups?$skiptoken=G2"
    );
    assert_eq!(cursors[3], r#"{"parents":[{"id":"g2"}]}"#);
    assert_eq!(members.len(), 3);
}

#[test]
fn a_tenant_without_groups_ends_after_the_listing() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(br##"{"value":[]}"##.to_vec()) };
    let page = sync_members(None, &mut fetch).unwrap();
    assert_eq!(
        (page.more, page.cursor, page.records.len()),
        (false, None, 0)
    );
}

#[test]
fn a_group_that_vanished_mid_run_fails_the_page_with_not_found() {
    let cursor = r##"{"parents":[{"id":"gone"}]}"##;
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Err(Error::not_found("HTTP 404")) };
    let kind = sync_members(Some(cursor), &mut fetch).err().map(|e| e.kind);
    assert_eq!(kind, Some(ErrorKind::NotFound));
}
