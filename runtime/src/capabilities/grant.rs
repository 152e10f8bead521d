//! What the operator approves, capability by capability.
//!
//! Each capability owns how its part of a manifest is shown in the approval
//! prompt and how a new version's request compares with an approved one
//! ([`Unit`]); the registry only runs them in order (`registry/units.rs`).
//! A new capability adds a `grant.rs` to its own folder and one line to that
//! list.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::manifest::Manifest;

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

impl Grant {
    /// The effective manifest: what the plugin asked for ∩ what the operator
    /// approved. Anything not approved is simply absent, so every capability
    /// check downstream fails closed.
    pub fn effective(&self, m: &Manifest) -> Manifest {
        let mut out = m.clone();
        out.egress.retain(|e| self.egress.contains(&e.to_string()));
        out.auth.retain(|a| self.auth.contains(&a.name));
        out.actions.retain(|a| self.actions.contains(&a.name));
        out
    }

    /// Everything the manifest asks for except `secrets.reveal`.
    pub fn all_requested(m: &Manifest, approved_by: &str) -> Self {
        Grant {
            egress: m.egress.iter().map(|e| e.to_string()).collect(),
            auth: m.auth.iter().map(|a| a.name.clone()).collect(),
            actions: m.actions.iter().map(|a| a.name.clone()).collect(),
            reveal_secrets: false,
            approved_by: approved_by.to_string(),
        }
    }
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
    /// This capability's lines of the approval prompt for `m` (`reveal`:
    /// the operator asked to grant `secrets.reveal`).
    fn prompt(&self, m: &Manifest, reveal: bool, out: &mut Vec<String>);

    /// What `new` (with `secrets.reveal` when `reveal`) asks of this
    /// capability beyond `grant`, which the operator gave to `previous`, and
    /// what it no longer asks for. Only what `grant` approved of `previous`
    /// counts as approved.
    fn compare(&self, grant: &Grant, previous: &Manifest, new: &Manifest, reveal: bool) -> Changes;
}

/// A prompt line: `label` in a column, then `text`.
pub fn line(label: &str, text: impl fmt::Display) -> String {
    format!("  {label:<12} {text}")
}
