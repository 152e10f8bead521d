//! `plugboard sim zoom|azure|github`: run a simulator in the foreground.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;
use plugboard_sim::zoom::{Plan, ZoomSimBuilder};

/// Simulators.
#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// The Zoom API (S2S OAuth token endpoint + /v2 API) on one address.
    Zoom(ZoomArgs),
    /// Azure: the Entra ID token endpoint, ARM and Microsoft Graph on one address.
    Azure(AzureArgs),
    /// GitHub: one organization's REST API, the GitHub App token endpoints
    /// and fine-grained tokens on one address.
    Github(GithubArgs),
}

/// `sim github` arguments.
#[derive(Debug, clap::Args)]
pub struct GithubArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9300")]
    pub listen: SocketAddr,
    /// The organization's login.
    #[arg(long, default_value = plugboard_sim::github::DEFAULT_ORG)]
    pub org: String,
    /// Fine-grained token the API honours (generated and printed when omitted).
    #[arg(long, env = "PLUGBOARD_SIM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Simulate an organization without the audit log (not Enterprise Cloud).
    #[arg(long)]
    pub no_audit_log: bool,
}

/// `sim azure` arguments.
#[derive(Debug, clap::Args)]
pub struct AzureArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9200")]
    pub listen: SocketAddr,
    /// Tenant id the token endpoint honours.
    #[arg(long, default_value = plugboard_sim::azure::DEFAULT_TENANT_ID)]
    pub tenant_id: String,
    /// Client id the token endpoint honours.
    #[arg(long, default_value = plugboard_sim::azure::DEFAULT_CLIENT_ID)]
    pub client_id: String,
    /// Client secret the token endpoint honours (generated and printed when omitted).
    #[arg(long, env = "PLUGBOARD_SIM_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Simulate a tenant without the Entra ID P1/P2 licence (sign-ins answer 403).
    #[arg(long)]
    pub unlicensed: bool,
}

/// `sim zoom` arguments.
#[derive(Debug, clap::Args)]
pub struct ZoomArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9100")]
    pub listen: SocketAddr,
    /// Plan whose rate limits apply: free, pro or business.
    #[arg(long, default_value = "pro")]
    pub plan: String,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub token_lifetime: u64,
    /// Account id the token endpoint honours.
    #[arg(long, default_value = plugboard_sim::zoom::DEFAULT_ACCOUNT_ID)]
    pub account_id: String,
    /// Client id the token endpoint honours.
    #[arg(long, default_value = plugboard_sim::zoom::DEFAULT_CLIENT_ID)]
    pub client_id: String,
    /// Client secret the token endpoint honours (generated and printed when omitted).
    #[arg(long, env = "PLUGBOARD_SIM_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
}

/// Run a simulator until Ctrl-C.
pub async fn run(cmd: SimCommand) -> anyhow::Result<()> {
    match cmd {
        SimCommand::Azure(a) => azure(a).await,
        SimCommand::Github(a) => github(a).await,
        SimCommand::Zoom(a) => {
            let plan: Plan = a
                .plan
                .parse()
                .map_err(|_| anyhow::anyhow!("--plan must be free, pro or business"))?;
            let mut builder = ZoomSimBuilder::new()
                .plan(plan)
                .token_lifetime(Duration::from_secs(a.token_lifetime.max(1)));
            if let Some(secret) = &a.client_secret {
                builder = builder.credentials(&a.account_id, &a.client_id, secret);
            }
            let sim = builder
                .start(a.listen)
                .await
                .with_context(|| format!("starting the Zoom simulator on {}", a.listen))?;
            let c = sim.credentials();
            let s = sim.summary();
            println!("Zoom simulator on {} (plan {plan})", sim.base_url());
            print_credentials(
                ("account_id", &c.account_id),
                &c.client_id,
                &c.client_secret,
                a.client_secret.is_none(),
            );
            println!(
                "  dataset       {} users, {} groups, {} admins, {} activities",
                s.users, s.groups, s.admins, s.activities
            );
            route_then_wait(
                "a Zoom instance",
                &["https://api.zoom.us", "https://zoom.us"],
                &sim.base_url(),
            )
            .await?;
            let counters = sim.counters();
            sim.shutdown().await;
            println!(
                "served {:?} requests by category, {} throttled",
                counters.requests, counters.throttled
            );
            Ok(())
        }
    }
}

async fn azure(a: AzureArgs) -> anyhow::Result<()> {
    let mut builder = plugboard_sim::azure::AzureSimBuilder::new().signins_licensed(!a.unlicensed);
    if let Some(secret) = &a.client_secret {
        builder = builder.credentials(&a.tenant_id, &a.client_id, secret);
    }
    let sim = builder
        .start(a.listen)
        .await
        .with_context(|| format!("starting the Azure simulator on {}", a.listen))?;
    let c = sim.credentials();
    let s = sim.summary();
    println!("Azure simulator on {}", sim.base_url());
    print_credentials(
        ("tenant_id", &c.tenant_id),
        &c.client_id,
        &c.client_secret,
        a.client_secret.is_none(),
    );
    println!(
        "  dataset       {} of {} subscriptions enabled, {} activity events, {} users, {} groups, {} admins, {} sign-ins",
        s.subscriptions_enabled,
        s.subscriptions_total,
        s.activity_events,
        s.users,
        s.groups,
        s.admins,
        s.signins
    );
    route_then_wait(
        "an Azure instance",
        &[
            "https://login.microsoftonline.com",
            "https://management.azure.com",
            "https://graph.microsoft.com",
        ],
        &sim.base_url(),
    )
    .await?;
    sim.shutdown().await;
    Ok(())
}

async fn github(a: GithubArgs) -> anyhow::Result<()> {
    let mut builder = plugboard_sim::github::GithubSimBuilder::new()
        .org(&a.org)
        .audit_log(!a.no_audit_log);
    if let Some(token) = &a.token {
        builder = builder.token(token);
    }
    let sim = builder
        .start(a.listen)
        .await
        .with_context(|| format!("starting the GitHub simulator on {}", a.listen))?;
    let c = sim.credentials();
    let s = sim.summary();
    // The app key is several lines: it goes to a private file, removed on exit.
    let key_file =
        std::env::temp_dir().join(format!("plugboard-sim-github-{}.pem", std::process::id()));
    write_private(&key_file, &c.private_key_pem)?;
    println!("GitHub simulator on {}", sim.base_url());
    println!("  org           {}", c.org);
    if a.token.is_none() {
        println!(
            "  token         {}   (generated; pass --token to choose)",
            c.token
        );
    }
    println!(
        "  app_id        {}   (client id; the app id {} works too)",
        c.client_id, c.app_id
    );
    println!("  installation  {}", c.installation_id);
    println!("  app key       {}   (removed on exit)", key_file.display());
    println!(
        "  dataset       {} members ({} owners), {} outside collaborators, {} teams, {} audit events",
        s.members, s.owners, s.outside_collaborators, s.teams, s.audit_events
    );
    let waited = route_then_wait(
        "a GitHub instance",
        &["https://api.github.com"],
        &sim.base_url(),
    )
    .await;
    let _ = std::fs::remove_file(&key_file);
    let counters = sim.counters();
    sim.shutdown().await;
    println!(
        "served {} requests, {} tokens minted, {} rate limited",
        counters.requests, counters.tokens_minted, counters.rate_limited
    );
    waited
}

/// Writes `text` to a new file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// The credentials a simulator honours; a generated secret is printed (it
/// guards nothing but the simulator), a chosen one is not.
fn print_credentials((id_label, id): (&str, &str), client_id: &str, secret: &str, generated: bool) {
    println!("  {id_label:<13} {id}");
    println!("  client_id     {client_id}");
    if generated {
        println!("  client_secret {secret}   (generated; pass --client-secret to choose)");
    }
}

/// Print the `--upstream` flags that route `what` to `base`, then serve
/// until Ctrl-C.
async fn route_then_wait(what: &str, origins: &[&str], base: &str) -> anyhow::Result<()> {
    // Listen before the banner invites Ctrl-C.
    let stop = super::signals::stop_requested(false);
    println!("Route {what} here with:");
    let flags: Vec<String> = origins
        .iter()
        .map(|o| format!("--upstream {o}={base}"))
        .collect();
    println!("  {}", flags.join(" "));
    println!("Ctrl-C stops it.");
    stop.await;
    Ok(())
}
