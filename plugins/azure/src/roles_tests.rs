#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use plugboard_sdk::stream::{Env, Transport};
use plugboard_sdk::{Error, Page};
use serde_json::Value;

const ENV: Env = Env {
    now_ms: 0,
    lookback_days: 0,
};

fn sync(cursor: Option<&str>, net: &mut dyn Transport) -> Result<Page, Error> {
    ROLES.sync(cursor, ENV, net)
}

fn global_admin() -> RoleRef {
    RoleRef {
        id: "r1".into(),
        name: "Global Administrator".into(),
        template: Some("62e90394-69f5-4237-9190-012177145e10".into()),
    }
}

#[test]
fn activated_roles_are_read_with_their_template_id() {
    let body = br##"{"value":[
      {"id":"r1","displayName":"Global Administrator","roleTemplateId":"62e90394-69f5-4237-9190-012177145e10"},
      {"id":"r2"},{"displayName":"no id"}]}"##;
    let (roles, next) = parse_roles_page(body).unwrap();
    assert_eq!(next, None);
    assert_eq!(roles[0], global_admin());
    assert_eq!(
        (roles[1].name.as_str(), roles.len()),
        ("r2", 2),
        "a role without a name is named by its id"
    );
}

#[test]
fn users_and_service_principals_hold_privileged_roles_but_groups_are_skipped() {
    let body = br##"{"value":[
      {"@odata.type":"#microsoft.graph.user","id":"u1","userPrincipalName":"admin@contoso.com","userType":"Member","accountEnabled":true},
      {"@odata.type":"#microsoft.graph.servicePrincipal","id":"sp1","displayName":"deploy-bot"},
      {"@odata.type":"#microsoft.graph.group","id":"g1","displayName":"Admins"}]}"##;
    let (records, _) = parse_role_members_page(&global_admin(), body).unwrap();
    let held: Vec<_> = records
        .iter()
        .filter_map(|r| match r {
            Record::RoleAssignment(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(held.len(), 2, "{held:?}");
    assert!(
        held.iter()
            .all(|a| a.privileged && a.role_name == "Global Administrator")
    );
    assert_eq!(held[0].email.as_deref(), Some("admin@contoso.com"));
    let raw: Value = serde_json::from_str(&held[0].raw).unwrap();
    assert_eq!(
        raw["roleTemplateId"],
        "62e90394-69f5-4237-9190-012177145e10"
    );
    assert_eq!(raw["userType"], "Member");
    assert_eq!(held[1].account_id, "sp1");
}

#[test]
fn the_stream_lists_roles_then_reads_each_roles_members_one_request_per_call() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(if url.ends_with("/directoryRoles") {
            br##"{"value":[{"id":"r1","displayName":"A"},{"id":"r2","displayName":"B"}]}"##.to_vec()
        } else {
            br##"{"value":[{"@odata.type":"#microsoft.graph.user","id":"u1"}]}"##.to_vec()
        })
    };
    let mut cursor = None;
    let mut assignments = 0;
    loop {
        let page = sync(cursor.as_deref(), &mut fetch).unwrap();
        assignments += page.records.len();
        if !page.more {
            assert_eq!(page.cursor, None);
            break;
        }
        cursor = page.cursor;
    }
    assert_eq!(assignments, 2);
    assert_eq!(
        urls,
        [
            "https://graph.microsoft.com/v1.0/directoryRoles".to_string(),
            format!(
                "https://graph.microsoft.com/v1.0/directoryRoles/r1/members?$select={}",
                MEMBER_SELECT.replace(',', "%2C")
            ),
            format!(
                "https://graph.microsoft.com/v1.0/directoryRoles/r2/members?$select={}",
                MEMBER_SELECT.replace(',', "%2C")
            ),
        ]
    );
}
