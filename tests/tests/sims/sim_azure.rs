//! The Azure simulator's data: every list pages to its end exactly once, the summary
//! matches what the APIs return, filters and governance calls work.

use crate::sim_azure_support;

use std::collections::{BTreeSet, HashMap};

use anyhow::{Result, ensure};
use plugboard_sim::azure::AzureSimBuilder;
use reqwest::Method;
use serde_json::{Value, json};
use sim_azure_support::{Client, SUBS_API, activity_path, distinct, start};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn iso(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn parse(v: &Value) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(v.as_str()?, &Rfc3339).ok()
}

#[tokio::test]
async fn every_list_pages_to_its_end_once_and_matches_the_summary() -> Result<()> {
    let before = OffsetDateTime::now_utc();
    let sim = start(AzureSimBuilder::new()).await?;
    let client = Client::new(&sim).await?;
    let summary = sim.summary();
    ensure!(summary.subscriptions_total == 4 && summary.subscriptions_enabled == 3);
    ensure!(summary.activity_events == 2_000 && summary.disabled_subscription_events == 150);
    ensure!(
        summary.directory_roles == 3 && summary.admins == 9,
        "{summary:?}"
    );

    let (subs, pages) = client
        .walk(&format!("/subscriptions?api-version={SUBS_API}"))
        .await?;
    ensure!(subs.len() == 4 && pages == 2, "{pages} pages");
    distinct(&subs, "subscriptionId")?;
    let enabled: Vec<&Value> = subs.iter().filter(|s| s["state"] == "Enabled").collect();
    ensure!(enabled.len() == 3);

    let (users, _) = client
        .walk("/v1.0/users?$top=999&$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,createdDateTime")
        .await?;
    ensure!(users.len() == summary.users);
    let by_upn: HashMap<&str, &str> = users
        .iter()
        .filter_map(|u| Some((u["userPrincipalName"].as_str()?, u["id"].as_str()?)))
        .collect();
    let (paged_users, pages) = client.walk("/v1.0/users").await?;
    ensure!(
        paged_users.len() == 400 && pages == 4,
        "default pages of 100: {pages}"
    );
    distinct(&paged_users, "id")?;

    let window = activity_path_all(before);
    let mut all_ids = BTreeSet::new();
    let mut apps = BTreeSet::new();
    let oldest = before - Duration::days(14) + Duration::hours(1);
    for sub in &subs {
        let id = sub["subscriptionId"].as_str().unwrap_or_default();
        let (events, _) = client
            .walk(&activity_path(id, &window.0, &window.1))
            .await?;
        let expected = if sub["state"] == "Enabled" {
            None
        } else {
            Some(150)
        };
        if let Some(n) = expected {
            ensure!(
                events.len() == n,
                "disabled subscription has {}",
                events.len()
            );
            continue;
        }
        let mut last = OffsetDateTime::now_utc();
        for e in &events {
            ensure!(all_ids.insert(e["eventDataId"].as_str().unwrap_or_default().to_owned()));
            let at = parse(&e["eventTimestamp"]).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            ensure!(at <= last, "events are newest first");
            ensure!(at > oldest && at < OffsetDateTime::now_utc() - Duration::seconds(59));
            last = at;
            ensure!(e["subscriptionId"] == id && e["category"]["value"] == "Administrative");
            let caller = e["caller"].as_str().unwrap_or_default();
            let oid = &e["claims"]["http://schemas.microsoft.com/identity/claims/objectidentifier"];
            match by_upn.get(caller) {
                Some(user_id) => ensure!(oid == *user_id, "user claims: {e}"),
                None => {
                    ensure!(e["claims"]["appid"] == caller, "app caller: {e}");
                    apps.insert(caller.to_owned());
                }
            }
        }
    }
    ensure!(all_ids.len() == summary.activity_events);
    ensure!(apps.len() == summary.callers_not_in_graph && !apps.is_empty());

    let (groups, _) = client.walk("/v1.0/groups?$top=999").await?;
    ensure!(groups.len() == summary.groups);
    let mut memberships = 0;
    let mut biggest_pages = 0;
    for group in &groups {
        let id = group["id"].as_str().unwrap_or_default();
        let (members, pages) = client.walk(&format!("/v1.0/groups/{id}/members")).await?;
        distinct(&members, "id")?;
        ensure!(
            members
                .iter()
                .all(|m| m["@odata.type"] == "#microsoft.graph.user")
        );
        memberships += members.len();
        biggest_pages = biggest_pages.max(pages);
    }
    ensure!(memberships == summary.group_memberships && biggest_pages >= 4);

    let (roles, _) = client.walk("/v1.0/directoryRoles").await?;
    ensure!(roles.len() == 3 && roles.iter().all(|r| r["roleTemplateId"].is_string()));
    let mut admins = BTreeSet::new();
    for role in &roles {
        let id = role["id"].as_str().unwrap_or_default();
        let select = "$select=id,userPrincipalName,userType";
        let (members, _) = client
            .walk(&format!("/v1.0/directoryRoles/{id}/members?{select}"))
            .await?;
        for m in members {
            ensure!(admins.insert((m["id"].to_string(), m["userType"].to_string())));
        }
    }
    ensure!(admins.len() == 9 && admins.iter().any(|(_, t)| t == "\"Guest\""));

    let since = iso(before - Duration::days(7));
    let (signins, pages) = client
        .walk(&format!(
            "/v1.0/auditLogs/signIns?$top=1000&$filter=createdDateTime%20ge%20{since}"
        ))
        .await?;
    ensure!(signins.len() == summary.signins && pages == 2);
    distinct(&signins, "id")?;
    let (audits, _) = client
        .walk(&format!(
            "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%20{since}"
        ))
        .await?;
    ensure!(audits.len() == summary.directory_audits);
    distinct(&audits, "id")?;
    sim.shutdown().await;
    Ok(())
}

fn activity_path_all(now: OffsetDateTime) -> (String, String) {
    (
        iso(now - Duration::days(15)),
        iso(now + Duration::minutes(5)),
    )
}

#[tokio::test]
async fn a_one_day_filter_returns_exactly_that_days_events() -> Result<()> {
    let sim = start(AzureSimBuilder::new().arm_page_size(50)).await?;
    let client = Client::new(&sim).await?;
    let (subs, _) = client
        .walk(&format!("/subscriptions?api-version={SUBS_API}"))
        .await?;
    let id = subs[0]["subscriptionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let now = OffsetDateTime::now_utc();
    let (all, _) = client
        .walk(&activity_path(
            &id,
            &iso(now - Duration::days(20)),
            &iso(now),
        ))
        .await?;
    let (ge, le) = (now - Duration::days(3), now - Duration::days(2));
    let (day, pages) = client.walk(&activity_path(&id, &iso(ge), &iso(le))).await?;
    let expected = all
        .iter()
        .filter(|e| parse(&e["eventTimestamp"]).is_some_and(|t| t >= ge && t <= le))
        .count();
    ensure!(
        day.len() == expected && expected > 0 && pages >= 2,
        "{} of {expected}",
        day.len()
    );
    ensure!(
        day.iter()
            .all(|e| parse(&e["eventTimestamp"]).is_some_and(|t| t >= ge && t <= le))
    );

    let narrowed = format!(
        "{}%20and%20resourceGroupName%20eq%20%27rg-web%27&$select=eventDataId,resourceGroupName",
        activity_path(&id, &iso(now - Duration::days(20)), &iso(now))
    );
    let (web, _) = client.walk(&narrowed).await?;
    ensure!(!web.is_empty() && web.len() < all.len());
    ensure!(
        web.iter()
            .all(|e| e["resourceGroupName"] == "rg-web" && e.get("caller").is_none())
    );
    Ok(())
}

#[tokio::test]
async fn a_missing_filter_bad_api_version_or_unknown_subscription_is_refused() -> Result<()> {
    let sim = start(AzureSimBuilder::new().activity_events(20)).await?;
    let client = Client::new(&sim).await?;
    let (subs, _) = client
        .walk(&format!("/subscriptions?api-version={SUBS_API}"))
        .await?;
    let id = subs[0]["subscriptionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let base =
        format!("/subscriptions/{id}/providers/Microsoft.Insights/eventtypes/management/values");
    let cases = [
        (format!("{base}?api-version=2015-04-01"), 400, "BadRequest"),
        (
            format!("{base}?api-version=2015-04-01&$filter=eventTimestamp%20ge%20%272026-01-01%27"),
            400,
            "BadRequest",
        ),
        (
            format!("{base}?$filter=x"),
            400,
            "MissingApiVersionParameter",
        ),
        (
            format!("{base}?api-version=2099-01-01&$filter=x"),
            400,
            "InvalidApiVersionParameter",
        ),
        (
            "/subscriptions".to_owned(),
            400,
            "MissingApiVersionParameter",
        ),
        (
            "/subscriptions?api-version=2015-04-01".to_owned(),
            400,
            "InvalidApiVersionParameter",
        ),
        (
            activity_path(
                "00000000-0000-0000-0000-000000000000",
                "2026-01-01",
                "2026-01-02",
            ),
            404,
            "SubscriptionNotFound",
        ),
    ];
    for (path, status, code) in cases {
        let answer = client.get(&path).await?;
        ensure!(
            answer.status == status && answer.code() == code,
            "{path}: {answer:?}"
        );
        ensure!(!answer.header("x-ms-request-id").is_empty());
    }
    Ok(())
}

#[tokio::test]
async fn disabling_a_user_changes_its_state_and_revoking_sessions_answers_true() -> Result<()> {
    let sim = start(AzureSimBuilder::new().users(30)).await?;
    let client = Client::new(&sim).await?;
    let users = client.get("/v1.0/users?$select=id,accountEnabled").await?;
    let id = users.body["value"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(sim.user_enabled(&id) == Some(true));
    let path = format!("/v1.0/users/{id}");
    let patched = client
        .send(
            Method::PATCH,
            &path,
            Some(&json!({"accountEnabled": false})),
        )
        .await?;
    ensure!(
        patched.status == 204 && patched.body.is_null(),
        "{patched:?}"
    );
    ensure!(sim.user_enabled(&id) == Some(false));
    let read = client
        .get(&format!("{path}?$select=accountEnabled"))
        .await?;
    ensure!(read.body["accountEnabled"] == false, "{read:?}");
    let revoked = client
        .send(Method::POST, &format!("{path}/revokeSignInSessions"), None)
        .await?;
    ensure!(
        revoked.status == 200 && revoked.body["value"] == true,
        "{revoked:?}"
    );
    let bad = client
        .send(Method::PATCH, &path, Some(&json!({"accountEnabled": "no"})))
        .await?;
    ensure!(bad.status == 400 && sim.user_enabled(&id) == Some(false));
    let missing = client
        .send(Method::PATCH, "/v1.0/users/nobody", Some(&json!({})))
        .await?;
    ensure!(missing.status == 404 && missing.code() == "Request_ResourceNotFound");
    Ok(())
}

#[tokio::test]
async fn users_without_select_carry_only_the_default_properties() -> Result<()> {
    let sim = start(AzureSimBuilder::new().users(5)).await?;
    let client = Client::new(&sim).await?;
    let plain = client.get("/v1.0/users").await?;
    let first = &plain.body["value"][0];
    ensure!(first["userPrincipalName"].is_string() && first.get("accountEnabled").is_none());
    let picked = client.get("/v1.0/users?$select=id,userType").await?;
    let first = &picked.body["value"][0];
    ensure!(first.as_object().map(|o| o.len()) == Some(2) && first["userType"].is_string());
    let too_big = client.get("/v1.0/users?$top=1000").await?;
    ensure!(too_big.status == 400 && too_big.code() == "Request_UnsupportedQuery");
    Ok(())
}
