//! The `directory-roles` stream: who holds which activated Entra ID directory
//! role.
//!
//! A [fan-out](crate::fanout) over `GET /v1.0/directoryRoles` (activated roles
//! only; Graph lists a role once someone was assigned it), then
//! `GET /v1.0/directoryRoles/{id}/members?$select=…` per role. Every
//! directory role grants administrative power, so every assignment is
//! privileged. Users and service principals become assignments; role-assignable
//! groups are skipped (their members are not expanded).

use crate::fanout::{self, Fanout};
use crate::{Fetch, client, graph_pages, groups, json, users};
use plugboard_sdk::{Error, Page, Record, RoleAssignment};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Stream name.
pub const STREAM: &str = "directory-roles";

/// The member properties read: Graph's default set lacks `userType` and
/// `accountEnabled`, which posture needs.
pub const MEMBER_SELECT: &str = "id,displayName,userPrincipalName,mail,userType,accountEnabled";

/// The `@odata.type` of a service principal.
pub const SERVICE_PRINCIPAL_TYPE: &str = "#microsoft.graph.servicePrincipal";

/// An activated directory role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRef {
    /// The role's object id in this tenant.
    pub id: String,
    /// Display name, e.g. `Global Administrator`.
    pub name: String,
    /// The tenant-independent role template id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

const ROLES_FANOUT: Fanout<RoleRef> = Fanout {
    stream: STREAM,
    list_url: roles_url,
    parse_parents: parse_roles_page,
    members_url,
    parse_members: parse_role_members_page,
};

/// One page of the `directory-roles` stream (one request).
pub fn sync(cursor: Option<&str>, fetch: Fetch<'_>) -> Result<Page, Error> {
    fanout::sync(&ROLES_FANOUT, cursor, fetch)
}

/// `GET /v1.0/directoryRoles` (the endpoint takes no paging options).
pub fn roles_url() -> String {
    client::graph(&["directoryRoles"]).build()
}

/// The first members request of `role`.
pub fn members_url(role: &RoleRef) -> String {
    client::with_query(
        client::graph(&["directoryRoles", &role.id, "members"]),
        &[("$select", MEMBER_SELECT)],
    )
}

/// Parses a `GET /directoryRoles` page into roles and the next link; roles
/// without an id are skipped.
pub fn parse_roles_page(body: &[u8]) -> Result<(Vec<RoleRef>, Option<String>), Error> {
    let (page, next) = graph_pages::parse(body, "directory roles page")?;
    let roles = json::items(&page, "directory roles page")?
        .iter()
        .filter_map(|role| {
            let id = json::text(role, "id")?;
            Some(RoleRef {
                name: json::text(role, "displayName").unwrap_or_else(|| id.clone()),
                template: json::text(role, "roleTemplateId"),
                id,
            })
        })
        .collect();
    Ok((roles, next))
}

/// Parses one `GET /directoryRoles/{id}/members` page into privileged role
/// assignments and the next link.
pub fn parse_role_members_page(
    role: &RoleRef,
    body: &[u8],
) -> Result<(Vec<Record>, Option<String>), Error> {
    let (page, next) = graph_pages::parse(body, "role members page")?;
    let records = json::items(&page, "role members page")?
        .iter()
        .filter(|member| is_principal(member))
        .filter_map(|member| assignment(role, member))
        .map(Record::RoleAssignment)
        .collect();
    Ok((records, next))
}

/// Whether a role member is a user or a service principal (not a group or
/// device).
pub fn is_principal(member: &Value) -> bool {
    groups::is_user(member)
        || member.get("@odata.type").and_then(Value::as_str) == Some(SERVICE_PRINCIPAL_TYPE)
}

fn assignment(role: &RoleRef, member: &Value) -> Option<RoleAssignment> {
    let raw = json!({
        "roleTemplateId": role.template,
        "memberType": member.get("@odata.type"),
        "displayName": member.get("displayName"),
        "userType": member.get("userType"),
        "accountEnabled": member.get("accountEnabled"),
    });
    Some(RoleAssignment {
        role_id: role.id.clone(),
        role_name: role.name.clone(),
        account_id: json::text(member, "id")?,
        email: users::email(member),
        privileged: true,
        raw: raw.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn global_admin() -> RoleRef {
        RoleRef {
            id: "r1".into(),
            name: "Global Administrator".into(),
            template: Some("62e90394-69f5-4237-9190-012177145e10".into()),
        }
    }

    #[test]
    fn activated_roles_are_read_with_their_template_id() {
        let body = br##"{"value":[
          {"id":"r1","displayName":"Global Administrator","roleTemplateId":"62e90394-69f5-4237-9190-012177145e10"},
          {"id":"r2"},{"displayName":"no id"}]}"##;
        let (roles, next) = parse_roles_page(body).unwrap();
        assert_eq!(next, None);
        assert_eq!(roles[0], global_admin());
        assert_eq!(
            (roles[1].name.as_str(), roles.len()),
            ("r2", 2),
            "a role without a name is named by its id"
        );
    }

    #[test]
    fn users_and_service_principals_hold_privileged_roles_but_groups_are_skipped() {
        let body = br##"{"value":[
          {"@odata.type":"#microsoft.graph.user","id":"u1","userPrincipalName":"admin@contoso.com","userType":"Member","accountEnabled":true},
          {"@odata.type":"#microsoft.graph.servicePrincipal","id":"sp1","displayName":"deploy-bot"},
          {"@odata.type":"#microsoft.graph.group","id":"g1","displayName":"Admins"}]}"##;
        let (records, _) = parse_role_members_page(&global_admin(), body).unwrap();
        let held: Vec<_> = records
            .iter()
            .filter_map(|r| match r {
                Record::RoleAssignment(a) => Some(a),
                _ => None,
            })
            .collect();
        assert_eq!(held.len(), 2, "{held:?}");
        assert!(
            held.iter()
                .all(|a| a.privileged && a.role_name == "Global Administrator")
        );
        assert_eq!(held[0].email.as_deref(), Some("admin@contoso.com"));
        let raw: Value = serde_json::from_str(&held[0].raw).unwrap();
        assert_eq!(
            raw["roleTemplateId"],
            "62e90394-69f5-4237-9190-012177145e10"
        );
        assert_eq!(raw["userType"], "Member");
        assert_eq!(held[1].account_id, "sp1");
    }

    #[test]
    fn the_stream_lists_roles_then_reads_each_roles_members_one_request_per_call() {
        let mut urls = Vec::new();
        let mut fetch = |url: &str| -> Result<Vec<u8>, Error> {
            urls.push(url.to_string());
            Ok(if url.ends_with("/directoryRoles") {
                br##"{"value":[{"id":"r1","displayName":"A"},{"id":"r2","displayName":"B"}]}"##
                    .to_vec()
            } else {
                br##"{"value":[{"@odata.type":"#microsoft.graph.user","id":"u1"}]}"##.to_vec()
            })
        };
        let mut cursor = None;
        let mut assignments = 0;
        loop {
            let page = sync(cursor.as_deref(), &mut fetch).unwrap();
            assignments += page.records.len();
            if !page.more {
                assert_eq!(page.cursor, None);
                break;
            }
            cursor = page.cursor;
        }
        assert_eq!(assignments, 2);
        assert_eq!(
            urls,
            [
                "https://graph.microsoft.com/v1.0/directoryRoles".to_string(),
                format!(
                    "https://graph.microsoft.com/v1.0/directoryRoles/r1/members?$select={}",
                    MEMBER_SELECT.replace(',', "%2C")
                ),
                format!(
                    "https://graph.microsoft.com/v1.0/directoryRoles/r2/members?$select={}",
                    MEMBER_SELECT.replace(',', "%2C")
                ),
            ]
        );
    }
}
