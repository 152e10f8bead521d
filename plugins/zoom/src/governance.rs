//! Governance actions: `suspend-user` and `reactivate-user`, both
//! `PUT /users/{id}/status` with `{"action":"deactivate"|"activate"}`
//! (Zoom answers 204).

use crate::client;
use plugboard_sdk::http::{Change, Method};
use plugboard_sdk::{Action, Error, action};

/// The actions this plugin implements, as listed by `describe`.
pub const ACTIONS: [&str; 2] = ["suspend-user", "reactivate-user"];

/// The request for `action`; an unknown action or an empty target is an
/// `invalid-config` error (the operator asked for it).
pub fn plan(action: &Action) -> Result<Change, Error> {
    let target = action::target(action, "Zoom", &ACTIONS, "user id")?;
    let verb = match action.name.as_str() {
        "suspend-user" => "deactivate",
        _ => "activate",
    };
    Ok(Change {
        method: Method::Put,
        url: client::url(&["users", target, "status"]).build(),
        body: serde_json::json!({ "action": verb }).to_string(),
    })
}

#[cfg(test)]
#[path = "governance_tests.rs"]
mod tests;
