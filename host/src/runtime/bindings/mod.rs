//! Bindings per contract version, behind one dispatching enum.
//!
//! Generated types never leave this module: calls go in as [`Call`] and come
//! out as [`CallOutput`] holding domain types from `plugboard_core::model`.
//! A new contract version adds a sibling module and a variant here.

pub mod v0_1_0;

use plugboard_core::model::{AccountInfo, ConnectorError, Finding, Page, PluginInfo};
use serde::Serialize;
use wasmtime::Store;
use wasmtime::component::Component;

use super::{PluginState, RuntimeError};

/// A governance action for `act`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRequest {
    /// Action name.
    pub name: String,
    /// Target account id.
    pub target: String,
    /// Describe without sending.
    pub dry_run: bool,
}

/// What an action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionOutcome {
    /// Whether upstream state changed.
    pub applied: bool,
    /// The request sent (or that would be) and the answer.
    pub detail: String,
}

/// One export call.
#[derive(Debug, Clone)]
pub enum Call {
    /// `describe()`
    Describe,
    /// `check()`
    Check,
    /// `sync(stream, cursor)`
    Sync {
        /// Stream name.
        stream: String,
        /// Cursor.
        cursor: Option<String>,
    },
    /// `assess()`
    Assess,
    /// `act(action)`
    Act(ActionRequest),
}

impl Call {
    /// The export's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Call::Describe => "describe",
            Call::Check => "check",
            Call::Sync { .. } => "sync",
            Call::Assess => "assess",
            Call::Act(_) => "act",
        }
    }
}

/// What an export returned, converted to domain types.
#[derive(Debug, Clone)]
pub enum CallOutput {
    /// From `describe`.
    Info(PluginInfo),
    /// From `check`.
    Check(Result<AccountInfo, ConnectorError>),
    /// From `sync`.
    Page(Result<Page, ConnectorError>),
    /// From `assess`.
    Findings(Result<Vec<Finding>, ConnectorError>),
    /// From `act`.
    Outcome(Result<ActionOutcome, ConnectorError>),
}

/// A component linked and ready to instantiate, for its contract version.
pub enum PluginPre {
    /// Contract 0.1.0.
    V0_1_0(v0_1_0::Pre),
}

impl PluginPre {
    /// Link `component` for `contract` (checked against the supported range first).
    pub fn new(
        engine: &wasmtime::Engine,
        component: &Component,
        contract: &str,
    ) -> Result<Self, RuntimeError> {
        match contract {
            v0_1_0::VERSION => Ok(PluginPre::V0_1_0(v0_1_0::pre(engine, component)?)),
            other => Err(RuntimeError::Contract {
                contract: other.to_string(),
                detail: format!("this host supports contract {}", v0_1_0::VERSION),
            }),
        }
    }

    /// Instantiate in `store` and make one call.
    pub async fn call(
        &self,
        store: &mut Store<PluginState>,
        call: Call,
    ) -> wasmtime::Result<CallOutput> {
        match self {
            PluginPre::V0_1_0(pre) => v0_1_0::call(pre, store, call).await,
        }
    }

    /// Instantiate in `store` without calling anything (the instance then
    /// serves several calls; see [`crate::runtime::IdleInstance`]).
    pub async fn instantiate(
        &self,
        store: &mut Store<PluginState>,
    ) -> wasmtime::Result<PluginInstance> {
        match self {
            PluginPre::V0_1_0(pre) => Ok(PluginInstance::V0_1_0(
                v0_1_0::instantiate(pre, store).await?,
            )),
        }
    }
}

/// A live instance, for its contract version.
pub enum PluginInstance {
    /// Contract 0.1.0.
    V0_1_0(v0_1_0::Instance),
}

impl PluginInstance {
    /// Make one call on this instance, in the store it was created in.
    pub async fn call(
        &self,
        store: &mut Store<PluginState>,
        call: Call,
    ) -> wasmtime::Result<CallOutput> {
        match self {
            PluginInstance::V0_1_0(instance) => v0_1_0::call_instance(instance, store, call).await,
        }
    }
}
