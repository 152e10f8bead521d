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
    /// The manifest asks for more memory than this host's cap.
    #[error(
        "plugin {plugin} asks for up to {} of memory ([limits] memory), above this host's cap of {}; raise the cap (PLUGBOARD_MAX_PLUGIN_MEMORY, e.g. \"512MiB\") or do not use this plugin",
        crate::capabilities::limits::section::show_size(*asked),
        crate::capabilities::limits::section::show_size(*cap)
    )]
    MemoryOverCap {
        /// Plugin id.
        plugin: String,
        /// The limit asked for, in bytes.
        asked: u64,
        /// The cap, in bytes.
        cap: u64,
    },
    /// The operator's memory cap is not a size.
    #[error(
        "PLUGBOARD_MAX_PLUGIN_MEMORY={0} is not a memory cap: write a whole number of MiB or GiB from 16 MiB to 4 GiB (e.g. \"256MiB\"), or unset it for the default 256 MiB"
    )]
    BadMemoryCap(String),
}

impl RuntimeError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            RuntimeError::Engine(_) => Blame::Host,
            RuntimeError::NotComponent(_)
            | RuntimeError::Compile(_)
            | RuntimeError::Contract { .. } => Blame::Plugin,
            RuntimeError::MemoryOverCap { .. } | RuntimeError::BadMemoryCap(_) => Blame::Operator,
        }
    }
}
