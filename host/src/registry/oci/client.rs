//! Talking to one registry repository: bounded reads (manifests, blobs,
//! tags, signatures) and pushes through `oci-client`.
//!
//! Reads go through our own bounded GET because `oci-client` buffers whole
//! manifest and tag-list answers; its authentication (the token exchange of
//! the distribution spec, or HTTP Basic) is used for both.

use std::time::Duration;

use oci_client::RegistryOperation;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use plugboard_core::text::{bounded, neutralize};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use zeroize::Zeroizing;

use super::OciError;
use super::credentials::Credentials;
use super::layout::{
    Artifact, Descriptor, ImageManifest, MAX_OCI_MANIFEST_BYTES, MAX_PLUGIN_TOML_BYTES,
    OCI_MANIFEST_MEDIA_TYPE, check_manifest, descriptor, digest_of,
};
use super::reference::OciRef;
use super::signature::{
    MAX_PAYLOAD_BYTES, SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, SignedPayload,
    signature_tag,
};
use crate::registry::MAX_COMPONENT_BYTES;

/// The most signature layers read for one artifact.
const MAX_SIGNATURES: usize = 16;
/// The largest tag list read.
const MAX_TAG_LIST_BYTES: u64 = 1 << 20;
/// The Docker manifest type cosign may use for signatures.
const DOCKER_MANIFEST_MEDIA_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// How to reach registries: the operator's choices.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Credentials given on the command line; else the docker config's.
    pub credentials: Option<Credentials>,
    /// Registries (HOST or HOST:PORT) reached over plain HTTP although not
    /// on loopback (`--insecure-registry`).
    pub insecure: Vec<String>,
    /// Do not read the docker config (tests, and callers that pass none).
    pub no_docker_config: bool,
}

/// What a pull brought.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The component.
    pub wasm: Vec<u8>,
    /// The `plugin.toml` text.
    pub plugin_toml: String,
    /// The manifest digest, computed here.
    pub digest: String,
}

/// Whether a redirect of a registry reached by `scheme` may go to `url`:
/// HTTPS always; plain HTTP only from a plain-HTTP registry and only to a
/// loopback host or one the operator named with `--insecure-registry` (the
/// rule for the registry itself); never from HTTPS down to HTTP.
fn hop_allowed(scheme: &str, url: &reqwest::Url, insecure: &[String]) -> bool {
    match url.scheme() {
        "https" => true,
        "http" if scheme == "http" => {
            let host = url.host_str().unwrap_or("");
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let with_port = match url.port() {
                Some(p) => format!("{host}:{p}"),
                None => host.to_string(),
            };
            plain_http_allowed(bare, &with_port, insecure)
        }
        _ => false,
    }
}

/// Whether plain HTTP may go to `host` (without brackets or port;
/// `with_port`: as the registry is written, `host:port`): a loopback host,
/// or one the operator named with `--insecure-registry` (by either form).
/// The rule for the registry and for every redirect hop.
fn plain_http_allowed(host: &str, with_port: &str, insecure: &[String]) -> bool {
    super::reference::is_loopback_host(host) || insecure.iter().any(|h| h == with_port || h == host)
}

/// Tags asked for per page of the tag list.
pub const TAG_PAGE: usize = 1000;
/// The most tag-list pages read (100,000 tags).
pub const MAX_TAG_PAGES: usize = 100;

/// One repository of one registry.
pub struct Registry {
    repo: OciRef,
    scheme: &'static str,
    http: reqwest::Client,
    oci: oci_client::Client,
    credentials: Option<Credentials>,
    pull_auth: tokio::sync::OnceCell<Option<Zeroizing<String>>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("repository", &self.repo.repository_url())
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A client for `r`'s repository.
    pub fn connect(r: &OciRef, options: &RegistryOptions) -> Result<Registry, OciError> {
        let plain = plain_http_allowed(r.host(), &r.registry, &options.insecure);
        let credentials = match &options.credentials {
            Some(c) => Some(c.clone()),
            None if options.no_docker_config => None,
            None => match Credentials::docker_config_path() {
                Some(path) => Credentials::from_docker_config(&path, &r.registry)?,
                None => None,
            },
        };
        let config = ClientConfig {
            protocol: if plain {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(60)),
            ..ClientConfig::default()
        };
        let oci = oci_client::Client::try_from(config).map_err(|e| OciError::Client {
            registry: r.registry.clone(),
            reason: e.to_string(),
        })?;
        let scheme = if plain { "http" } else { "https" };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            // Each hop is judged like the first URL, and not forever.
            .redirect({
                let insecure = options.insecure.clone();
                reqwest::redirect::Policy::custom(move |a| {
                    if a.previous().len() < 5 && hop_allowed(scheme, a.url(), &insecure) {
                        a.follow()
                    } else {
                        a.stop()
                    }
                })
            })
            .build()
            .map_err(|e| OciError::Client {
                registry: r.registry.clone(),
                reason: e.to_string(),
            })?;
        Ok(Registry {
            repo: OciRef {
                tag: None,
                digest: None,
                ..r.clone()
            },
            scheme,
            http,
            oci,
            credentials,
            pull_auth: tokio::sync::OnceCell::new(),
        })
    }

    fn auth(&self) -> RegistryAuth {
        self.credentials
            .as_ref()
            .map_or(RegistryAuth::Anonymous, Credentials::to_auth)
    }

    /// `text` from outside, safe to show: one line, bounded, and without
    /// the password even if a hostile registry echoed it.
    fn scrub(&self, text: &str) -> String {
        let secrets = self.credentials.as_ref().map(|c| {
            let basic = c.basic_header();
            // The encoded pair alone too: a registry may echo it without
            // the scheme.
            let encoded = Zeroizing::new(basic.trim_start_matches("Basic ").to_string());
            [c.password_text(), encoded]
        });
        shown(text, secrets.iter().flatten().map(|s| s.as_str()))
    }

    fn client_err(&self, e: oci_client::errors::OciDistributionError) -> OciError {
        use oci_client::errors::OciDistributionError as E;
        match e {
            E::RequestError(e) => self.transport(&e),
            E::AuthenticationFailure(_) | E::UnauthorizedError { .. } => OciError::Denied {
                registry: self.repo.registry.clone(),
                what: self.repo.repository.clone(),
                status: 401,
            },
            other => OciError::Client {
                registry: self.repo.registry.clone(),
                reason: self.scrub(&other.to_string()),
            },
        }
    }

    fn transport(&self, e: &reqwest::Error) -> OciError {
        let mut reason = String::new();
        let mut source: Option<&dyn std::error::Error> = Some(e);
        while let Some(s) = source {
            reason = s.to_string();
            source = s.source();
        }
        let reason = self.scrub(&reason);
        if e.is_connect() || e.is_timeout() || e.is_request() {
            OciError::Unreachable {
                registry: self.repo.registry.clone(),
                reason,
            }
        } else {
            OciError::Client {
                registry: self.repo.registry.clone(),
                reason,
            }
        }
    }

    /// The `Authorization` value for reads, worked out once.
    async fn read_authorization(&self) -> Result<Option<HeaderValue>, OciError> {
        let value = self
            .pull_auth
            .get_or_try_init(|| async {
                let token = self
                    .oci
                    .auth(
                        &self.repo.to_client(),
                        &self.auth(),
                        RegistryOperation::Pull,
                    )
                    .await
                    .map_err(|e| self.client_err(e))?;
                Ok::<_, OciError>(match (token, &self.credentials) {
                    (Some(t), _) => Some(Zeroizing::new(format!("Bearer {t}"))),
                    (None, Some(c)) => Some(c.basic_header()),
                    (None, None) => None,
                })
            })
            .await?;
        Ok(match value {
            Some(v) => {
                let mut h = HeaderValue::from_str(v.as_str()).map_err(|_| {
                    OciError::Credentials("the credentials are not a valid header".into())
                })?;
                h.set_sensitive(true);
                Some(h)
            }
            None => None,
        })
    }

    /// GET `/v2/REPO/{path}`, at most `limit` bytes.
    async fn get(
        &self,
        path: &str,
        accept: &str,
        limit: u64,
        what: &str,
    ) -> Result<Vec<u8>, OciError> {
        let url = format!(
            "{}://{}/v2/{}/{path}",
            self.scheme, self.repo.registry, self.repo.repository
        );
        let mut req = self.http.get(&url).header(ACCEPT, accept);
        if let Some(h) = self.read_authorization().await? {
            req = req.header(AUTHORIZATION, h);
        }
        let mut resp = req.send().await.map_err(|e| self.transport(&e))?;
        let status = resp.status();
        let registry = self.repo.registry.clone();
        match status.as_u16() {
            404 => {
                return Err(OciError::NotFound {
                    registry,
                    what: what.into(),
                });
            }
            401 | 403 => {
                return Err(OciError::Denied {
                    registry,
                    what: what.into(),
                    status: status.as_u16(),
                });
            }
            _ if !status.is_success() => {
                return Err(OciError::Status {
                    registry,
                    what: what.into(),
                    status: status.as_u16(),
                });
            }
            _ => {}
        }
        let too_large = || OciError::TooLarge {
            registry: self.repo.registry.clone(),
            what: what.into(),
            limit,
        };
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(&e))? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The blob `d`, checked against its size and digest.
    async fn blob(&self, d: &Descriptor, limit: u64, what: &str) -> Result<Vec<u8>, OciError> {
        let bytes = self
            .get(
                &format!("blobs/{}", d.digest),
                "*/*",
                d.size.min(limit),
                what,
            )
            .await?;
        let actual = digest_of(&bytes);
        if actual != d.digest || bytes.len() as u64 != d.size {
            return Err(OciError::DigestMismatch {
                registry: self.repo.registry.clone(),
                what: what.into(),
                expected: d.digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// The raw manifest at `key` (a tag or a digest), bounded, and its digest.
    pub async fn manifest(&self, key: &str) -> Result<(Vec<u8>, String), OciError> {
        let what = format!("manifest {}", plugboard_core::text::quoted(key));
        let body = self
            .get(
                &format!("manifests/{key}"),
                &format!("{OCI_MANIFEST_MEDIA_TYPE}, {DOCKER_MANIFEST_MEDIA_TYPE}"),
                MAX_OCI_MANIFEST_BYTES,
                &what,
            )
            .await?;
        let digest = digest_of(&body);
        Ok((body, digest))
    }

    /// Pull the plugin artifact `r` names (same repository), checking the
    /// digest when `r` pins one.
    pub async fn pull(&self, r: &OciRef) -> Result<Pulled, OciError> {
        let (body, digest) = self.manifest(r.manifest_key()).await?;
        if let Some(expected) = &r.digest
            && *expected != digest
        {
            return Err(OciError::DigestMismatch {
                registry: self.repo.registry.clone(),
                what: format!("the manifest of {r}"),
                expected: expected.clone(),
                actual: digest,
            });
        }
        let (wasm_layer, toml_layer) =
            check_manifest(&body).map_err(|reason| OciError::Layout {
                reference: r.to_string(),
                reason,
            })?;
        let wasm = self
            .blob(&wasm_layer, MAX_COMPONENT_BYTES, "the component layer")
            .await?;
        let toml = self
            .blob(&toml_layer, MAX_PLUGIN_TOML_BYTES, "the plugin.toml layer")
            .await?;
        let plugin_toml = String::from_utf8(toml).map_err(|_| OciError::Layout {
            reference: r.to_string(),
            reason: "its plugin.toml layer is not UTF-8".into(),
        })?;
        Ok(Pulled {
            wasm,
            plugin_toml,
            digest,
        })
    }

    /// The cosign signatures of `digest` (none when there is no signature tag).
    pub async fn signatures(&self, digest: &str) -> Result<Vec<SignedPayload>, OciError> {
        let body = match self.manifest(&signature_tag(digest)).await {
            Ok((body, _)) => body,
            Err(OciError::NotFound { .. }) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let Ok(m) = serde_json::from_slice::<ImageManifest>(&body) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for layer in m
            .layers
            .iter()
            .filter(|l| l.media_type == SIMPLE_SIGNING_MEDIA_TYPE)
            .take(MAX_SIGNATURES)
        {
            let Some(sig) = layer
                .annotations
                .as_ref()
                .and_then(|a| a.get(SIGNATURE_ANNOTATION))
                .filter(|s| s.len() <= 1024)
                .and_then(|s| {
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, s).ok()
                })
            else {
                continue;
            };
            let payload = self
                .blob(layer, MAX_PAYLOAD_BYTES, "a signature payload")
                .await?;
            out.push(SignedPayload {
                payload,
                signature: sig,
            });
        }
        Ok(out)
    }

    /// The repository's tags, read a page of [`TAG_PAGE`] at a time (the
    /// distribution API's `n` and `last`), at most [`MAX_TAG_PAGES`] pages:
    /// a registry that keeps answering full pages, or the same page again,
    /// cannot keep us reading.
    pub async fn tags(&self) -> Result<Vec<String>, OciError> {
        #[derive(serde::Deserialize)]
        struct Tags {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let mut all: Vec<String> = Vec::new();
        for _ in 0..MAX_TAG_PAGES {
            let mut path = format!("tags/list?n={TAG_PAGE}");
            if let Some(last) = all.last() {
                path.push_str("&last=");
                path.extend(url::form_urlencoded::byte_serialize(last.as_bytes()));
            }
            let body = self
                .get(
                    &path,
                    "application/json",
                    MAX_TAG_LIST_BYTES,
                    "the tag list",
                )
                .await?;
            let page = serde_json::from_slice::<Tags>(&body)
                .map_err(|_| OciError::Client {
                    registry: self.repo.registry.clone(),
                    reason: "the tag list is not JSON".into(),
                })?
                .tags
                .unwrap_or_default();
            // An empty page, or one ending where the last one did, ends it.
            if page.last().is_none_or(|l| Some(l) == all.last()) {
                break;
            }
            let full = page.len() >= TAG_PAGE;
            all.extend(page);
            if !full {
                break;
            }
        }
        Ok(all)
    }

    async fn push_auth(&self, tag: &str) -> Result<oci_client::Reference, OciError> {
        let image = self.repo.with_tag(tag).to_client();
        self.oci
            .auth(&image, &self.auth(), RegistryOperation::Push)
            .await
            .map_err(|e| self.client_err(e))?;
        Ok(image)
    }

    async fn push_blobs(
        &self,
        image: &oci_client::Reference,
        blobs: &[&[u8]],
    ) -> Result<(), OciError> {
        for bytes in blobs {
            let digest = digest_of(bytes);
            let exists = self
                .oci
                .blob_exists(image, &digest)
                .await
                .map_err(|e| self.client_err(e))?;
            if !exists {
                self.oci
                    .push_blob(image, bytes.to_vec(), &digest)
                    .await
                    .map_err(|e| self.client_err(e))?;
            }
        }
        Ok(())
    }

    /// Put raw manifest bytes under `tag`.
    pub async fn put_manifest(&self, tag: &str, manifest: &[u8]) -> Result<(), OciError> {
        let image = self.push_auth(tag).await?;
        self.oci
            .push_manifest_raw(
                &image,
                manifest.to_vec(),
                HeaderValue::from_static(OCI_MANIFEST_MEDIA_TYPE),
            )
            .await
            .map_err(|e| self.client_err(e))?;
        Ok(())
    }

    /// Push `a` under `tag`; its digest.
    pub async fn push(&self, a: &Artifact, tag: &str) -> Result<String, OciError> {
        let image = self.push_auth(tag).await?;
        self.push_blobs(
            &image,
            &[
                a.config.as_slice(),
                a.wasm.as_slice(),
                a.plugin_toml.as_bytes(),
            ],
        )
        .await?;
        self.put_manifest(tag, &a.manifest).await?;
        Ok(a.digest.clone())
    }

    /// Push `signed` as the cosign signature of `digest`.
    pub async fn push_signature(
        &self,
        digest: &str,
        signed: &SignedPayload,
    ) -> Result<(), OciError> {
        let tag = signature_tag(digest);
        let mut layer = descriptor(SIMPLE_SIGNING_MEDIA_TYPE, &signed.payload);
        layer.annotations = Some(
            [(
                SIGNATURE_ANNOTATION.to_string(),
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    &signed.signature,
                ),
            )]
            .into(),
        );
        // The config cosign writes: an image config whose one layer is the payload.
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "",
            "config": {},
            "created": "0001-01-01T00:00:00Z",
            "history": [{ "created": "0001-01-01T00:00:00Z" }],
            "os": "",
            "rootfs": { "type": "layers", "diff_ids": [layer.digest] },
        }))
        .unwrap_or_default();
        let manifest = ImageManifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST_MEDIA_TYPE.into()),
            config: descriptor("application/vnd.oci.image.config.v1+json", &config),
            layers: vec![layer],
        };
        let manifest = serde_json::to_vec(&manifest).unwrap_or_default();
        let image = self.push_auth(&tag).await?;
        self.push_blobs(&image, &[config.as_slice(), signed.payload.as_slice()])
            .await?;
        self.put_manifest(&tag, &manifest).await
    }
}

/// `text` with every non-empty `secret` replaced, then neutralised and cut
/// to one bounded line. Replacing first: a cut through a secret would leave
/// a prefix of it that no longer matches.
fn shown<'s>(text: &str, secrets: impl Iterator<Item = &'s str>) -> String {
    let mut s = text.to_string();
    for secret in secrets.filter(|s| !s.is_empty()) {
        s = s.replace(secret, "<redacted>");
    }
    bounded(&neutralize(&s), 300).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{hop_allowed, shown};

    #[test]
    fn a_redirect_hop_is_judged_like_the_registry_itself() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap_or_else(|e| panic!("{e}"));
        let insecure = vec!["registry.lan:5000".to_string()];
        // From HTTPS: HTTPS anywhere, never plain HTTP (not even loopback).
        assert!(hop_allowed("https", &url("https://blobs.example/x"), &[]));
        assert!(!hop_allowed("https", &url("http://127.0.0.1:5000/x"), &[]));
        // From a plain-HTTP registry: HTTPS, loopback, or a named insecure
        // registry; not any other plain-HTTP host.
        assert!(hop_allowed("http", &url("https://blobs.example/x"), &[]));
        assert!(hop_allowed("http", &url("http://127.0.0.1:9/x"), &[]));
        assert!(hop_allowed("http", &url("http://[::1]:9/x"), &[]));
        assert!(hop_allowed("http", &url("http://localhost/x"), &[]));
        assert!(hop_allowed(
            "http",
            &url("http://registry.lan:5000/x"),
            &insecure
        ));
        assert!(!hop_allowed(
            "http",
            &url("http://registry.lan:6000/x"),
            &insecure
        ));
        assert!(!hop_allowed(
            "http",
            &url("http://blobs.example/x"),
            &insecure
        ));
        assert!(!hop_allowed(
            "http",
            &url("http://169.254.169.254/latest"),
            &[]
        ));
        assert!(!hop_allowed("http", &url("ftp://127.0.0.1/x"), &[]));
    }

    #[test]
    fn an_echoed_password_is_replaced_before_the_cut_and_the_line_neutralised() {
        let password = "hunter2-registry-password";
        let pad = "x".repeat(290);
        let echoed = format!("{pad}{password}");
        let line = shown(&echoed, [password].into_iter());
        assert!(
            !line.contains("hunter2"),
            "a prefix of the password survived: {line}"
        );
        let line = shown(
            &format!("denied\r\nfor {password}"),
            [password, ""].into_iter(),
        );
        assert!(
            !line.contains(password) && line.contains("<redacted>"),
            "{line}"
        );
        assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    }
}
