//! The operator's data directory (`$PLUGBOARD_HOME`, `--home`, or the
//! platform data dir) and what lives in it.

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

    /// Where every version of a plugin is kept.
    pub fn plugin_root(&self, id: &str) -> PathBuf {
        self.root.join("plugins").join(id)
    }

    /// Where a plugin version's files are kept.
    pub fn plugin_dir(&self, id: &str, version: &str) -> PathBuf {
        self.plugin_root(id).join(version)
    }

    /// The compiled-component cache.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }
}
