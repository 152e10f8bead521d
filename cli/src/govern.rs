//! `plugboard suspend|reactivate|audit`.

use anyhow::Context as _;

use super::rows::Listed;
use super::table::{cell, print_json, table};
use plugboard_host::governance::{GovernanceRequest, perform};
use plugboard_host::host::Host;
use plugboard_host::registry::Grant;

/// `suspend`/`reactivate` arguments.
#[derive(Debug, clap::Args)]
pub struct ActArgs {
    /// The instance the account belongs to.
    pub instance: String,
    /// The account id (as `plugboard accounts` shows it).
    pub user: String,
    /// Show the exact request without sending it (still audited).
    #[arg(long)]
    pub dry_run: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `audit` arguments.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Only this instance.
    #[arg(long)]
    pub instance: Option<String>,
    /// Entries to show (newest first; at most 10000).
    #[arg(long, default_value_t = 50, value_parser = super::rows::limit_arg())]
    pub limit: u32,
    /// Print JSON: `{items}`.
    #[arg(long)]
    pub json: bool,
}

fn operator() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .map(|u| format!("cli:{u}"))
        .unwrap_or_else(|_| "cli".into())
}

/// Run a governance action.
pub async fn act(app: &Host, action: &str, a: ActArgs) -> anyhow::Result<()> {
    let (plugin, ctx) = app.open_instance(&a.instance).await?;
    let store = app.store()?;
    let row = store
        .plugin(&plugin.manifest().id)?
        .context("the instance's plugin is gone")?;
    let grant: Grant =
        serde_json::from_str(&row.grant_json).context("reading the plugin's stored grant")?;
    let req = GovernanceRequest {
        instance: a.instance.clone(),
        action: action.to_string(),
        target: a.user.clone(),
        dry_run: a.dry_run,
        actor: operator(),
    };
    // Typed, so the exit code and the `error (blame)` prefix follow it.
    let outcome = perform(&plugin, &ctx, &grant, store, &req).await?;
    if a.json {
        return print_json(&serde_json::json!({ "request": req, "outcome": outcome }));
    }
    let verb = if a.dry_run {
        "would"
    } else if outcome.applied {
        "did"
    } else {
        "did not"
    };
    println!(
        "{verb} {action} {} on {}: {}",
        a.user, a.instance, outcome.detail
    );
    Ok(())
}

/// Show the audit log.
pub async fn audit(app: &Host, a: AuditArgs) -> anyhow::Result<()> {
    let rows = app.store()?.audit(a.instance.as_deref(), a.limit)?;
    if a.json {
        return print_json(&Listed { items: rows });
    }
    let mut t = table(&[
        "when", "who", "instance", "action", "target", "outcome", "detail",
    ]);
    for r in &rows {
        t.add_row(vec![
            r.at.clone(),
            r.actor.clone(),
            cell(&r.instance_id),
            r.action.clone(),
            cell(&r.target),
            r.outcome.clone(),
            cell(&r.detail),
        ]);
    }
    t.print()?;
    Ok(())
}
