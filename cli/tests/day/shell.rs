//! Shell completions and the manual page.

use crate::{OPERATOR, assert_one_line_error, ok, private_dir, run, text};

#[test]
fn completion_scripts_for_bash_zsh_and_fish_know_every_command() {
    let dir = private_dir();
    // No home is needed, and none is made.
    let home = dir.path().join("unused-home");
    for (shell, marker) in [
        ("bash", "_plugboard()"),
        ("zsh", "#compdef plugboard"),
        ("fish", "complete -c plugboard"),
    ] {
        let script = ok(&home, &["completions", shell]);
        for want in [
            marker,
            "groups",
            "roles",
            "doctor",
            "completions",
            "stream",
            "wide",
        ] {
            assert!(script.contains(want), "{shell}: {want:?} not in the script");
        }
        if shell == "bash" {
            let file = dir.path().join("plugboard.bash");
            std::fs::write(&file, &script).unwrap_or_else(|e| panic!("{e}"));
            let checked = std::process::Command::new("bash")
                .arg("-n")
                .arg(&file)
                .output()
                .unwrap_or_else(|e| panic!("running bash: {e}"));
            assert!(
                checked.status.success(),
                "bash -n: {}",
                text(&checked.stderr)
            );
        }
    }
    assert!(!home.exists(), "completions made a home");
    let out = run(&home, &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(OPERATOR));
}

#[test]
fn the_manual_page_is_roff_naming_every_command() {
    let dir = private_dir();
    let home = dir.path().join("unused-home");
    let page = ok(&home, &["man"]);
    assert!(page.contains(".TH plugboard 1"), "{page}");
    for want in [
        "groups",
        "roles",
        "doctor",
        "completions",
        "scan",
        "\\-\\-wide",
    ] {
        assert!(page.contains(want), "{want:?} not in the page");
    }
    let scan = ok(&home, &["man", "scan"]);
    assert!(
        scan.contains(".TH plugboard\\-scan 1") || scan.contains(".TH plugboard-scan 1"),
        "{scan}"
    );
    assert!(scan.contains("stream"), "{scan}");
    let show = ok(&home, &["man", "instance", "show"]);
    assert!(
        show.contains("instance\\-show") || show.contains("instance-show"),
        "{show}"
    );
    let out = run(&home, &["man", "nosuch"]);
    assert_one_line_error(&out, OPERATOR, &["there is no command `plugboard nosuch`"]);
    assert!(!home.exists(), "man made a home");
}
