//! `plugboard key rotate`: re-seal every stored secret under a new master key.

use std::fs;
use std::io::Write;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use plugboard_core::secrets::{KEY_FILE_NAME, MasterKey};

use super::App;

/// Master key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a new master key and re-seal every stored secret with it, in one
    /// transaction. The new key is written to master.key.next first, then moved
    /// over master.key; the old key is kept as master.key.old until you delete it.
    Rotate,
}

/// Run a key command.
pub async fn run(app: &App, cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Rotate => rotate(app),
    }
}

fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

fn rotate(app: &App) -> anyhow::Result<()> {
    let old = app.master_key()?;
    let Some(old_file) = old.key_file().map(|p| p.to_path_buf()) else {
        bail!(
            "the master key comes from PLUGBOARD_MASTER_KEY; rotate it by unsetting the variable, running `plugboard key rotate` with a key file, or re-adding secrets under the new key"
        );
    };
    let home = app.home()?.root().to_path_buf();
    let new = MasterKey::generate()?;
    let next = home.join(format!("{KEY_FILE_NAME}.next"));
    write_private(&next, &format!("{}\n", new.to_hex().as_str()))?;
    let resealed = app
        .store()?
        .rotate_master_key(&old, &new)
        .context("re-sealing secrets (nothing changed)")?;
    let backup = home.join(format!("{KEY_FILE_NAME}.old"));
    fs::copy(&old_file, &backup)
        .with_context(|| format!("keeping the old key as {}", backup.display()))?;
    fs::rename(&next, &old_file).with_context(|| {
        format!(
            "secrets are re-sealed with the key in {}; move it over {} by hand",
            next.display(),
            old_file.display()
        )
    })?;
    println!(
        "re-sealed {resealed} secrets with key {}; the old key ({}) is in {}",
        new.id(),
        old.id(),
        backup.display()
    );
    Ok(())
}
