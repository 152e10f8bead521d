//! The operator's CLI, day to day (issue 19): `groups` and `roles`, `scan
//! --stream` with per-stream counters, tables that fit the screen, errors
//! that say their blame once, one documented JSON shape per command,
//! `doctor`, shell completions and the manual page.

mod doctor;
mod errors;
mod json_shapes;
mod lists;
mod scan_streams;
mod shell;
mod tables;

use std::path::Path;

use plugboard_sim::zoom::ZoomSimBuilder;
use tempfile::TempDir;

use crate::{Sim, add_zoom, add_zoom_instance, ok, private_dir};

/// Exit code of an upstream's failure (see `cli::exit`).
const UPSTREAM: i32 = 3;

/// A private home with the Zoom plugin and instance `z` on its own
/// simulator.
struct Setup {
    home: TempDir,
    sim: Sim,
}

impl Setup {
    /// The plugin and instance `z`, not scanned.
    fn new(builder: ZoomSimBuilder) -> Setup {
        let sim = Sim::start(builder);
        let home = private_dir();
        add_zoom(home.path());
        add_zoom_instance(home.path(), "z", &sim.sim, "pro", "1");
        Setup { home, sim }
    }

    /// The plugin and instance `z`, scanned once.
    fn scanned(builder: ZoomSimBuilder) -> Setup {
        let s = Setup::new(builder);
        ok(s.home(), &["scan", "z"]);
        s
    }

    fn home(&self) -> &Path {
        self.home.path()
    }
}
