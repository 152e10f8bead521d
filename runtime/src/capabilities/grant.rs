//! What the operator approves, capability by capability.
//!
//! Each capability owns how its manifest section is shown in the approval
//! prompt and how a new version's request compares with an approved one
//! ([`Unit`]); the registry only runs them in order, passing each unit the
//! sections it reads (`registry/units.rs`). A new capability adds a
//! `grant.rs` to its own folder and one line to that list. A unit never sees
//! the aggregate manifest: it reads its own section and, one way, another
//! capability's.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What the operator approved for a plugin version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Approved egress rules, as displayed.
    pub egress: Vec<String>,
    /// Approved auth profiles.
    pub auth: Vec<String>,
    /// Approved governance actions.
    pub actions: Vec<String>,
    /// Whether `secrets.reveal` is granted (never by default).
    pub reveal_secrets: bool,
    /// How approval was given (`--yes` or `prompt`).
    pub approved_by: String,
}

/// One thing a plugin version may be granted, as the operator sees it
/// (`network GET https://api.zoom.us/v2/`) and as JSON shows it
/// (`{"kind": "network", "detail": "GET https://api.zoom.us/v2/"}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Capability {
    /// Stable kebab-case kind: `network`, `auth`, `secret`, `secret-to`,
    /// `rate-bucket`, `rate-bucket-change`, `config-default`, `action`,
    /// `reveal-secrets`.
    pub kind: &'static str,
    /// Which one; none for a switch like `secrets.reveal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The words before the detail when shown.
    #[serde(skip)]
    shown: &'static str,
}

impl Capability {
    /// A capability of `kind`, shown as `{shown} {detail}`.
    pub fn new(kind: &'static str, shown: &'static str, detail: impl Into<String>) -> Self {
        Capability {
            kind,
            detail: Some(detail.into()),
            shown,
        }
    }

    /// A capability with no detail, shown as `shown`.
    pub const fn switch(kind: &'static str, shown: &'static str) -> Self {
        Capability {
            kind,
            detail: None,
            shown,
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(d) => write!(f, "{} {d}", self.shown),
            None => f.write_str(self.shown),
        }
    }
}

/// How one capability's request changed against an approval.
#[derive(Debug, Default)]
pub struct Changes {
    /// Requested now and not covered by the approval.
    pub added: Vec<Capability>,
    /// Approved before and no longer requested (or no longer covered).
    pub removed: Vec<Capability>,
}

impl Changes {
    /// The two sides of a comparison of plain sets: what `requested` has
    /// that `approved` lacks, and the other way round.
    pub fn of_sets(approved: &[Capability], requested: &[Capability]) -> Self {
        Changes {
            added: requested
                .iter()
                .filter(|c| !approved.contains(c))
                .cloned()
                .collect(),
            removed: approved
                .iter()
                .filter(|c| !requested.contains(c))
                .cloned()
                .collect(),
        }
    }
}

/// One capability's part in approving a plugin version.
pub trait Unit: Sync {
    /// What the unit reads of a manifest: its own section (and, one way,
    /// what it needs of another capability's), borrowed.
    type Section<'m>: Copy;

    /// This capability's lines of the approval prompt for `section`
    /// (`reveal`: the operator asked to grant `secrets.reveal`).
    fn prompt(&self, section: Self::Section<'_>, reveal: bool, out: &mut Vec<String>);

    /// What `new` (with `secrets.reveal` when `reveal`) asks of this
    /// capability beyond `grant`, which the operator gave to `previous`, and
    /// what it no longer asks for. Only what `grant` approved of `previous`
    /// counts as approved.
    fn compare(
        &self,
        grant: &Grant,
        previous: Self::Section<'_>,
        new: Self::Section<'_>,
        reveal: bool,
    ) -> Changes;
}

/// A prompt line: `label` in a column, then `text`.
pub fn line(label: &str, text: impl fmt::Display) -> String {
    format!("  {label:<12} {text}")
}
