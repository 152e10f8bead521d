//! Plugin packages: reading `plugin.toml` + `.wasm` from disk, verifying
//! them by loading and describing, keeping a copy in the home, and loading
//! stored versions back.

use std::fs;
use std::path::{Path, PathBuf};

use plugboard_core::Blame;
use plugboard_core::model::PluginInfo;
use plugboard_core::store::{PluginOrigin, PluginRow, Store, StoreError};

use crate::home::{Home, UnsafeName};
use crate::manifest::{BadVersion, Manifest, ManifestError, check_version};
use crate::runtime::{CacheOutcome, CallError, LoadedPlugin, Runtime, RuntimeError};

mod expansion;
mod immutable;
mod local_copy;
pub mod oci;
mod pending;
mod prompt;
mod remove;
mod units;

pub use crate::capabilities::grant::Grant;
pub use expansion::{Capability, Expansion};
pub use immutable::{Digests, stored_version};
pub use local_copy::{component_bytes, local_path, stored_component};
pub use pending::{
    AUDIT_ACTION, Submission, Submitted, approve_pending, pending_json, refuse_pending,
    submit_pending,
};
pub use prompt::describe_request;
pub use remove::{Removal, remove_plugin};

/// Largest component file accepted.
pub const MAX_COMPONENT_BYTES: u64 = 64 << 20;

/// A plugin could not be added or loaded.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The manifest is invalid.
    #[error("{path}: {cause}")]
    Manifest {
        /// The manifest path.
        path: String,
        /// Why.
        cause: ManifestError,
    },
    /// The component could not be loaded.
    #[error("plugin {id} {version}: {cause}")]
    Runtime {
        /// Plugin id.
        id: String,
        /// Plugin version.
        version: String,
        /// Why.
        cause: RuntimeError,
    },
    /// `describe()` failed or disagreed with the manifest.
    #[error("plugin {id} {version}: {cause}")]
    Describe {
        /// Plugin id.
        id: String,
        /// Plugin version.
        version: String,
        /// Why.
        cause: CallError,
    },
    /// No such plugin in the store.
    #[error("no plugin `{0}` is added; add it with `plugboard plugin add PATH`")]
    NotAdded(String),
    /// The stored grant is unreadable.
    #[error("the stored grant of plugin {0} is unreadable; add the plugin again to re-approve it")]
    BadGrant(String),
    /// The operator did not approve what a plugin version asks for.
    #[error("plugin {id} {version} was not added: {reason}")]
    NotApproved {
        /// Plugin id.
        id: String,
        /// Plugin version.
        version: String,
        /// Why, and what to do.
        reason: String,
    },
    /// A rollback has no earlier version to go to.
    #[error("plugin {id} has only version {version}; there is nothing to roll back to")]
    NothingToRollBack {
        /// Plugin id.
        id: String,
        /// Its only version.
        version: String,
    },
    /// This id and version is already added with another component or
    /// manifest: an added version never changes.
    #[error(
        "plugin {id} {version} is already added with component sha256 {} and manifest sha256 {}, \
         but this package has component sha256 {} and manifest sha256 {}; an added version never \
         changes: publish it as a new version (raise `version` in plugin.toml); nothing was changed",
        stored.component, stored.manifest, offered.component, offered.manifest
    )]
    VersionExists {
        /// Plugin id.
        id: String,
        /// Plugin version.
        version: String,
        /// The digests of the stored version.
        stored: Box<Digests>,
        /// The digests of the package offered.
        offered: Box<Digests>,
    },
    /// A version argument is not a semantic version.
    #[error(transparent)]
    BadVersion(#[from] BadVersion),
    /// A name cannot be a path component in the home.
    #[error(transparent)]
    UnsafeName(#[from] UnsafeName),
    /// The stored component changed on disk.
    #[error(
        "the stored component of plugin {0} does not match its recorded SHA-256; add the plugin again"
    )]
    Tampered(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A registry or a signature check failed.
    #[error(transparent)]
    Oci(#[from] oci::OciError),
    /// No upgrade of this plugin waits for approval.
    #[error("plugin {0} has no pending upgrade; nothing was changed")]
    NoPending(String),
    /// The pending upgrade is at another version than the one named.
    #[error(
        "the pending upgrade of plugin {id} is version {pending}, not {named}; look at its diff and name version {pending} to approve or refuse it; nothing was changed"
    )]
    PendingVersion {
        /// Plugin id.
        id: String,
        /// The version pending.
        pending: String,
        /// The version the operator named.
        named: String,
    },
    /// The current version changed since the pending upgrade's diff was
    /// computed: the diff was recomputed, and is shown instead of approved.
    #[error(
        "plugin {} is now at version {}, not {} as when {} was submitted; nothing was approved. Against {}, {} changes: {}. Review this and approve again",
        .0.id, .0.now, .0.was, .0.version, .0.now, .0.version,
        if .0.lines.is_empty() { "nothing".to_string() } else { .0.lines.join("; ") }
    )]
    PendingStale(Box<StaleDiff>),
    /// The pending version is no longer newer than the current one.
    #[error(
        "plugin {id} {version} is no longer an upgrade: version {current} is current (or {version} was added meanwhile); refuse the pending upgrade; nothing was approved"
    )]
    NotAnUpgrade {
        /// Plugin id.
        id: String,
        /// The version pending.
        version: String,
        /// The version current.
        current: String,
    },
}

impl RegistryError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        match self {
            RegistryError::File { .. } | RegistryError::NotAdded(_) => Blame::Operator,
            RegistryError::Manifest { cause, .. } => cause.blame(),
            RegistryError::Runtime { cause, .. } => cause.blame(),
            RegistryError::Describe { cause, .. } => cause.blame(),
            RegistryError::BadVersion(e) => e.blame(),
            RegistryError::UnsafeName(e) => e.blame(),
            RegistryError::Tampered(_)
            | RegistryError::VersionExists { .. }
            | RegistryError::BadGrant(_)
            | RegistryError::NotApproved { .. }
            | RegistryError::NothingToRollBack { .. }
            | RegistryError::NoPending(_)
            | RegistryError::PendingVersion { .. }
            | RegistryError::PendingStale(_)
            | RegistryError::NotAnUpgrade { .. } => Blame::Operator,
            RegistryError::Store(e) => e.blame(),
            RegistryError::Oci(e) => e.blame(),
        }
    }
}

/// A pending upgrade's diff, recomputed because the current version changed.
#[derive(Debug)]
pub struct StaleDiff {
    /// Plugin id.
    pub id: String,
    /// The version pending.
    pub version: String,
    /// The version the old diff was computed against.
    pub was: String,
    /// The version current now.
    pub now: String,
    /// The new diff.
    pub lines: Vec<String>,
}

/// A plugin package read from disk.
#[derive(Debug)]
pub struct PluginSource {
    /// Where the manifest was read.
    pub manifest_path: PathBuf,
    pub manifest_text: String,
    /// The parsed manifest.
    pub manifest: Manifest,
    /// The component bytes.
    pub wasm: Vec<u8>,
}

fn file_err(path: &Path, reason: impl std::fmt::Display) -> RegistryError {
    RegistryError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, RegistryError> {
    let meta = fs::metadata(path).map_err(|e| file_err(path, e))?;
    if meta.len() > MAX_COMPONENT_BYTES {
        return Err(file_err(
            path,
            format!("larger than {MAX_COMPONENT_BYTES} bytes"),
        ));
    }
    fs::read(path).map_err(|e| file_err(path, e))
}

/// A package's manifest, refused unless this host's runtime has bindings
/// for its contract.
fn parse_package_manifest(text: &str, path: &str) -> Result<Manifest, RegistryError> {
    Manifest::parse(text)
        .and_then(|m| {
            m.check_contract(crate::runtime::bindings::SUPPORTED)
                .map(|()| m)
        })
        .map_err(|cause| RegistryError::Manifest {
            path: path.to_string(),
            cause,
        })
}

impl PluginSource {
    /// Read a package from a directory, a `plugin.toml`, or a `.wasm` with
    /// `plugin.toml` beside it.
    pub fn read(path: &Path) -> Result<Self, RegistryError> {
        Self::read_with(path, None)
    }

    /// Like [`PluginSource::read`], with the component taken from `wasm`
    /// instead of beside the manifest (e.g. straight from a build directory).
    pub fn read_with(path: &Path, wasm: Option<&Path>) -> Result<Self, RegistryError> {
        let (manifest_path, wasm_hint) = if path.is_dir() {
            (path.join("plugin.toml"), None)
        } else if path.extension().is_some_and(|e| e == "wasm") {
            (path.with_file_name("plugin.toml"), Some(path.to_path_buf()))
        } else {
            (path.to_path_buf(), None)
        };
        let manifest_text = fs::read_to_string(&manifest_path)
            .map_err(|e| file_err(&manifest_path, format!("cannot read the manifest ({e}); a plugin is a directory with plugin.toml and NAME.wasm")))?;
        let manifest =
            parse_package_manifest(&manifest_text, &manifest_path.display().to_string())?;
        let dir = manifest_path.parent().unwrap_or(Path::new("."));
        let wasm_path = match (
            wasm.map(Path::to_path_buf).or(wasm_hint),
            &manifest.component,
        ) {
            (Some(p), _) => p,
            // The manifest refuses separators; a component is checked again
            // before it becomes part of a path.
            (None, Some(c)) => dir.join(crate::home::Component::new("component", c)?.as_path()),
            (None, None) => dir.join(format!("{}.wasm", manifest.id)),
        };
        let wasm = read_capped(&wasm_path)?;
        Ok(PluginSource {
            manifest_path,
            manifest_text,
            manifest,
            wasm,
        })
    }

    /// A package from bytes already in memory (the demo's embedded manifests).
    pub fn from_parts(manifest_text: &str, wasm: Vec<u8>) -> Result<Self, RegistryError> {
        Self::from_parts_at(manifest_text, wasm, "<embedded plugin.toml>")
    }

    /// A package from bytes fetched from `label` (named in errors).
    pub fn from_parts_at(
        manifest_text: &str,
        wasm: Vec<u8>,
        label: &str,
    ) -> Result<Self, RegistryError> {
        let manifest = parse_package_manifest(manifest_text, label)?;
        Ok(PluginSource {
            manifest_path: PathBuf::from(label),
            manifest_text: manifest_text.to_string(),
            manifest,
            wasm,
        })
    }
}

/// Describe a loaded plugin with an inert context (no config, no secrets).
pub async fn describe(plugin: &LoadedPlugin) -> Result<PluginInfo, CallError> {
    plugin.describe_offline().await
}

/// Load `source` and describe it (refusing a component that does not load
/// or whose `describe()` fails or disagrees); its SHA-256 and description.
/// A refused package keeps no compiled artefact.
pub(crate) async fn verify(
    runtime: &Runtime,
    source: &PluginSource,
) -> Result<(String, PluginInfo), RegistryError> {
    let (id, version) = (source.manifest.id.clone(), source.manifest.version.clone());
    let loaded = runtime
        .load(source.manifest.clone(), source.wasm.clone())
        .await
        .map_err(|e| RegistryError::Runtime {
            id: id.clone(),
            version: version.clone(),
            cause: e,
        })?;
    let info = describe(&loaded).await.map_err(|e| {
        // A refused add keeps no artefact: one compiled just now goes (a
        // link failure is handled the same way inside `load`).
        if loaded.cache_outcome() != CacheOutcome::Hit {
            runtime.discard_artefact(&source.wasm);
        }
        RegistryError::Describe {
            id: id.clone(),
            version: version.clone(),
            cause: e,
        }
    })?;
    Ok((loaded.sha256().to_string(), info))
}

/// Verify, copy into the home and record a plugin version, which becomes
/// current. An added version never changes: the same package again (same
/// component and manifest text) writes nothing and answers the stored row,
/// without making it current; a different one is refused with
/// [`RegistryError::VersionExists`] before anything is written. Callers that
/// must tell the operator which happened ask [`stored_version`] first.
pub async fn add_plugin(
    home: &Home,
    store: &Store,
    runtime: &Runtime,
    source: PluginSource,
    grant: &Grant,
) -> Result<(PluginRow, PluginInfo), RegistryError> {
    add_plugin_from(home, store, runtime, source, grant, None).await
}

/// [`add_plugin`], recording where the package came from (a registry
/// reference and digest, its signature's verdict) with the version.
pub async fn add_plugin_from(
    home: &Home,
    store: &Store,
    runtime: &Runtime,
    source: PluginSource,
    grant: &Grant,
    origin: Option<&PluginOrigin>,
) -> Result<(PluginRow, PluginInfo), RegistryError> {
    let (id, version) = (source.manifest.id.clone(), source.manifest.version.clone());
    let offered = source.digests();
    let existing = stored_version(store, &id, &version, &offered)?;
    let (sha256, info) = verify(runtime, &source).await?;
    if let Some(row) = existing {
        return Ok((row, info));
    }
    // Kept in the store first, so a node told of the new version (it
    // becomes current with the row below) finds its bytes.
    store.put_component(&sha256, &source.wasm)?;
    let dir = home.plugin_dir(&id, &version)?;
    crate::private_files::create_dir(&dir).map_err(|e| file_err(&dir, e))?;
    let wasm_path = dir.join(format!("{id}.wasm"));
    crate::private_files::write(&wasm_path, &source.wasm).map_err(|e| file_err(&wasm_path, e))?;
    let manifest_path = dir.join("plugin.toml");
    crate::private_files::write(&manifest_path, source.manifest_text.as_bytes())
        .map_err(|e| file_err(&manifest_path, e))?;
    let row = PluginRow {
        id,
        version,
        contract: source.manifest.contract.clone(),
        manifest: source.manifest_text,
        wasm_sha256: sha256,
        wasm_path: wasm_path.display().to_string(),
        grant_json: serde_json::to_string(grant).unwrap_or_default(),
        info_json: serde_json::to_string(&info).unwrap_or_default(),
        added_at: String::new(),
    };
    let put = match origin {
        Some(o) => store.put_plugin_from(&row, o),
        None => store.put_plugin(&row),
    };
    match put {
        Ok(()) => {
            // Added with an approval of its own: a pending upgrade to this
            // same version has nothing left to wait for.
            if let Ok(Some(p)) = store.pending(&row.id)
                && p.version == row.version
                && store.remove_pending(&row.id, Some(&p.version)).is_ok()
            {
                tracing::info!(plugin = %row.id, version = %row.version, "the pending upgrade to this version went: the version was added with approval");
            }
            Ok((row, info))
        }
        // Another process added this version since the check above: the
        // same package is fine, another one is refused like above.
        Err(StoreError::AlreadyExists { .. }) => {
            match stored_version(store, &row.id, &row.version, &offered)? {
                Some(stored) => Ok((stored, info)),
                None => Err(RegistryError::NotAdded(row.id)),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// The manifest and grant of the current version of plugin `id`, if one is
/// added: what a new version is compared against before it replaces it.
pub fn current_approval(
    store: &Store,
    id: &str,
) -> Result<Option<(Manifest, Grant)>, RegistryError> {
    let Some(row) = store.plugin(id)? else {
        return Ok(None);
    };
    let manifest = Manifest::parse(&row.manifest).map_err(|cause| RegistryError::Manifest {
        path: format!("stored manifest of {id} {}", row.version),
        cause,
    })?;
    let grant: Grant = serde_json::from_str(&row.grant_json)
        .map_err(|_| RegistryError::BadGrant(id.to_string()))?;
    Ok(Some((manifest, grant)))
}

/// Load the current version of plugin `id` from the store, limited to its
/// grant (manifest ∩ approval); returns the grant too. The component is
/// this node's copy in `home`, fetched from the store first when the
/// version was added through another node ([`component_bytes`]).
pub async fn load_plugin(
    home: &Home,
    store: &Store,
    runtime: &Runtime,
    id: &str,
) -> Result<(LoadedPlugin, Grant), RegistryError> {
    let row = store
        .plugin(id)?
        .ok_or_else(|| RegistryError::NotAdded(id.to_string()))?;
    let manifest = Manifest::parse(&row.manifest).map_err(|cause| RegistryError::Manifest {
        path: format!("stored manifest of {id}"),
        cause,
    })?;
    let grant: Grant = serde_json::from_str(&row.grant_json)
        .map_err(|_| RegistryError::BadGrant(id.to_string()))?;
    let wasm = component_bytes(home, store, &row)?;
    let plugin = runtime
        .load(grant.effective(&manifest), wasm)
        .await
        .map_err(|e| RegistryError::Runtime {
            id: row.id.clone(),
            version: row.version.clone(),
            cause: e,
        })?;
    Ok((plugin, grant))
}

/// The JSON view of plugin `row` (the version current) and its `versions`,
/// as the REST API answers and every `plugboard plugin … --json` prints it.
pub fn plugin_json(row: &PluginRow, versions: &[PluginRow]) -> serde_json::Value {
    serde_json::json!({
        "id": row.id,
        "version": row.version,
        "contract": row.contract,
        "sha256": row.wasm_sha256,
        "added_at": row.added_at,
        "info": row.info().ok(),
        "grant": serde_json::from_str::<serde_json::Value>(&row.grant_json).unwrap_or(serde_json::Value::Null),
        "versions": versions.iter().map(|v| serde_json::json!({ "version": v.version, "added_at": v.added_at, "sha256": v.wasm_sha256 })).collect::<Vec<_>>(),
    })
}

/// Make an earlier version of plugin `id` current again: `version`, or the
/// most recently added version other than the current one. Instances switch
/// at their next call (the daemon: at their next phase). Returns the row now
/// current.
pub fn rollback(
    store: &Store,
    id: &str,
    version: Option<&str>,
) -> Result<PluginRow, RegistryError> {
    if let Some(v) = version {
        check_version(v)?;
    }
    let current = store
        .plugin(id)?
        .ok_or_else(|| RegistryError::NotAdded(id.to_string()))?;
    let target = match version {
        Some(v) => v.to_string(),
        None => store
            .plugin_versions(id)?
            .into_iter()
            .rev()
            .map(|r| r.version)
            .find(|v| *v != current.version)
            .ok_or_else(|| RegistryError::NothingToRollBack {
                id: id.to_string(),
                version: current.version.clone(),
            })?,
    };
    store.set_current_plugin(id, &target)?;
    store
        .plugin(id)?
        .ok_or_else(|| RegistryError::NotAdded(id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(version: &str) -> PluginRow {
        PluginRow {
            id: "p".into(),
            version: version.into(),
            contract: "0.1.0".into(),
            manifest: String::new(),
            wasm_sha256: String::new(),
            wasm_path: String::new(),
            grant_json: "{}".into(),
            info_json: "{}".into(),
            added_at: String::new(),
        }
    }

    #[test]
    fn a_component_name_that_is_not_a_plain_file_name_is_refused_before_reading()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let zoom = include_str!("../../runtime/testdata/zoom.toml");
        fs::write(dir.path().join(".hidden.wasm"), b"not read")?;
        let crafted = zoom.replacen(
            "component = \"plugboard_zoom.wasm\"",
            "component = \".hidden.wasm\"",
            1,
        );
        assert_ne!(crafted, zoom);
        fs::write(dir.path().join("plugin.toml"), crafted)?;
        let err = PluginSource::read(dir.path()).err();
        assert!(
            matches!(&err, Some(e @ RegistryError::UnsafeName(_)) if e.blame() == Blame::Operator
                && e.to_string().contains("component \".hidden.wasm\" is not a safe file name")),
            "{err:?}"
        );
        Ok(())
    }

    #[test]
    fn a_rollback_goes_to_the_previous_version_or_the_one_named() -> Result<(), RegistryError> {
        let store = Store::open_in_memory()?;
        assert!(matches!(
            rollback(&store, "p", None),
            Err(RegistryError::NotAdded(_))
        ));
        store.put_plugin(&row("1.0.0"))?;
        let only = rollback(&store, "p", None);
        assert!(
            matches!(&only, Err(e @ RegistryError::NothingToRollBack { .. }) if e.blame() == Blame::Operator)
        );
        store.put_plugin(&row("2.0.0"))?;
        store.put_plugin(&row("3.0.0"))?;
        assert_eq!(rollback(&store, "p", None)?.version, "2.0.0");
        assert_eq!(rollback(&store, "p", Some("1.0.0"))?.version, "1.0.0");
        assert!(matches!(
            rollback(&store, "p", Some("9.9.9")),
            Err(RegistryError::Store(StoreError::NotFound { .. }))
        ));
        for bad in ["../..", "/abs/victim", "1.0", ""] {
            let err = rollback(&store, "p", Some(bad));
            assert!(
                matches!(&err, Err(e @ RegistryError::BadVersion(_)) if e.blame() == Blame::Operator
                    && e.to_string().contains("is not valid: use a semantic version")),
                "{bad:?}: {err:?}"
            );
            assert_eq!(
                store.plugin("p")?.map(|r| r.version).as_deref(),
                Some("1.0.0")
            );
        }
        Ok(())
    }
}
