//! Every answer the Azure simulator gives is valid against the official OpenAPI
//! descriptions (`shared/api-specs/arm.json` and `graph.json`): each endpoint's 2xx
//! bodies across all their pages, and its error bodies against the `default` response.
//! The first-page requests this walk sends are checked against the descriptions too.

use crate::sim_azure_support;

use anyhow::{Context, Result, bail, ensure};
use plugboard_sim::azure::{ARM_ORIGIN, AzureSimBuilder, GRAPH_ORIGIN};
use plugboard_sim::spec::{SpecValidator, api_specs_dir};
use reqwest::Method;
use serde_json::{Value, json};
use sim_azure_support::{Answer, Client, SUBS_API, activity_path, start};

fn load(name: &str) -> Result<SpecValidator> {
    let path = api_specs_dir().join(name);
    SpecValidator::load(&path).with_context(|| format!("loading {}", path.display()))
}

/// The decoded path and query pairs of a path or full URL.
fn split(url: &str) -> (String, Vec<(String, String)>) {
    let rest = [ARM_ORIGIN, GRAPH_ORIGIN]
        .iter()
        .find_map(|origin| url.strip_prefix(origin))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let pairs = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    (path.to_owned(), pairs)
}

fn decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Checker {
    arm: SpecValidator,
    graph: SpecValidator,
    client: Client,
    checked: usize,
}

impl Checker {
    fn spec(&self, path: &str) -> &SpecValidator {
        if path.starts_with("/v1.0") {
            &self.graph
        } else {
            &self.arm
        }
    }

    fn check(&mut self, method: &str, url: &str, answer: &Answer) -> Result<()> {
        let (path, _) = split(url);
        if let Err(problems) =
            self.spec(&path)
                .validate_response(method, &path, answer.status, &answer.body)
        {
            bail!(
                "{method} {url} ({}) does not conform:\n{}",
                answer.status,
                problems.join("\n")
            );
        }
        self.checked += 1;
        Ok(())
    }

    /// Checks the request, then every page of a list; returns all items.
    async fn list(&mut self, first: &str) -> Result<Vec<Value>> {
        let (path, query) = split(first);
        if let Err(problems) = self
            .spec(&path)
            .validate_request("GET", &path, &query, None)
        {
            bail!("request GET {first} is invalid:\n{}", problems.join("\n"));
        }
        let mut items = Vec::new();
        let mut next = Some(first.to_owned());
        while let Some(url) = next.take() {
            let page = self.client.get(&url).await?;
            ensure!(page.status == 200, "{url}: {page:?}");
            self.check("GET", &url, &page)?;
            items.extend(page.body["value"].as_array().cloned().unwrap_or_default());
            next = page.body["nextLink"]
                .as_str()
                .or_else(|| page.body["@odata.nextLink"].as_str())
                .map(str::to_owned);
        }
        Ok(items)
    }

    /// Checks one answer to `method url` that must have `status`.
    async fn one(
        &mut self,
        method: Method,
        url: &str,
        body: Option<&Value>,
        status: u16,
    ) -> Result<Answer> {
        let answer = if method == Method::GET {
            self.client.get(url).await?
        } else {
            self.client.send(method.clone(), url, body).await?
        };
        ensure!(answer.status == status, "{method} {url}: {answer:?}");
        self.check(method.as_str(), url, &answer)?;
        Ok(answer)
    }
}

fn id(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn every_endpoint_answers_as_the_openapi_descriptions_say() -> Result<()> {
    let sim = start(AzureSimBuilder::new().arm_page_size(150)).await?;
    let client = Client::new(&sim).await?;
    let mut c = Checker {
        arm: load("arm.json")?,
        graph: load("graph.json")?,
        client,
        checked: 0,
    };

    let subs = c
        .list(&format!("/subscriptions?api-version={SUBS_API}"))
        .await?;
    ensure!(subs.len() == 4);
    for sub in &subs {
        let sub_id = id(sub, "subscriptionId");
        c.one(
            Method::GET,
            &format!("/subscriptions/{sub_id}?api-version={SUBS_API}"),
            None,
            200,
        )
        .await?;
        let path = activity_path(
            &sub_id,
            "2020-01-01T00:00:00Z",
            "2099-01-01T00:00:00.0000000Z",
        );
        c.list(&path).await?;
        c.list(&format!(
            "{path}&$select=eventDataId,eventTimestamp,caller,claims"
        ))
        .await?;
    }
    let select =
        "$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,createdDateTime";
    let users = c.list(&format!("/v1.0/users?$top=999&{select}")).await?;
    c.list("/v1.0/users?$top=150").await?;
    let user = id(&users[3], "id");
    c.one(Method::GET, &format!("/v1.0/users/{user}"), None, 200)
        .await?;
    c.one(
        Method::GET,
        &format!("/v1.0/users/{user}?{select}"),
        None,
        200,
    )
    .await?;
    let body = json!({"accountEnabled": false});
    c.one(
        Method::PATCH,
        &format!("/v1.0/users/{user}"),
        Some(&body),
        204,
    )
    .await?;
    c.one(
        Method::POST,
        &format!("/v1.0/users/{user}/revokeSignInSessions"),
        None,
        200,
    )
    .await?;
    let groups = c.list("/v1.0/groups?$top=999").await?;
    for group in &groups {
        let group_id = id(group, "id");
        c.one(Method::GET, &format!("/v1.0/groups/{group_id}"), None, 200)
            .await?;
        c.list(&format!("/v1.0/groups/{group_id}/members?$top=120"))
            .await?;
    }
    let roles = c.list("/v1.0/directoryRoles").await?;
    for role in &roles {
        c.list(&format!("/v1.0/directoryRoles/{}/members", id(role, "id")))
            .await?;
    }
    c.list("/v1.0/auditLogs/signIns?$top=1000&$filter=createdDateTime%20ge%202020-01-01T00:00:00Z")
        .await?;
    c.list("/v1.0/auditLogs/directoryAudits?$top=200").await?;

    // Error bodies conform to each operation's `default` response.
    let errors = [
        "/subscriptions?api-version=1999-01-01".to_owned(),
        activity_path("nope", "2020-01-01", "2020-01-02"),
        format!(
            "/subscriptions/{}/providers/microsoft.insights/eventtypes/management/values?api-version=2015-04-01",
            id(&subs[0], "subscriptionId")
        ),
        "/v1.0/users/nobody".to_owned(),
        "/v1.0/users?$top=5000".to_owned(),
        "/v1.0/groups/nobody/members".to_owned(),
        "/v1.0/auditLogs/signIns?$filter=bogus".to_owned(),
    ];
    for url in errors {
        let answer = c.client.get(&url).await?;
        ensure!(answer.status >= 400, "{url}: {answer:?}");
        c.check("GET", &url, &answer)?;
    }
    ensure!(c.checked > 60, "only {} answers checked", c.checked);
    Ok(())
}
