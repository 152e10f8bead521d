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
