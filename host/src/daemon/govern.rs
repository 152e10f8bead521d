//! Governance actions (suspend, reactivate) run by the daemon, for the
//! console: the same [`crate::governance::perform`] the CLI runs (grant
//! check, the plugin's `act`, an audit entry for every attempt), in the
//! worker's context when the instance has one, so the action shares its
//! tokens and rate buckets (a second token would revoke the running one on
//! apps like Zoom).

use crate::governance::{GovernanceRequest, perform};
use crate::runtime::bindings::ActionOutcome;

use super::{DaemonError, Shared, worker};

impl Shared {
    /// Perform (or, with `req.dry_run`, describe) a governance action.
    pub async fn govern(&self, req: &GovernanceRequest) -> Result<ActionOutcome, DaemonError> {
        let row = self.instance_row(&req.instance)?;
        let plugin = self
            .plugins
            .current(&self.home, &self.store, &self.runtime, &row.plugin_id)
            .await?;
        let running = self
            .workers
            .lock()
            .ok()
            .and_then(|w| w.get(&req.instance).map(|h| h.context.clone()));
        let stamp = worker::stamp(&plugin, &row);
        let ctx = match &self.cluster {
            None => match running {
                Some(running) => {
                    running.get_or_build(&stamp, || self.fresh_context(&plugin, &row))?
                }
                None => self.fresh_context(&plugin, &row)?,
            },
            Some(cluster) => match (running, cluster.held(&req.instance)) {
                (Some(running), Some(held)) => running
                    .get_or_build(&stamp, || self.gated_context(&plugin, &row, Some(&held)))?,
                // Another node works on it: a token minted here would revoke
                // the one it uses.
                _ if row.enabled => return Err(self.not_run_here(cluster, &req.instance)),
                _ => self.fresh_context(&plugin, &row)?,
            },
        };
        Ok(perform(&plugin.plugin, &ctx, &plugin.grant, &self.store, req).await?)
    }
}
