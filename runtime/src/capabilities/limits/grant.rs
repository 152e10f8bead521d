//! The limits part of approval: a memory limit above the default is shown,
//! and a new version asking for more memory than the approved one asks for
//! more.

use super::super::grant::{Capability, Changes, Grant, Unit, line};
use super::section::{LimitsSpec, show_size};
use crate::limits::DEFAULT_MEMORY_BYTES;

/// The memory limit.
pub struct Memory;

fn memory(bytes: u64) -> Capability {
    Capability::new("memory", "memory up to", show_size(bytes))
}

impl Unit for Memory {
    type Section<'m> = &'m LimitsSpec;

    fn prompt(&self, section: &LimitsSpec, _reveal: bool, out: &mut Vec<String>) {
        if let Some(bytes) = section.memory {
            out.push(line(
                "memory",
                format!(
                    "up to {} of linear memory per call (default {})",
                    show_size(bytes),
                    show_size(DEFAULT_MEMORY_BYTES)
                ),
            ));
        }
    }

    fn compare(
        &self,
        _grant: &Grant,
        previous: &LimitsSpec,
        new: &LimitsSpec,
        _reveal: bool,
    ) -> Changes {
        let (old, now) = (previous.memory_bytes(), new.memory_bytes());
        let mut changes = Changes::default();
        if now > old {
            changes.added.push(memory(now));
        }
        if now != old && old > DEFAULT_MEMORY_BYTES {
            changes.removed.push(memory(old));
        }
        changes
    }
}
