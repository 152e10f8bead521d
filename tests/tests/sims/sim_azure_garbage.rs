//! The Azure simulator never panics and answers garbage with an Azure-shaped 4xx.
//!
//! Requests are written as raw bytes, so they can carry what an HTTP client would
//! refuse to send: bad escapes, non-UTF-8 bytes, huge numbers, broken JSON.

use crate::raw_http;
use crate::sim_azure_support;

use anyhow::{Context, Result, ensure};
use plugboard_sim::azure::AzureSimBuilder;
use raw_http::raw;
use serde_json::Value;
use sim_azure_support::{Client, SUBS_API, start};

/// One raw request: head (`METHOD target`), `Authorization` value, body.
type RawCase<'a> = (Vec<u8>, Option<&'a [u8]>, &'a [u8]);

#[tokio::test]
async fn garbage_requests_get_azure_shaped_4xx_answers_and_the_sim_keeps_serving() -> Result<()> {
    let sim = start(AzureSimBuilder::new().users(20).activity_events(40)).await?;
    let client = Client::new(&sim).await?;
    let addr = sim.base_url().trim_start_matches("http://").to_owned();
    let arm = format!("Bearer {}", client.arm);
    let graph = format!("Bearer {}", client.graph);
    let (arm, graph) = (Some(arm.as_bytes()), Some(graph.as_bytes()));
    let tenant = sim.credentials().tenant_id;
    let token_path = format!("POST /{tenant}/oauth2/v2.0/token");
    let sub = sim_sub(&client).await?;
    let activity = format!(
        "GET /subscriptions/{sub}/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01"
    );
    let cases: Vec<RawCase<'_>> = vec![
        (format!("{activity}&$filter=%ff%fe").into_bytes(), arm, b""),
        (format!("{activity}&$filter=eventTimestamp%20ge%20%27%27%20and%20eventTimestamp%20le%20%27%27").into_bytes(), arm, b""),
        (format!("{activity}&$filter=eventTimestamp%20ge%20%2799999-01-01%27%20and%20eventTimestamp%20le%20%27-1%27").into_bytes(), arm, b""),
        (format!("{activity}&$filter=eventTimestamp%20ge%20%272026-02-30T00:00:00Z%27%20and%20eventTimestamp%20le%20%272026-01-01%27").into_bytes(), arm, b""),
        (format!("{activity}&$filter=eventTimestamp%20ge%20%272020-01-01%27%20and%20eventTimestamp%20le%20%272099-01-01%27&$skipToken=%ff%ff").into_bytes(), arm, b""),
        (format!("{activity}&$filter=%27%27%27%20and%20and").into_bytes(), arm, b""),
        (b"GET /subscriptions/%ff%fe/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01&$filter=x".to_vec(), arm, b""),
        (format!("GET /subscriptions?api-version={SUBS_API}&$skiptoken=!!!").into_bytes(), arm, b""),
        (b"GET /subscriptions?api-version=%00".to_vec(), arm, b""),
        (b"GET /subscriptions/..%2F..%2Fetc%2Fpasswd?api-version=2022-12-01".to_vec(), arm, b""),
        (b"GET //subscriptions".to_vec(), arm, b""),
        (b"DELETE /subscriptions?api-version=2022-12-01".to_vec(), arm, b""),
        (b"GET /subscriptions?api-version=2022-12-01".to_vec(), Some(b"Bearer \xff\xfe"), b""),
        (b"GET /subscriptions?api-version=2022-12-01".to_vec(), Some(b"\xff"), b""),
        (b"GET /subscriptions?api-version=2022-12-01".to_vec(), Some(b"Bearer"), b""),
        (b"GET /v1.0/users?$top=99999999999999999999999999".to_vec(), graph, b""),
        (b"GET /v1.0/users?$top=-1".to_vec(), graph, b""),
        (b"GET /v1.0/users?$top=1e3".to_vec(), graph, b""),
        (b"GET /v1.0/users?$skiptoken=%ff%fe".to_vec(), graph, b""),
        (b"GET /v1.0/users?$filter=accountEnabled%20eq%20false".to_vec(), graph, b""),
        (b"GET /v1.0/users/%ff%fe%fd".to_vec(), graph, b""),
        (b"GET /v1.0/users/%".to_vec(), graph, b""),
        (b"GET /v1.0/groups/%e2%82/members?$top=0".to_vec(), graph, b""),
        (b"GET /v1.0/directoryRoles/0/members".to_vec(), graph, b""),
        (b"GET /v1.0/auditLogs/signIns?$filter=createdDateTime%20ge".to_vec(), graph, b""),
        (b"GET /v1.0/auditLogs/signIns?$filter=createdDateTime%20ge%20%ff".to_vec(), graph, b""),
        (b"GET /v1.0/auditLogs/directoryAudits?$top=1001".to_vec(), graph, b""),
        (b"GET /v1.0/auditLogs/directoryAudits?$skiptoken=c2ltMTp4".to_vec(), graph, b""),
        (b"PATCH /v1.0/users/nobody".to_vec(), graph, b"{}"),
        (b"POST /v1.0/users".to_vec(), graph, b"{}"),
        (b"GET /v1.0/applications".to_vec(), graph, b""),
        (b"GET /v1.0".to_vec(), graph, b""),
        (b"GET /".to_vec(), None, b""),
        (token_path.clone().into_bytes(), None, b"\xff\xfe\xfd"),
        (token_path.clone().into_bytes(), None, b"{\"client_id\": 1}"),
        (token_path.clone().into_bytes(), None, b"grant_type=client_credentials&client_id=%ff&client_secret=%&scope=%%%"),
        (token_path.clone().into_bytes(), None, b"&&&===&&"),
        (b"POST /%ff%fe/oauth2/v2.0/token".to_vec(), None, b"grant_type=client_credentials"),
        (format!("GET /{tenant}/oauth2/v2.0/token").into_bytes(), None, b""),
    ];
    for (head, auth, body) in cases {
        let shown = String::from_utf8_lossy(&head).into_owned();
        let (status, answer) = raw(&addr, &head, auth, body)
            .await
            .with_context(|| shown.clone())?;
        ensure!((400..500).contains(&status), "{shown}: status {status}");
        let json: Value = serde_json::from_slice(&answer)
            .with_context(|| format!("{shown}: body {:?}", String::from_utf8_lossy(&answer)))?;
        ensure!(
            json["error"]["code"].is_string() || json["error"].is_string(),
            "{shown}: not an Azure error body: {json}"
        );
    }
    // Bodies that are not JSON still reach the handlers and get Graph's 400.
    let user = client.get("/v1.0/users?$top=1").await?;
    let id = user.body["value"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for body in [
        &b"{\"accountEnabled\":"[..],
        b"\xff\xfe",
        b"[1,2,3]",
        b"{\"accountEnabled\": 7}",
    ] {
        let head = format!("PATCH /v1.0/users/{id}").into_bytes();
        let (status, answer) = raw(&addr, &head, graph, body).await?;
        let json: Value = serde_json::from_slice(&answer)?;
        ensure!(
            status == 400 && json["error"]["code"] == "BadRequest",
            "{json}"
        );
    }
    let still = client
        .get(&format!("/subscriptions?api-version={SUBS_API}"))
        .await?;
    ensure!(
        still.status == 200,
        "the simulator stopped serving: {still:?}"
    );
    ensure!(client.get("/v1.0/users").await?.status == 200);
    sim.shutdown().await;
    Ok(())
}

async fn sim_sub(client: &Client) -> Result<String> {
    let subs = client
        .get(&format!("/subscriptions?api-version={SUBS_API}"))
        .await?;
    Ok(subs.body["value"][0]["subscriptionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

#[tokio::test]
async fn an_oversized_body_is_refused_without_reading_it_all() -> Result<()> {
    let sim = start(AzureSimBuilder::new().users(3)).await?;
    let client = Client::new(&sim).await?;
    let big = serde_json::json!({"accountEnabled": "x".repeat(2 * 1024 * 1024)});
    let got = client
        .send(reqwest::Method::PATCH, "/v1.0/users/nobody", Some(&big))
        .await?;
    ensure!(
        got.status == 413 && got.code() == "RequestEntityTooLarge",
        "{got:?}"
    );
    let tenant = sim.credentials().tenant_id;
    let token = reqwest::Client::new()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sim.base_url()))
        .body("x".repeat(2 * 1024 * 1024))
        .send()
        .await?;
    ensure!(token.status() == 413);
    Ok(())
}
