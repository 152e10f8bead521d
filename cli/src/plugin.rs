//! `plugboard plugin add|list|rollback|inspect|remove|pending`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Subcommand;
use plugboard_core::store::PluginRow;
use plugboard_core::text::quoted;

use super::table::{print_json, table};
use plugboard_host::host::Host;
use plugboard_host::manifest::{Manifest, check_version};
use plugboard_host::registry::{
    Expansion, Grant, PluginSource, RegistryError, add_plugin_from, current_approval,
    describe_request, pending_json, plugin_json, stored_version,
};

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Add a plugin: a directory with plugin.toml and NAME.wasm (or either
    /// file), or oci://HOST/REPO:TAG (or @sha256:…) from a registry.
    /// Shows the capabilities it requests and asks for approval.
    Add {
        /// The plugin directory, its plugin.toml, its .wasm, or an oci:// reference.
        path: PathBuf,
        /// The component file, when it is not beside plugin.toml (e.g.
        /// target/wasm32-wasip2/release/plugboard_zoom.wasm).
        #[arg(long, value_name = "FILE")]
        wasm: Option<PathBuf>,
        /// Approve the requested capabilities without asking (for scripts). For a
        /// new version of an added plugin, approves what it asks for beyond the
        /// current version's approval.
        #[arg(long)]
        yes: bool,
        /// Also grant `secrets.reveal`: the plugin may read the raw values of its
        /// instances' secrets. Off by default; only for plugins that must sign
        /// requests themselves. Shown in the approval prompt.
        #[arg(long)]
        grant_reveal: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        /// Add it through a running daemon instead of the local home.
        #[command(flatten)]
        remote: super::remote::ServerArgs,
        /// Signature policy and registry access (for oci:// references).
        #[command(flatten)]
        source: super::oci::SourceArgs,
    },
    #[command(flatten)]
    Oci(super::oci::OciCommand),
    /// List added plugins (current versions).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make an earlier version current again (default: the version added
    /// before the current one). A running daemon switches at each instance's
    /// next phase.
    // `--version` names the plugin version here, not plugboard's own.
    #[command(disable_version_flag = true)]
    Rollback {
        /// Plugin id.
        id: String,
        /// The version to make current.
        #[arg(long)]
        version: Option<String>,
    },
    /// Remove every version of a plugin with its files and compiled
    /// artefacts. Refused while instances use it: remove those first
    /// (`plugboard instance remove NAME --yes`).
    Remove {
        /// Plugin id.
        id: String,
    },
    /// Start a plugin: a crate with plugin.toml (one egress rule, an API-key
    /// auth profile, one rate bucket), src/lib.rs (`check` and one
    /// declarative stream, `users`, with native tests) and
    /// tests/cassette.json, so that `cargo test`, `cargo build --release
    /// --target wasm32-wasip2` and `plugboard plugin test` pass as created.
    New(super::scaffold::NewArgs),
    /// Test a plugin offline: add it to a throw-away home, replay a cassette
    /// recorded with `plugboard record` (every request answered from it, no
    /// socket opened, no token minted, the plugin's clock at the recorded
    /// time), scan, and print each stream's records. Fails (exit 4, blame
    /// plugin) naming the first request the cassette has no answer for;
    /// what a plugin vendor runs in CI.
    Test(super::kit::TestArgs),
    /// Approve or refuse a plugin's pending upgrade: a new version that asks
    /// for more than the current version was approved for, submitted without
    /// approval through the daemon's API (`plugin list` shows it, `plugin
    /// inspect` its diff). Audited as `cli`.
    #[command(subcommand)]
    Pending(PendingCommand),
    /// Show a plugin's manifest, grant and streams.
    Inspect {
        /// Plugin id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PendingCommand {
    /// Make the pending upgrade current, with everything it asks for. Refused
    /// when `--version` is not the pending one, and when the current version
    /// changed since its diff was computed (the new diff is shown: look at
    /// it and approve again).
    // `--version` names the plugin version here, not plugboard's own.
    #[command(disable_version_flag = true)]
    Approve {
        /// Plugin id.
        id: String,
        /// The pending version you approve (as `plugin inspect` shows it).
        #[arg(long)]
        version: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Drop the pending upgrade (and its component); the current version stays.
    #[command(disable_version_flag = true)]
    Refuse {
        /// Plugin id.
        id: String,
        /// Refuse only if this is the pending version.
        #[arg(long)]
        version: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Who approves or refuses from the command line, in grants and the audit log.
const CLI_ACTOR: &str = "cli";

fn pending_cmd(app: &Host, cmd: PendingCommand) -> anyhow::Result<()> {
    let store = app.store()?;
    match cmd {
        PendingCommand::Approve { id, version, json } => {
            check_version(&version).map_err(RegistryError::from)?;
            let changes = store.pending(&id)?.map(|p| p.changes).unwrap_or_default();
            let row = plugboard_host::registry::approve_pending(
                app.home()?,
                store,
                &id,
                &version,
                CLI_ACTOR,
            )?;
            if json {
                let mut out = plugin_json(&row, &store.plugin_versions(&id)?);
                out["origin"] = super::oci::origin_json(store, &row);
                out["pending"] = pending_json(store.pending(&id)?.as_ref());
                out["changes"] = serde_json::json!(changes);
                return print_json(&out);
            }
            println!(
                "approved plugin {id} {}: it is current now; a running daemon switches at each instance's next phase",
                row.version
            );
            for line in &changes {
                println!("  {line}");
            }
        }
        PendingCommand::Refuse { id, version, json } => {
            if let Some(v) = &version {
                check_version(v).map_err(RegistryError::from)?;
            }
            let refused = plugboard_host::registry::refuse_pending(
                app.home()?,
                store,
                &id,
                version.as_deref(),
                CLI_ACTOR,
            )?;
            if json {
                let row = store
                    .plugin(&id)?
                    .with_context(|| format!("no plugin `{id}`"))?;
                let mut out = plugin_json(&row, &store.plugin_versions(&id)?);
                out["origin"] = super::oci::origin_json(store, &row);
                out["pending"] = serde_json::Value::Null;
                out["refused"] = pending_json(Some(&refused));
                return print_json(&out);
            }
            println!(
                "refused the pending upgrade of plugin {id} to {}; the current version stays",
                refused.version
            );
        }
    }
    Ok(())
}

/// The pending upgrade of `id` for the terminal: its version, where it came
/// from and its diff, one line each (escaped, bounded).
fn print_pending(store: &plugboard_core::store::Store, id: &str) -> anyhow::Result<()> {
    let Some(p) = store.pending(id)? else {
        return Ok(());
    };
    let clean = |s: &str, max: usize| {
        let mut out = s.to_string();
        plugboard_core::text::clean_line(&mut out, max);
        out
    };
    println!(
        "Pending upgrade: {} (compared with {}), submitted {} by {}",
        clean(&p.version, 64),
        clean(&p.against, 64),
        p.submitted_at,
        clean(&p.submitted_by, 120)
    );
    if let Some(o) = &p.origin {
        println!("  from {} ({})", clean(&o.reference, 300), o.digest);
    }
    for line in p.changes.iter().take(200) {
        println!("  {}", clean(line, 300));
    }
    println!(
        "  approve: plugboard plugin pending approve {id} --version {}   refuse: plugboard plugin pending refuse {id}",
        clean(&p.version, 64)
    );
    Ok(())
}

/// Ask the operator on the terminal, unless `--yes` already approved.
/// Returns how approval was given; `stays` names the version that stays
/// current when the answer is no.
fn confirm(m: &Manifest, yes: bool, what: &str, stays: Option<&str>) -> anyhow::Result<String> {
    let refuse = |reason: String| RegistryError::NotApproved {
        id: m.id.clone(),
        version: m.version.clone(),
        reason: match stays {
            Some(v) => format!("{reason}; version {v} stays current"),
            None => reason,
        },
    };
    if yes {
        return Ok("--yes".into());
    }
    if !std::io::stdin().is_terminal() {
        return Err(refuse(format!(
            "approval needed for {what} (listed above) and stdin is not a terminal; re-run with --yes to approve"
        ))
        .into());
    }
    eprint!("Approve {what}? [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer")?;
    if matches!(line.trim(), "y" | "Y" | "yes") {
        Ok("prompt".into())
    } else {
        Err(refuse("not approved at the prompt; nothing was added".into()).into())
    }
}

/// How the grant of a version being added came about.
#[derive(Debug)]
pub(crate) enum Approval {
    /// No earlier version: the whole request was approved.
    First,
    /// Compared with the current version's approval.
    Compared(Expansion),
}

impl Approval {
    /// The `changes` of `--json` output: null on a first add.
    pub(crate) fn changes_json(&self) -> serde_json::Value {
        match self {
            Approval::First => serde_json::Value::Null,
            Approval::Compared(c) => serde_json::json!(c),
        }
    }
}

/// Decide the grant of `m`: the whole request on a first add; on a new
/// version, the previous approval carries over when nothing new is asked for,
/// otherwise the differences are shown and approved again.
pub(crate) fn approve(
    app: &Host,
    m: &Manifest,
    yes: bool,
    reveal: bool,
) -> anyhow::Result<(Grant, Approval)> {
    let previous = match current_approval(app.store()?, &m.id) {
        Ok(p) => p,
        Err(e @ (RegistryError::BadGrant(_) | RegistryError::Manifest { .. })) => {
            eprintln!("warning: {e}; asking for a full approval instead");
            None
        }
        Err(e) => return Err(e.into()),
    };
    let grant = |approved_by: &str| {
        let mut g = Grant::all_requested(m, approved_by);
        g.reveal_secrets = reveal;
        g
    };
    let Some((prev_manifest, prev_grant)) = previous else {
        if !yes {
            eprint!("{}", describe_request(m, reveal));
        }
        let by = confirm(m, yes, "these capabilities", None)?;
        return Ok((grant(&by), Approval::First));
    };
    let change = plugboard_host::registry::Expansion::of(&prev_grant, &prev_manifest, m, reveal);
    let prev = &change.previous_version;
    if change.asks_for_more() {
        eprintln!(
            "{} {} asks for more than the current version {prev} was approved for:",
            m.id, m.version
        );
        for line in change.lines() {
            eprintln!("  {line}");
        }
        let what = match change.added.len() {
            1 => "1 new capability".to_string(),
            n => format!("{n} new capabilities"),
        };
        let by = confirm(m, yes, &what, Some(prev))?;
        Ok((grant(&by), Approval::Compared(change)))
    } else {
        eprintln!(
            "{} {} asks for nothing beyond what the current version {prev} was approved for; that approval carries over",
            m.id, m.version
        );
        for line in change.lines() {
            eprintln!("  {line}");
        }
        if change
            .removed
            .contains(&plugboard_host::capabilities::secrets::grant::REVEAL_SECRETS)
        {
            eprintln!("  (pass --grant-reveal to keep secrets.reveal)");
        }
        let by = format!("carried over from {prev}");
        Ok((grant(&by), Approval::Compared(change)))
    }
}

/// A stored version for the terminal: as is when it is a valid version,
/// quoted and escaped otherwise (a row written by an older host).
fn shown_version(v: &str) -> String {
    match check_version(v) {
        Ok(()) => v.to_string(),
        Err(_) => quoted(v),
    }
}

/// Report that the package offered is already added as `row`.
pub(crate) fn unchanged(app: &Host, row: &PluginRow, json: bool) -> anyhow::Result<()> {
    let current = app.store()?.plugin(&row.id)?.map(|r| r.version);
    if json {
        let mut out = plugin_json(row, &app.store()?.plugin_versions(&row.id)?);
        out["changes"] = serde_json::Value::Null;
        out["unchanged"] = true.into();
        return print_json(&out);
    }
    println!(
        "plugin {} {} is already added with the same component and manifest (sha256 {}); nothing changed",
        row.id,
        row.version,
        row.wasm_sha256.get(..12).unwrap_or(&row.wasm_sha256)
    );
    if let Some(current) = current.filter(|c| *c != row.version) {
        println!(
            "version {} is current; `plugboard plugin rollback {} --version {}` makes this one current",
            shown_version(&current),
            row.id,
            row.version
        );
    }
    Ok(())
}

/// Run a plugin command.
pub async fn run(app: &Host, cmd: PluginCommand) -> anyhow::Result<()> {
    match cmd {
        PluginCommand::Add {
            path,
            wasm,
            yes,
            grant_reveal,
            json,
            remote,
            source: from,
        } => {
            if let Some(reference) = path.to_str().filter(|p| p.starts_with("oci://")) {
                if remote.server.is_some() {
                    return Err(super::oci::ReferenceThroughServer.into());
                }
                return super::oci::add(app, reference, yes, grant_reveal, json, &from).await;
            }
            let source = PluginSource::read_with(&path, wasm.as_deref())?;
            if let Some(server) = &remote.server {
                let signature = plugboard_host::registry::oci::read_detached_signature(&source)?;
                let added = super::remote::add_plugin(
                    server,
                    remote.token.as_deref(),
                    &source,
                    signature.as_deref(),
                    super::remote::UploadFlags {
                        yes,
                        grant_reveal,
                        allow_unsigned: from.allow_unsigned,
                    },
                )
                .await?;
                if json {
                    let mut out = added.body;
                    out["unchanged"] = added.unchanged.into();
                    return print_json(&out);
                }
                let (id, version) = (&source.manifest.id, &source.manifest.version);
                if added.unchanged {
                    println!(
                        "plugin {id} {version} is already added through {server} with the same component and manifest; nothing changed"
                    );
                } else {
                    println!(
                        "added plugin {id} {version} through {server}; the daemon uses it from each instance's next phase"
                    );
                }
                return Ok(());
            }
            // An added version never changes: the same package again is a
            // no-op, another one is refused before any prompt.
            let (id, version) = (&source.manifest.id, &source.manifest.version);
            if let Some(row) = stored_version(app.store()?, id, version, &source.digests())? {
                return unchanged(app, &row, json);
            }
            // The package's detached signature is judged before the prompt:
            // unsigned or untrusted is refused without --allow-unsigned.
            let signature = plugboard_host::registry::oci::read_detached_signature(&source)?;
            let (verdict, origin) = plugboard_host::registry::oci::judge_package(
                app.store()?,
                &source,
                signature.as_deref(),
                &source.manifest_path.display().to_string(),
                super::oci::policy(&from),
            )?;
            eprintln!("{}", super::oci::describe_verdict(&verdict, &origin));
            let (grant, approval) = approve(app, &source.manifest, yes, grant_reveal)?;
            if yes && grant_reveal {
                eprintln!(
                    "granting secrets.reveal: plugin {} may read the raw values of its instances' secrets",
                    source.manifest.id
                );
            }
            // Compiling a large (JavaScript, Python) component takes seconds:
            // say so when there is no artefact to load.
            let compiling = !matches!(
                app.runtime()?.inspect_artefact(&source.wasm),
                plugboard_host::runtime::Artefact::Authentic(_)
            );
            let started = std::time::Instant::now();
            if compiling {
                eprint!(
                    "compiling plugin {} ({:.1} MB)… ",
                    source.manifest.id,
                    source.wasm.len() as f64 / 1e6
                );
            }
            let added = add_plugin_from(
                app.home()?,
                app.store()?,
                app.runtime()?,
                source,
                &grant,
                Some(&origin),
            )
            .await;
            if compiling {
                match &added {
                    Ok(_) => eprintln!("done in {:.1} s", started.elapsed().as_secs_f64()),
                    Err(_) => eprintln!("failed"),
                }
            }
            let (row, info) = added?;
            if json {
                let mut out = plugin_json(&row, &app.store()?.plugin_versions(&row.id)?);
                out["changes"] = approval.changes_json();
                out["unchanged"] = false.into();
                out["origin"] = super::oci::origin_json(app.store()?, &row);
                print_json(&out)?;
            } else {
                println!(
                    "added plugin {} {} ({} streams, sha256 {})",
                    row.id,
                    row.version,
                    info.streams.len(),
                    &row.wasm_sha256[..12.min(row.wasm_sha256.len())]
                );
            }
        }
        PluginCommand::List { json } => {
            let store = app.store()?;
            let rows = store.plugins()?;
            if json {
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let mut one = plugin_json(r, &store.plugin_versions(&r.id)?);
                    one["origin"] = super::oci::origin_json(store, r);
                    one["pending"] = pending_json(store.pending(&r.id)?.as_ref());
                    out.push(one);
                }
                return print_json(&out);
            }
            let mut t = table(&[
                "id",
                "version",
                "app",
                "contract",
                "streams",
                "signature",
                "added",
                "pending",
            ]);
            for r in rows {
                let pending = store
                    .pending(&r.id)?
                    .map(|p| format!("to {}", shown_version(&p.version)))
                    .unwrap_or_default();
                let info = r.info().ok();
                let signature = super::oci::signature_cell(store, &r);
                t.add_row(vec![
                    r.id.clone(),
                    r.version.clone(),
                    info.as_ref().map(|i| i.app.clone()).unwrap_or_default(),
                    r.contract.clone(),
                    info.map(|i| {
                        i.streams
                            .iter()
                            .map(|s| s.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                    signature,
                    r.added_at.clone(),
                    pending,
                ]);
            }
            t.print()?;
        }
        PluginCommand::Oci(cmd) => return super::oci::run(app, cmd).await,
        PluginCommand::Pending(cmd) => pending_cmd(app, cmd)?,
        PluginCommand::Rollback { id, version } => {
            // `rollback` checks the version before any lookup.
            let row = plugboard_host::registry::rollback(app.store()?, &id, version.as_deref())?;
            println!("plugin {id} is now at version {}", row.version);
        }
        PluginCommand::Remove { id } => {
            let removed = plugboard_host::registry::remove_plugin(app.home()?, app.store()?, &id)?;
            let versions: Vec<String> = removed.versions.iter().map(|v| shown_version(v)).collect();
            println!("removed plugin {id} (versions {})", versions.join(", "));
            for note in &removed.left {
                eprintln!("warning: {note}");
            }
        }
        PluginCommand::New(args) => super::scaffold::run(args)?,
        PluginCommand::Test(args) => super::kit::test(app, args).await?,
        PluginCommand::Inspect { id, json } => {
            let row = app.store()?.plugin(&id)?.with_context(|| {
                format!("no plugin `{id}`; list them with `plugboard plugin list`")
            })?;
            let manifest = Manifest::parse(&row.manifest)?;
            if json {
                let mut out = plugin_json(&row, &app.store()?.plugin_versions(&id)?);
                out["manifest"] = serde_json::to_value(&manifest)?;
                out["origin"] = super::oci::origin_json(app.store()?, &row);
                out["pending"] = pending_json(app.store()?.pending(&id)?.as_ref());
                return print_json(&out);
            }
            let reveal = serde_json::from_str::<Grant>(&row.grant_json)
                .map(|g| g.reveal_secrets)
                .unwrap_or(false);
            print!("{}", describe_request(&manifest, reveal));
            println!(
                "Signature: {}",
                super::oci::signature_cell(app.store()?, &row)
            );
            println!("Settings:");
            for c in &manifest.config {
                let default = c
                    .default
                    .as_deref()
                    .map(|d| format!(" (default {d})"))
                    .unwrap_or_default();
                println!(
                    "  {}{}{} — {}",
                    c.name,
                    if c.required { " [required]" } else { "" },
                    default,
                    c.description
                );
            }
            print_pending(app.store()?, &id)?;
        }
    }
    Ok(())
}
