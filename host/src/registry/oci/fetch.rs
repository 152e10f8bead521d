//! Fetch a plugin from a registry and judge its signature against the
//! operator's trusted keys: what `plugin add oci://…`, `plugin upgrade` and
//! the API's add-by-reference share.

use std::path::Path;

use plugboard_core::store::{PluginOrigin, Store};

use super::OciError;
use super::client::{Registry, RegistryOptions};
use super::layout::Artifact;
use super::reference::OciRef;
use super::signature::{DetachedSignature, PublicKey, SIGNATURE_FILE, Verdict, judge};
use crate::registry::{PluginSource, RegistryError};

/// What `--allow-unsigned` decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Refuse an unsigned package or one signed by no trusted key.
    Require,
    /// Install it anyway (recorded and shown). A package that changed after
    /// a trusted key signed it is refused all the same.
    AllowUnsigned,
}

impl Policy {
    /// The policy `--allow-unsigned` (`"allow_unsigned"` in the API) asks for.
    pub fn allowing_unsigned(allow_unsigned: bool) -> Self {
        if allow_unsigned {
            Policy::AllowUnsigned
        } else {
            Policy::Require
        }
    }
}

/// A package fetched and judged.
#[derive(Debug)]
pub struct Fetched {
    /// The package.
    pub source: PluginSource,
    /// Where it came from and how its signature was judged.
    pub origin: PluginOrigin,
    /// The judgement.
    pub verdict: Verdict,
}

/// The trusted keys, parsed.
fn trusted(store: &Store) -> Result<Vec<(String, PublicKey)>, RegistryError> {
    let mut keys = Vec::new();
    for k in store.trusted_keys()? {
        match PublicKey::from_pem(&k.public_key_pem, &format!("trusted key {}", k.name)) {
            Ok(p) => keys.push((k.name, p)),
            Err(e) => tracing::warn!("{e}; skipped"),
        }
    }
    Ok(keys)
}

/// Apply `policy` to `verdict` for `subject`.
fn enforce(verdict: &Verdict, policy: Policy, subject: &str) -> Result<Option<String>, OciError> {
    match (verdict.refusal(subject), verdict, policy) {
        (None, _, _) => Ok(None),
        (Some(_), Verdict::Unsigned | Verdict::Untrusted { .. }, Policy::AllowUnsigned) => {
            Ok(Some(verdict.label().to_string()))
        }
        (Some(refusal), _, _) => Err(refusal),
    }
}

/// Fetch the plugin `reference` names and judge its signature; refused
/// (before anything is written) when `policy` does not accept the verdict.
pub async fn fetch_verified(
    store: &Store,
    reference: &OciRef,
    options: &RegistryOptions,
    policy: Policy,
) -> Result<Fetched, RegistryError> {
    let registry = Registry::connect(reference, options)?;
    let pulled = registry.pull(reference).await?;
    let shown = reference.with_digest(&pulled.digest).to_string();
    let source = PluginSource::from_parts_at(
        &pulled.plugin_toml,
        pulled.wasm,
        &format!("{shown} plugin.toml"),
    )?;
    let digests = source.digests();
    let signatures = registry.signatures(&pulled.digest).await?;
    let verdict = judge(
        &signatures,
        &trusted(store)?,
        &pulled.digest,
        &digests.component,
        &digests.manifest,
    );
    let allowed_unsigned = enforce(&verdict, policy, &shown)?;
    let origin = PluginOrigin {
        id: source.manifest.id.clone(),
        version: source.manifest.version.clone(),
        reference: reference.to_string(),
        repository: Some(reference.repository_url()),
        tag: reference.tag.clone(),
        digest: pulled.digest,
        publisher: match &verdict {
            Verdict::Verified { publisher, .. } => Some(publisher.clone()),
            _ => None,
        },
        allowed_unsigned,
    };
    Ok(Fetched {
        source,
        origin,
        verdict,
    })
}

/// A local package's detached signature ([`SIGNATURE_FILE`] beside its
/// plugin.toml) as text; `None` when there is none.
pub fn read_detached_signature(source: &PluginSource) -> Result<Option<String>, RegistryError> {
    let dir = source.manifest_path.parent().unwrap_or(Path::new("."));
    let path = dir.join(SIGNATURE_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(OciError::Key {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
        .into()),
    }
}

/// Judge a package that did not come from a registry (a directory on disk,
/// or an upload to the daemon) by its detached signature — the text of a
/// [`SIGNATURE_FILE`], or `None` for an unsigned package — and apply
/// `policy`: an unsigned package, or one signed by no trusted key, is
/// refused unless the operator allowed it, and is then recorded so.
/// `subject` names the package in messages (its path, or "the uploaded
/// package").
pub fn judge_package(
    store: &Store,
    source: &PluginSource,
    signature: Option<&str>,
    subject: &str,
    policy: Policy,
) -> Result<(Verdict, PluginOrigin), RegistryError> {
    let signatures = match signature {
        None => Vec::new(),
        Some(text) => vec![
            serde_json::from_str::<DetachedSignature>(text)
                .ok()
                .and_then(|d| d.decode())
                .ok_or_else(|| OciError::Key {
                    path: format!("{subject} {SIGNATURE_FILE}"),
                    reason: "not a signature written by `plugboard plugin sign`".into(),
                })?,
        ],
    };
    let artifact = Artifact::build(source.wasm.clone(), source.manifest_text.clone());
    let digests = source.digests();
    let verdict = judge(
        &signatures,
        &trusted(store)?,
        &artifact.digest,
        &digests.component,
        &digests.manifest,
    );
    let allowed_unsigned = enforce(&verdict, policy, subject)?;
    let origin = PluginOrigin {
        id: source.manifest.id.clone(),
        version: source.manifest.version.clone(),
        reference: subject.to_string(),
        repository: None,
        tag: None,
        digest: artifact.digest,
        publisher: match &verdict {
            Verdict::Verified { publisher, .. } => Some(publisher.clone()),
            _ => None,
        },
        allowed_unsigned,
    };
    Ok((verdict, origin))
}

/// The newest release among `tags` by semantic version (a leading `v` is
/// allowed; pre-releases and other tags are skipped).
pub fn newest_tag(tags: &[String]) -> Option<String> {
    tags.iter()
        .filter_map(|t| {
            semver::Version::parse(t.strip_prefix('v').unwrap_or(t))
                .ok()
                .filter(|v| v.pre.is_empty())
                .map(|v| (v, t))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, t)| t.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_tag_is_the_highest_release_version() {
        let tags: Vec<String> = ["1.9.0", "v1.10.0", "2.0.0-rc.1", "latest", "sha256-ab.sig"]
            .map(String::from)
            .into();
        assert_eq!(newest_tag(&tags).as_deref(), Some("v1.10.0"));
        assert_eq!(newest_tag(&["latest".to_string()]), None);
    }
}
