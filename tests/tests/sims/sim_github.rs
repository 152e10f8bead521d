//! The GitHub simulator on its own: credentials (fine-grained token, app JWT,
//! installation token), `Link` paging and the audit log's cursors, the rate
//! limit headers and throttles, governance, and every answer valid against
//! GitHub's description (`shared/api-specs/github.json`).

use std::time::Duration;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use plugboard_sim::github::{API_ORIGIN, GithubSim, GithubSimBuilder, OrgSettings};
use plugboard_sim::spec::{SpecValidator, api_specs_dir};
use serde_json::{Value, json};

async fn start(builder: GithubSimBuilder) -> GithubSim {
    builder
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn small() -> GithubSimBuilder {
    GithubSimBuilder::new()
        .members(130, 3)
        .outside_collaborators(4)
        .teams(3)
        .audit_events(250, 5)
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    fn next(&self) -> Option<String> {
        let link = self.header("link")?;
        link.split(',').find_map(|part| {
            let (url, rel) = part.split_once(';')?;
            rel.contains("rel=\"next\"").then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
        })
    }
}

struct Client {
    http: reqwest::Client,
    base: String,
    spec: SpecValidator,
    checked: usize,
}

impl Client {
    fn new(sim: &GithubSim) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: sim.base_url(),
            spec: SpecValidator::load(api_specs_dir().join("github.json"))
                .unwrap_or_else(|e| panic!("{e}")),
            checked: 0,
        }
    }

    /// Sends and checks the answer against the description (`path_or_url` a
    /// path or a link under `API_ORIGIN`).
    async fn send(
        &mut self,
        method: reqwest::Method,
        path_or_url: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let path = path_or_url.strip_prefix(API_ORIGIN).unwrap_or(path_or_url);
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("user-agent", "sim-test")
            .header("accept", "application/vnd.github+json");
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        let bare = path.split('?').next().unwrap_or(path);
        match self
            .spec
            .validate_response(method.as_str(), bare, status, &body)
        {
            Ok(()) => self.checked += 1,
            // An error status the description does not list: GitHub's basic-error.
            Err(p) if status >= 400 && p.iter().all(|x| x.contains("not documented")) => {
                for field in ["message", "documentation_url", "status"] {
                    assert!(body[field].is_string(), "{method} {path} {status}: {body}");
                }
            }
            Err(p) => panic!("{method} {path} {status}: {p:?}"),
        }
        for name in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-used",
            "x-ratelimit-reset",
        ] {
            assert!(headers.contains_key(name), "{method} {path}: no {name}");
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str, auth: &str) -> Answer {
        self.send(reqwest::Method::GET, path, Some(auth), None)
            .await
    }

    /// Every item of a list, following `rel="next"`.
    async fn all(&mut self, path: &str, auth: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut next = Some(path.to_owned());
        while let Some(url) = next {
            let page = self.get(&url, auth).await;
            assert_eq!(page.status, 200, "{url}: {}", page.body);
            out.extend(page.body.as_array().cloned().unwrap_or_default());
            next = page.next();
        }
        out
    }
}

fn app_jwt(sim: &GithubSim, iss: &str, ahead: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let key = EncodingKey::from_rsa_pem(sim.credentials().private_key_pem.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    encode(
        &Header::new(Algorithm::RS256),
        &json!({"iat": now - 60, "exp": now + ahead, "iss": iss}),
        &key,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn lists_page_by_link_and_hold_exactly_the_seeded_organization() {
    let sim = start(small()).await;
    let mut c = Client::new(&sim);
    let bearer = format!("Bearer {}", sim.credentials().token);
    let org = sim.org();
    let want = sim.summary();
    let members = c
        .all(&format!("/orgs/{org}/members?per_page=100"), &bearer)
        .await;
    assert_eq!(members.len(), want.members, "two pages of 100");
    let admins = c
        .all(&format!("/orgs/{org}/members?role=admin"), &bearer)
        .await;
    assert_eq!(admins.len(), want.owners);
    let outside = c
        .all(
            &format!("/orgs/{org}/outside_collaborators?per_page=2"),
            &bearer,
        )
        .await;
    assert_eq!(outside.len(), want.outside_collaborators);
    let teams = c
        .all(&format!("/orgs/{org}/teams?per_page=100"), &bearer)
        .await;
    assert_eq!(teams.len(), want.teams);
    let mut memberships = 0;
    for team in &teams {
        let slug = team["slug"].as_str().unwrap_or_default();
        memberships += c
            .all(
                &format!("/orgs/{org}/teams/{slug}/members?per_page=7"),
                &bearer,
            )
            .await
            .len();
    }
    assert_eq!(memberships, want.team_memberships);
    let page1 = c
        .get(&format!("/orgs/{org}/members?per_page=100"), &bearer)
        .await;
    let link = page1.header("link").unwrap_or_default().to_owned();
    assert!(
        link.contains("rel=\"last\"") && link.starts_with(&format!("<{API_ORIGIN}/orgs/")),
        "{link}"
    );
    let org_body = c.get(&format!("/orgs/{org}"), &bearer).await;
    assert_eq!(
        org_body.body["two_factor_requirement_enabled"],
        json!(false)
    );
    assert!(c.checked > 10);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_audit_log_pages_by_cursor_in_either_order_and_filters_by_created() {
    let sim = start(small()).await;
    let mut c = Client::new(&sim);
    let token = format!("token {}", sim.credentials().token);
    let org = sim.org();
    let total = sim.summary().audit_events;
    let asc = c
        .all(
            &format!("/orgs/{org}/audit-log?order=asc&per_page=100"),
            &token,
        )
        .await;
    let desc = c
        .all(&format!("/orgs/{org}/audit-log?per_page=30"), &token)
        .await;
    assert_eq!((asc.len(), desc.len()), (total, total));
    let ids = |v: &[Value]| {
        v.iter()
            .map(|e| e["_document_id"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let mut reversed = ids(&desc);
    reversed.reverse();
    assert_eq!(ids(&asc), reversed, "the same events, each once");
    let first = c
        .get(
            &format!("/orgs/{org}/audit-log?order=asc&per_page=100"),
            &token,
        )
        .await;
    let next = first.next().unwrap_or_default();
    assert!(
        next.contains("&after=") && !next.contains("&page="),
        "{next}"
    );
    let none = c
        .get(
            &format!("/orgs/{org}/audit-log?phrase=created:2001-01-01..2001-01-02"),
            &token,
        )
        .await;
    assert_eq!(none.body, json!([]));
    let bad = c
        .get(
            &format!("/orgs/{org}/audit-log?phrase=created:yesterday"),
            &token,
        )
        .await;
    assert_eq!(bad.status, 422);
    let unlicensed = start(small().audit_log(false)).await;
    let mut u = Client::new(&unlicensed);
    let t = format!("Bearer {}", unlicensed.credentials().token);
    assert_eq!(
        u.get(&format!("/orgs/{}/audit-log", unlicensed.org()), &t)
            .await
            .status,
        404
    );
    unlicensed.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn the_app_jwt_buys_an_installation_token_that_works_as_bearer_or_token() {
    let sim = start(small()).await;
    let mut c = Client::new(&sim);
    let creds = sim.credentials();
    let org = sim.org();
    let post = reqwest::Method::POST;
    let mint_path = format!("/app/installations/{}/access_tokens", creds.installation_id);
    for (what, jwt) in [
        ("client id as iss", app_jwt(&sim, &creds.client_id, 540)),
        ("app id as iss", app_jwt(&sim, &creds.app_id, 540)),
    ] {
        let jwt = format!("Bearer {jwt}");
        assert_eq!(c.get("/app", &jwt).await.status, 200, "{what}");
        assert_eq!(
            c.get(&format!("/orgs/{org}/installation"), &jwt)
                .await
                .status,
            200,
            "{what}"
        );
        let minted = c.send(post.clone(), &mint_path, Some(&jwt), None).await;
        assert_eq!(minted.status, 201, "{what}: {}", minted.body);
        let token = minted.body["token"].as_str().unwrap_or_default().to_owned();
        assert!(token.starts_with("ghs_"));
        for scheme in ["Bearer", "token"] {
            assert_eq!(
                c.get(&format!("/orgs/{org}"), &format!("{scheme} {token}"))
                    .await
                    .status,
                200
            );
        }
        let as_api = c.get(&format!("/orgs/{org}/members"), &jwt).await;
        assert_eq!(as_api.status, 401, "a JWT is not an API credential");
    }
    assert_eq!(sim.counters().tokens_minted, 2);
    let refused = [
        (
            "too long",
            format!("Bearer {}", app_jwt(&sim, &creds.client_id, 1200)),
        ),
        (
            "other issuer",
            format!("Bearer {}", app_jwt(&sim, "Iv23other", 540)),
        ),
        (
            "token scheme",
            format!("token {}", app_jwt(&sim, &creds.client_id, 540)),
        ),
        ("a fine-grained token", format!("Bearer {}", creds.token)),
    ];
    for (what, auth) in refused {
        let a = c.send(post.clone(), &mint_path, Some(&auth), None).await;
        assert_eq!(a.status, 401, "{what}");
    }
    let jwt = format!("Bearer {}", app_jwt(&sim, &creds.client_id, 540));
    assert_eq!(
        c.send(
            post.clone(),
            "/app/installations/1/access_tokens",
            Some(&jwt),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(sim.counters().tokens_minted, 2);
    assert_eq!(
        c.get(&format!("/orgs/{org}"), "Bearer wrong").await.status,
        401
    );
    let no_agent = reqwest::Client::new()
        .get(format!("{}/orgs/{org}", sim.base_url()))
        .header("authorization", format!("Bearer {}", creds.token))
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert_eq!(no_agent.ok(), Some(403), "a User-Agent is required");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_spent_primary_window_answers_403_with_remaining_0_and_a_secondary_limit_retry_after() {
    let sim = start(small().rate_limit(3, Duration::from_secs(3600))).await;
    let mut c = Client::new(&sim);
    let auth = format!("Bearer {}", sim.credentials().token);
    let org = sim.org();
    let path = format!("/orgs/{org}/teams");
    for left in ["2", "1", "0"] {
        let a = c.get(&path, &auth).await;
        assert_eq!(
            (a.status, a.header("x-ratelimit-remaining")),
            (200, Some(left))
        );
    }
    let spent = c.get(&path, &auth).await;
    assert_eq!(
        (spent.status, spent.header("x-ratelimit-remaining")),
        (403, Some("0"))
    );
    assert!(
        spent.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("rate limit")
    );
    let reset: u64 = spent
        .header("x-ratelimit-reset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    assert!(reset > now && reset <= now + 3600, "{reset} vs {now}");
    assert_eq!(sim.counters().rate_limited, 1);

    let other = start(small().throttle_status(429)).await;
    let mut o = Client::new(&other);
    let auth = format!("Bearer {}", other.credentials().token);
    other.faults().throttle_next(1);
    let secondary = o.get(&format!("/orgs/{}", other.org()), &auth).await;
    assert_eq!(
        (secondary.status, secondary.header("retry-after")),
        (429, Some("1"))
    );
    assert_ne!(secondary.header("x-ratelimit-remaining"), Some("0"));
    other.exhaust_primary();
    let primary = o.get(&format!("/orgs/{}", other.org()), &auth).await;
    assert_eq!(
        (primary.status, primary.header("x-ratelimit-remaining")),
        (429, Some("0"))
    );
    let c = other.counters();
    assert_eq!((c.secondary_limited, c.rate_limited), (1, 1));
    other.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn removing_and_converting_members_change_the_organization() {
    let sim = start(small().members(10, 1).settings(OrgSettings::default())).await;
    let mut c = Client::new(&sim);
    let auth = format!("Bearer {}", sim.credentials().token);
    let org = sim.org();
    let before = sim.summary();
    let put = reqwest::Method::PUT;
    let delete = reqwest::Method::DELETE;
    let members: Vec<String> = c
        .all(&format!("/orgs/{org}/members?role=member"), &auth)
        .await
        .iter()
        .filter_map(|u| u["login"].as_str().map(str::to_owned))
        .collect();
    let (a, b) = (members[0].clone(), members[1].clone());
    let removed = c
        .send(
            delete.clone(),
            &format!("/orgs/{org}/members/{a}"),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(sim.role_of(&a), None);
    let again = c
        .send(
            delete.clone(),
            &format!("/orgs/{org}/members/{a}"),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(again.status, 403, "no longer a member");
    let converted = c
        .send(
            put.clone(),
            &format!("/orgs/{org}/outside_collaborators/{b}"),
            Some(&auth),
            Some(json!({"async": true})),
        )
        .await;
    assert_eq!((converted.status, converted.body.clone()), (202, json!({})));
    assert_eq!(sim.role_of(&b), Some("outside"));
    let after = sim.summary();
    assert_eq!(after.members, before.members - 2);
    assert_eq!(
        after.outside_collaborators,
        before.outside_collaborators + 1
    );
    let owner = sim.owners()[0].clone();
    let last = c
        .send(
            put.clone(),
            &format!("/orgs/{org}/outside_collaborators/{owner}"),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(last.status, 403, "the last owner stays");
    let nobody = c
        .send(
            put,
            &format!("/orgs/{org}/outside_collaborators/nobody"),
            Some(&auth),
            None,
        )
        .await;
    assert_eq!(nobody.status, 404);
    sim.shutdown().await;
}
