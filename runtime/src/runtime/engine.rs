//! The process-wide wasmtime engine and its epoch ticker.
//!
//! One engine serves every plugin. Epoch interruption bounds guest compute:
//! a background thread bumps the epoch every [`EPOCH_TICK`]; it holds only a
//! weak handle and stops when the engine is dropped.

use std::thread;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::RuntimeError;
use crate::limits::{EPOCH_TICK, POOL_INSTANCES};

/// Build the engine: component model, epoch interruption, and a pooling
/// allocator sized for [`POOL_INSTANCES`] concurrent instances whose
/// memories may each grow to `memory_cap` bytes (the operator's cap on any
/// plugin's `[limits] memory`; each store's limiter holds its plugin to its
/// own limit below it).
pub fn build_engine(pooling: bool, memory_cap: u64) -> Result<Engine, RuntimeError> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.parallel_compilation(true);
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(POOL_INSTANCES)
            .total_core_instances(POOL_INSTANCES * 4)
            .total_memories(POOL_INSTANCES * 2)
            .total_tables(POOL_INSTANCES * 4)
            .max_memories_per_component(4)
            .max_core_instances_per_component(32)
            .max_memory_size(usize::try_from(memory_cap).unwrap_or(usize::MAX));
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    let engine = Engine::new(&config).map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
    start_ticker(&engine);
    Ok(engine)
}

fn start_ticker(engine: &Engine) {
    let weak = engine.weak();
    // A detached thread: it exits on its own once the engine is gone.
    let spawned = thread::Builder::new()
        .name("plugboard-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                thread::sleep(EPOCH_TICK);
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the epoch ticker; guest deadlines will not fire");
    }
}
