//! Who is to blame for a failure, as data that errors, metrics and exit codes share.

use serde::{Deserialize, Serialize};

/// Who is to blame for a failure, and so who must act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Blame {
    /// The plugin broke the contract, trapped, timed out or returned bad output.
    Plugin,
    /// The upstream app failed, throttled us, or refused the credentials.
    Upstream,
    /// The operator's input or configuration is wrong.
    Operator,
    /// The host itself failed (I/O, database, a bug).
    Host,
}

impl Blame {
    /// A stable lower-case label for metrics, JSON and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Blame::Plugin => "plugin",
            Blame::Upstream => "upstream",
            Blame::Operator => "operator",
            Blame::Host => "host",
        }
    }

    /// Parse a label written by [`Blame::as_str`]; `None` for anything else.
    pub fn from_label(label: &str) -> Option<Self> {
        match label {
            "plugin" => Some(Blame::Plugin),
            "upstream" => Some(Blame::Upstream),
            "operator" => Some(Blame::Operator),
            "host" => Some(Blame::Host),
            _ => None,
        }
    }
}

impl std::fmt::Display for Blame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
