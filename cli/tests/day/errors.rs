//! An error line says who is to blame once.

use plugboard_sim::zoom::ZoomSimBuilder;

use super::{Setup, UPSTREAM};
use crate::{assert_one_line_error, run};

#[test]
fn an_error_line_says_its_blame_once() {
    let s = Setup::new(ZoomSimBuilder::new().users(2, 0, 0).activity_days(1));
    let home = s.home();
    for (what, args) in [
        ("instance check", &["instance", "check", "z"][..]),
        ("scan", &["scan", "z"][..]),
        ("scan --stream", &["scan", "z", "--stream", "groups"][..]),
    ] {
        // The plugin reports the app's 400 as an `upstream` error.
        s.sim.sim.faults().fail_next(1, 400);
        let out = run(home, args);
        let line = assert_one_line_error(&out, UPSTREAM, &["error (upstream): ", "400"]);
        let said = line.strip_prefix("error (upstream): ").unwrap_or(&line);
        assert!(
            !said.starts_with("upstream: ") && !said.contains(": upstream: "),
            "{what}: the blame is said twice: {line}"
        );
    }
}
