//! The operator's data directory (`$PLUGBOARD_HOME`, `--home`, or the
//! platform data dir) and what lives in it.
//!
//! The home holds identity data, sign-in logs, sealed secrets, the master key
//! and compiled native code, so it must be the operator's alone: it is
//! created 0700, and an existing home that group or others can access is
//! refused (unless the operator opts out with `--allow-open-home`) before
//! anything is written into it. What the host writes inside goes through
//! [`crate::private_files`] (files 0600, directories 0700).
//!
//! Paths under the home that depend on a name from outside (a plugin id or
//! version) are built only from a validated [`Component`], so no such name
//! can point outside the home.

mod component;

pub use component::{Component, UnsafeName};

use std::path::{Path, PathBuf};

use plugboard_core::Blame;

/// The data directory and its layout.
#[derive(Debug, Clone)]
pub struct Home {
    root: PathBuf,
}

/// What to do with an existing home that group or others can access.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OpenHome {
    /// Refuse it, saying how to fix its mode (the default).
    #[default]
    Refuse,
    /// Use it anyway, with a warning (`--allow-open-home`,
    /// `PLUGBOARD_ALLOW_OPEN_HOME=1`).
    Allow,
}

/// The fix for most home errors.
const PICK_ANOTHER_HOME: &str = "pass --home DIR or set PLUGBOARD_HOME to a writable directory";

/// The home could not be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use {path} as the Plugboard home: {reason}; {fix}")]
pub struct HomeError {
    path: String,
    reason: String,
    fix: String,
}

impl HomeError {
    /// The operator picks the home.
    pub fn blame(&self) -> Blame {
        Blame::Operator
    }
}

impl Home {
    /// `explicit` (from `--home`/`PLUGBOARD_HOME`) or the platform data dir;
    /// an open home is refused.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Home, HomeError> {
        Home::resolve_with(explicit, OpenHome::Refuse)
    }

    /// [`Home::resolve`], with what to do with an open home.
    pub fn resolve_with(explicit: Option<PathBuf>, open: OpenHome) -> Result<Home, HomeError> {
        Home::at_with(Home::root_for(explicit)?, open)
    }

    /// Where the home is: `explicit`, else `plugboard` in the platform's
    /// data directory. Nothing is created or checked.
    pub fn root_for(explicit: Option<PathBuf>) -> Result<PathBuf, HomeError> {
        match explicit {
            Some(p) => Ok(p),
            None => dirs::data_dir()
                .map(|d| d.join("plugboard"))
                .ok_or_else(|| HomeError {
                    path: "<none>".into(),
                    reason: "the platform has no data directory".into(),
                    fix: PICK_ANOTHER_HOME.into(),
                }),
        }
    }

    /// Use `root`, creating it (0700) when missing; an open home is refused.
    pub fn at(root: PathBuf) -> Result<Home, HomeError> {
        Home::at_with(root, OpenHome::Refuse)
    }

    /// [`Home::at`], with what to do with an existing home that group or
    /// others can access. Nothing is written into a refused home.
    pub fn at_with(root: PathBuf, open: OpenHome) -> Result<Home, HomeError> {
        let err = |reason: String| HomeError {
            path: root.display().to_string(),
            reason,
            fix: PICK_ANOTHER_HOME.into(),
        };
        if root.exists() && !root.is_dir() {
            return Err(err("it exists and is not a directory".into()));
        }
        // A no-op on an existing home, which keeps its mode; checked after,
        // so a home someone else creates meanwhile is checked too.
        crate::private_files::create_dir(&root).map_err(|e| err(e.to_string()))?;
        #[cfg(unix)]
        check_private(&root, open)?;
        #[cfg(not(unix))]
        let _ = open;
        // A probe that deletes itself: the home must take new files.
        let probe = tempfile::Builder::new()
            .prefix(".write-probe")
            .tempfile_in(&root)
            .map_err(|e| err(format!("it is not writable ({e})")))?;
        #[cfg(unix)]
        check_owner(&root, probe.path())?;
        drop(probe);
        Ok(Home { root })
    }

    /// The database path, after making an existing database and its `-wal`
    /// and `-shm` files private: one that group or others can access (left
    /// by an older Plugboard, or copied in) is changed to 0600 with a
    /// warning. A new database is created 0600 by the store itself.
    pub fn private_database(&self) -> Result<PathBuf, HomeError> {
        let db = self.database();
        #[cfg(unix)]
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.clone().into_os_string();
            name.push(suffix);
            tighten(&self.root, Path::new(&name))?;
        }
        Ok(db)
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

/// Refuse (or, when allowed, warn about) a home that group or others can
/// access.
#[cfg(unix)]
fn check_private(root: &Path, open: OpenHome) -> Result<(), HomeError> {
    let shown = root.display().to_string();
    let mode = crate::private_files::mode(root).map_err(|e| HomeError {
        path: shown.clone(),
        reason: e.to_string(),
        fix: PICK_ANOTHER_HOME.into(),
    })?;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    if open == OpenHome::Allow {
        tracing::warn!(home = %shown, mode = %format!("{mode:04o}"), "using a home that other users can access, as --allow-open-home asks");
        return Ok(());
    }
    Err(HomeError {
        fix: format!(
            "run `chmod 700 {shown}`, or pass --allow-open-home (PLUGBOARD_ALLOW_OPEN_HOME=1) to use it anyway"
        ),
        reason: format!(
            "its mode is {mode:04o}, so other users can reach the identity data, sign-in logs and compiled plugins in it"
        ),
        path: shown,
    })
}

/// Refuse a home that another user owns, whatever its mode: its owner could
/// replace the master key (and so forge compiled artefacts that run as this
/// user) or the database. `probe`, a file this process just created, tells
/// this process's user without asking the OS.
#[cfg(unix)]
fn check_owner(root: &Path, probe: &Path) -> Result<(), HomeError> {
    use std::os::unix::fs::MetadataExt;
    let shown = root.display().to_string();
    let uid = |p: &Path| std::fs::symlink_metadata(p).map(|m| m.uid());
    let (owner, me) = match (uid(root), uid(probe)) {
        (Ok(owner), Ok(me)) => (owner, me),
        (Err(e), _) | (_, Err(e)) => {
            return Err(HomeError {
                path: shown,
                reason: format!("its owner cannot be read ({e})"),
                fix: PICK_ANOTHER_HOME.into(),
            });
        }
    };
    if owner == me {
        return Ok(());
    }
    Err(HomeError {
        fix: format!(
            "use a home this user created, or give it to this user (`chown {me} {shown}`)"
        ),
        reason: format!(
            "it belongs to user {owner}, not to this user ({me}); its owner could replace the master key and what the host runs"
        ),
        path: shown,
    })
}

/// Make `path` (a file in the home `root`) 0600 when it exists and group or
/// others can access it.
#[cfg(unix)]
fn tighten(root: &Path, path: &Path) -> Result<(), HomeError> {
    use std::os::unix::fs::PermissionsExt;
    let file = path.display().to_string();
    let err = |reason: String, fix: String| HomeError {
        path: root.display().to_string(),
        reason,
        fix,
    };
    let mode = match crate::private_files::mode(path) {
        Ok(mode) => mode,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(err(format!("{file}: {e}"), PICK_ANOTHER_HOME.into())),
    };
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let perms = std::fs::Permissions::from_mode(crate::private_files::FILE_MODE);
    std::fs::set_permissions(path, perms).map_err(|e| {
        err(
            format!("{file} has mode {mode:04o} and cannot be made private ({e})"),
            format!("run `chmod 600 {file}`"),
        )
    })?;
    tracing::warn!(path = %file, was = %format!("{mode:04o}"), "other users could read this database file; changed its mode to 0600");
    Ok(())
}
