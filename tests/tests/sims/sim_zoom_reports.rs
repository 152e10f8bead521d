//! The Zoom simulator's sign-in/sign-out and operation-log reports.

use crate::sim_support;

use std::collections::HashSet;

use anyhow::{Result, ensure};
use plugboard_sim::zoom::{Plan, ZoomSimBuilder};
use serde_json::Value;
use sim_support::{Client, day, items, start};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn time_of(event: &Value) -> Result<OffsetDateTime> {
    Ok(OffsetDateTime::parse(
        event["time"].as_str().unwrap_or_default(),
        &Rfc3339,
    )?)
}

#[tokio::test]
async fn the_whole_history_comes_back_once_in_two_ranges_of_under_a_month() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Business)).await?;
    let client = Client::new(&sim).await?;
    let mut keys = HashSet::new();
    let now = OffsetDateTime::now_utc();
    for (from, to) in [(day(-30), day(-16)), (day(-15), day(0))] {
        let pages = client
            .all_pages("/v2/report/activities", &format!("from={from}&to={to}"))
            .await?;
        ensure!(
            pages[0]["from"] == from.as_str() && pages[0]["to"] == to.as_str(),
            "{}",
            pages[0]
        );
        let events = items(&pages, "activity_logs");
        let mut previous: Option<OffsetDateTime> = None;
        for event in &events {
            let at = time_of(event)?;
            let date = at.date().to_string();
            ensure!(
                date >= from && date <= to && at <= now,
                "{event} outside {from}..{to}"
            );
            ensure!(
                previous.is_none_or(|p| p > at),
                "not newest first at {event}"
            );
            previous = Some(at);
            ensure!(
                event["type"] == "Sign in" || event["type"] == "Sign out",
                "{event}"
            );
            keys.insert((
                event["email"].to_string(),
                event["time"].to_string(),
                event["type"].to_string(),
            ));
        }
    }
    let summary = sim.summary();
    ensure!(
        keys.len() == summary.sign_events && summary.sign_events == 6_000,
        "{} of {summary:?}",
        keys.len()
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn operation_logs_cover_the_history_and_filter_by_category() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Business)).await?;
    let client = Client::new(&sim).await?;
    let mut all = 0;
    let mut users = 0;
    for (from, to) in [(day(-30), day(-16)), (day(-15), day(0))] {
        let query = format!("from={from}&to={to}&category_type=all");
        let logs = items(
            &client.all_pages("/v2/report/operationlogs", &query).await?,
            "operation_logs",
        );
        all += logs.len();
        let keys: HashSet<String> = logs
            .iter()
            .map(|l| format!("{}|{}|{}", l["operator"], l["time"], l["action"]))
            .collect();
        ensure!(keys.len() == logs.len(), "duplicate operation logs");
        let query = format!("from={from}&to={to}&category_type=user");
        let only = items(
            &client.all_pages("/v2/report/operationlogs", &query).await?,
            "operation_logs",
        );
        ensure!(
            only.iter().all(|l| l["category_type"] == "User"),
            "filter leaked"
        );
        users += only.len();
    }
    ensure!(all == sim.summary().operation_logs && all == 300, "{all}");
    ensure!(users > 0 && users < all, "{users}");
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn report_ranges_are_checked_like_zoom_checks_them() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Business).users(10, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    for query in [
        format!("from={}&to={}", day(-40), day(0)),
        format!("from={}&to={}", day(0), day(-1)),
        format!("from={}&to={}", day(-220), day(-200)),
        format!("to={}", day(0)),
        "from=yesterday&to=today".to_owned(),
        format!("from={}&to={}&page_size=1000", day(-3), day(0)),
    ] {
        for report in ["activities", "operationlogs"] {
            let got = client.get(&format!("/v2/report/{report}?{query}")).await?;
            ensure!(
                got.status == 400 && got.code() == 300,
                "{report}?{query}: {got:?}"
            );
        }
    }
    let bad_category = client
        .get(&format!(
            "/v2/report/operationlogs?from={}&to={}&category_type=nope",
            day(-3),
            day(0)
        ))
        .await?;
    ensure!(bad_category.status == 400, "{bad_category:?}");
    sim.shutdown().await;
    Ok(())
}
