//! Every answer the Zoom simulator gives to a valid request is valid against the
//! official OpenAPI description (`shared/api-specs/zoom.json`), and every request this
//! walk sends is valid against it too.

use crate::sim_support;

use anyhow::{Context, Result, ensure};
use plugboard_sim::spec::{SpecValidator, api_specs_dir};
use plugboard_sim::zoom::{Plan, ZoomSimBuilder};
use serde_json::{Value, json};
use sim_support::{Answer, Client, day, start};

fn spec() -> Result<SpecValidator> {
    let path = api_specs_dir().join("zoom.json");
    SpecValidator::load(&path).with_context(|| format!("loading {}", path.display()))
}

/// Checks one answer against the operation for `path` and returns it.
fn conforms(spec: &SpecValidator, method: &str, path: &str, answer: Answer) -> Result<Answer> {
    ensure!(answer.status / 100 == 2, "{method} {path}: {answer:?}");
    let template = path.split('?').next().unwrap_or_default();
    if let Err(problems) = spec.validate_response(method, template, answer.status, &answer.body) {
        anyhow::bail!("{method} {path} does not conform:\n{}", problems.join("\n"));
    }
    Ok(answer)
}

fn first_id(answer: &Answer, key: &str) -> String {
    answer.body[key][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn token(answer: &Answer) -> String {
    answer.body["next_page_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn every_endpoint_answers_as_the_openapi_description_says() -> Result<()> {
    let spec = spec()?;
    let sim = start(ZoomSimBuilder::new().plan(Plan::Business)).await?;
    let client = Client::new(&sim).await?;
    let get = |path: String| {
        let client = client.clone();
        async move { client.get(&path).await }
    };
    let mut checked = 0;

    for status in ["active", "inactive", "pending"] {
        let path = format!("/v2/users?status={status}&page_size=100");
        let page = conforms(&spec, "GET", &path, get(path.clone()).await?)?;
        let next = format!(
            "/v2/users?status={status}&page_size=100&next_page_token={}",
            token(&page)
        );
        conforms(&spec, "GET", &next, get(next.clone()).await?)?;
        let user = format!("/v2/users/{}", first_id(&page, "users"));
        conforms(&spec, "GET", &user, get(user.clone()).await?)?;
        checked += 3;
    }
    conforms(
        &spec,
        "GET",
        "/v2/users/me",
        get("/v2/users/me".into()).await?,
    )?;
    // User 10 is a Member (1 is the Owner, 2-6 are Admins).
    let users = get("/v2/users?page_size=10".into()).await?;
    let member = users.body["users"][9]["id"].as_str().unwrap_or_default();
    let target = format!("/v2/users/{member}/status");
    for action in ["deactivate", "activate"] {
        let answer = client.put(&target, &json!({"action": action})).await?;
        conforms(&spec, "PUT", &target, answer)?;
    }

    let groups = conforms(&spec, "GET", "/v2/groups", get("/v2/groups".into()).await?)?;
    let members = format!(
        "/v2/groups/{}/members?page_size=5",
        first_id(&groups, "groups")
    );
    let page = conforms(&spec, "GET", &members, get(members.clone()).await?)?;
    let next = format!("{members}&next_page_token={}", token(&page));
    conforms(&spec, "GET", &next, get(next.clone()).await?)?;

    let roles = conforms(&spec, "GET", "/v2/roles", get("/v2/roles".into()).await?)?;
    for role in roles.body["roles"].as_array().cloned().unwrap_or_default() {
        let path = format!(
            "/v2/roles/{}/members?page_size=300",
            role["id"].as_str().unwrap_or_default()
        );
        let page = conforms(&spec, "GET", &path, get(path.clone()).await?)?;
        if !token(&page).is_empty() {
            let next = format!("{path}&next_page_token={}", token(&page));
            conforms(&spec, "GET", &next, get(next.clone()).await?)?;
        }
        checked += 1;
    }

    let account = sim.credentials().account_id;
    for option in [
        "",
        "?option=security",
        "?option=meeting_security",
        "?option=meeting_authentication",
        "?option=recording_authentication",
    ] {
        for id in ["me", account.as_str()] {
            let path = format!("/v2/accounts/{id}/settings{option}");
            conforms(&spec, "GET", &path, get(path.clone()).await?)?;
            checked += 1;
        }
    }

    let range = format!("from={}&to={}", day(-10), day(0));
    for (report, extra) in [("activities", ""), ("operationlogs", "&category_type=all")] {
        let path = format!("/v2/report/{report}?{range}&page_size=50{extra}");
        let page = conforms(&spec, "GET", &path, get(path.clone()).await?)?;
        ensure!(!token(&page).is_empty(), "{report}: expected a second page");
        let next = format!("{path}&next_page_token={}", token(&page));
        conforms(&spec, "GET", &next, get(next.clone()).await?)?;
        checked += 2;
    }
    ensure!(checked >= 25, "walked only {checked} answers");

    // The walk's own requests are valid against the operations' parameters.
    let log = sim.request_log();
    ensure!(log.len() > 30, "{} requests logged", log.len());
    for request in log {
        if let Err(problems) = spec.validate_request(
            &request.method,
            &request.path,
            &request.query,
            request.body.as_ref(),
        ) {
            anyhow::bail!("{request:?} does not conform:\n{}", problems.join("\n"));
        }
    }
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn nonconforming_requests_and_bodies_are_reported() -> Result<()> {
    let spec = spec()?;
    let pairs = |raw: &[(&str, &str)]| -> Vec<(String, String)> {
        raw.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    let bad_requests = [
        ("GET", "/v2/users", pairs(&[("page_size", "301")]), None),
        ("GET", "/v2/users", pairs(&[("status", "deleted")]), None),
        ("GET", "/v2/users", pairs(&[("limit", "10")]), None),
        (
            "GET",
            "/v2/report/operationlogs",
            pairs(&[("from", "2026-01-01")]),
            None,
        ),
        (
            "GET",
            "/v2/accounts/me/settings",
            pairs(&[("option", "everything")]),
            None,
        ),
        (
            "PUT",
            "/v2/users/abc/status",
            vec![],
            Some(json!({"action": "suspend"})),
        ),
        ("DELETE", "/v2/users/abc", vec![], None),
        ("GET", "/v2/meetings", vec![], None),
    ];
    for (method, path, query, body) in bad_requests {
        let result = spec.validate_request(method, path, &query, body.as_ref());
        ensure!(
            result.is_err(),
            "{method} {path} {query:?} {body:?} was accepted"
        );
    }
    let not_a_user_list = json!({"users": [{"email": "a@example.com", "type": 7}]});
    ensure!(
        spec.validate_response("GET", "/v2/users", 200, &not_a_user_list)
            .is_err(),
        "type 7 accepted"
    );
    let bad_time = json!({"activity_logs": [{"time": "yesterday"}]});
    ensure!(
        spec.validate_response("GET", "/v2/report/activities", 200, &bad_time)
            .is_err(),
        "bad time accepted"
    );
    let wrong_posture = json!({"security": {"sign_in_with_two_factor_auth": true}});
    ensure!(
        spec.validate_response("GET", "/v2/accounts/me/settings", 200, &wrong_posture)
            .is_err(),
        "boolean MFA accepted"
    );
    ensure!(
        spec.validate_response("GET", "/v2/accounts/me/settings", 200, &Value::Null)
            .is_err(),
        "null settings accepted"
    );
    Ok(())
}
