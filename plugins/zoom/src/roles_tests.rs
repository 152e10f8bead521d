#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::{Error, Page};

fn sync(cursor: Option<&str>, net: &mut dyn Transport) -> Result<Page, Error> {
    ROLES.sync(
        cursor,
        Env {
            now_ms: 0,
            lookback_days: 0,
        },
        net,
    )
}

fn parse_roles(body: &[u8]) -> Result<Vec<RoleRef>, Error> {
    let page: Value = serde_json::from_slice(body).unwrap();
    let roles = page["roles"].as_array().unwrap();
    Ok(roles
        .iter()
        .filter_map(|r| role(&serde_json::value::to_raw_value(r).unwrap()))
        .collect())
}
use serde_json::Value;

const ROLES_BODY: &[u8] = br#"{"total_records":4,"roles":[
  {"id":"0","name":"Owner","description":"Account owner","total_members":1},
  {"id":"1","name":"Admin","description":"Admin","total_members":2},
  {"id":"2","name":"Member","description":"Member","total_members":500},
  {"id":"Ab-Cd","name":"Help desk","total_members":0}]}"#;

#[test]
fn every_role_but_member_is_read_and_privileged() {
    let roles = parse_roles(ROLES_BODY).unwrap();
    let names: Vec<_> = roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Owner", "Admin", "Help desk"]);
    assert!(!is_privileged("Member"));
    assert!(!is_privileged(" member "));
    assert!(is_privileged("Admin"));
}

#[test]
fn the_roles_stream_lists_roles_then_reads_each_roles_members() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(match url {
            "https://api.zoom.us/v2/roles" => ROLES_BODY.to_vec(),
            u if u.contains("/roles/1/") => br#"{"next_page_token":"","members":[
                {"id":"u1","email":"a@example.com","type":2,"department":"IT"},
                {"email":"no-id@example.com"}]}"#
                .to_vec(),
            _ => br#"{"members":[{"id":"owner","email":"o@example.com"}]}"#.to_vec(),
        })
    };
    let mut cursor = None;
    let mut assignments = Vec::new();
    loop {
        let page = sync(cursor.as_deref(), &mut fetch).unwrap();
        for record in page.records {
            if let Record::RoleAssignment(a) = record {
                assignments.push(a);
            }
        }
        if !page.more {
            break;
        }
        cursor = page.cursor;
    }
    assert_eq!(urls.len(), 4, "{urls:?}");
    assert_eq!(
        urls.get(3).map(String::as_str),
        Some("https://api.zoom.us/v2/roles/Ab-Cd/members?page_size=300")
    );
    let seen: Vec<_> = assignments
        .iter()
        .map(|a| (a.role_name.as_str(), a.account_id.as_str(), a.privileged))
        .collect();
    assert_eq!(
        seen,
        [
            ("Owner", "owner", true),
            ("Admin", "u1", true),
            ("Help desk", "owner", true)
        ]
    );
    let raw: Value = serde_json::from_str(&assignments[1].raw).unwrap();
    assert_eq!(raw["department"], "IT");
}
