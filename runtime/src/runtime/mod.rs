//! The WebAssembly runtime: one engine, cached components, one store per
//! call with limits and a deadline, and bindings per contract version.

mod artefact;
pub mod bindings;
mod cache;
mod context;
mod engine;
mod idle;
mod plugin;
mod scrub;
mod state;
mod validate;

pub use cache::{Artefact, CACHE_KEY_PURPOSE, CacheOutcome, ComponentCache, check_is_component};
pub use context::{ContextError, HostOptions, InstanceContext, InstanceInputs};
pub use idle::IdleInstance;
pub use plugin::{CallError, LoadedPlugin, Runtime};
pub use state::PluginState;
pub use validate::validate_page;

use plugboard_core::Blame;

/// Failures to set up or load plugins.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The engine could not be built.
    #[error("the WebAssembly engine could not start: {0}")]
    Engine(String),
    /// The file is not a component.
    #[error("the plugin file is not a WebAssembly component: {0}")]
    NotComponent(String),
    /// Compilation failed.
    #[error("the plugin component could not be compiled: {0}")]
    Compile(String),
    /// The component does not fit the contract (missing exports, extra imports).
    #[error("the plugin does not implement contract {contract}: {detail}")]
    Contract {
        /// Contract version from the manifest.
        contract: String,
        /// What did not match.
        detail: String,
    },
}

impl RuntimeError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            RuntimeError::Engine(_) => Blame::Host,
            RuntimeError::NotComponent(_)
            | RuntimeError::Compile(_)
            | RuntimeError::Contract { .. } => Blame::Plugin,
        }
    }
}
