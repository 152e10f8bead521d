//! A real OCI registry for tests: Debian's `docker-registry` (the CNCF
//! distribution registry) on 127.0.0.1, on a port it chose.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use plugboard_host::registry::oci::SigningKey;

/// Hang guard for the registry to say where it listens.
const HANG_GUARD: Duration = Duration::from_secs(120);

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// A `docker-registry` on 127.0.0.1, on a port it chose, storing in a
/// temporary directory; stopped on drop.
pub struct RegistryServer {
    child: Child,
    pub addr: String,
    _dir: tempfile::TempDir,
}

impl RegistryServer {
    /// Start one, or `None` (loudly) when the binary is not installed here.
    pub fn start() -> Option<RegistryServer> {
        if !Path::new(REGISTRY_BIN).is_file() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{REGISTRY_BIN} is missing in CI: .ci/run installs the docker-registry package"
            );
            eprintln!(
                "\n!!!!!! SKIPPED: {REGISTRY_BIN} is not installed; `apt-get install -y docker-registry` to run the OCI registry tests !!!!!!\n"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:0\n",
                dir.path().join("data").display()
            ),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut child = Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {REGISTRY_BIN}: {e}"));
        let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(rest) = line.split("listening on ").nth(1) {
                    let addr: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                        .collect();
                    sent = tx.send(addr).is_ok();
                }
            }
        });
        let addr = rx
            .recv_timeout(HANG_GUARD)
            .unwrap_or_else(|e| panic!("docker-registry did not say where it listens: {e}"));
        Some(RegistryServer {
            child,
            addr,
            _dir: dir,
        })
    }

    pub fn reference(&self, repo_and_tag: &str) -> String {
        format!("oci://{}/{repo_and_tag}", self.addr)
    }

    pub fn stop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A vendor's key pair in `dir`: (private key path, public key path).
pub fn key_pair(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let pem = SigningKey::generate_pem().unwrap_or_else(|e| panic!("{e}"));
    let public = SigningKey::from_pem(&pem, name)
        .and_then(|k| k.public_key())
        .unwrap_or_else(|e| panic!("{e}"))
        .to_pem();
    let (key, pubkey) = (
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.pub")),
    );
    std::fs::write(&key, pem.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&pubkey, public).unwrap_or_else(|e| panic!("{e}"));
    (key, pubkey)
}
