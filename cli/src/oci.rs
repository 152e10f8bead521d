//! Plugins in OCI registries: `plugboard plugin push|sign|upgrade` and
//! `plugboard plugin add oci://…` (the part of `plugin add` that fetches and
//! verifies; the approval is `plugin add`'s own).

use std::io::BufRead as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;
use plugboard_core::store::{PluginOrigin, PluginRow, Store};
use plugboard_core::text::quoted;

use super::table::print_json;
use plugboard_host::host::Host;
use plugboard_host::registry::oci::{
    Artifact, Credentials, DetachedSignature, Fetched, OciError, OciRef, Policy, Registry,
    RegistryOptions, SIGNATURE_FILE, SigningKey, Verdict, fetch_verified, newest_tag,
};
use plugboard_host::registry::{PluginSource, RegistryError, add_plugin_from, plugin_json};

/// How to reach a registry and what to accept from it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SourceArgs {
    /// Install even when the plugin is unsigned or signed by no trusted key
    /// (recorded, and shown by the prompt and `plugin list`). A plugin that
    /// changed after a trusted key signed it is refused all the same.
    #[arg(long)]
    pub allow_unsigned: bool,
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Registry credentials and transport.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RegistryArgs {
    /// Registry user name (the password is read from stdin with
    /// --password-stdin). Without it, the docker config's credential helper
    /// or `auths` entry for the registry is used ($DOCKER_CONFIG/config.json
    /// or ~/.docker/config.json).
    #[arg(long, requires = "password_stdin")]
    pub username: Option<String>,
    /// Read the registry password from the first line of stdin.
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Reach this registry (HOST or HOST:PORT) over plain HTTP. Loopback
    /// registries always are; every other one needs TLS.
    #[arg(long, value_name = "HOST")]
    pub insecure_registry: Vec<String>,
}

impl RegistryArgs {
    /// The options, reading the password from stdin when asked.
    pub fn options(&self) -> anyhow::Result<RegistryOptions> {
        let credentials = match &self.username {
            Some(user) if self.password_stdin => {
                let mut line = zeroize::Zeroizing::new(String::new());
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the registry password from stdin")?;
                let password = line.trim_end_matches(['\r', '\n']);
                if password.is_empty() {
                    return Err(OciError::Credentials(
                        "--password-stdin read an empty password".into(),
                    )
                    .into());
                }
                Some(Credentials::new(user.clone(), password))
            }
            _ => None,
        };
        Ok(RegistryOptions {
            credentials,
            insecure: self.insecure_registry.clone(),
            no_docker_config: false,
        })
    }
}

/// The registry commands under `plugboard plugin`.
#[derive(Debug, Subcommand)]
pub enum OciCommand {
    /// Publish a plugin to an OCI registry: the component as an
    /// `application/wasm` layer and plugin.toml as a second layer. DIR holds
    /// plugin.toml and the component it names (`component = …`, else
    /// ID.wasm), or give it with --wasm. With --key, also signs it in the
    /// registry as cosign does.
    Push {
        /// The plugin directory (or its plugin.toml).
        dir: PathBuf,
        /// oci://HOST/REPO:TAG
        reference: String,
        /// The component file, when it is not in DIR.
        #[arg(long, value_name = "FILE")]
        wasm: Option<PathBuf>,
        /// Sign with this ECDSA P-256 private key (PEM).
        #[arg(long, value_name = "KEY.pem")]
        key: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArgs,
    },
    /// Sign a local plugin: writes plugin.sig beside its plugin.toml, a
    /// cosign-style signature of the artifact `plugin push` would publish.
    Sign {
        /// The plugin directory (or its plugin.toml).
        dir: PathBuf,
        /// The component file, when it is not in DIR.
        #[arg(long, value_name = "FILE")]
        wasm: Option<PathBuf>,
        /// The ECDSA P-256 private key (PEM).
        #[arg(long, value_name = "KEY.pem")]
        key: PathBuf,
    },
    /// Install a newer version of a plugin added from a registry: the newest
    /// release tag of its repository, or --tag. Shows the capability changes
    /// as `plugin add` does and asks again for anything more.
    Upgrade {
        /// Plugin id.
        id: String,
        /// The tag to install instead of the newest.
        #[arg(long)]
        tag: Option<String>,
        /// Approve what the new version asks for beyond the current approval.
        #[arg(long)]
        yes: bool,
        /// Keep (or grant) `secrets.reveal`.
        #[arg(long)]
        grant_reveal: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        source: SourceArgs,
    },
}

/// What the signature check found, for the prompt and messages.
pub fn describe_verdict(verdict: &Verdict, origin: &PluginOrigin) -> String {
    match verdict {
        Verdict::Verified {
            publisher,
            fingerprint,
        } => format!(
            "Publisher: {} (signature verified with trusted key sha256:{}), digest {}",
            quoted(publisher),
            fingerprint.get(..16).unwrap_or(fingerprint),
            origin.digest
        ),
        other => format!(
            "Publisher: UNVERIFIED ({}), installed with --allow-unsigned, digest {}",
            other.label(),
            origin.digest
        ),
    }
}

/// The signature column of `plugin list` and the line of `plugin inspect`.
pub fn signature_cell(store: &Store, row: &PluginRow) -> String {
    match store.plugin_origin(&row.id, &row.version) {
        Ok(Some(o)) => match (&o.publisher, &o.allowed_unsigned) {
            (Some(p), _) => format!("signed by {}", quoted(p)),
            (None, Some(why)) => format!("{why} (--allow-unsigned)"),
            (None, None) => "unverified".into(),
        },
        Ok(None) => "local".into(),
        Err(_) => "?".into(),
    }
}

/// The origin JSON of `row` (null for a local add).
pub fn origin_json(store: &Store, row: &PluginRow) -> serde_json::Value {
    store
        .plugin_origin(&row.id, &row.version)
        .ok()
        .flatten()
        .map(|o| serde_json::to_value(o).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null)
}

/// `plugin add oci://…`: fetch, verify, approve, add.
pub async fn add(
    app: &Host,
    reference: &str,
    yes: bool,
    grant_reveal: bool,
    json: bool,
    source: &SourceArgs,
) -> anyhow::Result<()> {
    let r = OciRef::parse(reference)?;
    let options = source.registry.options()?;
    let fetched = fetch_verified(app.store()?, &r, &options, policy(source)).await?;
    install(app, fetched, yes, grant_reveal, json).await
}

/// The signature policy the flags ask for.
pub fn policy(source: &SourceArgs) -> Policy {
    Policy::allowing_unsigned(source.allow_unsigned)
}

/// Approve and add a fetched package, recording its origin.
async fn install(
    app: &Host,
    fetched: Fetched,
    yes: bool,
    grant_reveal: bool,
    json: bool,
) -> anyhow::Result<()> {
    let Fetched {
        source,
        origin,
        verdict,
    } = fetched;
    let (id, version) = (source.manifest.id.clone(), source.manifest.version.clone());
    if let Some(row) =
        plugboard_host::registry::stored_version(app.store()?, &id, &version, &source.digests())?
    {
        return super::plugin::unchanged(app, &row, json);
    }
    eprintln!("{}", describe_verdict(&verdict, &origin));
    let (grant, approval) = super::plugin::approve(app, &source.manifest, yes, grant_reveal)?;
    let (row, info) = add_plugin_from(
        app.home()?,
        app.store()?,
        app.runtime()?,
        source,
        &grant,
        Some(&origin),
    )
    .await?;
    if json {
        let store = app.store()?;
        let mut out = plugin_json(&row, &store.plugin_versions(&row.id)?);
        out["changes"] = approval.changes_json();
        out["unchanged"] = false.into();
        out["origin"] = origin_json(store, &row);
        return print_json(&out);
    }
    println!(
        "added plugin {} {} ({} streams) from {} ({})",
        row.id,
        row.version,
        info.streams.len(),
        origin.reference,
        origin.digest
    );
    Ok(())
}

/// Read a package from DIR for pushing or signing.
fn package(dir: &Path, wasm: Option<&Path>) -> anyhow::Result<PluginSource> {
    Ok(PluginSource::read_with(dir, wasm)?)
}

fn sign_artifact(
    key: &SigningKey,
    identity: &str,
    artifact: &Artifact,
    source: &PluginSource,
) -> anyhow::Result<plugboard_host::registry::oci::SignedPayload> {
    let d = source.digests();
    let payload = plugboard_host::registry::oci::payload(
        identity,
        &artifact.digest,
        &d.component,
        &d.manifest,
    );
    Ok(plugboard_host::registry::oci::SignedPayload {
        signature: key.sign(&payload)?,
        payload,
    })
}

/// Run a registry command.
pub async fn run(app: &Host, cmd: OciCommand) -> anyhow::Result<()> {
    match cmd {
        OciCommand::Push {
            dir,
            reference,
            wasm,
            key,
            registry,
        } => {
            let r = OciRef::parse(&reference)?;
            let tag = match (&r.tag, &r.digest) {
                (Some(t), None) => t.clone(),
                _ => {
                    return Err(OciError::BadReference {
                        reference: quoted(&reference),
                        reason: "push needs a tag and no digest".into(),
                    }
                    .into());
                }
            };
            let key = key.as_deref().map(SigningKey::read).transpose()?;
            let source = package(&dir, wasm.as_deref())?;
            let artifact = Artifact::build(source.wasm.clone(), source.manifest_text.clone());
            let reg = Registry::connect(&r, &registry.options()?)?;
            let digest = reg.push(&artifact, &tag).await?;
            println!(
                "pushed {} {} to {r} ({digest})",
                source.manifest.id, source.manifest.version
            );
            if let Some(key) = key {
                let identity = format!("{}/{}", r.registry, r.repository);
                let signed = sign_artifact(&key, &identity, &artifact, &source)?;
                reg.push_signature(&digest, &signed).await?;
                println!(
                    "signed {digest} with key sha256:{}",
                    key.public_key()?.fingerprint.get(..16).unwrap_or_default()
                );
            }
            Ok(())
        }
        OciCommand::Sign { dir, wasm, key } => {
            let key = SigningKey::read(&key)?;
            let source = package(&dir, wasm.as_deref())?;
            let artifact = Artifact::build(source.wasm.clone(), source.manifest_text.clone());
            let signed = sign_artifact(&key, "", &artifact, &source)?;
            let path = source
                .manifest_path
                .parent()
                .unwrap_or(Path::new("."))
                .join(SIGNATURE_FILE);
            let text = serde_json::to_string_pretty(&DetachedSignature::of(&signed))?;
            std::fs::write(&path, text + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
            println!(
                "signed {} {} ({}) with key sha256:{}: {}",
                source.manifest.id,
                source.manifest.version,
                artifact.digest,
                key.public_key()?.fingerprint.get(..16).unwrap_or_default(),
                path.display()
            );
            Ok(())
        }
        OciCommand::Upgrade {
            id,
            tag,
            yes,
            grant_reveal,
            json,
            source,
        } => {
            let store = app.store()?;
            let current = store
                .plugin(&id)?
                .ok_or_else(|| RegistryError::NotAdded(id.clone()))?;
            let repository = store
                .plugin_origin(&id, &current.version)?
                .and_then(|o| o.repository)
                .ok_or_else(|| NotFromRegistry {
                    id: id.clone(),
                    version: current.version.clone(),
                })?;
            let repo = OciRef::parse(&repository)?;
            let options = source.registry.options()?;
            let tag = match tag {
                Some(t) => t,
                None => {
                    let tags = Registry::connect(&repo, &options)?.tags().await?;
                    newest_tag(&tags).ok_or_else(|| OciError::NotFound {
                        registry: repo.registry.clone(),
                        what: format!("release tag (x.y.z) in {repository}"),
                    })?
                }
            };
            let r = OciRef::parse(&format!("{repository}:{tag}"))?;
            let fetched = fetch_verified(store, &r, &options, policy(&source)).await?;
            if fetched.source.manifest.version == current.version {
                println!(
                    "plugin {id} is at {} already ({r}); nothing changed",
                    current.version
                );
                return Ok(());
            }
            install(app, fetched, yes, grant_reveal, json).await
        }
    }
}

/// `plugin upgrade` of a plugin added from local files.
#[derive(Debug, thiserror::Error)]
#[error(
    "plugin {id} {version} was not added from a registry, so there is nowhere to look for a newer version; add the new version with `plugboard plugin add oci://…` or a local path"
)]
pub struct NotFromRegistry {
    id: String,
    version: String,
}

impl NotFromRegistry {
    /// The operator asked for it.
    pub fn blame(&self) -> plugboard_core::Blame {
        plugboard_core::Blame::Operator
    }
}

/// `plugin add oci://… --server`: the CLI does not forward registry
/// references (the daemon would need the operator's registry credentials).
#[derive(Debug, thiserror::Error)]
#[error(
    "--server uploads local packages only; add a registry reference through the daemon's API (POST /v1/oci/plugins, which uses the daemon's own registry credentials) or without --server"
)]
pub struct ReferenceThroughServer;

impl ReferenceThroughServer {
    /// The operator combined the two.
    pub fn blame(&self) -> plugboard_core::Blame {
        plugboard_core::Blame::Operator
    }
}
