//! What a run found: every figure, the targets, a table and JSON.

use comfy_table::{Cell, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;

use crate::measure::Machine;

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// Which benchmark (`load`, `instantiate`, `memory`, `calls`, `throughput`, `scan`).
    pub bench: &'static str,
    /// What was measured.
    pub name: String,
    /// The value, in `unit`.
    pub value: f64,
    /// `us`, `ms`, `s`, `KiB`, `MiB`, `x` (a ratio), `records/s`, `count`.
    pub unit: &'static str,
    /// What the number includes.
    pub note: String,
}

/// One of the targets, judged on this run.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The target, as the issue words it.
    pub name: &'static str,
    /// What this run measured.
    pub measured: f64,
    /// The bound.
    pub bound: f64,
    /// Unit of both.
    pub unit: &'static str,
    /// `>=` or `<=`.
    pub comparison: &'static str,
    /// Whether the bound holds.
    pub met: bool,
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Where it ran.
    pub machine: Machine,
    /// Whether iteration counts were cut down (`--quick`): such numbers only prove the benches run.
    pub quick: bool,
    /// Every figure.
    pub metrics: Vec<Metric>,
    /// The targets.
    pub targets: Vec<Target>,
}

impl Report {
    /// An empty report for this machine.
    pub fn new(quick: bool) -> Report {
        Report {
            machine: Machine::detect(),
            quick,
            metrics: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// Record a figure.
    pub fn metric(
        &mut self,
        bench: &'static str,
        name: impl Into<String>,
        value: f64,
        unit: &'static str,
        note: impl Into<String>,
    ) {
        self.metrics.push(Metric {
            bench,
            name: name.into(),
            value,
            unit,
            note: note.into(),
        });
    }

    /// Judge a target that `measured` must reach (`at_least`) or stay under.
    pub fn target(
        &mut self,
        name: &'static str,
        measured: f64,
        bound: f64,
        unit: &'static str,
        at_least: bool,
    ) {
        let met = if at_least {
            measured >= bound
        } else {
            measured <= bound
        };
        self.targets.push(Target {
            name,
            measured,
            bound,
            unit,
            comparison: if at_least { ">=" } else { "<=" },
            met,
        });
    }

    /// The figures and targets as two tables.
    pub fn tables(&self) -> String {
        let mut figures = Table::new();
        figures.load_preset(UTF8_FULL_CONDENSED);
        figures.set_header(["bench", "measure", "value", "what it includes"]);
        for m in &self.metrics {
            figures.add_row([
                Cell::new(m.bench),
                Cell::new(&m.name),
                Cell::new(format!("{} {}", show(m.value), m.unit)),
                Cell::new(&m.note),
            ]);
        }
        let mut targets = Table::new();
        targets.load_preset(UTF8_FULL_CONDENSED);
        targets.set_header(["target", "measured", "bound", "status"]);
        for t in &self.targets {
            let status = if t.met {
                "met".to_string()
            } else {
                format!("MISSED by {}", shortfall(t))
            };
            targets.add_row([
                Cell::new(t.name),
                Cell::new(format!("{} {}", show(t.measured), t.unit)),
                Cell::new(format!("{} {} {}", t.comparison, show(t.bound), t.unit)),
                Cell::new(status),
            ]);
        }
        format!(
            "machine: {} CPUs, {}, {} MiB{}\n{figures}\n{targets}",
            self.machine.cpus,
            self.machine.cpu_model,
            self.machine.memory_mib,
            if self.quick {
                " (--quick: tiny iteration counts, numbers prove only that each bench runs)"
            } else {
                ""
            }
        )
    }
}

/// How far a missed target is from its bound, relative to the bound.
fn shortfall(t: &Target) -> String {
    if t.bound == 0.0 {
        return format!("{} {}", show((t.measured - t.bound).abs()), t.unit);
    }
    format!("{:.1}%", ((t.measured - t.bound) / t.bound).abs() * 100.0)
}

/// Three significant figures, without exponent noise for everyday sizes.
pub fn show(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if a == 0.0 || a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.2e}")
    }
}
