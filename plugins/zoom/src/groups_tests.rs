#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::{Error, Page};

const ENV: Env = Env {
    now_ms: 0,
    lookback_days: 0,
};

/// Parses `GET /groups` into groups; entries without an id are skipped.
fn parse_groups(body: &[u8]) -> Result<Vec<Group>, Error> {
    let (records, _) = GROUPS_STREAM.parse_page(body)?;
    Ok(records
        .into_iter()
        .filter_map(|r| match r {
            Record::Group(g) => Some(g),
            _ => None,
        })
        .collect())
}

fn sync_groups(net: &mut dyn Transport) -> Result<Page, Error> {
    GROUPS_STREAM.sync(None, ENV, net)
}

fn sync_members(cursor: Option<&str>, net: &mut dyn Transport) -> Result<Page, Error> {
    MEMBERS_STREAM.sync(cursor, ENV, net)
}

const GROUPS_BODY: &[u8] = br#"{"total_records":2,"groups":[
  {"id":"g1","name":"Engineering","total_members":3},
  {"id":"g 2","name":"Sales","total_members":-1},
  {"name":"no id"}]}"#;

fn members(token: &str, ids: &[&str]) -> Vec<u8> {
    let members: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","email":"{id}@example.com","first_name":"A","last_name":"B","type":1}}"#))
        .collect();
    format!(
        r#"{{"next_page_token":"{token}","page_size":300,"members":[{}]}}"#,
        members.join(",")
    )
    .into_bytes()
}

#[test]
fn groups_keep_name_and_a_sane_member_count() {
    let groups = parse_groups(GROUPS_BODY).unwrap();
    let summary: Vec<_> = groups
        .iter()
        .map(|g| (g.id.as_str(), g.name.as_str(), g.member_count))
        .collect();
    assert_eq!(
        summary,
        [("g1", "Engineering", Some(3)), ("g 2", "Sales", None)]
    );
}

#[test]
fn the_groups_stream_is_one_request_and_one_page() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(GROUPS_BODY.to_vec())
    };
    let page = sync_groups(&mut fetch).unwrap();
    assert_eq!(
        (page.records.len(), page.more, page.cursor),
        (2, false, None)
    );
    assert_eq!(urls, ["https://api.zoom.us/v2/groups"]);
}

#[test]
fn group_members_list_groups_first_then_page_through_each_group() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(match url {
            "https://api.zoom.us/v2/groups" => GROUPS_BODY.to_vec(),
            u if u.contains("/g1/") && !u.contains("token") => members("n1", &["u1", "u2"]),
            u if u.contains("/g1/") => members("", &["u3"]),
            _ => members("", &["u1"]),
        })
    };
    let mut cursor = None;
    let mut records = Vec::new();
    loop {
        let page = sync_members(cursor.as_deref(), &mut fetch).unwrap();
        records.extend(page.records);
        if !page.more {
            assert_eq!(page.cursor, None);
            break;
        }
        cursor = page.cursor;
    }
    assert_eq!(
        urls,
        [
            "https://api.zoom.us/v2/groups",
            "https://api.zoom.us/v2/groups/g1/members?page_size=300",
            "https://api.zoom.us/v2/groups/g1/members?page_size=300&next_page_token=n1",
            "https://api.zoom.us/v2/groups/g%202/members?page_size=300",
        ]
    );
    let pairs: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::GroupMember(m) => Some((m.group_id.as_str(), m.account_id.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        pairs,
        [("g1", "u1"), ("g1", "u2"), ("g1", "u3"), ("g 2", "u1")]
    );
}

#[test]
fn an_account_without_groups_ends_the_members_stream_at_once() {
    let mut fetch = |_: &str| -> Result<Vec<u8>, Error> { Ok(br#"{"groups":[]}"#.to_vec()) };
    let page = sync_members(None, &mut fetch).unwrap();
    assert_eq!(
        (page.records.len(), page.more, page.cursor),
        (0, false, None)
    );
}

#[test]
fn the_members_cursor_carries_the_remaining_groups_and_token() {
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        Ok(match url {
            "https://api.zoom.us/v2/groups" => GROUPS_BODY.to_vec(),
            _ => members("t", &["u1"]),
        })
    };
    let listed = sync_members(None, &mut fetch).unwrap();
    let page = sync_members(listed.cursor.as_deref(), &mut fetch).unwrap();
    assert_eq!(
        page.cursor.as_deref(),
        Some(r#"{"parents":["g1","g 2"],"next":"t"}"#)
    );
}
