//! `plugboard plugin new`: refusals write nothing; the scaffold builds for
//! wasm32-wasip2 and passes `plugboard plugin test` as created.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::support::repo_root;
use crate::{OPERATOR, assert_one_line_error, command, json, private_dir, run, text};

/// The target directory the plugins were built into, shared so the
/// scaffold's dependencies are not compiled again.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

fn names_in(dir: &Path) -> Vec<String> {
    crate::names_in(dir)
}

#[test]
fn plugin_new_refuses_a_bad_name_a_non_empty_directory_and_a_missing_sdk_writing_nothing() {
    let home = private_dir();
    let work = private_dir();
    for bad in ["Acme", "acme_kit", "../acme", "test", "acme-"] {
        let dir = work.path().join("x");
        let out = run(
            home.path(),
            &["plugin", "new", bad, "--dir", &dir.to_string_lossy()],
        );
        assert_one_line_error(
            &out,
            OPERATOR,
            &["cannot name a plugin", "nothing was written"],
        );
        assert!(!dir.exists(), "{bad}: the directory was created");
    }
    let full = work.path().join("full");
    std::fs::create_dir(&full).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(full.join("keep.txt"), "mine").unwrap_or_else(|e| panic!("{e}"));
    let out = run(
        home.path(),
        &["plugin", "new", "acme", "--dir", &full.to_string_lossy()],
    );
    assert_one_line_error(&out, OPERATOR, &["is not empty", "nothing was written"]);
    assert_eq!(names_in(&full), ["keep.txt"]);
    let dir = work.path().join("nosdk");
    let out = run(
        home.path(),
        &[
            "plugin",
            "new",
            "acme",
            "--dir",
            &dir.to_string_lossy(),
            "--sdk",
            &work.path().join("none").to_string_lossy(),
        ],
    );
    assert_one_line_error(&out, OPERATOR, &["pass --sdk PATH"]);
    assert!(!dir.exists(), "written without an SDK");
    assert!(names_in(home.path()).is_empty(), "plugin new used the home");
}

#[test]
fn a_new_plugin_builds_for_wasm32_wasip2_and_passes_plugin_test_as_created() {
    let home = private_dir();
    let work = private_dir();
    let dir = work.path().join("kit-sample");
    let out = run(
        home.path(),
        &[
            "plugin",
            "new",
            "kit-sample",
            "--dir",
            &dir.to_string_lossy(),
        ],
    );
    assert!(out.status.success(), "plugin new: {}", text(&out.stderr));
    // The repository's lock: the same dependency versions as the plugins,
    // already downloaded and (in the shared target) compiled.
    std::fs::copy(repo_root().join("Cargo.lock"), dir.join("Cargo.lock"))
        .unwrap_or_else(|e| panic!("{e}"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let build = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--offline",
        ])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap_or_else(|e| panic!("cargo: {e}"));
    assert!(
        build.status.success(),
        "cargo build: {}",
        text(&build.stderr)
    );
    eprintln!("the scaffold built in {:?}", started.elapsed());
    let out = command(home.path(), &["plugin", "test", "--json"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "plugin test: {}", text(&out.stderr));
    let report = json(&text(&out.stdout));
    let users = &report["scan"]["streams"][0];
    assert_eq!(users["name"], "users", "{report}");
    assert_eq!(users["records"], 3, "{report}");
    assert_eq!(report["unanswered"], serde_json::json!([]));
}

/// Whether `program args…` runs and succeeds; when it does not, the test
/// says so loudly and is skipped, except in CI (`CI` set), where the pinned
/// tools are installed (.ci/run) and their absence is a failure.
fn tool_present(what: &str, program: &str, args: &[&str]) -> bool {
    let ok = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let msg = format!(
            "{what} is not installed: `{program} {}` failed (see .ci/run for how CI installs it)",
            args.join(" ")
        );
        assert!(std::env::var_os("CI").is_none(), "{msg}");
        eprintln!("\n!!! SKIPPED: {msg} !!!\n");
    }
    ok
}

/// Scaffold `name` in `lang`, build it with `build` (program and arguments,
/// run in the plugin's directory; `{sdk}` is replaced by the SDK's path) and
/// pass `plugboard plugin test` on the scaffold's cassette.
fn scaffold_builds_and_passes_plugin_test(name: &str, lang: &str, sdk: &str, build: &[&str]) {
    let home = private_dir();
    let work = private_dir();
    let dir = work.path().join(name);
    let out = run(
        home.path(),
        &[
            "plugin",
            "new",
            name,
            "--lang",
            lang,
            "--dir",
            &dir.to_string_lossy(),
        ],
    );
    assert!(out.status.success(), "plugin new: {}", text(&out.stderr));
    let sdk = repo_root().join(sdk);
    let args: Vec<String> = build[1..]
        .iter()
        .map(|a| a.replace("{sdk}", &sdk.to_string_lossy()))
        .collect();
    let started = Instant::now();
    let built = Command::new(build[0])
        .args(&args)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", build[0]));
    assert!(
        built.status.success(),
        "build: {}{}",
        text(&built.stdout),
        text(&built.stderr)
    );
    eprintln!("the {lang} scaffold built in {:?}", started.elapsed());
    let out = command(home.path(), &["plugin", "test", "--json"])
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "plugin test: {}", text(&out.stderr));
    let report = json(&text(&out.stdout));
    let users = &report["scan"]["streams"][0];
    assert_eq!(users["name"], "users", "{report}");
    assert_eq!(users["records"], 3, "{report}");
    assert_eq!(report["unanswered"], serde_json::json!([]));
}

#[test]
fn a_new_typescript_plugin_builds_with_the_pinned_tools_and_passes_plugin_test_as_created() {
    if !tool_present(
        "the TypeScript toolchain (node, sdk-ts/node_modules)",
        "node",
        &[
            "-e",
            "require.resolve('./sdk-ts/node_modules/@bytecodealliance/componentize-js/package.json')",
        ],
    ) {
        return;
    }
    scaffold_builds_and_passes_plugin_test(
        "kit-ts",
        "ts",
        "sdk-ts",
        &["node", "{sdk}/build.mjs", "."],
    );
}

#[test]
fn a_new_python_plugin_builds_with_the_pinned_tools_and_passes_plugin_test_as_created() {
    let python = std::env::var("PLUGBOARD_PYTHON").unwrap_or_else(|_| "python3".into());
    if !tool_present(
        "componentize-py (pip install -r sdk-py/requirements.txt)",
        &python,
        &["-c", "import componentize_py"],
    ) {
        return;
    }
    scaffold_builds_and_passes_plugin_test(
        "kit-py",
        "python",
        "sdk-py",
        &[&python, "{sdk}/build.py", "."],
    );
}
