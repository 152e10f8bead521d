//! An instance kept alive across calls, for benchmarks.
//!
//! Scans never use this: they make one store per export call, so no state
//! outlives a call. Benchmarks need the pieces apart — what instantiation
//! costs, what an idle instance keeps resident, and what one host→guest or
//! guest→host round trip costs without instantiating again — so this keeps a
//! store and its instance between calls. Every call still runs under the
//! instance's deadline and limits, and only read-only calls are offered.

use std::sync::Arc;
use std::time::Duration;

use plugboard_core::model::{Page, PluginInfo};
use wasmtime::Store;

use super::bindings::{Call, CallOutput, PluginInstance};
use super::plugin::{HOST_TIMEOUT_GRACE, arm_deadline, settle};
use super::validate::validate_page;
use super::{CallError, InstanceContext, LoadedPlugin, PluginState};

/// A live plugin instance with its own store, serving several calls.
pub struct IdleInstance {
    plugin: String,
    deadline: Duration,
    store: Store<PluginState>,
    instance: PluginInstance,
}

impl LoadedPlugin {
    /// Instantiate the plugin for `ctx` and keep the instance, without
    /// calling any export. Sends from it are read-only, like `sync`.
    pub async fn instantiate_idle(
        &self,
        ctx: &Arc<InstanceContext>,
    ) -> Result<IdleInstance, CallError> {
        let plugin = self.manifest().id.clone();
        let deadline = ctx.call_deadline;
        let mut store = self.new_store(ctx, false);
        let fut = self.pre().instantiate(&mut store);
        let result = tokio::time::timeout(deadline + HOST_TIMEOUT_GRACE, fut).await;
        let instance = settle(result, &store, plugin.clone(), "instantiate", deadline)?;
        Ok(IdleInstance {
            plugin,
            deadline,
            store,
            instance,
        })
    }
}

impl IdleInstance {
    /// Bytes of linear memory the instance holds (all its core memories).
    pub fn linear_memory_bytes(&self) -> usize {
        self.store.data().linear_memory_bytes()
    }

    async fn call(&mut self, call: Call) -> Result<CallOutput, CallError> {
        let name = call.name();
        arm_deadline(&mut self.store, self.deadline);
        let fut = self.instance.call(&mut self.store, call);
        let result = tokio::time::timeout(self.deadline + HOST_TIMEOUT_GRACE, fut).await;
        settle(
            result,
            &self.store,
            self.plugin.clone(),
            name,
            self.deadline,
        )
    }

    fn unexpected(&self, call: &'static str) -> CallError {
        CallError::InvalidOutput {
            plugin: self.plugin.clone(),
            call,
            detail: "mismatched output".into(),
        }
    }

    /// `describe()` on this instance.
    pub async fn describe(&mut self) -> Result<PluginInfo, CallError> {
        match self.call(Call::Describe).await? {
            CallOutput::Info(info) => Ok(info),
            _ => Err(self.unexpected("describe")),
        }
    }

    /// `sync(stream, cursor)` on this instance, the page validated like
    /// [`LoadedPlugin::sync`].
    pub async fn sync(&mut self, stream: &str, cursor: Option<String>) -> Result<Page, CallError> {
        let call = Call::Sync {
            stream: stream.to_string(),
            cursor,
        };
        match self.call(call).await? {
            CallOutput::Page(Ok(page)) => {
                validate_page(&page).map_err(|detail| CallError::InvalidOutput {
                    plugin: self.plugin.clone(),
                    call: "sync",
                    detail,
                })?;
                Ok(page)
            }
            CallOutput::Page(Err(e)) => Err(CallError::Connector(e)),
            _ => Err(self.unexpected("sync")),
        }
    }
}
