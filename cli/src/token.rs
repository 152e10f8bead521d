//! `plugboard token create|list|revoke`: bearer tokens for the daemon's API.

use clap::Subcommand;

use super::table::{cell, print_json, table};
use plugboard_host::daemon::tokens::create_token;
use plugboard_host::host::Host;

/// API token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once on stdout. Only its SHA-256 is stored:
    /// keep the printed value (e.g. in your secret manager); it cannot be shown again.
    Create {
        /// A name to recognise it by (who or what uses it).
        #[arg(long, default_value = "default")]
        name: String,
    },
    /// List tokens (ids and names; never values).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id; calls with it get 401 at once.
    Revoke {
        /// Token id (the part after `pb_`, as `token list` shows).
        id: String,
    },
}

/// Run a token command.
pub async fn run(app: &Host, cmd: TokenCommand) -> anyhow::Result<()> {
    let store = app.store()?;
    match cmd {
        TokenCommand::Create { name } => {
            let t = create_token(store, &name)?;
            eprintln!(
                "created API token {} ({name}); it is shown once — store it now:",
                t.id
            );
            println!("{}", t.value.as_str());
        }
        TokenCommand::List { json } => {
            let rows = store.tokens()?;
            if json {
                return print_json(&rows);
            }
            let mut t = table(&["id", "name", "created", "last used", "revoked"]);
            for r in rows {
                t.add_row(vec![
                    r.id.clone(),
                    r.name.clone(),
                    r.created_at.clone(),
                    cell(&r.last_used_at),
                    cell(&r.revoked_at),
                ]);
            }
            t.print()?;
        }
        TokenCommand::Revoke { id } => {
            store.revoke_token(&id)?;
            println!("revoked API token {id}");
        }
    }
    Ok(())
}
