//! Instance settings (`[[config]]`) in approval. A setting that an auth
//! profile reads (token URL, inputs) or that picks the rate-limit plan
//! decides where credentials go and how requests are paced: a new default or
//! new choices for it would change that for every instance that never set
//! it, under the same manifest text, so it needs approval.

use std::collections::BTreeSet;

use super::super::grant::{Capability, Changes, Grant, Unit};
use super::section::{FieldSpec, ReadsConfig, field};

/// Settings that decide where credentials go or how requests are paced.
pub struct Deciding;

/// What [`Deciding`] reads: the `[[config]]` section, and the sections that
/// read settings to decide (auth profiles, the rate-limit plan).
#[derive(Clone, Copy)]
pub struct View<'m> {
    /// The config fields.
    pub config: &'m [FieldSpec],
    /// The sections whose settings decide.
    pub readers: [&'m dyn ReadsConfig; 2],
}

/// Config fields whose value decides where secrets go or how requests are
/// paced: those an auth profile reads (token URL, inputs) and the plan field.
fn deciding_config(m: View<'_>) -> BTreeSet<&str> {
    m.readers.iter().flat_map(|r| r.deciding_config()).collect()
}

/// A deciding config field whose default or choices changed: an instance
/// that never set it would send its credentials elsewhere, or be paced by
/// another plan, under the same manifest text.
fn config_changes(previous: View<'_>, new: View<'_>) -> Vec<Capability> {
    deciding_config(new)
        .into_iter()
        .filter_map(|name| {
            let now = field(new.config, name)?;
            let before = field(previous.config, name);
            let same = before.is_some_and(|b| b.default == now.default && b.choices == now.choices);
            (!same).then(|| {
                Capability::new(
                    "config-default",
                    "setting",
                    format!(
                        "{name}: default {:?}, choices [{}] (was {})",
                        now.default.as_deref().unwrap_or(""),
                        now.choices.join(", "),
                        before.map_or("not deciding".to_string(), |b| format!(
                            "default {:?}, choices [{}]",
                            b.default.as_deref().unwrap_or(""),
                            b.choices.join(", ")
                        ))
                    ),
                )
            })
        })
        .collect()
}

impl Unit for Deciding {
    type Section<'m> = View<'m>;

    fn prompt(&self, _: View<'_>, _: bool, _: &mut Vec<String>) {}

    fn compare(&self, _: &Grant, previous: View<'_>, new: View<'_>, _: bool) -> Changes {
        Changes {
            added: config_changes(previous, new),
            removed: Vec::new(),
        }
    }
}
