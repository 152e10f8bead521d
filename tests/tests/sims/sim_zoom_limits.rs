//! The Zoom simulator's rate limits, counters and fault injection.

use crate::sim_support;

use std::time::Duration;

use anyhow::{Result, ensure};
use plugboard_sim::zoom::{Category, Plan, ZoomSimBuilder};
use sim_support::{Answer, Client, start};

/// Sends `n` requests to `path` at once and returns the answers.
async fn burst(client: &Client, path: &str, n: usize) -> Result<Vec<Answer>> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let client = client.clone();
        let path = path.to_owned();
        tasks.push(tokio::spawn(async move { client.get(&path).await }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await??);
    }
    Ok(answers)
}

#[tokio::test]
async fn a_burst_above_the_pro_medium_limit_is_throttled_with_zoom_headers() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(10, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    // Warm the connection pool so the burst is not slowed by connects.
    client.get("/v2/users/me").await?;
    let answers = burst(&client, "/v2/users", 40).await?;
    let throttled: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    let ok: Vec<&Answer> = answers.iter().filter(|a| a.status == 200).collect();
    ensure!(ok.len() + throttled.len() == 40, "unexpected statuses");
    ensure!(
        !throttled.is_empty() && ok.len() >= 20,
        "{} ok, {} throttled",
        ok.len(),
        throttled.len()
    );
    for a in &throttled {
        ensure!(
            a.code() == 429
                && a.header("x-ratelimit-category") == "Medium"
                && a.header("x-ratelimit-type") == "QPS"
                && a.header("x-ratelimit-limit") == "20"
                && a.header("x-ratelimit-remaining") == "0",
            "{a:?}"
        );
    }
    let with_retry = throttled
        .iter()
        .filter(|a| a.header("retry-after") == "1")
        .count();
    let without = throttled.len() - with_retry;
    ensure!(
        with_retry.abs_diff(without) <= 1,
        "Retry-After not alternated: {with_retry}/{without}"
    );
    for a in &ok {
        ensure!(
            a.header("x-ratelimit-category") == "Medium"
                && a.header("x-ratelimit-limit") == "20"
                && a.header("x-ratelimit-remaining").parse::<u64>().is_ok(),
            "{:?}",
            a.headers
        );
    }
    let counters = sim.counters();
    ensure!(counters.throttled == throttled.len() as u64, "{counters:?}");
    ensure!(counters.requests[&Category::Medium] == 40, "{counters:?}");
    ensure!(counters.requests[&Category::Light] == 1, "{counters:?}");
    ensure!(
        counters.max_per_second[&Category::Medium] >= 21,
        "{counters:?}"
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn paced_requests_stay_under_the_limit_and_are_never_throttled() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Free).users(10, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    for _ in 0..5 {
        let got = client.get("/v2/users").await?;
        ensure!(got.status == 200, "{got:?}");
        tokio::time::sleep(Duration::from_millis(550)).await;
    }
    let counters = sim.counters();
    ensure!(
        counters.throttled == 0 && counters.max_per_second[&Category::Medium] <= 2,
        "{counters:?}"
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn throttle_next_and_fail_next_hit_exactly_the_next_requests() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(10, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    let faults = sim.faults();
    faults.throttle_next(2);
    let first = client.get("/v2/users/me").await?;
    let second = client.get("/v2/users/me").await?;
    let third = client.get("/v2/users/me").await?;
    ensure!(
        first.status == 429
            && first.header("x-ratelimit-category") == "Light"
            && first.header("retry-after") == "1",
        "{first:?}"
    );
    ensure!(
        second.status == 429 && second.header("retry-after").is_empty(),
        "{second:?}"
    );
    ensure!(third.status == 200, "{third:?}");
    faults.fail_next(1, 503);
    let failed = client.get("/v2/users").await?;
    ensure!(failed.status == 503 && failed.code() == 503, "{failed:?}");
    ensure!(
        client.get("/v2/users").await?.status == 200,
        "fault did not clear"
    );
    let counters = sim.counters();
    ensure!(
        counters.throttled == 2 && counters.client_errors == 0,
        "{counters:?}"
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_429_storm_throttles_its_fraction_then_ends() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().plan(Plan::Business).users(10, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    sim.faults()
        .throttle_fraction(1, 2, Duration::from_millis(800));
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(client.get("/v2/users/me").await?.status);
    }
    let throttled = statuses.iter().filter(|&&s| s == 429).count();
    ensure!(throttled == 5, "{statuses:?}");
    tokio::time::sleep(Duration::from_millis(900)).await;
    ensure!(
        client.get("/v2/users/me").await?.status == 200,
        "storm did not end"
    );
    sim.shutdown().await;
    Ok(())
}
