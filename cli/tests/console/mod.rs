//! The operator console in a real browser: Debian's Chromium driven through
//! chromedriver (WebDriver) against `plugboard serve` and the Zoom
//! simulator. Signs in (a wrong token is refused first), adds a Zoom
//! instance through the generated form, sees its first scan complete, opens
//! a failing finding, runs a suspend dry run, checks every form control of
//! the add form has a label and is reached by Tab in order, refuses and
//! approves (by keyboard) a pending plugin upgrade submitted through the
//! API and sees the capability matrix change, and signs out;
//! a POST without the session's CSRF token is refused (sent with reqwest
//! and a valid session cookie). Screenshots of each page go to
//! `target/console-screenshots/`.
//!
//! Without /usr/bin/chromedriver the test is skipped with a loud message,
//! except under CI (`CI` set), where it fails: `.ci/run` installs chromium.

#![allow(
    clippy::expect_used,
    reason = "tests: a failed step should stop the test with its message"
)]

use crate::support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource as _, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use plugboard_sim::zoom::ZoomSimBuilder;
use serde_json::json;
use support::{Daemon, create_token, manifest, private_dir, wasm};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// Hang guard for anything the test waits for.
const WAIT: Duration = Duration::from_secs(180);

/// chromedriver on a free loopback port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let start = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{}/status", driver.url)).send().await
            && r.status().is_success()
        {
            return driver;
        }
        assert!(start.elapsed() < WAIT, "chromedriver did not answer");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
}

/// `target/console-screenshots/`, from the test binary's place
/// (`target/debug/deps/console-…`).
fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe()
                .ok()?
                .ancestors()
                .nth(3)
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| support::repo_root().join("target"))
        .join("console-screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

async fn shot(c: &Client, name: &str) {
    assert_labelled(c, name).await;
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("save screenshot");
}

/// Every form control of the page (any form; hidden inputs and buttons,
/// which carry their own text, aside) is named by a `<label for>`, a label
/// around it, or an ARIA label: checked on every page the test shows.
async fn assert_labelled(c: &Client, page: &str) {
    let v = c
        .execute(
            r#"return Array.from(document.querySelectorAll('input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea'))
                .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')) && !e.closest('label')
                    && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
                .map(e => e.name || e.id || e.tagName);"#,
            vec![],
        )
        .await
        .expect("list the page's controls");
    let unlabelled: Vec<String> = serde_json::from_value(v).expect("names");
    assert!(
        unlabelled.is_empty(),
        "{page}: form controls without a label: {unlabelled:?}"
    );
}

async fn text_of(c: &Client, css: &str) -> String {
    wait_for(c, css).await.text().await.expect("text")
}

async fn path_of(c: &Client) -> String {
    let u = c.current_url().await.expect("url");
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// Wait (at most [`WAIT`]) until the browser is at a path starting with
/// `prefix` (a click's navigation may still be under way when it returns);
/// returns the path with its query.
async fn wait_path(c: &Client, prefix: &str) -> String {
    wait_until_at(c, prefix, |p| p.starts_with(prefix)).await
}

/// Wait (at most [`WAIT`]) until the browser is at exactly `path`.
async fn wait_exact(c: &Client, path: &str) -> String {
    wait_until_at(c, path, |p| p == path).await
}

async fn wait_until_at(c: &Client, prefix: &str, at: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let p = path_of(c).await;
        if at(&p) {
            return p;
        }
        assert!(start.elapsed() < WAIT, "still at {p}, not at {prefix}…");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Wait (at most [`WAIT`]) for an element matching `css`.
async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
}

async fn fill(c: &Client, css: &str, value: &str) {
    let e = wait_for(c, css).await;
    e.clear().await.expect("clear");
    e.send_keys(value).await.expect("type");
}

async fn click(c: &Client, css: &str) {
    wait_for(c, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

pub(crate) fn form_body(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn press_tab(c: &Client) {
    let tab: char = Key::Tab.into();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab });
    c.perform_actions(keys).await.expect("press Tab");
}

/// Every control of the page's `form.form`, in document order: (id, tag,
/// whether a `<label for>` names it).
async fn controls(c: &Client) -> Vec<(String, String, bool)> {
    let v = c
        .execute(
            r#"return Array.from(document.querySelectorAll('form.form input:not([type=hidden]), form.form select, form.form textarea, form.form button'))
                .map(e => [e.id, e.tagName.toLowerCase(), e.id !== '' && document.querySelector('label[for="' + e.id + '"]') !== null]);"#,
            vec![],
        )
        .await
        .expect("list the form's controls");
    serde_json::from_value(v).expect("controls as triples")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_signs_in_adds_a_zoom_instance_reads_a_finding_dry_runs_a_suspend_and_signs_out()
 {
    if !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMEDRIVER} is missing under CI: .ci/run installs chromium and chromium-driver"
        );
        eprintln!(
            "\n\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED the console browser test: {CHROMEDRIVER} is missing.\n\
             !!! apt-get install -y chromium chromium-driver   to run it.\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return;
    }
    let home = private_dir();
    let token = create_token(home.path());
    let zoom = ZoomSimBuilder::new()
        .credentials("acct-web", "client-web", "secret-web-0123456789")
        .users(12, 2, 1)
        .activity_days(2)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .expect("zoom simulator");
    let d = Daemon::start(home.path(), &token, &[]);
    let (status, body) = d
        .add_plugin(&manifest("zoom"), &wasm("plugboard_zoom.wasm"))
        .await;
    assert_eq!(status, 201, "{body}");

    let driver = start_driver().await;
    let profile = tempfile::tempdir().expect("browser profile");
    let c = browser(&driver, profile.path()).await;
    let base = d.base.clone();

    // Signed out, every page leads to the sign-in page.
    c.goto(&format!("{base}/findings")).await.expect("open");
    assert_eq!(path_of(&c).await, "/sign-in");
    shot(&c, "01-sign-in").await;
    // A wrong token is refused.
    fill(&c, "#token", "pb_00000000_not-a-real-token").await;
    click(&c, "form button[type=submit]").await;
    let alert = wait_for(&c, ".alert-error")
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(path_of(&c).await, "/sign-in");
    assert!(alert.contains("not valid"), "{alert}");
    shot(&c, "02-sign-in-refused").await;
    // The right one signs in.
    fill(&c, "#token", &token).await;
    click(&c, "form button[type=submit]").await;
    wait_exact(&c, "/").await;
    assert_eq!(text_of(&c, "h1").await, "Instances");
    shot(&c, "03-instances-empty").await;

    // The add form, generated from the plugin's fields: every control is
    // labelled, and Tab reaches each in document order.
    click(&c, "a.btn-primary[href='/instances/new']").await;
    wait_path(&c, "/instances/new").await;
    wait_for(&c, "a[href='/instances/new?plugin=zoom']")
        .await
        .click()
        .await
        .expect("pick zoom");
    wait_path(&c, "/instances/new?plugin=zoom").await;
    let controls = controls(&c).await;
    assert!(controls.len() >= 9, "{controls:?}");
    for (id, tag, labelled) in &controls {
        assert!(
            *labelled || tag == "button",
            "control {id:?} ({tag}) has no <label for>"
        );
    }
    for secret in ["f-secret-client_id", "f-secret-client_secret"] {
        let e = c.find(Locator::Id(secret)).await.expect("secret field");
        assert_eq!(
            e.attr("type").await.expect("type").as_deref(),
            Some("password")
        );
        assert_eq!(
            e.attr("autocomplete").await.expect("ac").as_deref(),
            Some("off")
        );
    }
    let expected: Vec<&str> = controls
        .iter()
        .map(|(id, _, _)| id.as_str())
        .filter(|id| !id.is_empty())
        .collect();
    let mut reached = Vec::new();
    for _ in 0..40 {
        press_tab(&c).await;
        let id = c
            .active_element()
            .await
            .expect("focused element")
            .attr("id")
            .await
            .expect("id")
            .unwrap_or_default();
        reached.push(id);
    }
    let mut next = expected.iter().peekable();
    for id in &reached {
        if next.peek().is_some_and(|want| **want == id.as_str()) {
            next.next();
        }
    }
    assert!(
        next.peek().is_none(),
        "Tab did not reach every control in order: expected {expected:?}, reached {reached:?}"
    );
    // The first Tab from the top lands on the skip link.
    c.goto(&format!("{base}/instances/new?plugin=zoom"))
        .await
        .expect("reload");
    press_tab(&c).await;
    let first = c
        .active_element()
        .await
        .expect("focus")
        .text()
        .await
        .expect("text");
    assert_eq!(first, "Skip to content");

    // Add the instance against the simulator.
    let sim = zoom.base_url();
    let creds = zoom.credentials();
    fill(&c, "#f-id", "zoom-web").await;
    fill(&c, "#f-config-account_id", &creds.account_id).await;
    fill(&c, "#f-config-activity_days", "2").await;
    fill(&c, "#f-secret-client_id", &creds.client_id).await;
    fill(&c, "#f-secret-client_secret", &creds.client_secret).await;
    fill(
        &c,
        "#f-upstreams",
        &format!("https://api.zoom.us = {sim}\nhttps://zoom.us = {sim}"),
    )
    .await;
    shot(&c, "04-add-instance").await;
    click(&c, "form.form button[type=submit]").await;
    assert_eq!(
        wait_path(&c, "/instances/zoom-web").await,
        "/instances/zoom-web?msg=added"
    );
    let page = c.source().await.expect("source");
    assert!(
        !page.contains(&creds.client_secret),
        "the secret came back in a page"
    );

    // Its first scan completes: every phase succeeds, the page says healthy.
    let start = Instant::now();
    loop {
        c.refresh().await.expect("reload");
        let health = text_of(&c, "h1 .pill").await;
        if health == "healthy" {
            break;
        }
        assert!(start.elapsed() < WAIT, "no healthy first scan: {health}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let runs = c
        .find_all(Locator::Css("section[aria-labelledby=runs-h] tbody tr"))
        .await
        .expect("runs");
    assert!(runs.len() >= 3, "{} runs", runs.len());
    assert!(
        c.find(Locator::Css("#timeline svg")).await.is_ok(),
        "no timeline"
    );
    // Requests and 429s per rate bucket over time: a chart per bucket the
    // runs used, named after it, with one pair of bars per such run.
    let charts = c
        .find_all(Locator::Css("svg[aria-labelledby^=bucket-]"))
        .await
        .expect("bucket charts");
    assert!(!charts.is_empty(), "no bucket chart");
    for svg in &charts {
        let title = svg
            .find(Locator::Css("title"))
            .await
            .expect("a title")
            .html(true)
            .await
            .expect("title text");
        assert!(
            ["light", "medium", "heavy"]
                .iter()
                .any(|b| title == format!("Bucket {b}")),
            "{title}"
        );
        let requests = svg
            .find_all(Locator::Css("rect.bar:not(.bar-bad)"))
            .await
            .expect("bars");
        let throttled = svg
            .find_all(Locator::Css("rect.bar-bad"))
            .await
            .expect("bars");
        assert_eq!(requests.len(), throttled.len());
        assert!(
            (1..=runs.len()).contains(&requests.len()),
            "{title}: {} bar pairs for {} runs",
            requests.len(),
            runs.len()
        );
        for bar in &requests {
            let label = bar
                .find(Locator::Css("title"))
                .await
                .expect("bar title")
                .html(true)
                .await
                .expect("text");
            assert!(
                label.starts_with('#'),
                "a bar is labelled with its run: {label}"
            );
        }
    }
    // The newest run's trace, from the daemon's recorder: its HTTP attempts
    // and plugin calls on the run's time axis.
    assert!(
        c.find(Locator::Css("svg[aria-labelledby=trace-svg-t]"))
            .await
            .is_ok(),
        "the newest traced run is drawn"
    );
    let page = c.source().await.expect("source");
    assert!(
        page.contains("http.request GET") && page.contains("plugin.call "),
        "the trace names its HTTP attempts and plugin calls: {}",
        page.split("The newest traced run")
            .nth(1)
            .unwrap_or(&page)
            .chars()
            .take(3000)
            .collect::<String>()
    );
    shot(&c, "05-instance").await;
    c.execute(
        "document.getElementById('charts-h').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll to the charts");
    shot(&c, "05b-instance-charts").await;
    c.execute(
        "document.getElementById('timeline-h').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll to the timeline");
    shot(&c, "05c-instance-timeline").await;
    c.goto(&format!("{base}/")).await.expect("home");
    shot(&c, "06-instances").await;

    // A failing finding, with its evidence and remediation.
    c.goto(&format!("{base}/findings?status=fail"))
        .await
        .expect("findings");
    shot(&c, "07-findings").await;
    let first = c
        .find(Locator::Css("table.data tbody tr th a"))
        .await
        .expect("a failing finding");
    let title = first.text().await.expect("title");
    first.click().await.expect("open the finding");
    wait_path(&c, "/findings/zoom-web/").await;
    assert_eq!(text_of(&c, "h1").await, title);
    assert!(text_of(&c, ".pill").await.contains("fail"));
    assert!(!text_of(&c, "pre.evidence").await.is_empty());
    assert!(!text_of(&c, ".remediation").await.is_empty());
    shot(&c, "08-finding").await;

    // Accounts (admins highlighted), then a suspend dry run.
    c.goto(&format!("{base}/accounts")).await.expect("accounts");
    assert!(
        !c.find_all(Locator::Css("tr.admin"))
            .await
            .expect("rows")
            .is_empty(),
        "no admin highlighted"
    );
    shot(&c, "09-accounts").await;
    click(&c, "tr.admin a.btn-small").await;
    wait_path(&c, "/accounts/suspend?").await;
    click(&c, "form.inline button[type=submit]").await;
    let outcome = wait_for(&c, "#outcome").await.text().await.expect("text");
    assert!(outcome.starts_with("Dry run"), "{outcome}");
    shot(&c, "10-suspend-dry-run").await;
    c.goto(&format!("{base}/audit")).await.expect("audit");
    assert!(text_of(&c, "table.data tbody").await.contains("dry-run"));
    shot(&c, "11-audit").await;
    c.goto(&format!("{base}/activity?instance=zoom-web"))
        .await
        .expect("activity");
    assert!(
        !c.find_all(Locator::Css("table.data tbody tr"))
            .await
            .expect("rows")
            .is_empty()
    );
    shot(&c, "12-activity").await;
    c.goto(&format!("{base}/plugins")).await.expect("plugins");
    assert!(text_of(&c, "table.matrix").await.contains("suspend-user"));
    shot(&c, "13-plugins").await;

    // An upgrade that asks for more, submitted through the API without
    // approval, waits on the plugins page: refuse one, approve the next
    // (by keyboard), and the capability matrix changes.
    assert!(!text_of(&c, "table.matrix").await.contains("DELETE"));
    let zoom_wasm = wasm("plugboard_zoom.wasm");
    let greedy = |version: &str| {
        let text = manifest("zoom")
            .replace("version = \"0.1.0\"", &format!("version = \"{version}\""))
            .replace(
                "methods = [\"GET\", \"PUT\"]",
                "methods = [\"GET\", \"PUT\", \"DELETE\"]",
            );
        json!({
            "manifest": text,
            "wasm_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &zoom_wasm),
            "allow_unsigned": true,
        })
    };
    let (status, body) = d.post("/v1/plugins", greedy("0.2.0")).await;
    assert_eq!(status, 202, "{body}");
    c.goto(&format!("{base}/plugins")).await.expect("plugins");
    let upgrades = text_of(&c, "#upgrades").await;
    assert!(
        upgrades.contains("Pending upgrade of zoom to 0.2.0")
            && upgrades.contains("new: network DELETE https://api.zoom.us/v2/"),
        "{upgrades}"
    );
    c.execute(
        "document.getElementById('upgrades').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll to the upgrades");
    shot(&c, "13b-plugins-pending").await;
    click(&c, "#refuse-zoom").await;
    assert_eq!(
        wait_path(&c, "/plugins?").await,
        "/plugins?msg=upgrade-refused"
    );
    assert!(
        text_of(&c, "#upgrades")
            .await
            .contains("No upgrade is waiting")
    );
    let (status, body) = d.post("/v1/plugins", greedy("0.2.1")).await;
    assert_eq!(status, 202, "{body}");
    c.refresh().await.expect("reload");
    // Keyboard: the approve button takes focus and Enter submits it.
    let focused = c
        .execute(
            "const b = document.getElementById('approve-zoom'); b.focus(); return document.activeElement === b && b.tabIndex >= 0;",
            vec![],
        )
        .await
        .expect("focus the approve button");
    assert_eq!(focused, json!(true));
    let enter: char = Key::Enter.into();
    c.perform_actions(
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: enter })
            .then(KeyAction::Up { value: enter }),
    )
    .await
    .expect("press Enter");
    assert_eq!(
        wait_path(&c, "/plugins?msg=upgrade-approved").await,
        "/plugins?msg=upgrade-approved"
    );
    let matrix = text_of(&c, "table.matrix").await;
    assert!(
        matrix.contains("DELETE") && matrix.contains("zoom 0.2.1"),
        "{matrix}"
    );
    shot(&c, "13c-plugins-approved").await;

    // A POST with the session cookie but without (or with a wrong) CSRF
    // token is refused; the same POST with the page's token is carried out.
    let cookie = c
        .get_named_cookie("pb_console")
        .await
        .expect("session cookie");
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(format!("{:?}", cookie.same_site()), "Some(Strict)");
    let session = format!("pb_console={}", cookie.value());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let scan = format!("{base}/instances/zoom-web/scan");
    for form in [vec![], vec![("csrf", "forged")]] as [Vec<(&str, &str)>; 2] {
        let r = http
            .post(&scan)
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&form))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 403, "{form:?}");
        assert!(
            r.text()
                .await
                .unwrap_or_default()
                .contains("security token")
        );
    }
    let csrf = c
        .find(Locator::Css("input[name=csrf]"))
        .await
        .expect("csrf field")
        .attr("value")
        .await
        .expect("value")
        .unwrap_or_default();
    let r = http
        .post(&scan)
        .header("cookie", &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("csrf", csrf.as_str())]))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    // Every console answer carries the strict policy.
    let r = http
        .get(format!("{base}/plugins"))
        .header("cookie", &session)
        .send()
        .await
        .expect("get");
    let h = r.headers();
    assert_eq!(
        h["content-security-policy"],
        plugboard_host::daemon::console::CSP
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");

    // Sign out: the session is gone on the server, not only in the browser.
    click(&c, "form.signout button").await;
    assert_eq!(wait_path(&c, "/sign-in").await, "/sign-in?msg=signed-out");
    shot(&c, "14-signed-out").await;
    c.goto(&format!("{base}/")).await.expect("home");
    assert_eq!(wait_path(&c, "/sign-in").await, "/sign-in");
    let r = http
        .get(format!("{base}/"))
        .header("cookie", &session)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?msg=session-ended");

    c.close().await.expect("close the browser");
}

/// Sign in over plain HTTP as a browser would (the sign-in page's own token
/// in its cookie and its form); returns the `Set-Cookie` of the session.
pub(crate) async fn sign_in(http: &reqwest::Client, base: &str, token: &str) -> String {
    let page = http
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("sign-in page");
    let pre_cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("the sign-in cookie")
        .to_string();
    let html = page.text().await.expect("page");
    let field = html
        .split("name=\"signin\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the sign-in form's token")
        .to_string();
    let r = http
        .post(format!("{base}/sign-in"))
        .header("cookie", pre_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("signin", field.as_str()), ("token", token)]))
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 303);
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pb_console="))
        .expect("a session cookie")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_session_is_a_strict_cookie_that_ends_when_its_api_token_is_revoked() {
    let home = private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // A sign-in POST without the sign-in page's own token is refused.
    let r = http
        .post(format!("{}/sign-in", d.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("token", token.as_str())]))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());

    let set = sign_in(&http, &d.base, &token).await;
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.split("; ").any(|a| a == attr), "{attr} missing: {set}");
    }
    assert!(!set.contains(&token), "the API token went into the cookie");
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let home_page = |cookie: String| {
        let (http, base) = (http.clone(), d.base.clone());
        async move {
            http.get(format!("{base}/"))
                .header("cookie", cookie)
                .send()
                .await
                .expect("get /")
        }
    };
    assert_eq!(home_page(cookie.clone()).await.status(), 200);

    // Revoking the API token ends the session at its next request.
    let id = token
        .strip_prefix("pb_")
        .and_then(|t| t.split('_').next())
        .expect("token id");
    let out = support::plugboard(home.path())
        .args(["token", "revoke", id])
        .output()
        .expect("token revoke");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = home_page(cookie).await;
    assert_ended(&r);
}

/// `r` sends a browser whose session cookie names no live session to the
/// sign-in page, saying its session ended, and clears that cookie.
pub(crate) fn assert_ended(r: &reqwest::Response) {
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?msg=session-ended");
    let cleared = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("pb_console=;") && v.contains("Max-Age=0"));
    assert!(
        cleared,
        "the session cookie was not cleared: {:?}",
        r.headers()
    );
}

/// `GET base + path` with `cookie`.
pub(crate) async fn get_with(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    cookie: &str,
) -> reqwest::Response {
    http.get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get")
}

/// The CSRF token in the forms of `html`.
pub(crate) fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form's CSRF token")
        .to_string()
}

/// Every file of `home` but SQLite's shared-memory index (which readers
/// touch too).
fn disk(home: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    support::snapshot(home)
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().ends_with("-shm"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_or_tampered_session_cookie_leads_to_sign_in_and_changes_nothing() {
    let home = private_dir();
    let token = create_token(home.path());
    let d = Daemon::in_process(home.path(), &token).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let set = sign_in(&http, &d.base, &token).await;
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let page = get_with(&http, &d.base, "/", &cookie).await;
    assert_eq!(page.status(), 200);
    let csrf = csrf_in(&page.text().await.expect("page"));
    let id = cookie.strip_prefix("pb_console=").expect("cookie value");
    let mut flipped = id.as_bytes().to_vec();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let before = disk(home.path());
    for bad in [
        format!("pb_console={flipped}"),
        format!("pb_console={}", &id[1..]),
        format!("pb_console={id}x"),
        "pb_console=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string(),
        "pb_console=".to_string(),
    ] {
        assert_ended(&get_with(&http, &d.base, "/", &bad).await);
        // A POST with such a cookie (and the real session's CSRF token) is
        // sent to sign in too, before any handler runs.
        let r = http
            .post(format!("{}/instances/x/scan", d.base))
            .header("cookie", &bad)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(&[("csrf", csrf.as_str())]))
            .send()
            .await
            .expect("post");
        assert_ended(&r);
    }
    assert_eq!(
        disk(home.path()),
        before,
        "a refused cookie changed the home"
    );
    // The sign-in page says why, as a notice (no blame: nothing failed).
    let r = http
        .get(format!("{}/sign-in?msg=session-ended", d.base))
        .send()
        .await
        .expect("sign-in page");
    let html = r.text().await.expect("page");
    assert!(html.contains("Your session has ended"), "{html}");
    assert!(html.contains("Sign in again."), "{html}");
    // The real session is still good.
    assert_eq!(get_with(&http, &d.base, "/", &cookie).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_session_outlives_a_daemon_restart_and_sign_out_ends_it_for_good() {
    let home = private_dir();
    let token = create_token(home.path());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let first = Daemon::in_process(home.path(), &token).await;
    let set = sign_in(&http, &first.base, &token).await;
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let page = get_with(&http, &first.base, "/", &cookie).await;
    assert_eq!(page.status(), 200);
    let csrf = csrf_in(&page.text().await.expect("page"));
    drop(first);

    // A new daemon on the same home (nothing of the first in memory).
    let second = Daemon::in_process(home.path(), &token).await;
    let page = get_with(&http, &second.base, "/", &cookie).await;
    assert_eq!(page.status(), 200);
    // The CSRF token is the same after the restart: forms stay valid.
    assert_eq!(csrf_in(&page.text().await.expect("page")), csrf);
    let r = http
        .post(format!("{}/sign-out", second.base))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("csrf", csrf.as_str())]))
        .send()
        .await
        .expect("sign out");
    assert_eq!(r.headers()["location"], "/sign-in?msg=signed-out");
    drop(second);
    let third = Daemon::in_process(home.path(), &token).await;
    assert_ended(&get_with(&http, &third.base, "/", &cookie).await);
}
