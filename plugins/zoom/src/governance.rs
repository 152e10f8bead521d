//! Governance actions: `suspend-user` and `reactivate-user`, both
//! `PUT /users/{id}/status` with `{"action":"deactivate"|"activate"}`
//! (Zoom answers 204).

use crate::client;
use plugboard_sdk::http::{Change, Method};
use plugboard_sdk::{Action, Error};

/// The actions this plugin implements, as listed by `describe`.
pub const ACTIONS: [&str; 2] = ["suspend-user", "reactivate-user"];

/// The request for `action`; an unknown action or an empty target is an
/// `invalid-config` error (the operator asked for it).
pub fn plan(action: &Action) -> Result<Change, Error> {
    let verb = match action.name.as_str() {
        "suspend-user" => "deactivate",
        "reactivate-user" => "activate",
        other => {
            return Err(Error::config(format!(
                "unknown action `{other}`; the Zoom connector supports {}",
                ACTIONS.join(", ")
            )));
        }
    };
    let target = action.target.trim();
    if target.is_empty() {
        return Err(Error::config(format!(
            "`{}` needs a target user id",
            action.name
        )));
    }
    Ok(Change {
        method: Method::Put,
        url: client::url(&["users", target, "status"]).build(),
        body: serde_json::json!({ "action": verb }).to_string(),
    })
}

#[cfg(test)]
#[path = "governance_tests.rs"]
mod tests;
