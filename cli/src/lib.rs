//! The `plugboard` command line: argument types and dispatch. Each command
//! group lives in its own file; this is the binary's `anyhow` edge.

mod caps;
mod cluster;
mod connect;
mod data;
#[cfg(feature = "demo")]
mod demo;
mod directory;
mod doctor;
mod exit;
mod govern;
mod instance;
mod instance_show;
mod key;
mod kit;
mod matrix;
mod oci;
mod plugin;
mod progress;
mod remote;
mod rows;
mod scaffold;
mod scan;
mod serve;
mod signals;
#[cfg(feature = "demo")]
mod sim;
mod table;
mod token;
mod trust;

use std::path::PathBuf;

use clap::{CommandFactory as _, Parser, Subcommand};

use plugboard_host::home::OpenHome;
use plugboard_host::host::Host;

pub use exit::{EXIT_INTERRUPTED, blame_of, exit_code, one_line, report_failure};

/// Plugboard: a host for sandboxed WebAssembly connector plugins that pull
/// users, groups, admin roles, audit activity and security settings out of
/// SaaS and cloud apps.
#[derive(Debug, Parser)]
#[command(
    name = "plugboard",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Data directory (database, master key, plugins, compiled-component cache).
    /// Defaults to the platform's data directory, e.g. ~/.local/share/plugboard.
    #[arg(long, global = true, env = "PLUGBOARD_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// PostgreSQL database shared by several nodes, as a postgres:// URL
    /// (prefer the environment variable: arguments are visible to every
    /// local user). Without it the store is the SQLite file in the home.
    #[arg(
        long,
        global = true,
        env = "PLUGBOARD_DATABASE",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database: Option<DatabaseUrl>,

    /// Use a home directory that group or others can access, instead of
    /// refusing it (it holds identity data, sign-in logs and compiled plugins:
    /// prefer `chmod 700 DIR`).
    #[arg(
        long,
        global = true,
        env = "PLUGBOARD_ALLOW_OPEN_HOME",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub allow_open_home: bool,

    /// Show every table cell whole, however wide. Without it tables fit the
    /// terminal (or $COLUMNS, else 120 columns, when stdout is not a
    /// terminal) and long cells are cut with `…`.
    #[arg(long, global = true)]
    pub wide: bool,

    /// Log filter for diagnostics on stderr (e.g. `info`, `plugboard_host=debug`).
    /// Default: `warn`, and `info` for `serve` (one line per finished phase).
    #[arg(long, global = true, env = "PLUGBOARD_LOG", value_name = "FILTER")]
    pub log: Option<String>,

    /// How much one instance may store per scan and per day.
    #[command(flatten, next_help_heading = "Write caps")]
    pub caps: caps::CapArgs,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The recorder the process's tracer provider feeds (set by the binary
/// when it installs one).
static RUN_RECORDER: std::sync::OnceLock<plugboard_host::telemetry::RunRecorder> =
    std::sync::OnceLock::new();

/// Keep `recorder` as the one `serve` answers trace requests from.
pub fn keep_run_recorder(recorder: plugboard_host::telemetry::RunRecorder) {
    let _ = RUN_RECORDER.set(recorder);
}

/// The recorder kept by [`keep_run_recorder`], else an empty one.
pub fn run_recorder() -> plugboard_host::telemetry::RunRecorder {
    RUN_RECORDER.get().cloned().unwrap_or_default()
}

impl Cli {
    /// Where this command's spans go: `serve` records them (and exports them
    /// when OTLP is configured); other commands trace nothing.
    pub fn traces(&self) -> Option<plugboard_host::telemetry::Export> {
        match &self.command {
            Command::Serve(args) => Some(plugboard_host::telemetry::Export::choose(
                args.otlp_endpoint.as_deref(),
            )),
            _ => None,
        }
    }

    /// The log filter: `--log`/`PLUGBOARD_LOG`, else the command's default.
    pub fn log_filter(&self) -> &str {
        match (&self.log, &self.command) {
            (Some(filter), _) => filter,
            (None, Command::Serve(_)) => "info",
            (None, _) => "warn",
        }
    }
}

/// A `--database` URL. It may hold a password, so `Debug` hides it.
#[derive(Clone)]
pub struct DatabaseUrl(pub String);

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl(s.to_string()))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseUrl(..)")
    }
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole product on built-in simulators: start the Zoom and Azure
    /// simulators on loopback, load both plugins, create an instance of each,
    /// scan them and summarise. (Built with the `demo` feature.)
    #[cfg(feature = "demo")]
    Demo(demo::DemoArgs),
    /// Add, list, inspect, roll back and remove connector plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Create, show, check, change, enable, disable, list and remove
    /// connector instances (a plugin plus settings and secrets).
    #[command(subcommand)]
    Instance(instance::InstanceCommand),
    /// Scan one instance now: check credentials, sync every stream (or those
    /// given with --stream), assess posture.
    Scan(scan::ScanArgs),
    /// Record a full scan of one instance into a cassette: every request the
    /// plugin sent and the answer it got, with secret values, tokens and
    /// credential headers removed (token requests are not recorded). The
    /// cassette replays offline with `plugboard plugin test DIR --cassette
    /// FILE`, e.g. in a plugin vendor's CI.
    Record(kit::RecordArgs),
    /// List accounts collected by scans.
    Accounts(data::AccountsArgs),
    /// List groups collected by scans: members stored and reported; with
    /// --members, who is in which group.
    Groups(directory::GroupsArgs),
    /// List role assignments collected by scans: who holds which role, and
    /// whether it grants administrative power.
    Roles(directory::RolesArgs),
    /// List audit activity collected by scans (newest first).
    Activities(data::ActivitiesArgs),
    /// List security posture findings from the last scans.
    Findings(data::FindingsArgs),
    /// Suspend (deactivate) a user upstream. Needs the plugin's granted action; audited.
    Suspend(govern::ActArgs),
    /// Reactivate a suspended user upstream. Needs the plugin's granted action; audited.
    Reactivate(govern::ActArgs),
    /// Show the audit log of governance actions (newest first).
    Audit(govern::AuditArgs),
    /// Manage the master key that seals stored secrets.
    #[command(subcommand)]
    Key(key::KeyCommand),
    /// The capability matrix of added plugins: one row per app, one column per ability.
    Matrix(matrix::MatrixArgs),
    /// Run the daemon: schedule scans of every enabled instance and serve the
    /// REST API (bearer tokens from `plugboard token create`) until SIGTERM.
    Serve(serve::ServeArgs),
    /// Trust plugin publishers by their public key (signatures on plugins
    /// added from registries or signed with `plugin sign` are checked against them).
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Create, list and revoke bearer tokens for the daemon's REST API.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Run an upstream API simulator for manual testing. (Built with the
    /// `demo` feature.)
    #[command(subcommand)]
    #[cfg(feature = "demo")]
    Sim(sim::SimCommand),
    /// The nodes sharing a PostgreSQL store: their leases and heartbeats.
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// Check the home without changing it: modes of the home and its files,
    /// the master key, the database and its migrations, the added plugins
    /// and their compiled code, and each instance's last runs. One line per
    /// check says what to fix; the exit code follows the first failure's blame.
    Doctor(doctor::DoctorArgs),
    /// Print a shell completion script, e.g.
    /// `plugboard completions bash > /etc/bash_completion.d/plugboard`.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff), e.g. `plugboard man | man -l -`;
    /// `plugboard man scan` prints the page of one command.
    Man {
        /// The command whose page to print (e.g. `instance show`).
        command: Vec<String>,
    },
}

/// Run a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let open_home = if cli.allow_open_home {
        OpenHome::Allow
    } else {
        OpenHome::Refuse
    };
    let mut app = Host::new(cli.home.clone())
        .allow_open_home(open_home)
        .with_database(cli.database.clone().map(|d| d.0));
    app.options.caps = cli.caps.into();
    table::set_wide(cli.wide);
    match cli.command {
        #[cfg(feature = "demo")]
        Command::Demo(args) => demo::run(args, cli.home, open_home).await,
        Command::Plugin(cmd) => plugin::run(&app, cmd).await,
        Command::Instance(cmd) => instance::run(&app, cmd).await,
        Command::Scan(args) => scan::run(&app, args).await,
        Command::Record(args) => kit::record(&mut app, args).await,
        Command::Accounts(args) => data::accounts(&app, args).await,
        Command::Groups(args) => directory::groups(&app, args).await,
        Command::Roles(args) => directory::roles(&app, args).await,
        Command::Activities(args) => data::activities(&app, args).await,
        Command::Findings(args) => data::findings(&app, args).await,
        Command::Suspend(args) => govern::act(&app, "suspend-user", args).await,
        Command::Reactivate(args) => govern::act(&app, "reactivate-user", args).await,
        Command::Audit(args) => govern::audit(&app, args).await,
        Command::Matrix(args) => matrix::run(&app, args).await,
        Command::Key(cmd) => key::run(&app, cmd).await,
        Command::Serve(args) => serve::run(&app, args).await,
        Command::Token(cmd) => token::run(&app, cmd).await,
        Command::Trust(cmd) => trust::run(&app, cmd).await,
        #[cfg(feature = "demo")]
        Command::Sim(cmd) => sim::run(cmd).await,
        Command::Cluster(cmd) => cluster::run(&app, cmd).await,
        Command::Doctor(args) => {
            let target = doctor::Target {
                home: cli.home,
                database: cli.database,
                open_home,
            };
            doctor::run(&target, args).await
        }
        Command::Completions { shell } => {
            // Into memory first: the generator panics on a write error.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "plugboard", &mut script);
            table::emit(String::from_utf8_lossy(&script).trim_end())
        }
        Command::Man { command } => man(&command),
    }
}

/// Print the manual page of `plugboard` or of one of its commands.
fn man(path: &[String]) -> anyhow::Result<()> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut name = "plugboard".to_string();
    for part in path {
        let sub = cmd
            .find_subcommand(part)
            .ok_or_else(|| UnknownCommand {
                name: format!("{name} {part}"),
            })?
            .clone();
        name = format!("{name}-{part}");
        cmd = sub;
    }
    let cmd = cmd.display_name(name);
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    table::emit(String::from_utf8_lossy(&page).trim_end())
}

/// `plugboard man` was asked for a command that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("there is no command `{name}`; `plugboard --help` lists them")]
pub struct UnknownCommand {
    name: String,
}

impl UnknownCommand {
    /// The operator typed it.
    pub fn blame(&self) -> plugboard_core::Blame {
        plugboard_core::Blame::Operator
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        // Clap checks this only when a command is parsed in a debug build,
        // by panicking (e.g. `plugin rollback --version` against the
        // propagated `--version` flag).
        super::Cli::command().debug_assert();
    }
}
