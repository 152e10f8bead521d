//! Instance settings (`[[config]]`) in approval. A setting that an auth
//! profile reads (token URL, inputs) or that picks the rate-limit plan
//! decides where credentials go and how requests are paced: a new default or
//! new choices for it would change that for every instance that never set
//! it, under the same manifest text, so it needs approval.

use std::collections::BTreeSet;

use super::super::grant::{Capability, Changes, Grant, Unit};
use crate::manifest::Manifest;

/// Settings that decide where credentials go or how requests are paced.
pub struct Deciding;

/// Config fields whose value decides where secrets go or how requests are
/// paced: those an auth profile reads (token URL, inputs) and the plan field.
fn deciding_config(m: &Manifest) -> BTreeSet<&str> {
    m.auth
        .iter()
        .flat_map(|p| p.config_refs())
        .chain(m.ratelimit.plan_config.as_deref())
        .collect()
}

/// A deciding config field whose default or choices changed: an instance
/// that never set it would send its credentials elsewhere, or be paced by
/// another plan, under the same manifest text.
fn config_changes(previous: &Manifest, new: &Manifest) -> Vec<Capability> {
    deciding_config(new)
        .into_iter()
        .filter_map(|name| {
            let now = new.config_field(name)?;
            let before = previous.config_field(name);
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
    fn prompt(&self, _: &Manifest, _: bool, _: &mut Vec<String>) {}

    fn compare(&self, _: &Grant, previous: &Manifest, new: &Manifest, _: bool) -> Changes {
        Changes {
            added: config_changes(previous, new),
            removed: Vec::new(),
        }
    }
}
