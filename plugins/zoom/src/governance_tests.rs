#![allow(clippy::unwrap_used, reason = "tests")]

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
