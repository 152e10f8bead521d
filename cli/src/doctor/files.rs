//! Doctor checks of the home's files: the home itself, the modes of
//! everything in it, and the master key.

use std::path::Path;

use plugboard_core::Blame;
use plugboard_core::secrets::MasterKey;

use super::Check;
use plugboard_host::home::OpenHome;

/// Entries of the home looked at, at most: Plugboard keeps a few files per
/// plugin version, so a home with more holds something else.
const MAX_ENTRIES: usize = 100_000;

/// Offending entries named on the line; the rest are counted.
const NAMED: usize = 3;

/// The home: there, a directory, private, and this user's.
pub fn home(root: &Path, open: OpenHome) -> Check {
    let shown = root.display();
    let meta = match std::fs::metadata(root) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Check::fail("home", Blame::Operator, format!("there is no home at {shown}"))
                .fix("pass --home DIR or set PLUGBOARD_HOME to the home you use (the other commands create it)");
        }
        Err(e) => {
            return Check::fail("home", Blame::Operator, format!("cannot read {shown}: {e}"))
                .fix("pass --home DIR or set PLUGBOARD_HOME to a directory of yours");
        }
    };
    if !meta.is_dir() {
        return Check::fail(
            "home",
            Blame::Operator,
            format!("{shown} is not a directory"),
        )
        .fix("pass --home DIR or set PLUGBOARD_HOME to a directory of yours");
    }
    private_and_mine(root, &meta, open)
}

#[cfg(unix)]
fn private_and_mine(root: &Path, meta: &std::fs::Metadata, open: OpenHome) -> Check {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let shown = root.display();
    let mode = meta.permissions().mode() & 0o7777;
    // A file this process creates is owned by its user: no need to ask the
    // OS by name, and nothing is written into the home.
    let me = tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.uid());
    if let Ok(me) = me
        && meta.uid() != me
    {
        return Check::fail(
            "home",
            Blame::Operator,
            format!(
                "{shown} belongs to user {}, not to this user ({me}); its owner could replace the master key and what the host runs",
                meta.uid()
            ),
        )
        .fix(format!("use a home this user created, or `chown -R {me} {shown}`"));
    }
    if mode & 0o077 == 0 {
        return Check::ok(
            "home",
            format!("{shown} is private ({mode:04o}) and belongs to this user"),
        );
    }
    let detail = format!(
        "{shown} has mode {mode:04o}, so other users can reach the identity data, sign-in logs and compiled plugins in it"
    );
    let fix = format!("chmod 700 {shown}");
    match open {
        OpenHome::Allow => Check::warn(
            "home",
            Blame::Operator,
            format!("{detail} (allowed by --allow-open-home)"),
        )
        .fix(fix),
        OpenHome::Refuse => Check::fail("home", Blame::Operator, detail).fix(fix),
    }
}

#[cfg(not(unix))]
fn private_and_mine(root: &Path, _: &std::fs::Metadata, _: OpenHome) -> Check {
    Check::ok(
        "home",
        format!(
            "{} (modes are not checked on this platform)",
            root.display()
        ),
    )
}

/// Everything under the home: files 0600 or stricter, directories 0700,
/// no links (Plugboard makes none).
pub fn modes(root: &Path) -> Check {
    let mut open = Vec::new();
    let mut seen = 0usize;
    let mut stack = vec![root.to_path_buf()];
    let mut unreadable = None;
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                unreadable.get_or_insert(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                break;
            }
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                open.push(format!("{} (a symbolic link)", path.display()));
                continue;
            }
            if let Some(mode) = open_mode(&meta) {
                open.push(format!("{} ({mode:04o})", path.display()));
            }
            if meta.is_dir() {
                stack.push(path);
            }
        }
    }
    let shown = root.display();
    if !open.is_empty() {
        open.sort();
        let more = open.len().saturating_sub(NAMED);
        let mut named = open
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            named.push_str(&format!(" and {more} more"));
        }
        return Check::fail(
            "files",
            Blame::Operator,
            format!(
                "other users can reach {} of the {seen} entries in the home: {named}",
                open.len()
            ),
        )
        .fix(format!(
            "chmod -R go-rwx {shown}, and remove links Plugboard did not make"
        ));
    }
    if let Some(e) = unreadable {
        return Check::fail("files", Blame::Operator, format!("cannot read {e}")).fix(format!(
            "give this user back its home: `chmod -R u+rwX {shown}`"
        ));
    }
    if seen > MAX_ENTRIES {
        return Check::warn(
            "files",
            Blame::Operator,
            format!("the home holds more than {MAX_ENTRIES} entries; only those were looked at"),
        )
        .fix("keep only Plugboard's own files in the home");
    }
    Check::ok(
        "files",
        format!("all {seen} files and directories in the home are private"),
    )
}

/// The permission bits of `meta` when group or others have any.
#[cfg(unix)]
fn open_mode(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn open_mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}

/// What the master key check found, for the checks that need the key.
pub enum Key {
    Loaded(MasterKey),
    /// There is none yet.
    Absent,
    /// There is one, but it cannot be used (its line says why).
    Refused,
}

/// The master key: from `PLUGBOARD_MASTER_KEY` or the key file, readable,
/// private and well-formed; none is fine until a secret is sealed.
pub fn master_key(root: &Path) -> (Check, Key) {
    match MasterKey::load_existing(root) {
        Ok(Some(key)) => {
            let from = if std::env::var_os(plugboard_core::secrets::MASTER_KEY_ENV)
                .is_some_and(|v| !v.is_empty())
            {
                "from PLUGBOARD_MASTER_KEY".to_string()
            } else {
                format!(
                    "in {}",
                    root.join(plugboard_core::secrets::KEY_FILE_NAME).display()
                )
            };
            let check = Check::ok("master key", format!("key {} {from}", key.id()));
            (check, Key::Loaded(key))
        }
        Ok(None) => (
            Check::ok(
                "master key",
                "none yet: it is created when the first secret is sealed",
            ),
            Key::Absent,
        ),
        Err(e) => (
            Check::fail("master key", e.blame(), e.to_string()),
            Key::Refused,
        ),
    }
}
