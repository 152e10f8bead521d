#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

fn statuses(security: &str, meeting: &str) -> Vec<(String, FindingStatus)> {
    findings(security.as_bytes(), meeting.as_bytes())
        .unwrap()
        .into_iter()
        .map(|f| (f.id, f.status))
        .collect()
}

fn status_of(id: &str, security: &str, meeting: &str) -> FindingStatus {
    statuses(security, meeting)
        .into_iter()
        .find(|(found, _)| found == id)
        .map(|(_, status)| status)
        .unwrap()
}

const GOOD_SECURITY: &str = r#"{"security":{"sign_in_with_two_factor_auth":"all",
  "sign_again_period_for_inactivity_on_web":30,"sign_again_period_for_inactivity_on_client":0,
  "password_requirement":{"minimum_password_length":10,"have_special_character":true}}}"#;
const GOOD_MEETING: &str = r#"{"meeting_security":{"end_to_end_encrypted_meetings":true,
  "encryption_type":"e2ee","waiting_room":true}}"#;

#[test]
fn a_well_configured_account_passes_every_check() {
    let all = statuses(GOOD_SECURITY, GOOD_MEETING);
    let ids: Vec<_> = all.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "zoom.mfa-enforced",
            "zoom.web-session-timeout",
            "zoom.e2ee-meetings",
            "zoom.password-policy"
        ]
    );
    assert!(
        all.iter().all(|(_, s)| *s == FindingStatus::Pass),
        "{all:?}"
    );
}

#[test]
fn mfa_passes_only_for_all_users_and_is_partial_for_groups_or_roles() {
    let cases = [
        ("all", FindingStatus::Pass),
        ("group", FindingStatus::Partial),
        ("role", FindingStatus::Partial),
        ("none", FindingStatus::Fail),
    ];
    for (mode, want) in cases {
        let security = format!(r#"{{"security":{{"sign_in_with_two_factor_auth":"{mode}"}}}}"#);
        assert_eq!(
            status_of("zoom.mfa-enforced", &security, "{}"),
            want,
            "{mode}"
        );
    }
    assert_eq!(
        status_of("zoom.mfa-enforced", "{}", "{}"),
        FindingStatus::Fail
    );
}

#[test]
fn settings_are_read_bare_as_well_as_wrapped() {
    let bare =
        r#"{"sign_in_with_two_factor_auth":"all","sign_again_period_for_inactivity_on_web":5}"#;
    let bare_meeting = r#"{"end_to_end_encrypted_meetings":true,"encryption_type":"e2ee"}"#;
    assert_eq!(
        status_of("zoom.mfa-enforced", bare, "{}"),
        FindingStatus::Pass
    );
    assert_eq!(
        status_of("zoom.web-session-timeout", bare, "{}"),
        FindingStatus::Pass
    );
    assert_eq!(
        status_of("zoom.e2ee-meetings", "{}", bare_meeting),
        FindingStatus::Pass
    );
}

#[test]
fn a_zero_or_missing_web_timeout_fails() {
    let zero = r#"{"security":{"sign_again_period_for_inactivity_on_web":0}}"#;
    assert_eq!(
        status_of("zoom.web-session-timeout", zero, "{}"),
        FindingStatus::Fail
    );
    assert_eq!(
        status_of("zoom.web-session-timeout", "{}", "{}"),
        FindingStatus::Fail
    );
}

#[test]
fn e2ee_needs_the_meeting_security_setting_and_never_reads_in_meeting_e2e_encryption() {
    let enhanced = r#"{"meeting_security":{"end_to_end_encrypted_meetings":true,"encryption_type":"enhanced_encryption"}}"#;
    let off =
        r#"{"meeting_security":{"end_to_end_encrypted_meetings":false,"encryption_type":"e2ee"}}"#;
    let decoy = r#"{"in_meeting":{"e2e_encryption":true},"meeting_security":{}}"#;
    assert_eq!(
        status_of("zoom.e2ee-meetings", "{}", enhanced),
        FindingStatus::Partial
    );
    assert_eq!(
        status_of("zoom.e2ee-meetings", "{}", off),
        FindingStatus::Fail
    );
    assert_eq!(
        status_of("zoom.e2ee-meetings", "{}", decoy),
        FindingStatus::Fail
    );
}

#[test]
fn the_password_policy_needs_both_length_and_a_special_character() {
    let cases = [
        (
            r#"{"minimum_password_length":8,"have_special_character":true}"#,
            FindingStatus::Pass,
        ),
        (
            r#"{"minimum_password_length":12,"have_special_character":false}"#,
            FindingStatus::Partial,
        ),
        (
            r#"{"minimum_password_length":0,"have_special_character":true}"#,
            FindingStatus::Partial,
        ),
        (
            r#"{"minimum_password_length":0,"have_special_character":false}"#,
            FindingStatus::Fail,
        ),
    ];
    for (requirement, want) in cases {
        let security = format!(r#"{{"security":{{"password_requirement":{requirement}}}}}"#);
        assert_eq!(
            status_of("zoom.password-policy", &security, "{}"),
            want,
            "{requirement}"
        );
    }
}

#[test]
fn evidence_shows_the_observed_values() {
    let security = r#"{"security":{"sign_in_with_two_factor_auth":"group","sign_in_with_two_factor_auth_groups":["g1"]}}"#;
    let all = findings(security.as_bytes(), b"{}").unwrap();
    let mfa = all.iter().find(|f| f.id == "zoom.mfa-enforced").unwrap();
    assert_eq!(mfa.severity, Severity::High);
    let evidence: Value = serde_json::from_str(&mfa.evidence).unwrap();
    assert_eq!(evidence["sign_in_with_two_factor_auth"], "group");
    assert_eq!(evidence["sign_in_with_two_factor_auth_groups"][0], "g1");
}

#[test]
fn both_settings_requests_are_made() {
    let mut urls = Vec::new();
    let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
        urls.push(url.to_string());
        Ok(b"{}".to_vec())
    };
    assert_eq!(assess(&mut fetch).unwrap().len(), 4);
    assert_eq!(
        urls,
        [
            "https://api.zoom.us/v2/accounts/me/settings?option=security",
            "https://api.zoom.us/v2/accounts/me/settings?option=meeting_security",
        ]
    );
}
