//! The `plugboard` binary against bad operator input and interruptions.
//!
//! Each case runs the real binary in its own home and asserts what an
//! operator sees: a non-zero exit code by blame, exactly one `error` line
//! that names what is wrong and what to do, no panic, and nothing lost.
//! Plugin approval (`--grant-reveal`, re-approval of new versions) is driven
//! through the binary too, with stdin not a terminal, as in a script.

mod support;

// The operator's day: listing, partial scans, tables, JSON shapes, doctor
// and shell integration (issue 19). A module of this binary, so it shares
// the helpers below and adds no test binary.
mod day;

// `instance connect` and the consent flow's refresh tokens (issue 14 B).
mod consent;

// The author kit: `record`, `plugin test --cassette`, `plugin new` (issue 15).
mod kit;

// Plugins from a real OCI registry, signatures and trust (issue 17).
mod oci;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use plugboard_sim::zoom::{ZoomSim, ZoomSimBuilder};
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

/// The binary under test.
const PLUGBOARD: &str = env!("CARGO_BIN_EXE_plugboard");

/// Exit codes by blame (see `cli::exit`).
const OPERATOR: i32 = 2;
/// Exit code of a scan stopped by Ctrl-C.
const INTERRUPTED: i32 = 130;

/// Hang guard for waits on a child process or a database state; never a
/// pass/fail criterion by itself.
const HANG_GUARD: Duration = Duration::from_secs(120);

use support::{
    assert_victim_untouched, private_dir, repo_root, snapshot, victim_dir, wasm_path as component,
};

/// The built Zoom component.
fn zoom_wasm() -> PathBuf {
    component("plugboard_zoom.wasm")
}

/// `plugboard ARGS` with `PLUGBOARD_HOME=home` and a clean environment for
/// the variables the binary reads.
fn command(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(PLUGBOARD);
    c.args(args)
        .env("PLUGBOARD_HOME", home)
        .env("PLUGBOARD_LOG", "warn")
        .env_remove("PLUGBOARD_MASTER_KEY")
        .env_remove("PLUGBOARD_ALLOW_OPEN_HOME")
        .env_remove("PLUGBOARD_SIM_CLIENT_SECRET")
        .env_remove("PLUGBOARD_DATABASE")
        .stdin(Stdio::null());
    c
}

fn run(home: &Path, args: &[&str]) -> Output {
    command(home, args)
        .output()
        .unwrap_or_else(|e| panic!("running plugboard {args:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `plugboard ARGS` must succeed; returns stdout.
fn ok(home: &Path, args: &[&str]) -> String {
    let out = run(home, args);
    assert!(
        out.status.success(),
        "plugboard {args:?} failed ({:?}): {}",
        out.status.code(),
        text(&out.stderr)
    );
    assert_no_panic(&out);
    text(&out.stdout)
}

fn assert_no_panic(out: &Output) {
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "panic text in stderr: {stderr}"
    );
}

/// The failure contract: exit `code`, exactly one line starting with
/// `error` on stderr containing every one of `wants`, no panic text.
/// Returns that line.
fn assert_one_line_error(out: &Output, code: i32, wants: &[&str]) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status; stderr: {stderr}"
    );
    assert_no_panic(out);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "one error line expected in: {stderr}");
    let line = errors[0];
    for want in wants {
        assert!(
            line.contains(want),
            "{want:?} not in the error line {line:?}"
        );
    }
    line.to_string()
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// Add the Zoom plugin from `plugins/zoom` with `--yes`.
fn add_zoom(home: &Path) {
    let dir = repo_root().join("plugins/zoom");
    let wasm = zoom_wasm();
    ok(
        home,
        &[
            "plugin",
            "add",
            "--allow-unsigned",
            &dir.to_string_lossy(),
            "--wasm",
            &wasm.to_string_lossy(),
            "--yes",
        ],
    );
}

// ---- the home ----

#[test]
fn a_home_whose_path_cannot_be_created_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap_or_else(|e| panic!("{e}"));
    let home = file.join("home");
    let out = run(&home, &["plugin", "list"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "error (operator): cannot use",
            &home.display().to_string(),
            "as the Plugboard home",
            "pass --home DIR or set PLUGBOARD_HOME to a writable directory",
        ],
    );
    let left = std::fs::read(&file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(left, b"not a directory", "the file in the way was changed");
}

#[test]
fn a_home_that_is_a_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let home = dir.path().join("home");
    std::fs::write(&home, b"keep me").unwrap_or_else(|e| panic!("{e}"));
    let out = run(&home, &["instance", "list"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "it exists and is not a directory",
            "pass --home DIR or set PLUGBOARD_HOME",
        ],
    );
    let left = std::fs::read(&home).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(left, b"keep me");
}

/// The permission bits of `path`.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Names in `dir`.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_home_others_can_enter_is_refused_with_the_fix_and_nothing_is_written_into_it() {
    for open in [0o755, 0o750, 0o705, 0o770] {
        let parent = private_dir();
        let home = parent.path().join("home");
        std::fs::create_dir(&home).unwrap_or_else(|e| panic!("{e}"));
        set_mode(&home, open);
        for args in [
            &["plugin", "list"][..],
            &["instance", "list"],
            &["token", "list"],
        ] {
            let out = run(&home, args);
            let shown = home.display().to_string();
            assert_one_line_error(
                &out,
                OPERATOR,
                &[
                    &format!("error (operator): cannot use {shown} as the Plugboard home"),
                    &format!("its mode is {open:04o}"),
                    &format!("run `chmod 700 {shown}`"),
                    "--allow-open-home (PLUGBOARD_ALLOW_OPEN_HOME=1)",
                ],
            );
            assert!(
                names_in(&home).is_empty(),
                "mode {open:o}, {args:?}: written into the home"
            );
            assert_eq!(
                mode(&home),
                open,
                "mode {open:o}, {args:?}: the home's mode changed"
            );
        }
    }
}

#[test]
fn a_home_another_user_owns_is_refused_whatever_its_mode() {
    let parent = private_dir();
    let home = parent.path().join("home");
    std::fs::create_dir(&home).unwrap_or_else(|e| panic!("{e}"));
    set_mode(&home, 0o700);
    // Give it to `nobody`; only root can (CI runs as root).
    if let Err(e) = std::os::unix::fs::chown(&home, Some(65534), Some(65534)) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::PermissionDenied,
            "chown failed otherwise: {e}"
        );
        eprintln!("not root: cannot give the home to another user; the case is CI's (root)");
        return;
    }
    let out = run(&home, &["plugin", "list", "--allow-open-home"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "it belongs to user 65534, not to this user",
            "could replace the master key",
            "chown",
        ],
    );
    assert!(names_in(&home).is_empty(), "written into the home");
}

#[test]
fn a_home_others_can_enter_is_used_when_the_operator_allows_it() {
    for (case, flag, env) in [
        ("--allow-open-home", Some("--allow-open-home"), None),
        ("PLUGBOARD_ALLOW_OPEN_HOME=1", None, Some("1")),
    ] {
        let parent = private_dir();
        let home = parent.path().join("home");
        std::fs::create_dir(&home).unwrap_or_else(|e| panic!("{e}"));
        set_mode(&home, 0o755);
        let mut args = vec!["plugin", "list", "--json"];
        args.extend(flag);
        let mut cmd = command(&home, &args);
        if let Some(value) = env {
            cmd.env("PLUGBOARD_ALLOW_OPEN_HOME", value);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("{e}"));
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{case}: {stderr}");
        assert_eq!(json(&text(&out.stdout)), serde_json::json!([]), "{case}");
        assert!(
            stderr.contains("WARN") && stderr.contains("other users can access"),
            "{case}: no warning in {stderr}"
        );
        assert_eq!(
            mode(&home),
            0o755,
            "{case}: the operator's mode was changed"
        );
        assert_eq!(mode(&home.join("plugboard.db")), 0o600, "{case}");
    }
    // Anything but a yes/no value is refused, not read as "allowed".
    let parent = private_dir();
    let out = command(parent.path(), &["plugin", "list"])
        .env("PLUGBOARD_ALLOW_OPEN_HOME", "perhaps")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("perhaps"),
        "{}",
        text(&out.stderr)
    );
    assert!(names_in(parent.path()).is_empty());
}

#[test]
fn a_database_others_can_read_is_made_private_with_a_warning() {
    let home = private_dir();
    ok(home.path(), &["plugin", "list"]);
    let db = home.path().join("plugboard.db");
    set_mode(&db, 0o644);
    let out = run(home.path(), &["plugin", "list", "--json"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("WARN") && stderr.contains("changed its mode to 0600"),
        "no warning in {stderr}"
    );
    assert!(
        stderr.contains(&db.display().to_string()),
        "the file is not named: {stderr}"
    );
    assert_eq!(mode(&db), 0o600);
    let again = run(home.path(), &["plugin", "list"]);
    assert!(
        !text(&again.stderr).contains("WARN"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn every_file_the_host_writes_is_private_and_every_directory_too() {
    let sim = Sim::start(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1));
    let home = private_dir();
    add_zoom(home.path());
    add_zoom_instance(home.path(), "acme", &sim.sim, "pro", "1");
    ok(home.path(), &["scan", "acme"]);
    // `serve` keeps the database open, so its -wal and -shm files exist.
    let token = support::create_token(home.path());
    let daemon = support::Daemon::start(home.path(), &token, &[]);
    let mut seen = Vec::new();
    let mut wrong = Vec::new();
    walk(home.path(), &mut |path, is_dir| {
        let want = if is_dir { 0o700 } else { 0o600 };
        let got = mode(path);
        if got != want {
            wrong.push(format!("{} is {got:04o}", path.display()));
        }
        seen.push(
            path.strip_prefix(home.path())
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        );
    });
    drop(daemon);
    for must in [
        "",
        "plugboard.db",
        "plugboard.db-wal",
        "plugboard.db-shm",
        "master.key",
        "cache",
        "plugins/zoom/0.1.0/plugin.toml",
        "plugins/zoom/0.1.0/zoom.wasm",
    ] {
        assert!(
            seen.contains(&PathBuf::from(must)),
            "{must:?} not in {seen:?}"
        );
    }
    assert!(
        seen.iter()
            .any(|p| p.extension().is_some_and(|e| e == "cwasm")),
        "no artefact in {seen:?}"
    );
    assert!(wrong.is_empty(), "not private: {wrong:?}");
}

/// Call `f` with `dir` and everything under it, and whether it is a directory.
fn walk(dir: &Path, f: &mut impl FnMut(&Path, bool)) {
    f(dir, true);
    for entry in std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, f);
        } else {
            f(&path, false);
        }
    }
}

// ---- compiled artefacts ----

/// The artefact in `home`'s cache compiled from the component at `wasm`.
fn artefact_of(home: &Path, wasm: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{e}"));
    let digest = hex::encode(Sha256::digest(&bytes));
    let cache = home.join("cache");
    names_in(&cache)
        .into_iter()
        .find(|n| n.starts_with(&digest) && n.ends_with(".cwasm"))
        .map(|n| cache.join(n))
        .unwrap_or_else(|| panic!("no artefact for {digest} in {:?}", names_in(&cache)))
}

#[test]
fn another_plugins_artefact_copied_over_this_ones_is_recompiled_and_this_plugin_runs() {
    let home = private_dir();
    let add = |fixture: &str, wasm: &Path| {
        let dir = repo_root().join("tests/fixtures").join(fixture);
        ok(
            home.path(),
            &[
                "plugin",
                "add",
                "--allow-unsigned",
                &dir.to_string_lossy(),
                "--wasm",
                &wasm.to_string_lossy(),
                "--yes",
            ],
        );
    };
    let (probe, hostile) = (
        component("plugboard_probe.wasm"),
        component("plugboard_hostile_fixture.wasm"),
    );
    add("probe", &probe);
    add("hostile", &hostile);
    ok(
        home.path(),
        &[
            "instance",
            "add",
            "h",
            "--plugin",
            "hostile",
            "--config",
            "streams=well-behaved",
        ],
    );
    let (a, b) = (
        artefact_of(home.path(), &probe),
        artefact_of(home.path(), &hostile),
    );
    std::fs::copy(&a, &b).unwrap_or_else(|e| panic!("{e}"));

    let out = run(home.path(), &["scan", "h", "--json"]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "the scan failed: {stderr}");
    assert_no_panic(&out);
    assert!(
        stderr.contains("WARN") && stderr.contains("refusing a compiled artefact"),
        "no warning in {stderr}"
    );
    assert!(
        stderr.contains(&b.display().to_string()),
        "the file is not named: {stderr}"
    );
    let report = json(&text(&out.stdout));
    assert_eq!(report["instance"], "h", "{report}");
    let accounts = json(&ok(home.path(), &["accounts", "--instance", "h", "--json"]));
    assert_eq!(
        accounts["items"].as_array().map(Vec::len),
        Some(1),
        "{accounts}"
    );

    // Replaced: private, no longer A's, and the next load is quiet.
    assert_ne!(
        std::fs::read(&b).ok(),
        std::fs::read(&a).ok(),
        "still A's artefact"
    );
    assert_eq!(mode(&b), 0o600);
    let again = run(home.path(), &["scan", "h"]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        !text(&again.stderr).contains("WARN"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn rotating_the_master_key_drops_the_artefacts_it_invalidates_and_keeps_key_files_private() {
    let home = private_dir();
    let probe = component("plugboard_probe.wasm");
    let dir = repo_root().join("tests/fixtures/probe");
    ok(
        home.path(),
        &[
            "plugin",
            "add",
            "--allow-unsigned",
            &dir.to_string_lossy(),
            "--wasm",
            &probe.to_string_lossy(),
            "--yes",
        ],
    );
    ok(home.path(), &["instance", "add", "p", "--plugin", "probe"]);
    let artefact = artefact_of(home.path(), &probe);

    ok(home.path(), &["key", "rotate"]);
    assert!(!artefact.exists(), "an artefact under the old key is left");
    for key_file in ["master.key", "master.key.old"] {
        assert_eq!(mode(&home.path().join(key_file)), 0o600, "{key_file}");
    }
    assert!(!home.path().join("master.key.next").exists());

    let out = run(home.path(), &["instance", "check", "p"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("WARN"), "{}", text(&out.stderr));
    assert_eq!(mode(&artefact_of(home.path(), &probe)), 0o600);
}

// ---- the database ----

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let home = private_dir();
    let db = home.path().join("plugboard.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&db, &garbage).unwrap_or_else(|e| panic!("{e}"));
    let out = run(home.path(), &["instance", "list"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            &db.display().to_string(),
            "is not a plugboard database (or it is damaged)",
            "move it aside or use a different --home",
        ],
    );
    let left = std::fs::read(&db).unwrap_or_else(|e| panic!("{e}"));
    assert!(left == garbage, "the damaged file was changed");
}

#[test]
fn a_truncated_database_is_refused_with_the_same_hint() {
    let home = private_dir();
    add_zoom(home.path());
    let db = home.path().join("plugboard.db");
    let len = std::fs::metadata(&db)
        .unwrap_or_else(|e| panic!("{e}"))
        .len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .and_then(|f| f.set_len(len / 2))
        .unwrap_or_else(|e| panic!("{e}"));
    let out = run(home.path(), &["plugin", "list"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "is not a plugboard database (or it is damaged)",
            "move it aside or use a different --home",
        ],
    );
}

#[test]
fn a_database_path_that_cannot_be_opened_is_refused_with_a_hint() {
    let home = private_dir();
    std::fs::create_dir(home.path().join("plugboard.db")).unwrap_or_else(|e| panic!("{e}"));
    let out = run(home.path(), &["plugin", "list"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "cannot open database",
            "plugboard.db",
            "or use a different --home",
        ],
    );
}

// ---- a PostgreSQL database (`--database`, `PLUGBOARD_DATABASE`) ----

#[test]
fn cluster_status_on_sqlite_says_there_is_no_cluster_and_blames_the_operator() {
    let home = private_dir();
    let out = run(home.path(), &["cluster", "status"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("there is no cluster; give --database postgres://"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_postgres_database_given_by_flag_or_environment_holds_the_store() {
    let url = plugboard_pgcluster::database("cli_store").unwrap_or_else(|e| panic!("{e}"));
    let (one, other) = (private_dir(), private_dir());
    ok(
        one.path(),
        &["--database", &url, "token", "create", "--name", "node-one"],
    );
    let out = command(other.path(), &["token", "list", "--json"])
        .env("PLUGBOARD_DATABASE", &url)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let names: Vec<String> = json(&text(&out.stdout))
        .as_array()
        .unwrap_or_else(|| panic!("not a list"))
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        names,
        ["node-one"],
        "a token made through one home, listed through another"
    );
    for home in [&one, &other] {
        assert!(
            !home.path().join("plugboard.db").exists(),
            "no SQLite file beside a --database"
        );
    }
}

#[test]
fn a_postgres_database_that_cannot_be_used_is_an_operators_error_without_its_password() {
    let secret = "pw-7f3a9c1e";
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let cases = [
        (
            format!("postgres://pb:{secret}@127.0.0.1:{closed}/pb"),
            vec![
                "error (operator): cannot use PostgreSQL database",
                "postgres://pb@127.0.0.1:",
                "check that PostgreSQL is running",
            ],
        ),
        (
            format!("mysql://pb:{secret}@127.0.0.1/pb"),
            vec!["error (operator): --database mysql://pb@127.0.0.1/pb cannot be used"],
        ),
    ];
    let home = private_dir();
    for (url, wants) in &cases {
        let out = run(home.path(), &["--database", url, "instance", "list"]);
        let line = assert_one_line_error(&out, OPERATOR, wants);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            !all.contains(secret),
            "case {url}: password shown in {line}"
        );
    }
    let help = command(home.path(), &["--help"])
        .env("PLUGBOARD_DATABASE", &cases[0].0)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let help = text(&help.stdout);
    assert!(help.contains("PLUGBOARD_DATABASE"), "{help}");
    assert!(!help.contains(secret), "password in --help: {help}");
}

/// Instance settings for a Zoom instance `name` on `sim` (plan `plan`).
fn zoom_instance_args(name: &str, sim: &ZoomSim, plan: &str, days: &str) -> Vec<String> {
    let c = sim.credentials();
    let base = sim.base_url();
    [
        "instance",
        "add",
        name,
        "--plugin",
        "zoom",
        "--config",
        &format!("account_id={}", c.account_id),
        "--config",
        &format!("plan={plan}"),
        "--config",
        &format!("activity_days={days}"),
        "--secret",
        &format!("client_id={}", c.client_id),
        "--secret-env",
        "client_secret=CLI_TEST_ZOOM_SECRET",
        "--upstream",
        &format!("https://api.zoom.us={base}"),
        "--upstream",
        &format!("https://zoom.us={base}"),
    ]
    .map(String::from)
    .to_vec()
}

fn add_zoom_instance(home: &Path, name: &str, sim: &ZoomSim, plan: &str, days: &str) {
    let args = zoom_instance_args(name, sim, plan, days);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = command(home, &args)
        .env("CLI_TEST_ZOOM_SECRET", &sim.credentials().client_secret)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "instance add: {}", text(&out.stderr));
}

/// A Zoom simulator on loopback, served by its own runtime.
struct Sim {
    sim: ZoomSim,
    _runtime: tokio::runtime::Runtime,
}

impl Sim {
    fn start(builder: ZoomSimBuilder) -> Sim {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let sim = runtime
            .block_on(builder.start(([127, 0, 0, 1], 0).into()))
            .unwrap_or_else(|e| panic!("starting the simulator: {e}"));
        Sim {
            sim,
            _runtime: runtime,
        }
    }
}

#[test]
fn a_locked_database_fails_writes_with_a_hint_and_loses_nothing() {
    let sim = Sim::start(ZoomSimBuilder::new().users(5, 0, 0).activity_days(1));
    let home = private_dir();
    add_zoom(home.path());
    add_zoom_instance(home.path(), "z1", &sim.sim, "pro", "1");

    let db = home.path().join("plugboard.db");
    let holder = Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
    holder
        .execute_batch("BEGIN EXCLUSIVE")
        .unwrap_or_else(|e| panic!("taking the lock: {e}"));

    let wants = [
        "error (operator): another plugboard process holds",
        "plugboard.db (database is locked)",
        "stop it or use a different --home",
    ];
    // Another Zoom app (client id) on the same account: a legitimate second
    // instance, refused only because the database is locked.
    let args: Vec<String> = zoom_instance_args("z2", &sim.sim, "pro", "1")
        .into_iter()
        .map(|a| {
            if a.starts_with("client_id=") {
                "client_id=another-app".to_string()
            } else {
                a
            }
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = command(home.path(), &args)
        .env("CLI_TEST_ZOOM_SECRET", &sim.sim.credentials().client_secret)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_one_line_error(&out, OPERATOR, &wants);
    let out = run(home.path(), &["scan", "z1"]);
    assert_one_line_error(&out, OPERATOR, &wants);

    holder
        .execute_batch("ROLLBACK")
        .unwrap_or_else(|e| panic!("{e}"));
    drop(holder);
    // Nothing half-made: z2 was not created, z1 is intact and scans.
    let list = json(&ok(home.path(), &["instance", "list", "--json"]));
    let ids: Vec<&str> = list
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["z1"], "{list}");
    let report = json(&ok(home.path(), &["scan", "z1", "--json"]));
    assert_eq!(report["instance"], "z1", "{report}");
}

// ---- Ctrl-C mid-scan ----

/// Counts of what instance `id` holds, from `instance list --json`.
fn counts(home: &Path, id: &str) -> Value {
    let list = json(&ok(home, &["instance", "list", "--json"]));
    list.as_array()
        .and_then(|a| a.iter().find(|i| i["id"] == id))
        .map(|i| i["counts"].clone())
        .unwrap_or_else(|| panic!("no instance {id} in {list}"))
}

/// Rows of `sql` (one integer) in the database of `home`, read-only.
fn count_rows(home: &Path, sql: &str) -> i64 {
    let conn = Connection::open_with_flags(
        home.join("plugboard.db"),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    conn.busy_timeout(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    conn.query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Wait for `child` to exit, killing it past the hang guard.
fn wait(mut child: Child) -> Output {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > HANG_GUARD => {
                let _ = child.kill();
                panic!("plugboard did not exit within {HANG_GUARD:?}");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("{e}"),
        }
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn ctrl_c_mid_scan_keeps_committed_pages_and_the_next_scan_completes_without_duplicates() {
    // Plan `free` paces the instance slowly (one report page a second or
    // so), so a scan of 10 days of sign-ins takes several seconds.
    let sim = Sim::start(ZoomSimBuilder::new());
    let baseline = private_dir();
    add_zoom(baseline.path());
    add_zoom_instance(baseline.path(), "z", &sim.sim, "free", "10");
    ok(baseline.path(), &["scan", "z", "--json"]);
    let want = counts(baseline.path(), "z");
    assert_eq!(want["users"], sim.sim.summary().users as u64, "{want}");

    let home = private_dir();
    add_zoom(home.path());
    add_zoom_instance(home.path(), "z", &sim.sim, "free", "10");
    let mut child = command(home.path(), &["scan", "z"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait for the first committed page.
    let started = Instant::now();
    while count_rows(home.path(), "SELECT COUNT(*) FROM checkpoints") == 0 {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the scan ended ({status}) before committing a page");
        }
        assert!(started.elapsed() < HANG_GUARD, "no page committed");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        matches!(child.try_wait(), Ok(None)),
        "the scan should still be running after its first page"
    );
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(kill.success(), "kill -INT failed");
    let out = wait(child);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(INTERRUPTED), "stderr: {stderr}");
    assert_no_panic(&out);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr}");
    for want in [
        "interrupted",
        "every page committed so far is kept",
        "`plugboard scan z` resumes from the last checkpoint",
    ] {
        assert!(lines[0].contains(want), "{want:?} not in {:?}", lines[0]);
    }
    // Interrupted part-way: fewer activities than the whole scan, and the
    // run is recorded as failed by the operator's hand.
    let partial = counts(home.path(), "z");
    assert!(
        partial["activities"].as_u64() < want["activities"].as_u64(),
        "interrupted {partial} vs whole {want}"
    );
    assert_eq!(
        count_rows(
            home.path(),
            "SELECT COUNT(*) FROM sync_runs WHERE status = 'failed' AND error_blame = 'operator' \
             AND error_message LIKE 'interrupted%'"
        ),
        1,
        "the interrupted run is recorded"
    );

    let report = json(&ok(home.path(), &["scan", "z", "--json"]));
    let failed: Vec<&Value> = report["streams"]
        .as_array()
        .map(|s| s.iter().filter(|s| s["status"] != "completed").collect())
        .unwrap_or_default();
    assert!(failed.is_empty(), "the resumed scan: {report}");
    // Rows are keyed by upstream id, so a replayed page can only duplicate
    // by storing something under a new id: the counts would then exceed
    // those of the uninterrupted scan.
    assert_eq!(counts(home.path(), "z"), want, "resumed scan vs whole scan");
    assert_eq!(
        count_rows(
            home.path(),
            "SELECT COUNT(*) FROM sync_runs WHERE status = 'running'"
        ),
        0,
        "no run is left marked running"
    );
}

// ---- plugin approval ----

/// A copy of the Zoom plugin directory at `version`, its manifest text
/// passed through `edit`.
fn zoom_version(dir: &Path, version: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(repo_root().join("plugins/zoom/plugin.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = edit(text.replace("version = \"0.1.0\"", &format!("version = \"{version}\"")));
    let out = dir.join(format!("zoom-{version}"));
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.join("plugin.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    out
}

fn add_args<'a>(dir: &'a str, wasm: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["plugin", "add", dir, "--wasm", wasm, "--allow-unsigned"];
    args.extend_from_slice(extra);
    args
}

/// The current version and grant of plugin `id`.
fn current(home: &Path, id: &str) -> (String, Value) {
    let list = json(&ok(home, &["plugin", "list", "--json"]));
    let version = list
        .as_array()
        .and_then(|a| a.iter().find(|p| p["id"] == id))
        .and_then(|p| p["version"].as_str())
        .unwrap_or_else(|| panic!("no plugin {id} in {list}"))
        .to_string();
    let inspect = json(&ok(home, &["plugin", "inspect", id, "--json"]));
    (version, inspect["grant"].clone())
}

#[test]
fn secrets_reveal_is_granted_only_with_the_switch_and_shown_in_the_prompt() {
    let home = private_dir();
    let zoom = repo_root().join("plugins/zoom");
    let (zoom, wasm) = (
        zoom.to_string_lossy().into_owned(),
        zoom_wasm().to_string_lossy().into_owned(),
    );

    // Without --yes and without a terminal: the prompt text, then a refusal.
    let out = run(home.path(), &add_args(&zoom, &wasm, &["--grant-reveal"]));
    assert_one_line_error(
        &out,
        OPERATOR,
        &["plugin zoom 0.1.0 was not added", "re-run with --yes"],
    );
    assert!(
        text(&out.stderr).contains("secrets.reveal — the plugin may read the raw values"),
        "{}",
        text(&out.stderr)
    );
    let list = json(&ok(home.path(), &["plugin", "list", "--json"]));
    assert_eq!(list, serde_json::json!([]), "nothing is added");

    let out = run(home.path(), &add_args(&zoom, &wasm, &[]));
    assert!(
        !text(&out.stderr).contains("secrets.reveal"),
        "reveal is off by default: {}",
        text(&out.stderr)
    );

    ok(home.path(), &add_args(&zoom, &wasm, &["--yes"]));
    let (_, grant) = current(home.path(), "zoom");
    assert_eq!(grant["reveal_secrets"], false, "{grant}");

    let v2 = zoom_version(home.path(), "0.2.0", |t| t);
    let out = run(
        home.path(),
        &add_args(&v2.to_string_lossy(), &wasm, &["--grant-reveal", "--yes"]),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("new: secrets.reveal"),
        "{}",
        text(&out.stderr)
    );
    let (version, grant) = current(home.path(), "zoom");
    assert_eq!(version, "0.2.0");
    assert_eq!(grant["reveal_secrets"], true, "{grant}");
}

#[test]
fn a_new_version_asking_for_nothing_new_keeps_its_approval_without_a_prompt() {
    let home = private_dir();
    add_zoom(home.path());
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    // Same request, one action fewer: nothing new.
    let v2 = zoom_version(home.path(), "0.2.0", |t| {
        t.replace(
            "[[action]]\nname = \"reactivate-user\"\ndescription = \"Activate a Zoom user (PUT /users/{id}/status activate).\"\n",
            "",
        )
    });
    let out = run(home.path(), &add_args(&v2.to_string_lossy(), &wasm, &[]));
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "zoom 0.2.0 asks for nothing beyond what the current version 0.1.0 was approved for; that approval carries over"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("removed: action reactivate-user"),
        "{stderr}"
    );
    let (version, grant) = current(home.path(), "zoom");
    assert_eq!(version, "0.2.0");
    assert_eq!(grant["approved_by"], "carried over from 0.1.0", "{grant}");
    assert_eq!(
        grant["actions"],
        serde_json::json!(["suspend-user"]),
        "{grant}"
    );
}

#[test]
fn a_new_version_asking_for_more_is_not_added_until_approved_again() {
    let home = private_dir();
    add_zoom(home.path());
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    let v2 = zoom_version(home.path(), "0.2.0", |t| {
        t.replace("name = \"reactivate-user\"", "name = \"delete-user\"")
            + "\n[[egress]]\nurl = \"https://collector.example/\"\nmethods = [\"POST\"]\n"
    });
    let v2 = v2.to_string_lossy().into_owned();

    let out = run(home.path(), &add_args(&v2, &wasm, &[]));
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "plugin zoom 0.2.0 was not added",
            "approval needed for 2 new capabilities",
            "re-run with --yes",
            "version 0.1.0 stays current",
        ],
    );
    let stderr = text(&out.stderr);
    for want in [
        "zoom 0.2.0 asks for more than the current version 0.1.0 was approved for:",
        "  new: network POST https://collector.example/",
        "  new: action delete-user",
        "  removed: action reactivate-user",
    ] {
        assert!(stderr.contains(want), "{want:?} not in {stderr}");
    }
    let (version, grant) = current(home.path(), "zoom");
    assert_eq!(version, "0.1.0", "the old version stays current");
    assert_eq!(grant["approved_by"], "--yes");

    let out = run(home.path(), &add_args(&v2, &wasm, &["--yes", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let added = json(&text(&out.stdout));
    assert_eq!(added["changes"]["previous_version"], "0.1.0", "{added}");
    assert_eq!(
        added["changes"]["added"],
        serde_json::json!([
            {"kind": "network", "detail": "POST https://collector.example/"},
            {"kind": "action", "detail": "delete-user"},
        ]),
        "{added}"
    );
    let (version, grant) = current(home.path(), "zoom");
    assert_eq!(version, "0.2.0");
    assert!(
        grant["egress"]
            .as_array()
            .is_some_and(|e| e.iter().any(|r| r == "POST https://collector.example/")),
        "{grant}"
    );
}

#[test]
fn the_prompt_says_where_each_secret_goes_and_a_new_destination_needs_approval() {
    let home = private_dir();
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    fn webhook(to: &'static str) -> impl FnOnce(String) -> String {
        move |t| {
            t + &format!(
                "\n[[secret]]\nname = \"webhook_token\"\ndescription = \"Verifies webhooks.\"\nrequired = false\nsend_to = [\"{to}\"]\n"
            )
        }
    }
    let v1 = zoom_version(
        home.path(),
        "0.1.0",
        webhook("https://api.zoom.us/v2/webhooks/"),
    );
    let out = run(home.path(), &add_args(&v1.to_string_lossy(), &wasm, &[]));
    let stderr = text(&out.stderr);
    for want in [
        "secret       client_secret — ",
        "(sent by the host only to the token endpoint of auth profile `zoom-s2s`)",
        "secret       webhook_token — Verifies webhooks. (attached by the host to requests under https://api.zoom.us/v2/webhooks/)",
    ] {
        assert!(
            stderr.contains(want),
            "{want:?} not in the prompt: {stderr}"
        );
    }
    ok(
        home.path(),
        &add_args(&v1.to_string_lossy(), &wasm, &["--yes"]),
    );

    let v2 = zoom_version(home.path(), "0.2.0", webhook("https://api.zoom.us/v2/"));
    let out = run(home.path(), &add_args(&v2.to_string_lossy(), &wasm, &[]));
    assert_one_line_error(
        &out,
        OPERATOR,
        &[
            "plugin zoom 0.2.0 was not added",
            "approval needed for 1 new capability",
        ],
    );
    assert!(
        text(&out.stderr).contains("new: secret webhook_token to https://api.zoom.us/v2/"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(current(home.path(), "zoom").0, "0.1.0");
}

#[test]
fn a_new_version_that_paces_less_needs_approval_again() {
    let home = private_dir();
    add_zoom(home.path());
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    // (version, text in the Zoom manifest, its replacement, what is new)
    let cases = [
        (
            "0.2.0",
            "path = \"/v2/report/*\"",
            "path = \"/v2/*\"",
            "new: rate bucket heavy: matches GET /v2/* (was GET /v2/report/*)",
        ),
        (
            "0.3.0",
            "pro = { per_second = 10, per_day = 30000 }",
            "pro = { per_second = 100, per_day = 30000 }",
            "new: rate bucket heavy: quota for plan pro raised to 100/s, 30000/day (was 10/s, 30000/day)",
        ),
        (
            "0.4.0",
            "pro = { per_second = 10, per_day = 30000 }",
            "pro = { per_second = 10 }",
            "new: rate bucket heavy: quota for plan pro raised to 10/s (was 10/s, 30000/day)",
        ),
    ];
    for (version, from, to, want) in cases {
        let v = zoom_version(home.path(), version, |t| {
            assert!(t.contains(from), "{from:?} not in the Zoom manifest");
            t.replacen(from, to, 1)
        });
        let out = run(home.path(), &add_args(&v.to_string_lossy(), &wasm, &[]));
        assert_one_line_error(
            &out,
            OPERATOR,
            &[&format!("plugin zoom {version} was not added")],
        );
        let stderr = text(&out.stderr);
        assert!(stderr.contains(want), "{want:?} not in {stderr}");
        assert_eq!(
            current(home.path(), "zoom").0,
            "0.1.0",
            "the approved version stays"
        );
    }
}

#[test]
fn a_manifest_that_would_rewrite_the_prompt_is_refused_on_one_safe_line() {
    let home = private_dir();
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    for (field, forged) in [
        (
            "name = \"Zoom\"",
            "name = \"Zoom\\u001b[3A\\u001b[2K  network      none\"",
        ),
        ("vendor = \"Plugboard\"", "vendor = \"Plugboard\\r\""),
        ("description = \"", "description = \"\\u202e \\u200b"),
    ] {
        let dir = zoom_version(home.path(), "0.1.0", |t| t.replacen(field, forged, 1));
        let out = run(
            home.path(),
            &add_args(&dir.to_string_lossy(), &wasm, &["--yes"]),
        );
        let line = assert_one_line_error(
            &out,
            OPERATOR,
            &["may not contain control or invisible formatting characters"],
        );
        let stderr = text(&out.stderr);
        for raw in ['\u{1b}', '\r', '\u{202e}', '\u{200b}'] {
            assert!(
                !stderr.contains(raw),
                "{raw:?} reached the terminal: {stderr:?}"
            );
        }
        assert!(line.contains("\\u{"), "the value is shown escaped: {line}");
    }
    let list = json(&ok(home.path(), &["plugin", "list", "--json"]));
    assert_eq!(list, serde_json::json!([]), "nothing is added");
}

// ---- secrets in plugin text ----

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn a_revealed_secret_never_reaches_the_log_the_error_line_the_output_or_the_store() {
    const KEY: &str = "cli-leak-test-key-5d1e9a";
    let home = private_dir();
    let fixture = repo_root().join("tests/fixtures/hostile");
    let wasm = component("plugboard_hostile_fixture.wasm");
    ok(
        home.path(),
        &[
            "plugin",
            "add",
            "--allow-unsigned",
            &fixture.to_string_lossy(),
            "--wasm",
            &wasm.to_string_lossy(),
            "--yes",
            "--grant-reveal",
        ],
    );
    let out = command(
        home.path(),
        &[
            "instance",
            "add",
            "h",
            "--plugin",
            "hostile",
            "--config",
            "streams=leak-secret",
            "--secret-env",
            "api_key=CLI_TEST_API_KEY",
        ],
    )
    .env("CLI_TEST_API_KEY", KEY)
    .output()
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = run(home.path(), &["scan", "h"]);
    let line = assert_one_line_error(
        &out,
        4,
        &[
            "error (plugin): scan of h failed in stream leak-secret",
            "the api_key is [redacted]; again: [redacted]",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stderr.contains("leak-secret: the api_key is [redacted]") && stderr.contains("WARN"),
        "the plugin's log line, scrubbed, is on stderr: {stderr}"
    );
    assert!(stdout.contains("[redacted]"), "{stdout}");
    for (what, shown) in [("stdout", &stdout), ("stderr", &stderr), ("error", &line)] {
        assert!(!shown.contains(KEY), "the secret is in {what}: {shown}");
    }
    let json_out = run(home.path(), &["scan", "h", "--json"]);
    assert!(
        !text(&json_out.stdout).contains(KEY),
        "{}",
        text(&json_out.stdout)
    );
    assert!(
        text(&json_out.stdout).contains("[redacted]"),
        "{}",
        text(&json_out.stdout)
    );

    let conn = Connection::open_with_flags(
        home.path().join("plugboard.db"),
        OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let stored: Vec<String> = conn
        .prepare("SELECT error_message FROM sync_runs WHERE instance_id = 'h'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    assert_eq!(stored.len(), 2, "{stored:?}");
    for m in &stored {
        assert!(m.contains("the api_key is [redacted]"), "{m}");
    }
    let mut files = Vec::new();
    files_under(home.path(), &mut files);
    for f in files {
        let bytes = std::fs::read(&f).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "the secret is in {}",
            f.display()
        );
    }
}

// ---- instance check, plugin remove ----

#[test]
fn instance_check_shows_the_account_and_blames_refused_credentials_on_the_operator() {
    let sim = Sim::start(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1));
    let home = private_dir();
    add_zoom(home.path());
    add_zoom_instance(home.path(), "acme", &sim.sim, "pro", "1");
    let account = sim.sim.credentials().account_id;

    let out = ok(home.path(), &["instance", "check", "acme"]);
    assert!(out.contains("the app accepted the credentials"), "{out}");
    assert!(out.contains(&account), "{out}");
    let report = json(&ok(home.path(), &["instance", "check", "acme", "--json"]));
    assert_eq!(report["instance"], "acme", "{report}");
    assert_eq!(report["account"]["id"], account.as_str(), "{report}");
    assert_eq!(report["account"]["plan"], "pro", "{report}");

    // `instance show` names the secrets, never their values.
    ok(home.path(), &["scan", "acme"]);
    let secret = sim.sim.credentials().client_secret;
    let shown = ok(home.path(), &["instance", "show", "acme"]);
    assert!(shown.contains("secret   client_secret (sealed)"), "{shown}");
    assert!(shown.contains("3 users"), "{shown}");
    assert!(!shown.contains(&secret), "{shown}");
    let shown = json(&ok(home.path(), &["instance", "show", "acme", "--json"]));
    assert_eq!(
        shown["secrets"],
        serde_json::json!(["client_id", "client_secret"])
    );
    assert_eq!(shown["config"]["plan"], "pro", "{shown}");
    assert_eq!(shown["counts"]["users"], 3, "{shown}");
    assert_eq!(shown["runs"][0]["status"], "succeeded", "{shown}");
    assert!(!shown.to_string().contains(&secret));

    ok(
        home.path(),
        &[
            "instance",
            "set",
            "acme",
            "--secret",
            "client_secret=not-the-secret",
        ],
    );
    let out = run(home.path(), &["instance", "check", "acme"]);
    let line = assert_one_line_error(
        &out,
        OPERATOR,
        &["the credentials check of instance acme failed"],
    );
    assert!(!line.contains("not-the-secret"), "{line}");

    let out = run(home.path(), &["instance", "check", "nope"]);
    assert_one_line_error(&out, OPERATOR, &["nope"]);
}

#[test]
fn a_plugin_in_use_is_kept_and_an_unused_one_is_removed_with_its_files() {
    let sim = Sim::start(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1));
    let home = private_dir();
    add_zoom(home.path());
    add_zoom_instance(home.path(), "acme", &sim.sim, "pro", "1");
    let files = home.path().join("plugins").join("zoom");
    let compiled = |home: &Path| -> usize {
        std::fs::read_dir(home.join("cache"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".cwasm"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert!(compiled(home.path()) > 0, "plugin add compiles and caches");

    let out = run(home.path(), &["plugin", "remove", "zoom"]);
    assert_one_line_error(
        &out,
        OPERATOR,
        &["\"zoom\"", "\"acme\"", "remove those instances first"],
    );
    assert!(files.exists(), "nothing removed while in use");
    assert_eq!(
        json(&ok(home.path(), &["plugin", "list", "--json"]))[0]["id"],
        "zoom"
    );

    ok(home.path(), &["instance", "remove", "acme", "--yes"]);
    let out = ok(home.path(), &["plugin", "remove", "zoom"]);
    assert!(
        out.contains("removed plugin zoom (versions 0.1.0)"),
        "{out}"
    );
    assert!(!files.exists(), "the plugin's files are deleted");
    assert_eq!(compiled(home.path()), 0, "its compiled artefact is deleted");
    assert_eq!(
        json(&ok(home.path(), &["plugin", "list", "--json"])),
        serde_json::json!([])
    );
    let out = run(home.path(), &["plugin", "remove", "zoom"]);
    assert_one_line_error(&out, OPERATOR, &["plugin \"zoom\" does not exist"]);
}

// ---- plugboard sim ----

/// Run `plugboard sim ARGS` until it has printed its banner, stop it with
/// SIGINT, and return what it printed and its exit code.
#[cfg(feature = "demo")]
fn sim_banner(args: &[&str]) -> (String, Option<i32>) {
    use std::io::BufRead as _;
    let home = private_dir();
    let mut child = command(home.path(), args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning plugboard {args:?}: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut banner = String::new();
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            banner.push_str(&line);
            banner.push('\n');
            if line.starts_with("Ctrl-C stops it") {
                let _ = tx.send(banner.clone());
            }
        }
    });
    let banner = rx
        .recv_timeout(HANG_GUARD)
        .unwrap_or_else(|e| panic!("no banner from plugboard {args:?}: {e}"));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(kill.success(), "kill -INT failed");
    (banner, wait(child).status.code())
}

#[cfg(feature = "demo")]
#[test]
fn a_simulator_prints_the_credentials_it_honours_and_the_routes_to_it() {
    let (banner, code) = sim_banner(&[
        "sim",
        "zoom",
        "--listen",
        "127.0.0.1:0",
        "--account-id",
        "acct-cli",
        "--client-secret",
        "chosen-secret",
    ]);
    assert_eq!(code, Some(0), "{banner}");
    let base = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {banner}"));
    assert!(banner.contains("account_id    acct-cli"), "{banner}");
    assert!(
        banner.contains(&format!(
            "--upstream https://api.zoom.us={base} --upstream https://zoom.us={base}"
        )),
        "{banner}"
    );
    assert!(
        !banner.contains("chosen-secret"),
        "a chosen secret is not echoed: {banner}"
    );

    let (banner, code) = sim_banner(&[
        "sim",
        "github",
        "--listen",
        "127.0.0.1:0",
        "--org",
        "octo-cli",
    ]);
    assert_eq!(code, Some(0), "{banner}");
    assert!(banner.contains("org           octo-cli"), "{banner}");
    assert!(banner.contains("token         github_pat_"), "{banner}");
    assert!(
        banner.contains("--upstream https://api.github.com=http://127.0.0.1:"),
        "{banner}"
    );
    let key = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("app key"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no key file in {banner}"));
    assert!(
        !Path::new(key).exists(),
        "the key file is removed on exit: {key}"
    );

    let (banner, code) = sim_banner(&["sim", "azure", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(0), "{banner}");
    assert!(
        banner.contains("(generated; pass --client-secret to choose)"),
        "{banner}"
    );
    for origin in [
        "https://login.microsoftonline.com",
        "https://management.azure.com",
        "https://graph.microsoft.com",
    ] {
        assert!(
            banner.contains(&format!("--upstream {origin}=http://127.0.0.1:")),
            "{banner}"
        );
    }
}

// ---- the README's first command ----

#[cfg(feature = "demo")]
#[test]
fn the_demo_scans_every_simulator_and_summarises_what_it_found() {
    let home = private_dir();
    let wasm = zoom_wasm();
    let plugin_dir = wasm
        .parent()
        .unwrap_or_else(|| panic!("{} has no directory", wasm.display()));
    let summary = json(&ok(
        home.path(),
        &[
            "demo",
            "--json",
            "--plugin-dir",
            &plugin_dir.to_string_lossy(),
        ],
    ));
    let instances = summary["instances"]
        .as_array()
        .unwrap_or_else(|| panic!("no instances in {summary}"));
    let plugins: Vec<&str> = instances
        .iter()
        .filter_map(|i| i["plugin"].as_str())
        .collect();
    assert_eq!(plugins, ["zoom", "azure", "github"], "{summary}");
    support::assert_matches_schema("demo", "demo --json", &summary);
    for i in instances {
        for field in [
            "users",
            "groups",
            "admins",
            "audit_events",
            "findings",
            "requests",
        ] {
            assert!(
                i[field].as_u64().is_some_and(|n| n > 0),
                "{field} of {}: {summary}",
                i["plugin"]
            );
        }
    }
    assert_eq!(summary["home"], home.path().to_string_lossy().as_ref());
    // The GitHub instance holds exactly the simulator's organization.
    let want = github_default_summary();
    let github = &instances[2];
    for (field, n) in [
        ("users", want.members + want.outside_collaborators),
        ("groups", want.teams),
        ("admins", want.owners),
        ("activities", want.audit_events),
    ] {
        assert_eq!(github[field].as_u64(), Some(n as u64), "{field}: {github}");
    }
    assert_eq!(github["findings"].as_u64(), Some(6), "{github}");
    assert_eq!(github["failed_findings"].as_u64(), Some(5), "{github}");
}

/// What the demo's GitHub simulator (the defaults) holds.
#[cfg(feature = "demo")]
fn github_default_summary() -> plugboard_sim::github::GithubSummary {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    runtime.block_on(async {
        let sim = plugboard_sim::github::GithubSimBuilder::new()
            .start(([127, 0, 0, 1], 0).into())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let summary = sim.summary();
        sim.shutdown().await;
        summary
    })
}

#[test]
fn a_remote_check_refuses_a_name_that_cannot_be_an_instance_before_any_request() {
    let home = private_dir();
    for name in ["..", ".", "a/b", "x?y"] {
        // Port 9 (discard) is closed: reaching the network would be a different error.
        let out = command(
            home.path(),
            &[
                "instance",
                "check",
                name,
                "--server",
                "http://127.0.0.1:9",
                "--token",
                "t",
            ],
        )
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
        let line = assert_one_line_error(&out, OPERATOR, &[name]);
        assert!(!line.contains("cannot reach the daemon"), "{line}");
    }
}

// ---- hostile packages: versions that are paths, immutable versions ----

/// A copy of the Zoom manifest in `dir/name/` with `version` set to
/// `version` (TOML-quoted) and passed through `edit`.
fn crafted_zoom(
    dir: &Path,
    name: &str,
    version: &str,
    edit: impl FnOnce(String) -> String,
) -> PathBuf {
    let text = std::fs::read_to_string(repo_root().join("plugins/zoom/plugin.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let line = format!("version = {}", toml::Value::String(version.into()));
    let crafted = edit(text.replacen("version = \"0.1.0\"", &line, 1));
    assert!(
        crafted.contains(&line),
        "the Zoom manifest no longer has version 0.1.0"
    );
    let out = dir.join(name);
    std::fs::create_dir_all(&out).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.join("plugin.toml"), crafted).unwrap_or_else(|e| panic!("{e}"));
    out
}

/// Every stored plugin version: id, version, component sha256, manifest.
fn plugin_rows(home: &Path) -> Vec<(String, String, String, String)> {
    let conn = Connection::open_with_flags(
        home.join("plugboard.db"),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut stmt = conn
        .prepare("SELECT id, version, wasm_sha256, manifest FROM plugins ORDER BY id, version")
        .unwrap_or_else(|e| panic!("{e}"));
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(|rows| rows.collect())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn a_package_whose_version_is_a_path_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let victim = victim_dir(dir.path());
    let home = private_dir();
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    let absolute = victim.to_string_lossy().into_owned();
    for (name, version) in [("up", "../.."), ("abs", absolute.as_str()), ("dot", "..")] {
        let package = crafted_zoom(dir.path(), name, version, |t| t);
        let package = package.to_string_lossy().into_owned();
        let out = run(home.path(), &add_args(&package, &wasm, &["--yes"]));
        let want = format!(
            "plugin.toml field `version` = {version:?} is not valid: a semantic version such as 1.2.0 or 2.0.0-beta.1, at most 64 bytes"
        );
        assert_one_line_error(&out, OPERATOR, &["error (operator):", &want]);
        assert_victim_untouched(&victim);
        assert_eq!(
            json(&ok(home.path(), &["plugin", "list", "--json"])),
            serde_json::json!([]),
            "{version:?}: nothing is added"
        );
        assert!(
            snapshot(&home.path().join("plugins")).is_empty(),
            "{version:?}: files written under the home's plugins/"
        );
        assert!(
            home.path().join("plugboard.db").exists(),
            "{version:?}: the home is intact"
        );
    }
    // The host keeps working: a well-formed package is added.
    add_zoom(home.path());
    assert_eq!(current(home.path(), "zoom").0, "0.1.0");
    assert_victim_untouched(&victim);
}

#[test]
fn removing_a_plugin_whose_stored_version_is_a_path_keeps_the_home_the_database_and_the_key() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let victim = victim_dir(dir.path());
    let home = private_dir();
    add_zoom(home.path());
    ok(home.path(), &["key", "rotate"]);
    let key_file = home.path().join("master.key");
    let key = std::fs::read(&key_file).unwrap_or_else(|e| panic!("master.key: {e}"));
    // Rows an older host could have stored from an unchecked manifest.
    let absolute = victim.to_string_lossy().into_owned();
    {
        let conn =
            Connection::open(home.path().join("plugboard.db")).unwrap_or_else(|e| panic!("{e}"));
        for bad in ["../..", absolute.as_str()] {
            conn.execute(
                "INSERT INTO plugins (id, version, contract, manifest, wasm_sha256, wasm_path, \
                 grant_json, info_json, added_at) SELECT id, ?1, contract, manifest, wasm_sha256, \
                 wasm_path, grant_json, info_json, added_at FROM plugins WHERE id = 'zoom' AND version = '0.1.0'",
                [bad],
            )
            .unwrap_or_else(|e| panic!("tampering with the store: {e}"));
        }
    }
    assert_eq!(plugin_rows(home.path()).len(), 3);

    let out = run(home.path(), &["plugin", "remove", "zoom"]);
    assert_no_panic(&out);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "plugin remove failed: {stderr}");
    assert!(
        stdout.starts_with("removed plugin zoom (versions ")
            && stdout.contains("\"../..\"")
            && stdout.contains(&format!("{absolute:?}"))
            && stdout.contains("0.1.0"),
        "{stdout}"
    );
    for bad in ["../..", absolute.as_str()] {
        let want = format!(
            "warning: the row of version {bad:?} was removed, but no files were deleted for it: plugin version {bad:?} is not a safe file name"
        );
        assert!(
            stderr.lines().any(|l| l.starts_with(&want)),
            "{want:?} not in {stderr}"
        );
    }
    assert!(
        home.path().join("plugboard.db").exists(),
        "the database was deleted"
    );
    assert_eq!(
        std::fs::read(&key_file).ok().as_deref(),
        Some(key.as_slice()),
        "the master key was deleted or changed"
    );
    assert_victim_untouched(&victim);
    assert!(
        !home.path().join("plugins").join("zoom").exists(),
        "the plugin's own files go"
    );
    assert!(plugin_rows(home.path()).is_empty(), "every row goes");
    assert_eq!(
        json(&ok(home.path(), &["plugin", "list", "--json"])),
        serde_json::json!([])
    );
}

#[test]
fn an_added_version_never_changes_the_same_package_is_a_no_op_and_another_is_refused() {
    let sim = Sim::start(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let home = private_dir();
    add_zoom(home.path());
    add_zoom_instance(home.path(), "acme", &sim.sim, "pro", "1");
    let rows = plugin_rows(home.path());
    let files = snapshot(&home.path().join("plugins"));
    let zoom_dir = repo_root()
        .join("plugins/zoom")
        .to_string_lossy()
        .into_owned();
    let zoom = zoom_wasm().to_string_lossy().into_owned();
    let manifest = std::fs::read_to_string(repo_root().join("plugins/zoom/plugin.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let stored_component =
        sha256_hex(&std::fs::read(zoom_wasm()).unwrap_or_else(|e| panic!("{e}")));
    let stored_manifest = sha256_hex(manifest.as_bytes());
    let unchanged = || {
        assert_eq!(
            plugin_rows(home.path()),
            rows,
            "the stored versions changed"
        );
        assert_eq!(
            snapshot(&home.path().join("plugins")),
            files,
            "the stored files changed"
        );
    };

    // The same package again: nothing to approve, nothing changes.
    let out = ok(home.path(), &add_args(&zoom_dir, &zoom, &[]));
    assert!(
        out.contains("plugin zoom 0.1.0 is already added with the same component and manifest")
            && out.contains("nothing changed"),
        "{out}"
    );
    let answer = json(&ok(home.path(), &add_args(&zoom_dir, &zoom, &["--json"])));
    assert_eq!(answer["unchanged"], true, "{answer}");
    assert_eq!(answer["sha256"], stored_component.as_str(), "{answer}");
    unchanged();

    // Another manifest, or other bytes, under the same version: refused
    // before anything is asked (this manifest asks for more, and no --yes
    // is given).
    let edited = crafted_zoom(dir.path(), "edited", "0.1.0", |t| {
        t.replacen(
            "methods = [\"GET\", \"PUT\"]",
            "methods = [\"GET\", \"PUT\", \"DELETE\"]",
            1,
        )
    });
    let edited_manifest =
        std::fs::read(edited.join("plugin.toml")).unwrap_or_else(|e| panic!("{e}"));
    let edited = edited.to_string_lossy().into_owned();
    let azure = component("plugboard_azure.wasm");
    let azure_component = sha256_hex(&std::fs::read(&azure).unwrap_or_else(|e| panic!("{e}")));
    let azure = azure.to_string_lossy().into_owned();
    for (what, package, wasm, offered, yes) in [
        (
            "another manifest",
            edited.as_str(),
            zoom.as_str(),
            (stored_component.clone(), sha256_hex(&edited_manifest)),
            &[][..],
        ),
        (
            "other bytes",
            zoom_dir.as_str(),
            azure.as_str(),
            (azure_component.clone(), stored_manifest.clone()),
            &["--yes"][..],
        ),
    ] {
        assert_ne!(
            offered,
            (stored_component.clone(), stored_manifest.clone()),
            "{what}"
        );
        let out = run(home.path(), &add_args(package, wasm, yes));
        let stored = format!(
            "plugin zoom 0.1.0 is already added with component sha256 {stored_component} and manifest sha256 {stored_manifest}"
        );
        let offered = format!(
            "but this package has component sha256 {} and manifest sha256 {}",
            offered.0, offered.1
        );
        assert_one_line_error(
            &out,
            OPERATOR,
            &[
                "error (operator):",
                &stored,
                &offered,
                "publish it as a new version",
                "nothing was changed",
            ],
        );
        unchanged();
    }

    // The approved version is still current and loads.
    assert_eq!(current(home.path(), "zoom").0, "0.1.0");
    let out = ok(home.path(), &["instance", "check", "acme"]);
    assert!(out.contains("the app accepted the credentials"), "{out}");
}

#[test]
fn plugin_rollback_takes_a_semantic_version_and_refuses_a_path_before_any_lookup() {
    let zoom_dir = || {
        repo_root()
            .join("plugins/zoom")
            .to_string_lossy()
            .into_owned()
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let home = private_dir();
    let wasm = zoom_wasm().to_string_lossy().into_owned();
    add_zoom(home.path());
    let v2 = crafted_zoom(dir.path(), "v2", "0.2.0", |t| t);
    ok(
        home.path(),
        &add_args(&v2.to_string_lossy(), &wasm, &["--yes"]),
    );
    assert_eq!(current(home.path(), "zoom").0, "0.2.0");
    let rows = plugin_rows(home.path());
    for bad in ["../..", "/tmp", "1.0", ""] {
        let out = run(
            home.path(),
            &["plugin", "rollback", "zoom", "--version", bad],
        );
        let want = format!(
            "version {bad:?} is not valid: use a semantic version such as 1.2.0 or 2.0.0-beta.1, at most 64 bytes"
        );
        assert_one_line_error(&out, OPERATOR, &["error (operator):", &want]);
        assert_eq!(current(home.path(), "zoom").0, "0.2.0", "{bad:?}");
        assert_eq!(plugin_rows(home.path()), rows, "{bad:?}");
    }
    // Adding the version that is not current again changes nothing either.
    let out = ok(home.path(), &add_args(&zoom_dir(), &wasm, &[]));
    assert!(
        out.contains("plugin zoom 0.1.0 is already added with the same component and manifest")
            && out.contains("version 0.2.0 is current; `plugboard plugin rollback zoom --version 0.1.0` makes this one current"),
        "{out}"
    );
    assert_eq!(current(home.path(), "zoom").0, "0.2.0");
    assert_eq!(plugin_rows(home.path()), rows);
    let out = ok(
        home.path(),
        &["plugin", "rollback", "zoom", "--version", "0.1.0"],
    );
    assert!(out.contains("plugin zoom is now at version 0.1.0"), "{out}");
    assert_eq!(current(home.path(), "zoom").0, "0.1.0");
}
