//! The Zoom simulator never panics and always answers garbage with a Zoom-shaped 4xx.
//!
//! Requests are written as raw bytes, so they can carry what an HTTP client would
//! refuse to send: bad escapes, non-UTF-8 bytes, huge numbers, broken JSON.

use crate::raw_http;
use crate::sim_support;

use anyhow::{Context, Result, ensure};
use plugboard_sim::zoom::ZoomSimBuilder;
use raw_http::raw;
use serde_json::Value;
use sim_support::{Client, start};

/// Request line start, raw `Authorization` value, body.
type RawCase<'a> = (&'a [u8], Option<&'a [u8]>, &'a [u8]);

#[tokio::test]
async fn garbage_requests_get_zoom_shaped_4xx_answers_and_the_sim_keeps_serving() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(20, 2, 2)).await?;
    let client = Client::new(&sim).await?;
    let addr = sim.local_addr().to_string();
    let bearer = format!("Bearer {}", client.token);
    let bearer = Some(bearer.as_bytes());
    let cases: Vec<RawCase<'_>> = vec![
        (b"GET /v2/users?page_size=%ZZ", bearer, b""),
        (
            b"GET /v2/users?page_size=99999999999999999999999999",
            bearer,
            b"",
        ),
        (b"GET /v2/users?page_size=-1&status=%ff%fe", bearer, b""),
        (b"GET /v2/users?status=%00", bearer, b""),
        (b"GET /v2/users?next_page_token=%ff%ff%ff", bearer, b""),
        (b"GET /v2/users?&&&===&&page_size=x", bearer, b""),
        (b"GET /v2/users/%ff%fe%fd", bearer, b""),
        (b"GET /v2/users/%", bearer, b""),
        (b"GET /v2/users/..%2F..%2Fetc%2Fpasswd", bearer, b""),
        (b"GET /v2/groups/%e2%82/members?page_size=1e3", bearer, b""),
        (b"GET /v2/roles/0/members?page_size=0", bearer, b""),
        (b"GET /v2/accounts/%ff/settings?option=%ff", bearer, b""),
        (
            b"GET /v2/report/activities?from=2026-02-30&to=2026-13-01",
            bearer,
            b"",
        ),
        (
            b"GET /v2/report/activities?from=99999-01-01&to=-0001-01-01",
            bearer,
            b"",
        ),
        (
            b"GET /v2/report/operationlogs?from=&to=&category_type=%ff",
            bearer,
            b"",
        ),
        (b"PUT /v2/users/me/status", bearer, b"{\"action\":"),
        (b"PUT /v2/users/me/status", bearer, b"\xff\xfe\xfd"),
        (b"PUT /v2/users/me/status", bearer, b"[1,2,3]"),
        (b"PUT /v2/users/me/status", bearer, b"{\"action\": 7}"),
        (b"POST /v2/users", bearer, b"{}"),
        (b"DELETE /v2/users/me", bearer, b""),
        (b"GET /v2/users", Some(b"Bearer \xff\xfe"), b""),
        (b"GET /v2/users", Some(b"\xff"), b""),
        (b"GET /v2", bearer, b""),
        (b"GET /", None, b""),
        (
            b"POST /oauth/token?grant_type=account_credentials&account_id=%ff",
            Some(b"Basic \xff\xff"),
            b"",
        ),
        (
            b"POST /oauth/token?grant_type=account_credentials",
            Some(b"Basic Og=="),
            b"",
        ),
        (
            b"POST /oauth/token?grant_type=%ff%fe",
            Some(b"Basic !!!!"),
            b"",
        ),
        (
            b"POST /oauth/token?grant_type=account_credentials",
            Some(b"Basic dXNlcjpwYXNz\xff"),
            b"junk",
        ),
    ];
    for (head, auth, body) in cases {
        let shown = String::from_utf8_lossy(head).into_owned();
        let (status, answer) = raw(&addr, head, auth, body)
            .await
            .with_context(|| shown.clone())?;
        ensure!((400..500).contains(&status), "{shown}: status {status}");
        let json: Value = serde_json::from_slice(&answer)
            .with_context(|| format!("{shown}: body {:?}", String::from_utf8_lossy(&answer)))?;
        ensure!(
            json.get("code").is_some_and(Value::is_i64)
                || json.get("error").is_some_and(Value::is_string),
            "{shown}: not a Zoom error body: {json}"
        );
    }
    let still = client.get("/v2/users").await?;
    ensure!(
        still.status == 200,
        "the simulator stopped serving: {still:?}"
    );
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_oversized_body_is_refused_without_reading_it_all() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(3, 0, 0)).await?;
    let client = Client::new(&sim).await?;
    let big = serde_json::json!({"action": "x".repeat(2 * 1024 * 1024)});
    let got = client.put("/v2/users/me/status", &big).await?;
    ensure!(got.status == 413 && got.code() == 300, "{got:?}");
    sim.shutdown().await;
    Ok(())
}
