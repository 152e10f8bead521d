//! Tables fit the screen; `--wide` shows everything.

use plugboard_core::model::{Finding, FindingStatus, Severity};
use plugboard_core::store::Store;
use plugboard_sim::zoom::ZoomSimBuilder;

use super::Setup;
use crate::{command, ok, private_dir, text};

/// Columns `line` takes on a terminal (box drawing and `…` take one each).
fn columns(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn tables_fit_120_columns_off_a_terminal_cut_long_cells_and_show_everything_with_wide() {
    let s = Setup::new(ZoomSimBuilder::new().users(1, 0, 0));
    let home = s.home();
    // A finding whose evidence is thousands of characters, with an escape
    // sequence in it that must stay inert in every layout.
    let evidence = format!("{}\u{1b}[2J{}", "x".repeat(3000), "y".repeat(3000));
    let store = Store::open(&home.join("plugboard.db")).unwrap_or_else(|e| panic!("{e}"));
    store
        .replace_findings(
            "z",
            &[Finding {
                id: "long".into(),
                title: "Evidence longer than a screen".into(),
                severity: Severity::High,
                status: FindingStatus::Fail,
                evidence: evidence.clone(),
                remediation: "Read it with --wide.".into(),
            }],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    drop(store);

    for (columns_env, width) in [(None, 120), (Some("80"), 80), (Some("200"), 200)] {
        let mut c = command(home, &["findings"]);
        match columns_env {
            Some(v) => c.env("COLUMNS", v),
            None => c.env_remove("COLUMNS"),
        };
        let out = c.output().unwrap_or_else(|e| panic!("{e}"));
        assert!(out.status.success(), "{}", text(&out.stderr));
        let shown = text(&out.stdout);
        let widest = shown.lines().map(columns).max().unwrap_or_default();
        assert!(
            widest <= width && widest > width / 2,
            "COLUMNS={columns_env:?}: the widest line takes {widest} columns, not up to {width}:\n{shown}"
        );
        assert!(
            shown.contains('…'),
            "COLUMNS={columns_env:?}: the evidence is not cut:\n{shown}"
        );
        assert!(
            shown.lines().count() < 20,
            "COLUMNS={columns_env:?}: {shown}"
        );
        assert!(
            !shown.contains('\u{1b}'),
            "COLUMNS={columns_env:?}: {shown:?}"
        );
    }

    let wide = ok(home, &["findings", "--wide"]);
    let line = wide
        .lines()
        .find(|l| l.contains("Evidence longer"))
        .unwrap_or_else(|| panic!("no finding row in\n{wide}"));
    assert!(
        line.contains(&format!(
            "{}\\u{{1b}}[2J{}",
            "x".repeat(3000),
            "y".repeat(3000)
        )),
        "--wide does not show the whole evidence, neutralised: {line}"
    );
    assert!(!wide.contains('\u{1b}') && !wide.contains('…'), "{wide:?}");
}

#[test]
fn a_reader_that_stops_reading_is_neither_a_failure_nor_a_panic() {
    let home = private_dir();
    for args in [
        &["plugin", "list"][..],
        &["plugin", "list", "--json"][..],
        &["doctor"][..],
        &["man"][..],
        &["completions", "bash"][..],
    ] {
        // A pipe whose reader is gone before the command writes: every
        // write fails with EPIPE, as when `| head` has read enough.
        let (reader, writer) = std::io::pipe().unwrap_or_else(|e| panic!("{e}"));
        drop(reader);
        let out = command(home.path(), args)
            .stdout(writer)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
