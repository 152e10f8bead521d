//! A plugin version's component on this node: read from the home, or
//! fetched from the store (where every added version is kept, keyed by its
//! SHA-256) and written into the home first.
//!
//! Threat: in a cluster a version is added through one node, and the other
//! nodes must load exactly what the operator approved there; a path stored
//! by another node names a file of *that* node's home. Decision: the
//! database keeps the bytes (`plugin_components`, the one shared thing the
//! operator already runs and backs up), each node writes its own copy at a
//! path built from validated components only (`HOME/plugins/ID/VERSION/ID.wasm`,
//! through `private_files`), and whatever is read, from disk or database,
//! must hash to the SHA-256 recorded when the version was added.

use std::path::{Path, PathBuf};

use plugboard_core::store::{PluginRow, Store};
use sha2::{Digest, Sha256};

use super::{MAX_COMPONENT_BYTES, RegistryError, file_err, read_capped};
use crate::home::Home;

/// Where this node keeps the component of `row`.
pub fn local_path(home: &Home, row: &PluginRow) -> Result<PathBuf, RegistryError> {
    Ok(home
        .plugin_dir(&row.id, &row.version)?
        .join(format!("{}.wasm", row.id)))
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The component of `row`, checked against its recorded SHA-256: this
/// node's copy if it has one; otherwise the store's, written into the home
/// (with the manifest beside it) before it is returned; otherwise, for a
/// version added before components were kept in the store, the file at the
/// path recorded then.
pub fn component_bytes(
    home: &Home,
    store: &Store,
    row: &PluginRow,
) -> Result<Vec<u8>, RegistryError> {
    let local = local_path(home, row)?;
    if local.is_file() {
        return checked(row, read_capped(&local)?);
    }
    if let Some(bytes) = store.component(&row.wasm_sha256)? {
        if bytes.len() as u64 > MAX_COMPONENT_BYTES {
            return Err(RegistryError::Tampered(row.id.clone()));
        }
        let bytes = checked(row, bytes)?;
        write_copy(&local, row, &bytes)?;
        tracing::info!(plugin = %row.id, version = %row.version, "component copied from the store into this node's home");
        return Ok(bytes);
    }
    checked(row, read_capped(Path::new(&row.wasm_path))?)
}

/// The component of `row` as approved, without writing anything: the file
/// at its recorded path if there is one, else the store's copy; refused
/// unless it still has the SHA-256 recorded when it was approved. For
/// read-only checks (`plugboard doctor`) on any node of a cluster.
pub fn stored_component(store: &Store, row: &PluginRow) -> Result<Vec<u8>, RegistryError> {
    let path = Path::new(&row.wasm_path);
    if !path.is_file()
        && let Some(bytes) = store.component(&row.wasm_sha256)?
    {
        if bytes.len() as u64 > MAX_COMPONENT_BYTES {
            return Err(RegistryError::Tampered(row.id.clone()));
        }
        return checked(row, bytes);
    }
    checked(row, read_capped(path)?)
}

fn checked(row: &PluginRow, bytes: Vec<u8>) -> Result<Vec<u8>, RegistryError> {
    if digest(&bytes) == row.wasm_sha256 {
        Ok(bytes)
    } else {
        Err(RegistryError::Tampered(row.id.clone()))
    }
}

fn write_copy(local: &Path, row: &PluginRow, bytes: &[u8]) -> Result<(), RegistryError> {
    let dir = local
        .parent()
        .ok_or_else(|| file_err(local, "has no directory"))?;
    crate::private_files::create_dir(dir).map_err(|e| file_err(dir, e))?;
    crate::private_files::write(local, bytes).map_err(|e| file_err(local, e))?;
    let manifest = dir.join("plugin.toml");
    if !manifest.exists() {
        crate::private_files::write(&manifest, row.manifest.as_bytes())
            .map_err(|e| file_err(&manifest, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn row(sha: &str) -> PluginRow {
        PluginRow {
            id: "p".into(),
            version: "1.0.0".into(),
            contract: "0.1.0".into(),
            manifest: "id = \"p\"".into(),
            wasm_sha256: sha.into(),
            wasm_path: "/nonexistent/other-node/p.wasm".into(),
            grant_json: "{}".into(),
            info_json: "{}".into(),
            added_at: String::new(),
        }
    }

    fn private_home() -> Result<(tempfile::TempDir, Home), Box<dyn std::error::Error>> {
        let mut builder = tempfile::Builder::new();
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
        let dir = builder.tempdir()?;
        let home = Home::at(dir.path().join("home"))?;
        Ok((dir, home))
    }

    #[test]
    fn a_node_without_the_file_copies_the_stores_component_into_its_home()
    -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, home) = private_home()?;
        let store = Store::open_in_memory()?;
        let bytes = b"\0asm component".to_vec();
        let row = row(&digest(&bytes));
        store.put_component(&row.wasm_sha256, &bytes)?;
        assert_eq!(component_bytes(&home, &store, &row)?, bytes);
        let local = local_path(&home, &row)?;
        assert_eq!(fs::read(&local)?, bytes, "written into this home");
        assert_eq!(crate::private_files::mode(&local)? & 0o777, 0o600);
        // The copy is used from now on, even once the store forgets it.
        store.put_plugin(&row)?;
        store.remove_plugin("p")?;
        assert_eq!(component_bytes(&home, &store, &row)?, bytes);
        Ok(())
    }

    #[test]
    fn bytes_that_do_not_hash_to_the_recorded_digest_are_refused_from_store_or_disk()
    -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, home) = private_home()?;
        let store = Store::open_in_memory()?;
        let row = row(&digest(b"the approved component"));
        store.put_component(&row.wasm_sha256, b"something else")?;
        let err = component_bytes(&home, &store, &row).err();
        assert!(matches!(err, Some(RegistryError::Tampered(_))), "{err:?}");
        assert!(!local_path(&home, &row)?.exists(), "nothing written");
        let local = local_path(&home, &row)?;
        fs::create_dir_all(local.parent().ok_or("dir")?)?;
        fs::write(&local, b"edited on disk")?;
        let err = component_bytes(&home, &store, &row).err();
        assert!(matches!(err, Some(RegistryError::Tampered(_))), "{err:?}");
        Ok(())
    }

    #[test]
    fn doctor_reads_another_nodes_version_from_the_store_and_writes_nothing()
    -> Result<(), Box<dyn std::error::Error>> {
        let (_dir, home) = private_home()?;
        let store = Store::open_in_memory()?;
        let bytes = b"\0asm component".to_vec();
        let row = row(&digest(&bytes));
        let err = stored_component(&store, &row).err();
        assert!(matches!(err, Some(RegistryError::File { .. })), "{err:?}");
        store.put_component(&row.wasm_sha256, &bytes)?;
        assert_eq!(stored_component(&store, &row)?, bytes);
        assert!(!local_path(&home, &row)?.exists(), "nothing written");
        Ok(())
    }
}
