//! End-to-end tests of `plugboard serve` nodes sharing one PostgreSQL store
//! (issue 16): a killed node's instances are taken over and completed by the
//! others with every record stored once, and an owner paused past its lease
//! cannot commit once another node took over (the fencing token).
//!
//! Each node is the real binary with a home of its own (only the master key
//! is shared, as the cluster needs); the simulators run in this process and
//! answer slowly, so a scan is still running when a node is killed or
//! paused. The database is a throw-away one (`tests/pgcluster`).

#![allow(
    clippy::expect_used,
    reason = "tests: a failed step should stop the test with its message"
)]

use crate::support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use plugboard_core::store::{Lease, Store};
use plugboard_sim::azure::{AzureSim, AzureSimBuilder};
use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};
use serde_json::Value;
use support::{Daemon, manifest, plugboard, private_dir, wasm};

/// The cluster's master key (nodes share it to open each other's sealed
/// secrets); a test value, not a secret.
const MASTER_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// Hang guard of every wait (far above what any step takes).
const HANG: Duration = Duration::from_secs(180);

/// `plugboard` on `home` with the cluster's database and master key.
fn node_command(home: &std::path::Path, url: &str) -> Command {
    let mut c = plugboard(home);
    c.env("PLUGBOARD_DATABASE", url)
        .env("PLUGBOARD_MASTER_KEY", MASTER_KEY);
    c
}

/// Start one node with lease TTL `ttl`.
fn start_node(home: &std::path::Path, url: &str, token: &str, ttl: &str) -> Daemon {
    let mut serve = node_command(home, url);
    serve.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--retry-after",
        "1s",
        "--lease-ttl",
        ttl,
    ]);
    Daemon::start_command(serve, token)
}

/// An API token stored in the cluster's database.
fn cluster_token(home: &std::path::Path, url: &str) -> String {
    let out = node_command(home, url)
        .args(["token", "create", "--name", "cluster-test"])
        .output()
        .expect("token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Wait until `check` answers `Some`, failing with `what` after [`HANG`].
async fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < HANG, "not {what} within {HANG:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// This node's id, from `/readyz` (checked against `/openapi.json`).
async fn node_id(d: &Daemon) -> String {
    let (status, ready) = d.call(reqwest::Method::GET, "/readyz", None).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["database"], "postgres", "{ready}");
    ready["node"].as_str().expect("a node id").to_string()
}

/// Live leases by instance.
fn live_leases(store: &Store) -> BTreeMap<String, Lease> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    store
        .leases()
        .expect("leases")
        .into_iter()
        .filter(|l| l.expires_at_ms > now)
        .map(|l| (l.instance.clone(), l))
        .collect()
}

/// Whether every phase of instance `id` succeeded once.
fn completed(store: &Store, id: &str) -> bool {
    let phases = store.schedule(id).expect("schedule");
    phases.len() == 3 && phases.iter().all(|p| p.last_success_at.is_some())
}

/// A metric's value in a node's `/metrics` text (summed over its series).
async fn metric(d: &Daemon, name: &str) -> f64 {
    let text = reqwest::Client::new()
        .get(format!("{}/metrics", d.base))
        .bearer_auth(&d.token)
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn zoom_sim(n: u64) -> ZoomSim {
    let sim = ZoomSimBuilder::new()
        .credentials(
            &format!("acct-{n}"),
            &format!("client-{n}"),
            &format!("secret-{n}-0123456789"),
        )
        .users(30, 3, 2)
        .activity_days(12)
        .seed(n)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .expect("zoom simulator");
    sim.faults().delay_answers(Duration::from_millis(150));
    sim
}

async fn azure_sim(n: u64) -> AzureSim {
    let sim = AzureSimBuilder::new()
        .credentials(
            &format!("tenant-{n}"),
            &format!("app-{n}"),
            &format!("secret-{n}-0123456789"),
        )
        .seed(n)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .expect("azure simulator");
    sim.faults().delay_answers(Duration::from_millis(150));
    sim
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_nodes_instances_are_completed_by_the_survivors_with_every_record_once() {
    let url = plugboard_pgcluster::database("cluster_kill").unwrap_or_else(|e| panic!("{e}"));
    let homes = [private_dir(), private_dir(), private_dir()];
    let token = cluster_token(homes[0].path(), &url);
    let mut nodes: Vec<Option<Daemon>> = homes
        .iter()
        .map(|h| Some(start_node(h.path(), &url, &token, "5s")))
        .collect();
    let mut ids = Vec::new();
    for d in nodes.iter().flatten() {
        ids.push(node_id(d).await);
    }
    let store = Store::connect(&url).expect("the test's own connection");
    // Every node is live before any instance exists, so they share fairly.
    wait_until("three live nodes", || {
        (store.live_nodes(Duration::from_secs(5)).ok()?.len() == 3).then_some(())
    })
    .await;

    // Plugins are added through node 1 only; the others load them from the
    // database into their own homes.
    let adder = nodes[1].as_ref().expect("node 1");
    for plugin in ["zoom", "azure"] {
        let (status, body) = adder
            .add_plugin(
                &manifest(plugin),
                &wasm(&format!("plugboard_{plugin}.wasm")),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let zooms = [zoom_sim(1).await, zoom_sim(2).await, zoom_sim(3).await];
    let azures = [azure_sim(1).await, azure_sim(2).await, azure_sim(3).await];
    let front = nodes[0].as_ref().expect("node 0");
    for (n, sim) in zooms.iter().enumerate() {
        let (status, body) = front
            .add_zoom(&format!("zoom-{n}"), sim, "pro", serde_json::json!({}))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    for (n, sim) in azures.iter().enumerate() {
        let (status, body) = front.add_azure(&format!("azure-{n}"), sim).await;
        assert_eq!(status, 201, "{body}");
    }
    let instances: Vec<String> = (0..3)
        .map(|n| format!("zoom-{n}"))
        .chain((0..3).map(|n| format!("azure-{n}")))
        .collect();

    // Every instance owned, two per node, and the owner of the most is
    // killed while its scans run.
    let owners = wait_until("every instance leased", || {
        let leases = live_leases(&store);
        (leases.len() == instances.len()).then_some(leases)
    })
    .await;
    let mut held: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for l in owners.values() {
        held.entry(l.node.as_str())
            .or_default()
            .push(l.instance.as_str());
    }
    println!("leases: {held:?}");
    assert!(
        held.values().all(|v| v.len() <= 2),
        "no node holds more than its fair share of 6 over 3: {held:?}"
    );
    let (victim_id, victim_instances) = held
        .iter()
        .max_by_key(|(_, v)| v.len())
        .map(|(n, v)| {
            (
                n.to_string(),
                v.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        })
        .expect("an owner");
    let victim = ids
        .iter()
        .position(|id| *id == victim_id)
        .expect("the victim is one of ours");
    wait_until("the victim's scans under way", || {
        victim_instances
            .iter()
            .all(|i| !store.checkpoints(i).unwrap_or_default().is_empty())
            .then_some(())
    })
    .await;
    assert!(
        victim_instances.iter().any(|i| !completed(&store, i)),
        "the victim finished its instances before the kill; nothing to take over"
    );
    let mut killed = nodes[victim].take().expect("victim");
    let status = killed.signal("KILL");
    assert!(!status.success());
    let kill = Instant::now();

    // The survivors take the victim's instances over and complete them all.
    let survivors: Vec<&String> = ids.iter().filter(|id| **id != victim_id).collect();
    let mut taken_over = None;
    let done = wait_until("every instance completed", || {
        if taken_over.is_none() {
            let leases = live_leases(&store);
            if victim_instances
                .iter()
                .all(|i| leases.get(i).is_some_and(|l| survivors.contains(&&l.node)))
            {
                taken_over = Some(kill.elapsed());
            }
        }
        instances
            .iter()
            .all(|i| completed(&store, i))
            .then(|| kill.elapsed())
    })
    .await;
    let taken_over = taken_over.unwrap_or(done);
    println!(
        "measured: the victim's {} instances taken over {:.1} s after the kill; every instance completed {:.1} s after it",
        victim_instances.len(),
        taken_over.as_secs_f64(),
        done.as_secs_f64()
    );
    // How long it took is a measurement, printed above, not a pass/fail
    // bound: on a shared machine wall time says more about the neighbours
    // than about the takeover. What must hold is that it happens (the wait
    // above fails after HANG) and that every record arrives once (below).

    // Every record once: counts equal the simulators'.
    for (n, sim) in zooms.iter().enumerate() {
        let c = store.counts(Some(&format!("zoom-{n}"))).expect("counts");
        let want = sim.summary();
        assert_eq!(
            (c.users as usize, c.activities as usize),
            (want.users, want.activities),
            "zoom-{n}: users and activities"
        );
        // A second live token would have revoked the first, and the first's
        // holder would have been refused (401) on its next request.
        let counters = sim.counters();
        println!(
            "zoom-{n}: {} tokens minted, {} refused requests",
            counters.tokens_minted, counters.unauthorized
        );
        assert_eq!(
            counters.unauthorized, 0,
            "zoom-{n}: a request carried a revoked token, so two tokens were live at once"
        );
    }
    for (n, sim) in azures.iter().enumerate() {
        let c = store.counts(Some(&format!("azure-{n}"))).expect("counts");
        let want = sim.summary();
        assert_eq!(
            (
                c.users as usize,
                c.groups as usize,
                c.admins as usize,
                c.activities as usize
            ),
            (
                want.users + want.callers_not_in_graph,
                want.groups,
                want.admins,
                want.activity_events + want.signins + want.directory_audits
            ),
            "azure-{n}: users, groups, admins, activities"
        );
    }
    let mut takeovers = 0.0;
    for d in nodes.iter().flatten() {
        takeovers += metric(d, "plugboard_node_lease_takeovers_total").await;
    }
    assert!(
        takeovers >= victim_instances.len() as f64,
        "takeovers counted: {takeovers}"
    );

    // A check or scan asked of a node that does not run the instance mints
    // nothing there: the check is refused naming the holder, the scan is
    // queued for the holder, which runs it with the token it already has.
    let leases = live_leases(&store);
    let (zoom_n, holder) = (0..3)
        .find_map(|n| {
            let l = leases.get(&format!("zoom-{n}"))?;
            Some((n, l.node.clone()))
        })
        .expect("a zoom instance held by a survivor");
    let zoom_id = format!("zoom-{zoom_n}");
    let by_id = |id: &str| {
        let i = ids.iter().position(|x| x == id).expect("one of ours");
        nodes[i].as_ref().expect("a survivor")
    };
    let owner = by_id(&holder);
    let other = by_id(
        survivors
            .iter()
            .find(|s| ***s != holder)
            .expect("the other survivor"),
    );
    // The holder checks first: one that took the instance over after the
    // victim had finished its phases has had nothing to run, so it mints
    // its first token here. From then on it has a live token.
    let check = format!("/v1/instances/{zoom_id}/check");
    let (status, body) = owner.call(reqwest::Method::POST, &check, None).await;
    assert_eq!(status, 200, "{body}");
    let minted = zooms[zoom_n].counters().tokens_minted;
    let (status, body) = other.call(reqwest::Method::POST, &check, None).await;
    assert_eq!(status, 409, "{body}");
    let text = body["error"]["message"].as_str().unwrap_or_default();
    assert!(text.contains(&format!("node {holder}")), "{text}");
    let accounts_run = |store: &Store| {
        store
            .schedule(&zoom_id)
            .ok()?
            .into_iter()
            .find(|p| p.phase == "accounts")
    };
    let before = accounts_run(&store).expect("the accounts phase ran");
    let (status, body) = other
        .call(
            reqwest::Method::POST,
            &format!("/v1/instances/{zoom_id}/scan"),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    wait_until(
        "the holder running the scan asked of the other node",
        || {
            accounts_run(&store)
                .filter(|p| {
                    p.last_success_at > before.last_success_at
                        && p.last_success_at >= p.last_started_at
                })
                .map(|_| ())
        },
    )
    .await;
    let counters = zooms[zoom_n].counters();
    assert_eq!(
        (counters.tokens_minted, counters.unauthorized),
        (minted, 0),
        "{zoom_id}: the check refused by the other node and the scan asked of it minted nothing; the holder's scan used its token"
    );
    // The CLI refuses to call the app for an instance the cluster runs.
    let out = node_command(homes[0].path(), &url)
        .args(["scan", &zoom_id])
        .output()
        .expect("plugboard scan");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("node {holder} holds its lease"))
            && stderr.contains("error (operator)"),
        "{stderr}"
    );

    // `cluster status` shows the survivors holding every lease.
    let out = node_command(homes[0].path(), &url)
        .args(["cluster", "status", "--lease-ttl", "5s", "--json"])
        .output()
        .expect("cluster status");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    support::assert_matches_schema("cluster-status", "cluster status --json", &status);
    let held_by_survivors: usize = status["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| survivors.iter().any(|s| n["id"] == s.as_str()))
        .map(|n| {
            assert_eq!(n["live"], true, "{n}");
            n["leases"]
                .as_array()
                .map_or(0, |l| l.iter().filter(|l| l["live"] == true).count())
        })
        .sum();
    assert_eq!(held_by_survivors, instances.len(), "{status:#}");
    assert_eq!(status["unowned"], serde_json::json!([]), "{status:#}");
    assert!(
        !status.to_string().contains(MASTER_KEY) && !url_password_shown(&url, &status),
        "cluster status shows no secret"
    );
}

/// Whether the database password of `url` appears in `value`.
fn url_password_shown(url: &str, value: &Value) -> bool {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map(|(_, p)| p.to_string())
        .unwrap_or_default();
    !password.is_empty() && value.to_string().contains(&password)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_owners_late_page_is_refused_by_the_fencing_token_and_nothing_of_it_is_stored() {
    let url = plugboard_pgcluster::database("cluster_pause").unwrap_or_else(|e| panic!("{e}"));
    let (home_a, home_b) = (private_dir(), private_dir());
    let token = cluster_token(home_a.path(), &url);
    let store = Store::connect(&url).expect("the test's own connection");
    let sim = ZoomSimBuilder::new()
        .users(20, 2, 2)
        .activity_days(3)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .expect("zoom simulator");
    // Node A's first page of group members is answered only when the test
    // says: A is paused while it waits for it.
    sim.faults().hold_next_answer("/v2/groups/");

    let a = start_node(home_a.path(), &url, &token, "3s");
    let a_id = node_id(&a).await;
    let (status, body) = a
        .add_plugin(&manifest("zoom"), &wasm("plugboard_zoom.wasm"))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = a.add_zoom("zoom", &sim, "pro", serde_json::json!({})).await;
    assert_eq!(status, 201, "{body}");
    let first = wait_until("A owning the instance", || {
        live_leases(&store)
            .remove("zoom")
            .filter(|l| l.node == a_id)
    })
    .await;
    let b = start_node(home_b.path(), &url, &token, "3s");
    let b_id = node_id(&b).await;
    // Paused only once its other streams are done, so A holds no commit
    // in flight (that would hold the instance's commit lock; see
    // docs/operations.md on idle_in_transaction_session_timeout).
    wait_until("A waiting on its held page, its other streams done", || {
        let done = ["users", "groups", "roles"].iter().all(|s| {
            store
                .checkpoint("zoom", s)
                .ok()
                .flatten()
                .is_some_and(|c| !c.in_progress)
        });
        (done && sim.faults().held() == 1).then_some(())
    })
    .await;
    a.send("STOP");

    // B takes over once A's lease expired, and completes the directory.
    let second = wait_until("B owning the instance", || {
        live_leases(&store)
            .remove("zoom")
            .filter(|l| l.node == b_id)
    })
    .await;
    assert!(second.token > first.token, "{second:?} after {first:?}");
    wait_until("B's directory phase done", || {
        store
            .schedule("zoom")
            .ok()?
            .iter()
            .any(|p| p.phase == "accounts" && p.last_success_at.is_some())
            .then_some(())
    })
    .await;
    let before = store
        .checkpoint("zoom", "group-members")
        .expect("checkpoint");
    let members_before = store.counts(Some("zoom")).expect("counts").group_members;
    assert!(
        before.as_ref().is_some_and(|c| !c.in_progress),
        "B finished the group-members stream: {before:?}"
    );

    // A wakes up with its page: the commit is refused by the fence.
    sim.faults().release_held();
    a.send("CONT");
    let fenced = wait_until("A's late page refused", || {
        let rt = tokio::runtime::Handle::current();
        let n = tokio::task::block_in_place(|| {
            rt.block_on(metric(&a, "plugboard_node_fenced_commits_total"))
        });
        (n >= 1.0).then_some(n)
    })
    .await;
    assert_eq!(fenced, 1.0, "one page was in flight");
    assert_eq!(
        store
            .checkpoint("zoom", "group-members")
            .expect("checkpoint"),
        before,
        "the refused page did not move the stream's checkpoint"
    );
    assert_eq!(
        store.counts(Some("zoom")).expect("counts").group_members,
        members_before
    );
    assert_eq!(
        live_leases(&store).get("zoom").map(|l| l.node.as_str()),
        Some(b_id.as_str()),
        "B still owns the instance"
    );
    let held = metric(&a, "plugboard_node_leases_held").await;
    assert_eq!(held, 0.0, "A holds nothing after losing the lease");
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_session_made_on_one_node_is_known_on_another_and_signing_out_there_ends_it() {
    use crate::console::{assert_ended, csrf_in, form_body, get_with, sign_in};
    let url = plugboard_pgcluster::database("cluster_console").unwrap_or_else(|e| panic!("{e}"));
    let homes = [private_dir(), private_dir()];
    let token = cluster_token(homes[0].path(), &url);
    let a = start_node(homes[0].path(), &url, &token, "30s");
    let b = start_node(homes[1].path(), &url, &token, "30s");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let set = sign_in(&http, &a.base, &token).await;
    let cookie = set.split(';').next().unwrap_or_default().to_string();
    let on_a = get_with(&http, &a.base, "/", &cookie).await;
    assert_eq!(on_a.status(), 200);
    let csrf = csrf_in(&on_a.text().await.expect("page"));
    // Node B never saw the sign-in, yet knows the session and its CSRF token.
    let on_b = get_with(&http, &b.base, "/", &cookie).await;
    assert_eq!(on_b.status(), 200);
    assert_eq!(csrf_in(&on_b.text().await.expect("page")), csrf);
    let r = http
        .post(format!("{}/sign-out", b.base))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[("csrf", csrf.as_str())]))
        .send()
        .await
        .expect("sign out on B");
    assert_eq!(r.headers()["location"], "/sign-in?msg=signed-out");
    // Signed out on B is signed out on A.
    assert_ended(&get_with(&http, &a.base, "/", &cookie).await);
}
