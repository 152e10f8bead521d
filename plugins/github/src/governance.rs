//! `remove-member` (`DELETE /orgs/{org}/members/{login}`, 204: the user leaves
//! every team and repository) and `convert-to-outside-collaborator` (`PUT
//! /orgs/{org}/outside_collaborators/{login}` `{"async":false}`, 204: they keep
//! only what their teams gave them). Both need an owner's credential.

use crate::client::BASE_URL;
use plugboard_sdk::http::{Change, Method};
use plugboard_sdk::url::UrlBuilder;
use plugboard_sdk::{Action, Error};

/// The actions this plugin implements.
pub const ACTIONS: [&str; 2] = ["remove-member", "convert-to-outside-collaborator"];

/// The request for `action` in organization `org`; an unknown action or an
/// empty target is an `invalid-config` error (the operator asked for it).
pub fn plan(action: &Action, org: &str) -> Result<Change, Error> {
    let login = action.target.trim();
    if login.is_empty() {
        return Err(Error::config(format!(
            "`{}` needs a target login",
            action.name
        )));
    }
    let (method, kind, body) = match action.name.as_str() {
        "remove-member" => (Method::Delete, "members", ""),
        "convert-to-outside-collaborator" => {
            (Method::Put, "outside_collaborators", r#"{"async":false}"#)
        }
        other => {
            let supported = ACTIONS.join(", ");
            return Err(Error::config(format!(
                "unknown action `{other}`; the GitHub connector supports {supported}"
            )));
        }
    };
    let url = [kind, login].iter().fold(
        UrlBuilder::new(BASE_URL).segment("orgs").segment(org),
        |u, s| u.segment(s),
    );
    let body = body.into();
    Ok(Change {
        method,
        url: url.build(),
        body,
    })
}

#[cfg(test)]
#[path = "governance_tests.rs"]
mod tests;
