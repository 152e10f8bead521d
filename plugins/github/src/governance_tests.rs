use super::*;

fn action(name: &str, target: &str) -> Action {
    Action {
        name: name.into(),
        target: target.into(),
        dry_run: false,
    }
}

#[test]
fn each_action_is_one_request_on_the_member() {
    let remove =
        plan(&action("remove-member", "dev/1"), "acme").unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(remove.method, Method::Delete);
    assert_eq!(
        remove.url,
        "https://api.github.com/orgs/acme/members/dev%2F1"
    );
    let convert = plan(&action("convert-to-outside-collaborator", " dev "), "acme")
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(convert.method, Method::Put);
    assert_eq!(
        convert.url,
        "https://api.github.com/orgs/acme/outside_collaborators/dev"
    );
    assert_eq!(convert.body, r#"{"async":false}"#);
}

#[test]
fn an_unknown_action_or_an_empty_target_is_the_operators_mistake() {
    for a in [action("suspend-user", "dev"), action("remove-member", " ")] {
        let e = plan(&a, "acme")
            .err()
            .unwrap_or_else(|| panic!("{a:?} planned"));
        assert_eq!(e.kind, plugboard_sdk::ErrorKind::InvalidConfig, "{e:?}");
    }
}
