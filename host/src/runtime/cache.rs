//! Compiled-component cache on disk.
//!
//! Compiling a component takes ~100 ms; loading a serialized one ~0.1 ms.
//! Entries are keyed by the SHA-256 of the component bytes and the engine's
//! compatibility hash, so a different wasmtime or configuration never loads a
//! stale artefact. Files are written atomically (temp file + rename) with mode
//! 0600 inside the operator's home: only this host writes them, which is what
//! makes deserializing them sound.

use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::RuntimeError;

/// Where compiled components live, and whether to use them.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
}

/// How a component was obtained, for reporting and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded a serialized artefact.
    Hit,
    /// Compiled (and stored when the cache is enabled).
    Compiled,
}

impl ComponentCache {
    /// A cache in `dir` (created on first write).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ComponentCache {
            dir: Some(dir.into()),
        }
    }

    /// No caching: always compile.
    pub fn disabled() -> Self {
        ComponentCache { dir: None }
    }

    fn path_for(&self, engine: &Engine, bytes: &[u8]) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_hash = hasher.finish();
        let digest = hex::encode(Sha256::digest(bytes));
        Some(dir.join(format!("{digest}-{engine_hash:016x}.cwasm")))
    }

    /// Delete the artefacts compiled from the components whose SHA-256 (hex)
    /// is in `digests`, for every engine. Best effort: a file that cannot be
    /// deleted is said in the log and left.
    pub fn forget(&self, digests: &[&str]) {
        let Some(Ok(entries)) = self.dir.as_ref().map(fs::read_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // `{digest}-{engine}.cwasm`, as `path_for` names them.
            let compiled_from = name.split_once('-').map(|(digest, _)| digest);
            if name.ends_with(".cwasm")
                && compiled_from.is_some_and(|digest| digests.contains(&digest))
                && let Err(e) = fs::remove_file(entry.path())
            {
                tracing::warn!(path = %entry.path().display(), error = %e, "cannot delete a compiled artefact");
            }
        }
    }

    /// Load `bytes` as a component, from the cache when possible.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> Result<(Component, CacheOutcome), RuntimeError> {
        check_is_component(bytes)?;
        let path = self.path_for(engine, bytes);
        if let Some(path) = &path
            && path.exists()
        {
            match deserialize(engine, path) {
                Ok(c) => return Ok((c, CacheOutcome::Hit)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "ignoring unusable cache entry")
                }
            }
        }
        let component = Component::from_binary(engine, bytes)
            .map_err(|e| RuntimeError::Compile(format!("{e:#}")))?;
        if let Some(path) = &path
            && let Err(e) = store(&component, path)
        {
            tracing::warn!(path = %path.display(), error = %e, "could not write the component cache");
        }
        Ok((component, CacheOutcome::Compiled))
    }
}

#[expect(
    unsafe_code,
    reason = "deserializing a cache file that only this host wrote (0600, in the operator's home)"
)]
fn deserialize(engine: &Engine, path: &Path) -> Result<Component, String> {
    // SAFETY: the file was produced by `Component::serialize` of this host and
    // is keyed by the engine's compatibility hash; wasmtime still validates
    // the header and version before use.
    unsafe { Component::deserialize_file(engine, path) }.map_err(|e| format!("{e:#}"))
}

fn store(component: &Component, path: &Path) -> Result<(), String> {
    let bytes = component.serialize().map_err(|e| format!("{e:#}"))?;
    let dir = path.parent().ok_or("cache path has no parent")?;
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&tmp).map_err(|e| e.to_string())?;
    f.write_all(&bytes).map_err(|e| e.to_string())?;
    f.sync_all().map_err(|e| e.to_string())?;
    fs::rename(&tmp, path).map_err(|e| e.to_string())
}

/// The 8-byte preamble of a component (magic, layer 1, version 0x0d).
const COMPONENT_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
/// The 8-byte preamble of a core module.
const MODULE_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/// Refuse anything that is not a component, with a message saying what it is.
pub fn check_is_component(bytes: &[u8]) -> Result<(), RuntimeError> {
    match bytes.get(..8) {
        Some(p) if p == COMPONENT_PREAMBLE => Ok(()),
        Some(p) if p == MODULE_PREAMBLE => Err(RuntimeError::NotComponent(
            "it is a core WebAssembly module; build the plugin for wasm32-wasip2 (a component) with plugboard-sdk".into(),
        )),
        Some(p) if p.get(..4) == Some(&COMPONENT_PREAMBLE[..4]) => Err(RuntimeError::NotComponent(
            "it is WebAssembly of an unsupported version".into(),
        )),
        _ => Err(RuntimeError::NotComponent(
            "it is not WebAssembly (wrong magic bytes or truncated)".into(),
        )),
    }
}
