//! Governance actions (`[[action]]`) in approval: the only calls that may
//! change upstream state (`act`), each granted by name.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use super::section::ActionSpec;

/// Governance actions.
pub struct Actions;

fn action(name: &str) -> Capability {
    Capability::new("action", "action", name)
}

impl Unit for Actions {
    type Section<'m> = &'m [ActionSpec];

    fn prompt(&self, actions: &[ActionSpec], _reveal: bool, out: &mut Vec<String>) {
        for a in actions {
            out.push(line(
                "action",
                format_args!("{} — {}", a.name, a.description),
            ));
        }
    }

    fn compare(
        &self,
        grant: &Grant,
        previous: &[ActionSpec],
        new: &[ActionSpec],
        _: bool,
    ) -> Changes {
        let approved: Vec<Capability> = previous
            .iter()
            .filter(|a| grant.actions.contains(&a.name))
            .map(|a| action(&a.name))
            .collect();
        let requested: Vec<Capability> = new.iter().map(|a| action(&a.name)).collect();
        Changes::of_sets(&approved, &requested)
    }
}
