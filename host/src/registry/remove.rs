//! Removing a plugin: its rows, then its files and compiled artefacts.
//!
//! Threat: removal deletes directories recursively, and their names come
//! from store rows (id, version) that an older host may have written from an
//! unchecked manifest: `version = "../.."` once made `plugin remove` delete
//! the whole home, database and master key included, and `"/some/dir"` any
//! directory the host user could write. A directory in the home may also
//! have been replaced by a symlink to somewhere else. Decision: the rows go
//! first (the store no longer knows those versions, so the rest only frees
//! disk); then only directories strictly inside `HOME/plugins/ID/` are
//! deleted, each named by a validated path component; a symlink in the way
//! is unlinked, never followed; whatever is not deleted is reported to the
//! operator with the reason, and the removal still succeeds.

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use plugboard_core::store::Store;

use super::RegistryError;
use crate::home::Home;
use crate::runtime::ComponentCache;
use plugboard_core::text::quoted;

/// What [`remove_plugin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// The versions whose rows were removed, as stored (shown to an
    /// operator only through [`quoted`] unless they are valid versions).
    pub versions: Vec<String>,
    /// What was left on disk, or unlinked instead of deleted, and why: one
    /// sentence each, for the operator.
    pub left: Vec<String>,
}

/// Remove every version of plugin `id`: its rows, its files in the home and
/// its compiled artefacts. Refused while instances use it (remove those
/// first); nothing is removed then.
pub fn remove_plugin(home: &Home, store: &Store, id: &str) -> Result<Removal, RegistryError> {
    let versions = store.plugin_versions(id)?;
    let pending = store.pending(id)?.map(|p| p.wasm_sha256);
    store.remove_plugin(id)?;
    // A version added again meanwhile (another process on the same home)
    // keeps its files, and a component another row uses keeps its artefact.
    let mut used = HashSet::new();
    let mut added_again = HashSet::new();
    for row in store.plugins()? {
        for v in store.plugin_versions(&row.id)? {
            if v.id == id {
                added_again.insert(v.version.clone());
            }
            used.insert(v.wasm_sha256);
        }
    }
    let gone: Vec<&str> = versions
        .iter()
        .map(|v| v.version.as_str())
        .filter(|v| !added_again.contains(*v))
        .collect();
    let mut left = Vec::new();
    delete_files(home, id, &gone, &mut left);
    for p in store.pendings()? {
        used.insert(p.wasm_sha256);
    }
    let unused: Vec<&str> = versions
        .iter()
        .map(|v| v.wasm_sha256.as_str())
        .chain(pending.as_deref())
        .filter(|sha| !used.contains(*sha))
        .collect();
    ComponentCache::at(home.cache_dir()).forget(&unused);
    Ok(Removal {
        versions: versions.into_iter().map(|v| v.version).collect(),
        left,
    })
}

/// How `path` is, without following a symlink at its end.
enum Entry {
    Missing,
    Directory,
    /// A symlink, a file or anything else that is not a directory.
    Other,
}

fn entry(path: &Path) -> std::io::Result<Entry> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_dir() => Ok(Entry::Directory),
        Ok(_) => Ok(Entry::Other),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(Entry::Missing),
        Err(e) => Err(e),
    }
}

/// Delete `HOME/plugins/ID/VERSION` for each of `versions`, then
/// `HOME/plugins/ID` when empty; say in `left` what was not deleted.
fn delete_files(home: &Home, id: &str, versions: &[&str], left: &mut Vec<String>) {
    let plugins = home.plugins_dir();
    match entry(&plugins) {
        Ok(Entry::Directory) => {}
        Ok(Entry::Missing) => return,
        Ok(Entry::Other) => {
            left.push(format!(
                "{} is not a directory (a symlink?), so nothing under it was deleted",
                plugins.display()
            ));
            return;
        }
        Err(e) => {
            left.push(format!(
                "cannot inspect {} ({e}); nothing under it was deleted",
                plugins.display()
            ));
            return;
        }
    }
    let root = match home.plugin_root(id) {
        Ok(root) => root,
        Err(e) => {
            left.push(format!("{e}; no files were deleted for it"));
            return;
        }
    };
    match entry(&root) {
        Ok(Entry::Directory) => {}
        Ok(Entry::Missing) => return,
        Ok(Entry::Other) => {
            let done = match fs::remove_file(&root) {
                Ok(()) => "it was unlinked".to_string(),
                Err(e) => format!("unlinking it failed ({e})"),
            };
            left.push(format!(
                "{} was not the directory plugboard made (a symlink or a file): {done}, and nothing it points to was deleted",
                root.display()
            ));
            return;
        }
        Err(e) => {
            left.push(format!(
                "cannot inspect {} ({e}); nothing under it was deleted",
                root.display()
            ));
            return;
        }
    }
    for version in versions {
        let dir = match home.plugin_dir(id, version) {
            Ok(dir) => dir,
            Err(e) => {
                left.push(format!(
                    "the row of version {} was removed, but no files were deleted for it: {e}",
                    quoted(version)
                ));
                continue;
            }
        };
        // `remove_dir_all` unlinks a symlink at `dir` itself and never
        // follows one inside it.
        if let Err(e) = fs::remove_dir_all(&dir)
            && e.kind() != ErrorKind::NotFound
        {
            left.push(format!("cannot delete {} ({e})", dir.display()));
        }
    }
    // Gone when empty; kept when another version was added meanwhile.
    let _ = fs::remove_dir(&root);
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugboard_core::Blame;
    use plugboard_core::store::{InstanceRow, PluginRow, StoreError};

    fn row(id: &str, version: &str, sha: &str) -> PluginRow {
        PluginRow {
            id: id.into(),
            version: version.into(),
            contract: "0.1.0".into(),
            manifest: String::new(),
            wasm_sha256: sha.into(),
            wasm_path: String::new(),
            grant_json: "{}".into(),
            info_json: "{}".into(),
            added_at: String::new(),
        }
    }

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    /// A home in a temporary directory, with a victim directory beside it
    /// holding a marker file.
    struct Fixture {
        _dir: tempfile::TempDir,
        home: Home,
        victim: std::path::PathBuf,
    }

    impl Fixture {
        fn new() -> Result<Self, Box<dyn std::error::Error>> {
            let dir = tempfile::tempdir()?;
            let home = Home::at(dir.path().join("home"))?;
            let victim = dir.path().join("victim");
            fs::create_dir_all(&victim)?;
            fs::write(victim.join("marker"), b"keep me")?;
            Ok(Fixture {
                _dir: dir,
                home,
                victim,
            })
        }

        fn victim_survived(&self) -> bool {
            fs::read(self.victim.join("marker")).is_ok_and(|m| m == b"keep me")
        }

        fn version_dir(
            &self,
            version: &str,
        ) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
            let dir = self.home.plugin_dir("p", version)?;
            fs::create_dir_all(&dir)?;
            fs::write(dir.join("p.wasm"), b"wasm")?;
            Ok(dir)
        }
    }

    #[test]
    fn removing_a_plugin_deletes_its_files_and_artefacts_unless_an_instance_uses_it() -> TestResult
    {
        let f = Fixture::new()?;
        let home = &f.home;
        let store = Store::open_in_memory()?;
        store.put_plugin(&row("p", "1.0.0", "aa11"))?;
        store.put_plugin(&row("p", "2.0.0", "bb22"))?;
        // Another plugin built from the same component keeps its artefact.
        store.put_plugin(&row("q", "1.0.0", "bb22"))?;
        for version in ["1.0.0", "2.0.0"] {
            f.version_dir(version)?;
        }
        fs::create_dir_all(home.cache_dir())?;
        for artefact in ["aa11-0f.cwasm", "bb22-0f.cwasm", "cc33-0f.cwasm"] {
            fs::write(home.cache_dir().join(artefact), b"compiled")?;
        }
        store.add_instance(&InstanceRow {
            id: "acme".into(),
            plugin_id: "p".into(),
            config_json: "{}".into(),
            upstreams_json: "{}".into(),
            enabled: true,
            created_at: String::new(),
            updated_at: String::new(),
        })?;

        let in_use = remove_plugin(home, &store, "p");
        assert!(
            matches!(&in_use, Err(e @ RegistryError::Store(StoreError::PluginInUse { .. })) if e.blame() == Blame::Operator),
            "{in_use:?}"
        );
        assert!(home.plugin_dir("p", "1.0.0")?.join("p.wasm").exists());
        assert!(store.plugin("p")?.is_some());

        store.remove_instance("acme")?;
        let removed = remove_plugin(home, &store, "p")?;
        assert_eq!(removed.versions, ["1.0.0", "2.0.0"]);
        assert!(removed.left.is_empty(), "{:?}", removed.left);
        assert!(store.plugin("p")?.is_none());
        assert!(!home.plugin_root("p")?.exists());
        assert!(!home.cache_dir().join("aa11-0f.cwasm").exists());
        assert!(home.cache_dir().join("bb22-0f.cwasm").exists());
        assert!(home.cache_dir().join("cc33-0f.cwasm").exists());
        assert!(matches!(
            remove_plugin(home, &store, "p"),
            Err(RegistryError::Store(StoreError::NotFound { .. }))
        ));
        Ok(())
    }

    #[test]
    fn a_stored_version_that_is_a_path_deletes_nothing_outside_the_plugin_and_is_reported()
    -> TestResult {
        let f = Fixture::new()?;
        let store = Store::open_in_memory()?;
        let absolute = f.victim.display().to_string();
        store.put_plugin(&row("p", "1.0.0", "aa11"))?;
        // Rows an older host may have written from an unchecked manifest.
        for bad in ["../..", "..", absolute.as_str(), "1.0.0/../../.."] {
            store.put_plugin(&row("p", bad, "aa11"))?;
        }
        let good = f.version_dir("1.0.0")?;
        let db = f.home.database();
        fs::write(&db, b"stands for the database")?;

        let removed = remove_plugin(&f.home, &store, "p")?;
        assert_eq!(removed.versions.len(), 5, "{:?}", removed.versions);
        assert!(store.plugin_versions("p")?.is_empty(), "every row goes");
        assert!(!good.exists(), "the well-formed version's files go");
        assert!(f.victim_survived(), "the victim directory was deleted");
        assert!(
            db.exists() && f.home.root().exists(),
            "the home was deleted"
        );
        assert_eq!(removed.left.len(), 4, "{:#?}", removed.left);
        for bad in ["../..", "..", absolute.as_str(), "1.0.0/../../.."] {
            let want = format!(
                "the row of version {bad:?} was removed, but no files were deleted for it: plugin version {bad:?} is not a safe file name"
            );
            assert!(
                removed.left.iter().any(|note| note.starts_with(&want)),
                "{bad:?} not reported in {:#?}",
                removed.left
            );
        }
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn a_plugin_directory_replaced_by_a_symlink_is_unlinked_not_followed() -> TestResult {
        use std::os::unix::fs::symlink;
        // A version directory that is a symlink to the victim.
        let f = Fixture::new()?;
        let store = Store::open_in_memory()?;
        store.put_plugin(&row("p", "1.0.0", "aa11"))?;
        fs::create_dir_all(f.home.plugin_root("p")?)?;
        symlink(&f.victim, f.home.plugin_dir("p", "1.0.0")?)?;
        let removed = remove_plugin(&f.home, &store, "p")?;
        assert!(removed.left.is_empty(), "{:?}", removed.left);
        assert!(f.victim_survived(), "followed the version symlink");
        assert!(
            !f.home.plugin_root("p")?.exists(),
            "the link and its directory go"
        );

        // The plugin's directory itself a symlink to the victim, which
        // holds a `1.0.0` directory.
        let f = Fixture::new()?;
        let store = Store::open_in_memory()?;
        store.put_plugin(&row("p", "1.0.0", "aa11"))?;
        fs::create_dir_all(f.victim.join("1.0.0"))?;
        fs::create_dir_all(f.home.plugins_dir())?;
        symlink(&f.victim, f.home.plugin_root("p")?)?;
        let removed = remove_plugin(&f.home, &store, "p")?;
        assert!(
            f.victim_survived() && f.victim.join("1.0.0").exists(),
            "followed the plugin symlink"
        );
        assert!(
            fs::symlink_metadata(f.home.plugin_root("p")?).is_err(),
            "the link is unlinked"
        );
        assert_eq!(removed.left.len(), 1, "{:?}", removed.left);
        assert!(
            removed.left[0].contains("was not the directory plugboard made (a symlink or a file): it was unlinked, and nothing it points to was deleted"),
            "{}",
            removed.left[0]
        );

        // `plugins` itself a symlink: nothing under it is touched.
        let f = Fixture::new()?;
        let store = Store::open_in_memory()?;
        store.put_plugin(&row("p", "1.0.0", "aa11"))?;
        fs::create_dir_all(f.victim.join("p").join("1.0.0"))?;
        symlink(&f.victim, f.home.plugins_dir())?;
        let removed = remove_plugin(&f.home, &store, "p")?;
        assert!(
            f.victim.join("p").join("1.0.0").exists(),
            "followed the plugins symlink"
        );
        assert!(store.plugin_versions("p")?.is_empty());
        assert!(
            removed.left.len() == 1
                && removed.left[0]
                    .contains("is not a directory (a symlink?), so nothing under it was deleted"),
            "{:?}",
            removed.left
        );
        Ok(())
    }
}
