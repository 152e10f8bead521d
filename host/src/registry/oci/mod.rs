//! Plugins published to an OCI registry: `oci://HOST/REPO[:TAG|@sha256:…]`
//! references, the artifact layout (the component as an `application/wasm`
//! layer, as `wkg` and `wash` push it, and our `plugin.toml` as a second
//! layer), cosign-compatible keyed signatures, and the trust policy.
//!
//! Threat: everything a registry answers is hostile input (it may be
//! compromised, or a tag moved), and registry credentials are the
//! operator's. Decision: every read is bounded before it is buffered (the
//! component by [`super::MAX_COMPONENT_BYTES`], manifests and signatures by
//! small limits), every blob is checked against its digest, a manifest
//! whose layers are not exactly the expected media types is refused, the
//! manifest digest is computed here (never taken from the registry's
//! headers) and pinned in the store, strings from the registry are
//! neutralised before they are shown, and credentials never reach a log, an
//! error or a `Debug` print. Plain HTTP only for loopback registries or a
//! host the operator names with `--insecure-registry`.

mod client;
mod cred_helper;
mod credentials;
mod error;
mod fetch;
mod layout;
mod reference;
mod signature;

pub use client::{Pulled, Registry, RegistryOptions};
pub use credentials::Credentials;
pub use error::OciError;
pub use fetch::{
    Fetched, Policy, fetch_verified, judge_package, newest_tag, read_detached_signature,
};
pub use layout::{
    Artifact, CONFIG_MEDIA_TYPE, MANIFEST_LAYER_MEDIA_TYPE, MAX_PLUGIN_TOML_BYTES, WASM_MEDIA_TYPE,
};
pub use reference::OciRef;
pub use signature::{
    DetachedSignature, PublicKey, SIGNATURE_FILE, SignedPayload, SigningKey, Verdict, judge,
    payload, signature_tag,
};
