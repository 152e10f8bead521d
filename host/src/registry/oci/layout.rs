//! The plugin artifact in a registry: an OCI image manifest whose config is
//! `application/vnd.wasm.config.v0+json` and whose layers are the component
//! (`application/wasm`, what `wkg` and `wash` push and pull) and our
//! `plugin.toml` (`application/vnd.plugboard.manifest.v1+toml`). Built the
//! same way every time (no timestamps, fixed field order), so the digest of
//! a package is known before it is pushed and a local signature
//! (`plugboard plugin sign`) names the digest the registry will have.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::reference::is_sha256_digest;
use crate::registry::MAX_COMPONENT_BYTES;

/// The OCI image manifest media type.
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The Wasm OCI artifact config.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
/// The component layer.
pub const WASM_MEDIA_TYPE: &str = "application/wasm";
/// Our `plugin.toml` layer.
pub const MANIFEST_LAYER_MEDIA_TYPE: &str = "application/vnd.plugboard.manifest.v1+toml";
/// The largest `plugin.toml` layer (the manifest parser's own limit).
pub const MAX_PLUGIN_TOML_BYTES: u64 = 256 << 10;
/// The largest artifact manifest or config accepted.
pub const MAX_OCI_MANIFEST_BYTES: u64 = 64 << 10;

/// A blob named by digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// The media type.
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// `sha256:…`.
    pub digest: String,
    /// Bytes.
    pub size: u64,
    /// Annotations (cosign keeps its signature in one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// An OCI image manifest (the fields we use).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageManifest {
    /// Always 2.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    /// [`OCI_MANIFEST_MEDIA_TYPE`].
    #[serde(rename = "mediaType", default)]
    pub media_type: Option<String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers.
    pub layers: Vec<Descriptor>,
}

/// `sha256:` + hex of `bytes`.
pub fn digest_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

pub(super) fn descriptor(media_type: &str, bytes: &[u8]) -> Descriptor {
    Descriptor {
        media_type: media_type.into(),
        digest: digest_of(bytes),
        size: bytes.len() as u64,
        annotations: None,
    }
}

/// A plugin package as it goes to a registry.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The config blob.
    pub config: Vec<u8>,
    /// The component.
    pub wasm: Vec<u8>,
    /// The `plugin.toml` text.
    pub plugin_toml: String,
    /// The manifest, as pushed.
    pub manifest: Vec<u8>,
    /// Its digest.
    pub digest: String,
}

impl Artifact {
    /// The artifact of a component and its manifest text.
    pub fn build(wasm: Vec<u8>, plugin_toml: String) -> Artifact {
        let wasm_layer = descriptor(WASM_MEDIA_TYPE, &wasm);
        // What wkg writes, without the timestamp (so the digest is stable).
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [wasm_layer.digest],
        }))
        .unwrap_or_default();
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST_MEDIA_TYPE.into()),
            config: descriptor(CONFIG_MEDIA_TYPE, &config),
            layers: vec![
                wasm_layer,
                descriptor(MANIFEST_LAYER_MEDIA_TYPE, plugin_toml.as_bytes()),
            ],
        };
        let manifest = serde_json::to_vec(&manifest).unwrap_or_default();
        Artifact {
            digest: digest_of(&manifest),
            config,
            wasm,
            plugin_toml,
            manifest,
        }
    }
}

/// The two layers of a plugin artifact manifest, refused unless it is
/// exactly the layout above with sizes within the limits.
pub(super) fn check_manifest(body: &[u8]) -> Result<(Descriptor, Descriptor), String> {
    let m: ImageManifest = serde_json::from_slice(body).map_err(|e| {
        // serde quotes values it rejects: the registry's text.
        let e = e.to_string();
        format!(
            "its manifest is not an OCI image manifest ({})",
            plugboard_core::text::bounded(&plugboard_core::text::neutralize(&e), 200)
        )
    })?;
    if m.schema_version != 2 {
        return Err(format!("schemaVersion is {}, not 2", m.schema_version));
    }
    if let Some(t) = m
        .media_type
        .as_deref()
        .filter(|t| *t != OCI_MANIFEST_MEDIA_TYPE)
    {
        return Err(format!(
            "its manifest media type is {}, not {OCI_MANIFEST_MEDIA_TYPE}",
            plugboard_core::text::quoted(t)
        ));
    }
    if m.config.media_type != CONFIG_MEDIA_TYPE {
        return Err(format!(
            "its config media type is {}, not {CONFIG_MEDIA_TYPE}",
            plugboard_core::text::quoted(&m.config.media_type)
        ));
    }
    let mut wasm = None;
    let mut toml = None;
    for layer in &m.layers {
        let (slot, limit) = match layer.media_type.as_str() {
            WASM_MEDIA_TYPE => (&mut wasm, MAX_COMPONENT_BYTES),
            MANIFEST_LAYER_MEDIA_TYPE => (&mut toml, MAX_PLUGIN_TOML_BYTES),
            other => {
                return Err(format!(
                    "it has a layer of media type {}; a plugin has exactly one {WASM_MEDIA_TYPE} and one {MANIFEST_LAYER_MEDIA_TYPE} layer",
                    plugboard_core::text::quoted(other)
                ));
            }
        };
        if slot.is_some() {
            return Err(format!("it has more than one {} layer", layer.media_type));
        }
        if !is_sha256_digest(&layer.digest) {
            return Err(format!(
                "a layer digest is {}, not sha256:HEX",
                plugboard_core::text::quoted(&layer.digest)
            ));
        }
        if layer.size > limit {
            return Err(format!(
                "its {} layer is {} bytes; the limit is {limit}",
                layer.media_type, layer.size
            ));
        }
        *slot = Some(layer.clone());
    }
    match (wasm, toml) {
        (Some(w), Some(t)) => Ok((w, t)),
        (None, _) => Err(format!("it has no {WASM_MEDIA_TYPE} layer")),
        (_, None) => Err(format!(
            "it has no {MANIFEST_LAYER_MEDIA_TYPE} layer (it was not pushed with `plugboard plugin push`)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_artifact_is_built_the_same_every_time_and_passes_its_own_check() {
        let a = Artifact::build(b"\0asm".to_vec(), "id = \"p\"".into());
        let b = Artifact::build(b"\0asm".to_vec(), "id = \"p\"".into());
        assert_eq!(a.digest, b.digest);
        assert_eq!(a.digest, digest_of(&a.manifest));
        let Ok((w, t)) = check_manifest(&a.manifest) else {
            panic!("refused its own artifact")
        };
        assert_eq!((w.digest, t.size), (digest_of(b"\0asm"), 8));
        let c = Artifact::build(b"\0asm!".to_vec(), "id = \"p\"".into());
        assert_ne!(a.digest, c.digest);
    }

    #[test]
    fn manifests_with_other_layers_or_sizes_beyond_the_limits_are_refused() {
        let good = Artifact::build(b"\0asm".to_vec(), "x".into());
        let text = String::from_utf8_lossy(&good.manifest).to_string();
        for (crafted, why) in [
            (
                text.replace(MANIFEST_LAYER_MEDIA_TYPE, "application/x-evil\\u001b[2J"),
                // Neutralised, then quoted: the escape's backslash is escaped too.
                "media type \"application/x-evil\\\\u{1b}[2J\"",
            ),
            (
                text.replace(MANIFEST_LAYER_MEDIA_TYPE, WASM_MEDIA_TYPE),
                "more than one",
            ),
            (
                text.replace(
                    CONFIG_MEDIA_TYPE,
                    "application/vnd.oci.image.config.v1+json",
                ),
                "config media type",
            ),
            (text.replace("\"size\":4", "\"size\":99999999999"), "limit"),
            ("{}".into(), "not an OCI image manifest"),
            (
                r#"{"schemaVersion":"\u001b[2J"}"#.into(),
                "not an OCI image manifest",
            ),
        ] {
            let err = check_manifest(crafted.as_bytes()).err();
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains(why) && !e.contains('\u{1b}')),
                "{why}: {err:?}"
            );
        }
    }
}
