//! `plugboard trust add|list|remove`: the publishers' keys whose signatures
//! the operator accepts on plugins.

use std::path::PathBuf;

use clap::Subcommand;
use plugboard_core::store::TrustedKey;
use plugboard_core::text::quoted;

use super::table::{print_json, table};
use plugboard_host::host::Host;
use plugboard_host::registry::oci::PublicKey;

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Trust a publisher's ECDSA P-256 public key (PEM, e.g. cosign.pub)
    /// under NAME, which the approval prompt then shows for plugins it signed.
    Add {
        /// The publisher's name (letters, digits, '.', '_', '-').
        name: String,
        /// The public key file.
        key: PathBuf,
    },
    /// List trusted keys.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Stop trusting a key (plugins already added stay).
    Remove {
        /// The publisher's name.
        name: String,
    },
}

/// A trust command's input is unusable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadTrust(String);

impl BadTrust {
    /// The operator gave it.
    pub fn blame(&self) -> plugboard_core::Blame {
        plugboard_core::Blame::Operator
    }
}

/// A publisher name: 1 to 64 of letters, digits, '.', '_', '-'.
pub fn check_name(name: &str) -> Result<(), BadTrust> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(BadTrust(format!(
            "the publisher name {} is not 1 to 64 letters, digits, '.', '_' or '-'",
            quoted(name)
        )))
    }
}

/// A trusted key as JSON (the API's and `--json`'s shape).
pub fn key_json(k: &TrustedKey) -> serde_json::Value {
    serde_json::json!({
        "name": k.name,
        "fingerprint": k.fingerprint,
        "public_key": k.public_key_pem,
        "added_at": k.added_at,
    })
}

/// Run a trust command.
pub async fn run(app: &Host, cmd: TrustCommand) -> anyhow::Result<()> {
    let store = app.store()?;
    match cmd {
        TrustCommand::Add { name, key } => {
            check_name(&name)?;
            let meta =
                std::fs::metadata(&key).map_err(|e| BadTrust(format!("{}: {e}", key.display())))?;
            if meta.len() > 16 << 10 {
                return Err(
                    BadTrust(format!("{}: too large to be a public key", key.display())).into(),
                );
            }
            let text = std::fs::read_to_string(&key)
                .map_err(|e| BadTrust(format!("{}: {e}", key.display())))?;
            let pk = PublicKey::from_pem(&text, &key.display().to_string())?;
            store.put_trusted_key(&TrustedKey {
                name: name.clone(),
                public_key_pem: pk.to_pem(),
                fingerprint: pk.fingerprint.clone(),
                added_at: String::new(),
            })?;
            println!(
                "trusting {name}: key sha256:{}; plugins it signs are installed without --allow-unsigned",
                pk.fingerprint
            );
        }
        TrustCommand::List { json } => {
            let keys = store.trusted_keys()?;
            if json {
                return print_json(&keys.iter().map(key_json).collect::<Vec<_>>());
            }
            let mut t = table(&["name", "fingerprint (sha256)", "added"]);
            for k in keys {
                t.add_row(vec![k.name, k.fingerprint, k.added_at]);
            }
            t.print()?;
        }
        TrustCommand::Remove { name } => {
            check_name(&name)?;
            store.remove_trusted_key(&name)?;
            println!("no longer trusting {name}");
        }
    }
    Ok(())
}
