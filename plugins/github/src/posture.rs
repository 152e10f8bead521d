//! Security posture from the organization's settings (`GET /orgs/{org}`, the
//! owner's view). A field GitHub leaves out or nulls (not an owner's
//! credential, or a field closing down) gives an `unknown` finding.

use plugboard_sdk::{Finding, FindingStatus, Severity};
use serde_json::{Value, json};

/// One check a line: id | severity | field | passing values (JSON, `;`
/// between) | title | where to fix it under Organization > Settings.
const CHECKS: &str = "\
two-factor-required|high|two_factor_requirement_enabled|true|Two-factor authentication is required for everyone in the organization|Authentication security: require two-factor authentication.
base-permission|medium|default_repository_permission|\"read\";\"none\"|Members' base repository permission is read or none|Member privileges > Base permissions: Read (or No permission).
public-repositories|medium|members_can_create_public_repositories|false|Members cannot create public repositories|Member privileges > Repository creation: untick Public.
outside-collaborator-invites|low|members_can_invite_outside_collaborators|false|Only owners invite outside collaborators|Member privileges > Repository invitations: untick Allow members to invite outside collaborators.
web-commit-signoff|low|web_commit_signoff_required|true|Web commits require sign-off|Repository > Repository defaults: require contributors to sign off on web-based commits.
push-protection|medium|secret_scanning_push_protection_enabled_for_new_repositories|true|Secret scanning push protection is on for new repositories|Code security > Configurations: enable push protection for new repositories.";

/// The findings for the organization object `org`.
pub fn findings(org: &Value) -> Vec<Finding> {
    let check = |line: &str| {
        let [id, severity, field, good, title, fix] = line.splitn(6, '|').collect::<Vec<_>>()[..]
        else {
            return None;
        };
        let value = org.get(field).cloned().unwrap_or(Value::Null);
        let shown = value.to_string();
        let status = match &value {
            Value::Null => FindingStatus::Unknown,
            _ if good.split(';').any(|g| g == shown) => FindingStatus::Pass,
            _ => FindingStatus::Fail,
        };
        Some(Finding {
            id: format!("github.{id}"),
            title: title.into(),
            severity: match severity {
                "high" => Severity::High,
                "medium" => Severity::Medium,
                _ => Severity::Low,
            },
            status,
            evidence: json!({ field: value }).to_string(),
            remediation: format!("Organization > Settings > {fix}"),
        })
    };
    CHECKS.lines().filter_map(check).collect()
}

#[cfg(test)]
#[path = "posture_tests.rs"]
mod tests;
