//! `remove-member` (`DELETE /orgs/{org}/members/{login}`, 204: the user leaves
//! every team and repository) and `convert-to-outside-collaborator` (`PUT
//! /orgs/{org}/outside_collaborators/{login}` `{"async":false}`, 204: they keep
//! only what their teams gave them). Both need an owner's credential.

use crate::client;
use plugboard_sdk::http::{Change, Method};
use plugboard_sdk::{Action, Error, action};

/// The actions this plugin implements.
pub const ACTIONS: [&str; 2] = ["remove-member", "convert-to-outside-collaborator"];

/// The request for `action` in organization `org`; an unknown action or an
/// empty target is an `invalid-config` error (the operator asked for it).
pub fn plan(action: &Action, org: &str) -> Result<Change, Error> {
    let login = action::target(action, "GitHub", &ACTIONS, "login")?;
    let (method, kind, body) = match action.name.as_str() {
        "remove-member" => (Method::Delete, "members", ""),
        _ => (Method::Put, "outside_collaborators", r#"{"async":false}"#),
    };
    let url = client::url_of(org, &[kind, login]).build();
    Ok(Change {
        method,
        url,
        body: body.into(),
    })
}

#[cfg(test)]
#[path = "governance_tests.rs"]
mod tests;
