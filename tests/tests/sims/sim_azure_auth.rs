//! The Azure simulator's token endpoint and bearer checks: tokens are per resource,
//! expire, are not revoked by later mints, and every failure has the documented body.

use crate::sim_azure_support;

use std::time::Duration;

use anyhow::{Result, ensure};
use plugboard_sim::azure::{AzureSimBuilder, DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID};
use sim_azure_support::{ARM, Client, GRAPH, SUBS_API, mint, start, token_request};

#[tokio::test]
async fn a_token_answer_has_the_documented_shape_and_counts_per_resource() -> Result<()> {
    let sim = start(AzureSimBuilder::new()).await?;
    let creds = sim.credentials();
    ensure!(creds.tenant_id == DEFAULT_TENANT_ID && creds.client_id == DEFAULT_CLIENT_ID);
    let other = start(AzureSimBuilder::new()).await?;
    ensure!(
        creds.client_secret != other.credentials().client_secret && creds.client_secret.len() >= 32
    );
    let answer = token_request(
        &sim,
        &creds.tenant_id,
        &[
            ("client_id", &creds.client_id),
            ("client_secret", &creds.client_secret),
            ("grant_type", "client_credentials"),
            ("scope", GRAPH),
        ],
    )
    .await?;
    ensure!(answer.status == 200, "{answer:?}");
    ensure!(answer.body["token_type"] == "Bearer" && answer.body["expires_in"] == 3599);
    ensure!(answer.body["ext_expires_in"] == 3599 && answer.body["access_token"].is_string());
    mint(&sim, ARM).await?;
    mint(&sim, ARM).await?;
    let counters = sim.counters();
    ensure!(counters.tokens_minted["https://graph.microsoft.com"] == 1);
    ensure!(counters.tokens_minted["https://management.azure.com"] == 2);
    ensure!(counters.issued_tokens.len() == 3 && counters.requests["token"] == 3);
    Ok(())
}

#[tokio::test]
async fn tokens_are_bound_to_one_resource_and_a_new_mint_revokes_nothing() -> Result<()> {
    let sim = start(AzureSimBuilder::new().users(5).activity_events(10)).await?;
    let client = Client::new(&sim).await?;
    let subs = format!("/subscriptions?api-version={SUBS_API}");
    let first_arm = client.arm.clone();
    mint(&sim, ARM).await?;
    ensure!(client.get_with(&subs, &first_arm).await?.status == 200);

    let wrong = client.get_with(&subs, &client.graph).await?;
    ensure!(wrong.status == 401 && wrong.code() == "InvalidAuthenticationToken");
    ensure!(wrong.body["error"]["message"] == "The access token is invalid.");
    let wrong = client.get_with("/v1.0/users", &client.arm).await?;
    ensure!(
        wrong.status == 401 && wrong.code() == "InvalidAuthenticationToken",
        "{wrong:?}"
    );
    let inner = &wrong.body["error"]["innerError"];
    ensure!(
        inner["date"].is_string() && inner["request-id"].is_string(),
        "{wrong:?}"
    );

    let none = client
        .http
        .get(format!("{}{subs}", client.base))
        .send()
        .await?;
    ensure!(none.status() == 401);
    let garbage = client.get_with("/v1.0/users", "not-a-token").await?;
    ensure!(garbage.status == 401 && garbage.code() == "InvalidAuthenticationToken");
    ensure!(sim.counters().unauthorized == 4);
    Ok(())
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime_with_each_apis_code() -> Result<()> {
    let sim = start(
        AzureSimBuilder::new()
            .token_lifetime(Duration::from_secs(1))
            .users(5),
    )
    .await?;
    let client = Client::new(&sim).await?;
    let subs = format!("/subscriptions?api-version={SUBS_API}");
    ensure!(client.get(&subs).await?.status == 200);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let arm = client.get(&subs).await?;
    ensure!(
        arm.status == 401 && arm.code() == "ExpiredAuthenticationToken",
        "{arm:?}"
    );
    let graph = client.get("/v1.0/users").await?;
    ensure!(
        graph.status == 401 && graph.code() == "InvalidAuthenticationToken",
        "{graph:?}"
    );
    let fresh = Client::new(&sim).await?;
    ensure!(fresh.get(&subs).await?.status == 200);
    Ok(())
}

#[tokio::test]
async fn token_endpoint_failures_carry_aadsts_codes() -> Result<()> {
    let sim = start(
        AzureSimBuilder::new()
            .credentials("tenant-a", "client-a", "s3cret")
            .users(1),
    )
    .await?;
    let ok = [
        ("client_id", "client-a"),
        ("client_secret", "s3cret"),
        ("grant_type", "client_credentials"),
        ("scope", ARM),
    ];
    ensure!(token_request(&sim, "tenant-a", &ok).await?.status == 200);
    let with = |key: &str, value: &str| -> Vec<(String, String)> {
        ok.iter()
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .chain((!value.is_empty()).then(|| (key.to_owned(), value.to_owned())))
            .collect()
    };
    let cases = [
        (
            "tenant-a",
            with("client_secret", "wrong"),
            401,
            "invalid_client",
            7_000_215,
        ),
        (
            "tenant-b",
            with("scope", ARM),
            400,
            "invalid_request",
            90_002,
        ),
        (
            "tenant-a",
            with("scope", "https://graph.microsoft.com/User.Read.All"),
            400,
            "invalid_scope",
            70_011,
        ),
        (
            "tenant-a",
            with("scope", "https://example.com/.default"),
            400,
            "invalid_scope",
            70_011,
        ),
        (
            "tenant-a",
            with("grant_type", "password"),
            400,
            "unsupported_grant_type",
            70_003,
        ),
        (
            "tenant-a",
            with("grant_type", ""),
            400,
            "invalid_request",
            900_144,
        ),
        (
            "tenant-a",
            with("client_secret", ""),
            400,
            "invalid_request",
            900_144,
        ),
        (
            "tenant-a",
            with("scope", ""),
            400,
            "invalid_request",
            900_144,
        ),
        (
            "tenant-a",
            with("client_id", ""),
            400,
            "invalid_request",
            900_144,
        ),
        (
            "tenant-a",
            with("client_id", "client-b"),
            400,
            "unauthorized_client",
            700_016,
        ),
    ];
    for (tenant, form, status, error, code) in cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = token_request(&sim, tenant, &form).await?;
        let body = &answer.body;
        ensure!(
            answer.status == status && body["error"] == error,
            "{form:?}: {answer:?}"
        );
        ensure!(body["error_codes"][0] == code, "{form:?}: {answer:?}");
        let description = body["error_description"].as_str().unwrap_or_default();
        ensure!(
            description.starts_with(&format!("AADSTS{code}:")),
            "{description}"
        );
        for key in ["timestamp", "trace_id", "correlation_id"] {
            ensure!(body[key].is_string(), "{key} missing: {answer:?}");
        }
        ensure!(!description.contains("s3cret"));
    }
    let get = reqwest::get(format!("{}/tenant-a/oauth2/v2.0/token", sim.base_url())).await?;
    ensure!(get.status() == 405);
    ensure!(sim.counters().tokens_minted.values().sum::<u64>() == 1);
    Ok(())
}
