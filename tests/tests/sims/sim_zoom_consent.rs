//! The Zoom simulator's OAuth app ("Connect Zoom"): the consent form, the code
//! exchange with PKCE, rotating refresh tokens, revocation; and Entra ID's
//! admin consent in the Azure simulator.

use crate::sim_support;

use anyhow::{Result, bail, ensure};
use base64::Engine as _;
use plugboard_sim::azure::AzureSimBuilder;
use plugboard_sim::browser::{Decision, consent, follow, form_body};
use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};
use sha2::Digest as _;
use sim_support::{Answer, answer, loopback, start};

const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-0123456789";

fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

fn redirect(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

fn authorize_url(sim: &ZoomSim, redirect_uri: &str, state: &str) -> String {
    format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&state={state}&code_challenge={}&code_challenge_method=S256",
        sim.base_url(),
        sim.oauth_app().client_id,
        urlencode(redirect_uri),
        challenge(VERIFIER)
    )
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The value of `key` in the query of `location`.
fn param(location: &str, key: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn token(sim: &ZoomSim, form: &[(&str, &str)]) -> Result<Answer> {
    let app = sim.oauth_app();
    answer(
        reqwest::Client::new()
            .post(format!("{}/oauth/token", sim.base_url()))
            .basic_auth(&app.client_id, Some(&app.client_secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(form)),
    )
    .await
}

/// Consents in the browser and returns the code.
async fn code(sim: &ZoomSim, redirect_uri: &str) -> Result<String> {
    let location = consent(&authorize_url(sim, redirect_uri, "st8"), Decision::Allow).await?;
    ensure!(location.starts_with(redirect_uri), "{location}");
    ensure!(
        param(&location, "state").as_deref() == Some("st8"),
        "{location}"
    );
    match param(&location, "code") {
        Some(code) => Ok(code),
        None => bail!("no code in {location}"),
    }
}

#[tokio::test]
async fn a_consented_code_with_its_verifier_gives_tokens_that_read_the_api() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(3, 0, 0)).await?;
    let uri = redirect(4711);
    let code = code(&sim, &uri).await?;
    let got = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &uri),
            ("code_verifier", VERIFIER),
        ],
    )
    .await?;
    ensure!(got.status == 200, "{got:?}");
    let access = got.body["access_token"].as_str().unwrap_or_default();
    let refresh = got.body["refresh_token"].as_str().unwrap_or_default();
    ensure!(!refresh.is_empty() && sim.refresh_token_is_live(refresh));
    let users = answer(
        reqwest::Client::new()
            .get(format!("{}/v2/users", sim.base_url()))
            .bearer_auth(access),
    )
    .await?;
    ensure!(users.status == 200, "{users:?}");
    let again = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &uri),
            ("code_verifier", VERIFIER),
        ],
    )
    .await?;
    ensure!(
        again.status == 400 && again.body["error"] == "invalid_grant",
        "a code is single use: {again:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_wrong_verifier_another_redirect_uri_or_bad_client_auth_is_refused() -> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(1, 0, 0)).await?;
    let uri = redirect(4712);
    for (case, redirect_uri, verifier) in [
        (
            "wrong verifier",
            uri.as_str(),
            "another-verifier-of-forty-three-characters-xxxxx",
        ),
        ("no verifier", uri.as_str(), ""),
        ("other redirect", "http://127.0.0.1:4713/callback", VERIFIER),
    ] {
        let code = code(&sim, &uri).await?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri),
        ];
        if !verifier.is_empty() {
            form.push(("code_verifier", verifier));
        }
        let got = token(&sim, &form).await?;
        ensure!(
            got.status == 400 && got.body["error"] == "invalid_grant",
            "{case}: {got:?}"
        );
    }
    let code = code(&sim, &uri).await?;
    let wrong_client = answer(
        reqwest::Client::new()
            .post(format!("{}/oauth/token", sim.base_url()))
            .basic_auth(&sim.oauth_app().client_id, Some("not-the-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", uri.as_str()),
                ("code_verifier", VERIFIER),
            ])),
    )
    .await?;
    ensure!(
        wrong_client.status == 401 && wrong_client.body["error"] == "invalid_client",
        "{wrong_client:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_authorize_page_refuses_an_unregistered_redirect_and_a_denial_redirects_with_an_error()
-> Result<()> {
    let sim = start(ZoomSimBuilder::new().users(1, 0, 0)).await?;
    for bad in [
        "http://127.0.0.1:4714/elsewhere",
        "http://localhost:4714/callback",
        "https://evil.example/callback",
    ] {
        let page = reqwest::get(authorize_url(&sim, bad, "s")).await?;
        ensure!(page.status() == 400, "{bad}: {}", page.status());
    }
    let uri = redirect(4715);
    let denied = consent(&authorize_url(&sim, &uri, "st9"), Decision::Deny).await?;
    ensure!(
        param(&denied, "error").as_deref() == Some("access_denied")
            && param(&denied, "state").as_deref() == Some("st9")
            && param(&denied, "code").is_none(),
        "{denied}"
    );
    Ok(())
}

#[tokio::test]
async fn a_refresh_rotates_the_token_and_the_old_one_then_fails_as_does_a_revoked_one() -> Result<()>
{
    let sim = start(ZoomSimBuilder::new().users(1, 0, 0)).await?;
    let uri = redirect(4716);
    let code = code(&sim, &uri).await?;
    let first = token(
        &sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &uri),
            ("code_verifier", VERIFIER),
        ],
    )
    .await?;
    let old = first.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refresh = |t: String| {
        let sim = &sim;
        async move {
            token(
                sim,
                &[("grant_type", "refresh_token"), ("refresh_token", &t)],
            )
            .await
        }
    };
    let rotated = refresh(old.clone()).await?;
    ensure!(rotated.status == 200, "{rotated:?}");
    let new = rotated.body["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure!(new != old && !new.is_empty(), "{rotated:?}");
    let stale = refresh(old).await?;
    ensure!(
        stale.status == 400 && stale.body["error"] == "invalid_grant",
        "{stale:?}"
    );
    ensure!(sim.refresh_token_is_live(&new));
    ensure!(sim.revoke_refresh_tokens() == 1);
    let revoked = refresh(new).await?;
    ensure!(
        revoked.status == 400 && revoked.body["error"] == "invalid_grant",
        "{revoked:?}"
    );
    let counters = sim.counters();
    ensure!(
        counters.oauth_app_token_requests == 4 && counters.s2s_token_requests == 0,
        "{counters:?}"
    );
    Ok(())
}

#[tokio::test]
async fn entra_client_credentials_work_only_after_the_admin_consents() -> Result<()> {
    let uri = "http://127.0.0.1:4717/callback";
    let sim = AzureSimBuilder::new()
        .admin_consent_required(&["http://127.0.0.1/callback"])
        .start(loopback())
        .await?;
    let creds = sim.credentials();
    let mint = || {
        answer(
            reqwest::Client::new()
                .post(format!(
                    "{}/{}/oauth2/v2.0/token",
                    sim.base_url(),
                    creds.tenant_id
                ))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_body(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", creds.client_id.as_str()),
                    ("client_secret", creds.client_secret.as_str()),
                    ("scope", "https://graph.microsoft.com/.default"),
                ])),
        )
    };
    let before = mint().await?;
    ensure!(
        before.status == 400 && before.body["error"] == "unauthorized_client",
        "{before:?}"
    );
    let consent_url = format!(
        "{}/organizations/v2.0/adminconsent?client_id={}&scope={}&redirect_uri={}&state=abc",
        sim.base_url(),
        creds.client_id,
        urlencode("https://graph.microsoft.com/.default"),
        urlencode(uri)
    );
    let declined = consent(&consent_url, Decision::Deny).await?;
    ensure!(
        param(&declined, "error").as_deref() == Some("consent_required")
            && param(&declined, "state").as_deref() == Some("abc"),
        "{declined}"
    );
    ensure!(!sim.admin_consented() && mint().await?.status == 400);
    let accepted = consent(&consent_url, Decision::Allow).await?;
    ensure!(
        accepted.starts_with(uri)
            && param(&accepted, "admin_consent").as_deref() == Some("True")
            && param(&accepted, "tenant").as_deref() == Some(creds.tenant_id.as_str())
            && param(&accepted, "error").is_none(),
        "{accepted}"
    );
    let after = mint().await?;
    ensure!(after.status == 200, "{after:?}");
    // The browser helper follows nothing itself; a refused loopback is an error.
    ensure!(follow("http://127.0.0.1:1/callback").await.is_err());
    Ok(())
}
