//! Doctor checks of what the store holds: the database and its schema, the
//! sealed secrets, each plugin's component and compiled code, and each
//! instance's last runs.

use std::path::Path;

use plugboard_core::Blame;
use plugboard_core::store::{RunStatus, Store, latest_version};

use super::Check;
use super::files::Key;
use crate::instance_show::health;
use plugboard_host::registry::stored_component;
use plugboard_host::runtime::{Artefact, ComponentCache, Runtime};

/// The database: there, at this binary's schema version, and opening. The
/// store is returned only then (opening an older one would migrate it).
pub fn database(root: &Path, url: Option<&str>) -> (Check, Option<Store>) {
    let latest = latest_version();
    let (found, shown) = match url {
        Some(url) => match Store::peek_postgres_version(url) {
            Ok(v) => (v, "the PostgreSQL database".to_string()),
            Err(e) => return (Check::fail("database", e.blame(), e.to_string()), None),
        },
        None => {
            let path = root.join("plugboard.db");
            match Store::peek_sqlite_version(&path) {
                Ok(Some(v)) => (v, path.display().to_string()),
                Ok(None) => {
                    let check = Check::ok(
                        "database",
                        "none yet: the first `plugboard plugin add` creates it",
                    );
                    return (check, None);
                }
                Err(e) => return (Check::fail("database", e.blame(), e.to_string()), None),
            }
        }
    };
    if found > latest {
        let check = Check::fail(
            "database",
            Blame::Operator,
            format!(
                "{shown} is at schema version {found}, written by a newer Plugboard (this one knows {latest})"
            ),
        )
        .fix("use that Plugboard version or a newer one");
        return (check, None);
    }
    if found < latest {
        let check = Check::warn(
            "database",
            Blame::Operator,
            format!(
                "{shown} is at schema version {found}; this Plugboard migrates it to {latest} when a command opens it (the rest of the checks need it current)"
            ),
        )
        .fix("back up the database, then run any command, e.g. `plugboard instance list`");
        return (check, None);
    }
    let opened = match url {
        Some(url) => Store::connect(url),
        None => Store::open(&root.join("plugboard.db")),
    };
    match opened {
        Ok(store) => {
            let check = Check::ok(
                "database",
                format!("{} opens; schema version {found} is current", store.label()),
            );
            (check, Some(store))
        }
        Err(e) => (Check::fail("database", e.blame(), e.to_string()), None),
    }
}

/// Every sealed secret opens with the master key.
pub fn secrets(store: &Store, root: &Path, key: &Key) -> Vec<Check> {
    let mut sealed = Vec::new();
    let instances = match store.instances() {
        Ok(rows) => rows,
        Err(e) => return vec![Check::fail("secrets", e.blame(), e.to_string())],
    };
    for row in &instances {
        match store.secret_names(&row.id) {
            Ok(names) => sealed.extend(names.into_iter().map(|n| (row.id.clone(), n))),
            Err(e) => return vec![Check::fail("secrets", e.blame(), e.to_string())],
        }
    }
    if sealed.is_empty() {
        return vec![Check::ok("secrets", "no sealed secrets")];
    }
    let key = match key {
        Key::Loaded(key) => key,
        Key::Refused => {
            let check = Check::fail(
                "secrets",
                Blame::Operator,
                format!(
                    "{} sealed secrets cannot be opened: the master key is refused (see its line)",
                    sealed.len()
                ),
            );
            return vec![check];
        }
        Key::Absent => return vec![no_key(sealed.len(), root)],
    };
    let mut failed = Vec::new();
    for (instance, name) in &sealed {
        // Opened and dropped at once: the value is zeroized, never shown.
        if let Err(e) = store.secret(key, instance, name) {
            failed.push((instance, name, e));
        }
    }
    match failed.first() {
        None => vec![Check::ok(
            "secrets",
            format!(
                "the master key opens all {} sealed secrets of {}",
                sealed.len(),
                counted(instances.len(), "instance")
            ),
        )],
        Some((instance, name, e)) => vec![Check::fail(
            "secrets",
            e.blame(),
            format!(
                "{} of {} sealed secrets do not open, the first: secret {name} of instance {instance}: {e}",
                failed.len(),
                sealed.len()
            ),
        )],
    }
}

/// Each added plugin (its current version): the component in the home still
/// has its approved SHA-256, and its compiled code authenticates.
pub fn plugins(store: &Store, root: &Path, key: &Key) -> Vec<Check> {
    let rows = match store.plugins() {
        Ok(rows) => rows,
        Err(e) => return vec![Check::fail("plugins", e.blame(), e.to_string())],
    };
    if rows.is_empty() {
        return vec![Check::ok("plugins", "none added")];
    }
    // The engine (for its compatibility hash) only when there are artefacts
    // to check; nothing is compiled.
    let runtime = match key {
        Key::Loaded(k) => Some(Runtime::new(
            ComponentCache::at(root.join("cache")).with_key(k),
        )),
        Key::Absent | Key::Refused => None,
    };
    let unchecked = match key {
        Key::Refused => "its compiled code is not checked (the master key is refused)",
        _ => "not compiled yet",
    };
    rows.iter()
        .map(|row| {
            let name = format!("plugin {}", row.id);
            let wasm = match stored_component(store, row) {
                Ok(wasm) => wasm,
                Err(e) => return Check::fail(&name, e.blame(), e.to_string()),
            };
            let what = format!("{} {}: the component has its approved SHA-256", row.id, row.version);
            match &runtime {
                None => Check::ok(&name, format!("{what}; {unchecked}")),
                Some(Err(e)) => Check::fail(&name, e.blame(), e.to_string()),
                Some(Ok(runtime)) => match runtime.inspect_artefact(&wasm) {
                    Artefact::Authentic(_) => {
                        Check::ok(&name, format!("{what}; its compiled code authenticates"))
                    }
                    Artefact::Missing(_) | Artefact::Uncached => Check::ok(
                        &name,
                        format!("{what}; not compiled yet (it is on first use)"),
                    ),
                    Artefact::Refused { path, reason } => Check::warn(
                        &name,
                        Blame::Host,
                        format!(
                            "{what}; its compiled code {} is refused ({reason}) and will be compiled again on first use",
                            path.display()
                        ),
                    )
                    .fix("nothing, unless it comes back: then find out who writes into the home's cache/"),
                },
            }
        })
        .collect()
}

/// Each instance: failing daemon phases, else its last scan.
pub fn instances(store: &Store) -> Vec<Check> {
    let rows = match store.instances() {
        Ok(rows) => rows,
        Err(e) => return vec![Check::fail("instances", e.blame(), e.to_string())],
    };
    if rows.is_empty() {
        return vec![Check::ok("instances", "none added")];
    }
    rows.iter().map(|row| instance(store, row)).collect()
}

fn instance(store: &Store, row: &plugboard_core::store::InstanceRow) -> Check {
    let name = format!("instance {}", row.id);
    let id = &row.id;
    let look = format!(
        "`plugboard instance show {id}`; `plugboard instance check {id}` tests the credentials now"
    );
    if !row.enabled {
        return Check::ok(&name, "disabled; its data is kept");
    }
    let phases = match store.schedule(id) {
        Ok(p) => p,
        Err(e) => return Check::fail(&name, e.blame(), e.to_string()),
    };
    if let Some(p) = phases.iter().find(|p| p.last_error.is_some()) {
        return Check::fail(
            &name,
            p.last_error_blame.unwrap_or(Blame::Host),
            format!(
                "the daemon's {} phase fails: {}",
                p.phase,
                p.last_error.as_deref().unwrap_or_default()
            ),
        )
        .fix(look);
    }
    if health(&phases) == "ok" {
        return Check::ok(&name, "the daemon's phases succeed");
    }
    let last = match store.last_runs(id, 1) {
        Ok(runs) => runs.into_iter().next(),
        Err(e) => return Check::fail(&name, e.blame(), e.to_string()),
    };
    let Some(run) = last else {
        return Check::warn(&name, Blame::Operator, "not scanned yet")
            .fix(format!("plugboard scan {id}"));
    };
    let message = run.error_message.as_deref().unwrap_or("no error recorded");
    match run.status {
        RunStatus::Succeeded => Check::ok(
            &name,
            format!(
                "the last scan succeeded ({})",
                run.finished_at.as_deref().unwrap_or(&run.started_at)
            ),
        ),
        RunStatus::Failed => Check::fail(
            &name,
            run.error_blame.unwrap_or(Blame::Host),
            format!("the last scan ({}) failed: {message}", run.started_at),
        )
        .fix(look),
        RunStatus::Partial => Check::warn(
            &name,
            Blame::Upstream,
            format!(
                "the last scan ({}) was partial: a stream was unavailable or stopped",
                run.started_at
            ),
        )
        .fix(look),
        RunStatus::Running => Check::warn(
            &name,
            Blame::Host,
            format!(
                "a scan started at {} has not finished: it is running, or its process died",
                run.started_at
            ),
        )
        .fix(look),
    }
}

/// `n thing` or `n things`.
fn counted(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Secrets are sealed but there is no master key at all.
fn no_key(sealed: usize, root: &Path) -> Check {
    Check::fail(
        "secrets",
        Blame::Operator,
        format!(
            "{sealed} sealed secrets, but no master key (PLUGBOARD_MASTER_KEY is not set and there is no {})",
            root.join(plugboard_core::secrets::KEY_FILE_NAME).display()
        ),
    )
    .fix("restore master.key (mode 0600) from your backup, or set PLUGBOARD_MASTER_KEY")
}
