//! Governance actions: `suspend-user` and `reactivate-user`, both
//! `PATCH /v1.0/users/{id}` with `{"accountEnabled":false|true}` (Graph
//! answers 204). Needs the `User.ReadWrite.All` application permission.

use crate::client;
use plugboard_sdk::{Action, Error};

/// The actions this plugin implements, as listed by `describe`.
pub const ACTIONS: [&str; 2] = ["suspend-user", "reactivate-user"];

/// The exact request an action sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChange {
    /// Absolute URL, the user id percent-encoded.
    pub url: String,
    /// The JSON body.
    pub body: String,
}

impl AccountChange {
    /// `PATCH <url> <body>`, for outcome details.
    pub fn describe(&self) -> String {
        format!("PATCH {} {}", self.url, self.body)
    }
}

/// The request for `action`; an unknown action or an empty target is an
/// `invalid-config` error (the operator asked for it).
pub fn plan(action: &Action) -> Result<AccountChange, Error> {
    let enabled = match action.name.as_str() {
        "suspend-user" => false,
        "reactivate-user" => true,
        other => {
            return Err(Error::config(format!(
                "unknown action `{other}`; the Azure connector supports {}",
                ACTIONS.join(", ")
            )));
        }
    };
    let target = action.target.trim();
    if target.is_empty() {
        return Err(Error::config(format!(
            "`{}` needs a target user id (object id or user principal name)",
            action.name
        )));
    }
    Ok(AccountChange {
        url: client::graph(&["users", target]).build(),
        body: serde_json::json!({ "accountEnabled": enabled }).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use plugboard_sdk::ErrorKind;

    fn action(name: &str, target: &str) -> Action {
        Action {
            name: name.into(),
            target: target.into(),
            dry_run: true,
        }
    }

    #[test]
    fn suspend_disables_and_reactivate_enables_the_user() {
        let suspend = plan(&action(
            "suspend-user",
            "6e7b768e-07e2-4810-8459-485f84f8f204",
        ))
        .ok();
        assert_eq!(
            suspend.map(|p| p.describe()),
            Some(
                "PATCH https://graph.microsoft.com/v1.0/users/6e7b768e-07e2-4810-8459-485f84f8f204 {\"accountEnabled\":false}"
                    .to_string()
            )
        );
        let reactivate = plan(&action("reactivate-user", "u1")).ok();
        assert_eq!(
            reactivate.map(|p| p.body),
            Some("{\"accountEnabled\":true}".to_string())
        );
    }

    #[test]
    fn the_target_is_percent_encoded_in_the_path() {
        let planned = plan(&action("suspend-user", "../groups?x=1")).ok();
        assert_eq!(
            planned.map(|p| p.url),
            Some("https://graph.microsoft.com/v1.0/users/..%2Fgroups%3Fx%3D1".to_string())
        );
    }

    #[test]
    fn unknown_actions_and_empty_targets_are_invalid_config() {
        for (name, target) in [("delete-user", "u1"), ("suspend-user", " ")] {
            let kind = plan(&action(name, target)).err().map(|e| e.kind);
            assert_eq!(kind, Some(ErrorKind::InvalidConfig), "{name} {target:?}");
        }
    }
}
