//! The Zoom simulator's dataset, paging, governance and settings, over real HTTP.

use crate::sim_support;

use std::collections::{BTreeMap, HashSet};

use anyhow::{Result, ensure};
use plugboard_sim::zoom::{Plan, ZoomSimBuilder};
use serde_json::{Value, json};
use sim_support::{Client, items, start};

#[tokio::test]
async fn paging_returns_every_user_exactly_once_and_counts_match_the_summary() -> Result<()> {
    let sim = start(ZoomSimBuilder::new()).await?;
    let client = Client::new(&sim).await?;
    let summary = sim.summary();
    let mut all = HashSet::new();
    for (status, expected) in [
        ("active", summary.active),
        ("inactive", summary.inactive),
        ("pending", summary.pending),
    ] {
        let pages = client
            .all_pages("/v2/users", &format!("status={status}"))
            .await?;
        let users = items(&pages, "users");
        let ids: HashSet<&str> = users.iter().filter_map(|u| u["id"].as_str()).collect();
        ensure!(
            users.len() == expected,
            "{status}: {} users, expected {expected}",
            users.len()
        );
        ensure!(
            ids.len() == users.len(),
            "{status}: duplicate ids across pages"
        );
        ensure!(
            users.iter().all(|u| u["status"] == status),
            "{status}: a user with another status was listed"
        );
        ensure!(
            pages[0]["total_records"] == expected
                && pages[0]["page_count"] == expected.div_ceil(300),
            "{status}: page 1 envelope {}",
            json!({"total": pages[0]["total_records"], "count": pages[0]["page_count"]})
        );
        all.extend(ids.into_iter().map(str::to_owned));
    }
    ensure!(
        all.len() == summary.users && summary.users == 1_250,
        "{summary:?}"
    );
    ensure!(
        (summary.active, summary.inactive, summary.pending) == (1_000, 200, 50),
        "{summary:?}"
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn small_pages_use_the_default_size_and_report_page_numbers() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(65, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    let first = client.get("/v2/users").await?;
    ensure!(
        first.body["page_size"] == 30 && first.body["page_number"] == 1,
        "{}",
        first.body
    );
    ensure!(
        first.body["users"].as_array().map(Vec::len) == Some(30),
        "{}",
        first.body
    );
    let token = first.body["next_page_token"].as_str().unwrap_or_default();
    let second = client
        .get(&format!("/v2/users?next_page_token={token}"))
        .await?;
    ensure!(
        second.body["page_number"] == 2 && second.body["page_count"] == 3,
        "{}",
        second.body
    );
    // A token may be reused (e.g. to retry after a 429), but only for its own query.
    let again = client
        .get(&format!("/v2/users?next_page_token={token}"))
        .await?;
    ensure!(
        again.body["users"] == second.body["users"],
        "a reused token gave another page"
    );
    let other = client
        .get(&format!(
            "/v2/users?status=inactive&next_page_token={token}"
        ))
        .await?;
    ensure!(other.status == 400 && other.code() == 300, "{other:?}");
    let forged = client.get("/v2/users?next_page_token=forged").await?;
    ensure!(forged.status == 400 && forged.code() == 300, "{forged:?}");
    let huge = client.get("/v2/users?page_size=301").await?;
    ensure!(huge.status == 400 && huge.code() == 300, "{huge:?}");
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn roles_have_six_admins_and_user_role_ids_agree_with_membership() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Business)).await?;
    let client = Client::new(&sim).await?;
    let roles = client.get("/v2/roles").await?;
    let roles = roles.body["roles"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = roles.iter().filter_map(|r| r["name"].as_str()).collect();
    ensure!(
        names == ["Owner", "Admin", "Member", "Billing Admin"],
        "{names:?}"
    );
    let mut role_of: BTreeMap<String, String> = BTreeMap::new();
    let mut admins = 0;
    for role in &roles {
        let id = role["id"].as_str().unwrap_or_default();
        let pages = client
            .all_pages(&format!("/v2/roles/{id}/members"), "")
            .await?;
        let members = items(&pages, "members");
        ensure!(
            role["total_members"] == members.len(),
            "{role}: {} members",
            members.len()
        );
        if role["name"] != "Member" {
            admins += members.len();
        }
        for m in members {
            role_of.insert(
                m["id"].as_str().unwrap_or_default().to_owned(),
                id.to_owned(),
            );
        }
    }
    ensure!(admins == 6 && sim.summary().admins == 6, "admins: {admins}");
    for status in ["active", "inactive", "pending"] {
        let pages = client
            .all_pages("/v2/users", &format!("status={status}"))
            .await?;
        for user in items(&pages, "users") {
            let id = user["id"].as_str().unwrap_or_default();
            ensure!(
                role_of.get(id).map(String::as_str) == user["role_id"].as_str(),
                "{id}: role_id {} but member of {:?}",
                user["role_id"],
                role_of.get(id)
            );
        }
    }
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn group_members_page_and_agree_with_user_group_ids() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Business)).await?;
    let client = Client::new(&sim).await?;
    let groups = client.get("/v2/groups").await?;
    ensure!(groups.body["total_records"] == 15, "{}", groups.body);
    let mut memberships = 0;
    let mut by_user: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for group in groups.body["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let id = group["id"].as_str().unwrap_or_default().to_owned();
        let pages = client
            .all_pages(&format!("/v2/groups/{id}/members"), "")
            .await?;
        let members = items(&pages, "members");
        ensure!(group["total_members"] == members.len(), "{group}");
        memberships += members.len();
        for m in members {
            by_user
                .entry(m["id"].as_str().unwrap_or_default().to_owned())
                .or_default()
                .push(id.clone());
        }
    }
    ensure!(
        memberships == sim.summary().group_memberships,
        "{memberships}"
    );
    let pages = client.all_pages("/v2/users", "status=active").await?;
    for user in items(&pages, "users") {
        let mut listed: Vec<String> = user["group_ids"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        listed.sort();
        let mut expected = by_user
            .remove(user["id"].as_str().unwrap_or_default())
            .unwrap_or_default();
        expected.sort();
        ensure!(
            listed == expected,
            "{}: {listed:?} vs {expected:?}",
            user["email"]
        );
    }
    let unknown = client.get("/v2/groups/nope/members").await?;
    ensure!(unknown.status == 404, "{unknown:?}");
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn deactivating_a_user_shows_in_a_rescan_and_can_be_undone() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(20, 2, 1)).await?;
    let client = Client::new(&sim).await?;
    let email = "user0010@example.com";
    let user = client.get(&format!("/v2/users/{email}")).await?;
    let id = user.body["id"].as_str().unwrap_or_default().to_owned();
    ensure!(
        user.status == 200 && user.body["status"] == "active",
        "{user:?}"
    );
    let off = client
        .put(
            &format!("/v2/users/{id}/status"),
            &json!({"action": "deactivate"}),
        )
        .await?;
    ensure!(off.status == 204 && off.body == Value::Null, "{off:?}");
    ensure!(
        sim.user_status(&id).as_deref() == Some("inactive"),
        "{:?}",
        sim.user_status(&id)
    );
    let inactive = client.get("/v2/users?status=inactive").await?;
    let listed = inactive.body["users"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        listed.iter().any(|u| u["id"] == id.as_str()),
        "not listed as inactive"
    );
    ensure!(sim.summary().inactive == 3, "{:?}", sim.summary());
    let on = client
        .put(
            &format!("/v2/users/{id}/status"),
            &json!({"action": "activate"}),
        )
        .await?;
    ensure!(on.status == 204, "{on:?}");
    ensure!(
        sim.user_status(email).as_deref() == Some("active"),
        "by email"
    );

    let owner = client.get("/v2/users/me").await?;
    let owner_id = owner.body["id"].as_str().unwrap_or_default();
    let refused = client
        .put(
            &format!("/v2/users/{owner_id}/status"),
            &json!({"action": "deactivate"}),
        )
        .await?;
    ensure!(
        refused.status == 400,
        "the owner was deactivated: {refused:?}"
    );
    let bad = client
        .put(
            &format!("/v2/users/{id}/status"),
            &json!({"action": "delete"}),
        )
        .await?;
    ensure!(bad.status == 400 && bad.code() == 300, "{bad:?}");
    let missing = client
        .put("/v2/users/nobody/status", &json!({"action": "activate"}))
        .await?;
    ensure!(
        missing.status == 404 && missing.code() == 1001,
        "{missing:?}"
    );
    let get_missing = client.get("/v2/users/nobody").await?;
    ensure!(
        get_missing.status == 404
            && get_missing.code() == 1001
            && get_missing.body["message"] == "User does not exist: nobody.",
        "{get_missing:?}"
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn settings_return_the_posture_objects_the_builder_set() -> Result<()> {
    let security = json!({"sign_in_with_two_factor_auth": "group", "sign_in_with_two_factor_auth_groups": ["g1"], "sign_again_period_for_inactivity_on_web": 0});
    let meeting = json!({"end_to_end_encrypted_meetings": true, "encryption_type": "e2ee"});
    let sim = start(
        ZoomSimBuilder::new()
            .security_settings(security.clone())
            .meeting_security_settings(meeting.clone()),
    )
    .await?;
    let client = Client::new(&sim).await?;
    let account = sim.credentials().account_id;
    let got = client
        .get("/v2/accounts/me/settings?option=security")
        .await?;
    ensure!(got.body == json!({"security": security}), "{}", got.body);
    let got = client
        .get(&format!(
            "/v2/accounts/{account}/settings?option=meeting_security"
        ))
        .await?;
    ensure!(
        got.body == json!({"meeting_security": meeting}),
        "{}",
        got.body
    );
    let other = client
        .get("/v2/accounts/someone-else/settings?option=security")
        .await?;
    ensure!(other.status == 404, "{other:?}");
    let bad = client
        .get("/v2/accounts/me/settings?option=everything")
        .await?;
    ensure!(bad.status == 400 && bad.code() == 300, "{bad:?}");
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_free_account_lists_users_but_not_paid_only_apis() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Free).users(5, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    let users = client.get("/v2/users").await?;
    ensure!(users.status == 200, "{users:?}");
    let groups = client.get("/v2/groups").await?;
    ensure!(groups.status == 400 && groups.code() == 200, "{groups:?}");
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_zoom_shaped_errors() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(3, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    let missing = client.get("/v2/meetings").await?;
    ensure!(
        missing.status == 404 && missing.code() == 300,
        "{missing:?}"
    );
    let outside = client.get("/api/v1/users").await?;
    ensure!(
        outside.status == 404 && outside.code() == 300,
        "{outside:?}"
    );
    let wrong = client.put("/v2/users", &json!({})).await?;
    ensure!(
        wrong.status == 405 && wrong.header("allow") == "GET",
        "{wrong:?}"
    );
    let log = sim.request_log();
    // Only requests under /v2 are logged.
    ensure!(log.len() == 2, "{log:?}");
    ensure!(
        log[1].method == "PUT" && log[1].body == Some(json!({})) && log[1].status == 405,
        "{log:?}"
    );
    sim.shutdown().await;
    Ok(())
}
