//! The `[[action]]` section: the governance actions a plugin may perform.

use serde::{Deserialize, Serialize};

use crate::section::{ManifestError, is_id};

/// A governance action the plugin may perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionSpec {
    /// Action name (e.g. `suspend-user`).
    pub name: String,
    /// What it does.
    pub description: String,
}

/// One `[[action]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    name: String,
    #[serde(default)]
    description: String,
}

/// The `[[action]]` section.
pub fn parse(raw: Vec<RawAction>) -> Result<Vec<ActionSpec>, ManifestError> {
    raw.into_iter()
        .enumerate()
        .map(|(i, a)| {
            if !is_id(&a.name) {
                return Err(ManifestError::field(
                    format!("action[{i}].name"),
                    &a.name,
                    "lowercase letters, digits and `-`",
                ));
            }
            Ok(ActionSpec {
                name: a.name,
                description: a.description,
            })
        })
        .collect::<Result<Vec<_>, _>>()
}
