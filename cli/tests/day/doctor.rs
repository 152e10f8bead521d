//! `plugboard doctor`: one line per check, the fix on each failing one,
//! the exit code by the first failure's blame, and nothing changed.

use std::path::{Path, PathBuf};

use plugboard_core::store::latest_version;
use plugboard_sim::zoom::ZoomSimBuilder;
use rusqlite::Connection;

use super::{Setup, UPSTREAM};
use crate::support::snapshot;
use crate::{OPERATOR, command, json, mode, ok, private_dir, run, set_mode, text};

/// `doctor`'s lines, exit code and stderr in `home` (extra arguments first).
fn doctor(home: &Path, extra: &[&str]) -> (Vec<String>, Option<i32>, String) {
    let mut args = extra.to_vec();
    args.push("doctor");
    let out = run(home, &args);
    let lines = text(&out.stdout).lines().map(str::to_string).collect();
    (lines, out.status.code(), text(&out.stderr))
}

/// The line of check `check` (`master key`, `plugin zoom`, …).
fn line<'a>(lines: &'a [String], check: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.get(6..).is_some_and(|rest| rest.starts_with(check)))
        .unwrap_or_else(|| panic!("no {check:?} line in {lines:#?}"))
}

fn stored_component(home: &Path) -> PathBuf {
    let conn = Connection::open(home.join("plugboard.db")).unwrap_or_else(|e| panic!("{e}"));
    let path: String = conn
        .query_row("SELECT wasm_path FROM plugins", [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{e}"));
    PathBuf::from(path)
}

fn artefact(home: &Path) -> PathBuf {
    std::fs::read_dir(home.join("cache"))
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "cwasm"))
        .unwrap_or_else(|| panic!("no compiled artefact in the cache"))
}

fn set_schema_version(home: &Path, version: i64) {
    Connection::open(home.join("plugboard.db"))
        .and_then(|c| c.pragma_update(None, "user_version", version))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Spoil a healthy home, then repair it.
type Steps = (Box<dyn Fn()>, Box<dyn Fn()>);

/// One way to spoil a healthy home, and what doctor must then say.
struct Case {
    what: &'static str,
    steps: Steps,
    /// Arguments before `doctor`.
    args: &'static [&'static str],
    code: i32,
    /// The check whose line is looked at, its start, and what it must say.
    check: &'static str,
    status: &'static str,
    wants: Vec<String>,
}

/// Give `path` mode `spoiled`, then `good`.
fn modes(path: &Path, spoiled: u32, good: u32) -> Steps {
    let (a, b) = (path.to_path_buf(), path.to_path_buf());
    (
        Box::new(move || set_mode(&a, spoiled)),
        Box::new(move || set_mode(&b, good)),
    )
}

/// Change the bytes of `path` with `edit`, then put them back.
fn edited(path: &Path, edit: fn(&mut Vec<u8>)) -> Steps {
    let kept = std::fs::read(path).unwrap_or_else(|e| panic!("{e}"));
    let (a, b) = (path.to_path_buf(), path.to_path_buf());
    let mut bytes = kept.clone();
    edit(&mut bytes);
    (
        Box::new(move || std::fs::write(&a, &bytes).unwrap_or_else(|e| panic!("{e}"))),
        Box::new(move || std::fs::write(&b, &kept).unwrap_or_else(|e| panic!("{e}"))),
    )
}

/// Set the database's schema version to `version`, then back to this binary's.
fn schema(home: &Path, version: i64) -> Steps {
    let (a, b) = (home.to_path_buf(), home.to_path_buf());
    (
        Box::new(move || set_schema_version(&a, version)),
        Box::new(move || set_schema_version(&b, latest_version())),
    )
}

#[test]
fn doctor_passes_a_healthy_home_with_a_line_per_check_and_changes_nothing() {
    let s = Setup::scanned(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1));
    let home = s.home();
    let before = snapshot(home);
    let (lines, code, stderr) = doctor(home, &[]);
    assert_eq!(code, Some(0), "{lines:#?}\n{stderr}");
    let checks = &lines[..lines.len() - 1];
    for check in [
        "home",
        "files",
        "master key",
        "database",
        "secrets",
        "plugin zoom",
        "instance z",
    ] {
        let l = line(checks, check);
        assert!(l.starts_with("ok  "), "{l}");
    }
    assert!(checks.iter().all(|l| l.starts_with("ok  ")), "{lines:#?}");
    assert!(
        lines.last().is_some_and(
            |l| l.contains(&format!("{} checks", checks.len())) && l.contains("0 failed")
        ),
        "{lines:#?}"
    );
    assert_eq!(snapshot(home), before, "doctor changed the home");
}

#[test]
fn doctor_names_each_problem_with_its_fix_and_exits_by_the_first_failures_blame() {
    let s = Setup::scanned(ZoomSimBuilder::new().users(3, 0, 0).activity_days(1));
    let home = s.home().to_path_buf();
    let key = home.join("master.key");
    let component = stored_component(&home);
    let artefact = artefact(&home);
    let shown = home.display().to_string();
    let cases = [
        Case {
            what: "a key file others can read",
            steps: modes(&key, 0o644, 0o600),
            args: &[],
            code: OPERATOR,
            check: "master key",
            status: "FAIL",
            wants: vec![format!("chmod 600 {}", key.display())],
        },
        Case {
            what: "a home others can enter",
            steps: modes(&home, 0o755, 0o700),
            args: &[],
            code: OPERATOR,
            check: "home",
            status: "FAIL",
            wants: vec!["mode 0755".into(), format!("fix: chmod 700 {shown}")],
        },
        Case {
            what: "a home others can enter, allowed",
            steps: modes(&home, 0o755, 0o700),
            args: &["--allow-open-home"],
            code: 0,
            check: "home",
            status: "warn",
            wants: vec!["allowed by --allow-open-home".into()],
        },
        Case {
            what: "a component changed on disk",
            steps: edited(&component, |bytes| bytes.push(0)),
            args: &[],
            code: OPERATOR,
            check: "plugin zoom",
            status: "FAIL",
            wants: vec!["does not match its recorded SHA-256; add the plugin again".into()],
        },
        Case {
            what: "a damaged compiled artefact",
            steps: edited(&artefact, |bytes| {
                if let Some(last) = bytes.last_mut() {
                    *last ^= 0xff;
                }
            }),
            args: &[],
            code: 0,
            check: "plugin zoom",
            status: "warn",
            wants: vec!["is refused".into(), "compiled again on first use".into()],
        },
        Case {
            what: "a database of an older schema",
            steps: schema(&home, latest_version() - 1),
            args: &[],
            code: 0,
            check: "database",
            status: "warn",
            wants: vec![
                format!("migrates it to {}", latest_version()),
                "back up the database".into(),
            ],
        },
        Case {
            what: "a database of a newer Plugboard",
            steps: schema(&home, latest_version() + 1),
            args: &[],
            code: OPERATOR,
            check: "database",
            status: "FAIL",
            wants: vec!["written by a newer Plugboard".into()],
        },
        Case {
            what: "healthy again",
            steps: (Box::new(|| {}), Box::new(|| {})),
            args: &[],
            code: 0,
            check: "instance z",
            status: "ok",
            wants: vec!["the last scan succeeded".into()],
        },
    ];
    for case in cases {
        let what = case.what;
        let (spoil, repair) = &case.steps;
        spoil();
        let (lines, code, stderr) = doctor(&home, case.args);
        repair();
        println!("case: {what}\n{}", lines.join("\n"));
        assert_eq!(code, Some(case.code), "{what}: {stderr}");
        let l = line(&lines, case.check);
        assert!(l.starts_with(case.status), "{what}: {l}");
        for want in &case.wants {
            assert!(l.contains(want.as_str()), "{what}: {want:?} not in {l}");
        }
        if case.code != 0 {
            let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
            assert_eq!(errors.len(), 1, "{what}: {stderr}");
            assert!(errors[0].contains("checks failed"), "{what}: {stderr}");
        }
    }
    assert_eq!(mode(&key), 0o600);

    // A refused key is not a missing one: the checks that need it say so.
    set_mode(&key, 0o640);
    let (lines, _, _) = doctor(&home, &[]);
    set_mode(&key, 0o600);
    let l = line(&lines, "secrets");
    assert!(
        l.starts_with("FAIL") && l.contains("the master key is refused"),
        "{l}"
    );
    let l = line(&lines, "plugin zoom");
    assert!(l.contains("not checked (the master key is refused)"), "{l}");

    // An instance whose last scan failed: the upstream's blame, its exit code.
    s.sim.sim.faults().fail_next(1, 500);
    let out = run(&home, &["scan", "z"]);
    assert_eq!(out.status.code(), Some(UPSTREAM), "{}", text(&out.stderr));
    let (lines, code, _) = doctor(&home, &[]);
    assert_eq!(code, Some(UPSTREAM), "{lines:#?}");
    let l = line(&lines, "instance z");
    assert!(
        l.starts_with("FAIL  instance z (upstream): the last scan"),
        "{l}"
    );
    assert!(l.contains("fix: `plugboard instance show z`"), "{l}");
    let report = json(&ok(&home, &["scan", "z", "--json"]));
    assert_eq!(report["instance"], "z");
    let (_, code, _) = doctor(&home, &[]);
    assert_eq!(code, Some(0), "a good scan makes it healthy again");
}

#[test]
fn doctor_on_a_missing_home_says_where_it_looked_and_creates_nothing() {
    let dir = private_dir();
    let home = dir.path().join("nowhere");
    let out = command(&home, &["doctor"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(OPERATOR));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            "FAIL  home (operator): there is no home at {}",
            home.display()
        )) && stdout.contains("fix: pass --home DIR or set PLUGBOARD_HOME"),
        "{stdout}"
    );
    assert!(!home.exists(), "doctor created the home");
}

#[test]
fn doctor_checks_a_postgres_database_without_migrating_it_or_showing_its_password() {
    let url = plugboard_pgcluster::database("cli_doctor").unwrap_or_else(|e| panic!("{e}"));
    let password = plugboard_pgcluster::shared()
        .unwrap_or_else(|e| panic!("{e}"))
        .password()
        .to_string();
    let home = private_dir();
    // Never migrated: doctor says so and leaves it that way.
    for _ in 0..2 {
        let (lines, code, stderr) = doctor(home.path(), &["--database", &url]);
        assert_eq!(code, Some(0), "{lines:#?}\n{stderr}");
        let l = line(&lines, "database");
        assert!(
            l.starts_with("warn") && l.contains("schema version 0"),
            "{l}"
        );
    }
    ok(home.path(), &["--database", &url, "token", "list"]);
    let (lines, code, stderr) = doctor(home.path(), &["--database", &url]);
    assert_eq!(code, Some(0), "{lines:#?}\n{stderr}");
    let l = line(&lines, "database");
    assert!(l.starts_with("ok") && l.contains("postgres://"), "{l}");
    let all = format!("{}\n{stderr}", lines.join("\n"));
    assert!(!all.contains(&password), "the password is shown: {all}");
    assert!(
        !home.path().join("plugboard.db").exists(),
        "a SQLite file beside --database"
    );
}
