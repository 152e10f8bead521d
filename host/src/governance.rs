//! Governance actions (suspend, reactivate): grant check, the plugin's `act`,
//! and an audit entry for every attempt, whatever its outcome.

use std::sync::Arc;

use plugboard_core::Blame;
use plugboard_core::store::{AuditEntry, Store, StoreError};
use serde::Serialize;

use crate::registry::Grant;
use crate::runtime::bindings::{ActionOutcome, ActionRequest};
use crate::runtime::{CallError, InstanceContext, LoadedPlugin};

/// Why an action was not performed.
#[derive(Debug, thiserror::Error)]
pub enum GovernanceError {
    /// The plugin does not declare the action, or the operator did not grant it.
    #[error("plugin {plugin} is not granted action `{action}`{hint}")]
    NotGranted {
        /// Plugin id.
        plugin: String,
        /// Action name.
        action: String,
        /// What to do about it.
        hint: String,
    },
    /// The plugin's `act` failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// Recording the audit entry failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl GovernanceError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            GovernanceError::NotGranted { .. } => Blame::Plugin,
            GovernanceError::Call(e) => e.blame(),
            GovernanceError::Store(e) => e.blame(),
        }
    }
}

/// What the operator asked for.
#[derive(Debug, Clone, Serialize)]
pub struct GovernanceRequest {
    /// Instance id.
    pub instance: String,
    /// Action name (`suspend-user`, `reactivate-user`).
    pub action: String,
    /// Target account id.
    pub target: String,
    /// Describe without sending.
    pub dry_run: bool,
    /// Who asked (operator user name, API token name).
    pub actor: String,
}

/// Perform (or dry-run) an action and audit it.
pub async fn perform(
    plugin: &LoadedPlugin,
    ctx: &Arc<InstanceContext>,
    grant: &Grant,
    store: &Store,
    req: &GovernanceRequest,
) -> Result<ActionOutcome, GovernanceError> {
    let manifest = plugin.manifest();
    let declared = manifest.actions.iter().any(|a| a.name == req.action);
    let granted = grant.actions.iter().any(|a| a == &req.action);
    let audit = |outcome: &str, detail: String| AuditEntry {
        id: 0,
        at: String::new(),
        actor: req.actor.clone(),
        instance_id: Some(req.instance.clone()),
        action: req.action.clone(),
        target: Some(req.target.clone()),
        outcome: outcome.to_string(),
        detail: Some(detail),
    };
    if !declared || !granted {
        let hint = if declared {
            "; the operator did not approve it (re-add the plugin and approve its actions)"
                .to_string()
        } else {
            format!(
                "; its manifest declares: {}",
                manifest
                    .actions
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let err = GovernanceError::NotGranted {
            plugin: manifest.id.clone(),
            action: req.action.clone(),
            hint,
        };
        store.append_audit(&audit("denied", err.to_string()))?;
        return Err(err);
    }
    let action = ActionRequest {
        name: req.action.clone(),
        target: req.target.clone(),
        dry_run: req.dry_run,
    };
    match plugin.act(ctx, action).await {
        Ok(outcome) => {
            let label = if req.dry_run {
                "dry-run"
            } else if outcome.applied {
                "applied"
            } else {
                "not-applied"
            };
            store.append_audit(&audit(label, outcome.detail.clone()))?;
            Ok(outcome)
        }
        Err(e) => {
            store.append_audit(&audit("failed", format!("blame {}: {e}", e.blame())))?;
            Err(e.into())
        }
    }
}
