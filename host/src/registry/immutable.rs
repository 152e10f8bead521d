//! An added plugin version never changes.
//!
//! Threat: approval is given to a version; if the same id and version could
//! be added again with other bytes or another manifest, an approved version
//! would be swapped for code nobody reviewed (and instances would run it at
//! their next call). Decision: adding an id and version already stored is a
//! no-op when the component and the manifest text are byte-for-byte the same,
//! and refused otherwise, naming the stored and the offered digests, before
//! anything is loaded or written. The store's insert refuses a duplicate too,
//! so two processes racing cannot replace a version either.

use plugboard_core::store::{PluginRow, Store};
use sha2::{Digest, Sha256};

use super::{PluginSource, RegistryError};

/// SHA-256 digests (hex) identifying a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// Of the component bytes.
    pub component: String,
    /// Of the manifest text.
    pub manifest: String,
}

impl Digests {
    /// The digests of a stored version.
    pub fn of_row(row: &PluginRow) -> Self {
        Digests {
            component: row.wasm_sha256.clone(),
            manifest: hex::encode(Sha256::digest(row.manifest.as_bytes())),
        }
    }
}

impl PluginSource {
    /// The digests of this package.
    pub fn digests(&self) -> Digests {
        Digests {
            component: hex::encode(Sha256::digest(&self.wasm)),
            manifest: hex::encode(Sha256::digest(self.manifest_text.as_bytes())),
        }
    }
}

/// What the store holds of `id` at `version` compared with a package whose
/// digests are `offered`: `None` when that version was never added, the
/// stored row when it is the same package, and
/// [`RegistryError::VersionExists`] when it differs.
pub fn stored_version(
    store: &Store,
    id: &str,
    version: &str,
    offered: &Digests,
) -> Result<Option<PluginRow>, RegistryError> {
    let Some(row) = store
        .plugin_versions(id)?
        .into_iter()
        .find(|r| r.version == version)
    else {
        return Ok(None);
    };
    let stored = Digests::of_row(&row);
    if stored == *offered {
        Ok(Some(row))
    } else {
        Err(RegistryError::VersionExists {
            id: id.to_string(),
            version: version.to_string(),
            stored: Box::new(stored),
            offered: Box::new(offered.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugboard_core::Blame;

    fn row(version: &str, manifest: &str, wasm: &[u8]) -> PluginRow {
        PluginRow {
            id: "p".into(),
            version: version.into(),
            contract: "0.1.0".into(),
            manifest: manifest.into(),
            wasm_sha256: hex::encode(Sha256::digest(wasm)),
            wasm_path: String::new(),
            grant_json: "{}".into(),
            info_json: "{}".into(),
            added_at: String::new(),
        }
    }

    fn digests(manifest: &str, wasm: &[u8]) -> Digests {
        Digests {
            component: hex::encode(Sha256::digest(wasm)),
            manifest: hex::encode(Sha256::digest(manifest.as_bytes())),
        }
    }

    #[test]
    fn the_same_package_is_found_and_a_different_one_is_refused_naming_both_digests()
    -> Result<(), RegistryError> {
        let store = Store::open_in_memory()?;
        store.put_plugin(&row("1.0.0", "m1", b"w1"))?;
        assert!(stored_version(&store, "p", "2.0.0", &digests("m1", b"w1"))?.is_none());
        let same = stored_version(&store, "p", "1.0.0", &digests("m1", b"w1"))?;
        assert_eq!(same.map(|r| r.version).as_deref(), Some("1.0.0"));

        for (what, offered) in [
            ("other bytes", digests("m1", b"w2")),
            ("another manifest", digests("m2", b"w1")),
        ] {
            let err = match stored_version(&store, "p", "1.0.0", &offered) {
                Err(e) => e,
                Ok(r) => panic!("{what}: accepted as {r:?}"),
            };
            assert_eq!(err.blame(), Blame::Operator, "{what}");
            let message = err.to_string();
            let stored = digests("m1", b"w1");
            for want in [
                "plugin p 1.0.0 is already added with component sha256",
                stored.component.as_str(),
                stored.manifest.as_str(),
                offered.component.as_str(),
                offered.manifest.as_str(),
                "publish it as a new version",
                "nothing was changed",
            ] {
                assert!(message.contains(want), "{what}: {want:?} not in {message}");
            }
        }
        Ok(())
    }
}
