//! Commands that talk to a running daemon over its REST API instead of
//! opening the home themselves (`plugboard plugin add --server URL`).

use base64::Engine as _;
use plugboard_core::Blame;
use serde_json::{Value, json};

use crate::registry::PluginSource;

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

/// Upload `source` to the daemon at `server`; `yes` approves it. Returns the
/// daemon's answer (the plugin as now current).
pub async fn add_plugin(
    server: &str,
    token: Option<&str>,
    source: &PluginSource,
    yes: bool,
    grant_reveal: bool,
) -> anyhow::Result<Value> {
    let token = token.ok_or_else(|| operator(
        "--server needs an API token: pass --token or set PLUGBOARD_TOKEN (create one with `plugboard token create` on the daemon's home)".into(),
    ))?;
    let url = format!("{}/v1/plugins", server.trim_end_matches('/'));
    let body = json!({
        "manifest": source.manifest_text,
        "wasm_base64": base64::engine::general_purpose::STANDARD.encode(&source.wasm),
        "approve": yes,
        "grant_reveal": grant_reveal,
    });
    let resp = reqwest::Client::new()
        .post(&url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .map_err(|e| {
            operator(format!(
                "cannot reach the daemon at {url} ({e}); is `plugboard serve` running there?"
            ))
        })?;
    let status = resp.status();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(answer);
    }
    let message = answer["error"]["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let blame = serde_json::from_value(answer["error"]["blame"].clone()).unwrap_or(Blame::Host);
    let message = if status.as_u16() == 409 && !yes {
        format!("{message}; re-run with --yes to approve")
    } else {
        format!("the daemon refused the plugin ({status}): {message}")
    };
    Err(RemoteError { blame, message }.into())
}
