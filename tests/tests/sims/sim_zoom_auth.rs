//! The Zoom simulator's Server-to-Server OAuth: minting, revocation, expiry, errors.

use crate::sim_support;

use std::time::Duration;

use anyhow::{Result, ensure};
use base64::Engine as _;
use plugboard_sim::zoom::ZoomSimBuilder;
use serde_json::json;
use sim_support::{Client, answer, mint, start};

#[tokio::test]
async fn a_second_mint_revokes_the_first_token() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(3, 0, 0)).await?;
    let first = Client::new(&sim).await?;
    ensure!(
        first.get("/v2/users").await?.status == 200,
        "first token works"
    );
    let second = Client::new(&sim).await?;
    ensure!(first.token != second.token, "tokens repeat");
    let revoked = first.get("/v2/users").await?;
    ensure!(
        revoked.status == 401
            && revoked.code() == 124
            && revoked.body["message"] == "Invalid access token.",
        "{revoked:?}"
    );
    ensure!(
        second.get("/v2/users").await?.status == 200,
        "second token works"
    );
    let counters = sim.counters();
    ensure!(
        counters.tokens_minted == 2 && counters.unauthorized == 1,
        "{counters:?}"
    );
    ensure!(
        counters.issued_tokens == [first.token.clone(), second.token.clone()],
        "{counters:?}"
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_token_expires_after_its_lifetime() -> Result<()> {
    let sim = start(
        ZoomSimBuilder::new()
            .users(3, 0, 0)
            .token_lifetime(Duration::from_millis(1_500)),
    )
    .await?;
    let client = Client::new(&sim).await?;
    ensure!(
        client.get("/v2/users").await?.status == 200,
        "fresh token works"
    );
    tokio::time::sleep(Duration::from_millis(1_700)).await;
    let expired = client.get("/v2/users").await?;
    ensure!(
        expired.status == 401
            && expired.code() == 124
            && expired.body["message"] == "Access token is expired.",
        "{expired:?}"
    );
    sim.faults().set_token_lifetime(Duration::from_secs(7_200));
    let http = reqwest::Client::new();
    let creds = sim.credentials();
    let url = format!(
        "{}/oauth/token?grant_type=account_credentials&account_id={}",
        sim.base_url(),
        creds.account_id
    );
    let minted = answer(
        http.post(&url)
            .basic_auth(&creds.client_id, Some(&creds.client_secret)),
    )
    .await?;
    ensure!(minted.body["expires_in"] == 7_200, "{}", minted.body);
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_token_answer_has_zoom_fields_and_the_api_url() -> Result<()> {
    let sim = start(
        ZoomSimBuilder::new()
            .users(1, 0, 0)
            .credentials("acct-1", "cid", "s3cret"),
    )
    .await?;
    let creds = sim.credentials();
    ensure!(
        creds.account_id == "acct-1" && creds.client_secret == "s3cret",
        "{creds:?}"
    );
    let http = reqwest::Client::new();
    let url = format!(
        "{}/oauth/token?grant_type=account_credentials&account_id=acct-1",
        sim.base_url()
    );
    let got = answer(http.post(&url).basic_auth("cid", Some("s3cret"))).await?;
    ensure!(got.status == 200, "{got:?}");
    ensure!(
        got.body["token_type"] == "bearer" && got.body["expires_in"] == 3_600,
        "{}",
        got.body
    );
    ensure!(
        got.body["api_url"] == sim.base_url().as_str(),
        "{}",
        got.body
    );
    let scope = got.body["scope"].as_str().unwrap_or_default();
    ensure!(scope.split(' ').any(|s| s == "user:write:admin"), "{scope}");
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn default_credentials_have_fixed_ids_and_a_random_secret() -> Result<()> {
    let a = start(ZoomSimBuilder::new().users(1, 0, 0)).await?;
    let b = start(ZoomSimBuilder::new().users(1, 0, 0)).await?;
    let (ca, cb) = (a.credentials(), b.credentials());
    ensure!(
        ca.account_id == "sim-account" && ca.client_id == "sim-client-id",
        "{ca:?}"
    );
    ensure!(
        ca.client_secret != cb.client_secret && ca.client_secret.len() >= 32,
        "secrets repeat"
    );
    ensure!(
        !mint(&reqwest::Client::new(), &a).await?.is_empty(),
        "no token"
    );
    a.shutdown().await;
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn token_endpoint_errors_follow_zoom() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(1, 0, 0)).await?;
    let creds = sim.credentials();
    let http = reqwest::Client::new();
    let base = sim.base_url();
    let url = |grant: &str, account: &str| {
        format!("{base}/oauth/token?grant_type={grant}&account_id={account}")
    };
    let good = url("account_credentials", &creds.account_id);
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    let cases = [
        (
            url("client_credentials", &creds.account_id),
            Some(basic(&creds.client_id, &creds.client_secret)),
            400,
            json!({"code": 4705}),
        ),
        (good.clone(), None, 400, json!({"code": 4706})),
        (
            good.clone(),
            Some(basic(&creds.client_id, "")),
            400,
            json!({"code": 4706}),
        ),
        (
            good.clone(),
            Some(basic(&creds.client_id, "wrong")),
            401,
            json!({"error": "invalid_client"}),
        ),
        (
            good.clone(),
            Some("Basic %%%".to_owned()),
            400,
            json!({"error": "invalid_client"}),
        ),
        (
            url("account_credentials", "other"),
            Some(basic(&creds.client_id, &creds.client_secret)),
            400,
            json!({"error": "invalid_request"}),
        ),
    ];
    for (url, auth, status, expected) in cases {
        let mut request = http.post(&url);
        if let Some(auth) = &auth {
            request = request.header("authorization", auth);
        }
        let got = answer(request).await?;
        let (key, value) = expected
            .as_object()
            .and_then(|o| o.iter().next())
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap_or_default();
        ensure!(
            got.status == status && got.body[&key] == value,
            "{url} {auth:?}: {got:?}"
        );
    }
    let wrong_method = answer(http.get(&good)).await?;
    ensure!(wrong_method.status == 405, "{wrong_method:?}");
    ensure!(sim.counters().tokens_minted == 0, "a token was minted");
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn api_calls_without_a_valid_bearer_token_get_401_code_124() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(1, 0, 0)).await?;
    let http = reqwest::Client::new();
    let url = format!("{}/v2/users", sim.base_url());
    for auth in [
        None,
        Some("Bearer"),
        Some("Bearer guessed"),
        Some("Basic abc"),
    ] {
        let mut request = http.get(&url);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let got = answer(request).await?;
        ensure!(got.status == 401 && got.code() == 124, "{auth:?}: {got:?}");
    }
    ensure!(sim.counters().unauthorized == 4, "{:?}", sim.counters());
    sim.shutdown().await;
    Ok(())
}
