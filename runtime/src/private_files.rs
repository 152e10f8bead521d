//! Writing into the home: directories 0700, files 0600, replaced atomically.
//!
//! # Threat
//! The home holds identity data, sign-in logs, sealed secrets, the master key
//! and native code the host will run (compiled components). Another local
//! user who can read it learns who works where; one who can write it can make
//! the host run their code. A half-written file after a crash must never be
//! read as a whole one.
//!
//! # Decision
//! Everything the host writes into the home goes through this module: every
//! file is written to a fresh temporary file (mode 0600, `O_EXCL`, in the same
//! directory), synced, and renamed over its name, so a reader sees the old
//! file or the new one and the new one is private whatever mode the old one
//! had. Every directory the host creates is 0700. The modes are Unix-only;
//! elsewhere the files are still replaced atomically.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Mode of every file the host writes into the home.
pub const FILE_MODE: u32 = 0o600;

/// Mode of every directory the host creates in (or as) the home.
pub const DIR_MODE: u32 = 0o700;

/// Create `dir` and any missing parents with mode 0700. Existing directories
/// keep their mode.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)
}

/// Write `bytes` to `path` privately (0600) and atomically. The parent
/// directory must exist; on failure nothing is left behind and `path` is
/// unchanged.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // `tempfile` creates the file with O_EXCL and mode 0600, and deletes it
    // if it is dropped before `persist`.
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The permission bits of `path` (Unix), for checks and tests.
#[cfg(unix)]
pub fn mode(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(fs::metadata(path)?.permissions().mode() & 0o7777)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_is_private_even_when_it_replaces_an_open_one() -> io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("f");
        fs::write(&path, b"old")?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644))?;
        write(&path, b"new")?;
        assert_eq!(fs::read(&path)?, b"new");
        assert_eq!(mode(&path)?, FILE_MODE);
        let left: Vec<_> = fs::read_dir(dir.path())?
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["f"], "a temporary file was left behind");
        Ok(())
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        // The name is taken by a non-empty directory: the rename fails.
        let path = dir.path().join("taken");
        fs::create_dir(&path)?;
        fs::write(path.join("inside"), b"x")?;
        assert!(write(&path, b"new").is_err());
        let left: Vec<_> = fs::read_dir(dir.path())?
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["taken"], "a temporary file was left behind");
        Ok(())
    }

    #[test]
    fn created_directories_and_their_parents_are_private() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let deep = dir.path().join("a").join("b");
        create_dir(&deep)?;
        assert_eq!(mode(&dir.path().join("a"))?, DIR_MODE);
        assert_eq!(mode(&deep)?, DIR_MODE);
        Ok(())
    }
}
