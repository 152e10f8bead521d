//! `plugboard instance add|set|list|show|check|connect|enable|disable|remove`.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use plugboard_core::secrets::SecretValue;

use super::instance_show::{connections, health_with_connections, instance_json};
use super::table::{print_json, table};
use plugboard_host::host::Host;
use plugboard_host::instance::{
    InstanceUpdate, NewInstance, check_json, create_instance, update_instance,
};
use plugboard_host::manifest::Manifest;

#[derive(Debug, Subcommand)]
pub enum InstanceCommand {
    /// Create an instance of an added plugin with its settings and secrets.
    Add(AddArgs),
    /// List instances: what each holds and its health (`ok`, or the daemon
    /// phases failing now and who is to blame).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change an instance's settings, secrets or upstream routes, keeping its
    /// data (e.g. rotate a client secret). Only what is given changes;
    /// `--upstream` replaces all routes.
    Set(SetArgs),
    /// Show an instance: settings, secret names (never values), routes, what
    /// it holds, each daemon phase's last success, error and next run, and
    /// its last sync runs.
    Show {
        /// Instance name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check an instance's credentials, consent and settings against the app
    /// now (the plugin's `check`: one cheap request) and show the account.
    /// Exits 2 when the app refuses the credentials (or, with --server, the
    /// daemon cannot be reached), 3 when the app is unreachable.
    /// Locally it mints a token of its own; with --server the daemon's worker
    /// checks with the token it already holds (on Zoom a second token revokes
    /// the first).
    Check {
        /// Instance name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Check through a running daemon instead of the local home.
        #[command(flatten)]
        remote: super::remote::ServerArgs,
    },
    /// Connect an instance whose settings select a consent-flow auth profile
    /// ("Connect Zoom"): prints the authorize URL (and opens it on a
    /// desktop), waits for the callback on a loopback listener, and keeps the
    /// refresh token sealed. Run it again when the instance shows
    /// "reconnect needed".
    Connect(super::connect::ConnectArgs),
    /// Let the daemon (`plugboard serve`) schedule an instance again; it resumes
    /// from its checkpoints.
    Enable {
        /// Instance name.
        name: String,
    },
    /// Stop scheduling an instance; its data and checkpoints are kept. A running
    /// daemon stops it between two pages.
    Disable {
        /// Instance name.
        name: String,
    },
    /// Remove an instance with its secrets, records, checkpoints and findings.
    Remove {
        /// Instance name.
        name: String,
        /// Confirm: the data cannot be recovered.
        #[arg(long)]
        yes: bool,
    },
}

/// `instance add` arguments.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Instance name, e.g. `acme-zoom` (letters, digits, `-`).
    pub name: String,
    /// The plugin id it runs.
    #[arg(long)]
    pub plugin: String,
    /// Settings, secrets and routes.
    #[command(flatten)]
    pub settings: SettingArgs,
}

/// `instance set` arguments.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// Instance name.
    pub name: String,
    /// What to change; with `instance set`, `--upstream` replaces every route.
    #[command(flatten)]
    pub settings: SettingArgs,
}

/// Settings, secrets and upstream routes, as `instance add` and `instance
/// set` take them.
#[derive(Debug, Default, clap::Args)]
pub struct SettingArgs {
    /// A setting, `KEY=VALUE` (repeatable). `plugboard plugin inspect ID` lists them.
    #[arg(long = "config", value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// A secret from an environment variable, `NAME=ENV_VAR` (repeatable). Preferred:
    /// values never appear in shell history or the process list.
    #[arg(long = "secret-env", value_name = "NAME=ENV_VAR")]
    pub secret_env: Vec<String>,
    /// A secret given inline, `NAME=VALUE` (repeatable). Visible in `ps`; prefer --secret-env.
    #[arg(long = "secret", value_name = "NAME=VALUE")]
    pub secret: Vec<String>,
    /// Route a real origin to another base URL, `ORIGIN=URL` (repeatable), e.g.
    /// `https://api.zoom.us=http://127.0.0.1:9000` to use a simulator or proxy.
    #[arg(long = "upstream", value_name = "ORIGIN=URL")]
    pub upstream: Vec<String>,
}

/// Secrets from `--secret-env` and `--secret`.
fn secrets_of(args: &SettingArgs) -> anyhow::Result<BTreeMap<String, SecretValue>> {
    let (secret_env, secret) = (&args.secret_env, &args.secret);
    let mut secrets: BTreeMap<String, SecretValue> = BTreeMap::new();
    for (name, var) in pairs("secret-env", secret_env)? {
        let value = std::env::var(&var).with_context(|| {
            format!("--secret-env {name}={var}: environment variable {var} is not set")
        })?;
        secrets.insert(name, SecretValue::new(value));
    }
    for (name, value) in pairs("secret", secret)? {
        if secrets
            .insert(name.clone(), SecretValue::new(value))
            .is_some()
        {
            bail!("secret {name} is given twice");
        }
    }
    Ok(secrets)
}

/// Change an instance from command-line arguments.
pub fn set(app: &Host, args: SetArgs) -> anyhow::Result<()> {
    let store = app.store()?;
    let row = store
        .instance(&args.name)?
        .ok_or_else(|| plugboard_host::instance::InstanceError::NotFound(args.name.clone()))?;
    let plugin = store.plugin(&row.plugin_id)?.with_context(|| {
        format!(
            "instance {} runs plugin `{}`, which is not added",
            args.name, row.plugin_id
        )
    })?;
    let manifest = Manifest::parse(&plugin.manifest)?;
    let given = &args.settings;
    let update = InstanceUpdate {
        config: pairs("config", &given.config)?,
        secrets: secrets_of(given)?,
        upstreams: (!given.upstream.is_empty())
            .then(|| pairs("upstream", &given.upstream))
            .transpose()?,
    };
    update_instance(store, &app.master_key()?, &manifest, &args.name, &update)?;
    Ok(())
}

fn pairs(flag: &str, items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = item.split_once('=').with_context(|| {
            format!(
                "--{flag} expects KEY=VALUE, got {:?}",
                item.split('=').next().unwrap_or("")
            )
        })?;
        if out.insert(k.trim().to_string(), v.to_string()).is_some() {
            bail!("--{flag} {k} is given twice");
        }
    }
    Ok(out)
}

/// Create an instance from command-line arguments.
pub fn add(app: &Host, args: AddArgs) -> anyhow::Result<()> {
    let store = app.store()?;
    let row = store.plugin(&args.plugin)?.with_context(|| {
        format!(
            "no plugin `{}`; add it first with `plugboard plugin add PATH`",
            args.plugin
        )
    })?;
    let manifest = Manifest::parse(&row.manifest)?;
    let given = &args.settings;
    let new = NewInstance {
        config: pairs("config", &given.config)?,
        secrets: secrets_of(given)?,
        upstreams: pairs("upstream", &given.upstream)?,
        id: args.name,
        plugin: args.plugin,
    };
    create_instance(store, &app.master_key()?, &manifest, &new)?;
    Ok(())
}

/// Run an instance command.
pub async fn run(app: &Host, cmd: InstanceCommand) -> anyhow::Result<()> {
    match cmd {
        InstanceCommand::Add(args) => {
            let name = args.name.clone();
            add(app, args)?;
            println!("added instance {name}; scan it with `plugboard scan {name}`");
        }
        InstanceCommand::Set(args) => {
            let name = args.name.clone();
            set(app, args)?;
            println!("updated instance {name}; its records and checkpoints are kept");
        }
        InstanceCommand::Show { name, json } => {
            super::instance_show::show(app.store()?, &name, json)?;
        }
        InstanceCommand::Check { name, json, remote } => {
            let report = match &remote.server {
                Some(server) => {
                    super::remote::check_instance(server, remote.token.as_deref(), &name).await?
                }
                None => {
                    let (plugin, ctx) = app.open_instance(&name).await?;
                    let account = plugin.check(&ctx).await.with_context(|| {
                        format!("the credentials check of instance {name} failed")
                    })?;
                    check_json(&name, &account)
                }
            };
            if json {
                return print_json(&report);
            }
            println!("instance {name}: the app accepted the credentials");
            for label in ["id", "name", "plan", "owner"] {
                if let Some(value) = report["account"][label].as_str() {
                    let label = if label == "id" { "account" } else { label };
                    println!("  {label:<8} {value}");
                }
            }
        }
        InstanceCommand::Connect(args) => super::connect::connect(app, args).await?,
        InstanceCommand::Enable { name } => {
            app.store()?.set_instance_enabled(&name, true)?;
            println!("enabled instance {name}");
        }
        InstanceCommand::Disable { name } => {
            app.store()?.set_instance_enabled(&name, false)?;
            println!("disabled instance {name}; its data is kept");
        }
        InstanceCommand::Remove { name, yes } => {
            if !yes {
                bail!(
                    "removing instance {name} deletes its secrets and every record it collected; re-run with --yes to confirm"
                );
            }
            app.store()?.remove_instance(&name)?;
            println!("removed instance {name}");
        }
        InstanceCommand::List { json } => {
            let store = app.store()?;
            let rows = store.instances()?;
            if json {
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(instance_json(store, r)?);
                }
                return print_json(&out);
            }
            let mut t = table(&[
                "instance",
                "plugin",
                "enabled",
                "users",
                "admins",
                "activities",
                "health",
                "created",
            ]);
            for r in rows {
                let c = store.counts(Some(&r.id))?;
                t.add_row(vec![
                    r.id.clone(),
                    r.plugin_id.clone(),
                    r.enabled.to_string(),
                    c.users.to_string(),
                    c.admins.to_string(),
                    c.activities.to_string(),
                    health_with_connections(&store.schedule(&r.id)?, &connections(store, &r)?),
                    r.created_at.clone(),
                ]);
            }
            t.print()?;
        }
    }
    Ok(())
}
