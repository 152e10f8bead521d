//! `plugboard plugin add|list|inspect`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use clap::Subcommand;

use super::App;
use super::table::{print_json, table};
use crate::manifest::Manifest;
use crate::registry::{Grant, PluginSource, add_plugin};

/// Plugin commands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Add a plugin: a directory with plugin.toml and NAME.wasm (or either file).
    /// Shows the capabilities it requests and asks for approval.
    Add {
        /// The plugin directory, its plugin.toml, or its .wasm.
        path: PathBuf,
        /// The component file, when it is not beside plugin.toml (e.g.
        /// target/wasm32-wasip2/release/plugboard_zoom.wasm).
        #[arg(long, value_name = "FILE")]
        wasm: Option<PathBuf>,
        /// Approve the requested capabilities without asking (for scripts).
        #[arg(long)]
        yes: bool,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List added plugins (current versions).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a plugin's manifest, grant and streams.
    Inspect {
        /// Plugin id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// What a manifest asks for, for the approval prompt.
pub fn describe_request(m: &Manifest) -> String {
    let mut out = format!(
        "{} {} ({}) by {}\n{}\n",
        m.id, m.version, m.name, m.vendor, m.description
    );
    out.push_str("It requests:\n");
    for e in &m.egress {
        out.push_str(&format!("  network      {e}\n"));
    }
    if m.egress.is_empty() {
        out.push_str("  network      none\n");
    }
    for a in &m.auth {
        let aud: Vec<String> = a.audience.iter().map(|u| u.to_string()).collect();
        out.push_str(&format!(
            "  auth         `{}`: {} grant at {}, token sent to {}\n",
            a.name,
            a.grant_type,
            a.token_url.text,
            aud.join(", ")
        ));
    }
    for s in &m.secrets {
        out.push_str(&format!("  secret       {} — {}\n", s.name, s.description));
    }
    for b in &m.ratelimit.buckets {
        out.push_str(&format!("  rate bucket  {} ({})\n", b.name, b.label));
    }
    for a in &m.actions {
        out.push_str(&format!("  action       {} — {}\n", a.name, a.description));
    }
    out
}

fn approve(m: &Manifest, yes: bool) -> anyhow::Result<Grant> {
    if yes {
        return Ok(Grant::all_requested(m, "--yes"));
    }
    eprint!("{}", describe_request(m));
    if !std::io::stdin().is_terminal() {
        bail!(
            "approval needed: re-run with --yes to approve these capabilities (stdin is not a terminal)"
        );
    }
    eprint!("Approve? [y/N] ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the answer")?;
    if matches!(line.trim(), "y" | "Y" | "yes") {
        Ok(Grant::all_requested(m, "prompt"))
    } else {
        bail!("not approved; nothing was added")
    }
}

/// Run a plugin command.
pub async fn run(app: &App, cmd: PluginCommand) -> anyhow::Result<()> {
    match cmd {
        PluginCommand::Add {
            path,
            wasm,
            yes,
            json,
        } => {
            let source = PluginSource::read_with(&path, wasm.as_deref())?;
            let grant = approve(&source.manifest, yes)?;
            let (row, info) =
                add_plugin(app.home()?, app.store()?, app.runtime()?, source, &grant).await?;
            if json {
                print_json(
                    &serde_json::json!({ "id": row.id, "version": row.version, "sha256": row.wasm_sha256, "info": info }),
                )?;
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
            let rows = app.store()?.plugins()?;
            if json {
                let out: Vec<_> = rows
                    .iter()
                    .map(|r| serde_json::json!({ "id": r.id, "version": r.version, "contract": r.contract, "sha256": r.wasm_sha256, "added_at": r.added_at, "info": r.info().ok() }))
                    .collect();
                return print_json(&out);
            }
            let mut t = table(&["id", "version", "app", "contract", "streams", "added"]);
            for r in rows {
                let info = r.info().ok();
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
                    r.added_at.clone(),
                ]);
            }
            println!("{t}");
        }
        PluginCommand::Inspect { id, json } => {
            let row = app.store()?.plugin(&id)?.with_context(|| {
                format!("no plugin `{id}`; list them with `plugboard plugin list`")
            })?;
            let manifest = Manifest::parse(&row.manifest)?;
            if json {
                let grant: serde_json::Value =
                    serde_json::from_str(&row.grant_json).unwrap_or_default();
                return print_json(
                    &serde_json::json!({ "manifest": manifest, "grant": grant, "info": row.info().ok(), "sha256": row.wasm_sha256 }),
                );
            }
            print!("{}", describe_request(&manifest));
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
        }
    }
    Ok(())
}
