//! Security posture from `GET /accounts/me/settings?option=security` and
//! `?option=meeting_security` (two requests per `assess`).
//!
//! Fields follow Zoom's documentation exactly; in particular end-to-end
//! encryption is `meeting_security.end_to_end_encrypted_meetings` plus
//! `encryption_type`, never `in_meeting.e2e_encryption` (which is about
//! third-party endpoints). The settings may arrive wrapped
//! (`{"security":{…}}`) or bare; both are read.

use crate::{Fetch, client};
use plugboard_sdk::{Error, Finding, FindingStatus, Severity};
use serde_json::{Value, json};

/// The settings URL for one `option`.
pub fn settings_url(option: &str) -> String {
    client::url(&["accounts", "me", "settings"])
        .query("option", option)
        .build()
}

/// Reads both settings groups and judges them.
pub fn assess(fetch: Fetch<'_>) -> Result<Vec<Finding>, Error> {
    let security = fetch(&settings_url("security"))?;
    let meeting = fetch(&settings_url("meeting_security"))?;
    findings(&security, &meeting)
}

/// The findings for a `option=security` body and an `option=meeting_security`
/// body.
pub fn findings(security_body: &[u8], meeting_body: &[u8]) -> Result<Vec<Finding>, Error> {
    let security_page = client::ZOOM.page(security_body, "security settings")?;
    let meeting_page = client::ZOOM.page(meeting_body, "meeting security settings")?;
    let security = section(&security_page, "security");
    let meeting = section(&meeting_page, "meeting_security");
    Ok(vec![
        mfa(security),
        web_session_timeout(security),
        e2ee(meeting),
        password_policy(security),
    ])
}

/// `page[key]` when it is an object, else the page itself (bare settings).
fn section<'a>(page: &'a Value, key: &str) -> &'a Value {
    match page.get(key) {
        Some(inner) if inner.is_object() => inner,
        _ => page,
    }
}

fn field<'a>(object: &'a Value, key: &str) -> &'a Value {
    object.get(key).unwrap_or(&Value::Null)
}

fn mfa(security: &Value) -> Finding {
    let mode = field(security, "sign_in_with_two_factor_auth");
    let status = match mode.as_str() {
        Some("all") => FindingStatus::Pass,
        Some("group" | "role") => FindingStatus::Partial,
        _ => FindingStatus::Fail,
    };
    Finding {
        id: "zoom.mfa-enforced".into(),
        title: "Two-factor authentication is required for every user".into(),
        severity: Severity::High,
        status,
        evidence: json!({
            "sign_in_with_two_factor_auth": mode,
            "sign_in_with_two_factor_auth_groups": field(security, "sign_in_with_two_factor_auth_groups"),
            "sign_in_with_two_factor_auth_roles": field(security, "sign_in_with_two_factor_auth_roles"),
        })
        .to_string(),
        remediation: "Zoom web portal > Admin > Advanced > Security > Sign in with Two-Factor \
                      Authentication: turn it on for all users in the account."
            .into(),
    }
}

fn web_session_timeout(security: &Value) -> Finding {
    let minutes = field(security, "sign_again_period_for_inactivity_on_web");
    let status = match minutes.as_u64() {
        Some(m) if m > 0 => FindingStatus::Pass,
        _ => FindingStatus::Fail,
    };
    Finding {
        id: "zoom.web-session-timeout".into(),
        title: "Web portal sessions expire after inactivity".into(),
        severity: Severity::Medium,
        status,
        evidence: json!({
            "sign_again_period_for_inactivity_on_web": minutes,
            "sign_again_period_for_inactivity_on_client": field(security, "sign_again_period_for_inactivity_on_client"),
        })
        .to_string(),
        remediation: "Zoom web portal > Admin > Advanced > Security > Require users to sign in \
                      again after a period of inactivity: enable it for the web portal (e.g. 30 \
                      minutes)."
            .into(),
    }
}

fn e2ee(meeting: &Value) -> Finding {
    let enabled = field(meeting, "end_to_end_encrypted_meetings");
    let kind = field(meeting, "encryption_type");
    let status = match (enabled.as_bool(), kind.as_str()) {
        (Some(true), Some("e2ee")) => FindingStatus::Pass,
        (Some(true), Some("enhanced_encryption")) => FindingStatus::Partial,
        _ => FindingStatus::Fail,
    };
    Finding {
        id: "zoom.e2ee-meetings".into(),
        title: "Meetings use end-to-end encryption by default".into(),
        severity: Severity::Medium,
        status,
        evidence: json!({
            "end_to_end_encrypted_meetings": enabled,
            "encryption_type": kind,
        })
        .to_string(),
        remediation: "Zoom web portal > Admin > Account Management > Account Settings > Meeting > \
                      Security: allow use of end-to-end encryption and set the default encryption \
                      type to End-to-end encryption."
            .into(),
    }
}

fn password_policy(security: &Value) -> Finding {
    let requirement = field(security, "password_requirement");
    let length = field(requirement, "minimum_password_length");
    let special = field(requirement, "have_special_character");
    let long_enough = length.as_u64().is_some_and(|n| n >= 8);
    let has_special = special.as_bool() == Some(true);
    let status = match (long_enough, has_special) {
        (true, true) => FindingStatus::Pass,
        (true, false) | (false, true) => FindingStatus::Partial,
        (false, false) => FindingStatus::Fail,
    };
    Finding {
        id: "zoom.password-policy".into(),
        title: "Sign-in passwords need 8+ characters and a special character".into(),
        severity: Severity::Medium,
        status,
        evidence: json!({
            "password_requirement.minimum_password_length": length,
            "password_requirement.have_special_character": special,
        })
        .to_string(),
        remediation: "Zoom web portal > Admin > Advanced > Security > Password requirement: set a \
                      minimum length of at least 8 characters and require a special character."
            .into(),
    }
}

#[cfg(test)]
#[path = "posture_tests.rs"]
mod tests;
