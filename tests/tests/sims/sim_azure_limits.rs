//! The Azure simulator's throttling and faults: ARM token buckets per subscription,
//! Graph's reports window with a fractional `Retry-After`, injected 429s and failures,
//! and the unlicensed tenant's 403 on sign-ins.

use crate::sim_azure_support;

use std::time::Duration;

use anyhow::{Result, ensure};
use plugboard_sim::azure::AzureSimBuilder;
use sim_azure_support::{Answer, Client, SUBS_API, activity_path, start};

async fn subscription_ids(client: &Client) -> Result<Vec<String>> {
    let (subs, _) = client
        .walk(&format!("/subscriptions?api-version={SUBS_API}"))
        .await?;
    Ok(subs
        .iter()
        .filter_map(|s| s["subscriptionId"].as_str().map(str::to_owned))
        .collect())
}

#[tokio::test]
async fn hammering_one_subscription_past_its_bucket_gets_429_and_spares_the_others() -> Result<()> {
    // A slow refill: 300 requests run the bucket dry however slowly a loaded
    // machine sends them (at ARM's 25/s, 300 requests spread over 2 s never do).
    let sim = start(
        AzureSimBuilder::new()
            .activity_events(30)
            .users(10)
            .subscription_refill_per_second(1.0),
    )
    .await?;
    let client = Client::new(&sim).await?;
    let ids = subscription_ids(&client).await?;
    let (ge, le) = ("2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
    let hot = activity_path(&ids[0], ge, le);
    let mut first_429: Option<(usize, Answer)> = None;
    let mut remaining = Vec::new();
    for i in 0..300 {
        let answer = client.get(&hot).await?;
        if answer.status == 429 {
            first_429 = Some((i, answer));
            break;
        }
        let left = answer.header("x-ms-ratelimit-remaining-subscription-reads");
        remaining.push(left.parse::<u64>().unwrap_or(u64::MAX));
    }
    let Some((at, throttled)) = first_429 else {
        anyhow::bail!("300 requests were never throttled");
    };
    ensure!(at >= 250, "throttled after only {at} requests");
    ensure!(remaining.first() == Some(&249), "{:?}", remaining.first());
    ensure!(
        throttled.code() == "SubscriptionRequestsThrottled",
        "{throttled:?}"
    );
    let retry = throttled.header("retry-after");
    ensure!(
        retry.parse::<u64>().is_ok_and(|s| s >= 1),
        "Retry-After {retry:?}"
    );
    let other = client.get(&activity_path(&ids[2], ge, le)).await?;
    ensure!(other.status == 200, "{other:?}");
    let counters = sim.counters();
    ensure!(counters.throttled >= 1);
    ensure!(counters.throttled_by[&format!("arm-subscription:{}", ids[0])] >= 1);
    ensure!(counters.requests[&format!("arm-subscription:{}", ids[0])] == u64::try_from(at + 1)?);
    ensure!(counters.max_per_10s[&format!("arm-subscription:{}", ids[0])] >= 250);
    Ok(())
}

#[tokio::test]
async fn the_sixth_reports_request_in_ten_seconds_gets_a_fractional_retry_after() -> Result<()> {
    let sim = start(
        AzureSimBuilder::new()
            .users(10)
            .signins(20)
            .directory_audits(5),
    )
    .await?;
    let client = Client::new(&sim).await?;
    for i in 0..5 {
        let path = if i % 2 == 0 {
            "/v1.0/auditLogs/signIns"
        } else {
            "/v1.0/auditLogs/directoryAudits"
        };
        ensure!(client.get(path).await?.status == 200);
    }
    let sixth = client.get("/v1.0/auditLogs/directoryAudits").await?;
    ensure!(
        sixth.status == 429 && sixth.code() == "TooManyRequests",
        "{sixth:?}"
    );
    let retry = sixth.header("retry-after");
    ensure!(
        retry.contains('.'),
        "Retry-After {retry:?} is not fractional"
    );
    let seconds: f64 = retry.parse()?;
    ensure!(
        seconds > 5.0 && seconds <= 10.0 && (seconds * 2.0).fract() == 0.0,
        "{retry}"
    );
    ensure!(sixth.body["error"]["innerError"]["request-id"].is_string());
    ensure!(
        client.get("/v1.0/users").await?.status == 200,
        "directory is unaffected"
    );
    ensure!(sim.counters().throttled_by["graph-reports"] == 1);
    Ok(())
}

#[tokio::test]
async fn injected_throttles_and_failures_hit_the_next_requests_in_each_apis_shape() -> Result<()> {
    let sim = start(AzureSimBuilder::new().users(10).activity_events(10)).await?;
    let client = Client::new(&sim).await?;
    let subs = format!("/subscriptions?api-version={SUBS_API}");
    sim.faults().throttle_next(2);
    let arm = client.get(&subs).await?;
    ensure!(
        arm.status == 429 && arm.header("retry-after") == "1",
        "{arm:?}"
    );
    let graph = client.get("/v1.0/users").await?;
    ensure!(
        graph.status == 429 && graph.header("retry-after") == "0.5",
        "{graph:?}"
    );
    sim.faults().fail_next(1, 503);
    let failed = client.get("/v1.0/groups").await?;
    ensure!(
        failed.status == 503 && failed.code() == "ServiceUnavailable",
        "{failed:?}"
    );
    ensure!(client.get(&subs).await?.status == 200);
    sim.faults()
        .throttle_fraction(1, 2, Duration::from_secs(60));
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(client.get("/v1.0/groups").await?.status);
    }
    ensure!(
        statuses.iter().filter(|s| **s == 429).count() == 5,
        "{statuses:?}"
    );
    Ok(())
}

#[tokio::test]
async fn an_unlicensed_tenant_refuses_sign_ins_but_serves_directory_audits() -> Result<()> {
    let sim = start(AzureSimBuilder::new().signins_licensed(false).users(10)).await?;
    let client = Client::new(&sim).await?;
    let refused = client.get("/v1.0/auditLogs/signIns?$top=10").await?;
    ensure!(refused.status == 403, "{refused:?}");
    ensure!(refused.code() == "Authentication_RequestFromNonPremiumTenantOrB2CTenant");
    ensure!(
        refused.body["error"]["message"]
            == "Neither tenant is B2C or tenant doesn't have premium license"
    );
    ensure!(refused.body["error"]["innerError"]["date"].is_string());
    ensure!(client.get("/v1.0/auditLogs/directoryAudits").await?.status == 200);
    ensure!(sim.counters().forbidden == 1);
    Ok(())
}
