//! A throw-away PostgreSQL cluster for tests: one per test binary, on a free
//! loopback port, in a temporary directory, with a random password; each test
//! asks it for a database of its own.
//!
//! The cluster is started on first use by [`shared`] and stopped when the test
//! binary exits, however it exits: a watchdog shell reads a pipe whose only
//! writer is the test process, and when that pipe closes (normal exit, panic,
//! SIGKILL) it stops the server (`pg_ctl stop -m immediate`) and removes the
//! directory. Both run in their own process group, so a Ctrl-C on the terminal
//! does not kill the watchdog before it has cleaned up.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then `initdb`,
//! `pg_ctl` and the server run as the `postgres` user (through `runuser`) in a
//! directory that user owns. The server listens on 127.0.0.1 only, with its
//! Unix socket in the temporary directory; it runs with `fsync=off`, which is
//! fine for data nobody keeps.
//!
//! When the server binaries are missing, [`shared`] fails with a message that
//! says how to install them: a PostgreSQL test must fail then, never pass
//! silently.

use std::fmt::{self, Write as _};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

/// How to install what these tests need, for error messages.
pub const INSTALL_HINT: &str = "install PostgreSQL's server with `apt-get update && apt-get install -y postgresql` \
     (Debian/Ubuntu; `.ci/run` does this), or set PLUGBOARD_PG_BIN to the directory holding \
     initdb, pg_ctl and psql";

/// The harness could not provide a database; the text says what to do.
#[derive(Debug, Clone)]
pub struct HarnessError(String);

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgreSQL test cluster: {}", self.0)
    }
}

impl std::error::Error for HarnessError {}

fn fail<T>(message: impl Into<String>) -> Result<T, HarnessError> {
    Err(HarnessError(message.into()))
}

/// A running throw-away cluster.
pub struct Cluster {
    port: u16,
    password: String,
    bin: PathBuf,
    dir: PathBuf,
    databases: AtomicU32,
    /// The watchdog's stdin; never written, closed when the process exits.
    _watchdog: Mutex<ChildStdin>,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("port", &self.port)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The cluster of this test binary, started on first call. Every later call
/// returns the same cluster, or the same error.
pub fn shared() -> Result<&'static Cluster, HarnessError> {
    static CLUSTER: OnceLock<Result<Cluster, HarnessError>> = OnceLock::new();
    CLUSTER
        .get_or_init(Cluster::start)
        .as_ref()
        .map_err(Clone::clone)
}

/// A fresh database in the shared cluster, as a `postgres://` URL (with the
/// password). `hint` (e.g. the test's name) makes the name readable in logs.
pub fn database(hint: &str) -> Result<String, HarnessError> {
    shared()?.create_database(hint)
}

impl Cluster {
    fn start() -> Result<Cluster, HarnessError> {
        let bin = server_bin()?;
        let owner = if running_as_root()? {
            Some("postgres")
        } else {
            None
        };
        if let Some(user) = owner {
            run(Command::new("id").args(["-u", user]), "finding the postgres user")
                .map_err(|e| HarnessError(format!("{e}; running as root needs the `{user}` user that Debian's postgresql package creates: {INSTALL_HINT}")))?;
        }
        let dir = tempfile::Builder::new()
            .prefix("plugboard-pg-")
            .tempdir()
            .map_err(|e| HarnessError(format!("creating a temporary directory: {e}")))?
            .keep();
        let password = random_hex(16)?;
        let pwfile = dir.join("pwfile");
        std::fs::write(&pwfile, &password)
            .map_err(|e| HarnessError(format!("writing {}: {e}", pwfile.display())))?;
        std::fs::create_dir(dir.join("sock"))
            .map_err(|e| HarnessError(format!("creating the socket directory: {e}")))?;
        if let Some(user) = owner {
            run(
                Command::new("chown")
                    .arg("-R")
                    .arg(format!("{user}:"))
                    .arg(&dir),
                "handing the directory to the postgres user",
            )?;
        }
        let watchdog = start_watchdog(&bin, owner, &dir)?;
        let data = dir.join("data");
        run(
            as_owner(owner, &bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=scram-sha-256", "--no-sync"])
                .args(["-E", "UTF8", "--locale=C"])
                .arg(format!("--pwfile={}", pwfile.display())),
            "initdb",
        )?;
        let port = start_server(&bin, owner, &dir)?;
        Ok(Cluster {
            port,
            password,
            bin,
            dir,
            databases: AtomicU32::new(0),
            _watchdog: Mutex::new(watchdog),
        })
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The URL of database `name` for the superuser `postgres`.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/{name}",
            self.password, self.port
        )
    }

    /// Create a fresh, empty database and return its URL.
    pub fn create_database(&self, hint: &str) -> Result<String, HarnessError> {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let clean: String = hint
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        let name = format!("t{n}_{clean}");
        self.psql(&format!("CREATE DATABASE \"{name}\" STRATEGY FILE_COPY"))?;
        Ok(self.url(&name))
    }

    /// Run one SQL command as the superuser in database `postgres`.
    pub fn psql(&self, sql: &str) -> Result<String, HarnessError> {
        self.sql(&self.url("postgres"), sql)
    }

    /// Run one SQL command in the database at `url` (from
    /// [`Cluster::create_database`]); its rows, one a line, `|` between columns.
    pub fn sql(&self, url: &str, sql: &str) -> Result<String, HarnessError> {
        run(
            Command::new(self.bin.join("psql")).args([
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
                "-d",
                url,
            ]),
            "psql",
        )
    }

    /// A plain-text dump (`pg_dump`) of every table of the database at `url`.
    pub fn dump(&self, url: &str) -> Result<String, HarnessError> {
        run(
            Command::new(self.bin.join("pg_dump")).args(["--data-only", "-d", url]),
            "pg_dump",
        )
    }
}

/// Where `initdb`, `pg_ctl`, `postgres` and `psql` are.
fn server_bin() -> Result<PathBuf, HarnessError> {
    if let Some(dir) = std::env::var_os("PLUGBOARD_PG_BIN") {
        let dir = PathBuf::from(dir);
        if dir.join("initdb").is_file() {
            return Ok(dir);
        }
        return fail(format!(
            "PLUGBOARD_PG_BIN={} holds no initdb; {INSTALL_HINT}",
            dir.display()
        ));
    }
    // Debian keeps each major version in /usr/lib/postgresql/N/bin; take the newest.
    let newest = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let major: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .max();
    match newest {
        Some((_, bin)) => Ok(bin),
        None => fail(format!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); {INSTALL_HINT}"
        )),
    }
}

fn running_as_root() -> Result<bool, HarnessError> {
    Ok(run(Command::new("id").arg("-u"), "id -u")?.trim() == "0")
}

/// `program`, run as `owner` when given.
fn as_owner(owner: Option<&str>, program: &Path) -> Command {
    match owner {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Run to completion; its stdout, or an error with its stderr.
fn run(cmd: &mut Command, what: &str) -> Result<String, HarnessError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| HarnessError(format!("{what}: cannot run {cmd:?}: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        fail(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A shell that waits for EOF on its stdin, then stops the server and
/// removes `dir`.
fn start_watchdog(bin: &Path, owner: Option<&str>, dir: &Path) -> Result<ChildStdin, HarnessError> {
    use std::os::unix::process::CommandExt;
    let runas = owner
        .map(|u| format!("runuser -u {u} -- "))
        .unwrap_or_default();
    let script = format!(
        "cat >/dev/null; {runas}\"$1\" -D \"$2/data\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"$2\""
    );
    let mut child: Child = Command::new("sh")
        .args(["-c", &script, "watchdog"])
        .arg(bin.join("pg_ctl"))
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| HarnessError(format!("starting the cleanup watchdog: {e}")))?;
    child
        .stdin
        .take()
        .ok_or_else(|| HarnessError("the watchdog has no stdin".into()))
}

/// Start the server on a free loopback port, trying a few: another process
/// may take the port between our probe and the server's bind.
fn start_server(bin: &Path, owner: Option<&str>, dir: &Path) -> Result<u16, HarnessError> {
    use std::os::unix::process::CommandExt;
    let mut last = String::new();
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| HarnessError(format!("finding a free loopback port: {e}")))?
            .port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            dir.join("sock").display()
        );
        let log = dir.join(format!("server-{port}.log"));
        let started = run(
            as_owner(owner, &bin.join("pg_ctl"))
                .arg("-D")
                .arg(dir.join("data"))
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "120", "-o", &options, "start"])
                .process_group(0),
            "pg_ctl start",
        );
        match started {
            Ok(_) => return Ok(port),
            Err(e) => last = format!("{e}\nserver log:\n{}", read_tail(&log)),
        }
    }
    fail(last)
}

fn read_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

fn random_hex(bytes: usize) -> Result<String, HarnessError> {
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(|e| HarnessError(format!("reading /dev/urandom: {e}")))?;
    let mut out = String::with_capacity(bytes * 2);
    for b in buf {
        let _ = write!(out, "{b:02x}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_databases_of_one_cluster_are_distinct_and_reachable() -> Result<(), HarnessError> {
        let a = database("one")?;
        let b = database("one")?;
        assert_ne!(a, b);
        let listed = shared()?.psql("SELECT datname FROM pg_database ORDER BY datname")?;
        assert!(
            listed.contains("t0_one") && listed.contains("t1_one"),
            "{listed}"
        );
        Ok(())
    }
}
