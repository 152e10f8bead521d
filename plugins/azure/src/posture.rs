//! Security posture from the activated directory roles: `GET
//! /v1.0/directoryRoles`, then `GET /v1.0/directoryRoles/{id}/members?$select=…`
//! per role (one request per role for tenants with under 1,000 holders per
//! role). Three findings:
//!
//! - `azure.privileged-role-members`: more than [`MAX_PRIVILEGED`] distinct
//!   accounts hold directory roles;
//! - `azure.guest-admins`: a guest user holds a directory role;
//! - `azure.disabled-admins`: a disabled account still holds a directory role.

use crate::Fetch;
use crate::roles::{self, RoleRef};
use plugboard_sdk::json::{Flag, Text};
use plugboard_sdk::stream::Env;
use plugboard_sdk::{Error, Finding, FindingStatus, Record, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Most accounts that should hold directory roles. Microsoft advises fewer
/// than five Global Administrators and keeping every privileged role small.
pub const MAX_PRIVILEGED: usize = 5;

/// Most requests one `assess` makes, so a looping `@odata.nextLink` cannot
/// run away.
pub const MAX_REQUESTS: usize = 1_000;

/// How many accounts a finding's evidence names before summarising.
const EVIDENCE_NAMES: usize = 20;

/// One account holding one activated directory role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The role's display name.
    pub role: String,
    /// The account's object id.
    pub id: String,
    /// UPN, else mail, else display name, else id.
    pub name: String,
    /// True for a guest, false for a member or service principal, `None`
    /// when Graph did not say.
    pub guest: Option<bool>,
    /// `accountEnabled`, when Graph said.
    pub enabled: Option<bool>,
}

/// Reads the `directory-roles` stream to its end, then judges the holders.
pub fn assess(mut fetch: Fetch<'_>) -> Result<Vec<Finding>, Error> {
    let (mut cursor, mut holders) = (None, Vec::new());
    for _ in 0..MAX_REQUESTS {
        let page = roles::ROLES.sync(cursor.as_deref(), Env::default(), &mut fetch)?;
        holders.extend(page.records.iter().filter_map(holder));
        if !page.more {
            break;
        }
        cursor = page.cursor;
    }
    Ok(findings(&holders))
}

/// Parses one role members page into holders (users and service principals).
pub fn parse_holders_page(
    role: &RoleRef,
    body: &[u8],
) -> Result<(Vec<Holder>, Option<String>), Error> {
    let (records, next) = roles::parse_role_members_page(role, body)?;
    Ok((records.iter().filter_map(holder).collect(), next))
}

/// The holder behind a role assignment, from what the assignment kept.
fn holder(record: &Record) -> Option<Holder> {
    #[derive(Deserialize, Default)]
    #[serde(default, rename_all = "camelCase")]
    struct Kept {
        member_type: Text,
        display_name: Text,
        user_type: Text,
        account_enabled: Flag,
    }
    let Record::RoleAssignment(assignment) = record else {
        return None;
    };
    let kept: Kept = serde_json::from_str(&assignment.raw).unwrap_or_default();
    let name = (assignment.email.clone())
        .or(kept.display_name.0)
        .unwrap_or_else(|| assignment.account_id.clone());
    let is_sp = kept.member_type.get() == Some(roles::SERVICE_PRINCIPAL_TYPE);
    let guest = match kept.user_type.0 {
        _ if is_sp => Some(false),
        Some(kind) => Some(kind.eq_ignore_ascii_case("guest")),
        None if name.contains("#EXT#") => Some(true),
        None => None,
    };
    Some(Holder {
        role: assignment.role_name.clone(),
        id: assignment.account_id.clone(),
        name,
        guest,
        enabled: kept.account_enabled.0,
    })
}

/// The three findings for `holders`.
pub fn findings(holders: &[Holder]) -> Vec<Finding> {
    vec![
        privileged_members(holders),
        flagged(
            holders,
            Check {
                id: "azure.guest-admins",
                title: "No guest user holds a directory role",
                severity: Severity::Critical,
                what: "guest users",
                remediation: "Remove directory roles from guest (B2B) users: a guest's credentials \
                    are managed by another organisation. If an external admin is really needed, \
                    create a member account for them, require MFA, and prefer eligible (PIM) \
                    assignments.",
            },
            |h| h.guest,
        ),
        flagged(
            holders,
            Check {
                id: "azure.disabled-admins",
                title: "No disabled account holds a directory role",
                severity: Severity::Medium,
                what: "disabled accounts",
                remediation: "Remove directory role assignments from disabled accounts \
                    (Entra ID > Roles and administrators); re-enabling such an account would \
                    instantly restore its admin rights.",
            },
            |h| h.enabled.map(|enabled| !enabled),
        ),
    ]
}

/// Distinct holders, each with the roles they hold.
fn by_account(holders: &[&Holder]) -> BTreeMap<(String, String), Vec<String>> {
    let mut accounts: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for holder in holders {
        accounts
            .entry((holder.name.clone(), holder.id.clone()))
            .or_default()
            .push(holder.role.clone());
    }
    accounts
}

fn names(accounts: &BTreeMap<(String, String), Vec<String>>) -> String {
    let mut listed: Vec<String> = accounts
        .iter()
        .take(EVIDENCE_NAMES)
        .map(|((name, _), roles)| format!("{name} ({})", roles.join(", ")))
        .collect();
    if accounts.len() > EVIDENCE_NAMES {
        listed.push(format!("and {} more", accounts.len() - EVIDENCE_NAMES));
    }
    listed.join("; ")
}

fn privileged_members(holders: &[Holder]) -> Finding {
    let accounts = by_account(&holders.iter().collect::<Vec<_>>());
    let count = accounts.len();
    let status = if count > MAX_PRIVILEGED {
        FindingStatus::Fail
    } else {
        FindingStatus::Pass
    };
    let evidence = if count == 0 {
        "no account holds an activated directory role".to_string()
    } else {
        format!(
            "{count} accounts hold activated directory roles (at most {MAX_PRIVILEGED} advised): {}",
            names(&accounts)
        )
    };
    Finding {
        id: "azure.privileged-role-members".into(),
        title: "Few accounts hold privileged directory roles".into(),
        severity: Severity::High,
        status,
        evidence,
        remediation: "Keep Global Administrators and other privileged roles small (under five \
            accounts): remove standing assignments that are not needed, use least-privileged \
            roles (e.g. User Administrator instead of Global Administrator), and make the rest \
            eligible through Privileged Identity Management."
            .into(),
    }
}

/// One yes/no check over holders.
struct Check {
    id: &'static str,
    title: &'static str,
    severity: Severity,
    what: &'static str,
    remediation: &'static str,
}

/// Fails when `flag` says yes for any holder; unknown when it cannot tell for
/// some and says yes for none.
fn flagged(holders: &[Holder], check: Check, flag: fn(&Holder) -> Option<bool>) -> Finding {
    let hits: Vec<&Holder> = holders.iter().filter(|h| flag(h) == Some(true)).collect();
    let unknown = by_account(
        &holders
            .iter()
            .filter(|h| flag(h).is_none())
            .collect::<Vec<_>>(),
    );
    let (status, evidence) = if !hits.is_empty() {
        let accounts = by_account(&hits);
        (
            FindingStatus::Fail,
            format!(
                "{} {} hold directory roles: {}",
                accounts.len(),
                check.what,
                names(&accounts)
            ),
        )
    } else if !unknown.is_empty() {
        (
            FindingStatus::Unknown,
            format!(
                "Graph did not say for {} role holders: {}",
                unknown.len(),
                names(&unknown)
            ),
        )
    } else {
        (
            FindingStatus::Pass,
            format!(
                "none of the {} role holders are {}",
                by_account(&holders.iter().collect::<Vec<_>>()).len(),
                check.what
            ),
        )
    };
    Finding {
        id: check.id.into(),
        title: check.title.into(),
        severity: check.severity,
        status,
        evidence,
        remediation: check.remediation.into(),
    }
}

#[cfg(test)]
#[path = "posture_tests.rs"]
mod tests;
