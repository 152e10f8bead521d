//! Governance actions: `suspend-user` and `reactivate-user`, both
//! `PATCH /v1.0/users/{id}` with `{"accountEnabled":false|true}` (Graph
//! answers 204). Needs the `User.ReadWrite.All` application permission.

use crate::client;
use plugboard_sdk::http::{Change, Method};
use plugboard_sdk::{Action, Error, action};

/// The actions this plugin implements, as listed by `describe`.
pub const ACTIONS: [&str; 2] = ["suspend-user", "reactivate-user"];

/// The request for `action`; an unknown action or an empty target is an
/// `invalid-config` error (the operator asked for it).
pub fn plan(action: &Action) -> Result<Change, Error> {
    let target = action::target(
        action,
        "Azure",
        &ACTIONS,
        "user id (object id or user principal name)",
    )?;
    let enabled = action.name != "suspend-user";
    Ok(Change {
        method: Method::Patch,
        url: client::graph(&["users", target]).build(),
        body: serde_json::json!({ "accountEnabled": enabled }).to_string(),
    })
}

#[cfg(test)]
#[path = "governance_tests.rs"]
mod tests;
