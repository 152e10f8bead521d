//! Commands that talk to a running daemon over its REST API instead of
//! opening the home themselves (`plugboard plugin add --server URL`,
//! `plugboard instance check NAME --server URL`).

use base64::Engine as _;
use plugboard_core::Blame;
use serde_json::{Value, json};

use plugboard_host::registry::PluginSource;

/// Where the daemon is and how to authenticate.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Send the command to a running `plugboard serve` at this URL (e.g.
    /// http://127.0.0.1:8750) instead of the local home.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// The API token for --server (from `plugboard token create`).
    #[arg(
        long,
        env = "PLUGBOARD_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
}

/// The daemon refused a request, or could not be reached.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RemoteError {
    /// Who must act, as the daemon said.
    pub blame: Blame,
    /// What the daemon said, and what to do.
    pub message: String,
}

impl RemoteError {
    /// Who must act.
    pub fn blame(&self) -> Blame {
        self.blame
    }
}

fn operator(message: String) -> RemoteError {
    RemoteError {
        blame: Blame::Operator,
        message,
    }
}

/// An answer from the daemon: its status and JSON body.
struct Answer {
    status: reqwest::StatusCode,
    body: Value,
}

impl Answer {
    /// The daemon's error message and blame.
    fn error(&self) -> (String, Blame) {
        let message = self.body["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {}", self.status));
        let blame =
            serde_json::from_value(self.body["error"]["blame"].clone()).unwrap_or(Blame::Host);
        (message, blame)
    }
}

/// POST `body` (or nothing) to `path` on the daemon at `server`.
async fn post(
    server: &str,
    token: Option<&str>,
    path: &str,
    body: Option<&Value>,
) -> Result<Answer, RemoteError> {
    let token = token.ok_or_else(|| operator(
        "--server needs an API token: pass --token or set PLUGBOARD_TOKEN (create one with `plugboard token create` on the daemon's home)".into(),
    ))?;
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let mut request = reqwest::Client::new().post(&url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    let resp = request.send().await.map_err(|e| {
        operator(format!(
            "cannot reach the daemon at {url} ({e}); is `plugboard serve` running there?"
        ))
    })?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    Ok(Answer { status, body })
}

/// The daemon's answer to an upload.
#[derive(Debug)]
pub struct Uploaded {
    /// The plugin as now current (201), or the version already added (200).
    pub body: Value,
    /// The daemon already had this version with the same component and
    /// manifest, so nothing changed (200).
    pub unchanged: bool,
}

/// What the operator decided about an upload: `--yes`, `--grant-reveal`,
/// `--allow-unsigned`.
#[derive(Debug, Clone, Copy)]
pub struct UploadFlags {
    /// Approve what the plugin requests.
    pub yes: bool,
    /// Grant `secrets.reveal`.
    pub grant_reveal: bool,
    /// Accept an unsigned or untrusted package.
    pub allow_unsigned: bool,
}

/// Upload `source` (with its detached signature, if any) to the daemon at
/// `server`.
pub async fn add_plugin(
    server: &str,
    token: Option<&str>,
    source: &PluginSource,
    signature: Option<&str>,
    flags: UploadFlags,
) -> anyhow::Result<Uploaded> {
    let UploadFlags {
        yes,
        grant_reveal,
        allow_unsigned,
    } = flags;
    let body = json!({
        "manifest": source.manifest_text,
        "wasm_base64": base64::engine::general_purpose::STANDARD.encode(&source.wasm),
        "signature": signature,
        "approve": yes,
        "grant_reveal": grant_reveal,
        "allow_unsigned": allow_unsigned,
    });
    let answer = post(server, token, "/v1/plugins", Some(&body)).await?;
    if answer.status.is_success() {
        return Ok(Uploaded {
            unchanged: answer.status == reqwest::StatusCode::OK,
            body: answer.body,
        });
    }
    let (message, blame) = answer.error();
    // Only a refusal that asks for approval is answered by `--yes` (a
    // version added with other bytes is a 409 too).
    let message = if answer.status.as_u16() == 409 && !yes && message.contains("\"approve\": true")
    {
        format!("{message}; re-run with --yes to approve")
    } else {
        format!(
            "the daemon refused the plugin ({}): {message}",
            answer.status
        )
    };
    Err(RemoteError { blame, message }.into())
}

/// Run instance `id`'s credentials check in the daemon at `server` (it uses
/// the worker's token instead of minting another). Returns the daemon's
/// answer: `{instance, account}`.
pub async fn check_instance(server: &str, token: Option<&str>, id: &str) -> anyhow::Result<Value> {
    // A name that cannot be an instance must not reshape the request path.
    plugboard_host::instance::check_instance_name(id)?;
    let answer = post(server, token, &format!("/v1/instances/{id}/check"), None).await?;
    if answer.status.is_success() {
        return Ok(answer.body);
    }
    let (message, blame) = answer.error();
    Err(RemoteError { blame, message }.into())
}
