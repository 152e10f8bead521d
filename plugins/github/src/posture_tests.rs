use super::*;

fn status_of(findings: &[Finding], id: &str) -> FindingStatus {
    findings
        .iter()
        .find(|f| f.id == id)
        .map(|f| f.status)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn settings_map_to_pass_fail_and_unknown() {
    let org: serde_json::Value = serde_json::from_str(
        r#"{"login":"acme","two_factor_requirement_enabled":true,"default_repository_permission":"write",
            "members_can_create_public_repositories":false,"web_commit_signoff_required":null}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let f = findings(&org);
    assert_eq!(f.len(), 6);
    assert_eq!(
        status_of(&f, "github.two-factor-required"),
        FindingStatus::Pass
    );
    assert_eq!(status_of(&f, "github.base-permission"), FindingStatus::Fail);
    assert_eq!(
        status_of(&f, "github.public-repositories"),
        FindingStatus::Pass
    );
    assert_eq!(
        status_of(&f, "github.web-commit-signoff"),
        FindingStatus::Unknown
    );
    assert_eq!(
        status_of(&f, "github.push-protection"),
        FindingStatus::Unknown
    );
}
