//! Where each plugin version came from and who signed it, and the
//! publishers' keys the operator trusts: the interface.
//!
//! Threat: a plugin fetched from a registry by tag could be swapped under the
//! same tag, and a publisher's key could be replaced by anyone who can write
//! to the registry. Decision: the manifest digest a version was installed
//! from is recorded with it (in the same transaction as the version, see
//! [`ProvenanceStore::put_plugin_from`]), and publisher keys live only in the
//! operator's store, added by name.

use super::{PluginRow, StoreError};

/// Where a plugin version came from, and how its signature was judged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PluginOrigin {
    /// Plugin id.
    pub id: String,
    /// Plugin version.
    pub version: String,
    /// The reference the operator gave (`oci://HOST/REPO:TAG`, `…@sha256:…`),
    /// or the local path.
    pub reference: String,
    /// `oci://HOST/REPO`, for upgrades; `None` for a local package.
    pub repository: Option<String>,
    /// The tag resolved, when the reference named one.
    pub tag: Option<String>,
    /// The digest (`sha256:…`) of the artifact manifest installed.
    pub digest: String,
    /// The name of the trusted key whose signature verified, if one did.
    pub publisher: Option<String>,
    /// When the operator passed `--allow-unsigned` and it mattered: why the
    /// signature did not verify (`unsigned`, `signed by an untrusted key`, …).
    pub allowed_unsigned: Option<String>,
}

/// A publisher's public key the operator trusts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrustedKey {
    /// The operator's name for the publisher.
    pub name: String,
    /// The public key, PEM (`-----BEGIN PUBLIC KEY-----`).
    pub public_key_pem: String,
    /// SHA-256 of the key's DER, hex.
    pub fingerprint: String,
    /// When it was added, RFC 3339. Set by the store.
    pub added_at: String,
}

pub trait ProvenanceStore {
    /// Like [`super::PluginStore::put_plugin`], recording `origin` with the
    /// version in the same transaction.
    fn put_plugin_from(&self, row: &PluginRow, origin: &PluginOrigin) -> Result<(), StoreError>;

    /// Where plugin `id` at `version` came from; `None` for a version added
    /// without a recorded origin.
    fn plugin_origin(&self, id: &str, version: &str) -> Result<Option<PluginOrigin>, StoreError>;

    /// Trust a publisher's key under `key.name`; `AlreadyExists` when the
    /// name is taken.
    fn put_trusted_key(&self, key: &TrustedKey) -> Result<(), StoreError>;

    /// Every trusted key, by name.
    fn trusted_keys(&self) -> Result<Vec<TrustedKey>, StoreError>;

    /// Stop trusting the key named `name`; `NotFound` when there is none.
    fn remove_trusted_key(&self, name: &str) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{plugin_row, stores};

    fn origin(version: &str) -> PluginOrigin {
        PluginOrigin {
            id: "p".into(),
            version: version.into(),
            reference: "oci://127.0.0.1:5000/vendor/p:1.0.0".into(),
            repository: Some("oci://127.0.0.1:5000/vendor/p".into()),
            tag: Some("1.0.0".into()),
            digest: format!("sha256:{}", "ab".repeat(32)),
            publisher: Some("vendor".into()),
            allowed_unsigned: None,
        }
    }

    #[test]
    fn an_origin_is_kept_with_its_version_and_goes_with_the_plugin()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("origin_kept")? {
            println!("backend: {backend}");
            store.put_plugin(&plugin_row("p", "0.9.0"))?;
            store.put_plugin_from(&plugin_row("p", "1.0.0"), &origin("1.0.0"))?;
            assert_eq!(
                store.plugin_origin("p", "1.0.0")?,
                Some(origin("1.0.0")),
                "{backend}"
            );
            assert_eq!(store.plugin_origin("p", "0.9.0")?, None, "{backend}");
            assert_eq!(
                store.plugin("p")?.map(|r| r.version).as_deref(),
                Some("1.0.0"),
                "{backend}"
            );
            // A version is never replaced, nor its origin.
            let again = PluginOrigin {
                digest: "sha256:other".into(),
                ..origin("1.0.0")
            };
            assert!(
                matches!(
                    store.put_plugin_from(&plugin_row("p", "1.0.0"), &again),
                    Err(StoreError::AlreadyExists { .. })
                ),
                "{backend}"
            );
            assert_eq!(
                store.plugin_origin("p", "1.0.0")?,
                Some(origin("1.0.0")),
                "{backend}"
            );
            store.remove_plugin("p")?;
            assert_eq!(store.plugin_origin("p", "1.0.0")?, None, "{backend}");
        }
        Ok(())
    }

    #[test]
    fn trusted_keys_are_added_by_a_unique_name_listed_and_removed()
    -> Result<(), Box<dyn std::error::Error>> {
        for (backend, store) in stores("trusted_keys")? {
            println!("backend: {backend}");
            let key = |name: &str| TrustedKey {
                name: name.into(),
                public_key_pem: "-----BEGIN PUBLIC KEY-----\n…".into(),
                fingerprint: "ab12".into(),
                added_at: String::new(),
            };
            store.put_trusted_key(&key("zeta"))?;
            store.put_trusted_key(&key("acme"))?;
            assert!(
                matches!(
                    store.put_trusted_key(&key("acme")),
                    Err(StoreError::AlreadyExists {
                        what: "trusted key",
                        ..
                    })
                ),
                "{backend}"
            );
            let names: Vec<_> = store.trusted_keys()?.into_iter().map(|k| k.name).collect();
            assert_eq!(names, ["acme", "zeta"], "{backend}");
            assert!(
                store.trusted_keys()?.iter().all(|k| !k.added_at.is_empty()),
                "{backend}"
            );
            store.remove_trusted_key("acme")?;
            assert!(
                matches!(
                    store.remove_trusted_key("acme"),
                    Err(StoreError::NotFound {
                        what: "trusted key",
                        ..
                    })
                ),
                "{backend}"
            );
            assert_eq!(store.trusted_keys()?.len(), 1, "{backend}");
        }
        Ok(())
    }
}
