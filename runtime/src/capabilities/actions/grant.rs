//! Governance actions (`[[actions]]`) in approval: the only calls that may
//! change upstream state (`act`), each granted by name.

use super::grant::{Capability, Changes, Grant, Unit, line};
use crate::manifest::Manifest;

/// Governance actions.
pub struct Actions;

fn action(name: &str) -> Capability {
    Capability::new("action", "action", name)
}

impl Unit for Actions {
    fn prompt(&self, m: &Manifest, _reveal: bool, out: &mut Vec<String>) {
        for a in &m.actions {
            out.push(line(
                "action",
                format_args!("{} — {}", a.name, a.description),
            ));
        }
    }

    fn compare(&self, grant: &Grant, previous: &Manifest, new: &Manifest, _: bool) -> Changes {
        let approved: Vec<Capability> = previous
            .actions
            .iter()
            .filter(|a| grant.actions.contains(&a.name))
            .map(|a| action(&a.name))
            .collect();
        let requested: Vec<Capability> = new.actions.iter().map(|a| action(&a.name)).collect();
        Changes::of_sets(&approved, &requested)
    }
}
