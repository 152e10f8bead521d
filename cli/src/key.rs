//! `plugboard key rotate`: re-seal every stored secret under a new master key.

use std::fs;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use plugboard_core::secrets::{KEY_FILE_NAME, MasterKey};
use zeroize::Zeroizing;

use plugboard_host::host::Host;
use plugboard_host::private_files;
use plugboard_host::runtime::ComponentCache;

/// Master key commands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a new master key and re-seal every stored secret with it, in one
    /// transaction. The new key is written to master.key.next first, then moved
    /// over master.key; the old key is kept as master.key.old until you delete it.
    Rotate,
}

/// Run a key command.
pub async fn run(app: &Host, cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Rotate => rotate(app),
    }
}

fn rotate(app: &Host) -> anyhow::Result<()> {
    let old = app.master_key()?;
    let Some(old_file) = old.key_file().map(|p| p.to_path_buf()) else {
        bail!(
            "the master key comes from PLUGBOARD_MASTER_KEY; rotate it by unsetting the variable, running `plugboard key rotate` with a key file, or re-adding secrets under the new key"
        );
    };
    let home = app.home()?.root().to_path_buf();
    let new = MasterKey::generate()?;
    let next = home.join(format!("{KEY_FILE_NAME}.next"));
    let mut line = new.to_hex();
    line.push('\n');
    private_files::write(&next, line.as_bytes())
        .with_context(|| format!("writing {}", next.display()))?;
    let resealed = app
        .store()?
        .rotate_master_key(&old, &new)
        .context("re-sealing secrets (nothing changed)")?;
    let backup = home.join(format!("{KEY_FILE_NAME}.old"));
    fs::read(&old_file)
        .map(Zeroizing::new)
        .and_then(|old_key| private_files::write(&backup, &old_key))
        .with_context(|| format!("keeping the old key as {}", backup.display()))?;
    fs::rename(&next, &old_file).with_context(|| {
        format!(
            "secrets are re-sealed with the key in {}; move it over {} by hand",
            next.display(),
            old_file.display()
        )
    })?;
    // Compiled artefacts are authenticated under the old key: drop them
    // now rather than have every next load warn about them.
    ComponentCache::at(app.home()?.cache_dir()).forget_all();
    println!(
        "re-sealed {resealed} secrets with key {}; the old key ({}) is in {}",
        new.id(),
        old.id(),
        backup.display()
    );
    Ok(())
}
