//! The `directory-roles` stream: who holds which activated Entra ID directory
//! role.
//!
//! Partitioned by `GET /v1.0/directoryRoles` (activated roles only; Graph
//! lists a role once someone was assigned it), then
//! `GET /v1.0/directoryRoles/{id}/members?$select=…` per role. Every
//! directory role grants administrative power, so every assignment is
//! privileged. Users and service principals become assignments; role-assignable
//! groups are skipped (their members are not expanded).

use crate::client::{self, GRAPH_NEXT};
use crate::groups;
use crate::users::Member;
use plugboard_sdk::json::{Text, item};
use plugboard_sdk::stream::{Parents, Partitions, Slice, Stream};
use plugboard_sdk::{Error, Record, RoleAssignment, StreamKind};
use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_json::value::RawValue;

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

/// The stream.
pub const ROLES: Stream<RoleRef> = client::graph_stream(STREAM, members_url, assignment)
    .about(
        StreamKind::Roles,
        "Holders of every activated directory role",
    )
    .what("role members page")
    .partitions(Partitions::Parents(Parents {
        url: roles_url,
        records: &["value"],
        paginator: GRAPH_NEXT,
        map: role,
        all_first: false,
        what: "directory roles page",
    }));

/// `GET /v1.0/directoryRoles` (the endpoint takes no paging options).
pub fn roles_url() -> String {
    client::graph(&["directoryRoles"]).build()
}

/// The first members request of a role.
fn members_url(slice: &Slice<'_, RoleRef>) -> String {
    let id = slice.parent.map_or("", |role| role.id.as_str());
    client::with_query(
        client::graph(&["directoryRoles", id, "members"]),
        &[("$select", MEMBER_SELECT)],
    )
}

/// A role as Graph lists it.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Role {
    id: Text,
    display_name: Text,
    role_template_id: Text,
}

fn role(raw: &RawValue) -> Option<RoleRef> {
    let role = item::<Role>(raw)?;
    let id = role.id.0?;
    Some(RoleRef {
        name: role.display_name.0.unwrap_or_else(|| id.clone()),
        template: role.role_template_id.0,
        id,
    })
}

/// Parses a `GET /directoryRoles` page into roles and the next link; roles
/// without an id are skipped.
pub fn parse_roles_page(body: &[u8]) -> Result<(Vec<RoleRef>, Option<String>), Error> {
    ROLES.parse_parents(body)
}

/// Parses one `GET /directoryRoles/{id}/members` page into privileged role
/// assignments and the next link.
pub fn parse_role_members_page(
    role: &RoleRef,
    body: &[u8],
) -> Result<(Vec<Record>, Option<String>), Error> {
    let slice = Slice {
        parent: Some(role),
        window: None,
    };
    ROLES.parse_slice(&slice, body)
}

/// Whether a role member is a user or a service principal (not a group or
/// device).
pub fn is_principal(member: &Member) -> bool {
    groups::is_user(member) || member.kind.get() == Some(SERVICE_PRINCIPAL_TYPE)
}

fn assignment(slice: &Slice<'_, RoleRef>, raw: &RawValue, out: &mut Vec<Record>) {
    let (Some(role), Some(member)) = (slice.parent, item::<Member>(raw)) else {
        return;
    };
    if !is_principal(&member) {
        return;
    }
    let raw = json!({
        "roleTemplateId": role.template,
        "memberType": member.kind.0,
        "displayName": member.display_name.0,
        "userType": member.user_type.0,
        "accountEnabled": member.account_enabled.0,
    });
    let email = member.email();
    let Some(account_id) = member.id.0 else {
        return;
    };
    out.push(Record::RoleAssignment(RoleAssignment {
        role_id: role.id.clone(),
        role_name: role.name.clone(),
        account_id,
        email,
        privileged: true,
        raw: raw.to_string(),
    }));
}

#[cfg(test)]
#[path = "roles_tests.rs"]
mod tests;
