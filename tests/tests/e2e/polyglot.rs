//! End to end: connectors written in TypeScript (sdk-ts, StarlingMonkey via
//! componentize-js, and QuickJS via componentize-qjs) and Python (sdk-py, componentize-py) in the real host.
//! Each GitHub sample scans the GitHub simulator to its exact counts; the
//! throwing fixture's exceptions reach the operator with their text, blamed on
//! the plugin. The components are built by `scripts/build-plugins.sh` (which
//! needs `npm ci` in sdk-ts/ and `pip install -r sdk-py/requirements.txt`);
//! each test compiles its component once (12-19 MB: about 15 s of CPU each in
//! the test profile), which is most of this file's time.

use crate::e2e_support;

use e2e_support::{InstanceSpec, TestHost, failed_check, plugin_dirs, repo_root};
use plugboard_core::Blame;
use plugboard_sim::github::{GithubSim, GithubSimBuilder};

/// The built component `file`; `None` (with a loud note) when it was not built
/// because the TypeScript or Python tools are not installed — except under CI,
/// where `.ci/run` installs them and a missing component is a failure.
fn component(file: &str) -> Option<Vec<u8>> {
    let dirs = plugin_dirs();
    for dir in &dirs {
        if let Ok(bytes) = std::fs::read(dir.join(file)) {
            return Some(bytes);
        }
    }
    let how =
        "(cd sdk-ts && npm ci); pip install -r sdk-py/requirements.txt; scripts/build-plugins.sh";
    assert!(
        std::env::var_os("CI").is_none(),
        "{file} is in none of {dirs:?}; build it first: {how}"
    );
    eprintln!(
        "\n!!! SKIPPED: {file} is not built (the TypeScript/Python tools are not installed).\n!!! {how}\n"
    );
    None
}

fn manifest(dir: &str) -> String {
    std::fs::read_to_string(repo_root().join(dir).join("plugin.toml"))
        .unwrap_or_else(|e| panic!("{dir}/plugin.toml: {e}"))
}

async fn sim() -> GithubSim {
    GithubSimBuilder::new()
        .members(140, 3)
        .outside_collaborators(5)
        .teams(3)
        .start(([127, 0, 0, 1], 0).into())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Adds the sample in `dir` (plugin id = its directory's name), scans the
/// simulator with it and checks the host holds exactly what the simulator holds.
async fn scans_to_exact_counts(dir: &str, file: &str) {
    let sim = sim().await;
    let Some(wasm) = component(file) else { return };
    let h = TestHost::with_plugin(&manifest(dir), wasm).await;
    let id = dir.rsplit('/').next().unwrap_or(dir);
    let c = sim.credentials();
    h.add_instance(
        &InstanceSpec::new("acme", id)
            .config("org", &c.org)
            .secret("token", &c.token)
            .upstream("https://api.github.com", &sim.base_url()),
    );
    let report = h.scan("acme").await;
    assert!(
        report.first_failure().is_none(),
        "{:?}",
        report.first_failure()
    );
    let want = sim.summary();
    let got = h.counts("acme");
    assert_eq!(
        got.users as usize,
        want.members + want.outside_collaborators,
        "accounts"
    );
    assert_eq!(got.admins as usize, want.owners, "owners");
    assert_eq!(got.groups as usize, want.teams, "teams");
    assert_eq!(
        got.group_members as usize, want.team_memberships,
        "team members"
    );
    assert_eq!(
        report.account.as_ref().map(|a| a.id.clone()),
        Some(sim.org())
    );
    // 140 members page at 100: the Link header was followed.
    let members = report.streams.iter().find(|s| s.name == "members");
    assert!(members.is_some_and(|s| s.pages >= 3), "{members:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_github_sample_scans_the_simulator_to_its_exact_counts() {
    scans_to_exact_counts("plugins/github-ts", "plugboard_github_ts.wasm").await;
}

/// The same TypeScript sample built on QuickJS (`--engine quickjs`): no
/// TextDecoder there, so the SDK's own UTF-8 codec carries every body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typescript_github_sample_on_quickjs_scans_the_simulator_to_its_exact_counts() {
    scans_to_exact_counts("plugins/github-ts", "plugboard_github_ts_qjs.wasm").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_github_sample_scans_the_simulator_to_its_exact_counts() {
    scans_to_exact_counts("plugins/github-py", "plugboard_github_py.wasm").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncaught_typescript_exception_reaches_the_operator_with_its_text_blamed_on_the_plugin()
{
    let Some(wasm) = component("plugboard_throws_ts.wasm") else {
        return;
    };
    let h = TestHost::with_plugin(&manifest("tests/fixtures/throws-ts"), wasm).await;
    h.add_instance(&InstanceSpec::new("t", "throws-ts"));
    let (plugin, ctx) = h.open("t").await;
    // Through the SDK's wrapper: a `plugin` error keeping the exception.
    let text = failed_check(&plugin, &ctx, Blame::Plugin, "with a throwing check").await;
    assert!(
        text.contains("uncaught exception: TypeError") && text.contains("tenant"),
        "{text}"
    );
    // Raw: the exception escapes the component; the engine's stderr carries it.
    let err = plugin
        .sync(&ctx, "users", None)
        .await
        .err()
        .unwrap_or_else(|| panic!("a throwing sync succeeded"));
    assert_eq!(err.blame(), Blame::Plugin, "{err}");
    // One line: the trap's reason, then the guest's stderr; the wasm
    // backtrace only in the debug log. A raw export's thrown value becomes
    // its `result`'s error, which componentize-js cannot lower (a RangeError
    // is no `error`): the exception's own text is lost there, which is why
    // the SDK's `connector()` wrapper exists; the engine's message and the
    // JS stack remain.
    let text = err.to_string();
    let (head, stderr) = text
        .split_once("; guest stderr: ")
        .unwrap_or_else(|| panic!("no guest stderr in {text:?}"));
    assert!(
        head.starts_with("plugin throws-ts trapped in sync: wasm trap"),
        "{text}"
    );
    assert!(
        stderr.contains("is not one of the cases of error-kind | Stack: | export_sync@"),
        "{text}"
    );
    assert!(
        !text.contains("backtrace") && !text.contains('\n') && !text.contains("\\u{a}"),
        "{text}"
    );
    assert!(text.len() <= 2100, "{} bytes", text.len());
}
