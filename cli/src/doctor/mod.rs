//! `plugboard doctor`: check a home and say what to fix, without changing it.
//!
//! Threat: a home that drifted (a file others can read, a master key that no
//! longer opens the secrets, a component changed on disk, a database written
//! by another version, an instance failing for days) is found only when a
//! scan fails, and then one problem at a time. Decision: one command checks
//! everything an operator owns, in order (home, its files, the master key,
//! the database and its migrations, the sealed secrets, each plugin and its
//! compiled code, each instance's last runs) and prints one line per check
//! with what to do. It only reads: it creates no home, key, database or
//! artefact, applies no migration and changes no mode, and it never calls
//! an upstream (a credentials check of its own would mint a token, which on
//! Zoom revokes the daemon's): instance health is what the last runs
//! recorded. The exit code follows the first failing check's blame.

mod files;
mod stored;

use std::path::PathBuf;

use plugboard_core::Blame;
use serde::Serialize;

use super::DatabaseUrl;
use super::table::{emit, print_json};
use plugboard_host::home::{Home, OpenHome};

/// `doctor` arguments.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print JSON: `{home, healthy, checks: [{check, status, blame, detail, fix}]}`.
    #[arg(long)]
    pub json: bool,
}

/// What to check: the home and database the other commands would use.
#[derive(Debug)]
pub struct Target {
    /// `--home`, else the default home.
    pub home: Option<PathBuf>,
    /// `--database`, else the home's SQLite file.
    pub database: Option<DatabaseUrl>,
    /// `--allow-open-home`: an open home is a warning, not a failure.
    pub open_home: OpenHome,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing to do.
    Ok,
    /// Works, but worth a look; does not fail the command.
    Warn,
    /// Broken: the fix is on the line.
    Fail,
}

/// One check's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked, e.g. `home`, `plugin zoom`, `instance acme`.
    pub check: String,
    /// How it came out.
    pub status: Status,
    /// Who must act, when it failed or warns.
    pub blame: Option<Blame>,
    /// What was found.
    pub detail: String,
    /// What to do, when the detail does not already say.
    pub fix: Option<String>,
}

/// Longest detail or fix shown, in bytes: run errors quote plugins.
const MAX_TEXT: usize = 600;

impl Check {
    fn new(check: &str, status: Status, blame: Option<Blame>, detail: String) -> Check {
        let mut detail = detail;
        plugboard_core::text::clean_line(&mut detail, MAX_TEXT);
        Check {
            check: plugboard_core::text::neutralize(check).into_owned(),
            status,
            blame,
            detail,
            fix: None,
        }
    }

    /// Nothing to do.
    pub fn ok(check: &str, detail: impl Into<String>) -> Check {
        Check::new(check, Status::Ok, None, detail.into())
    }

    /// Worth a look, blamed on `blame`.
    pub fn warn(check: &str, blame: Blame, detail: impl Into<String>) -> Check {
        Check::new(check, Status::Warn, Some(blame), detail.into())
    }

    /// Broken, blamed on `blame`.
    pub fn fail(check: &str, blame: Blame, detail: impl Into<String>) -> Check {
        Check::new(check, Status::Fail, Some(blame), detail.into())
    }

    /// With what to do.
    pub fn fix(mut self, fix: impl Into<String>) -> Check {
        let mut fix = fix.into();
        plugboard_core::text::clean_line(&mut fix, MAX_TEXT);
        self.fix = Some(fix);
        self
    }

    /// The check as one line of text.
    fn line(&self) -> String {
        let status = match self.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        let blame = self.blame.map(|b| format!(" ({b})")).unwrap_or_default();
        match &self.fix {
            Some(fix) => format!(
                "{status}  {}{blame}: {}; fix: {fix}",
                self.check, self.detail
            ),
            None => format!("{status}  {}{blame}: {}", self.check, self.detail),
        }
    }
}

/// `doctor --json`.
#[derive(Serialize)]
struct Report<'a> {
    home: &'a str,
    healthy: bool,
    checks: &'a [Check],
}

/// Some checks failed; each line says what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} checks failed, the first: {first}; each FAIL line says what to fix")]
pub struct Unhealthy {
    failed: usize,
    total: usize,
    first: String,
    blame: Blame,
}

impl Unhealthy {
    /// The first failing check's blame.
    pub fn blame(&self) -> Blame {
        self.blame
    }
}

/// Every check of `target`, in order.
pub fn diagnose(target: &Target) -> (String, Vec<Check>) {
    let root = match Home::root_for(target.home.clone()) {
        Ok(root) => root,
        Err(e) => {
            return (
                "-".into(),
                vec![Check::fail("home", e.blame(), e.to_string())],
            );
        }
    };
    let shown = root.display().to_string();
    let mut checks = Vec::new();
    checks.push(files::home(&root, target.open_home));
    // Without a directory there is nothing more to look at.
    if !root.is_dir() {
        return (shown, checks);
    }
    checks.push(files::modes(&root));
    let (key_check, key) = files::master_key(&root);
    checks.push(key_check);
    let url = target.database.as_ref().map(|d| d.0.as_str());
    let (db_check, store) = stored::database(&root, url);
    checks.push(db_check);
    if let Some(store) = store {
        checks.extend(stored::secrets(&store, &root, &key));
        checks.extend(stored::plugins(&store, &root, &key));
        checks.extend(stored::instances(&store));
    }
    (shown, checks)
}

/// Run `doctor`.
pub async fn run(target: &Target, args: DoctorArgs) -> anyhow::Result<()> {
    let (home, checks) = diagnose(target);
    let failed: Vec<&Check> = checks.iter().filter(|c| c.status == Status::Fail).collect();
    if args.json {
        print_json(&Report {
            home: &home,
            healthy: failed.is_empty(),
            checks: &checks,
        })?;
    } else {
        let mut text: Vec<String> = checks.iter().map(Check::line).collect();
        let warned = checks.iter().filter(|c| c.status == Status::Warn).count();
        text.push(format!(
            "{} checks: {} ok, {warned} to look at, {} failed",
            checks.len(),
            checks.len() - warned - failed.len(),
            failed.len()
        ));
        emit(&text.join("\n"))?;
    }
    match failed.first() {
        None => Ok(()),
        Some(first) => Err(Unhealthy {
            failed: failed.len(),
            total: checks.len(),
            first: first.check.clone(),
            blame: first.blame.unwrap_or(Blame::Host),
        }
        .into()),
    }
}
