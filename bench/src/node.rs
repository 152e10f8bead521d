//! `plugboard serve` nodes as child processes of the benchmark, and what
//! `/proc` says about any process: CPU seconds, resident and peak memory.
//!
//! A node is the real release binary with a home of its own (created by the
//! host itself, so it is private), the cluster's database URL and master key
//! in its environment (never on its command line), its API on a free
//! loopback port and its log in a file next to its home.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::setup::{PluginFiles, repo_root};

/// Where the `plugboard` binary is: `--plugboard`, else
/// `$CARGO_TARGET_DIR/release/plugboard`, else the checkout's
/// `target/release/plugboard`.
pub fn plugboard_bin(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let bin = given.unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("target"))
            .join("release/plugboard")
    });
    anyhow::ensure!(
        bin.is_file(),
        "no plugboard binary at {}; build it first: cargo build --release -p plugboard (or pass --plugboard PATH)",
        bin.display()
    );
    Ok(bin)
}

/// What one cluster shares: the binary, the database and the master key.
#[derive(Clone)]
pub struct ClusterEnv {
    /// The `plugboard` binary.
    pub bin: PathBuf,
    /// `postgres://…` (with its password: only ever passed by environment).
    pub url: String,
    /// The master key, 64 hex digits (a throw-away key for this run).
    pub master_key_hex: String,
}

impl ClusterEnv {
    /// `plugboard` on `home` with the cluster's database and master key.
    fn command(&self, home: &Path) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("PLUGBOARD_HOME", home)
            .env("PLUGBOARD_DATABASE", &self.url)
            .env("PLUGBOARD_MASTER_KEY", &self.master_key_hex)
            .env_remove("PLUGBOARD_LISTEN")
            .stdin(Stdio::null());
        c
    }

    /// An API token stored in the cluster's database (`plugboard token create`).
    pub fn token(&self, home: &Path) -> anyhow::Result<String> {
        let out = self
            .command(home)
            .args(["token", "create", "--name", "bench"])
            .output()
            .context("running plugboard token create")?;
        anyhow::ensure!(
            out.status.success(),
            "plugboard token create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Start `plugboard serve` on `home` (created by the host, 0700) with
    /// `args`; its log goes to `log`.
    pub fn start(
        &self,
        home: &Path,
        log: &Path,
        token: &str,
        args: &[&str],
    ) -> anyhow::Result<Node> {
        let log_file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut child = self
            .command(home)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .context("starting plugboard serve")?;
        let stdout = child.stdout.take().context("serve has no stdout")?;
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        // Keep draining stdout so a later print never hits a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let base = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://"))
            .map(str::to_string);
        let Some(base) = base else {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "plugboard serve did not print its address ({line:?}); its log:\n{}",
                tail(log)
            );
        };
        Ok(Node {
            child: Some(child),
            api: Api {
                base,
                token: token.to_string(),
                client: reqwest::Client::new(),
            },
            log: log.to_path_buf(),
        })
    }
}

/// The last lines of a log, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A running `plugboard serve`.
pub struct Node {
    child: Option<Child>,
    /// Its API.
    pub api: Api,
    /// Its stderr.
    pub log: PathBuf,
}

/// A node's API, with the benchmark's token.
#[derive(Clone)]
pub struct Api {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    token: String,
    client: reqwest::Client,
}

impl Node {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// What `/proc` says about it now.
    pub fn usage(&self) -> anyhow::Result<Usage> {
        Usage::of(&format!("/proc/{}", self.pid()))
    }

    /// Its node id, once `/readyz` answers 200.
    pub async fn ready(&self) -> anyhow::Result<String> {
        self.api.ready(&self.log).await
    }

    /// SIGTERM, then wait for it to drain and exit (SIGKILL after 60 s).
    pub fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        let start = Instant::now();
        while sent.success() && start.elapsed() < Duration::from_secs(60) {
            if child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.kill()?;
        child.wait()?;
        anyhow::bail!("node {} did not stop within 60 s of SIGTERM", self.api.base)
    }
}

impl Api {
    /// The node id, once `/readyz` answers 200 (`log`: for the error).
    async fn ready(&self, log: &Path) -> anyhow::Result<String> {
        let start = Instant::now();
        loop {
            if let Ok(r) = self
                .client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                && r.status().is_success()
            {
                let body: Value = r.json().await?;
                return Ok(body["node"].as_str().unwrap_or_default().to_string());
            }
            anyhow::ensure!(
                start.elapsed() < Duration::from_secs(120),
                "node {} not ready within 120 s; its log:\n{}",
                self.base,
                tail(log)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `POST path` with the token; the status and JSON body.
    pub async fn post(&self, path: &str, body: Value) -> anyhow::Result<(u16, Value)> {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {path} to {}", self.base))?;
        let status = resp.status().as_u16();
        let body = resp.json().await.unwrap_or(Value::Null);
        Ok((status, body))
    }

    /// Upload and approve a plugin through the API.
    pub async fn add_plugin(&self, plugin: &PluginFiles) -> anyhow::Result<()> {
        let body = json!({
            "manifest": plugin.manifest_text,
            "wasm_base64": base64::engine::general_purpose::STANDARD.encode(&plugin.wasm),
            "approve": true,
            "allow_unsigned": true,
        });
        let (status, answer) = self.post("/v1/plugins", body).await?;
        anyhow::ensure!(
            status == 201 || status == 200,
            "adding the plugin answered {status}: {answer}"
        );
        Ok(())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// CPU and memory of one process, from `/proc/PID/stat` and `/proc/PID/status`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User + system CPU time of all its threads since it started, seconds.
    pub cpu_s: f64,
    /// Resident set now (`VmRSS`), bytes.
    pub rss: u64,
    /// Peak resident set (`VmHWM`), bytes.
    pub peak_rss: u64,
}

impl Usage {
    /// Read `/proc/...` for `proc_dir` (`/proc/self` or `/proc/PID`).
    pub fn of(proc_dir: &str) -> anyhow::Result<Usage> {
        let stat = std::fs::read_to_string(format!("{proc_dir}/stat"))
            .with_context(|| format!("reading {proc_dir}/stat"))?;
        // Fields after the command name (which may hold spaces), from field 3.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .context("no command name in stat")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| -> anyhow::Result<f64> {
            // utime is field 14, stime 15; `rest` starts at field 3.
            Ok(fields
                .get(i - 3)
                .context("a short stat line")?
                .parse::<f64>()?)
        };
        let cpu_s = (ticks(14)? + ticks(15)?) / clock_ticks();
        let status = std::fs::read_to_string(format!("{proc_dir}/status"))?;
        let kib = |key: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        Ok(Usage {
            cpu_s,
            rss: kib("VmRSS:") * 1024,
            peak_rss: kib("VmHWM:") * 1024,
        })
    }
}

/// Clock ticks per second (`getconf CLK_TCK`; 100, Linux's usual, if unknown).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A fresh directory for one node's home and log, inside `dir`.
pub fn node_dir(dir: &Path, name: &str) -> anyhow::Result<(PathBuf, PathBuf)> {
    let root = dir.join(name);
    std::fs::create_dir_all(&root)?;
    // The host creates the home itself (0700); the log sits beside it.
    Ok((root.join("home"), root.join("serve.log")))
}
