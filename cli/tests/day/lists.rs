//! `plugboard groups [--members]` and `plugboard roles`.

use serde_json::Value;

use super::Setup;
use crate::{OPERATOR, count_rows, json, ok, run};
use plugboard_sim::zoom::ZoomSimBuilder;

/// Every row of `args --json`, following `next_offset` two rows at a time.
fn every_page(home: &std::path::Path, args: &[&str]) -> Vec<Value> {
    let mut rows = Vec::new();
    let mut offset = 0u64;
    for _ in 0..1000 {
        let offset_text = offset.to_string();
        let mut page_args = args.to_vec();
        page_args.extend(["--json", "--limit", "2", "--offset", &offset_text]);
        let page = json(&ok(home, &page_args));
        assert_eq!(page["limit"], 2, "{page}");
        assert_eq!(page["offset"], offset, "{page}");
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 2, "{page}");
        rows.extend(items);
        match page["next_offset"].as_u64() {
            Some(next) => offset = next,
            None => return rows,
        }
    }
    panic!("{args:?} never reached its last page");
}

/// All rows of `args --json` in one page.
fn one_page(home: &std::path::Path, args: &[&str]) -> Vec<Value> {
    let mut all_args = args.to_vec();
    all_args.extend(["--json", "--limit", "10000"]);
    let page = json(&ok(home, &all_args));
    assert_eq!(page["next_offset"], Value::Null, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

fn rows_in(home: &std::path::Path, table: &str, filter: &str) -> usize {
    let n = count_rows(home, &format!("SELECT COUNT(*) FROM {table} {filter}"));
    usize::try_from(n).unwrap_or_default()
}

#[test]
fn groups_members_and_roles_list_what_the_scan_stored_and_page_like_accounts() {
    let s = Setup::scanned(ZoomSimBuilder::new().users(9, 2, 1).activity_days(1));
    let home = s.home();
    let summary = s.sim.sim.summary();
    for (args, table, filter) in [
        (&["groups"][..], "groups", ""),
        (&["groups", "--members"][..], "group_members", ""),
        (&["roles"][..], "role_assignments", ""),
        (
            &["roles", "--privileged"][..],
            "role_assignments",
            "WHERE privileged = 1",
        ),
    ] {
        let all = one_page(home, args);
        assert_eq!(all.len(), rows_in(home, table, filter), "{args:?}: {all:?}");
        assert!(!all.is_empty(), "{args:?}: the scan stored none");
        assert!(
            all.iter().all(|r| r["instance"] == "z"),
            "{args:?}: {all:?}"
        );
        assert_eq!(
            every_page(home, args),
            all,
            "{args:?}: paging changed the rows"
        );
        let none = json(&ok(
            home,
            &[args, &["--instance", "other", "--json"][..]].concat(),
        ));
        assert_eq!(none["items"], serde_json::json!([]), "{args:?}: {none}");
        assert_eq!(none["next_offset"], Value::Null, "{args:?}: {none}");
    }
    let groups = one_page(home, &["groups"]);
    assert_eq!(groups.len(), summary.groups);
    let stored: u64 = groups.iter().filter_map(|g| g["members"].as_u64()).sum();
    assert_eq!(stored as usize, rows_in(home, "group_members", ""));
    let roles = one_page(home, &["roles", "--privileged"]);
    assert!(roles.iter().all(|r| r["privileged"] == true), "{roles:?}");

    // Filters: one group's members, one account's groups and roles.
    let group = groups
        .iter()
        .find(|g| g["members"].as_u64().is_some_and(|n| n > 0))
        .unwrap_or_else(|| panic!("no group with members: {groups:?}"));
    let id = group["id"].as_str().unwrap_or_default();
    let members = one_page(home, &["groups", "--members", "--group", id]);
    assert_eq!(Some(members.len() as u64), group["members"].as_u64());
    assert!(
        members
            .iter()
            .all(|m| m["group_id"] == id && m["group_name"] == group["name"])
    );
    let account = roles[0]["account_id"].as_str().unwrap_or_default();
    let held = one_page(home, &["roles", "--account", account]);
    assert!(!held.is_empty() && held.iter().all(|r| r["account_id"] == account));
    let memberships = one_page(home, &["groups", "--members", "--account", account]);
    assert!(memberships.iter().all(|m| m["account_id"] == account));

    // Tables name what an operator looks for.
    let shown = ok(home, &["groups"]);
    for want in [
        "group",
        "members",
        "reported",
        group["name"].as_str().unwrap_or("?"),
    ] {
        assert!(shown.contains(want), "{want:?} not in\n{shown}");
    }
    let shown = ok(home, &["groups", "--members", "--group", id]);
    assert!(shown.contains("account") && shown.contains(id), "{shown}");
    let shown = ok(home, &["roles", "--privileged"]);
    for want in ["role", "privileged", "yes", account] {
        assert!(shown.contains(want), "{want:?} not in\n{shown}");
    }

    // Filters of memberships need --members; limits stay within a page.
    for args in [
        &["groups", "--group", id][..],
        &["groups", "--members", "--limit", "0"][..],
        &["roles", "--limit", "10001"][..],
    ] {
        let out = run(home, args);
        assert_eq!(out.status.code(), Some(OPERATOR), "{args:?}");
    }
    let out = run(home, &["groups", "--group", id]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--members"), "{stderr}");
}
