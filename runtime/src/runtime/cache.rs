//! Compiled-component cache on disk.
//!
//! Compiling a component takes ~100 ms; loading a serialized one well under
//! a millisecond. Entries are keyed by the SHA-256 of the component bytes and
//! the engine's compatibility hash (`{sha256}-{engine}.cwasm`), so a
//! different wasmtime or configuration never loads a stale artefact.
//!
//! # Threat
//! An artefact is native code the host runs without further checks. A file
//! in the cache that this host did not write for exactly this component and
//! engine (planted, damaged, or another plugin's artefact copied over this
//! one's name) would run with this plugin's identity and grants.
//!
//! # Decision
//! Every artefact carries an HMAC-SHA-256 tag ([`super::artefact`]) under a
//! sub-key of the master key ([`CACHE_KEY_PURPOSE`]), checked before anything
//! is deserialized. An artefact that fails the check (or that wasmtime
//! refuses) is reported with a warning naming the file, compiled again, and
//! replaced atomically ([`crate::private_files`], mode 0600).
//!
//! A cache without a key (no master key: benchmarks, tests) never reads or
//! writes the disk and always compiles. A per-process random key was the
//! alternative, but it would make every artefact written by an earlier
//! process fail the check, so the disk cache would only ever cost a compile
//! plus a warning. [`ComponentCache::disabled`] and [`ComponentCache::at`]
//! without [`ComponentCache::with_key`] are such caches.

use std::fs;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use plugboard_core::secrets::{MasterKey, SubKey};
use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::RuntimeError;
use super::artefact::{self, Binding};

/// The purpose label of the cache's sub-key of the master key.
pub const CACHE_KEY_PURPOSE: &str = "plugboard component cache v1";

/// Largest artefact read back. An artefact is a few times the size of its
/// component, and components are at most 64 MiB; a larger file is not ours.
const MAX_ARTEFACT_BYTES: u64 = 1 << 30;

/// Where compiled components live, and the key that authenticates them.
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
    key: Option<SubKey>,
}

/// How a component was obtained, for reporting, tests and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded an authenticated artefact.
    Hit,
    /// Compiled: there was no artefact (or no disk cache). Stored when the
    /// cache has a directory and a key.
    Compiled,
    /// An artefact was there but refused (a warning says why): compiled
    /// again and the artefact replaced.
    Recompiled,
}

impl ComponentCache {
    /// The cache in `dir`, without a key: [`ComponentCache::forget`] works,
    /// but [`ComponentCache::load`] neither reads nor writes `dir` until a
    /// key is given with [`ComponentCache::with_key`].
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        ComponentCache {
            dir: Some(dir.into()),
            key: None,
        }
    }

    /// Authenticate artefacts with the cache's sub-key of `master`.
    pub fn with_key(mut self, master: &MasterKey) -> Self {
        self.key = Some(master.subkey(CACHE_KEY_PURPOSE));
        self
    }

    /// No caching: always compile.
    pub fn disabled() -> Self {
        ComponentCache {
            dir: None,
            key: None,
        }
    }

    /// Delete the artefacts compiled from the components whose SHA-256 (hex)
    /// is in `digests`, for every engine. Best effort: a file that cannot be
    /// deleted is said in the log and left.
    pub fn forget(&self, digests: &[&str]) {
        self.forget_where(|digest| digests.contains(&digest));
    }

    /// Delete every artefact (e.g. after the master key changed, when none
    /// of them would pass the check any more). Best effort, as `forget`.
    pub fn forget_all(&self) {
        self.forget_where(|_| true);
    }

    /// Delete the artefact of `bytes` on `engine` only (the one a failed add
    /// has just written: a component that compiled but does not link or
    /// describe). Best effort, as `forget`.
    pub fn discard(&self, engine: &Engine, bytes: &[u8]) {
        let Some(dir) = &self.dir else { return };
        let entry = Entry::new(dir, engine, bytes);
        match fs::remove_file(&entry.path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %entry.path.display(), error = %e, "cannot delete a compiled artefact");
            }
        }
    }

    fn forget_where(&self, compiled_from: impl Fn(&str) -> bool) {
        let Some(Ok(entries)) = self.dir.as_ref().map(fs::read_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            // `{digest}-{engine}.cwasm`, as `Entry::new` names them.
            let digest = name.split_once('-').map(|(digest, _)| digest);
            if name.ends_with(".cwasm")
                && digest.is_some_and(&compiled_from)
                && let Err(e) = fs::remove_file(entry.path())
            {
                tracing::warn!(path = %entry.path().display(), error = %e, "cannot delete a compiled artefact");
            }
        }
    }

    /// Load `bytes` as a component, from an authenticated artefact when
    /// there is one; otherwise compile, and store the artefact.
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
    ) -> Result<(Component, CacheOutcome), RuntimeError> {
        check_is_component(bytes)?;
        let (Some(dir), Some(key)) = (&self.dir, &self.key) else {
            return Ok((compile(engine, bytes)?, CacheOutcome::Compiled));
        };
        let entry = Entry::new(dir, engine, bytes);
        let refused = match read_capped(&entry.path) {
            Ok(None) => None,
            Ok(Some(file)) => match entry.open(engine, key, &file) {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(reason) => Some(reason),
            },
            Err(e) => Some(format!("it cannot be read: {e}")),
        };
        let outcome = match refused {
            None => CacheOutcome::Compiled,
            Some(reason) => {
                tracing::warn!(path = %entry.path.display(), %reason, "refusing a compiled artefact; compiling the component again and replacing it");
                CacheOutcome::Recompiled
            }
        };
        let component = compile(engine, bytes)?;
        if let Err(e) = entry.store(dir, key, &component) {
            tracing::warn!(path = %entry.path.display(), error = %e, "could not write the component cache");
        }
        Ok((component, outcome))
    }
}

/// What the cache holds for one component, as `plugboard doctor` reports it
/// ([`ComponentCache::inspect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Artefact {
    /// The cache has no key or no directory: nothing is kept on disk.
    Uncached,
    /// No artefact yet: the component is compiled on first use.
    Missing(PathBuf),
    /// An artefact whose tag checks for this component, engine and key.
    Authentic(PathBuf),
    /// An artefact [`ComponentCache::load`] would refuse (and replace), and why.
    Refused {
        /// The file.
        path: PathBuf,
        /// Why it would be refused.
        reason: String,
    },
}

impl ComponentCache {
    /// What the cache holds for `bytes` on `engine`: the artefact's tag is
    /// checked as [`ComponentCache::load`] checks it, but nothing is
    /// deserialized, compiled or written.
    pub fn inspect(&self, engine: &Engine, bytes: &[u8]) -> Artefact {
        let (Some(dir), Some(key)) = (&self.dir, &self.key) else {
            return Artefact::Uncached;
        };
        let entry = Entry::new(dir, engine, bytes);
        let reason = match read_capped(&entry.path) {
            Ok(None) => return Artefact::Missing(entry.path),
            Ok(Some(file)) => match artefact::open(key, entry.binding(), &file) {
                Ok(_) => return Artefact::Authentic(entry.path),
                Err(refusal) => refusal.to_string(),
            },
            Err(e) => format!("it cannot be read: {e}"),
        };
        Artefact::Refused {
            path: entry.path,
            reason,
        }
    }
}

/// One artefact: its file, and what it must be bound to.
struct Entry {
    path: PathBuf,
    component_sha256: [u8; 32],
    engine: u64,
}

impl Entry {
    fn new(dir: &Path, engine: &Engine, bytes: &[u8]) -> Entry {
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine = hasher.finish();
        let component_sha256: [u8; 32] = Sha256::digest(bytes).into();
        let digest = hex::encode(component_sha256);
        Entry {
            path: dir.join(format!("{digest}-{engine:016x}.cwasm")),
            component_sha256,
            engine,
        }
    }

    fn binding(&self) -> Binding<'_> {
        Binding {
            component_sha256: &self.component_sha256,
            engine: self.engine,
        }
    }

    /// Authenticate `file`, then deserialize the bytes just checked.
    fn open(&self, engine: &Engine, key: &SubKey, file: &[u8]) -> Result<Component, String> {
        let serialized = artefact::open(key, self.binding(), file).map_err(|r| r.to_string())?;
        deserialize(engine, serialized)
            .map_err(|e| format!("it passed authentication but wasmtime refused it: {e}"))
    }

    fn store(&self, dir: &Path, key: &SubKey, component: &Component) -> Result<(), String> {
        let serialized = component.serialize().map_err(|e| format!("{e:#}"))?;
        let file = artefact::seal(key, self.binding(), &serialized);
        crate::private_files::create_dir(dir).map_err(|e| e.to_string())?;
        crate::private_files::write(&self.path, &file).map_err(|e| e.to_string())
    }
}
fn compile(engine: &Engine, bytes: &[u8]) -> Result<Component, RuntimeError> {
    Component::from_binary(engine, bytes).map_err(|e| RuntimeError::Compile(format!("{e:#}")))
}

/// The artefact at `path`, `None` when there is none. Anything but a
/// regular file of at most [`MAX_ARTEFACT_BYTES`] (a symlink, a FIFO, a
/// device) is an error, not read.
fn read_capped(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(std::io::Error::other("it is not a regular file")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() > MAX_ARTEFACT_BYTES {
        return Err(std::io::Error::other(format!(
            "it is not a regular file of at most {MAX_ARTEFACT_BYTES} bytes"
        )));
    }
    let mut bytes = Vec::new();
    file.take(MAX_ARTEFACT_BYTES).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

#[expect(
    unsafe_code,
    reason = "deserializing native code; sound only for bytes authenticated as this host's own artefact"
)]
fn deserialize(engine: &Engine, serialized: &[u8]) -> Result<Component, String> {
    // SAFETY: `serialized` passed `artefact::open` just before this call: its
    // HMAC-SHA-256 tag, under a sub-key of the master key that only this host
    // holds, binds it to this component's SHA-256 and this engine's
    // compatibility hash, so it is exactly what this host's
    // `Component::serialize` produced for these bytes on this engine. It is
    // the in-memory buffer that was checked (copied by wasmtime, not read
    // again from disk). wasmtime still checks its header and version.
    unsafe { Component::deserialize(engine, serialized) }.map_err(|e| format!("{e:#}"))
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

#[cfg(test)]
mod tests;
