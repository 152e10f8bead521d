//! The operator's data directory (`$PLUGBOARD_HOME`, `--home`, or the
//! platform data dir) and what lives in it.
//!
//! Paths under the home that depend on a name from outside (a plugin id or
//! version) are built only from a validated [`Component`], so no such name
//! can point outside the home.

mod component;

pub use component::{Component, UnsafeName};

use std::fs;
use std::path::{Path, PathBuf};

use plugboard_core::Blame;

/// The data directory and its layout.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

/// The home could not be used.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot use {path} as the Plugboard home: {reason}; pass --home DIR or set PLUGBOARD_HOME to a writable directory"
)]
pub struct HomeError {
    path: String,
    reason: String,
}

impl HomeError {
    /// The operator picks the home.
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }
}

impl Home {
    /// `explicit` (from `--home`/`PLUGBOARD_HOME`) or the platform data dir.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Home, HomeError> {
        let root = match explicit {
            Some(p) => p,
            None => dirs::data_dir()
                .map(|d| d.join("plugboard"))
                .ok_or_else(|| HomeError {
                    path: "<none>".into(),
                    reason: "the platform has no data directory".into(),
                })?,
        };
        Home::at(root)
    }

    /// Use `root`, creating it (0700) when missing.
    pub fn at(root: PathBuf) -> Result<Home, HomeError> {
        let err = |reason: String| HomeError {
            path: root.display().to_string(),
            reason,
        };
        if root.exists() && !root.is_dir() {
            return Err(err("it exists and is not a directory".into()));
        }
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&root).map_err(|e| err(e.to_string()))?;
        let probe = root.join(".write-probe");
        fs::write(&probe, b"").map_err(|e| err(format!("it is not writable ({e})")))?;
        let _ = fs::remove_file(&probe);
        Ok(Home { root })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The SQLite database.
    pub fn database(&self) -> PathBuf {
        self.root.join("plugboard.db")
    }

    /// Where the plugins' files are kept.
    pub fn plugins_dir(&self) -> PathBuf {
        self.root.join("plugins")
    }

    /// Where every version of plugin `id` is kept; an error unless `id` is
    /// one safe path component.
    pub fn plugin_root(&self, id: &str) -> Result<PathBuf, UnsafeName> {
        let id = Component::new("plugin id", id)?;
        Ok(self.plugins_dir().join(id.as_path()))
    }

    /// Where version `version` of plugin `id` is kept; an error unless both
    /// are safe path components.
    pub fn plugin_dir(&self, id: &str, version: &str) -> Result<PathBuf, UnsafeName> {
        let version = Component::new("plugin version", version)?;
        Ok(self.plugin_root(id)?.join(version.as_path()))
    }

    /// The compiled-component cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }
}
