#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn holder(role: &str, id: &str, guest: Option<bool>, enabled: Option<bool>) -> Holder {
    Holder {
        role: role.into(),
        id: id.into(),
        name: format!("{id}@contoso.com"),
        guest,
        enabled,
    }
}

fn status(findings: &[Finding], id: &str) -> (FindingStatus, Severity) {
    let finding = findings.iter().find(|f| f.id == id).unwrap();
    (finding.status, finding.severity)
}

#[test]
fn five_role_holders_pass_and_six_fail_with_their_names_as_evidence() {
    let mut holders: Vec<Holder> = (1..=5)
        .map(|i| {
            holder(
                "Global Administrator",
                &format!("u{i}"),
                Some(false),
                Some(true),
            )
        })
        .collect();
    // The same account in a second role counts once.
    holders.push(holder("User Administrator", "u1", Some(false), Some(true)));
    let findings = findings(&holders);
    assert_eq!(
        status(&findings, "azure.privileged-role-members"),
        (FindingStatus::Pass, Severity::High)
    );
    holders.push(holder(
        "Security Administrator",
        "u6",
        Some(false),
        Some(true),
    ));
    let findings = findings_for(&holders);
    let finding = findings
        .iter()
        .find(|f| f.id == "azure.privileged-role-members")
        .unwrap();
    assert_eq!(finding.status, FindingStatus::Fail);
    assert!(
        finding.evidence.starts_with("6 accounts"),
        "{}",
        finding.evidence
    );
    assert!(
        finding
            .evidence
            .contains("u1@contoso.com (Global Administrator, User Administrator)"),
        "{}",
        finding.evidence
    );
}

fn findings_for(holders: &[Holder]) -> Vec<Finding> {
    findings(holders)
}

#[test]
fn a_guest_holding_a_role_is_a_critical_failure() {
    let holders = [
        holder("Global Administrator", "u1", Some(false), Some(true)),
        holder("Global Administrator", "g1", Some(true), Some(true)),
    ];
    let findings = findings(&holders);
    assert_eq!(
        status(&findings, "azure.guest-admins"),
        (FindingStatus::Fail, Severity::Critical)
    );
    let evidence = &findings
        .iter()
        .find(|f| f.id == "azure.guest-admins")
        .unwrap()
        .evidence;
    assert!(evidence.contains("g1@contoso.com"), "{evidence}");
    assert!(!evidence.contains("u1@"), "{evidence}");
    assert_eq!(
        status(&findings, "azure.disabled-admins").0,
        FindingStatus::Pass
    );
}

#[test]
fn a_disabled_account_holding_a_role_fails() {
    let holders = [holder(
        "Exchange Administrator",
        "u1",
        Some(false),
        Some(false),
    )];
    let findings = findings(&holders);
    assert_eq!(
        status(&findings, "azure.disabled-admins").0,
        FindingStatus::Fail
    );
    assert_eq!(
        status(&findings, "azure.guest-admins").0,
        FindingStatus::Pass
    );
}

#[test]
fn missing_user_type_or_enabled_flag_makes_the_check_unknown_not_pass() {
    let holders = [holder("Global Administrator", "u1", None, None)];
    let findings = findings(&holders);
    assert_eq!(
        status(&findings, "azure.guest-admins").0,
        FindingStatus::Unknown
    );
    assert_eq!(
        status(&findings, "azure.disabled-admins").0,
        FindingStatus::Unknown
    );
}

#[test]
fn guests_are_recognised_by_user_type_or_ext_upn_and_service_principals_never_are() {
    let role = RoleRef {
        id: "r1".into(),
        name: "Global Administrator".into(),
        template: None,
    };
    let body = br##"{"value":[
      {"@odata.type":"#microsoft.graph.user","id":"a","userPrincipalName":"a@contoso.com","userType":"Member","accountEnabled":true},
      {"@odata.type":"#microsoft.graph.user","id":"b","userPrincipalName":"b_fabrikam.com#EXT#@contoso.com"},
      {"@odata.type":"#microsoft.graph.user","id":"c","userPrincipalName":"c@contoso.com","userType":"Guest","accountEnabled":false},
      {"@odata.type":"#microsoft.graph.servicePrincipal","id":"d","displayName":"ci-bot","accountEnabled":true},
      {"@odata.type":"#microsoft.graph.group","id":"e"}]}"##;
    let (holders, _) = parse_holders_page(&role, body).unwrap();
    let seen: Vec<_> = holders
        .iter()
        .map(|h| (h.name.as_str(), h.guest, h.enabled))
        .collect();
    assert_eq!(
        seen,
        [
            ("a@contoso.com", Some(false), Some(true)),
            ("b_fabrikam.com#EXT#@contoso.com", Some(true), None),
            ("c@contoso.com", Some(true), Some(false)),
            ("ci-bot", Some(false), Some(true)),
        ]
    );
}

#[test]
fn assess_reads_the_roles_then_each_roles_members() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(if url.ends_with("/directoryRoles") {
            br##"{"value":[{"id":"r1","displayName":"Global Administrator"},{"id":"r2","displayName":"Guest Inviter"}]}"##.to_vec()
        } else {
            br##"{"value":[{"@odata.type":"#microsoft.graph.user","id":"x","userPrincipalName":"x@contoso.com","userType":"Guest","accountEnabled":true}]}"##.to_vec()
        })
    };
    let findings = assess(&mut fetch).unwrap();
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert_eq!(
        status(&findings, "azure.guest-admins").0,
        FindingStatus::Fail
    );
    assert_eq!(
        status(&findings, "azure.privileged-role-members").0,
        FindingStatus::Pass
    );
}
