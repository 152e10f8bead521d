//! Shared by the binary's tests: where the repository and the built plugins
//! are, and running `plugboard serve` — as a child process, or in the test's
//! own runtime where no process boundary is under test — to talk to its API.

#![allow(dead_code, reason = "each test file uses a different part")]
#![allow(
    clippy::expect_used,
    reason = "test harness: a failed setup step should stop the test"
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use plugboard_sim::azure::AzureSim;
use plugboard_sim::spec::SpecValidator;
use plugboard_sim::zoom::ZoomSim;
use serde_json::{Value, json};

pub mod recorder;
pub mod registry;

/// A temporary directory only its owner can enter (0700), as the host
/// requires of an existing home: `tempfile::tempdir()` follows the umask
/// (usually 0755) and such a home is refused.
pub fn private_dir() -> tempfile::TempDir {
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    builder.tempdir().expect("private temporary directory")
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where a built plugin component is (`scripts/build-plugins.sh` builds them).
pub fn wasm_path(file: &str) -> PathBuf {
    let mut dirs = Vec::new();
    if let Ok(d) = std::env::var("PLUGBOARD_PLUGIN_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Ok(d) = std::env::var("CARGO_TARGET_DIR") {
        dirs.push(PathBuf::from(d).join("wasm32-wasip2/release"));
    }
    dirs.push(repo_root().join("target/wasm32-wasip2/release"));
    dirs.iter()
        .map(|d| d.join(file))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{file} is in none of {dirs:?}; run scripts/build-plugins.sh"))
}

/// A built plugin component.
pub fn wasm(file: &str) -> Vec<u8> {
    std::fs::read(wasm_path(file)).expect("reading the component")
}

/// A plugin's manifest text.
pub fn manifest(plugin: &str) -> String {
    std::fs::read_to_string(repo_root().join(format!("plugins/{plugin}/plugin.toml")))
        .expect("plugin.toml")
}

/// `plugboard` with `home`.
pub fn plugboard(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plugboard"));
    c.env("PLUGBOARD_HOME", home)
        .env("PLUGBOARD_LOG", "warn")
        .env_remove("PLUGBOARD_LISTEN")
        .env_remove("PLUGBOARD_DATABASE");
    c
}

/// A directory `dir/victim` holding only `marker`, to see that nothing
/// reaches it.
pub fn victim_dir(dir: &Path) -> PathBuf {
    let victim = dir.join("victim");
    std::fs::create_dir_all(&victim).expect("victim directory");
    std::fs::write(victim.join("marker"), b"keep me").expect("marker");
    victim
}

/// The victim directory still holds only its marker, unchanged.
pub fn assert_victim_untouched(victim: &Path) {
    let files: Vec<PathBuf> = snapshot(victim).into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        files,
        [victim.join("marker")],
        "files in the victim directory"
    );
    let marker = std::fs::read(victim.join("marker")).expect("the marker survives");
    assert_eq!(marker, b"keep me");
}

/// Every file under `dir` with its contents, sorted; empty when `dir` is
/// missing. Symlinks are listed, not followed.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => walk(&path, out),
                Ok(t) if t.is_symlink() => {
                    let target = std::fs::read_link(&path).expect("symlink target");
                    out.push((path, target.to_string_lossy().as_bytes().to_vec()));
                }
                _ => {
                    let bytes = std::fs::read(&path).expect("reading a file");
                    out.push((path, bytes));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Create an API token in `home`.
pub fn create_token(home: &Path) -> String {
    let out = plugboard(home)
        .args(["token", "create", "--name", "test"])
        .output()
        .expect("token create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The daemon's own OpenAPI document, as a validator.
pub fn api_spec() -> SpecValidator {
    let doc: Value =
        serde_json::from_str(plugboard_host::daemon::api::OPENAPI).expect("openapi.json is JSON");
    SpecValidator::from_document(&doc).expect("openapi.json is a usable OpenAPI document")
}

/// `path` without its query, and the query's decoded pairs.
fn split_query(path: &str) -> (&str, Vec<(String, String)>) {
    match path.split_once('?') {
        Some((route, query)) => (
            route,
            url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ),
        None => (path, Vec::new()),
    }
}

/// A running `plugboard serve`: a child process, or (for tests of the API
/// with no process boundary under test) the daemon and its router inside
/// the test's own runtime.
pub struct Daemon {
    /// The child process.
    pub child: Option<Child>,
    /// The in-process server's task.
    server: Option<tokio::task::JoinHandle<()>>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Bearer token.
    pub token: String,
    client: reqwest::Client,
    spec: SpecValidator,
}

impl Daemon {
    /// Start `plugboard serve` on a free port with short periods.
    pub fn start(home: &Path, token: &str, extra: &[&str]) -> Daemon {
        let mut serve = plugboard(home);
        serve
            .args(["serve", "--listen", "127.0.0.1:0", "--retry-after", "1s"])
            .args(extra);
        Self::start_command(serve, token)
    }

    /// The daemon on `home` started in this process, from a `Host` as
    /// `plugboard serve` starts it (SQLite, one node, the default periods with
    /// a 1 s first retry), its router served on a free loopback port. For API
    /// tests with no process boundary under test: no signals, no restart.
    pub async fn in_process(home: &Path, token: &str) -> Daemon {
        let host = plugboard_host::host::Host::new(Some(home.to_path_buf()));
        let intervals = plugboard_host::daemon::Intervals {
            retry: Duration::from_secs(1),
            ..Default::default()
        };
        let shared = plugboard_host::daemon::Shared::start(&host, intervals, None)
            .expect("start the daemon");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let app = plugboard_host::daemon::api::router(shared);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Daemon {
            child: None,
            server: Some(server),
            base,
            token: token.to_string(),
            client: reqwest::Client::new(),
            spec: api_spec(),
        }
    }

    /// Start `serve` as `serve` says (it must listen on port 0 of loopback,
    /// printing its address first on stdout).
    pub fn start_command(serve: Command, token: &str) -> Daemon {
        Self::start_with_stderr(serve, token, Stdio::inherit())
    }

    /// [`Daemon::start_command`], its stderr (the log) written to `log`.
    pub fn start_logged(serve: Command, token: &str, log: &Path) -> Daemon {
        let file = std::fs::File::create(log).expect("create the daemon's log file");
        Self::start_with_stderr(serve, token, Stdio::from(file))
    }

    fn start_with_stderr(mut serve: Command, token: &str, stderr: Stdio) -> Daemon {
        let mut child = serve
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        reader.read_line(&mut line).expect("read address");
        // Keep draining stdout so a later print never hits a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        let base = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://"))
            .unwrap_or_else(|| panic!("serve printed {line:?}"))
            .to_string();
        Daemon {
            child: Some(child),
            server: None,
            base,
            token: token.to_string(),
            client: reqwest::Client::new(),
            spec: api_spec(),
        }
    }

    /// A request with the bearer token, held to the daemon's own
    /// `/openapi.json`: a request the document allows must get an answer it
    /// documents (status and body); one it does not allow must be refused
    /// with a 4xx error body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let (route, query) = split_query(path);
        let allowed = self
            .spec
            .validate_request(method.as_str(), route, &query, body.as_ref());
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("API request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let answer = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        match allowed {
            Ok(()) => {
                if let Err(problems) =
                    self.spec
                        .validate_response(method.as_str(), route, status, &answer)
                {
                    panic!(
                        "{method} {path} answered {status} against /openapi.json: {problems:#?}\n{answer}"
                    );
                }
            }
            Err(problems) => assert!(
                (400..500).contains(&status)
                    && answer["error"]["message"].is_string()
                    && answer["error"]["blame"].is_string(),
                "{method} {path} breaks /openapi.json ({problems:?}) yet was answered {status}: {answer}"
            ),
        }
        (status, answer)
    }

    /// A request sent exactly as written, with the bearer token: unlike
    /// [`Daemon::call`], the target is not normalised first (an HTTP client
    /// resolves `..` and `%2e%2e` before sending). Held to the document the
    /// same way.
    pub async fn raw(&self, method: &str, target: &str) -> (u16, Value) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let authority = self.base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(authority)
            .await
            .expect("connect to the daemon");
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n",
            self.token
        );
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send the request");
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .await
            .expect("read the answer");
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        assert!(
            !head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{method} {target}: a chunked answer: {head}"
        );
        let status: u16 = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{method} {target}: no status in {head:?}"));
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_string()))
        };
        match self.spec.validate_request(method, target, &[], None) {
            Ok(()) => {
                if let Err(problems) = self.spec.validate_response(method, target, status, &body) {
                    panic!(
                        "{method} {target} answered {status} against /openapi.json: {problems:#?}\n{body}"
                    );
                }
            }
            Err(problems) => assert!(
                (400..500).contains(&status)
                    && body["error"]["message"].is_string()
                    && body["error"]["blame"].is_string(),
                "{method} {target} breaks /openapi.json ({problems:?}) yet was answered {status}: {body}"
            ),
        }
        (status, body)
    }

    /// GET, expecting 200.
    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// POST without a body: the lifecycle actions (enable, disable, scan,
    /// check, rollback to the previous version).
    pub async fn act(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, None).await
    }

    /// Upload a plugin (approved).
    pub async fn add_plugin(&self, manifest: &str, wasm: &[u8]) -> (u16, Value) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(wasm);
        self.post(
            "/v1/plugins",
            json!({ "manifest": manifest, "wasm_base64": b64, "approve": true, "allow_unsigned": true }),
        )
        .await
    }

    /// Add a Zoom instance against `sim`.
    pub async fn add_zoom(
        &self,
        id: &str,
        sim: &ZoomSim,
        plan: &str,
        extra: Value,
    ) -> (u16, Value) {
        let c = sim.credentials();
        let base = sim.base_url();
        let mut config = json!({ "account_id": c.account_id, "plan": plan });
        if let (Some(cfg), Some(more)) = (config.as_object_mut(), extra.as_object()) {
            cfg.extend(more.clone());
        }
        self.post(
            "/v1/instances",
            json!({
                "id": id, "plugin": "zoom", "config": config,
                "secrets": { "client_id": c.client_id, "client_secret": c.client_secret },
                "upstreams": { "https://api.zoom.us": base, "https://zoom.us": base },
            }),
        )
        .await
    }

    /// Add an Azure instance against `sim`.
    pub async fn add_azure(&self, id: &str, sim: &AzureSim) -> (u16, Value) {
        let c = sim.credentials();
        let base = sim.base_url();
        self.post(
            "/v1/instances",
            json!({
                "id": id, "plugin": "azure", "config": { "tenant_id": c.tenant_id },
                "secrets": { "client_id": c.client_id, "client_secret": c.client_secret },
                "upstreams": {
                    "https://login.microsoftonline.com": base,
                    "https://management.azure.com": base,
                    "https://graph.microsoft.com": base,
                },
            }),
        )
        .await
    }

    /// Wait until `phase` of instance `id` succeeded after `since` (a
    /// timestamp string compared as text; "" for any), failing on timeout.
    pub async fn wait_phase(&self, id: &str, phase: &str, since: &str, timeout: Duration) -> Value {
        let what = format!("phase {phase} succeeded after {since:?}");
        self.wait_for(id, &what, timeout, |p| {
            p["phase"] == phase && p["last_success_at"].as_str().is_some_and(|t| t > since)
        })
        .await
    }

    /// Wait until some phase of instance `id` satisfies `done`, failing with
    /// `what` on timeout; returns the instance's status.
    pub async fn wait_for(
        &self,
        id: &str,
        what: &str,
        timeout: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let start = Instant::now();
        loop {
            let status = self.get(&format!("/v1/instances/{id}")).await;
            if status["phases"].as_array().into_iter().flatten().any(&done) {
                return status;
            }
            assert!(
                start.elapsed() < timeout,
                "{id}: not {what} within {timeout:?}: {status:#}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every item of a paged list.
    pub async fn all(&self, path: &str) -> Vec<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .get(&format!("{path}{sep}limit=1000&offset={offset}"))
                .await;
            out.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_offset"].as_u64() {
                Some(n) => offset = n,
                None => return out,
            }
        }
    }

    /// The daemon's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Send a signal (`STOP`, `CONT`) without waiting for anything.
    pub fn send(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.pid().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success(), "kill -{sig}");
    }

    /// Send a signal to the daemon (`TERM`, `KILL`) and wait for it to exit.
    pub fn signal(&mut self, sig: &str) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the daemon did not exit within 60 s of SIG{sig}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Where the `--json` output schemas live.
pub fn json_schema_dir() -> PathBuf {
    repo_root().join("docs/json")
}

/// A validator for `docs/json/NAME.schema.json`, with the shared rows of
/// `defs.schema.json` registered under their `$id`.
pub fn json_schema(name: &str) -> jsonschema::Validator {
    let read = |file: &str| -> Value {
        let path = json_schema_dir().join(file);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let defs = read("defs.schema.json");
    let id = defs["$id"]
        .as_str()
        .expect("defs.schema.json has an $id")
        .to_string();
    let resource = jsonschema::Resource::from_contents(defs).expect("defs.schema.json is a schema");
    jsonschema::options()
        .should_validate_formats(true)
        .with_resource(id, resource)
        .build(&read(&format!("{name}.schema.json")))
        .unwrap_or_else(|e| panic!("{name}.schema.json: {e}"))
}

/// Panic unless `value` (what `what` printed) matches `docs/json/NAME.schema.json`,
/// listing every violation.
pub fn assert_matches_schema(name: &str, what: &str, value: &Value) {
    let validator = json_schema(name);
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match docs/json/{name}.schema.json:\n  {}\n{value:#}",
        errors.join("\n  ")
    );
}
