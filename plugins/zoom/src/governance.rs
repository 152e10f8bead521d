//! Governance actions: `suspend-user` and `reactivate-user`, both
//! `PUT /users/{id}/status` with `{"action":"deactivate"|"activate"}`
//! (Zoom answers 204).

use crate::client;
use plugboard_sdk::{Action, Error};

/// The actions this plugin implements, as listed by `describe`.
pub const ACTIONS: [&str; 2] = ["suspend-user", "reactivate-user"];

/// The exact request an action sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Absolute URL, the user id percent-encoded.
    pub url: String,
    /// The JSON body.
    pub body: String,
}

impl StatusChange {
    /// `PUT <url> <body>`, for outcome details.
    pub fn describe(&self) -> String {
        format!("PUT {} {}", self.url, self.body)
    }
}

/// The request for `action`; an unknown action or an empty target is an
/// `invalid-config` error (the operator asked for it).
pub fn plan(action: &Action) -> Result<StatusChange, Error> {
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
    Ok(StatusChange {
        url: client::url(&["users", target, "status"]).build(),
        body: serde_json::json!({ "action": verb }).to_string(),
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
    fn suspend_deactivates_and_reactivate_activates_the_user() {
        let suspend = plan(&action("suspend-user", "KDcuGIm1QgePTO8WbOqwIQ")).ok();
        assert_eq!(
            suspend.map(|p| p.describe()),
            Some(
                "PUT https://api.zoom.us/v2/users/KDcuGIm1QgePTO8WbOqwIQ/status {\"action\":\"deactivate\"}"
                    .to_string()
            )
        );
        let reactivate = plan(&action("reactivate-user", "u1")).ok();
        assert_eq!(
            reactivate.map(|p| p.body),
            Some("{\"action\":\"activate\"}".to_string())
        );
    }

    #[test]
    fn the_target_is_percent_encoded_in_the_path() {
        let planned = plan(&action("suspend-user", "../admin?x=1")).ok();
        assert_eq!(
            planned.map(|p| p.url),
            Some("https://api.zoom.us/v2/users/..%2Fadmin%3Fx%3D1/status".to_string())
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
