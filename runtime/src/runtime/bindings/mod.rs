//! Bindings per contract version, behind one dispatching enum.
//!
//! Generated types never leave this module: calls go in as [`Call`] and come
//! out as [`CallOutput`] holding domain types from `plugboard_core::model`.
//!
//! Version-neutral (after zed's `wasm_host/wit/since_v*.rs`): the host side
//! of the imports is written once against the newest contract (`host.rs`,
//! [`latest`]); each version module holds only its `bindgen!`, the export
//! calls ([`contract_calls`]) and, for an older contract, the conversions of
//! the few import types that changed. Every version shares the newest
//! `types` interface (bindgen `with`), so records convert to domain types
//! once. The supported range is [`SUPPORTED`], read off the modules, and a
//! component's own imports decide its version ([`contract_of`]).
//!
//! A new contract version: copy `wit/vX` to `wit/vY`, make the change, add
//! `vY.rs` as the new [`latest`], turn the previous latest into a forwarding
//! module like `v0_1_0.rs`, and add a [`PluginPre`] variant.

mod host;
pub mod v0_1_0;
pub mod v0_2_0;

/// The newest contract: the one the host imports are written against.
pub use v0_2_0 as latest;

/// Every contract version this host loads, oldest first.
pub const SUPPORTED: &[&str] = &[v0_1_0::VERSION, v0_2_0::VERSION];

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

/// The export side of one contract version, from its `generated` bindings:
/// `Pre`/`Instance`, linking (WASI with nothing granted plus the contract's
/// imports, which `PluginState` implements) and one call of each export.
/// Every contract shares the types interface of the newest (see
/// `v0_1_0`'s `with`), so the calls read the same in every version module.
macro_rules! contract_calls {
    () => {
        use wasmtime::component::{Component, HasSelf, Linker};
        use wasmtime::{Engine, Store};

        use $crate::runtime::bindings::{ActionOutcome, Call, CallOutput};
        use $crate::runtime::{PluginState, RuntimeError};

        /// A linked, pre-instantiated component.
        pub type Pre = generated::ConnectorPre<PluginState>;

        /// A live instance of a component.
        pub type Instance = generated::Connector;

        /// Link WASI (nothing granted) and the contract's host imports.
        pub fn pre(engine: &Engine, component: &Component) -> Result<Pre, RuntimeError> {
            let contract = |e: wasmtime::Error| RuntimeError::Contract {
                contract: VERSION.into(),
                detail: format!("{e:#}"),
            };
            let mut linker: Linker<PluginState> = Linker::new(engine);
            wasmtime_wasi::p2::add_to_linker_async(&mut linker)
                .map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
            generated::Connector::add_to_linker::<PluginState, HasSelf<PluginState>>(
                &mut linker,
                |s| s,
            )
            .map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
            let instance_pre = linker.instantiate_pre(component).map_err(contract)?;
            generated::ConnectorPre::new(instance_pre).map_err(contract)
        }

        /// Instantiate in `store`.
        pub async fn instantiate(
            pre: &Pre,
            store: &mut Store<PluginState>,
        ) -> wasmtime::Result<Instance> {
            pre.instantiate_async(&mut *store).await
        }

        /// Instantiate and call one export.
        pub async fn call(
            pre: &Pre,
            store: &mut Store<PluginState>,
            call: Call,
        ) -> wasmtime::Result<CallOutput> {
            let bindings = instantiate(pre, store).await?;
            call_instance(&bindings, store, call).await
        }

        /// Call one export of an instance.
        pub async fn call_instance(
            bindings: &Instance,
            store: &mut Store<PluginState>,
            call: Call,
        ) -> wasmtime::Result<CallOutput> {
            Ok(match call {
                Call::Describe => {
                    CallOutput::Info(bindings.call_describe(&mut *store).await?.into())
                }
                Call::Check => CallOutput::Check(
                    bindings
                        .call_check(&mut *store)
                        .await?
                        .map(Into::into)
                        .map_err(Into::into),
                ),
                Call::Sync { stream, cursor } => CallOutput::Page(
                    bindings
                        .call_sync(&mut *store, &stream, cursor.as_deref())
                        .await?
                        .map(Into::into)
                        .map_err(Into::into),
                ),
                Call::Assess => CallOutput::Findings(
                    bindings
                        .call_assess(&mut *store)
                        .await?
                        .map(|v| v.into_iter().map(Into::into).collect())
                        .map_err(Into::into),
                ),
                Call::Act(a) => {
                    let action = $crate::runtime::bindings::latest::wit::types::Action {
                        name: a.name,
                        target: a.target,
                        dry_run: a.dry_run,
                    };
                    CallOutput::Outcome(
                        bindings
                            .call_act(&mut *store, &action)
                            .await?
                            .map(|o| ActionOutcome {
                                applied: o.applied,
                                detail: o.detail,
                            })
                            .map_err(Into::into),
                    )
                }
            })
        }
    };
}
pub(crate) use contract_calls;

/// The contract a component was built against, read off its imports (a
/// component imports at least one `plugboard:connector/…@VERSION`
/// interface), or `None` when it imports none of ours.
pub fn contract_of(engine: &wasmtime::Engine, component: &Component) -> Option<String> {
    component
        .component_type()
        .imports(engine)
        .filter_map(|(name, _)| {
            name.strip_prefix("plugboard:connector/")
                .and_then(|rest| rest.split_once('@'))
                .map(|(_, version)| version.to_string())
        })
        .next()
}

/// A component linked and ready to instantiate, for its contract version.
pub enum PluginPre {
    /// Contract 0.1.0.
    V0_1_0(v0_1_0::Pre),
    /// Contract 0.2.0.
    V0_2_0(v0_2_0::Pre),
}

impl PluginPre {
    /// Link `component` for `contract` (the manifest's), which must be the
    /// contract the component's own imports name.
    pub fn new(
        engine: &wasmtime::Engine,
        component: &Component,
        contract: &str,
    ) -> Result<Self, RuntimeError> {
        let built = contract_of(engine, component);
        if built.as_deref() != Some(contract) {
            return Err(RuntimeError::Contract {
                contract: contract.to_string(),
                detail: match built {
                    Some(v) => format!(
                        "the component was built against contract {v}; set `contract = \"{v}\"` in plugin.toml (or rebuild the plugin)"
                    ),
                    None => "the component imports no plugboard:connector interface; build it with plugboard-sdk".into(),
                },
            });
        }
        match contract {
            v0_1_0::VERSION => Ok(PluginPre::V0_1_0(v0_1_0::pre(engine, component)?)),
            v0_2_0::VERSION => Ok(PluginPre::V0_2_0(v0_2_0::pre(engine, component)?)),
            other => Err(RuntimeError::Contract {
                contract: other.to_string(),
                detail: format!("this host supports contracts {}", SUPPORTED.join(", ")),
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
            PluginPre::V0_2_0(pre) => v0_2_0::call(pre, store, call).await,
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
            PluginPre::V0_2_0(pre) => Ok(PluginInstance::V0_2_0(
                v0_2_0::instantiate(pre, store).await?,
            )),
        }
    }
}

/// A live instance, for its contract version.
pub enum PluginInstance {
    /// Contract 0.1.0.
    V0_1_0(v0_1_0::Instance),
    /// Contract 0.2.0.
    V0_2_0(v0_2_0::Instance),
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
            PluginInstance::V0_2_0(instance) => v0_2_0::call_instance(instance, store, call).await,
        }
    }
}
