//! Every brokered auth kind end to end: the hostile fixture, under its manifest
//! with one more `[[auth]]` profile appended, GETs a URL (mode `private-ip`: config
//! `target_url`) routed to the authorization-server simulator, which answers `200`
//! only to the right presented credential and checks each token request as a real
//! server does (Basic vs form, the client assertion's and grant assertion's signature
//! and claims, the GitHub App JWT). The simulator records every request, so each test
//! also checks where a credential did *not* go: an API key outside its audience, a
//! private key anywhere.

use crate::e2e_support;

use e2e_support::{InstanceSpec, TestHost, hostile_manifest, hostile_wasm};
use plugboard_core::Blame;
use plugboard_host::runtime::{InstanceContext, LoadedPlugin};
use plugboard_sim::authserver::{
    AuthServer, AuthServerConfig, ClientAuthCheck, GithubAppCheck, JwtBearerCheck, KeyAlg,
    Presented, TestKey,
};
use std::sync::Arc;

/// The API origin every profile's audience is under (routed to the simulator).
const API: &str = "https://svc.test";
/// The token endpoint as the manifest names it (and a JWT's `aud` must say).
const TOKEN_URL: &str = "https://svc.test/oauth/token";
/// The client id the simulator knows.
const CLIENT_ID: &str = "client-7";

/// The hostile fixture's manifest plus secrets `cred` and `key`, settings
/// `issuer`, `installation_id`, egress to [`API`] and the profile `auth` (its
/// keys after `name` and `audience`).
fn manifest(auth: &str) -> String {
    hostile_manifest()
        + "\n[[secret]]\nname = \"cred\"\ndescription = \"the profile's secret\"\nrequired = false\n\
           \n[[secret]]\nname = \"key\"\ndescription = \"the profile's private key (PEM)\"\nrequired = false\n\
           \n[[config]]\nname = \"installation_id\"\ndescription = \"GitHub App installation\"\nrequired = false\n\
           \n[[egress]]\nurl = \"https://svc.test/\"\nmethods = [\"GET\"]\n\
           \n[[auth]]\nname = \"svc\"\naudience = [\"https://svc.test/api/\"]\n"
        + auth
        + "\n"
}

/// A host with the fixture under `manifest(auth)`.
async fn host(auth: &str) -> TestHost {
    TestHost::with_plugin(&manifest(auth), hostile_wasm()).await
}

/// An instance `name` whose `private-ip` GET goes to `target`, [`API`] routed to `sim`.
fn spec(name: &str, target: &str, sim: &AuthServer) -> InstanceSpec {
    InstanceSpec::new(name, "hostile")
        .config("target_url", target)
        .config("streams", "private-ip")
        .upstream(API, &sim.base_url())
}

/// One `private-ip` sync of instance `name`.
async fn fetch(host: &TestHost, name: &str) -> Result<usize, (Blame, String)> {
    let (plugin, ctx): (LoadedPlugin, Arc<InstanceContext>) = host.open(name).await;
    plugin
        .sync(&ctx, "private-ip", None)
        .await
        .map(|p| p.records.len())
        .map_err(|e| (e.blame(), e.to_string()))
}

/// One `private-ip` sync of instance `name`, which must fail: its blame and text.
async fn fails(host: &TestHost, name: &str) -> (Blame, String) {
    match fetch(host, name).await {
        Ok(n) => panic!("{name}: the request succeeded ({n} records)"),
        Err(e) => e,
    }
}

/// `text` holds `what`.
fn assert_contains(text: &str, what: &str) {
    assert!(text.contains(what), "{what:?} not in: {text}");
}

fn key(alg: KeyAlg) -> TestKey {
    TestKey::generate(alg).unwrap_or_else(|e| panic!("{e}"))
}

async fn start(config: AuthServerConfig) -> AuthServer {
    AuthServer::start(config)
        .await
        .unwrap_or_else(|e| panic!("auth server: {e}"))
}

/// No request the simulator saw carried any part of `key`'s private half.
fn assert_key_never_sent(sim: &AuthServer, key: &TestKey) {
    let b64 = key.private_base64();
    let pieces = [&b64[64..128], &b64[b64.len() / 2..b64.len() / 2 + 64]];
    for seen in sim.seen() {
        for piece in pieces {
            assert!(
                !seen.carries(piece),
                "{} {} carried the private key",
                seen.method,
                seen.path
            );
        }
    }
}

// ---- static API key ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_goes_in_its_header_only_to_its_audience_and_a_scan_completes() {
    const SECRET: &str = "sk-live-4f1e9a77c2";
    let host = host("kind = \"api_key\"\nkey = \"secret:cred\"\nheader = \"X-Api-Key\"").await;
    let mut config = AuthServerConfig::new(TOKEN_URL, CLIENT_ID, ClientAuthCheck::Post("-".into()));
    config.api_key = Some(SECRET.into());
    config.presented = Presented::Header {
        name: "x-api-key".into(),
        scheme: String::new(),
    };
    let sim = start(config).await;
    host.add_instance(&spec("in", "https://svc.test/api/users", &sim).secret("cred", SECRET));
    let report = host.scan("in").await;
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    assert_eq!(sim.counts().api_ok, 1, "{:?}", sim.seen());
    assert_eq!(
        sim.counts().tokens_issued,
        0,
        "an API key needs no token request"
    );

    // Outside the audience, on the same origin and the same grant: no key.
    host.add_instance(&spec("out", "https://svc.test/public/users", &sim).secret("cred", SECRET));
    assert_eq!(fetch(&host, "out").await, Ok(1));
    let outside: Vec<_> = sim
        .seen()
        .into_iter()
        .filter(|s| !s.path.starts_with("/api/"))
        .collect();
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert!(outside.iter().all(|s| !s.carries(SECRET)), "{outside:?}");

    // A wrong key is the upstream's 401, handed to the plugin; nothing shows the key.
    host.add_instance(
        &spec("wrong", "https://svc.test/api/users", &sim).secret("cred", "sk-wrong-0000"),
    );
    let (_, err) = fails(&host, "wrong").await;
    assert_contains(&err, "HTTP 401");
    assert!(!err.contains("sk-wrong"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_in_the_query_is_on_the_wire_only_and_no_message_shows_it() {
    const SECRET: &str = "qk-8c3b1d0e55";
    let host = host("kind = \"api_key\"\nkey = \"secret:cred\"\nquery = \"api_key\"").await;
    let mut config = AuthServerConfig::new(TOKEN_URL, CLIENT_ID, ClientAuthCheck::Post("-".into()));
    config.api_key = Some(SECRET.into());
    config.presented = Presented::Query("api_key".into());
    let sim = start(config).await;
    host.add_instance(&spec("q", "https://svc.test/api/users?page=2", &sim).secret("cred", SECRET));
    assert_eq!(fetch(&host, "q").await, Ok(1));
    let seen = sim.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].query, format!("page=2&api_key={SECRET}"));

    // The plugin may not put the parameter there itself.
    host.add_instance(
        &spec("own", "https://svc.test/api/users?api_key=mine", &sim).secret("cred", SECRET),
    );
    let (blame, err) = fails(&host, "own").await;
    assert_contains(&err, "query parameter `api_key`");
    assert_eq!(blame, Blame::Plugin, "{err}");
    assert_eq!(sim.seen().len(), 1, "the refused request went out");
}

// ---- client secrets ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_basic_and_post_each_mint_only_where_the_server_expects_them() {
    const SECRET: &str = "cs-2b7f0c91";
    for (client_auth, server, accepted) in [
        (
            "client_secret_basic",
            ClientAuthCheck::Basic(SECRET.into()),
            true,
        ),
        (
            "client_secret_post",
            ClientAuthCheck::Post(SECRET.into()),
            true,
        ),
        (
            "client_secret_basic",
            ClientAuthCheck::Post(SECRET.into()),
            false,
        ),
        (
            "client_secret_post",
            ClientAuthCheck::Basic(SECRET.into()),
            false,
        ),
    ] {
        let host = host(&format!(
            "token_url = \"{TOKEN_URL}\"\ngrant_type = \"client_credentials\"\n\
             client_auth = \"{client_auth}\"\nclient_id = \"{CLIENT_ID}\"\nclient_secret = \"secret:cred\""
        ))
        .await;
        let sim = start(AuthServerConfig::new(TOKEN_URL, CLIENT_ID, server.clone())).await;
        host.add_instance(&spec("c", "https://svc.test/api/users", &sim).secret("cred", SECRET));
        let got = fetch(&host, "c").await;
        let case = format!("{client_auth} against {server:?}");
        if accepted {
            assert_eq!(got, Ok(1), "{case}");
            assert_eq!(sim.counts().api_ok, 1, "{case}");
        } else {
            let Err((blame, err)) = got else {
                panic!("{case}: minted");
            };
            assert_eq!(blame, Blame::Operator, "{case}: {err}");
            assert_contains(&err, "auth profile `svc`");
            assert!(!err.contains(SECRET), "{case}: {err}");
            assert_eq!(sim.counts().api_ok + sim.counts().api_refused, 0, "{case}");
        }
    }
}

// ---- private_key_jwt ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_key_jwt_signs_a_fresh_assertion_per_mint_and_never_sends_the_key() {
    for (alg, name) in [(KeyAlg::Rs256, "RS256"), (KeyAlg::Es256, "ES256")] {
        let registered = key(alg);
        let host = host(&format!(
            "token_url = \"{TOKEN_URL}\"\ngrant_type = \"client_credentials\"\n\
             client_auth = \"private_key_jwt\"\nclient_id = \"{CLIENT_ID}\"\n\
             private_key = \"secret:key\"\nalg = \"{name}\"\nparams = {{ scope = \"read\" }}"
        ))
        .await;
        let sim = start(AuthServerConfig::new(
            TOKEN_URL,
            CLIENT_ID,
            ClientAuthCheck::PrivateKeyJwt(registered.clone()),
        ))
        .await;
        host.add_instance(
            &spec("j", "https://svc.test/api/users", &sim).secret("key", registered.private_pem()),
        );
        let (plugin, ctx) = host.open("j").await;
        for round in 0..2 {
            let page = plugin.sync(&ctx, "private-ip", None).await;
            assert!(
                page.is_ok(),
                "{name} round {round}: {page:?} {:?}",
                sim.last_refusal()
            );
            // The server forgets the token: the host mints again, with a new
            // assertion (the server refuses a `jti` it has seen).
            sim.revoke_all();
        }
        assert_eq!(
            sim.counts().tokens_issued,
            2,
            "{name}: {:?}",
            sim.last_refusal()
        );
        assert_eq!(
            sim.counts().token_refusals,
            0,
            "{name}: {:?}",
            sim.last_refusal()
        );
        assert_key_never_sent(&sim, &registered);

        // Another key than the one registered: refused, the operator's to fix.
        let other = key(alg);
        host.add_instance(
            &spec("k", "https://svc.test/api/users", &sim).secret("key", other.private_pem()),
        );
        let (blame, err) = fails(&host, "k").await;
        assert_eq!(blame, Blame::Operator, "{name}: {err}");
        assert_contains(&err, "auth profile `svc`");
        assert_key_never_sent(&sim, &other);
    }
}

// ---- JWT-bearer grant ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_bearer_grant_mints_for_a_scan_with_its_scope_and_subject() {
    const ACCOUNT: &str = "reader@proj.iam.gserviceaccount.test";
    const SCOPE: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";
    let account_key = key(KeyAlg::Rs256);
    let host = host(&format!(
        "kind = \"jwt_bearer\"\ntoken_url = \"{TOKEN_URL}\"\nissuer = \"{ACCOUNT}\"\n\
         private_key = \"secret:key\"\nscope = \"{SCOPE}\"\nsubject = \"admin@example.test\""
    ))
    .await;
    let mut config = AuthServerConfig::new(TOKEN_URL, CLIENT_ID, ClientAuthCheck::Post("-".into()));
    config.jwt_bearer = Some(JwtBearerCheck {
        issuer: ACCOUNT.into(),
        key: account_key.clone(),
        scope: SCOPE.into(),
        subject: Some("admin@example.test".into()),
    });
    let sim = start(config).await;
    host.add_instance(
        &spec("g", "https://svc.test/api/users", &sim).secret("key", account_key.private_pem()),
    );
    let report = host.scan("g").await;
    assert!(
        report.first_failure().is_none(),
        "{:?} {:?}",
        report.first_failure(),
        sim.last_refusal()
    );
    assert_eq!(report.token_mints, 1);
    assert_eq!(sim.counts().api_ok, 1);
    let grant = sim
        .seen()
        .into_iter()
        .find(|s| s.path == "/oauth/token")
        .unwrap_or_else(|| panic!("no token request"));
    assert_contains(
        &grant.body,
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=",
    );
    assert!(
        grant.headers.iter().all(|(k, _)| k != "authorization"),
        "{grant:?}"
    );
    assert_key_never_sent(&sim, &account_key);
}

// ---- GitHub App ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_github_app_mints_an_installation_token_presented_as_token() {
    let app_key = key(KeyAlg::Rs256);
    let host = host(
        "kind = \"github_app\"\n\
         token_url = \"https://svc.test/app/installations/{config:installation_id}/access_tokens\"\n\
         app_id = \"123456\"\nprivate_key = \"secret:key\"\nscheme = \"token\"",
    )
    .await;
    let mut config = AuthServerConfig::new(TOKEN_URL, CLIENT_ID, ClientAuthCheck::Post("-".into()));
    config.github_app = Some(GithubAppCheck {
        app_id: "123456".into(),
        installation_id: "4242".into(),
        key: app_key.clone(),
    });
    config.presented = Presented::Header {
        name: "authorization".into(),
        scheme: "token".into(),
    };
    let sim = start(config).await;
    // GitHub hands out app keys as PKCS#1 PEM.
    let pkcs1 = app_key
        .private_pkcs1_pem()
        .unwrap_or_else(|| panic!("an RSA key"));
    host.add_instance(
        &spec("gh", "https://svc.test/api/orgs/acme", &sim)
            .config("installation_id", "4242")
            .secret("key", pkcs1),
    );
    assert_eq!(fetch(&host, "gh").await, Ok(1), "{:?}", sim.last_refusal());
    let seen = sim.seen();
    let mint = seen
        .iter()
        .find(|s| s.path == "/app/installations/4242/access_tokens")
        .unwrap_or_else(|| panic!("no token request: {seen:?}"));
    assert_eq!(mint.status, 201);
    let header = |s: &plugboard_sim::authserver::Seen, name: &str| {
        s.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert!(
        header(mint, "authorization").starts_with("Bearer ey"),
        "{mint:?}"
    );
    assert!(!header(mint, "user-agent").is_empty());
    assert_eq!(header(mint, "accept"), "application/vnd.github+json");
    let api = seen
        .iter()
        .find(|s| s.path == "/api/orgs/acme")
        .unwrap_or_else(|| panic!("no API request: {seen:?}"));
    assert!(
        header(api, "authorization").starts_with("token ghs_"),
        "{api:?}"
    );
    // The simulator's answer is GitHub's documented one.
    let spec_doc = plugboard_sim::spec::SpecValidator::load(
        plugboard_sim::spec::api_specs_dir().join("github.json"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    spec_doc
        .validate_response(
            "POST",
            "/app/installations/4242/access_tokens",
            201,
            &mint.answer,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_key_never_sent(&sim, &app_key);

    // An installation the app does not have: 404, the operator's setting.
    host.add_instance(
        &spec("gone", "https://svc.test/api/orgs/acme", &sim)
            .config("installation_id", "9")
            .secret("key", pkcs1),
    );
    let (blame, err) = fails(&host, "gone").await;
    assert_eq!(blame, Blame::Operator, "{err}");
    assert_contains(&err, "auth profile `svc`");
    assert_contains(&err, "HTTP 404");
    let refused = sim
        .seen()
        .into_iter()
        .rfind(|s| s.path.ends_with("/access_tokens"));
    let refused = refused.unwrap_or_else(|| panic!("no second token request"));
    spec_doc
        .validate_response("POST", &refused.path, 404, &refused.answer)
        .unwrap_or_else(|e| panic!("{e:?}"));
}

// ---- keys refused at instance add ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_key_that_is_not_one_is_refused_at_instance_add_naming_the_secret() {
    let host = host(&format!(
        "token_url = \"{TOKEN_URL}\"\ngrant_type = \"client_credentials\"\n\
         client_auth = \"private_key_jwt\"\nclient_id = \"{CLIENT_ID}\"\n\
         private_key = \"secret:key\"\nalg = \"RS256\""
    ))
    .await;
    let ec = key(KeyAlg::Es256);
    let cases = [
        ("not a pem at all, hunter2".to_string(), "hunter2"),
        (
            "-----BEGIN PRIVATE KEY-----\naHVudGVyMg==\n-----END PRIVATE KEY-----\n".to_string(),
            "aHVudGVyMg",
        ),
        (ec.private_pem().to_string(), &ec.private_base64()[64..100]),
    ];
    for (value, shown) in &cases {
        let err = host
            .try_add_instance(&InstanceSpec::new("bad", "hostile").secret("key", value))
            .err()
            .unwrap_or_else(|| panic!("{value:?} was accepted"));
        assert_eq!(err.blame(), Blame::Operator, "{err}");
        let text = err.to_string();
        assert_contains(&text, "secret `key`");
        assert_contains(&text, "auth profile `svc`");
        assert_contains(&text, "RS256");
        assert!(!text.contains(shown), "{text}");
    }
    let rsa = key(KeyAlg::Rs256);
    host.add_instance(&InstanceSpec::new("good", "hostile").secret("key", rsa.private_pem()));
}
